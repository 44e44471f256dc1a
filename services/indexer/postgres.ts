import pg from 'pg';
import type { SqlDialect, SqlDriver, SqlExecutor, SqlRow, SqlValue } from './sql.js';

const POSTGRES: SqlDialect = {
  name: 'postgres',
  inJsonArray: (column) => `${column} IN (SELECT jsonb_array_elements_text(CAST(? AS jsonb)))`,
  forUpdate: ' FOR UPDATE',
};

/** `?` placeholders as PostgreSQL's `$1, $2, …` (the shared queries hold no `?` inside literals). */
export function numberedPlaceholders(sql: string): string {
  let position = 0;
  return sql.replace(/\?/g, () => `$${++position}`);
}

/** Where a connection string points, without its password. */
export function describeDatabaseUrl(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    return `PostgreSQL ${url.hostname}${url.port === '' ? '' : `:${url.port}`}${url.pathname}`;
  } catch {
    return 'PostgreSQL (connection string)';
  }
}

/** The PostgreSQL backend: a small pool; each transaction holds one client from BEGIN to COMMIT. */
export class PostgresDriver implements SqlDriver {
  readonly dialect = POSTGRES;
  readonly description: string;
  private readonly pool: pg.Pool;

  constructor(databaseUrl: string) {
    this.description = describeDatabaseUrl(databaseUrl);
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
    // An idle client losing its server must not crash the process; the next query reports the problem.
    this.pool.on('error', () => undefined);
  }

  async all(sql: string, params: SqlValue[] = []): Promise<SqlRow[]> {
    const result = await this.pool.query(numberedPlaceholders(sql), params);
    return result.rows as SqlRow[];
  }

  async run(sql: string, params: SqlValue[] = []): Promise<void> {
    await this.pool.query(numberedPlaceholders(sql), params);
  }

  async exec(script: string): Promise<void> {
    await this.pool.query(script);
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const tx: SqlExecutor = {
      all: async (sql, params = []) => (await client.query(numberedPlaceholders(sql), params)).rows as SqlRow[],
      run: async (sql, params = []) => {
        await client.query(numberedPlaceholders(sql), params);
      },
    };
    try {
      await client.query('BEGIN');
      const result = await work(tx);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
