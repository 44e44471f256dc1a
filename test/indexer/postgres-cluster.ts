/**
 * A private PostgreSQL cluster for tests: Debian's server binaries, a data directory and socket in a scratch
 * directory, loopback on a free port, trust authentication. Run as the `postgres` user when the tests run as root
 * (the server refuses to run as root). Stopped and deleted by `stop()`.
 */
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '../helpers/ports.js';

const run = promisify(execFile);
const POSTGRES_ROOT = '/usr/lib/postgresql';

export interface PostgresCluster {
  /** Connection string of the cluster's `postgres` database. */
  adminUrl: string;
  /** Creates an empty database and returns its connection string. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

/** The newest installed server's `bin` directory, or null when Debian's `postgresql` is not installed. */
export function findPostgresBin(): string | null {
  if (!existsSync(POSTGRES_ROOT)) return null;
  const versions = readdirSync(POSTGRES_ROOT)
    .filter((version) => existsSync(path.join(POSTGRES_ROOT, version, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? null : path.join(POSTGRES_ROOT, versions[0], 'bin');
}

const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

export async function startPostgresCluster(bin: string): Promise<PostgresCluster> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'policyledger-pg-'));
  const dataDir = path.join(scratch, 'data');
  const asRoot = userInfo().uid === 0;
  // The server refuses to run as root: hand the scratch directory to `postgres` and run its tools as that user.
  const postgresUser = asRoot ? await ids('postgres') : null;
  mkdirSync(dataDir, { mode: 0o700 });
  if (postgresUser !== null) {
    chmodSync(scratch, 0o755);
    chownSync(scratch, postgresUser.uid, postgresUser.gid);
    chownSync(dataDir, postgresUser.uid, postgresUser.gid);
  }
  const tool = async (name: string, args: string[]) => {
    const file = path.join(bin, name);
    if (postgresUser === null) return run(file, args);
    return run('su', ['postgres', '-s', '/bin/sh', '-c', [file, ...args].map(quote).join(' ')]);
  };
  const port = await freePort();
  const pgCtl = (args: string[]) => tool('pg_ctl', ['-D', dataDir, ...args]);
  await tool('initdb', [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--locale=C.UTF-8',
    '--no-sync',
  ]);
  await pgCtl([
    '-o',
    `-p ${port} -k ${scratch} -c listen_addresses=127.0.0.1 -c fsync=off`,
    '-l',
    path.join(scratch, 'server.log'),
    '-w',
    'start',
  ]);
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    adminUrl,
    async createDatabase(name: string) {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      await pgCtl(['-m', 'fast', '-w', 'stop']).catch(() => undefined);
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

async function ids(user: string): Promise<{ uid: number; gid: number }> {
  const [{ stdout: uid }, { stdout: gid }] = await Promise.all([run('id', ['-u', user]), run('id', ['-g', user])]);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}
