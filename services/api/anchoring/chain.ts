/**
 * What the dispatcher asks of the chain, in one place: simulate and send an action with a nonce the dispatcher chose,
 * wait for its receipt, tell a contract's refusal (a custom error, final) from a transient failure (RPC down, timeout,
 * nonce race: tried again), and find whether an action is already on chain as done by a sender (reconciliation).
 */
import { isError, type Signer } from 'ethers';
import type { LedgerClient } from '../../ledger/client.js';
import { sharedContracts } from '../../ledger/client.js';
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

/** The chain refused an action: `code` is the contract's custom error name. Final for that action. */
export class ContractRefusal extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ContractRefusal';
  }
}

// Values of `IEvidenceRegistry`'s enums that reconciliation reads.
const DOCUMENT_STATUS_REVOKED = 3n;
const SIGNER_STATE_SIGNED = 2n;
const NO_ACCOUNT = '0x0000000000000000000000000000000000000000';

/** The call data of `action` against the registry, after reading what it needs (a co-signature's signer list). */
async function callOf(ledger: LedgerClient, action: ChainAction): Promise<string> {
  const { registry } = sharedContracts(ledger, ledger.provider);
  const abi = registry.interface;
  switch (action.kind) {
    case 'anchor':
      return abi.encodeFunctionData('anchor', [action.input]);
    case 'supersede':
      return abi.encodeFunctionData('supersede', [action.previousHash, action.input]);
    case 'revoke':
      return abi.encodeFunctionData('revoke', [action.documentHash, action.reason]);
    case 'batch':
      return abi.encodeFunctionData('anchorBatch', [action.merkleRoot, action.documentCount, action.storagePointer]);
    case 'cosign': {
      const requiredSigners = await requiredSignersOf(ledger, action.documentHash);
      if (action.termsType === undefined) {
        return abi.encodeFunctionData('cosign', [
          action.documentHash,
          requiredSigners,
          action.signer,
          action.nonce,
          action.deadline,
          action.signature,
        ]);
      }
      return abi.encodeFunctionData('cosignTerms', [
        action.documentHash,
        requiredSigners,
        action.termsType,
        action.signer,
        action.nonce,
        action.deadline,
        action.signature,
      ]);
    }
  }
}

/** The anchored list of required signers of `documentHash` (the registry keeps only a commitment to it). */
async function requiredSignersOf(ledger: LedgerClient, documentHash: string): Promise<string[]> {
  const { registry } = sharedContracts(ledger, ledger.provider);
  const anchor = await registry.getAnchor(documentHash);
  // Not anchored: the call reverts with the registry's own error, which the simulation reports.
  if (anchor.registrant === NO_ACCOUNT) return [];
  const block = Number(anchor.blockNumber);
  const events = await registry.queryFilter(registry.filters.DocumentAnchored(documentHash), block, block);
  return [...(events.at(-1)?.args.requiredSigners ?? [])];
}

/** A transaction the dispatcher sent. */
export interface SentAction {
  transactionHash: string;
  nonce: number;
}

/**
 * Simulates `action` from `signer`'s account and, when the chain would take it, sends it with `nonce`. Throws
 * `ContractRefusal` when the simulation reverts, any other error when the chain could not be asked.
 */
export async function sendAction(
  ledger: LedgerClient,
  signer: Signer,
  action: ChainAction,
  nonce: number,
): Promise<SentAction> {
  const from = await signer.getAddress();
  const to = ledger.deployment.evidenceRegistry;
  const data = await callOf(ledger, action);
  let gas: bigint;
  try {
    gas = await ledger.provider.estimateGas({ from, to, data });
  } catch (error) {
    throw refusalOf(ledger, error) ?? error;
  }
  // A margin over the estimate, as ethers' own sends leave none and state may move between estimate and mining.
  const sent = await signer.sendTransaction({ to, data, nonce, gasLimit: (gas * 12n) / 10n });
  return { transactionHash: sent.hash, nonce };
}

/**
 * Waits up to `timeoutMs` for `transactionHash` to be mined: its block when it succeeded, `reverted` when mined but
 * reverted. Throws (a transient failure) when it is not mined in time.
 */
export async function waitForAction(
  ledger: LedgerClient,
  transactionHash: string,
  timeoutMs: number,
): Promise<ChainOutcome | 'reverted'> {
  const receipt = await ledger.provider.waitForTransaction(transactionHash, 1, timeoutMs);
  if (receipt === null) throw new Error(`transaction ${transactionHash} was not mined within ${timeoutMs} ms`);
  if (receipt.status !== 1) return 'reverted';
  return { blockNumber: receipt.blockNumber, transactionHash: receipt.hash };
}

