/**
 * Who sends a consortium action. The API never acts for a party with someone else's key: when it holds the caller's
 * own key (`ctx.signers`: the member's keystore, or the demo parties of the embedded stack) it sends the transaction
 * and answers once it is mined; otherwise it answers the unsigned transaction for the caller's wallet to send
 * (`eth_sendTransaction`), after checking it against the chain as the caller would send it, so that a refusal comes
 * back decoded before anything is signed. Proposals, approvals, executions, cancellations, expiries and consents are
 * plain transactions from the acting party (the contracts check `msg.sender`): there is no signature to relay, unlike
 * a document's co-signature.
 */
import type { Caller } from '../auth/caller.js';
import type { ApiContext } from '../context.js';
import type { LedgerClient } from '../../ledger/client.js';
import {
  prepareTransaction,
  type CallRequest,
  type UnsignedTransaction,
} from '../../ledger/consortium-transactions.js';
import { sendAndConfirm, minedAt, type MinedTransaction } from '../../ledger/transactions.js';
import { withConsortiumProblems } from './decode.js';

/** A sent and mined transaction. */
export interface SentAction {
  mode: 'sent';
  transaction: { hash: string; blockNumber: number; from: string };
}

/** A transaction for the caller's wallet to send. */
export interface UnsignedAction {
  mode: 'unsigned';
  transaction: UnsignedTransaction;
}

/**
 * Sends `request` with the caller's hosted key (`send` does, and may return more than where it was mined), or
 * prepares it for the caller's wallet. Chain refusals become problems either way.
 */
export async function sendOrPrepare<T extends MinedTransaction>(
  ctx: ApiContext,
  caller: Caller,
  action: string,
  request: CallRequest,
  send: (client: LedgerClient) => Promise<T>,
): Promise<{ sent: SentAction; result: T } | { sent: UnsignedAction; result: null }> {
  const signer = ctx.signers.get(caller.account);
  return withConsortiumProblems(async () => {
    if (signer === undefined) {
      const transaction = await prepareTransaction(ctx.ledger, action, caller.account, request);
      return { sent: { mode: 'unsigned', transaction }, result: null };
    }
    const result = await send({ ...ctx.ledger, signer });
    const transaction = { hash: result.transactionHash, blockNumber: result.blockNumber, from: caller.account };
    return { sent: { mode: 'sent', transaction }, result };
  });
}

/** `sendOrPrepare` for a plain contract call: the receipt tells nothing more than where it was mined. */
export async function sendOrPrepareCall(
  ctx: ApiContext,
  caller: Caller,
  action: string,
  request: CallRequest,
): Promise<SentAction | UnsignedAction> {
  const { sent } = await sendOrPrepare(ctx, caller, action, request, async (client) =>
    minedAt(await sendAndConfirm(client, action, Promise.resolve({ ...request }))),
  );
  return sent;
}
