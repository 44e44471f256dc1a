/**
 * What the dispatcher asks of the chain, in one place, through the ledger's actions: send an action with a nonce the
 * dispatcher chose and wait for it; tell a contract's refusal (a custom error, final) from a transient failure (RPC
 * down, timeout, nonce race: tried again); see whether the sender has transactions waiting in the node's pool; and find
 * whether an action is already on chain as done by a sender (reconciliation).
 */
import { getAddress, id, isError, zeroPadValue, type Signer } from 'ethers';
import type { LedgerClient } from '../../ledger/client.js';
import {
  anchorDocument,
  anchorDocumentBatch,
  coSignerState,
  DocumentNotAnchoredError,
  findAnchorTransaction,
  readAnchor,
  readBatch,
  relayCoSignature,
  relayTermsCoSignature,
  revokeDocument,
  supersedeDocument,
  type AnchorInput,
} from '../../ledger/documents.js';
import { LedgerError } from '../../ledger/errors.js';
import type { MinedTransaction } from '../../ledger/transactions.js';
import type { ChainOutcome } from './outbox.js';
import type { StoredAnchorInput } from './request.js';

/** A write the dispatcher sends: a request's own action, or a batch root. */
export type ChainAction =
  | { kind: 'anchor'; input: StoredAnchorInput }
  | { kind: 'supersede'; previousHash: string; input: StoredAnchorInput }
  | { kind: 'revoke'; documentHash: string; reason: number }
  | {
      kind: 'cosign';
      documentHash: string;
      signer: string;
      nonce: string;
      deadline: string;
      signature: string;
      termsType?: number;
    }
  | { kind: 'batch'; merkleRoot: string; documentCount: number; storagePointer: string };

/**
 * The chain refused an action: `code` is the contract's custom error name (`CONTRACT_REVERT` when undecodable). Final
 * for that action. `mined` when a transaction was mined and reverted (its nonce is spent), rather than refused when
 * simulated.
 */
export class ContractRefusal extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly mined: boolean,
  ) {
    super(message);
    this.name = 'ContractRefusal';
  }
}

/** How the dispatcher sends: its nonce, how long it waits for the receipt, and who learns the hash once sent. */
interface PerformOptions {
  nonce: number;
  timeoutMs: number;
  onSent?: (transactionHash: string) => void;
}

/**
 * Sends `action` as `signer` with `nonce` (the ledger simulates it first: a refusal there spends no nonce) and waits
 * up to `timeoutMs` for it to be mined, telling `onSent` the transaction's hash as soon as the node took it. Throws
 * `ContractRefusal` when the chain refused it, any other error when the outcome is unknown (transient).
 */
export async function performAction(
  ledger: LedgerClient,
  signer: Signer,
  action: ChainAction,
  options: PerformOptions,
): Promise<ChainOutcome> {
  const client: LedgerClient = { ...ledger, signer };
  try {
    return outcomeOf(await send(client, action, options));
  } catch (error) {
    throw refusalOf(error) ?? error;
  }
}

function send(client: LedgerClient, action: ChainAction, options: PerformOptions): Promise<MinedTransaction> {
  switch (action.kind) {
    case 'anchor':
      return anchorDocument(client, ledgerInput(action.input), options);
    case 'supersede':
      return supersedeDocument(client, action.previousHash, ledgerInput(action.input), options);
    case 'revoke':
      return revokeDocument(client, action.documentHash, action.reason, options);
    case 'batch':
      return anchorDocumentBatch(client, action, options);
    case 'cosign': {
      const relay = {
        documentHash: action.documentHash,
        signer: action.signer,
        nonce: action.nonce,
        deadline: action.deadline,
        signature: action.signature,
      };
      if (action.termsType === undefined) return relayCoSignature(client, relay, options);
      return relayTermsCoSignature(client, { ...relay, termsType: action.termsType }, options);
    }
  }
}

function ledgerInput(input: StoredAnchorInput): AnchorInput {
  return { ...input };
}

function outcomeOf(mined: MinedTransaction): ChainOutcome {
  return { blockNumber: mined.blockNumber, transactionHash: mined.transactionHash.toLowerCase() };
}

/** The contract refusal `error` carries, or null when it is not one (the chain could not be asked: transient). */
export function refusalOf(error: unknown): ContractRefusal | null {
  if (error instanceof ContractRefusal) return error;
  if (error instanceof LedgerError) {
    return new ContractRefusal(
      error.code,
      error.decoded?.message ?? error.message,
      error.transactionHash !== undefined,
    );
  }
  // A reverting call the ledger did not wrap (none should reach here), or a co-signature of a document never anchored.
  if (isError(error, 'CALL_EXCEPTION')) return new ContractRefusal('CONTRACT_REVERT', error.shortMessage, false);
  if (error instanceof DocumentNotAnchoredError) {
    return new ContractRefusal('EvidenceRegistryUnknownDocument', error.message, false);
  }
  return null;
}

