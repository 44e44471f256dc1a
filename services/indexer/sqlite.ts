import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { SqlDialect, SqlDriver, SqlExecutor, SqlRow, SqlValue } from './sql.js';

const SQLITE: SqlDialect = {
  name: 'sqlite',
  inJsonArray: (column) => `${column} IN (SELECT value FROM json_each(?))`,
  forUpdate: '',
};

/**
 * The SQLite backend: one file, a writer connection and a reader connection. With WAL, the reader sees only committed
 * transactions, so a query that runs while a range is being written (the writer awaits between statements) never
 * sees half a range. `synchronous=NORMAL`: a power loss may drop the last ranges, never leave one half written, and
 * the indexer then reads them again; a process crash loses nothing.
 */
export class SqliteDriver implements SqlDriver {
  readonly dialect = SQLITE;
  readonly description: string;
  private readonly writer: DatabaseSync;
  private readonly reader: DatabaseSync;
  private readonly statements = new Map<string, StatementSync>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.description = `SQLite ${file}`;
    this.writer = new DatabaseSync(file);
    this.writer.exec(
      'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = 10000;',
    );
    this.reader = new DatabaseSync(file);
    this.reader.exec('PRAGMA busy_timeout = 5000;');
  }

  all(sql: string, params: SqlValue[] = []): Promise<SqlRow[]> {
    return Promise.resolve(this.prepared(this.reader, 'r', sql).all(...params) as SqlRow[]);
  }

  async run(sql: string, params: SqlValue[] = []): Promise<void> {
    await this.transaction((tx) => tx.run(sql, params));
  }

  exec(script: string): Promise<void> {
    this.writer.exec(script);
    return Promise.resolve();
  }

  /** Transactions run one after the other on the writer connection. */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const result = this.queue.then(() => this.inTransaction(work));
    this.queue = result.catch(() => undefined);
    return result;
  }

  close(): Promise<void> {
    this.statements.clear();
    this.reader.close();
    this.writer.close();
    return Promise.resolve();
  }

  private async inTransaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const tx: SqlExecutor = {
      all: (sql, params = []) => Promise.resolve(this.prepared(this.writer, 'w', sql).all(...params) as SqlRow[]),
      run: (sql, params = []) => {
        this.prepared(this.writer, 'w', sql).run(...params);
        return Promise.resolve();
      },
    };
    this.writer.exec('BEGIN IMMEDIATE');
    try {
      const result = await work(tx);
      this.writer.exec('COMMIT');
      return result;
    } catch (error) {
      this.writer.exec('ROLLBACK');
      throw error;
    }
  }

  private prepared(db: DatabaseSync, which: 'r' | 'w', sql: string): StatementSync {
    const key = `${which}:${sql}`;
    let statement = this.statements.get(key);
    if (statement === undefined) {
      statement = db.prepare(sql);
      this.statements.set(key, statement);
    }
    return statement;
  }
}
