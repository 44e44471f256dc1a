/**
 * How every ledger action sends a transaction: gas estimated first (a revert there spends no nonce, which matters to
 * a `NonceManager` that counts a nonce before the transaction is accepted), then sent with the client's and the call's
 * options, then awaited; reverts come back as `LedgerError`s named after our custom errors.
 */
import {
  NonceManager,
  type ContractTransaction,
  type Interface,
  type LogDescription,
  type TransactionReceipt,
  type TransactionRequest,
  type TransactionResponse,
} from 'ethers';
import { requireSigner, type LedgerClient } from './client.js';
import { decodeContractError, LedgerError, withDecodedErrors, type DecodedContractError } from './errors.js';

/** What sending needs of a client: a provider, a signer, and its default options. */
export type SendingClient = Pick<LedgerClient, 'provider' | 'signer' | 'sendOptions'>;

/** Options of a sent transaction; a call's options override the client's `sendOptions`. */
export interface SendOptions {
  /** Legacy transactions at a fixed gas price, e.g. `{ gasPrice: 0n, type: 0 }` on a free-gas QBFT network. */
  gasPrice?: bigint;
  type?: number;
  /** Skips the gas estimate (and so the early revert check) when given. */
  gasLimit?: bigint | number;
  /**
   * The nonce to send with, for a caller that keeps its own count (an oracle node). A `NonceManager` signer assigns
   * its own nonce and ignores this.
   */
  nonce?: number;
  /** Confirmations to wait for; default 1. */
  confirmations?: number;
  /** How long to wait for them before failing with ethers' `TIMEOUT`; default no limit. */
  timeoutMs?: number;
  /**
   * Called with the transaction's hash as soon as the node accepted it, before it is mined: a caller that waits can
   * show what it waits for (the API's operations show it while they are `sent`).
   */
  onSent?: (transactionHash: string) => void;
}

/** A transaction sent and not yet known to be mined. */
export interface SentTransaction {
  transactionHash: string;
  nonce: number;
  /**
   * Waits for `confirmations` (default the options' or 1); a revert on chain throws a `LedgerError` carrying the
   * transaction hash, a timeout ethers' `TIMEOUT` error.
   */
  wait(options?: { confirmations?: number; timeoutMs?: number }): Promise<TransactionReceipt>;
}

/** Where a mined transaction is. */
export interface MinedTransaction {
  transactionHash: string;
  blockNumber: number;
}

/** Sends `request` (a populated contract call) with the client's signer; resolves once the node accepted it. */
export async function sendTransaction(
  client: SendingClient,
  action: string,
  request: ContractTransaction | Promise<ContractTransaction>,
  options: SendOptions = {},
): Promise<SentTransaction> {
  const signer = requireSigner(client, action);
  const settings: SendOptions = { ...client.sendOptions, ...options };
  const transaction: TransactionRequest = { ...(await request) };
  if (settings.gasPrice !== undefined) transaction.gasPrice = settings.gasPrice;
  if (settings.type !== undefined) transaction.type = settings.type;
  if (settings.nonce !== undefined) transaction.nonce = settings.nonce;
  const response = await withDecodedErrors(action, async () => {
    transaction.gasLimit = settings.gasLimit ?? (await signer.estimateGas(transaction));
    try {
      return await signer.sendTransaction(transaction);
    } catch (error) {
      // The manager counted a nonce for a transaction the node never took: count again from the chain, or every
      // later transaction of this signer would wait behind the gap.
      if (signer instanceof NonceManager) signer.reset();
      throw error;
    }
  });
  settings.onSent?.(response.hash);
  return {
    transactionHash: response.hash,
    nonce: response.nonce,
    wait: async (waitOptions = {}) => {
      try {
        return await withDecodedErrors(action, async () => {
          const confirmations = waitOptions.confirmations ?? settings.confirmations ?? 1;
          const receipt = await response.wait(confirmations, waitOptions.timeoutMs ?? settings.timeoutMs);
          if (receipt === null) throw new Error(`${action}: transaction ${response.hash} is not mined yet`);
          return receipt;
        });
      } catch (error) {
        if (!(error instanceof LedgerError) || error.decoded !== undefined || error.transactionHash === undefined) {
          throw error;
        }
        const decoded = await replayedRevert(client, response);
        if (decoded === null) throw error;
        throw new LedgerError(action, decoded, { cause: error.cause, transactionHash: error.transactionHash });
      }
    },
  };
}

/**
 * Why a mined transaction reverted: a receipt carries no revert data, so the call is replayed on the state it met
 * (the block before its own). That state can differ from the one it met inside its block; null when the replay
 * succeeds or tells nothing we can decode.
 */
async function replayedRevert(
  client: SendingClient,
  response: TransactionResponse,
): Promise<DecodedContractError | null> {
  const receipt = await client.provider.getTransactionReceipt(response.hash);
  if (receipt === null) return null;
  try {
    await client.provider.call({
      to: response.to,
      from: response.from,
      data: response.data,
      value: response.value,
      gasLimit: response.gasLimit,
      blockTag: receipt.blockNumber - 1,
    });
    return null;
  } catch (error) {
    return decodeContractError(error);
  }
}

/** Sends `request` and waits for its confirmations (default 1); returns the receipt. */
export async function sendAndConfirm(
  client: SendingClient,
  action: string,
  request: ContractTransaction | Promise<ContractTransaction>,
  options: SendOptions = {},
): Promise<TransactionReceipt> {
  const sent = await sendTransaction(client, action, request, options);
  return sent.wait();
}

/** The events named `name` that `contract` emitted in `receipt`, in log order. */
export function eventsIn(receipt: TransactionReceipt, contract: { address: string; iface: Interface }, name: string) {
  const address = contract.address.toLowerCase();
  return receipt.logs
    .filter((log) => log.address.toLowerCase() === address)
    .map((log) => ({ log, event: contract.iface.parseLog(log) }))
    .filter(
      (entry): entry is { log: (typeof receipt.logs)[number]; event: LogDescription } => entry.event?.name === name,
    );
}

/** The one event named `name` in `receipt`, or an error naming the action whose transaction lacked it. */
export function eventIn(
  receipt: TransactionReceipt,
  contract: { address: string; iface: Interface },
  name: string,
  action: string,
) {
  const found = eventsIn(receipt, contract, name)[0];
  if (found === undefined) throw new Error(`${action}: transaction ${receipt.hash} emitted no ${name}`);
  return found;
}

/** Where `receipt`'s transaction was mined. */
export function minedAt(receipt: TransactionReceipt): MinedTransaction {
  return { transactionHash: receipt.hash, blockNumber: receipt.blockNumber };
}
