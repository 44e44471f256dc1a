/**
 * `backupDataDir`: saves everything under a data directory that cannot be rebuilt from the chain into one archive
 * (`format.ts`), consistently while the stack runs.
 *
 * Consistency without stopping anything:
 * - each SQLite database is copied through `VACUUM INTO` from a connection of its own: one read transaction, so the
 *   copy is the database as of one commit, whatever the API or a node writes meanwhile (SQLite's online backup API
 *   would restart from scratch at every write another connection makes, and might never finish under load);
 * - every other file is read whole and kept only if its size, inode and modification time did not change while it
 *   was read, and, for JSON, only if it parses (anvil rewrites its state file in place every second); else it is read
 *   again;
 * - the order makes what one part refers to present in the next: the databases first (the API's own, then the nodes');
 *   then the IPFS store, listed afresh, so that every document the API database knows has its pins and blocks (the
 *   API stores content before it records a document); then the other files; the local chain's state last, once anvil
 *   has written it after the databases were copied, so that it holds every transaction they know of.
 * What the chain holds beyond the copies (transactions sent while the backup ran) is reconciled by the API's outbox
 * and the nodes on their next start, as after a crash.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { link, mkdir, mkdtemp, open, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { CHAIN_STATE, CONTENT_STORE, walkDataDir, type DataDirEntry } from './data-dir.js';
import { BackupError } from './errors.js';
import {
  fileHeader,
  magicLine,
  manifestRecord,
  MANIFEST_FORMAT,
  MANIFEST_VERSION,
  type BackupManifest,
} from './format.js';
import { runningChain, whatRunsOn } from './running.js';

export interface BackupOptions {
  /** The data directory to save (POLICYLEDGER_DATA_DIR). */
  dataDir: string;
  /** The archive to write; it must not exist, and must be outside the data directory. */
  file: string;
}

export interface BackupResult {
  /** The archive written (absolute). */
  file: string;
  /** Its size in bytes (compressed). */
  archiveBytes: number;
  /** SHA-256 of the archive file: note it apart from the archive to tell later that this is the archive written. */
  archiveSha256: string;
  manifest: BackupManifest;
  /** Things worth telling the person who took the backup (e.g. the chain's state could not be caught fresh). */
  notes: string[];
}

/** How long to wait for the local chain to write its state after the databases were copied. */
const CHAIN_STATE_WAIT_MS = 5_000;
/** How often a file that changed while it was read is read again before giving up. */
const STABLE_READ_ATTEMPTS = 20;

