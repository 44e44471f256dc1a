/**
 * The evidence registry's actions: anchoring documents (one by one or as a Merkle batch), new versions, revocation,
 * co-signatures relayed from the signers' typed data, and the reads that go with them.
 *
 * - Every sending action waits for its confirmations (1 unless the options say otherwise) and answers where the
 *   transaction was mined plus what its event says, hashes as 0x lowercase hex and addresses checksummed.
 * - Enums are named as `IEvidenceRegistry` names them (`Policy`, `Superseded`, `IssuedInError`…); inputs take the
 *   name or the contract's number.
 * - The registry keeps the required signers, policy reference and storage pointer in the `DocumentAnchored` event
 *   only; the stored anchor says in which block, so reading them is one log query over one block.
 */
import {
  getAddress,
  randomBytes,
  toBigInt,
  TypedDataEncoder,
  ZeroAddress,
  ZeroHash,
  type BigNumberish,
  type Signer,
  type TypedDataField,
} from 'ethers';
import type { DocumentAnchoredEvent } from '../../types/ethers-contracts/evidence/EvidenceRegistry.js';
import {
  CO_SIGNATURE_TYPES,
  domainOf,
  EVIDENCE_DOMAIN_NAME,
  FLIGHT_DELAY_CO_SIGNATURE_TYPES,
  WEATHER_INDEX_CO_SIGNATURE_TYPES,
} from '../shared/eip712.js';
import { sharedContracts, type LedgerClient } from './client.js';
import { eventIn, eventsIn, minedAt, sendAndConfirm, type MinedTransaction, type SendOptions } from './transactions.js';

// ---------------------------------------------------------------------------------------------------------------------
// Names of the registry's enums
// ---------------------------------------------------------------------------------------------------------------------

/** `IEvidenceRegistry.DocumentType`, in the contract's order. */
export const DOCUMENT_TYPES = ['Policy', 'Endorsement', 'Schedule', 'Certificate', 'Treaty', 'Claim', 'Other'] as const;
export type DocumentTypeName = (typeof DOCUMENT_TYPES)[number];

/** `IEvidenceRegistry.DocumentStatus`. */
export const DOCUMENT_STATUSES = ['None', 'Current', 'Superseded', 'Revoked'] as const;
export type DocumentStatusName = (typeof DOCUMENT_STATUSES)[number];

/** `IEvidenceRegistry.RevocationReason`. */
export const REVOCATION_REASONS = [
  'Unspecified',
  'IssuedInError',
  'CancelledByInsurer',
  'CancelledByClient',
  'Rescinded',
  'Fraud',
  'RegulatoryOrder',
] as const;
export type RevocationReasonName = (typeof REVOCATION_REASONS)[number];

/** `IEvidenceRegistry.SignerState`. */
export const SIGNER_STATES = ['NotRequired', 'Pending', 'Signed'] as const;
export type SignerStateName = (typeof SIGNER_STATES)[number];

/** `IEvidenceRegistry.TermsType`. */
export const TERMS_TYPES = ['FlightDelay', 'WeatherIndex'] as const;
export type TermsTypeName = (typeof TERMS_TYPES)[number];

function enumIndex<T extends string>(names: readonly T[], value: T | number | bigint, what: string): number {
  const index = typeof value === 'string' ? names.indexOf(value) : Number(value);
  if (!Number.isInteger(index) || index < 0 || index >= names.length) throw new Error(`unknown ${what} ${value}`);
  return index;
}

function enumName<T extends string>(names: readonly T[], value: bigint | number, what: string): T {
  const name = names[Number(value)];
  if (name === undefined) throw new Error(`the registry answered an unknown ${what} ${value}`);
  return name;
}

// ---------------------------------------------------------------------------------------------------------------------
// Errors a caller may map
// ---------------------------------------------------------------------------------------------------------------------

