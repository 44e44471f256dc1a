/**
 * What the chain index answers: documents, co-signatures, batches, parties and the event history of one PolicyLedger
 * deployment, as its `EvidenceRegistry` and `ConsortiumAccess` events tell them. Hashes are 0x lowercase hex, addresses
 * EIP-55 checksummed, times ISO-8601 UTC (block time), uint256 values decimal strings; enums are their Solidity names.
 */
import type { PartyRole } from '../ledger/parties.js';
import type {
  EventFilter,
  EventSubjects,
  IndexedCession,
  IndexedFeed,
  IndexedFeedReport,
  IndexedPolicy,
  IndexedSettlement,
  ParametricContract,
  ParametricEventArgs,
  PolicyFilter,
} from './parametric-types.js';
import {
  DOCUMENT_TYPES,
  type DocumentTypeName,
  REVOCATION_REASONS,
  type RevocationReasonName,
  TERMS_TYPES,
  type TermsTypeName,
} from '../ledger/documents.js';

/** The registry's enums by name (defined once, in the ledger client). */
export {
  DOCUMENT_TYPES,
  type DocumentTypeName,
  REVOCATION_REASONS,
  type RevocationReasonName,
  TERMS_TYPES,
  type TermsTypeName,
};

export type DocumentStatusName = 'current' | 'superseded' | 'revoked';

/**
 * An anchored document and where it stands in its version chain. A member of a Merkle batch (`merkleRoot` set) has the
 * batch's block, transaction and log index, its position in the batch's manifest, and no version chain, terms or
 * co-signers (a batch root records none): it is current, version 1, its own chain root.
 */
export interface IndexedDocument {
  documentHash: string;
  registrant: string;
  /** Zero hash for non-parametric documents. */
  termsHash: string;
  documentType: DocumentTypeName;
  retentionClass: number;
  policyRef: string;
  storagePointer: string;
  /** In anchoring order (the order every co-signature's relayer supplies them in). */
  requiredSigners: string[];
  anchoredAt: string;
  blockNumber: number;
  transactionHash: string;
  logIndex: number;
  status: DocumentStatusName;
  /** Position in the version chain, from 1. */
  version: number;
  /** Hash of version 1 of the chain (the document's own hash for a first version). */
  chainRoot: string;
  previousHash: string | null;
  supersededBy: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
  revocationReason: RevocationReasonName | null;
  signatureCount: number;
  /** The root of the batch it was anchored in; null when anchored singly. */
  merkleRoot: string | null;
  /** Its index in the batch's manifest (0 when anchored singly): orders the members of one batch. */
  batchPosition: number;
}

/** A batch member as its manifest lists it. */
export interface BatchManifestMember {
  documentHash: string;
  storagePointer: string;
  documentType: DocumentTypeName;
  retentionClass: number;
  policyRef: string;
}

/** A required signer's accepted co-signature. */
export interface IndexedCoSignature {
  documentHash: string;
  signer: string;
  signedAt: string;
  blockNumber: number;
  transactionHash: string;
  logIndex: number;
  /** Set when the signer signed the terms themselves (`cosignTerms`). */
  termsType: TermsTypeName | null;
  /**
   * Nonce, deadline (decimal strings) and signature bytes, from the transaction's calldata; null when the transaction
   * did not call the registry directly (e.g. through a wallet contract), whose calldata this index does not unwrap.
   */
  nonce: string | null;
  deadline: string | null;
  signature: string | null;
}

/** An anchored Merkle batch. */
export interface IndexedBatch {
  merkleRoot: string;
  registrant: string;
  documentCount: number;
  storagePointer: string;
  anchoredAt: string;
  blockNumber: number;
  transactionHash: string;
  logIndex: number;
}

/** A party's standing at some block: as `ConsortiumAccess.getParty` and `hasActiveRole` answered then. */
export interface PartyStanding {
  registered: boolean;
  active: boolean;
  /** Roles held, counted only while the party is active (as `hasActiveRole` does). */
  roles: PartyRole[];
}

/** A party as of the index's head block. */
export interface IndexedParty extends PartyStanding {
  account: string;
  legalName: string;
  identifier: string;
  /** Hex of the current encryption public key. */
  encryptionPublicKey: string;
  registeredAt: string;
  registeredBlock: number;
  /** The INSURER that onboarded it, for a client registered with `registerClient`. */
  onboardedBy: string | null;
}

/** Filters of `listDocuments`; all given ones must hold. */
export interface DocumentFilter {
  registrant?: string;
  requiredSigner?: string;
  policyRef?: string;
  documentType?: DocumentTypeName;
  status?: DocumentStatusName;
  /** ISO-8601 bounds on the anchoring block time, both inclusive. */
  anchoredFrom?: string;
  anchoredTo?: string;
  /** Only what `account` may see: documents it registered, must co-sign, or whose hash is in `alsoHashes`. */
  visibleTo?: { account: string; alsoHashes: string[] };
}

