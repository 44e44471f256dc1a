/** Why a backup or a restore was refused or failed, as a stable code a script can test. */
export type BackupErrorCode =
  /** The data directory to back up does not exist. */
  | 'DATA_DIR_MISSING'
  /** The archive would be written inside the data directory it saves. */
  | 'BACKUP_INSIDE_DATA_DIR'
  /** A file already exists where the archive would be written: it is never overwritten. */
  | 'BACKUP_FILE_EXISTS'
  /** A file kept changing while it was read, so no consistent copy of it could be taken. */
  | 'FILE_UNSTABLE'
  /** The archive to restore does not exist. */
  | 'ARCHIVE_NOT_FOUND'
  /** The archive is not a PolicyLedger backup, is truncated, or is of a version this code does not read. */
  | 'ARCHIVE_INVALID'
  /** A file's bytes do not match the SHA-256 or size the manifest records, or files are missing or extra. */
  | 'ARCHIVE_TAMPERED'
  /** The stack (the local chain, the API, an oracle node) runs on the data directory to restore into. */
  | 'STACK_RUNNING'
  /** The data directory to restore into holds files, and `force` was not given. */
  | 'DATA_DIR_NOT_EMPTY';

export class BackupError extends Error {
  readonly code: BackupErrorCode;

  constructor(code: BackupErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'BackupError';
    this.code = code;
  }
}

/** Whether `error` is a `BackupError`, of `code` when given. */
export function isBackupError(error: unknown, code?: BackupErrorCode): error is BackupError {
  return error instanceof BackupError && (code === undefined || error.code === code);
}
