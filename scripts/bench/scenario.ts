import { DocumentType, insuranceDocument, type DocumentRecord } from './documents.js';

/** Attestations sent in one EAS `multiAttest` call. */
export const MULTI_ATTEST_SIZE = 100;

/** Leaves of the Merkle batch anchored with one `anchorBatch` call. */
export const BATCH_SIZE = 1024;

/** The documents both systems record, so that they do the same work on the same bytes. */
export interface BenchScenario {
  /** Recorded once before measuring, so per-signer counters are past their first write, as in a running ledger. */
  warmUp: DocumentRecord;
  /** A policy schedule: anchored (attested), later replaced by `endorsement`. */
  policy: DocumentRecord;
  /** A second policy schedule that all three parties co-sign. */
  coSigned: DocumentRecord;
  /** An endorsement of `policy` (same policy reference), later revoked. */
  endorsement: DocumentRecord;
  /** Documents recorded together in one EAS `multiAttest`. */
  bulk: DocumentRecord[];
  /** Documents anchored together as one Merkle batch. */
  batch: DocumentRecord[];
}

function documents(first: number, count: number, requiredSigners: string[]): DocumentRecord[] {
  return Array.from({ length: count }, (_, index) => insuranceDocument(first + index, requiredSigners));
}

/** The benchmark's documents, each naming `requiredSigners` (insurer, reinsurer, client) as co-signers. */
export function benchScenario(requiredSigners: string[]): BenchScenario {
  return {
    warmUp: insuranceDocument(100, requiredSigners),
    policy: insuranceDocument(123, requiredSigners),
    coSigned: insuranceDocument(124, requiredSigners),
    endorsement: insuranceDocument(123, requiredSigners, DocumentType.Endorsement),
    bulk: documents(10_000, MULTI_ATTEST_SIZE, requiredSigners),
    batch: documents(20_000, BATCH_SIZE, requiredSigners),
  };
}
