/**
 * The storage layer's failures. Each carries a stable `code` the API maps to a problem answer; the message names the
 * offending value without revealing content or keys.
 */
export type StorageErrorCode =
  /** The document exceeds the configured maximum size. */
  | 'DOCUMENT_TOO_LARGE'
  /** A sealed document failed authentication: altered, truncated, or opened with the wrong key. */
  | 'CIPHERTEXT_TAMPERED'
  /** A sealed document's version byte is not one this code knows. */
  | 'CIPHERTEXT_VERSION_UNSUPPORTED'
  /** A content key is not 32 bytes. */
  | 'CONTENT_KEY_INVALID'
  /** A wrapped content key did not open: wrong private key, another document or another recipient, or altered. */
  | 'CONTENT_KEY_UNWRAP_FAILED'
  /** An encryption key is not a 32-byte X25519 key (old deployments registered secp256k1 keys). */
  | 'ENCRYPTION_KEY_UNSUPPORTED'
  /** An encryption key file already exists where a new one was to be written. */
  | 'ENCRYPTION_KEY_FILE_EXISTS'
  /** An encryption key file is not in the expected format. */
  | 'ENCRYPTION_KEY_FILE_INVALID'
  /** An encryption key file did not open with the given password (wrong password, or the file was altered). */
  | 'ENCRYPTION_KEY_PASSWORD_INCORRECT'
  /** A context value (document hash, recipient address) is malformed. */
  | 'STORAGE_INPUT_INVALID'
  /** A CID is not a valid content identifier. */
  | 'CID_INVALID'
  /** The content store does not hold the content. */
  | 'CONTENT_NOT_FOUND'
  /** The content store's node has no network to fetch content it does not hold (the embedded node without peering). */
  | 'CONTENT_STORE_OFFLINE'
  /** No peer of the content store's node delivered the content within the time allowed. */
  | 'CONTENT_UNREACHABLE'
  /** A content store setting (such as a Kubo RPC URL) is not usable. */
  | 'CONTENT_STORE_CONFIG_INVALID';

export class StorageError extends Error {
  readonly code: StorageErrorCode;

  constructor(code: StorageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageError';
    this.code = code;
  }
}

/** Whether `error` is a `StorageError`, with `code` when given. */
export function isStorageError(error: unknown, code?: StorageErrorCode): error is StorageError {
  return error instanceof StorageError && (code === undefined || error.code === code);
}
