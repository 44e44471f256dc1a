import { expect } from 'chai';
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');

/** The files a clone of the working tree would hold: tracked ones and new ones not ignored. */
function cloneableFiles(): string[] {
  const listing = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  return listing.split('\0').filter((file) => file !== '');
}

/** Runs `args` with this process's Node (22, from the npm package) and tsx's loader in `cwd`; answers exit and output. */
function runNode(cwd: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

describe('the repository stands alone', function () {
  this.timeout(180_000);

  let parent: string;
  let copy: string;

  // A copy of the working tree in a folder with nothing beside it; only installed packages and the generated
  // TypeChain types (both ignored by git, produced by `npm install` and the build) are brought along.
  before(function () {
    parent = mkdtempSync(path.join(tmpdir(), 'policyledger-alone-'));
    copy = path.join(parent, 'p');
    mkdirSync(copy);
    for (const file of cloneableFiles()) {
      cpSync(path.join(REPO_ROOT, file), path.join(copy, file), { recursive: true });
    }
    symlinkSync(realpathSync(path.join(REPO_ROOT, 'node_modules')), path.join(copy, 'node_modules'));
    cpSync(path.join(REPO_ROOT, 'types'), path.join(copy, 'types'), { recursive: true });
  });

  after(function () {
    rmSync(parent, { recursive: true, force: true });
  });

  it('runs the provider and oracle CLI tests on fixtures inside the repository', async function () {
    const { code, output } = await runNode(copy, [
      path.join('node_modules', 'mocha', 'bin', 'mocha.js'),
      'test/oracle/providers/aviationstack.ts',
      'test/oracle/providers/flightaware.ts',
      'test/oracle/providers/open-meteo.ts',
      'test/oracle/cli.ts',
    ]);
    expect(output).not.to.match(/ENOENT/);
    expect(code, output).to.equal(0);
  });

  it('loads the oracle network helper and the oracle benchmark, which read recorded responses', async function () {
    const { code, output } = await runNode(copy, ['scripts/bench/oracle.ts', '--help']);
    expect(output).not.to.match(/ENOENT/);
    expect(code, output).to.equal(0);
    expect(output).to.match(/^Usage: npm run bench:oracle/m);
  });
});
