import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { AnchorInput } from '../../ledger/documents.js';

export type { AnchorInput };

/**
 * A write the API accepted for the chain. Every request names its `sender`: the party whose signer sends it (the
 * registrant of an anchor), one of the signers the service was given. Batches group documents by sender.
 */
export type AnchorRequest = { sender: string } & (
  | { kind: 'anchor'; mode: 'single' | 'batch'; input: AnchorInput }
  | { kind: 'supersede'; previousHash: string; input: AnchorInput }
  | { kind: 'revoke'; documentHash: string; reason: number }
  | {
      kind: 'cosign';
      documentHash: string;
      signer: string;
      /** Decimal string. */
      nonce: string;
      /** Unix seconds, decimal string. */
      deadline: string;
      signature: string;
      /** With a terms type (`IEvidenceRegistry.TermsType`), the co-signature nests the terms (`cosignTerms`). */
      termsType?: number;
    }
);

export type OperationKind = AnchorRequest['kind'];

/**
 * Where an accepted request stands: `queued` in the outbox; `sent` once a transaction may have left (with its hash once
 * known); `anchored` once the chain holds it (for a revocation or a co-signature: once the chain records it); `failed`
 * when the chain refused it, with the contract's error name as `code`.
 */
export type OperationState = 'queued' | 'sent' | 'anchored' | 'failed';

export interface Operation {
  id: string;
  kind: OperationKind;
  documentHash: string;
  state: OperationState;
  createdAt: string;
  updatedAt: string;
  transactionHash?: string;
  blockNumber?: number;
  /** The Merkle root of the batch the document went into (batch mode). */
  merkleRoot?: string;
  error?: { code: string; message: string };
}

export interface AnchoringOptions {
  /** How long the first document waiting for a batch waits for others (ms). */
  batchWindowMs: number;
  /** The most documents one batch root covers. */
  batchMaxSize: number;
  /** Stores a batch manifest (JSON bytes) and returns its CID, which becomes the batch's storage pointer on chain. */
  storeBatchManifest(bytes: Uint8Array): Promise<string>;
  logger?: Logger;
  /** Requests arriving within this many ms are committed in one transaction (default 2). */
  groupCommitMs?: number;
  /** First delay after a transient error (RPC down, timeout) before the same step is tried again (default 250 ms). */
  retryInitialMs?: number;
  /** Longest delay between retries (default 30 s). */
  retryMaxMs?: number;
  /** How long to wait for a sent transaction's receipt before looking again (default 120 s). */
  receiptTimeoutMs?: number;
  /** Where to register the service's Prometheus metrics; none when absent. */
  metrics?: Registry;
}

/** The Merkle proof of a batched document, against the root its batch anchored. */
export interface BatchProof {
  merkleRoot: string;
  proof: string[];
}

/** A request the service refuses at once (nothing is written): `code` says why. */
export class AnchorRequestError extends Error {
  constructor(
    readonly code: 'INVALID_ANCHOR_REQUEST' | 'PARTY_NOT_HOSTED' | 'BATCH_NOT_ALLOWED',
    message: string,
  ) {
    super(message);
    this.name = 'AnchorRequestError';
  }
}
