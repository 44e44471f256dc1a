/**
 * Validator node keys in Besu's formats. Besu reads a node's secp256k1 private key from `<data-path>/key`: one line,
 * the 32-byte key as 0x-prefixed hex (what `KeyPairUtil.storeKeyFile` writes); `besu operator
 * generate-blockchain-config` writes the public key beside it as `key.pub`, the 64-byte uncompressed point (x ‖ y) as
 * 0x-prefixed hex. The node address is the last 20 bytes of the Keccak-256 hash of that public key (an Ethereum
 * address), and the enode URL is `enode://<public key without 0x>@<host>:<port>`.
 */
import { Wallet } from 'ethers';

export interface NodeKey {
  /** 0x-prefixed hex of the 32-byte private key (the `key` file). */
  privateKey: string;
  /** 0x-prefixed hex of the 64-byte uncompressed public key without its 0x04 prefix (the `key.pub` file). */
  publicKey: string;
  /** The node (validator) address, checksummed. */
  address: string;
}

/** A fresh random node key. */
export function generateNodeKey(): NodeKey {
  const wallet = Wallet.createRandom();
  return nodeKeyOf(wallet.privateKey);
}

/** The node key of a private key (0x-prefixed hex of 32 bytes). */
export function nodeKeyOf(privateKey: string): NodeKey {
  const wallet = new Wallet(privateKey);
  // SigningKey.publicKey is the uncompressed SEC1 point, 0x04 ‖ x ‖ y.
  return {
    privateKey: wallet.privateKey,
    publicKey: `0x${wallet.signingKey.publicKey.slice(4)}`,
    address: wallet.address,
  };
}

/** The enode URL of a node listening for peers on `host`:`port` (an IP address: Besu's DNS support is early access). */
export function enodeUrl(key: Pick<NodeKey, 'publicKey'>, host: string, port: number): string {
  return `enode://${key.publicKey.slice(2)}@${host}:${port}`;
}
