import { requireContentKey } from './envelope.js';
import { nodeHpkeSuite } from './hpke-native.js';
import { StorageError } from './errors.js';
import { parseEncryptionPublicKey } from './keys.js';

/**
 * Wrapping a document's content key for one reader party, with HPKE (RFC 9180) in base mode:
 * DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM — a standard, maintained construction (`@hpke/core`'s suite, on
 * Node's synchronous primitives: `hpke-native.ts`).
 *
 * - `info` = "PolicyLedger content key v1": separates these keys from any other use of the same X25519 key.
 * - `aad` = documentHash (32 bytes) || recipient address (20 bytes): a wrapped key opens only for the document and the
 *   party it was made for, so a wrapped key copied onto another document or handed to another party fails.
 * - Wrapped format (80 bytes for a 32-byte content key): enc (the 32-byte X25519 ephemeral public key) || ciphertext
 *   (content key + 16-byte GCM tag). Wrapped keys stay in the members' API databases; they never go to IPFS.
 */

export interface WrapContext {
  /** The document's hash (0x + 64 hex). */
  documentHash: string;
  /** The reader party's account address (any case). */
  recipient: string;
}

/** The HPKE `info` string; its version changes if the construction ever does. */
export const WRAP_INFO = 'PolicyLedger content key v1';
const ENC_BYTES = 32;

const suite = nodeHpkeSuite(32);
const info = new TextEncoder().encode(WRAP_INFO);

/** Seals `contentKey` to `recipientPublicKey` (raw 32-byte X25519) for `context`'s document and recipient. */
export async function wrapContentKey(
  contentKey: Uint8Array,
  recipientPublicKey: Uint8Array,
  context: WrapContext,
): Promise<Uint8Array> {
  requireContentKey(contentKey);
  const recipientKey = await suite.kem.deserializePublicKey(
    parseEncryptionPublicKey(`0x${Buffer.from(recipientPublicKey).toString('hex')}`),
  );
  const { enc, ct } = await suite.seal({ recipientPublicKey: recipientKey, info }, contentKey, wrapAad(context));
  return new Uint8Array(Buffer.concat([new Uint8Array(enc), new Uint8Array(ct)]));
}

/**
 * Opens a wrapped content key with the recipient's raw 32-byte X25519 private key. Throws `CONTENT_KEY_UNWRAP_FAILED`
 * when it was wrapped for another key, document or recipient, or altered.
 */
export async function unwrapContentKey(
  wrapped: Uint8Array,
  recipientPrivateKey: Uint8Array,
  context: WrapContext,
): Promise<Uint8Array> {
  const aad = wrapAad(context);
  if (wrapped.byteLength <= ENC_BYTES) {
    throw new StorageError(
      'CONTENT_KEY_UNWRAP_FAILED',
      `a wrapped content key is too short (${wrapped.byteLength} bytes)`,
    );
  }
  if (recipientPrivateKey.byteLength !== 32) {
    throw new StorageError(
      'ENCRYPTION_KEY_UNSUPPORTED',
      `an X25519 private key is 32 bytes, got ${recipientPrivateKey.byteLength}`,
    );
  }
  try {
    const recipientKey = await suite.kem.deserializePrivateKey(recipientPrivateKey);
    const contentKey = await suite.open(
      { recipientKey, enc: wrapped.slice(0, ENC_BYTES), info },
      wrapped.slice(ENC_BYTES),
      aad,
    );
    return new Uint8Array(contentKey);
  } catch (error) {
    throw new StorageError(
      'CONTENT_KEY_UNWRAP_FAILED',
      `the content key of ${context.documentHash.toLowerCase()} did not open for ${context.recipient}: ` +
        'wrapped for another key, document or party, or altered',
      { cause: error },
    );
  }
}

/** documentHash (32 bytes) || recipient address (20 bytes). */
function wrapAad({ documentHash, recipient }: WrapContext): Uint8Array {
  if (!/^0x[0-9a-fA-F]{64}$/.test(documentHash)) {
    throw new StorageError('STORAGE_INPUT_INVALID', `"${documentHash}" is not a document hash (0x + 64 hex digits)`);
  }
  if (!/^0x[0-9a-fA-F]{40}$/.test(recipient)) {
    throw new StorageError('STORAGE_INPUT_INVALID', `"${recipient}" is not an account address (0x + 40 hex digits)`);
  }
  return new Uint8Array(Buffer.from(`${documentHash.slice(2)}${recipient.slice(2)}`, 'hex'));
}