export interface DocumentPage {
  /** `nextCursor` of the previous page. */
  cursor?: string;
  limit: number;
  /** Anchoring order (block, log index): oldest first by default. */
  order?: 'asc' | 'desc';
}

interface EventBase {
  /** `<blockNumber>-<logIndex>`: stable across rebuilds, ordered as the chain is. */
  id: string;
  contract: 'EvidenceRegistry' | 'ConsortiumAccess' | ParametricContract;
  blockNumber: number;
  blockTime: string;
  transactionHash: string;
  logIndex: number;
  /** What the event is about (see `EventSubjects`). */
  about?: EventSubjects;
}

/** Arguments of each indexed event, normalised (see the module header and `parametric-types.ts`). */
export interface ChainEventArgs extends ParametricEventArgs {
  DocumentAnchored: {
    documentHash: string;
    registrant: string;
    termsHash: string;
    documentType: DocumentTypeName;
    retentionClass: number;
    policyRef: string;
    storagePointer: string;
    requiredSigners: string[];
  };
  DocumentSuperseded: { previousHash: string; documentHash: string; chainRoot: string; version: number };
  DocumentCoSigned: {
    documentHash: string;
    signer: string;
    signatureCount: number;
    requiredSignerCount: number;
    nonce: string | null;
    deadline: string | null;
    signature: string | null;
  };
  TermsCoSigned: { documentHash: string; signer: string; termsType: TermsTypeName; termsHash: string };
  DocumentRevoked: { documentHash: string; revokedBy: string; reason: RevocationReasonName };
  BatchAnchored: { merkleRoot: string; registrant: string; documentCount: number; storagePointer: string };
  PartyRegistered: { account: string; legalName: string; identifier: string; encryptionPublicKey: string };
  ClientOnboarded: { account: string; insurer: string; identifierHash: string };
  PartyEncryptionKeyChanged: { account: string; encryptionPublicKey: string };
  PartyActiveChanged: { account: string; active: boolean };
  /** `role` is null for a role id that is none of the consortium roles (e.g. AccessControl's default admin). */
  RoleGranted: { role: PartyRole | null; roleId: string; account: string; sender: string };
  RoleRevoked: { role: PartyRole | null; roleId: string; account: string; sender: string };
}

export type ChainEventName = keyof ChainEventArgs;

/** One indexed chain event. */
export type ChainEvent = {
  [Name in ChainEventName]: EventBase & { name: Name; args: ChainEventArgs[Name] };
}[ChainEventName];

/** The deployment an index belongs to; an index refuses to mix two. */
export interface IndexedDeployment {
  chainId: string;
  evidenceRegistry: string;
  consortiumAccess: string;
  /** First block indexed: where the consortium contract was created. */
  startBlock: number;
}

/** The events of a block range, written with the range's last block as the new head in one transaction. */
export interface IndexedRange {
  fromBlock: number;
  toBlock: number;
  /** The time of `toBlock`: how far the index has seen the chain's clock (cover started, data due). */
  toBlockTime?: string;
  events: ChainEvent[];
}

