/**
 * The archive and its checks on a small data directory of our own making (no chain): what is saved and left out,
 * modes, a database held open, archives that are not ours or that name unsafe paths, and the reminders of what a
 * configuration keeps outside the data directory.
 */
import { expect } from 'chai';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { gzipSync } from 'node:zlib';
import { backupDataDir, isBackupError, restoreDataDir, whatRunsOn } from '../../services/backup/index.js';
import { keptOutsideTheBackup } from '../../services/backup/outside.js';

describe('backup archive', function () {
  this.timeout(30_000);
  let scratch: string;
  let dataDir: string;

  before(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'policyledger-archive-'));
    dataDir = path.join(scratch, 'data');
    mkdirSync(path.join(dataDir, 'api'), { recursive: true });
    mkdirSync(path.join(dataDir, 'keys'));
    const db = new DatabaseSync(path.join(dataDir, 'api', 'api.sqlite'));
    db.exec("PRAGMA journal_mode = WAL; CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('kept')");
    db.close();
    const index = new DatabaseSync(path.join(dataDir, 'api', 'index.sqlite'));
    index.exec('CREATE TABLE events (id TEXT)');
    index.close();
    writeFileSync(path.join(dataDir, 'keys', 'member.key.json'), '{"format":"x"}', { mode: 0o600 });
    writeFileSync(path.join(dataDir, 'notes.txt'), 'plain');
    symlinkSync('/etc/hostname', path.join(dataDir, 'link'));
  });

  after(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (caught: unknown) => caught,
    );

  it('saves every file but the chain index and links, and restores them with their modes', async () => {
    const file = path.join(scratch, 'small.plbak');
    const { manifest } = await backupDataDir({ dataDir, file });
    expect(manifest.files.map((entry) => entry.path)).to.deep.equal([
      'api/api.sqlite',
      'keys/member.key.json',
      'notes.txt',
    ]);
    expect(manifest.leftOut.map((entry) => entry.path)).to.deep.equal(['api/index.sqlite', 'link']);
    expect(manifest.running).to.deep.equal([]);
    expect(statSync(file).mode & 0o777).to.equal(0o600);

    const target = path.join(scratch, 'empty-target');
    mkdirSync(target);
    const restored = await restoreDataDir({ dataDir: target, file });
    expect(restored.movedAside).to.equal(null);
    expect(statSync(path.join(target, 'keys', 'member.key.json')).mode & 0o777).to.equal(0o600);
    expect(readFileSync(path.join(target, 'notes.txt'), 'utf8')).to.equal('plain');
    const db = new DatabaseSync(path.join(target, 'api', 'api.sqlite'));
    expect(db.prepare('SELECT x FROM t').all()).to.deep.equal([{ x: 'kept' }]);
    db.close();
  });

  it('names a database another connection holds open, and refuses to restore over it', async () => {
    const file = path.join(scratch, 'held.plbak');
    await backupDataDir({ dataDir, file });
    const held = new DatabaseSync(path.join(dataDir, 'api', 'api.sqlite'));
    held.exec('PRAGMA journal_mode = WAL; SELECT 1');
    try {
      held.prepare('SELECT count(*) FROM t').get();
      expect(whatRunsOn(dataDir)).to.deep.equal(['the party API (api/api.sqlite)']);
      const error = await refusal(restoreDataDir({ dataDir, file, force: true }));
      expect(isBackupError(error, 'STACK_RUNNING'), String(error)).to.equal(true);
    } finally {
      held.close();
    }
    expect(whatRunsOn(dataDir)).to.deep.equal([]);
  });

  it('refuses what is not one of our archives, and paths that would leave the data directory', async () => {
    const target = path.join(scratch, 'untouched');
    const notGzip = path.join(scratch, 'not-gzip.plbak');
    writeFileSync(notGzip, 'hello');
    const otherVersion = path.join(scratch, 'v9.plbak');
    writeFileSync(otherVersion, gzipSync('policyledger-backup/9\n'));
    const escaping = path.join(scratch, 'escaping.plbak');
    writeFileSync(escaping, gzipSync('policyledger-backup/1\n{"path":"../evil","size":1,"mode":420}\nx'));
    for (const [file, message] of [
      [notGzip, 'is not a readable PolicyLedger backup'],
      [otherVersion, 'the archive is in format policyledger-backup/9; this version reads policyledger-backup/1'],
      [escaping, 'a file record names the unsafe or invalid path "../evil"'],
    ] as const) {
      const error = await refusal(restoreDataDir({ dataDir: target, file }));
      expect(isBackupError(error, 'ARCHIVE_INVALID'), String(error)).to.equal(true);
      expect((error as Error).message).to.include(message);
    }
    const missing = await refusal(restoreDataDir({ dataDir: target, file: path.join(scratch, 'nowhere.plbak') }));
    expect(isBackupError(missing, 'ARCHIVE_NOT_FOUND')).to.equal(true);
    const noData = await refusal(
      backupDataDir({ dataDir: path.join(scratch, 'nodata'), file: path.join(scratch, 'x') }),
    );
    expect(isBackupError(noData, 'DATA_DIR_MISSING')).to.equal(true);
    expect(
      readdirSync(scratch).filter((name) => name.startsWith('untouched') || name.startsWith('evil')),
    ).to.deep.equal([]);
  });

  it('tells what the configuration keeps outside the data directory', () => {
    const oracles = path.join(dataDir, 'oracles');
    mkdirSync(oracles, { recursive: true });
    writeFileSync(
      path.join(oracles, 'member-oracle.json'),
      JSON.stringify({
        name: 'member-oracle',
        keystore: '/secure/oracle.keystore.json',
        passwordEnv: 'ORACLE_PASSWORD',
      }),
    );
    const lines = keptOutsideTheBackup(
      {
        POLICYLEDGER_API_ENCRYPTION_KEY: '/secure/member.key.json',
        POLICYLEDGER_API_ENCRYPTION_KEY_PASSWORD: 'x',
        POLICYLEDGER_API_KEYSTORE: path.join(dataDir, 'keys', 'member.keystore.json'),
        POLICYLEDGER_IPFS: 'kubo:http://127.0.0.1:5001',
      },
      dataDir,
    );
    rmSync(oracles, { recursive: true });
    expect(lines).to.deep.equal([
      "the API's encryption key file (POLICYLEDGER_API_ENCRYPTION_KEY=/secure/member.key.json) is outside the data directory",
      'document content is in the Kubo node at http://127.0.0.1:5001: back up its repository',
      "oracle node member-oracle's keystore /secure/oracle.keystore.json is outside the data directory",
      'passwords held only in the environment (POLICYLEDGER_API_ENCRYPTION_KEY_PASSWORD, ORACLE_PASSWORD): keep them apart from the archive',
    ]);
  });
});
