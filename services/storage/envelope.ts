import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { StorageError } from './errors.js';

/**
 * Envelope encryption of a document's bytes.
 *
 * - The documentHash anchored on chain is SHA-256 of the plain bytes, as 0x-prefixed lowercase hex, computed in the
 *   same single pass that encrypts them, so a document is read from the request exactly once.
 * - A confidential document is sealed with AES-256-GCM under a fresh random 32-byte content key and a random 96-bit
 *   IV (a fresh key per document, so IV reuse under one key cannot happen). The content key never leaves this process
 *   in the clear: it is wrapped for each reader (`wrap.ts`).
 * - Stored format, version 1 (what goes to IPFS):
 *
 *       0x01 (1 byte) || IV (12 bytes) || ciphertext (as long as the plain bytes) || GCM tag (16 bytes)
 *
 *   The version byte and the IV are the GCM additional data, so neither can be changed without detection. The
 *   ciphertext reveals the document's length, nothing else.
 * - A public document is stored as its plain bytes, so its CID is the one `ipfs add` gives for the same file.
 */

/** The version byte of the stored format described above. */
export const SEALED_FORMAT_VERSION = 0x01;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const CONTENT_KEY_BYTES = 32;
const HEADER_BYTES = 1 + IV_BYTES;
/** How many bytes sealing adds to a document: the stored size of a confidential document is its size plus these. */
export const SEALED_OVERHEAD_BYTES = HEADER_BYTES + TAG_BYTES;

export interface SealOptions {
  /** Encrypt the bytes (true) or store them as they are (false). */
  confidential: boolean;
  /** The most bytes accepted; one more and the stream is refused with `DOCUMENT_TOO_LARGE`. */
  maxBytes: number;
}

export interface SealedDocument {
  /** SHA-256 of the plain bytes, 0x-prefixed lowercase hex: the anchor's documentHash. */
  documentHash: string;
  /** Length of the plain bytes. */
  size: number;
  /** What the content store keeps: the sealed format above for a confidential document, else the plain bytes. */
  stored: Uint8Array;
  /** The fresh content key of a confidential document (absent for a public one). */
  contentKey?: Uint8Array;
}

/**
 * Reads `chunks` once, hashing the plain bytes and, when confidential, encrypting them under a fresh content key.
 * Stops reading and throws `DOCUMENT_TOO_LARGE` as soon as more than `maxBytes` have arrived.
 */
export async function hashAndSeal(chunks: AsyncIterable<Uint8Array>, options: SealOptions): Promise<SealedDocument> {
  const { confidential, maxBytes } = options;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new StorageError('STORAGE_INPUT_INVALID', `maxBytes must be a non-negative integer, got ${maxBytes}`);
  }
  const hash = createHash('sha256');
  const contentKey = confidential ? randomBytes(CONTENT_KEY_BYTES) : undefined;
  const header = Buffer.concat([Buffer.of(SEALED_FORMAT_VERSION), randomBytes(IV_BYTES)]);
  const cipher =
    contentKey === undefined
      ? undefined
      : createCipheriv('aes-256-gcm', contentKey, header.subarray(1), { authTagLength: TAG_BYTES }).setAAD(header);

  const parts: Uint8Array[] = cipher === undefined ? [] : [header];
  let size = 0;
  for await (const chunk of chunks) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      throw new StorageError('DOCUMENT_TOO_LARGE', `the document exceeds the limit of ${maxBytes} bytes`);
    }
    hash.update(chunk);
    parts.push(cipher === undefined ? Uint8Array.from(chunk) : cipher.update(chunk));
  }
  if (cipher !== undefined) parts.push(cipher.final(), cipher.getAuthTag());

  const stored = Buffer.concat(parts);
  return {
    documentHash: `0x${hash.digest('hex')}`,
    size,
    stored: new Uint8Array(stored.buffer, stored.byteOffset, stored.byteLength),
    ...(contentKey === undefined ? {} : { contentKey: new Uint8Array(contentKey) }),
  };
}

/**
 * Authenticates and decrypts a sealed document with its content key. Throws `CIPHERTEXT_TAMPERED` when the bytes were
 * altered or truncated or the key is not the document's, `CIPHERTEXT_VERSION_UNSUPPORTED` for an unknown format.
 */
export function openSealed(stored: Uint8Array, contentKey: Uint8Array): Uint8Array {
  requireContentKey(contentKey);
  if (stored.byteLength < HEADER_BYTES + TAG_BYTES) {
    throw new StorageError(
      'CIPHERTEXT_TAMPERED',
      `the sealed document is ${stored.byteLength} bytes, shorter than the ${HEADER_BYTES + TAG_BYTES}-byte minimum`,
    );
  }
  if (stored[0] !== SEALED_FORMAT_VERSION) {
    throw new StorageError(
      'CIPHERTEXT_VERSION_UNSUPPORTED',
      `the sealed document has format version ${stored[0]}; this code reads version ${SEALED_FORMAT_VERSION}`,
    );
  }
  const header = stored.subarray(0, HEADER_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', contentKey, header.subarray(1), { authTagLength: TAG_BYTES })
    .setAAD(header)
    .setAuthTag(stored.subarray(stored.byteLength - TAG_BYTES));
  try {
    const plain = Buffer.concat([
      decipher.update(stored.subarray(HEADER_BYTES, stored.byteLength - TAG_BYTES)),
      decipher.final(),
    ]);
    return new Uint8Array(plain.buffer, plain.byteOffset, plain.byteLength);
  } catch (error) {
    throw new StorageError(
      'CIPHERTEXT_TAMPERED',
      'the sealed document failed authentication: it was altered or the key is not its content key',
      { cause: error },
    );
  }
}

/** SHA-256 of `bytes` as the anchor's documentHash (0x-prefixed lowercase hex). */
export function documentHashOf(bytes: Uint8Array): string {
  return `0x${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Throws `CONTENT_KEY_INVALID` unless `contentKey` is 32 bytes. */
export function requireContentKey(contentKey: Uint8Array): void {
  if (contentKey.byteLength !== CONTENT_KEY_BYTES) {
    throw new StorageError(
      'CONTENT_KEY_INVALID',
      `a content key is ${CONTENT_KEY_BYTES} bytes, got ${contentKey.byteLength}`,
    );
  }
}
