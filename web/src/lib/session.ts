/**
 * Who is signed in, and signing in: Sign-In with Ethereum (EIP-4361) through the browser wallet, or — on the local
 * stack only — the developer sign-in as a demo party. The session is the API's HttpOnly cookie; pages ask `/v1/me`.
 */
import { get, post } from './api.js';
import { personalSign, requestAccount, walletChainId } from './wallet.js';

export interface Me {
  account: string;
  party: { legalName: string; identifier: string; active: boolean; roles: string[] };
  roles: string[];
  via: string;
}

export interface Site {
  name: string;
  chainId: number;
  embedded: boolean;
  devParties: { name: string; role: string; legalName: string; address: string }[];
  pages: { path: string; nav: string; title: string; audience: 'public' | 'signed-in' }[];
}

let site: Promise<Site> | undefined;

export function loadSite(): Promise<Site> {
  site ??= get<Site>('/v1/site');
  return site;
}

/** The signed-in party, or null when nobody is. */
export async function currentSession(): Promise<Me | null> {
  const state = await get<{ signedIn: boolean } & Partial<Me>>('/v1/session');
  return state.signedIn ? (state as Me) : null;
}

/** The EIP-4361 message for `account` on this origin. */
export function siweMessage(fields: {
  account: string;
  chainId: number;
  nonce: string;
  issuedAt: Date;
  expiresAt: Date;
}): string {
  return [
    `${location.host} wants you to sign in with your Ethereum account:`,
    fields.account,
    '',
    'Sign in to PolicyLedger.',
    '',
    `URI: ${location.origin}`,
    'Version: 1',
    `Chain ID: ${fields.chainId}`,
    `Nonce: ${fields.nonce}`,
    `Issued At: ${fields.issuedAt.toISOString()}`,
    `Expiration Time: ${fields.expiresAt.toISOString()}`,
  ].join('\n');
}

/** Sign-In with Ethereum: a fresh nonce, the message signed in the wallet, the session cookie set by the API. */
export async function signInWithWallet(): Promise<Me> {
  const { chainId } = await loadSite();
  const account = await requestAccount();
  const walletChain = await walletChainId();
  if (walletChain !== chainId) {
    throw new Error(`Your wallet is on chain ${walletChain}; switch it to the ledger's chain ${chainId} and try again`);
  }
  const { nonce } = await post<{ nonce: string }>('/v1/auth/nonce');
  const issuedAt = new Date();
  const message = siweMessage({
    account,
    chainId,
    nonce,
    issuedAt,
    expiresAt: new Date(issuedAt.getTime() + 10 * 60_000),
  });
  const signature = await personalSign(account, message);
  await post('/v1/auth/siwe', { message, signature });
  return (await currentSession())!;
}

/** DEVELOPMENT ONLY (local stack): signs in as the demo party `name` without a wallet. */
export async function devSignIn(name: string): Promise<Me> {
  await post('/v1/dev/sign-in', { party: name });
  return (await currentSession())!;
}

export async function signOut(): Promise<void> {
  await post('/v1/auth/sign-out');
}
