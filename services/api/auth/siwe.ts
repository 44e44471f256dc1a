/**
 * Sign-In with Ethereum (EIP-4361): checks a signed message against what this API expects, each failure with its own
 * stable code. The order matters: everything that can be checked without the chain first, the nonce's state next,
 * the signature (EOA, or EIP-1271 for contract wallets) last — and only then is the nonce consumed, atomically, so a
 * nonce is never burnt by a forged message and never accepted twice.
 */
import type { DatabaseSync } from 'node:sqlite';
import { getAddress, type Provider } from 'ethers';
import { SiweMessage } from 'siwe';
import { AppError } from '../errors.js';
import { consumeNonce, nonceState } from './store.js';

/** How far in the future a message's issued-at may be (clock skew between wallet and server). */
export const SIWE_CLOCK_SKEW_MS = 60_000;

export interface SiweExpectations {
  /** The API's public origin: its host is the domain, and the URI must be on it. */
  publicUrl: string;
  chainId: number;
  provider: Provider;
  now?: Date;
}

function siweError(status: 400 | 401, code: string, message: string, details?: Record<string, unknown>): AppError {
  return new AppError(status, code, message, details === undefined ? undefined : { details });
}

function parseMessage(text: string): SiweMessage {
  try {
    return new SiweMessage(text);
  } catch (error) {
    throw new AppError(400, 'SIWE_MESSAGE_INVALID', 'The message is not an EIP-4361 Sign-In with Ethereum message', {
      cause: error,
    });
  }
}

function timeOf(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw siweError(400, 'SIWE_MESSAGE_INVALID', `The message's ${field} is not a valid time`);
  return ms;
}

/** Checks `text` signed with `signature`; returns the signing account (checksummed) and consumes its nonce. */
export async function verifySignIn(
  db: DatabaseSync,
  text: string,
  signature: string,
  expected: SiweExpectations,
): Promise<{ account: string; message: SiweMessage }> {
  const message = parseMessage(text);
  const now = (expected.now ?? new Date()).getTime();
  const origin = new URL(expected.publicUrl);

  if (message.domain !== origin.host) {
    throw siweError(401, 'SIWE_DOMAIN_MISMATCH', `The message is for ${message.domain}, not ${origin.host}`, {
      expectedDomain: origin.host,
    });
  }
  let uriOrigin: string | undefined;
  try {
    uriOrigin = new URL(message.uri).origin;
  } catch {
    uriOrigin = undefined;
  }
  if (uriOrigin !== origin.origin) {
    throw siweError(401, 'SIWE_URI_MISMATCH', `The message's URI must be on ${origin.origin}`, {
      expectedOrigin: origin.origin,
    });
  }
  if (message.chainId !== expected.chainId) {
    throw siweError(
      401,
      'SIWE_CHAIN_MISMATCH',
      `The message is for chain ${message.chainId}, not ${expected.chainId}`,
      {
        expectedChainId: expected.chainId,
      },
    );
  }
  const issuedAt = timeOf(message.issuedAt, 'issued-at');
  if (issuedAt === undefined) throw siweError(400, 'SIWE_MESSAGE_INVALID', 'The message has no issued-at time');
  if (issuedAt > now + SIWE_CLOCK_SKEW_MS) {
    throw siweError(401, 'SIWE_ISSUED_IN_FUTURE', `The message was issued at ${message.issuedAt}, in the future`);
  }
  const expiresAt = timeOf(message.expirationTime, 'expiration time');
  if (expiresAt !== undefined && expiresAt <= now) {
    throw siweError(401, 'SIWE_EXPIRED', `The message expired at ${message.expirationTime}`);
  }
  const notBefore = timeOf(message.notBefore, 'not-before time');
  if (notBefore !== undefined && notBefore > now) {
    throw siweError(401, 'SIWE_NOT_YET_VALID', `The message is valid only from ${message.notBefore}`);
  }

  switch (nonceState(db, message.nonce, now)) {
    case 'unknown':
      throw siweError(401, 'SIWE_NONCE_UNKNOWN', 'The nonce was not issued by this API: ask POST /v1/auth/nonce');
    case 'used':
      throw siweError(401, 'SIWE_NONCE_USED', 'The nonce was already used: ask POST /v1/auth/nonce for a new one');
    case 'expired':
      throw siweError(401, 'SIWE_NONCE_EXPIRED', 'The nonce has expired: ask POST /v1/auth/nonce for a new one');
    case 'valid':
      break;
  }

  const verified = await message.verify(
    { signature, domain: origin.host, nonce: message.nonce, time: new Date(now).toISOString() },
    // siwe's types name ethers 5's provider; at run time it only builds an ethers Contract on it, which ethers 6 does.
    { provider: expected.provider as never, suppressExceptions: true },
  );
  if (!verified.success) {
    throw siweError(401, 'SIWE_SIGNATURE_INVALID', `The signature is not ${message.address}'s (EOA or EIP-1271)`);
  }

  if (!consumeNonce(db, message.nonce, now)) {
    throw siweError(401, 'SIWE_NONCE_USED', 'The nonce was already used: ask POST /v1/auth/nonce for a new one');
  }
  return { account: getAddress(message.address), message };
}
