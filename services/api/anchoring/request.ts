/**
 * Requests as the outbox keeps them: validated once, at acceptance, then normalised to plain JSON (lowercase hashes,
 * checksummed addresses, numbers and decimal strings) so that what is re-sent after a restart is exactly what was
 * accepted.
 */
import { getAddress, hexlify, isHexString, ZeroHash } from 'ethers';
import { DOCUMENT_TYPES } from '../../ledger/documents.js';
import { AnchorRequestError, type AnchorInput, type AnchorRequest } from './types.js';

export interface StoredAnchorInput {
  documentHash: string;
  termsHash: string;
  documentType: number;
  retentionClass: number;
  policyRef: string;
  storagePointer: string;
  requiredSigners: string[];
}

export type StoredRequest = { sender: string } & (
  | { kind: 'anchor'; mode: 'single' | 'batch'; input: StoredAnchorInput }
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
);

/** The document a request is about: the anchored (or new) version's hash. */
export function documentHashOf(request: StoredRequest): string {
  return request.kind === 'anchor' || request.kind === 'supersede' ? request.input.documentHash : request.documentHash;
}

/**
 * What makes two requests the same write, so that the second gets the first's operation: one anchoring per document
 * hash (the registry anchors a hash once), one revocation per document, one co-signature per document and signer.
 */
export function dedupeKeyOf(request: StoredRequest): string {
  switch (request.kind) {
    case 'anchor':
    case 'supersede':
      return `anchor:${request.input.documentHash}`;
    case 'revoke':
      return `revoke:${request.documentHash}`;
    case 'cosign':
      return `cosign:${request.documentHash}:${request.signer.toLowerCase()}`;
  }
}

/** Whether the request goes into a Merkle batch rather than a transaction of its own. */
export function isBatched(request: StoredRequest): boolean {
  return request.kind === 'anchor' && request.mode === 'batch';
}

/** Validates and normalises `request`, or throws `AnchorRequestError`. */
export function normaliseRequest(request: AnchorRequest): StoredRequest {
  const sender = address(request.sender, 'sender');
  switch (request.kind) {
    case 'anchor': {
      if (request.mode !== 'single' && request.mode !== 'batch')
        invalid(`unknown anchoring mode ${String(request.mode)}`);
      const input = normaliseInput(request.input);
      if (request.mode === 'batch' && (input.requiredSigners.length > 0 || input.termsHash !== ZeroHash)) {
        throw new AnchorRequestError(
          'BATCH_NOT_ALLOWED',
          `document ${input.documentHash} needs co-signatures or carries a terms hash, which a batch root does not record: anchor it singly`,
        );
      }
      return { kind: 'anchor', sender, mode: request.mode, input };
    }
    case 'supersede':
      return {
        kind: 'supersede',
        sender,
        previousHash: hash32(request.previousHash, 'previousHash'),
        input: normaliseInput(request.input),
      };
    case 'revoke':
      return {
        kind: 'revoke',
        sender,
        documentHash: hash32(request.documentHash, 'documentHash'),
        reason: small(request.reason, 'reason'),
      };
    case 'cosign':
      return {
        kind: 'cosign',
        sender,
        documentHash: hash32(request.documentHash, 'documentHash'),
        signer: address(request.signer, 'signer'),
        nonce: decimal(request.nonce, 'nonce'),
        deadline: decimal(request.deadline, 'deadline'),
        signature: hexBytes(request.signature, 'signature'),
        ...(request.termsType === undefined ? {} : { termsType: small(request.termsType, 'termsType') }),
      };
    default:
      return invalid(`unknown request kind ${String((request as { kind: unknown }).kind)}`);
  }
}

function normaliseInput(input: AnchorInput): StoredAnchorInput {
  if (typeof input !== 'object' || input === null) invalid('input is missing');
  return {
    documentHash: hash32(input.documentHash, 'input.documentHash'),
    termsHash: input.termsHash === undefined ? ZeroHash : hash32(input.termsHash, 'input.termsHash'),
    documentType: documentType(input.documentType),
    retentionClass: small(input.retentionClass, 'input.retentionClass'),
    policyRef: text(input.policyRef, 'input.policyRef'),
    storagePointer: text(input.storagePointer, 'input.storagePointer'),
    requiredSigners: Array.isArray(input.requiredSigners)
      ? input.requiredSigners.map((signer, index) => address(signer, `input.requiredSigners[${index}]`))
      : invalid('input.requiredSigners is not a list'),
  };
}

/** The document type's number, given as `IEvidenceRegistry.DocumentType`'s number or name. */
function documentType(value: unknown): number {
  const index = typeof value === 'string' ? DOCUMENT_TYPES.indexOf(value as (typeof DOCUMENT_TYPES)[number]) : value;
  const number = small(index, 'input.documentType');
  if (number >= DOCUMENT_TYPES.length) invalid(`input.documentType ${String(value)} is not a document type`);
  return number;
}

function hash32(value: unknown, field: string): string {
  const hex = typeof value === 'string' ? value : value instanceof Uint8Array ? hexlify(value) : '';
  if (!isHexString(hex, 32)) invalid(`${field} is not a 32-byte hex value`);
  return hex.toLowerCase();
}

function hexBytes(value: unknown, field: string): string {
  if (typeof value !== 'string' || !isHexString(value)) invalid(`${field} is not hex bytes`);
  return value.toLowerCase();
}

/**
 * Addresses already checksummed, by the text given: `getAddress` hashes in JavaScript (keccak), and the same few
 * senders come with every request. Bounded: cleared when full.
 */
const checksummed = new Map<string, string>();
const CHECKSUMMED_MAX = 1024;

function address(value: unknown, field: string): string {
  const text = String(value);
  let known = checksummed.get(text);
  if (known === undefined) {
    try {
      known = getAddress(text);
    } catch {
      return invalid(`${field} is not an address`);
    }
    if (checksummed.size >= CHECKSUMMED_MAX) checksummed.clear();
    checksummed.set(text, known);
  }
  return known;
}

function small(value: unknown, field: string): number {
  const number = typeof value === 'bigint' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 0 || number > 255) {
    invalid(`${field} is not an integer from 0 to 255`);
  }
  return number;
}

function decimal(value: unknown, field: string): string {
  const textValue = typeof value === 'bigint' || typeof value === 'number' ? String(value) : value;
  if (typeof textValue !== 'string' || !/^\d{1,78}$/.test(textValue)) invalid(`${field} is not a decimal integer`);
  return BigInt(textValue).toString();
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string') invalid(`${field} is not a string`);
  return value;
}

function invalid(message: string): never {
  throw new AnchorRequestError('INVALID_ANCHOR_REQUEST', message);
}
