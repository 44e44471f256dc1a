/**
 * What runs on a data directory now, found from the data directory alone (ports are configurable, so listening
 * sockets would prove nothing):
 *
 * - the local chain: `chain/anvil-running.json`, which `startLocalChain` writes while anvil runs, names a live process;
 * - the API and the oracle nodes: each keeps its SQLite databases open while it runs (WAL mode), and an open WAL
 *   connection holds a shared lock on its database file for as long as it is open. A probe asking for the database
 *   in exclusive locking mode, without waiting, is refused exactly while another connection (any process, this one
 *   included) has it open. The probe changes nothing: a database nobody holds is only opened and closed.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { CHAIN_INDEX, CHAIN_RUNNING_RECORD, walkDataDir } from './data-dir.js';
import { isProcessAlive } from '../shared/processes.js';

/** The local chain's running record, when the process it names is alive. */
export function runningChain(dataDir: string): { pid: number; rpcUrl: string } | null {
  const file = path.join(dataDir, CHAIN_RUNNING_RECORD);
  if (!existsSync(file)) return null;
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as { pid?: unknown; rpcUrl?: unknown };
    if (typeof record.pid !== 'number' || !isProcessAlive(record.pid)) return null;
    return { pid: record.pid, rpcUrl: String(record.rpcUrl) };
  } catch {
    return null;
  }
}

/** Whether another connection holds the SQLite database `file` open. */
export function isDatabaseInUse(file: string): boolean {
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(file, { timeout: 0 });
  } catch {
    return false;
  }
  try {
    db.exec('PRAGMA locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('ROLLBACK');
    return false;
  } catch (error) {
    // SQLITE_BUSY (5) and SQLITE_LOCKED (6): someone else holds it. Anything else (not a database after all) is not.
    const code = (error as { errcode?: number }).errcode;
    return code === 5 || code === 6;
  } finally {
    db.close();
  }
}

/** What holds a database, named for a person: `the party API (api/api.sqlite)`. */
function holderOf(relative: string): string {
  if (relative === CHAIN_INDEX) return `the party API's chain index (${relative})`;
  if (relative.startsWith('api/ipfs/')) return `the party API's IPFS store (${relative})`;
  if (relative.startsWith('api/')) return `the party API (${relative})`;
  if (relative.startsWith('oracles/')) return `oracle node ${path.posix.basename(relative, '.sqlite')} (${relative})`;
  return `a process holding ${relative}`;
}

/** Everything that runs on `dataDir` now, one phrase each; empty when nothing does (or the folder does not exist). */
export function whatRunsOn(dataDir: string): string[] {
  if (!existsSync(dataDir)) return [];
  const running: string[] = [];
  const chain = runningChain(dataDir);
  if (chain !== null) running.push(`the local chain (process ${chain.pid}, ${chain.rpcUrl})`);
  for (const entry of walkDataDir(dataDir).entries) {
    if (entry.kind === 'database' && isDatabaseInUse(entry.absolute)) running.push(holderOf(entry.path));
  }
  return running;
}
