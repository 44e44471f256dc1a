/**
 * What is under a data directory, and what of it a backup saves. Everything is saved unless it is named here as
 * rebuildable or as describing a process that runs now, so that whatever a later version keeps under the data
 * directory is saved without this list having to learn about it:
 *
 * - `api/index.sqlite`: the chain index, rebuilt from the chain (the API rebuilds a missing index when it starts;
 *   `npm run index:rebuild` does it by hand);
 * - `chain/anvil-running.json`: which process runs the local chain now;
 * - a SQLite database's `-wal`, `-shm` and `-journal` files: their content is in the database's snapshot;
 * - symbolic links, sockets and other special files: not followed, not saved.
 */
import { closeSync, existsSync, openSync, readdirSync, readSync } from 'node:fs';
import path from 'node:path';

/** The chain index's database, relative to the data directory (see `services/api/main.ts`). */
export const CHAIN_INDEX = 'api/index.sqlite';
/** Where `startLocalChain` notes the process that runs the local chain. */
export const CHAIN_RUNNING_RECORD = 'chain/anvil-running.json';
/** The local chain's state, written by anvil every second. */
export const CHAIN_STATE = 'chain/anvil-state.json';
/** The embedded IPFS store: its pin index and its blocks. */
export const CONTENT_STORE = 'api/ipfs';

/** Why the chain index is left out. */
export const CHAIN_INDEX_REASON =
  'the chain index, rebuilt from the chain by the API as it starts, or npm run index:rebuild';
/** Why a database's `-wal`, `-shm` and `-journal` files are left out. */
export const SIDE_FILE_REASON = 'part of a SQLite database, whose snapshot holds it';

const SQLITE_HEADER = Buffer.from('SQLite format 3\0');
const SQLITE_SIDE_FILES = /-(wal|shm|journal)$/;

export interface DataDirEntry {
  /** Relative to the data directory, `/`-separated. */
  path: string;
  absolute: string;
  /** A SQLite database (copied through a snapshot), or any other file (copied as it is). */
  kind: 'database' | 'file';
  /** Why it is not saved; undefined when it is. */
  leftOut?: string;
}

/** Every file under `dataDir`, classified, in path order; what cannot be saved is listed apart. */
export function walkDataDir(dataDir: string): { entries: DataDirEntry[]; special: { path: string; reason: string }[] } {
  const entries: DataDirEntry[] = [];
  const special: { path: string; reason: string }[] = [];
  const visit = (relative: string) => {
    let children;
    try {
      children = readdirSync(path.join(dataDir, relative), { withFileTypes: true });
    } catch (error) {
      // A folder removed while it was walked (Helia's temporary folders) has nothing left to save.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const child of children.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const childPath = relative === '' ? child.name : `${relative}/${child.name}`;
      if (child.isDirectory()) visit(childPath);
      else if (child.isFile()) entries.push(classify(dataDir, childPath));
      else
        special.push({ path: childPath, reason: 'not a regular file (symbolic link or special file): not followed' });
    }
  };
  if (existsSync(dataDir)) visit('');
  return { entries, special };
}

function classify(dataDir: string, relative: string): DataDirEntry {
  const absolute = path.join(dataDir, ...relative.split('/'));
  const base = relative.replace(SQLITE_SIDE_FILES, '');
  if (base === CHAIN_INDEX) {
    const kind = base === relative ? 'database' : 'file';
    return { path: relative, absolute, kind, leftOut: CHAIN_INDEX_REASON };
  }
  if (relative === CHAIN_RUNNING_RECORD) {
    return { path: relative, absolute, kind: 'file', leftOut: 'names the process running the local chain now' };
  }
  if (base !== relative && existsSync(path.join(dataDir, ...base.split('/')))) {
    return { path: relative, absolute, kind: 'file', leftOut: SIDE_FILE_REASON };
  }
  return { path: relative, absolute, kind: isSqliteDatabase(absolute) ? 'database' : 'file' };
}

function isSqliteDatabase(file: string): boolean {
  let descriptor: number;
  try {
    descriptor = openSync(file, 'r');
  } catch {
    return false;
  }
  try {
    const header = Buffer.alloc(SQLITE_HEADER.length);
    return readSync(descriptor, header, 0, header.length, 0) === header.length && header.equals(SQLITE_HEADER);
  } finally {
    closeSync(descriptor);
  }
}
