/**
 * `restoreDataDir`: brings a backup (`format.ts`) back into a data directory.
 *
 * - It refuses while anything runs on the data directory (`running.ts`): files replaced under a running API or node
 *   would be overwritten by it, or break it.
 * - It refuses a data directory that holds anything unless `force` is given; then the old directory is moved aside to
 *   `<dataDir>.before-restore-<time>`, never deleted.
 * - It extracts into a staging folder beside the data directory and checks every file against the manifest (size,
 *   SHA-256, nothing missing, nothing extra) before the staging folder takes the data directory's place with one
 *   rename: a damaged or altered archive changes nothing.
 * The chain index is not in a backup: the API rebuilds it from the chain when it starts.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, open, rename, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { createGunzip } from 'node:zlib';
import { BackupError } from './errors.js';
import { ArchiveReader, type BackupManifest } from './format.js';
import { whatRunsOn } from './running.js';

export interface RestoreOptions {
  /** The data directory to restore into (POLICYLEDGER_DATA_DIR). */
  dataDir: string;
  /** The archive written by `backupDataDir`. */
  file: string;
  /** Restore over a data directory that holds files, moving it aside first. */
  force?: boolean;
}

export interface RestoreResult {
  /** The data directory restored (absolute). */
  dataDir: string;
  manifest: BackupManifest;
  /** Where the data directory's previous content was moved, when there was any. */
  movedAside: string | null;
}

/** Restores `file` into `dataDir` (see the module comment). */
export async function restoreDataDir(options: RestoreOptions): Promise<RestoreResult> {
  const dataDir = path.resolve(options.dataDir);
  const file = path.resolve(options.file);
  const force = options.force ?? false;
  if (!existsSync(file)) throw new BackupError('ARCHIVE_NOT_FOUND', `there is no backup at ${file}`);
  refuseWhileRunning(dataDir);
  if (holdsFiles(dataDir) && !force) throw notEmpty(dataDir);

  await mkdir(path.dirname(dataDir), { recursive: true });
  // Beside the data directory, so that the final rename stays on one file system.
  const staging = await mkdtemp(`${dataDir}.restoring-`);
  try {
    const manifest = await extractVerified(file, staging);
    // Again: the extraction may have taken long enough for someone to start the stack.
    refuseWhileRunning(dataDir);
    let movedAside: string | null = null;
    if (holdsFiles(dataDir)) {
      if (!force) throw notEmpty(dataDir);
      movedAside = asideName(dataDir);
      await rename(dataDir, movedAside);
    } else if (existsSync(dataDir)) {
      await rmdir(dataDir);
    }
    await rename(staging, dataDir);
    return { dataDir, manifest, movedAside };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

function refuseWhileRunning(dataDir: string): void {
  const running = whatRunsOn(dataDir);
  if (running.length > 0) {
    throw new BackupError(
      'STACK_RUNNING',
      `the stack runs on ${dataDir}: ${running.join('; ')}. Stop it (Ctrl-C where npm start runs) before restoring`,
    );
  }
}

function holdsFiles(dataDir: string): boolean {
  return existsSync(dataDir) && readdirSync(dataDir).length > 0;
}

function notEmpty(dataDir: string): BackupError {
  return new BackupError(
    'DATA_DIR_NOT_EMPTY',
    `${dataDir} is not empty: restoring would replace what it holds. Use --force to move it aside to ` +
      `${path.basename(dataDir)}.before-restore-<time> first (nothing is deleted)`,
  );
}

/** `<dataDir>.before-restore-2026-11-30T11-34-35Z`, with a counter if that name is taken. */
function asideName(dataDir: string): string {
  const stamp = new Date()
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replaceAll(':', '-');
  let candidate = `${dataDir}.before-restore-${stamp}`;
  for (let counter = 2; existsSync(candidate); counter++) candidate = `${dataDir}.before-restore-${stamp}-${counter}`;
  return candidate;
}

/** Extracts the archive into `staging`, checking each file against the manifest; returns the manifest. */
async function extractVerified(file: string, staging: string): Promise<BackupManifest> {
  const gunzip = createGunzip();
  const source = createReadStream(file);
  source.on('error', (error) => gunzip.destroy(error));
  source.pipe(gunzip);
  const reader = new ArchiveReader(gunzip);
  const written = new Map<string, { size: number; sha256: string }>();
  try {
    await reader.readMagic();
    for (;;) {
      const record = await reader.next();
      if (record.kind === 'manifest') {
        await reader.expectEnd();
        checkAgainstManifest(record.manifest, written);
        return record.manifest;
      }
      const { header } = record;
      if (written.has(header.path)) {
        throw new BackupError('ARCHIVE_TAMPERED', `the archive holds ${header.path} twice`);
      }
      const target = path.join(staging, ...header.path.split('/'));
      await mkdir(path.dirname(target), { recursive: true });
      const sha256 = createHash('sha256');
      const handle = await open(target, 'wx', 0o600);
      try {
        for await (const chunk of reader.body(header.size)) {
          sha256.update(chunk);
          await handle.write(chunk);
        }
      } finally {
        await handle.close();
      }
      await chmod(target, header.mode);
      written.set(header.path, { size: header.size, sha256: sha256.digest('hex') });
    }
  } catch (error) {
    if (error instanceof BackupError) throw error;
    // zlib's errors: not gzip, a corrupt or truncated stream.
    if (typeof (error as { code?: unknown }).code === 'string' && (error as { code: string }).code.startsWith('Z_')) {
      throw new BackupError(
        'ARCHIVE_INVALID',
        `${file} is not a readable PolicyLedger backup: ${(error as Error).message}`,
        { cause: error },
      );
    }
    throw error;
  } finally {
    source.destroy();
    gunzip.destroy();
  }
}

function checkAgainstManifest(manifest: BackupManifest, written: Map<string, { size: number; sha256: string }>): void {
  const listed = new Set<string>();
  for (const expected of manifest.files) {
    listed.add(expected.path);
    const found = written.get(expected.path);
    if (found === undefined) {
      throw new BackupError('ARCHIVE_TAMPERED', `${expected.path} is in the manifest but not in the archive`);
    }
    if (found.size !== expected.size || found.sha256 !== expected.sha256) {
      throw new BackupError(
        'ARCHIVE_TAMPERED',
        `${expected.path} does not match the manifest: SHA-256 ${found.sha256} (${found.size} bytes) where the ` +
          `manifest records ${expected.sha256} (${expected.size} bytes); the archive was damaged or altered`,
      );
    }
  }
  const extra = [...written.keys()].find((relative) => !listed.has(relative));
  if (extra !== undefined)
    throw new BackupError('ARCHIVE_TAMPERED', `${extra} is in the archive but not in the manifest`);
}
