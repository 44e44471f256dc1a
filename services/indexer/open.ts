import { rmSync } from 'node:fs';
import { describeDatabaseUrl, PostgresDriver } from './postgres.js';
import { CHAIN_INDEX_TABLES } from './schema.js';
import { SqliteDriver } from './sqlite.js';
import { SqlChainIndex } from './store.js';
import type { ChainIndex } from './types.js';

/** Where the index lives: a SQLite file, or a PostgreSQL database (`postgres://…`). */
export type ChainIndexLocation = { sqliteFile: string } | { databaseUrl: string };

/** Opens (creating its tables if needed) the chain index at `location`. */
export async function openChainIndex(location: ChainIndexLocation): Promise<ChainIndex> {
  const driver =
    'databaseUrl' in location ? new PostgresDriver(location.databaseUrl) : new SqliteDriver(location.sqliteFile);
  return SqlChainIndex.open(driver);
}

/** Deletes the chain index at `location`: the SQLite file (and its WAL), or the index's tables in PostgreSQL. */
export async function deleteChainIndex(location: ChainIndexLocation): Promise<void> {
  if ('sqliteFile' in location) {
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${location.sqliteFile}${suffix}`, { force: true });
    return;
  }
  const driver = new PostgresDriver(location.databaseUrl);
  try {
    await driver.exec(CHAIN_INDEX_TABLES.map((table) => `DROP TABLE IF EXISTS ${table};`).join('\n'));
  } finally {
    await driver.close();
  }
}

/** Where `location` is, for messages (no password). */
export function describeChainIndexLocation(location: ChainIndexLocation): string {
  return 'sqliteFile' in location ? `SQLite ${location.sqliteFile}` : describeDatabaseUrl(location.databaseUrl);
}
