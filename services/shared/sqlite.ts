import type { DatabaseSync, StatementSync } from 'node:sqlite';

const prepared = new WeakMap<DatabaseSync, Map<string, StatementSync>>();

/**
 * `db`'s prepared statement for `sql`, prepared on first use and kept: preparing costs more than running a one-row
 * query, and the request paths run the same few statements thousands of times a second.
 */
export function statement(db: DatabaseSync, sql: string): StatementSync {
  let byText = prepared.get(db);
  if (byText === undefined) {
    byText = new Map();
    prepared.set(db, byText);
  }
  let found = byText.get(sql);
  if (found === undefined) {
    found = db.prepare(sql);
    byText.set(sql, found);
  }
  return found;
}