/** Saves `dataDir` into `file` (see the module comment); the archive appears only once complete. */
export async function backupDataDir(options: BackupOptions): Promise<BackupResult> {
  const dataDir = path.resolve(options.dataDir);
  const file = path.resolve(options.file);
  if (statSync(dataDir, { throwIfNoEntry: false })?.isDirectory() !== true) {
    throw new BackupError('DATA_DIR_MISSING', `there is no data directory at ${dataDir}`);
  }
  if (isInside(file, dataDir)) {
    throw new BackupError(
      'BACKUP_INSIDE_DATA_DIR',
      `${file} is inside the data directory ${dataDir}: write the backup somewhere else`,
    );
  }
  if (existsSync(file)) throw fileExists(file);
  await mkdir(path.dirname(file), { recursive: true });
  // Beside the archive: database snapshots and the archive being written, on the archive's own file system.
  const scratch = await mkdtemp(path.join(path.dirname(file), `.${path.basename(file)}.partial-`));
  try {
    const manifest: BackupManifest = {
      format: MANIFEST_FORMAT,
      version: MANIFEST_VERSION,
      createdAt: new Date().toISOString(),
      chainIds: [],
      running: whatRunsOn(dataDir),
      files: [],
      leftOut: [],
    };
    const notes: string[] = [];
    const partial = path.join(scratch, 'archive');
    const archiveHash = createHash('sha256');
    await pipeline(
      archiveRecords(dataDir, scratch, manifest, notes),
      createGzip(),
      async function* (compressed: AsyncIterable<Buffer>) {
        for await (const chunk of compressed) {
          archiveHash.update(chunk);
          yield chunk;
        }
      },
      (await open(partial, 'wx', 0o600)).createWriteStream(),
    );
    const handle = await open(partial, 'r');
    await handle.sync();
    await handle.close();
    try {
      // A hard link never replaces an existing file, unlike a rename.
      await link(partial, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw fileExists(file);
      throw error;
    }
    return { file, archiveBytes: (await stat(file)).size, archiveSha256: archiveHash.digest('hex'), manifest, notes };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

function fileExists(file: string): BackupError {
  return new BackupError('BACKUP_FILE_EXISTS', `${file} already exists: a backup never overwrites a file`);
}

function isInside(file: string, dir: string): boolean {
  const relative = path.relative(dir, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** The order in which files are copied (see the module comment). */
const PHASES = ['databases', 'content-store', 'files', 'chain-state'] as const;
type Phase = (typeof PHASES)[number];

function phaseOf(entry: DataDirEntry): Phase {
  if (entry.path === CHAIN_STATE) return 'chain-state';
  if (entry.path.startsWith(`${CONTENT_STORE}/`)) return 'content-store';
  return entry.kind === 'database' ? 'databases' : 'files';
}

/** The archive's bytes: the magic line, each file's record, then the manifest (filled in as files are read). */
async function* archiveRecords(
  dataDir: string,
  scratch: string,
  manifest: BackupManifest,
  notes: string[],
): AsyncGenerator<Buffer> {
  yield magicLine();
  const saved = new Set<string>();
  let databasesCopiedAt = Date.now();
  for (const phase of PHASES) {
    if (phase === 'chain-state') await waitForChainState(dataDir, databasesCopiedAt, notes);
    // Listed afresh at each phase: what appeared while the previous phase was copied is saved too.
    const { entries, special } = walkDataDir(dataDir);
    for (const entry of entries) {
      if (entry.leftOut !== undefined || saved.has(entry.path) || phaseOf(entry) !== phase) continue;
      saved.add(entry.path);
      const record =
        entry.kind === 'database' ? await snapshotDatabase(entry, scratch) : await readStable(entry.absolute);
      // Gone since it was listed (a temporary file renamed, a block erased): there is nothing to save.
      if (record === null) continue;
      const sha256 = createHash('sha256');
      yield fileHeader({ path: entry.path, size: record.size, mode: record.mode });
      for await (const chunk of record.chunks()) {
        sha256.update(chunk);
        yield chunk;
      }
      manifest.files.push({ path: entry.path, size: record.size, sha256: sha256.digest('hex'), mode: record.mode });
      if (/^deployments\/[^/]+\.json$/.test(entry.path)) noteChainId(manifest, record);
    }
    if (phase === 'content-store') databasesCopiedAt = Date.now();
    if (phase === 'chain-state') {
      manifest.leftOut = [
        ...entries.flatMap((entry) =>
          entry.leftOut === undefined ? [] : [{ path: entry.path, reason: entry.leftOut }],
        ),
        ...special,
      ];
    }
  }
  yield manifestRecord(manifest);
}

/** A file's bytes as saved, read in pieces. */
interface SavedBytes {
  size: number;
  mode: number;
  chunks(): Iterable<Buffer> | AsyncIterable<Buffer>;
  /** The whole content, for the small files whose content the manifest reads (deployment records). */
  whole?: Buffer;
}

function noteChainId(manifest: BackupManifest, record: SavedBytes): void {
  try {
    const chainId = (JSON.parse(record.whole?.toString('utf8') ?? '') as { chainId?: unknown }).chainId;
    if (typeof chainId !== 'string' && typeof chainId !== 'number') return;
    if (!manifest.chainIds.includes(String(chainId))) manifest.chainIds.push(String(chainId));
  } catch {
    // A deployment record that is not JSON is saved all the same; it names no chain.
  }
}

/** A consistent copy of a SQLite database, through `VACUUM INTO` a scratch file; null if the database is gone. */
async function snapshotDatabase(entry: DataDirEntry, scratch: string): Promise<SavedBytes | null> {
  // Opening a missing database would create it: look first.
  const source = await stat(entry.absolute).catch(() => null);
  if (source === null) return null;
  const target = path.join(scratch, `snapshot-${path.basename(entry.absolute)}`);
  await rm(target, { force: true });
  const db = new DatabaseSync(entry.absolute, { timeout: 10_000 });
  try {
    db.prepare('VACUUM INTO ?').run(target);
  } finally {
    db.close();
  }
  const { size } = await stat(target);
  return {
    size,
    mode: source.mode & 0o777,
    chunks: async function* () {
      for await (const chunk of createReadStream(target)) yield chunk as Buffer;
      await rm(target, { force: true });
    },
  };
}

/**
 * A file read whole while nothing changed it: the same inode, size and modification time before and after, and (for
 * JSON) content that parses. Null if the file is gone.
 */
async function readStable(file: string): Promise<SavedBytes | null> {
  for (let attempt = 1; attempt <= STABLE_READ_ATTEMPTS; attempt++) {
    try {
      const before = await stat(file);
      const bytes = await readFile(file);
      const after = await stat(file);
      const unchanged =
        before.ino === after.ino &&
        before.size === after.size &&
        before.mtimeMs === after.mtimeMs &&
        bytes.length === after.size;
      if (unchanged && (!file.endsWith('.json') || parses(bytes))) {
        return {
          size: bytes.length,
          mode: after.mode & 0o777,
          whole: bytes,
          chunks: () => [bytes],
        };
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 25 * attempt));
  }
  throw new BackupError('FILE_UNSTABLE', `${file} kept changing while it was read: no consistent copy could be taken`);
}

function parses(bytes: Buffer): boolean {
  try {
    JSON.parse(bytes.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

/**
 * Waits (a few seconds at most) until a running local chain has written its state after `since`, so the saved state
 * holds every block the saved databases know of.
 */
async function waitForChainState(dataDir: string, since: number, notes: string[]): Promise<void> {
  if (runningChain(dataDir) === null) return;
  const stateFile = path.join(dataDir, CHAIN_STATE);
  const deadline = Date.now() + CHAIN_STATE_WAIT_MS;
  while (Date.now() < deadline) {
    const written = (await stat(stateFile).catch(() => null))?.mtimeMs ?? 0;
    if (written > since) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  notes.push(
    `the local chain did not write its state (${CHAIN_STATE}) within ${CHAIN_STATE_WAIT_MS / 1000} s: ` +
      'the saved chain may lack the last blocks the saved databases know of (they reconcile on the next start)',
  );
}