/** Thrown when an action needs an anchored document and the hash was never anchored. */
export class DocumentNotAnchoredError extends Error {
  readonly code = 'DOCUMENT_NOT_ANCHORED';
  constructor(readonly documentHash: string) {
    super(`document ${documentHash} has not been anchored`);
    this.name = 'DocumentNotAnchoredError';
  }
}

/** Thrown when terms given for a terms-carrying co-signature are not those whose hash the document was anchored with. */
export class TermsMismatchError extends Error {
  readonly code = 'TERMS_MISMATCH';
  constructor(
    readonly documentHash: string,
    readonly anchoredTermsHash: string,
    readonly givenTermsHash: string,
  ) {
    super(
      anchoredTermsHash === ZeroHash
        ? `document ${documentHash} was anchored without terms`
        : `the terms given hash to ${givenTermsHash}, document ${documentHash} was anchored with ${anchoredTermsHash}`,
    );
    this.name = 'TermsMismatchError';
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Anchoring
// ---------------------------------------------------------------------------------------------------------------------

/** What a registrant supplies to anchor a document (`IEvidenceRegistry.AnchorInput`). */
export interface AnchorInput {
  /** SHA-256 of the exact document bytes. */
  documentHash: string;
  /** EIP-712 struct hash of the executable terms; zero (the default) for a non-parametric document. */
  termsHash?: string;
  documentType: DocumentTypeName | number;
  retentionClass: number;
  /** The insurer's policy reference (no personal data). */
  policyRef: string;
  /** Where the document is stored (an IPFS CID). */
  storagePointer: string;
  /** Registered parties that must co-sign, in the order the relayers will give them. */
  requiredSigners: string[];
}

/** A `DocumentAnchored` event: where, and what it recorded. */
export interface AnchoredDocument extends MinedTransaction {
  logIndex: number;
  documentHash: string;
  registrant: string;
  termsHash: string;
  documentType: DocumentTypeName;
  retentionClass: number;
  policyRef: string;
  storagePointer: string;
  requiredSigners: string[];
}

/** A new version anchored over the current one. */
export interface SupersedingDocument extends AnchoredDocument {
  previousHash: string;
  /** The first version of the chain. */
  chainRoot: string;
  /** The new version's position in its chain, from 1. */
  version: number;
}

export interface AnchoredBatch extends MinedTransaction {
  merkleRoot: string;
  registrant: string;
  documentCount: number;
  storagePointer: string;
}

export interface RevokedDocument extends MinedTransaction {
  documentHash: string;
  revokedBy: string;
  reason: RevocationReasonName;
}

function anchorStruct(input: AnchorInput) {
  return {
    documentHash: input.documentHash,
    termsHash: input.termsHash ?? ZeroHash,
    documentType: enumIndex(DOCUMENT_TYPES, input.documentType, 'document type'),
    retentionClass: input.retentionClass,
    policyRef: input.policyRef,
    storagePointer: input.storagePointer,
    requiredSigners: input.requiredSigners,
  };
}

type AnchoredArgs = DocumentAnchoredEvent.OutputObject;

function anchoredDocument(
  where: MinedTransaction & { logIndex: number },
  args: Pick<
    AnchoredArgs,
    | 'documentHash'
    | 'registrant'
    | 'termsHash'
    | 'documentType'
    | 'retentionClass'
    | 'policyRef'
    | 'storagePointer'
    | 'requiredSigners'
  >,
): AnchoredDocument {
  return {
    ...where,
    documentHash: args.documentHash.toLowerCase(),
    registrant: getAddress(args.registrant),
    termsHash: args.termsHash.toLowerCase(),
    documentType: enumName(DOCUMENT_TYPES, args.documentType, 'document type'),
    retentionClass: Number(args.retentionClass),
    policyRef: args.policyRef,
    storagePointer: args.storagePointer,
    requiredSigners: [...args.requiredSigners].map((signer) => getAddress(signer)),
  };
}

function registryOf(client: LedgerClient) {
  const { registry } = sharedContracts(client, client.provider);
  return { registry, events: { address: client.deployment.evidenceRegistry, iface: registry.interface } };
}

/** Anchors a document as the client's signer (an active INSURER or REINSURER). */
export async function anchorDocument(
  client: LedgerClient,
  input: AnchorInput,
  options?: SendOptions,
): Promise<AnchoredDocument> {
  const { registry, events } = registryOf(client);
  const receipt = await sendAndConfirm(
    client,
    'anchorDocument',
    registry.anchor.populateTransaction(anchorStruct(input)),
    options,
  );
  const { log, event } = eventIn(receipt, events, 'DocumentAnchored', 'anchorDocument');
  return anchoredDocument({ ...minedAt(receipt), logIndex: log.index }, event.args as unknown as AnchoredArgs);
}

/**
 * Anchors one Merkle root for `documentCount` documents: the root of an OpenZeppelin `StandardMerkleTree` with leaf
 * encoding `['bytes32']` over their hashes.
 */
export async function anchorDocumentBatch(
  client: LedgerClient,
  batch: { merkleRoot: string; documentCount: number; storagePointer: string },
  options?: SendOptions,
): Promise<AnchoredBatch> {
  const { registry, events } = registryOf(client);
  const receipt = await sendAndConfirm(
    client,
    'anchorDocumentBatch',
    registry.anchorBatch.populateTransaction(batch.merkleRoot, batch.documentCount, batch.storagePointer),
    options,
  );
  const { event } = eventIn(receipt, events, 'BatchAnchored', 'anchorDocumentBatch');
  return {
    ...minedAt(receipt),
    merkleRoot: String(event.args.merkleRoot).toLowerCase(),
    registrant: getAddress(String(event.args.registrant)),
    documentCount: Number(event.args.documentCount),
    storagePointer: String(event.args.storagePointer),
  };
}

/** Anchors `input` as the next version of `previousHash` (the current version, anchored by the client's signer). */
export async function supersedeDocument(
  client: LedgerClient,
  previousHash: string,
  input: AnchorInput,
  options?: SendOptions,
): Promise<SupersedingDocument> {
  const { registry, events } = registryOf(client);
  const receipt = await sendAndConfirm(
    client,
    'supersedeDocument',
    registry.supersede.populateTransaction(previousHash, anchorStruct(input)),
    options,
  );
  const anchored = eventIn(receipt, events, 'DocumentAnchored', 'supersedeDocument');
  const superseded = eventIn(receipt, events, 'DocumentSuperseded', 'supersedeDocument').event;
  return {
    ...anchoredDocument(
      { ...minedAt(receipt), logIndex: anchored.log.index },
      anchored.event.args as unknown as AnchoredArgs,
    ),
    previousHash: String(superseded.args.previousHash).toLowerCase(),
    chainRoot: String(superseded.args.chainRoot).toLowerCase(),
    version: Number(superseded.args.version),
  };
}

/** Revokes a document (its registrant only, while still an active INSURER or REINSURER). */
export async function revokeDocument(
  client: LedgerClient,
  documentHash: string,
  reason: RevocationReasonName | number,
  options?: SendOptions,
): Promise<RevokedDocument> {
  const { registry, events } = registryOf(client);
  const receipt = await sendAndConfirm(
    client,
    'revokeDocument',
    registry.revoke.populateTransaction(documentHash, enumIndex(REVOCATION_REASONS, reason, 'revocation reason')),
    options,
  );
  const { event } = eventIn(receipt, events, 'DocumentRevoked', 'revokeDocument');
  return {
    ...minedAt(receipt),
    documentHash: String(event.args.documentHash).toLowerCase(),
    revokedBy: getAddress(String(event.args.revokedBy)),
    reason: enumName(REVOCATION_REASONS, event.args.reason as bigint, 'revocation reason'),
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// Co-signatures
// ---------------------------------------------------------------------------------------------------------------------

/**
 * A fresh co-signature nonce. The registry's nonces are unordered (one used-bit per nonce), so a random 256-bit nonce
 * never collides with another signature's and leaves the signer free to have them relayed in any order.
 */
export function randomCoSignatureNonce(): bigint {
  return toBigInt(randomBytes(32));
}

/** Terms a terms-carrying co-signature nests: which kind, and the terms as the product takes them. */
export interface NestedTerms {
  termsType: TermsTypeName | number;
  terms: Record<string, unknown>;
}

export interface CoSignatureRequest {
  documentHash: string;
  /** The required signer (an EOA, or an EIP-1271 wallet whose owner signs). */
  signer: string;
  /** Any unused nonce of the signer's; a random one by default (nonces are unordered). */
  nonce?: BigNumberish;
  /** Last block time (unix seconds) at which the registry accepts the signature. */
  deadline: BigNumberish;
  /** The terms themselves, for the variant whose wallet prompt shows them (`cosignTerms`). */
  terms?: NestedTerms;
}

/**
 * EIP-712 typed data exactly as a wallet's `eth_signTypedData_v4` takes it: `types` include `EIP712Domain`, numbers
 * are decimal strings (the chain id a number), addresses checksummed, hashes lowercase hex. For ethers' `signTypedData(domain, types,
 * message)`, leave `EIP712Domain` out of the types (ethers derives it), as `signCoSignature` does.
 */
export interface CoSignatureTypedData {
  domain: { name: string; version: string; chainId: number; verifyingContract: string };
  types: Record<string, { name: string; type: string }[]>;
  primaryType: string;
  message: Record<string, unknown>;
}

function termsCoSignatureTypesOf(termsType: TermsTypeName | number): Record<string, TypedDataField[]> {
  const name = enumName(TERMS_TYPES, enumIndex(TERMS_TYPES, termsType, 'terms type'), 'terms type');
  return name === 'FlightDelay' ? FLIGHT_DELAY_CO_SIGNATURE_TYPES : WEATHER_INDEX_CO_SIGNATURE_TYPES;
}

/**
 * The message `signer` signs to co-sign `documentHash`: over the document and its anchored termsHash, or, with
 * `terms`, over the terms themselves (refused here unless they hash to the anchored termsHash, as the registry would).
 */
export async function coSignatureTypedData(
  client: LedgerClient,
  request: CoSignatureRequest,
): Promise<CoSignatureTypedData> {
  const [anchor, { chainId }] = await Promise.all([
    readAnchor(client, request.documentHash),
    client.provider.getNetwork(),
  ]);
  if (anchor === null) throw new DocumentNotAnchoredError(request.documentHash.toLowerCase());
  const domain = domainOf(EVIDENCE_DOMAIN_NAME, chainId, client.deployment.evidenceRegistry);
  const common = {
    documentHash: request.documentHash,
    signer: getAddress(request.signer),
    nonce: request.nonce ?? randomCoSignatureNonce(),
    deadline: request.deadline,
  };
  if (request.terms === undefined) {
    return walletPayload(
      TypedDataEncoder.getPayload(domain, CO_SIGNATURE_TYPES, {
        ...common,
        termsHash: anchor.termsHash,
      }) as JsonRpcPayload,
    );
  }
  const types = termsCoSignatureTypesOf(request.terms.termsType);
  const termsStruct = Object.keys(types).find((name) => name.endsWith('Terms'))!;
  const givenTermsHash = TypedDataEncoder.hashStruct(termsStruct, types, request.terms.terms);
  if (anchor.termsHash === ZeroHash || givenTermsHash !== anchor.termsHash) {
    throw new TermsMismatchError(anchor.documentHash, anchor.termsHash, givenTermsHash);
  }
  return walletPayload(
    TypedDataEncoder.getPayload(domain, types, { ...common, terms: request.terms.terms }) as JsonRpcPayload,
  );
}

/**
 * The terms co-signature `request.signer` will be asked for, built from the terms alone (no anchor is read): for a
 * preview of a proposal, whose document hash, nonce and deadline are fixed only when the wording is anchored.
 */
export async function termsCoSignaturePreview(
  client: LedgerClient,
  request: Required<CoSignatureRequest>,
): Promise<CoSignatureTypedData> {
  const { chainId } = await client.provider.getNetwork();
  const domain = domainOf(EVIDENCE_DOMAIN_NAME, chainId, client.deployment.evidenceRegistry);
  const { documentHash, signer, nonce, deadline, terms } = request;
  return walletPayload(
    TypedDataEncoder.getPayload(domain, termsCoSignatureTypesOf(terms.termsType), {
      documentHash,
      signer: getAddress(signer),
      nonce,
      deadline,
      terms: terms.terms,
    }) as JsonRpcPayload,
  );
}

/** What ethers' `TypedDataEncoder.getPayload` returns (typed `any` there). */
interface JsonRpcPayload {
  types: Record<string, TypedDataField[]>;
  domain: { name: string; version: string; chainId: string | number; verifyingContract: string };
  primaryType: string;
  message: Record<string, unknown>;
}

/** ethers' JSON-RPC payload, with the chain id a number and addresses checksummed, as wallets show them. */
function walletPayload(payload: JsonRpcPayload): CoSignatureTypedData {
  const { domain } = payload;
  const message = TypedDataEncoder.from(withoutDomainType(payload.types)).visit(
    payload.message,
    (type, value: unknown) => (type === 'address' ? getAddress(String(value)) : value),
  ) as Record<string, unknown>;
  return {
    types: payload.types,
    primaryType: payload.primaryType,
    domain: { ...domain, chainId: Number(domain.chainId), verifyingContract: getAddress(domain.verifyingContract) },
    message,
  };
}

/** The types without `EIP712Domain`, which ethers derives from the domain itself and refuses to be given. */
export function withoutDomainType(types: CoSignatureTypedData['types']): Record<string, TypedDataField[]> {
  return Object.fromEntries(Object.entries(types).filter(([name]) => name !== 'EIP712Domain'));
}

/**
 * Signs `typedData` (from `coSignatureTypedData`) with `wallet`, as the signer's own wallet does; returns the
 * signature. For the parties whose keys the caller holds (local demo parties, scripts).
 */
export async function signCoSignature(wallet: Signer, typedData: CoSignatureTypedData): Promise<string> {
  return wallet.signTypedData(typedData.domain, withoutDomainType(typedData.types), typedData.message);
}

/** A co-signature relayed to the registry. */
export interface CoSignatureRelay {
  documentHash: string;
  signer: string;
  nonce: BigNumberish;
  deadline: BigNumberish;
  signature: string;
  /** The document's required signers as anchored; read from its `DocumentAnchored` event when not given. */
  requiredSigners?: string[];
}

export interface CoSignedDocument extends MinedTransaction {
  documentHash: string;
  signer: string;
  signatureCount: number;
  requiredSignerCount: number;
  /** Whether this co-signature was the last one required. */
  fullySigned: boolean;
  /** For a terms-carrying co-signature: the kind of terms and the termsHash signed. */
  terms?: { termsType: TermsTypeName; termsHash: string };
}

function coSigned(
  receipt: Parameters<typeof minedAt>[0],
  events: ReturnType<typeof registryOf>['events'],
  action: string,
): CoSignedDocument {
  const { event } = eventIn(receipt, events, 'DocumentCoSigned', action);
  const signatureCount = Number(event.args.signatureCount);
  const requiredSignerCount = Number(event.args.requiredSignerCount);
  const result: CoSignedDocument = {
    ...minedAt(receipt),
    documentHash: String(event.args.documentHash).toLowerCase(),
    signer: getAddress(String(event.args.signer)),
    signatureCount,
    requiredSignerCount,
    fullySigned: signatureCount === requiredSignerCount,
  };
  const terms = eventsIn(receipt, events, 'TermsCoSigned')[0]?.event;
  if (terms !== undefined) {
    result.terms = {
      termsType: enumName(TERMS_TYPES, terms.args.termsType as bigint, 'terms type'),
      termsHash: String(terms.args.termsHash).toLowerCase(),
    };
  }
  return result;
}

/** Relays a required signer's co-signature (`cosign`), sent by the client's signer (anyone may relay). */
export async function relayCoSignature(
  client: LedgerClient,
  relay: CoSignatureRelay,
  options?: SendOptions,
): Promise<CoSignedDocument> {
  const { registry, events } = registryOf(client);
  const requiredSigners = relay.requiredSigners ?? (await requiredSignersOf(client, relay.documentHash));
  const receipt = await sendAndConfirm(
    client,
    'relayCoSignature',
    registry.cosign.populateTransaction(
      relay.documentHash,
      requiredSigners,
      relay.signer,
      relay.nonce,
      relay.deadline,
      relay.signature,
    ),
    options,
  );
  return coSigned(receipt, events, 'relayCoSignature');
}

/** Relays a required signer's co-signature made over the terms themselves (`cosignTerms`). */
export async function relayTermsCoSignature(
  client: LedgerClient,
  relay: CoSignatureRelay & { termsType: TermsTypeName | number },
  options?: SendOptions,
): Promise<CoSignedDocument> {
  const { registry, events } = registryOf(client);
  const requiredSigners = relay.requiredSigners ?? (await requiredSignersOf(client, relay.documentHash));
  const receipt = await sendAndConfirm(
    client,
    'relayTermsCoSignature',
    registry.cosignTerms.populateTransaction(
      relay.documentHash,
      requiredSigners,
      enumIndex(TERMS_TYPES, relay.termsType, 'terms type'),
      relay.signer,
      relay.nonce,
      relay.deadline,
      relay.signature,
    ),
    options,
  );
  return coSigned(receipt, events, 'relayTermsCoSignature');
}

// ---------------------------------------------------------------------------------------------------------------------
// Reads
// ---------------------------------------------------------------------------------------------------------------------

/** The stored record of an anchored document. */
export interface AnchorRecord {
  documentHash: string;
  registrant: string;
  /** Block time of anchoring, ISO-8601 UTC. */
  anchoredAt: string;
  blockNumber: number;
  documentType: DocumentTypeName;
  retentionClass: number;
  status: DocumentStatusName;
  termsHash: string;
  requiredSignerCount: number;
  signatureCount: number;
  fullySigned: boolean;
  /** Position in its version chain, from 1. */
  version: number;
  /** Why and when it was revoked; null unless `status` is `Revoked`. */
  revocationReason: RevocationReasonName | null;
  revokedAt: string | null;
}

/** The stored record of `documentHash`, or null when it was never anchored; at `blockTag` when given. */
export async function readAnchor(
  client: LedgerClient,
  documentHash: string,
  blockTag?: number | string,
): Promise<AnchorRecord | null> {
  const { registry } = registryOf(client);
  const anchor = await registry.getAnchor(documentHash, blockTag === undefined ? {} : { blockTag });
  if (anchor.registrant === ZeroAddress) return null;
  const status = enumName(DOCUMENT_STATUSES, anchor.status, 'document status');
  return {
    documentHash: documentHash.toLowerCase(),
    registrant: getAddress(anchor.registrant),
    anchoredAt: isoTime(anchor.anchoredAt),
    blockNumber: Number(anchor.blockNumber),
    documentType: enumName(DOCUMENT_TYPES, anchor.documentType, 'document type'),
    retentionClass: Number(anchor.retentionClass),
    status,
    termsHash: anchor.termsHash.toLowerCase(),
    requiredSignerCount: Number(anchor.requiredSignerCount),
    signatureCount: Number(anchor.signatureCount),
    fullySigned: anchor.signatureCount === anchor.requiredSignerCount,
    version: Number(anchor.version),
    revocationReason:
      status === 'Revoked' ? enumName(REVOCATION_REASONS, anchor.revocationReason, 'revocation reason') : null,
    revokedAt: status === 'Revoked' ? isoTime(anchor.revokedAt) : null,
  };
}

/**
 * The `DocumentAnchored` event of `documentHash` (block, transaction, log index and what it recorded), or null when it
 * was never anchored. One log query over the block the stored anchor names.
 */
export async function findAnchorTransaction(
  client: LedgerClient,
  documentHash: string,
): Promise<AnchoredDocument | null> {
  const { registry } = registryOf(client);
  const anchor = await registry.getAnchor(documentHash);
  if (anchor.registrant === ZeroAddress) return null;
  const block = Number(anchor.blockNumber);
  const [log] = await registry.queryFilter(registry.filters.DocumentAnchored(documentHash), block, block);
  if (log === undefined) throw new Error(`no DocumentAnchored event of ${documentHash} in block ${block}`);
  return anchoredDocument(
    { transactionHash: log.transactionHash, blockNumber: log.blockNumber, logIndex: log.index },
    log.args,
  );
}

/**
 * The required signers of an anchored document, in anchoring order (from its `DocumentAnchored` event: the registry
 * stores only a commitment to the list, which each relayed co-signature supplies).
 */
export async function requiredSignersOf(client: LedgerClient, documentHash: string): Promise<string[]> {
  const anchored = await findAnchorTransaction(client, documentHash);
  if (anchored === null) throw new DocumentNotAnchoredError(documentHash.toLowerCase());
  return anchored.requiredSigners;
}

/** Whether `signer` must co-sign `documentHash`, and whether it has. */
export async function coSignerState(
  client: LedgerClient,
  documentHash: string,
  signer: string,
): Promise<SignerStateName> {
  const { registry } = registryOf(client);
  const requiredSigners = await requiredSignersOf(client, documentHash);
  return enumName(
    SIGNER_STATES,
    await registry.requiredSignerState(documentHash, requiredSigners, signer),
    'signer state',
  );
}

/** The stored record of an anchored Merkle batch. */
export interface BatchRecord {
  merkleRoot: string;
  registrant: string;
  anchoredAt: string;
  blockNumber: number;
  documentCount: number;
}

/** The stored record of batch `merkleRoot`, or null when it was never anchored. */
export async function readBatch(client: LedgerClient, merkleRoot: string): Promise<BatchRecord | null> {
  const { registry } = registryOf(client);
  const batch = await registry.getBatch(merkleRoot);
  if (batch.registrant === ZeroAddress) return null;
  return {
    merkleRoot: merkleRoot.toLowerCase(),
    registrant: getAddress(batch.registrant),
    anchoredAt: isoTime(batch.anchoredAt),
    blockNumber: Number(batch.blockNumber),
    documentCount: Number(batch.documentCount),
  };
}

/** Whether the Merkle root `merkleRoot` has been anchored. */
export async function isBatchAnchored(client: LedgerClient, merkleRoot: string): Promise<boolean> {
  return (await readBatch(client, merkleRoot)) !== null;
}

/** Whether `documentHash` is a member of the anchored batch `merkleRoot`, by its `StandardMerkleTree` proof. */
export async function verifyBatchMember(
  client: LedgerClient,
  member: { merkleRoot: string; documentHash: string; proof: string[] },
): Promise<boolean> {
  const { registry } = registryOf(client);
  return registry.verifyBatchMember(member.merkleRoot, member.documentHash, member.proof);
}

function isoTime(unixSeconds: bigint | number): string {
  return new Date(Number(unixSeconds) * 1000).toISOString();
}
