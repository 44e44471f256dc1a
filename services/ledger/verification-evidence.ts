/**
 * The facts a verification report is built from (`DocumentEvidence`), whichever source read them, and the registry's
 * enums by name.
 */
import type { PartyRole } from './parties.js';
import {
  DOCUMENT_TYPES,
  type DocumentTypeName,
  REVOCATION_REASONS,
  type RevocationReasonName,
  TERMS_TYPES,
  type TermsTypeName,
} from './documents.js';

/** The registry's enums by name (defined once, in the ledger client). */
export {
  DOCUMENT_TYPES,
  type DocumentTypeName,
  REVOCATION_REASONS,
  type RevocationReasonName,
  TERMS_TYPES,
  type TermsTypeName,
};

/** An account's standing in the consortium at one block. */
export interface PartyStanding {
  registered: boolean;
  active: boolean;
  /** Active roles, in `PARTY_ROLES` order. */
  roles: PartyRole[];
}

/** Where and when something was recorded on the chain. */
export interface ChainPosition {
  blockNumber: number;
  transactionHash: string;
  /** Block time, ISO-8601 UTC. */
  time: string;
}

export interface AnchorEvidence extends ChainPosition {
  registrant: string;
  /** The registrant's standing at the anchoring block. */
  registrantStanding: PartyStanding;
  termsHash: string;
  documentType: DocumentTypeName;
  retentionClass: number;
  /** In anchoring order, as `DocumentAnchored` lists them. */
  requiredSigners: string[];
}

export interface RevocationEvidence {
  reason: RevocationReasonName;
  revokedBy: string;
  /** Block time of the revocation, ISO-8601 UTC. */
  time: string;
}

export interface VersionEvidence {
  status: 'current' | 'superseded' | 'revoked';
  /** Position in the version chain, from 1. */
  version: number;
  chainRoot: string;
  previousVersion: string | null;
  nextVersion: string | null;
  /** The latest version of the chain, whatever its status. */
  head: string;
  /** The chain's current version; null when its latest version was revoked. */
  currentVersion: string | null;
  revocation: RevocationEvidence | null;
}

export interface CoSignatureEvidence {
  signer: string;
  state: 'signed' | 'pending';
  /** Where the co-signature was recorded; null while pending. */
  recorded: ChainPosition | null;
  /** The signer's standing at the block its co-signature was recorded in; null while pending. */
  signerStanding: PartyStanding | null;
  /** Over the document hash (`cosign`) or over the terms themselves (`cosignTerms`); null while pending. */
  over: 'hash' | 'terms' | null;
  termsType: TermsTypeName | null;
  /** The signed message's fields and the signature, decimal strings and hex; null when not known to the source. */
  nonce: string | null;
  deadline: string | null;
  signature: string | null;
}

export interface BatchEvidence {
  merkleRoot: string;
  proof: string[];
  /** Whether the proof leads from the document's leaf to `merkleRoot`. */
  proofValid: boolean;
  /** The root's anchor; null when this chain has no such root. */
  anchor: (ChainPosition & { registrant: string; registrantStanding: PartyStanding; documentCount: number }) | null;
}

/** Everything a verification report is built from: facts of one chain about one document hash. */
export interface DocumentEvidence {
  documentHash: string;
  chainId: string;
  contracts: { evidenceRegistry: string; consortiumAccess: string };
  /** The document's own anchor; null when it was never anchored alone. */
  anchor: AnchorEvidence | null;
  /** Its place in its version chain; null when never anchored alone. */
  version: VersionEvidence | null;
  /** One entry per required signer, in anchoring order. */
  coSignatures: CoSignatureEvidence[];
  /** Batch membership, when a proof was supplied or known to the source. */
  batch: BatchEvidence | null;
}

/** A batch proof as a caller or the anchoring service supplies it; the root follows from the proof when omitted. */
export interface SuppliedBatchProof {
  merkleRoot?: string;
  proof: string[];
}

export interface ReportOptions {
  /** When the report was made (now by default). */
  checkedAt?: string;
  /** Set when the hash was computed here from the document's bytes. */
  hashedBytes?: { size: number };
}

/** A hash or proof that is not 32 bytes of hex. */
export class InvalidDocumentHashError extends Error {
  readonly code = 'INVALID_DOCUMENT_HASH';
  constructor(readonly value: string) {
    super(`"${value}" is not a document hash (0x and 64 hex digits)`);
    this.name = 'InvalidDocumentHashError';
  }
}

const HASH_PATTERN = /^0x[0-9a-fA-F]{64}$/;

/** `value` as a lowercase 0x hash, or an `InvalidDocumentHashError`. */
export function normaliseDocumentHash(value: string): string {
  if (!HASH_PATTERN.test(value)) throw new InvalidDocumentHashError(value);
  return value.toLowerCase();
}

/** Seconds since the epoch (a block time) as ISO-8601 UTC. */
export function isoTime(seconds: bigint | number): string {
  return new Date(Number(seconds) * 1000).toISOString();
}
