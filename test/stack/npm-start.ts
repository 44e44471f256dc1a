/**
 * `npm start` as a user runs it, with `npm run demo` against it: a child process in a fresh data folder, ready, the
 * demo run through; stopped with Ctrl-C (SIGINT to the job) and started again, it still holds the documents, policies
 * and payouts; then the whole job is killed with SIGKILL in the middle of a second demo (chain included, so up to its
 * last second of blocks is lost), started again, and the demo resumed completes, with every policy paid exactly once
 * on chain. No process of any of these jobs is left behind. The slowest test file (a few minutes): it waits on the
 * oracle nodes' own poll interval, as a user would.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { JsonRpcProvider } from 'ethers';
import type { Deployment } from '../../services/ledger/deploy.js';
import { policySettlements, type PolicySettlement } from '../../services/ledger/policies.js';
import type { DemoSummary } from '../../services/demo/scenario.js';
import {
  freeStackPorts,
  groupAlive,
  groupGone,
  interruptStack,
  killStack,
  spawnInRepository,
  stackEnv,
  startStack,
  type StackPorts,
  type StackProcess,
} from '../helpers/stack-process.js';

interface DemoLine {
  type: 'say' | 'step' | 'summary';
  part?: string;
  step?: string;
  resumed?: boolean;
  data?: Record<string, unknown>;
}

/** A demo run as a child process (`npm run demo -- --json`), its JSON lines parsed as they come. */
function startDemo(env: NodeJS.ProcessEnv): { demo: StackProcess; lines: () => DemoLine[] } {
  const demo = spawnInRepository('npm', ['run', '--silent', 'demo', '--', '--json'], env);
  const lines = () =>
    demo
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as DemoLine);
  return { demo, lines };
}

async function completedDemo(env: NodeJS.ProcessEnv): Promise<DemoSummary> {
  const { demo, lines } = startDemo(env);
  const exit = await demo.exited;
  await groupGone(demo.pgid, 10_000);
  expect(exit.code, demo.output().slice(-3_000)).to.equal(0);
  const summary = lines().find((line) => line.type === 'summary');
  expect(summary, 'the demo ends with its summary').not.to.equal(undefined);
  return summary as unknown as DemoSummary;
}

