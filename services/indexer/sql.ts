/**
 * The little SQL both backends share. Queries are written once, with `?` placeholders and the SQL that SQLite and
 * PostgreSQL both accept (row values, `ON CONFLICT … DO UPDATE`, `excluded`); the few differences are in `SqlDialect`.
 */

export type SqlValue = string | number | null;
export type SqlRow = Record<string, unknown>;

/** Reads and writes of one connection (or one transaction). */
export interface SqlExecutor {
  all(sql: string, params?: SqlValue[]): Promise<SqlRow[]>;
  run(sql: string, params?: SqlValue[]): Promise<void>;
}

export interface SqlDialect {
  name: 'sqlite' | 'postgres';
  /** A condition that `column` is one of the strings of the JSON array bound at the placeholder. */
  inJsonArray(column: string): string;
  /** What locks the row a `SELECT` reads until the transaction ends (empty where the whole database is locked). */
  forUpdate: string;
}

export interface SqlDriver extends SqlExecutor {
  readonly dialect: SqlDialect;
  readonly description: string;
  /** Runs a DDL script (several statements). */
  exec(script: string): Promise<void>;
  /** Runs `work` in one transaction: all of its writes or none. Readers never see it half done. */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A row's column as a number (PostgreSQL returns BIGINT as a string). */
export function numberOf(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

/** A row's column as a string or null. */
export function textOrNull(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  return typeof value === 'number' || typeof value === 'bigint' ? value.toString() : JSON.stringify(value);
}
