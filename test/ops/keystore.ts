import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getAddress, Wallet } from 'ethers';
import { runNodeCommand } from '../../services/oracle/commands.js';

const ORACLE_CLI = fileURLToPath(new URL('../../services/oracle/cli.ts', import.meta.url));
const PASSWORD = 'correct horse battery staple';

/** Runs `oracle keystore` in-process; resolves with its exit code and output. */
async function keystore(args: string[], env: Record<string, string> = {}, stdin = '') {
  let stdout = '';
  let stderr = '';
  const code = await runNodeCommand(
    'keystore',
    args,
    {
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
      readStdin: () => Promise.resolve(stdin),
    },
    { POLICYLEDGER_KEYSTORE_PASSWORD: PASSWORD, ...env },
  );
  return { code, stdout, stderr };
}

/** The address a keystore file records (what it opens to is checked by decrypting where it matters: scrypt is slow). */
function addressIn(file: string): string {
  return getAddress((JSON.parse(readFileSync(file, 'utf8')) as { address: string }).address);
}

describe('oracle keystore', function () {
  this.timeout(60_000);
  let dir: string;
  const existing = Wallet.createRandom();

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'policyledger-keystore-'));
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes a new key, readable by its owner only, and prints its address', async () => {
    const out = path.join(dir, 'new.keystore.json');
    const run = await keystore(['--out', out]);
    expect(run.code, run.stderr).to.equal(0);
    const opened = await Wallet.fromEncryptedJson(readFileSync(out, 'utf8'), PASSWORD);
    expect(run.stdout).to.equal(`${opened.address}\n`);
    expect(run.stderr).to.include('new oracle key');
    expect(statSync(out).mode & 0o777).to.equal(0o600);
  });

  it('never overwrites an existing keystore, naming it', async () => {
    const out = path.join(dir, 'taken.keystore.json');
    expect((await keystore(['--out', out])).code).to.equal(0);
    const before = readFileSync(out, 'utf8');
    const keyFile = path.join(dir, 'taken.key');
    writeFileSync(keyFile, existing.privateKey);
    for (const args of [
      ['--out', out],
      ['--out', out, '--private-key-file', keyFile],
    ]) {
      const run = await keystore(args);
      expect(run.code).to.equal(1);
      expect(run.stderr).to.equal(
        `oracle: ${out} already exists: a keystore is never overwritten (move it away, or choose another --out)\n`,
      );
      expect(readFileSync(out, 'utf8')).to.equal(before);
    }
  });

  it('imports a key from a file, and the keystore opens to that key', async () => {
    const keyFile = path.join(dir, 'oracle.key');
    writeFileSync(keyFile, `${existing.privateKey.slice(2)}\n`, { mode: 0o600 });
    const out = path.join(dir, 'imported-file.keystore.json');
    const run = await keystore(['--out', out, '--private-key-file', keyFile]);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.equal(`${existing.address}\n`);
    const opened = await Wallet.fromEncryptedJson(readFileSync(out, 'utf8'), PASSWORD);
    expect(opened.privateKey).to.equal(existing.privateKey);
  });

  it('imports a key from an environment variable', async () => {
    const out = path.join(dir, 'imported-env.keystore.json');
    const run = await keystore(['--out', out, '--private-key-env', 'ORACLE_KEY'], { ORACLE_KEY: existing.privateKey });
    expect(run.code, run.stderr).to.equal(0);
    expect(addressIn(out)).to.equal(existing.address);
  });

  it('imports a key piped to standard input of the command', async () => {
    const out = path.join(dir, 'imported-stdin.keystore.json');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', ORACLE_CLI, 'keystore', '--out', out, '--private-key-file', '-'],
      {
        env: { ...process.env, POLICYLEDGER_KEYSTORE_PASSWORD: PASSWORD },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stdin.end(`${existing.privateKey}\n`);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).to.equal(0);
    expect(stdout).to.equal(`${existing.address}\n`);
    expect(addressIn(out)).to.equal(existing.address);
  });

  it('refuses a key on the command line without repeating it, and writes nothing', async () => {
    const out = path.join(dir, 'refused.keystore.json');
    for (const args of [
      ['--out', out, '--private-key', existing.privateKey],
      ['--out', out, `--private-key=${existing.privateKey}`],
      ['--out', out, existing.privateKey.slice(2)],
    ]) {
      const run = await keystore(args);
      expect(run.code).to.equal(2);
      expect(run.stderr).to.include('never taken from the command line').and.include('--private-key-env');
      expect(run.stderr).not.to.include(existing.privateKey.slice(2));
    }
    expect(() => readFileSync(out)).to.throw(/ENOENT/);
  });

  it('refuses what is not a private key without repeating it', async () => {
    const keyFile = path.join(dir, 'not-a.key');
    const secret = 'my seed phrase words are here';
    writeFileSync(keyFile, secret);
    const run = await keystore(['--out', path.join(dir, 'bad.keystore.json'), '--private-key-file', keyFile]);
    expect(run.code).to.equal(1);
    expect(run.stderr).to.equal(`oracle: ${keyFile} does not hold a private key (64 hex digits, with or without 0x)\n`);
    const zero = await keystore(['--out', path.join(dir, 'zero.keystore.json'), '--private-key-env', 'ZERO'], {
      ZERO: `0x${'0'.repeat(64)}`,
    });
    expect(zero.stderr).to.equal(
      'oracle: environment variable ZERO holds 64 hex digits that are not a valid secp256k1 private key\n',
    );
  });
});
