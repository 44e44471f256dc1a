/**
 * The browser wallet, through EIP-1193 (`window.ethereum`): accounts, chain, personal_sign and
 * eth_signTypedData_v4. Typed data is passed as the wallet expects it (JSON, with the EIP712Domain type), so the
 * wallet shows the typed fields themselves.
 */
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

export interface Eip1193Provider {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

declare global {
  interface Window {
    ethereum?: Eip1193Provider;
  }
}

export class WalletMissing extends Error {
  constructor() {
    super('No browser wallet found: install or enable one (an EIP-1193 wallet such as MetaMask) and reload the page');
    this.name = 'WalletMissing';
  }
}

export function walletProvider(): Eip1193Provider {
  if (window.ethereum === undefined) throw new WalletMissing();
  return window.ethereum;
}

export function hasWallet(): boolean {
  return window.ethereum !== undefined;
}

/** The EIP-55 mixed-case form of an address. */
export function checksumAddress(address: string): string {
  const lower = address.toLowerCase().replace(/^0x/, '');
  if (!/^[0-9a-f]{40}$/.test(lower)) throw new Error(`Not an address: ${address}`);
  const hash = bytesToHex(keccak_256(utf8ToBytes(lower)));
  let result = '0x';
  for (let i = 0; i < 40; i += 1) result += parseInt(hash[i]!, 16) >= 8 ? lower[i]!.toUpperCase() : lower[i]!;
  return result;
}

/** Asks the wallet for its account (the wallet may prompt); answers it checksummed. */
export async function requestAccount(): Promise<string> {
  const accounts = (await walletProvider().request({ method: 'eth_requestAccounts' })) as string[];
  if (accounts.length === 0 || accounts[0] === undefined) throw new Error('The wallet shared no account');
  return checksumAddress(accounts[0]);
}

export async function walletChainId(): Promise<number> {
  return Number(await walletProvider().request({ method: 'eth_chainId' }));
}

export async function personalSign(account: string, message: string): Promise<string> {
  const hex = '0x' + bytesToHex(utf8ToBytes(message));
  return (await walletProvider().request({ method: 'personal_sign', params: [hex, account] })) as string;
}

export interface TypedData {
  domain: Record<string, unknown>;
  types: Record<string, { name: string; type: string }[]>;
  primaryType: string;
  message: Record<string, unknown>;
}

const DOMAIN_FIELDS: [string, string][] = [
  ['name', 'string'],
  ['version', 'string'],
  ['chainId', 'uint256'],
  ['verifyingContract', 'address'],
  ['salt', 'bytes32'],
];

/** eth_signTypedData_v4: the wallet shows `typedData`'s fields and answers the signature. BigInts go as decimals. */
export async function signTypedData(account: string, typedData: TypedData): Promise<string> {
  const types = { ...typedData.types };
  if (types.EIP712Domain === undefined) {
    types.EIP712Domain = DOMAIN_FIELDS.filter(([name]) => typedData.domain[name] !== undefined).map(([name, type]) => ({
      name,
      type,
    }));
  }
  const json = JSON.stringify({ ...typedData, types }, (_key, value: unknown) =>
    typeof value === 'bigint' ? value.toString() : value,
  );
  return (await walletProvider().request({ method: 'eth_signTypedData_v4', params: [account, json] })) as string;
}
