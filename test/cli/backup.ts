/**
 * `policyledger backup` and `restore` on a data directory of the stack's shape (an API database with a row in it, a
 * keystore, a configuration file): the archive brings back the same bytes and rows elsewhere, an existing archive is
 * never overwritten, and a restore over a directory that holds files is refused without --force.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { expect } from 'chai';
import { jsonOf, runCli } from './cli-stack.js';

describe('policyledger backup and restore', function () {
  this.timeout(60_000);
  let work: string;
  let dataDir: string;
  let archive: string;

  before(() => {
    work = mkdtempSync(path.join(tmpdir(), 'policyledger-cli-backup-'));
    dataDir = path.join(work, 'data');
    mkdirSync(path.join(dataDir, 'api'), { recursive: true });
    mkdirSync(path.join(dataDir, 'oracles'), { recursive: true });
    const db = new DatabaseSync(path.join(dataDir, 'api', 'api.sqlite'));
    db.exec(
      "CREATE TABLE outbox (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO outbox (body) VALUES ('pending anchor')",
    );
    db.close();
    writeFileSync(
      path.join(dataDir, 'oracles', 'oracle-1.keystore.json'),
      '{"address":"f39fd6e51aad88f6f4ce6ab8827279cfffb92266"}\n',
    );
    writeFileSync(path.join(dataDir, 'oracles', 'oracle-1.json'), '{"name":"oracle-1"}\n');
    archive = path.join(work, 'data.plbackup');
  });

  after(() => rmSync(work, { recursive: true, force: true }));

  it('saves the data directory into a new archive, and refuses to overwrite it', async () => {
    const run = await runCli(['--data-dir', dataDir, 'backup', archive], work);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.contain(`Backed up ${dataDir}`);
    expect(run.stdout).to.contain('keep it where only you can read it');

    const again = await runCli(['--data-dir', dataDir, 'backup', archive, '--json'], work);
    expect(again.code).to.equal(1);
    expect(jsonOf<{ error: { code: string } }>(again).error.code).to.be.a('string');
  });

  it('restores it into another directory with the same files and rows', async () => {
    const target = path.join(work, 'restored');
    const run = await runCli(['--data-dir', target, '--json', 'restore', archive], work);
    expect(run.code, run.stderr).to.equal(0);
    const { restore } = jsonOf<{ restore: { manifest: { files: { path: string }[] } } }>(run);
    expect(restore.manifest.files.map((file) => file.path)).to.include.members([
      'oracles/oracle-1.keystore.json',
      'oracles/oracle-1.json',
    ]);
    for (const file of ['oracles/oracle-1.keystore.json', 'oracles/oracle-1.json']) {
      expect(readFileSync(path.join(target, file), 'utf8')).to.equal(readFileSync(path.join(dataDir, file), 'utf8'));
    }
    const db = new DatabaseSync(path.join(target, 'api', 'api.sqlite'));
    expect(db.prepare('SELECT body FROM outbox').all()).to.deep.equal([{ body: 'pending anchor' }]);
    db.close();
  });

  it('refuses to restore over a directory that holds files, unless --force moves it aside', async () => {
    const refused = await runCli(['--data-dir', dataDir, 'restore', archive], work);
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.match(/--force/);
    const forced = await runCli(['--data-dir', dataDir, 'restore', archive, '--force'], work);
    expect(forced.code, forced.stderr).to.equal(0);
    expect(forced.stdout).to.contain('nothing was deleted');
  });
});