/** How many of `account`'s transactions wait in the node's pool (sent, not yet mined). */
export async function pooledTransactions(ledger: LedgerClient, account: string): Promise<number> {
  const [pending, latest] = await Promise.all([
    transactionCount(ledger, account, 'pending'),
    transactionCount(ledger, account, 'latest'),
  ]);
  return Math.max(0, pending - latest);
}

/** The account's next nonce, counting its transactions waiting in the node's pool. */
export async function pendingNonce(ledger: LedgerClient, account: string): Promise<number> {
  return transactionCount(ledger, account, 'pending');
}

/**
 * The account's transaction count, asked of the node itself: ethers answers a repeated identical call from a cache
 * for 250 ms, which can hide a transaction that just entered the pool and lead to a duplicate at the same nonce.
 */
async function transactionCount(
  ledger: LedgerClient,
  account: string,
  blockTag: 'pending' | 'latest',
): Promise<number> {
  const rpc = ledger.provider as { send?: (method: string, params: unknown[]) => Promise<unknown> };
  if (typeof rpc.send === 'function') {
    return Number(BigInt((await rpc.send('eth_getTransactionCount', [account, blockTag])) as string));
  }
  return ledger.provider.getTransactionCount(account, blockTag);
}

// The registry's events whose transaction reconciliation looks up (signatures as in `IEvidenceRegistry`).
const BATCH_ANCHORED = id('BatchAnchored(bytes32,address,uint24,string)');
const DOCUMENT_REVOKED = id('DocumentRevoked(bytes32,address,uint8)');
const DOCUMENT_CO_SIGNED = id('DocumentCoSigned(bytes32,address,uint8,uint8)');

/**
 * Where `action` is already on chain as done by `sender` (or, for a co-signature, recorded by anyone), or null. The
 * registry refuses duplicates (a hash, a root, a revocation, a co-signature each once), so this is what tells a
 * duplicate of our own earlier transaction from another party's.
 */
export async function findOutcome(
  ledger: LedgerClient,
  sender: string,
  action: ChainAction,
): Promise<ChainOutcome | null> {
  const ours = (account: string) => getAddress(account) === getAddress(sender);
  switch (action.kind) {
    case 'anchor':
    case 'supersede': {
      const anchored = await findAnchorTransaction(ledger, action.input.documentHash);
      return anchored !== null && ours(anchored.registrant) ? outcomeOf(anchored) : null;
    }
    case 'batch': {
      const batch = await readBatch(ledger, action.merkleRoot);
      if (batch === null || !ours(batch.registrant)) return null;
      return eventOutcome(
        ledger,
        [BATCH_ANCHORED, action.merkleRoot, zeroPadValue(sender, 32)],
        batch.blockNumber,
        'BatchAnchored',
      );
    }
    case 'revoke': {
      const anchor = await readAnchor(ledger, action.documentHash);
      if (anchor === null || anchor.status !== 'Revoked' || !ours(anchor.registrant)) return null;
      return eventOutcome(ledger, [DOCUMENT_REVOKED, action.documentHash], anchor.blockNumber, 'DocumentRevoked');
    }
    case 'cosign': {
      const anchor = await readAnchor(ledger, action.documentHash);
      if (anchor === null || (await coSignerState(ledger, action.documentHash, action.signer)) !== 'Signed')
        return null;
      return eventOutcome(
        ledger,
        [DOCUMENT_CO_SIGNED, action.documentHash, zeroPadValue(action.signer, 32)],
        anchor.blockNumber,
        'DocumentCoSigned',
      );
    }
  }
}

/** The block and transaction of the last registry event matching `topics` from `fromBlock` on. */
async function eventOutcome(
  ledger: LedgerClient,
  topics: string[],
  fromBlock: number,
  what: string,
): Promise<ChainOutcome> {
  const logs = await ledger.provider.getLogs({
    address: ledger.deployment.evidenceRegistry,
    topics: topics.map((topic) => topic.toLowerCase()),
    fromBlock,
    toBlock: 'latest',
  });
  const log = logs.at(-1);
  // The state says it happened, so its event exists; a node that lost it is a transient failure to try again.
  if (log === undefined) throw new Error(`the chain holds ${what} (${topics[1]}) but its event was not found`);
  return { blockNumber: log.blockNumber, transactionHash: log.transactionHash.toLowerCase() };
}
