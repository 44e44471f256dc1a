/**
 * `policyledger policies | timeline | status` and the command line itself, against a real API on a local test
 * chain, run as a user runs them (the bin in a child process): a flight policy sold in the test listed and its claim
 * shown step by step (and followed live until it ends), the stack's readiness and who the caller is, and the usage
 * errors, help and exit codes.
 */
import { expect } from 'chai';
import { call, CLIENT, INSURER } from '../api/matrix-stack.js';
import { defineFlightOffer, sellFlight } from '../api/policies/sales-fixtures.js';
import { eventually } from '../api/documents/stack.js';
import { freePort } from '../helpers/ports.js';
import { jsonOf, startCliBench, type CliBench } from './cli-stack.js';

interface PolicyItem {
  id: string;
  status: string;
  insured: { kind: string; carrier?: string; flightNumber?: string } | null;
}
interface TimelineJson {
  policy: string;
  status: string;
  steps: { step: string; state: string; transactionHash: string | null }[];
}

describe('policyledger: policies, timelines, status and usage', function () {
  this.timeout(120_000);
  let bench: CliBench;
  let policyId: string;

  before(async function () {
    this.timeout(180_000);
    bench = await startCliBench();
    const { stack, ledger } = bench;
    const insurer = stack.auth.get(INSURER)!;
    const offer = await defineFlightOffer(call, stack, insurer);
    policyId = await sellFlight(
      call,
      stack,
      ledger.provider,
      { insurer, holder: stack.auth.get(CLIENT)! },
      offer,
      stack.wallet(CLIENT),
    );
    await eventually('the policy indexed', async () => {
      const answer = await call(stack, insurer, 'GET', `/v1/policies/${policyId}`);
      return answer.status === 200 ? true : undefined;
    });
  });

  after(async () => {
    await bench?.close();
  });

  it('lists the policies the caller may read, as a table and as JSON', async () => {
    const [table, json, none] = await Promise.all([
      bench.cli(['policies', '--as', 'client']),
      bench.cli(['policies', '--as', 'client', '--json']),
      bench.cli(['policies', '--as', 'insurer', '--product', 'weather', '--json']),
    ]);
    expect(table.code, table.stderr).to.equal(0);
    expect(table.stdout).to.match(new RegExp(`^${policyId}\\s+Issued\\s+BA117 on \\d{4}-\\d{2}-\\d{2}`, 'm'));
    expect(json.code, json.stderr).to.equal(0);
    const listed = jsonOf<{ items: PolicyItem[] }>(json).items.find((item) => item.id === policyId);
    expect(listed).to.deep.include({ status: 'Issued' });
    expect(listed!.insured).to.deep.include({ kind: 'flight', carrier: 'BA', flightNumber: '117' });
    expect(jsonOf<{ items: PolicyItem[] }>(none).items).to.deep.equal([]);
  });

  it("shows a policy's claim step by step", async () => {
    const [human, json] = await Promise.all([
      bench.cli(['timeline', policyId, '--as', 'client']),
      bench.cli(['timeline', policyId, '--as', 'client', '--json']),
    ]);
    expect(human.code, human.stderr).to.equal(0);
    expect(human.stdout).to.include(`${policyId}: Issued`);
    expect(human.stdout).to.match(/^ {2}done {5}issued {10}\d{4}-\d{2}-\d{2} .* 0x[0-9a-f]{64}$/m);
    expect(human.stdout).to.match(/^ {2}pending {2}oracle-reports {2}0 of 3 reports$/m);
    expect(human.stdout).to.match(/^ {2}pending {2}settlement {6}up to 20000000$/m);
    const timeline = jsonOf<TimelineJson>(json);
    expect(timeline).to.deep.include({ policy: policyId, status: 'Issued' });
    expect(timeline.steps[0]).to.deep.include({ step: 'issued', state: 'done' });
    expect(timeline.steps.at(-1)).to.deep.include({ step: 'settlement', state: 'pending' });
  });

  it('follows a timeline live until nothing is pending (the insurer cancels the policy)', async () => {
    let cancelled: Promise<Response> | undefined;
    const run = await bench.cli(['timeline', policyId, '--as', 'client', '--follow', '--json'], {}, (stdout) => {
      // Once the first timeline is out, the stream is open: the cancellation is seen through it.
      if (cancelled === undefined && stdout.includes('\n')) {
        cancelled = call(
          bench.stack,
          bench.stack.auth.get(INSURER),
          'POST',
          `/v1/policies/${policyId}/cancellation`,
          {},
        );
      }
    });
    expect(run.code, run.stderr).to.equal(0);
    expect((await cancelled!).status).to.equal(200);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as TimelineJson);
    expect(lines[0]!.status).to.equal('Issued');
    const last = lines.at(-1)!;
    expect(last.status).to.equal('Cancelled');
    expect(last.steps.find((step) => step.step === 'cancelled')).to.deep.include({ state: 'done' });
  });

  it('reports readiness, the chain head, the index lag and who the caller is', async () => {
    const insurerKey = bench.stack.auth.get(INSURER)!.replace(/^Bearer /, '');
    const [auditor, anonymous, badKey, fromEnvironment] = await Promise.all([
      bench.cli(['status', '--as', 'auditor', '--json']),
      bench.cli(['status']),
      bench.cli(['status', '--api-key', 'pl_not-a-key']),
      bench.cli(['status', '--json'], { POLICYLEDGER_API_KEY: insurerKey, POLICYLEDGER_API_URL: bench.stack.url }),
    ]);
    expect(auditor.code, auditor.stderr).to.equal(0);
    const status = jsonOf<{
      ready: boolean;
      chain: { headBlock: number };
      index: { lagBlocks: number };
      caller: { account: string; roles: string[] };
    }>(auditor);
    expect(status.ready).to.equal(true);
    expect(status.chain.headBlock).to.be.greaterThan(0);
    expect(status.index.lagBlocks).to.be.within(0, 10);
    expect(status.caller.roles).to.deep.equal(['AUDITOR']);
    expect(anonymous.code, anonymous.stderr).to.equal(0);
    expect(anonymous.stdout).to.match(/ready {4}yes/);
    expect(anonymous.stdout).to.include('you      anonymous');
    expect(jsonOf<{ caller: { roles: string[] } }>(fromEnvironment).caller.roles).to.deep.equal(['INSURER']);
    expect(badKey.code).to.equal(1);
    expect(badKey.stdout).to.match(/credentials refused: GET \/v1\/me → 401 API_KEY_INVALID/);
  });

  it('says when the API cannot be reached, and exits 1', async () => {
    const port = await freePort();
    const nowhere = { POLICYLEDGER_API_URL: `http://127.0.0.1:${port}` };
    const file = bench.document('unsent.txt');
    const [run, anchor] = await Promise.all([
      bench.cli(['status', '--json'], nowhere),
      bench.cli(['anchor', '--as', 'insurer', '-r', 'X-1', '-e', '2027-12-31', file, file], nowhere),
    ]);
    expect(run.code).to.equal(1);
    expect(run.stderr).to.include(`cannot reach the API at http://127.0.0.1:${port} (ECONNREFUSED)`);
    expect(jsonOf<{ error: { code: string } }>(run).error.code).to.equal('API_UNREACHABLE');
    expect(anchor.code).to.equal(1);
    expect(anchor.stderr.trim().split('\n')).to.deep.equal([
      `policyledger: cannot reach the API at http://127.0.0.1:${port} (ECONNREFUSED): is the stack running ` +
        '(npm start)? Set --api or POLICYLEDGER_API_URL to point elsewhere',
    ]);
  });

  it('refuses a wrong command line with exit code 2 and a message naming the problem', async () => {
    const runs = await Promise.all([
      bench.cli(['frobnicate']),
      bench.cli(['timeline', 'policy-7']),
      bench.cli(['status', '--as', 'nobody']),
      bench.cli(['anchor', 'missing.pdf', '-e', '2027-12-31']),
      bench.cli(['anchor', '-r', 'X', '-e', '2027-12-31', 'no-such-file.pdf']),
      bench.cli(['verify', 'no-such-file.pdf', '--json']),
      bench.cli(['policies', '--status', 'Lost']),
      bench.cli(['status', '--as', 'client', '--api-key', 'pl_x']),
    ]);
    for (const run of runs) expect(run.code, run.stderr).to.equal(2);
    const [command, policy, party, option, file, notAFile, choice, twoIdentities] = runs.map((run) => run.stderr);
    expect(command).to.include("unknown command 'frobnicate'");
    expect(policy).to.include('a policy id such as flight-3 or weather-4');
    expect(party).to.match(
      /no party "nobody" in .*dev-keys\.json \(known: admin, insurer, reinsurer, client, auditor\)/,
    );
    expect(option).to.include("required option '-r, --policy-ref <ref>' not specified");
    expect(file).to.include('no file no-such-file.pdf');
    expect(notAFile).to.include('"no-such-file.pdf" is neither a file nor a document hash');
    expect(jsonOf<{ error: { code: string } }>(runs[5]).error.code).to.equal('USAGE');
    expect(choice).to.include("argument 'Lost' is invalid");
    expect(twoIdentities).to.include('give either --as or --api-key, not both');
  });

  it('teaches itself: --help lists the commands, exit codes and examples', async () => {
    const [main, verify] = await Promise.all([bench.cli(['--help']), bench.cli(['verify', '--help'])]);
    expect(main.code).to.equal(0);
    for (const command of ['anchor', 'verify', 'certificate', 'verify-certificate', 'policies', 'timeline', 'status']) {
      expect(main.stdout).to.match(new RegExp(`^ {2}${command} `, 'm'));
    }
    expect(main.stdout).to.include('Exit codes:');
    expect(main.stdout).to.include('5  verify: unknown to the chain');
    expect(verify.code).to.equal(0);
    expect(verify.stdout).to.include('Exit codes: 0 anchored and current, 3 superseded, 4 revoked, 5 unknown');
    expect(verify.stdout).to.include('$ policyledger verify policy.pdf --rpc http://127.0.0.1:8545');
  });
});