describe('npm start, npm run demo, Ctrl-C, kill -9 and restart', function () {
  this.timeout(15 * 60_000);
  let dataDir: string;
  let ports: StackPorts;
  let env: NodeJS.ProcessEnv;
  const stacks: StackProcess[] = [];
  let first: DemoSummary;

  async function start(): Promise<StackProcess> {
    const { stack } = await startStack(env);
    stacks.push(stack);
    return stack;
  }

  /** Ctrl-C: the stack says it stopped, npm ends (by the signal, as npm does, or with 0) and no process is left. */
  async function expectStopped(stack: StackProcess): Promise<void> {
    const exit = await interruptStack(stack);
    expect(exit.code === 0 || exit.signal === 'SIGINT', `exit ${exit.code} ${exit.signal}`).to.equal(true);
    expect(stack.output()).to.include('PolicyLedger stopped');
    expect(groupAlive(stack.pgid)).to.equal(false);
  }

  const apiUrl = () => `http://127.0.0.1:${ports.api}`;

  function apiKeyOf(name: string): string {
    const keys = JSON.parse(readFileSync(path.join(dataDir, 'api', 'dev-keys.json'), 'utf8')) as {
      parties: { name: string; apiKey: string }[];
    };
    return keys.parties.find((party) => party.name === name)!.apiKey;
  }

  async function asAuditor<T>(pathname: string): Promise<T> {
    const response = await fetch(`${apiUrl()}${pathname}`, {
      headers: { Authorization: `Bearer ${apiKeyOf('auditor')}` },
    });
    expect(response.status, `${pathname}: ${await response.clone().text()}`).to.equal(200);
    return (await response.json()) as T;
  }

  /** What a user finds of a finished demo run through the API: its policies paid, its documents in their state. */
  async function expectFound(summary: DemoSummary): Promise<void> {
    for (const result of [summary.flight!, summary.weather!]) {
      const policy = await asAuditor<{ status: string; payout: string | null }>(
        `/v1/policies/${result.policy.policyId}`,
      );
      expect(policy.status, result.policy.policyId).to.equal('Paid');
      expect(policy.payout).to.equal(result.claim.payout);
      const timeline = await asAuditor<{ steps: { step: string; state: string; transactionHash: string | null }[] }>(
        `/v1/policies/${result.policy.policyId}/timeline`,
      );
      const paid = timeline.steps.find((step) => step.step === 'paid');
      expect(paid?.transactionHash, 'the same payout').to.equal(result.claim.paidTransactionHash);
    }
    const verdict = async (hash: string) => (await asAuditor<{ verdict: string }>(`/v1/verify/${hash}`)).verdict;
    expect(await verdict(summary.documents!.first)).to.equal('superseded');
    expect(await verdict(summary.documents!.second)).to.equal('anchored-current');
  }

  async function settlements(): Promise<PolicySettlement[]> {
    const deployment = JSON.parse(readFileSync(path.join(dataDir, 'deployments', '31337.json'), 'utf8')) as Deployment;
    const provider = new JsonRpcProvider(`http://127.0.0.1:${ports.chain}`, undefined, { staticNetwork: true });
    try {
      const client = { deployment, provider };
      return [...(await policySettlements(client, 'flight')), ...(await policySettlements(client, 'weather'))];
    } finally {
      provider.destroy();
    }
  }

  before(async function () {
    dataDir = mkdtempSync(path.join(tmpdir(), 'policyledger-stack-'));
    ports = await freeStackPorts();
    env = stackEnv(dataDir, ports);
  });

  after(async function () {
    for (const stack of stacks) if (groupAlive(stack.pgid)) await killStack(stack);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts in a fresh data folder, runs the whole demo, and stops on Ctrl-C leaving no process', async function () {
    const stack = await start();
    first = await completedDemo(env);
    expect(first.resumed).to.equal(false);
    expect(BigInt(first.flight!.claim.payout)).to.be.greaterThan(0n);
    expect(BigInt(first.weather!.claim.payout)).to.be.greaterThan(0n);
    expect(first.documents!.offlineCheck).to.include('COSIGNATURES passed');
    await expectFound(first);
    await expectStopped(stack);
  });

  it('finds the same documents, policies and payouts after a restart', async function () {
    await start();
    await expectFound(first);
  });

  it('survives kill -9 of the whole stack in the middle of a demo: the demo resumes, nothing is paid twice', async function () {
    // The kill may lose the chain's last second of blocks, the policy's issue among them: the resumed demo then sells
    // it again (the journal's transactions are checked against the chain), so its id is not asserted here.
    const stack = stacks.at(-1)!;
    const { demo, lines } = startDemo(env);
    // Killed once the flight's outcome is available: the nodes are observing it, the payout not yet made.
    for (;;) {
      const revealed = lines().find((line) => line.part === 'flight' && line.step === 'outcome-available');
      if (revealed !== undefined) break;
      if (demo.child.exitCode !== null) throw new Error(`the demo ended early:\n${demo.output().slice(-3_000)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await killStack(stack);
    expect((await demo.exited).code, 'the demo fails while the stack is down').to.equal(1);
    await groupGone(demo.pgid, 10_000);

    await start();
    // The chain was killed, not stopped: its index is rebuilt from the chain as the restart finds it.
    expect(stacks.at(-1)!.output()).to.include('The chain was not stopped cleanly');
    const resumed = await completedDemo(env);
    expect(resumed.run).to.equal(first.run + 1);
    expect(resumed.resumed).to.equal(true);
    await expectFound(first);
    await expectFound(resumed);

    const settled = await settlements();
    const policies = [first.flight!, first.weather!, resumed.flight!, resumed.weather!].map(
      (result) => result.policy.policyId,
    );
    for (const id of policies) {
      const [kind, number] = id.split('-') as ['flight' | 'weather', string];
      const ofPolicy = settled.filter((event) => event.kind === kind && event.policyId === Number(number));
      expect(ofPolicy, `PolicySettled of ${id}`).to.have.length(1);
      expect(BigInt(ofPolicy[0]!.payout)).to.be.greaterThan(0n);
    }
    expect(settled, 'no other settlement').to.have.length(policies.length);
  });

  it('stops on Ctrl-C once more, leaving no process behind', async function () {
    await expectStopped(stacks.at(-1)!);
    for (const each of stacks) expect(groupAlive(each.pgid), `group ${each.pgid}`).to.equal(false);
  });
});
