/**
 * Sending ledger actions with a key this API holds, beside the anchoring outbox, which sends with the same keys and
 * chooses each nonce itself from the node's pending count. A `NonceManager` here would count on its own and fall
 * behind the outbox's transactions, so each action is sent, like the outbox's, with the node's pending count; one at a
 * time per account in this process, and again (a few times) when the outbox took that nonce first.
 */
import { isError, NonceManager, type Signer } from 'ethers';
import type { LedgerClient } from '../../ledger/client.js';
import type { SendOptions } from '../../ledger/transactions.js';
import { pendingNonce } from '../anchoring/chain.js';

const ATTEMPTS = 5;
/** The last send of each account, so that this process sends one transaction at a time per account. */
const queues = new Map<string, Promise<unknown>>();

function nonceTaken(error: unknown): boolean {
  return (
    isError(error, 'NONCE_EXPIRED') ||
    isError(error, 'REPLACEMENT_UNDERPRICED') ||
    /already known|nonce too low/i.test((error as Error | null)?.message ?? '')
  );
}

/** Runs `action` as `signer` (a hosted key) with the account's pending nonce; retried while the nonce was taken. */
export async function sendAs<T>(
  ledger: LedgerClient,
  signer: Signer,
  action: (client: LedgerClient, options: SendOptions) => Promise<T>,
): Promise<T> {
  const base = signer instanceof NonceManager ? signer.signer : signer;
  const sender = base.provider === null ? base.connect(ledger.provider) : base;
  const account = await sender.getAddress();
  const run = async (): Promise<T> => {
    for (let attempt = 1; ; attempt += 1) {
      const nonce = await pendingNonce(ledger, account);
      try {
        return await action({ ...ledger, signer: sender }, { nonce });
      } catch (error) {
        if (attempt >= ATTEMPTS || !nonceTaken(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      }
    }
  };
  const previous = queues.get(account) ?? Promise.resolve();
  const current = previous.catch(() => undefined).then(run);
  queues.set(account, current);
  try {
    return await current;
  } finally {
    if (queues.get(account) === current) queues.delete(account);
  }
}
