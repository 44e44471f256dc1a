/**
 * Consortium actions from the page: the API sends them with the party's key when it holds it, else answers the
 * unsigned transaction, which the party's own wallet sends here (`eth_sendTransaction`). Refusals come back as
 * problems with the chain's decoded error code; the page shows them as they are.
 */
import { post } from '../lib/api.js';
import { walletProvider } from '../lib/wallet.js';

export interface UnsignedTransaction {
  from: string;
  to: string;
  data: string;
  value: string;
  chainId: string;
  gasLimit: string;
  nonce: number;
}

/** What every consortium action answers: sent (and mined), or for the wallet to send. */
export type ActionAnswer =
  | { mode: 'sent'; transaction: { hash: string; blockNumber: number; from: string } }
  | { mode: 'unsigned'; transaction: UnsignedTransaction };

/** How long the page waits for a wallet-sent transaction to be mined before it says it is still pending. */
const RECEIPT_WAIT_MS = 60_000;

const hex = (decimal: string | number) => `0x${BigInt(decimal).toString(16)}`;

/** Sends `transaction` from the wallet and waits (bounded) for it to be mined; answers its hash. */
async function sendFromWallet(transaction: UnsignedTransaction): Promise<{ hash: string; mined: boolean }> {
  const wallet = walletProvider();
  const hash = (await wallet.request({
    method: 'eth_sendTransaction',
    params: [
      {
        from: transaction.from,
        to: transaction.to,
        data: transaction.data,
        value: hex(transaction.value),
        gas: hex(transaction.gasLimit),
        chainId: hex(transaction.chainId),
      },
    ],
  })) as string;
  const until = Date.now() + RECEIPT_WAIT_MS;
  while (Date.now() < until) {
    const receipt = (await wallet.request({ method: 'eth_getTransactionReceipt', params: [hash] })) as {
      status?: string;
    } | null;
    if (receipt !== null) {
      if (receipt.status === '0x0') throw new Error(`Transaction ${hash} was mined but reverted`);
      return { hash, mined: true };
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return { hash, mined: false };
}

/**
 * POSTs a consortium action and, when the API answers it unsigned, has the wallet send it. Answers a sentence saying
 * what happened; throws the API's problem (or the wallet's error) when refused.
 */
export async function runAction<T extends ActionAnswer>(
  path: string,
  body?: unknown,
): Promise<{ answer: T; summary: string }> {
  const answer = await post<T>(path, body);
  if (answer.mode === 'sent') {
    return {
      answer,
      summary: `mined in block ${answer.transaction.blockNumber}, transaction ${answer.transaction.hash}`,
    };
  }
  const sent = await sendFromWallet(answer.transaction);
  return {
    answer,
    summary: sent.mined
      ? `sent from your wallet, transaction ${sent.hash}`
      : `sent from your wallet, transaction ${sent.hash} (not mined yet)`,
  };
}
