/**
 * Ledger reads and writes the API's records module needs (access-log heads, retention, key rotation): the anchor of a
 * hash, a retention class's rule, the chain's clock, and a party replacing its own encryption public key.
 */
import { getAddress, hexlify, JsonRpcApiProvider, type BytesLike } from 'ethers';
import { requireSigner, sharedContracts, type LedgerClient } from './client.js';

/** What the registry holds for a hash: enough to check that a record was anchored, by whom and when. */
export interface AnchorState {
  anchored: boolean;
  /** Checksummed registrant; null when not anchored. */
  registrant: string | null;
  /** Block time of anchoring (ISO-8601 UTC); null when not anchored. */
  anchoredAt: string | null;
  blockNumber: number | null;
  retentionClass: number | null;
}

/** The registry's record of `documentHash` (anchored: false when it never was). */
export async function readAnchorState(client: LedgerClient, documentHash: string): Promise<AnchorState> {
  const { registry } = sharedContracts(client, client.provider);
  const anchor = await registry.getAnchor(documentHash);
  if (anchor.registrant === '0x0000000000000000000000000000000000000000') {
    return { anchored: false, registrant: null, anchoredAt: null, blockNumber: null, retentionClass: null };
  }
  return {
    anchored: true,
    registrant: getAddress(anchor.registrant),
    anchoredAt: new Date(Number(anchor.anchoredAt) * 1000).toISOString(),
    blockNumber: Number(anchor.blockNumber),
    retentionClass: Number(anchor.retentionClass),
  };
}

/** A retention class's rule: whether it is defined, and the years kept after cover ends (0: permanently). */
export async function readRetentionRule(
  client: LedgerClient,
  retentionClass: number,
): Promise<{ defined: boolean; retentionYears: number }> {
  const { registry } = sharedContracts(client, client.provider);
  const rule = await registry.retentionRule(retentionClass);
  return { defined: rule.defined, retentionYears: Number(rule.retentionYears) };
}

/**
 * The time of the chain's latest block: the clock retention is judged by (not the server's own clock). Asked of the
 * node directly where the provider allows it: ethers answers a repeated `getBlock('latest')` from a 250 ms cache.
 */
export async function readChainTime(client: LedgerClient): Promise<Date> {
  const { provider } = client;
  if (provider instanceof JsonRpcApiProvider) {
    const latest = (await provider.send('eth_getBlockByNumber', ['latest', false])) as { timestamp: string } | null;
    if (latest === null) throw new Error('the chain has no latest block');
    return new Date(Number(BigInt(latest.timestamp)) * 1000);
  }
  const block = await provider.getBlock('latest');
  if (block === null) throw new Error('the chain has no latest block');
  return new Date(block.timestamp * 1000);
}

/** The encryption public key `account` has registered (hex, '0x' when none). */
export async function readEncryptionPublicKey(client: LedgerClient, account: string): Promise<string> {
  const { access } = sharedContracts(client, client.provider);
  const party = await access.getParty(account);
  return hexlify(party.encryptionPublicKey);
}

/** Replaces the signer's own encryption public key (`ConsortiumAccess.setEncryptionPublicKey`): a key rotation. */
export async function rotateEncryptionPublicKey(
  client: LedgerClient,
  encryptionPublicKey: BytesLike,
): Promise<{ transactionHash: string; blockNumber: number }> {
  const signer = requireSigner(client, 'rotateEncryptionPublicKey');
  const { access } = sharedContracts(client, signer);
  const sent = await access.setEncryptionPublicKey(encryptionPublicKey);
  const receipt = await sent.wait();
  if (receipt === null) throw new Error(`key rotation ${sent.hash} was dropped`);
  return { transactionHash: receipt.hash, blockNumber: receipt.blockNumber };
}