/** The query store the indexer writes and the API reads. Both backends give the same answers. */
export interface ChainIndex {
  /** Which store this is, for messages: `SQLite <file>` or `PostgreSQL <host/db>`. */
  readonly description: string;
  /** Last block fully indexed; null before the first range. */
  headBlock(): Promise<number | null>;
  /** The time of the head block; null before the first range. */
  headTime(): Promise<string | null>;
  /** The oracle hub's quorum and dispute window (seconds) as last set; null before the hub's first settings. */
  hubSettings(): Promise<{ quorum: number; disputeWindow: number } | null>;
  deployment(): Promise<IndexedDeployment | null>;
  /** Records the deployment on first use; refuses (IndexDeploymentMismatchError) another one later. */
  bindDeployment(deployment: IndexedDeployment): Promise<void>;
  /** Writes a range's events and its last block as head, atomically; the range must start right after the head. */
  applyRange(range: IndexedRange): Promise<void>;
  document(documentHash: string): Promise<IndexedDocument | null>;
  coSignatures(documentHash: string): Promise<IndexedCoSignature[]>;
  /** Every version of the chain rooted at `chainRoot`, by version. */
  versionChain(chainRoot: string): Promise<IndexedDocument[]>;
  listDocuments(
    filter: DocumentFilter,
    page: DocumentPage,
  ): Promise<{ items: IndexedDocument[]; nextCursor: string | null }>;
  batch(merkleRoot: string): Promise<IndexedBatch | null>;
  /** The member `documentHash` of a listed batch, or null (singly anchored documents are `document`'s). */
  batchMember(documentHash: string): Promise<IndexedDocument | null>;
  /** Batches whose members are not listed yet and are due for a try (`now` in ms), in chain order. */
  unlistedBatches(now: number, limit: number): Promise<IndexedBatch[]>;
  /**
   * Lists the members of batch `merkleRoot` from its checked manifest (a member already listed keeps its first
   * listing), or marks the batch's manifest invalid (`null`): either way the batch is not tried again.
   */
  listBatchMembers(merkleRoot: string, members: BatchManifestMember[] | null): Promise<void>;
  /** Puts off trying batch `merkleRoot` again until `retryAt` (ms): its manifest could not be read. */
  deferBatch(merkleRoot: string, retryAt: number): Promise<void>;
  /** The account's standing at the end of `blockNumber`. */
  partyAt(account: string, blockNumber: number): Promise<PartyStanding>;
  /** The account's party record as of the head block; null when it never registered. */
  party(account: string): Promise<IndexedParty | null>;
  /** Events after `sinceId` (all when absent), in chain order, at most `limit`. */
  events(sinceId: string | undefined, limit: number): Promise<ChainEvent[]>;
  /** The same, only those about a policy (with its feeds' events), a feed or a document, when given. */
  events(filter: EventFilter): Promise<ChainEvent[]>;
  /** A policy by its name (`flight-3`); null when the index has none. */
  policy(id: string): Promise<IndexedPolicy | null>;
  listPolicies(
    filter: PolicyFilter,
    page: { cursor?: string; limit: number },
  ): Promise<{ items: IndexedPolicy[]; nextCursor: string | null }>;
  /** The feeds a policy settles on: its flight, or every day of its weather window, by date. */
  policyFeeds(id: string): Promise<IndexedFeed[]>;
  /** The oracle reports on `feedIds`, in chain order. */
  feedReports(feedIds: string[]): Promise<IndexedFeedReport[]>;
  /** The events about one policy itself (issue, pool, treaty, settlement), in chain order. */
  policyEvents(id: string): Promise<ChainEvent[]>;
  /** Every policy of the deployment's pool, for the insurer's book (a pool's book is small enough to fold). */
  allPolicies(): Promise<IndexedPolicy[]>;
  /** Settlements (of one policy, or all), in chain order. */
  settlements(policyId?: string): Promise<IndexedSettlement[]>;
  /** Treaty cession records (of one policy, or all), in chain order. */
  cessions(policyId?: string): Promise<IndexedCession[]>;
  /** The feeds whose ids or location keys are in `keys`, for labelling exposure. */
  feedsByAccumulationKey(keys: string[]): Promise<IndexedFeed[]>;
  /** Events of the named kinds, in chain order (pool and treaty totals of the book). */
  eventsNamed(names: ChainEventName[]): Promise<ChainEvent[]>;
  close(): Promise<void>;
}

/** Thrown for a cursor this index did not issue; the API answers 400 with its `code`. */
export class InvalidCursorError extends Error {
  readonly code = 'INVALID_CURSOR';
  constructor(cursor: string) {
    super(`cursor "${cursor}" is not one this index issued`);
    this.name = 'InvalidCursorError';
  }
}

/** Thrown for a filter value the index cannot compare (the API validates first; this is the last guard). */
export class InvalidFilterError extends Error {
  readonly code = 'INVALID_FILTER';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidFilterError';
  }
}

/** Thrown for an event id that is not `<blockNumber>-<logIndex>`. */
export class InvalidEventIdError extends Error {
  readonly code = 'INVALID_EVENT_ID';
  constructor(eventId: string) {
    super(`event id "${eventId}" is not <blockNumber>-<logIndex>`);
    this.name = 'InvalidEventIdError';
  }
}

/** Thrown when an index built for one deployment is opened for another: rebuild it. */
export class IndexDeploymentMismatchError extends Error {
  readonly code = 'INDEX_DEPLOYMENT_MISMATCH';
  constructor(indexed: IndexedDeployment, wanted: IndexedDeployment) {
    super(
      `the chain index holds chain ${indexed.chainId} registry ${indexed.evidenceRegistry}, not chain ` +
        `${wanted.chainId} registry ${wanted.evidenceRegistry}: rebuild it (npm run index:rebuild)`,
    );
    this.name = 'IndexDeploymentMismatchError';
  }
}

/** Thrown when a range does not follow the head (two writers, or a bug): nothing of it is written. */
export class IndexRangeGapError extends Error {
  readonly code = 'INDEX_RANGE_GAP';
  constructor(head: number | null, fromBlock: number) {
    super(`range from block ${fromBlock} does not follow the index head ${head ?? 'none'}`);
    this.name = 'IndexRangeGapError';
  }
}
