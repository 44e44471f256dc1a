import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Wallet } from 'ethers';
import { readTreaty } from '../../services/ledger/treaty.js';
import { signStatement } from '../../services/api/treaties/signing.js';
import { buildTreatyStatement, type TreatyStatement } from '../../services/api/treaties/statement.js';
import { startTestLedger, type TestLedger } from '../helpers/api-chain.js';
import { runTreatyScenario, type TreatyScenario } from '../api/treaties/scenario.js';

const AUDIT = fileURLToPath(new URL('../../scripts/audit-treaty.ts', import.meta.url));

/** Runs the audit command as `npm run audit:treaty` does (without the build); resolves with its exit and output. */
function audit(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', AUDIT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('npm run audit:treaty', function () {
  this.timeout(120_000);
  let ledger: TestLedger;
  let scenario: TreatyScenario;
  let dir: string;
  let statement: TreatyStatement;
  let signed: { statement: TreatyStatement; signature: Awaited<ReturnType<typeof signStatement>> };

  before(async function () {
    this.timeout(120_000);
    ledger = await startTestLedger();
    scenario = await runTreatyScenario(ledger);
    dir = mkdtempSync(path.join(tmpdir(), 'policyledger-audit-'));
    const treaty = await readTreaty(ledger, scenario.treaty);
    statement = await buildTreatyStatement(ledger, treaty!, { to: new Date(scenario.marks.end) });
    signed = { statement, signature: await signStatement(new Wallet(ledger.parties[3]!.wallet.privateKey), statement) };
  });

  after(async function () {
    await ledger?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  function file(name: string, content: unknown): string {
    const target = path.join(dir, name);
    writeFileSync(target, JSON.stringify(content, null, 2));
    return target;
  }

  const base = () => ['--treaty', scenario.treaty, '--rpc', ledger.rpcUrl];

  it('agrees with a genuine signed statement and exits 0', async () => {
    const run = await audit([...base(), '--statement', file('genuine.json', signed)]);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout).to.include(`signature: valid, by ${ledger.parties[3]!.wallet.address}`);
    expect(run.stdout).to.include('the statement agrees with the chain');
  });

  it('reports a changed amount, a dropped line, an invented line and a changed total, each where it is; exits 1', async () => {
    const tampered = structuredClone(signed);
    const lines = tampered.statement.lines;
    const layerHit = lines.find((line) => line.kind === 'LossCeded' && line.amounts.cededExcessOfLoss !== '0')!;
    const chainAmount = layerHit.amounts.cededExcessOfLoss!;
    layerHit.amounts.cededExcessOfLoss = (BigInt(chainAmount) - 1n).toString();
    const dropped = lines.splice(
      lines.findIndex((line) => line.kind === 'PremiumReturned'),
      1,
    )[0]!;
    tampered.statement.totals.premiumCeded = '1';
    lines.push({ ...lines[0]!, id: '999999-0' });

    const run = await audit([...base(), '--statement', file('tampered.json', tampered)]);
    expect(run.code).to.equal(1);
    expect(run.stdout).to.include(
      `DIFFERENCE line-differs line ${layerHit.id}: LossCeded cededExcessOfLoss: statement ${BigInt(chainAmount) - 1n}, chain ${chainAmount}`,
    );
    expect(run.stdout).to.include(`DIFFERENCE line-missing line ${dropped.id}: PremiumReturned in transaction`);
    expect(run.stdout).to.include('DIFFERENCE line-extra line 999999-0');
    expect(run.stdout).to.include(`DIFFERENCE total-differs total premiumCeded: statement 1, chain `);
    // The changed figures no longer hash to what was signed.
    expect(run.stdout).to.match(/DIFFERENCE signature signature: the statement hashes to 0x[0-9a-f]{64}, not to/);
  });

  it('without a statement, prints the statement re-derived from the chain', async () => {
    const run = await audit([...base(), '--to', scenario.marks.end]);
    expect(run.code, run.stderr).to.equal(0);
    const derived = JSON.parse(run.stdout) as TreatyStatement;
    expect(derived.lines).to.deep.equal(statement.lines);
    expect(derived.totals.lossesCededExcessOfLoss).to.equal(statement.totals.lossesCededExcessOfLoss);
  });

  it('refuses a bad invocation with exit 2 and the usage', async () => {
    const run = await audit(['--treaty', 'nope', '--rpc', ledger.rpcUrl]);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.include('usage: npm run audit:treaty');
  });
});
