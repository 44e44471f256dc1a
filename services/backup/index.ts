/**
 * Backup and restore of a data directory: everything under it that cannot be rebuilt from the chain (keys, the API's
 * database with its outbox, wrapped keys, API keys and webhooks, the IPFS blocks of documents, the oracle nodes'
 * state, configuration, deployment records and, for the local stack, the local chain's state). `cli.ts` is the command
 * line of `npm run backup` / `restore` and `policyledger backup` / `restore`.
 */
export { backupDataDir, type BackupOptions, type BackupResult } from './backup.js';
export { restoreDataDir, type RestoreOptions, type RestoreResult } from './restore.js';
export { BackupError, isBackupError, type BackupErrorCode } from './errors.js';
export { type BackupManifest, type ManifestFile } from './format.js';
export { whatRunsOn } from './running.js';