/** Whether `transactionHash` is known to the node but not yet mined (so it should be waited for, not re-sent). */
export async function isPending(ledger: LedgerClient, transactionHash: string): Promise<boolean> {
  const [transaction, receipt] = await Promise.all([
    ledger.provider.getTransaction(transactionHash),
    ledger.provider.getTransactionReceipt(transactionHash),
  ]);
  return transaction !== null && receipt === null;
}

/** The account's next nonce, counting its transactions waiting in the node's pool. */
export async function pendingNonce(ledger: LedgerClient, account: string): Promise<number> {
  return ledger.provider.getTransactionCount(account, 'pending');
}

/** Re-runs `action` as a call to learn why it was refused (after a mined transaction reverted). */
export async function refusalOfReplay(
  ledger: LedgerClient,
  sender: string,
  action: ChainAction,
): Promise<ContractRefusal> {
  try {
    await ledger.provider.call({
      from: sender,
      to: ledger.deployment.evidenceRegistry,
      data: await callOf(ledger, action),
    });
  } catch (error) {
    const refusal = refusalOf(ledger, error);
    if (refusal !== null) return refusal;
    throw error;
  }
  return new ContractRefusal('TransactionReverted', 'the transaction was mined but reverted; replayed now it succeeds');
}

/**
 * The contract refusal `error` carries, decoded through the registry's ABI (its own and its governance errors), or
 * null when `error` is not a revert (the chain could not be asked: transient).
 */
export function refusalOf(ledger: LedgerClient, error: unknown): ContractRefusal | null {
  if (error instanceof ContractRefusal) return error;
  if (!isError(error, 'CALL_EXCEPTION')) return null;
  const { registry } = sharedContracts(ledger, ledger.provider);
  const data = error.data ?? null;
  if (data !== null && data !== '0x') {
    const decoded = registry.interface.parseError(data);
    if (decoded !== null) {
      return new ContractRefusal(decoded.name, `${decoded.name}(${decoded.args.map((arg) => String(arg)).join(', ')})`);
    }
    return new ContractRefusal('UnknownContractError', `the registry reverted with unknown data ${data}`);
  }
  return new ContractRefusal('TransactionReverted', error.shortMessage);
}

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
  const { registry } = sharedContracts(ledger, ledger.provider);
  const ours = (account: string) => account.toLowerCase() === sender.toLowerCase();
  switch (action.kind) {
    case 'anchor':
    case 'supersede': {
      const hash = action.input.documentHash;
      const anchor = await registry.getAnchor(hash);
      if (!ours(anchor.registrant)) return null;
      const block = Number(anchor.blockNumber);
      const events = await registry.queryFilter(registry.filters.DocumentAnchored(hash, sender), block, block);
      return outcomeOf(events.at(-1), `DocumentAnchored(${hash})`);
    }
    case 'batch': {
      const batch = await registry.getBatch(action.merkleRoot);
      if (!ours(batch.registrant)) return null;
      const block = Number(batch.blockNumber);
      const events = await registry.queryFilter(
        registry.filters.BatchAnchored(action.merkleRoot, sender),
        block,
        block,
      );
      return outcomeOf(events.at(-1), `BatchAnchored(${action.merkleRoot})`);
    }
    case 'revoke': {
      const anchor = await registry.getAnchor(action.documentHash);
      if (!ours(anchor.registrant) || anchor.status !== DOCUMENT_STATUS_REVOKED) return null;
      const events = await registry.queryFilter(
        registry.filters.DocumentRevoked(action.documentHash),
        Number(anchor.blockNumber),
      );
      return outcomeOf(events.at(-1), `DocumentRevoked(${action.documentHash})`);
    }
    case 'cosign': {
      const state = await registry.signerState(action.documentHash, action.signer);
      if (state !== SIGNER_STATE_SIGNED) return null;
      const anchor = await registry.getAnchor(action.documentHash);
      const events = await registry.queryFilter(
        registry.filters.DocumentCoSigned(action.documentHash, action.signer),
        Number(anchor.blockNumber),
      );
      return outcomeOf(events.at(-1), `DocumentCoSigned(${action.documentHash}, ${action.signer})`);
    }
  }
}

function outcomeOf(event: { blockNumber: number; transactionHash: string } | undefined, what: string): ChainOutcome {
  // The state says it happened, so its event exists; a node that lost it is a transient failure to try again.
  if (event === undefined) throw new Error(`the chain holds ${what} but its event was not found`);
  return { blockNumber: event.blockNumber, transactionHash: event.transactionHash };
}
