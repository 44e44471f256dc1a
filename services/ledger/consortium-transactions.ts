/**
 * Consortium actions either sent with a key the caller's API holds, or handed to the party's own wallet: the
 * transaction is then prepared here and checked against the chain as that party would send it (a simulation from its
 * address), so that a refusal is reported, decoded, before anyone signs anything.
 */
import type { LedgerClient } from './client.js';
import { withDecodedErrors } from './errors.js';

/** A contract call: what to send, to whom. */
export interface CallRequest {
  to: string;
  data: string;
}

/** A transaction for a wallet to sign and send (as `eth_sendTransaction` takes it; numbers as decimal strings). */
export interface UnsignedTransaction {
  from: string;
  to: string;
  data: string;
  value: '0';
  chainId: string;
  /** The gas the simulation used, with a fifth more for the state to move before it is mined. */
  gasLimit: string;
  /** The sender's next nonce, counting its transactions already in the node's pool. */
  nonce: number;
}

/**
 * `request` as `from` would send it, after checking it on the chain's latest state: a refusal throws a `LedgerError`
 * named after the contract's custom error (`action` names it).
 */
export async function prepareTransaction(
  client: Pick<LedgerClient, 'provider'>,
  action: string,
  from: string,
  request: CallRequest,
): Promise<UnsignedTransaction> {
  const [gas, network, nonce] = await Promise.all([
    withDecodedErrors(action, () => client.provider.estimateGas({ from, to: request.to, data: request.data })),
    client.provider.getNetwork(),
    client.provider.getTransactionCount(from, 'pending'),
  ]);
  return {
    from,
    to: request.to,
    data: request.data,
    value: '0',
    chainId: network.chainId.toString(),
    gasLimit: ((gas * 6n) / 5n).toString(),
    nonce,
  };
}

/**
 * Checks that `request` would succeed if `from` made it now (a call, nothing sent): how a proposal's call is judged
 * before it is proposed, with `from` the consortium contract that will make it.
 */
export async function simulateCall(
  client: Pick<LedgerClient, 'provider'>,
  action: string,
  from: string,
  request: CallRequest,
): Promise<void> {
  await withDecodedErrors(action, () => client.provider.call({ from, to: request.to, data: request.data }));
}
