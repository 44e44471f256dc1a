/**
 * `policyledger anchor | verify` against a real API on a local test chain, run as a user runs them (the bin in a
 * child process): documents anchored singly and in a batch, refusals, the verdicts and their exit codes (current,
 * superseded, revoked, unknown) from the API and straight from the chain, and `--json` parsed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { call, INSURER, policyMetadata, REINSURER, uploadForm } from '../api/matrix-stack.js';
import { eventually } from '../api/documents/stack.js';
import { jsonOf, startCliBench, type CliBench } from './cli-stack.js';

interface AnchorJson {
  ok: boolean;
  summary: { files: number; anchored: number; failed: number; pending: number; alreadyRegistered: number };
  documents: {
    file: string;
    documentHash: string;
    existing: boolean;
    operation: { state: string; transactionHash?: string; blockNumber?: number; merkleRoot?: string } | null;
    error: { code: string; message: string } | null;
  }[];
}
interface VerifyJson {
  documentHash: string;
  verdict: string;
  file: string | null;
  source: { kind: string };
  steps: { code: string; status: string; details: Record<string, unknown> }[];
}

/** The largest document the test API accepts. */
const MAX_BYTES = 1_000_000;
const ANCHOR = ['anchor', '--as', 'insurer', '-r', 'CLI-TEST-1', '-e', '2027-12-31'];

describe('policyledger: documents', function () {
  this.timeout(120_000);
  let bench: CliBench;
  let single: { file: string; documentHash: string };

  before(async function () {
    this.timeout(120_000);
    bench = await startCliBench({ POLICYLEDGER_MAX_DOCUMENT_BYTES: String(MAX_BYTES) });
  });

  after(async () => {
    await bench?.close();
  });

  /** Waits until the API's index says `verdict` for `hash`, so that the CLI reads a settled index. */
  const indexed = (hash: string, verdict: string) =>
    eventually(`${hash} ${verdict} in the index`, async () => {
      const report = (await (await fetch(`${bench.stack.url}/v1/verify/${hash}`)).json()) as { verdict: string };
      return report.verdict === verdict ? true : undefined;
    });

  it('anchors files in a batch, waits for the chain and summarises each document (--json)', async () => {
    const files = [bench.document('schedule.txt'), bench.document('wording.txt')];
    const run = await bench.cli([...ANCHOR, '--mode', 'batch', '--json', ...files]);
    expect(run.code, run.stderr).to.equal(0);
    const answer = jsonOf<AnchorJson>(run);
    expect(answer.ok).to.equal(true);
    expect(answer.summary).to.deep.include({ files: 2, anchored: 2, failed: 0, pending: 0 });
    for (const document of answer.documents) {
      expect(document.documentHash).to.match(/^0x[0-9a-f]{64}$/);
      expect(document.operation).to.deep.include({ state: 'anchored' });
      expect(document.operation!.merkleRoot).to.match(/^0x[0-9a-f]{64}$/);
      expect(document.operation!.transactionHash).to.match(/^0x[0-9a-f]{64}$/);
    }
    const [first] = answer.documents;
    await indexed(first!.documentHash, 'anchored-current');
    const verified = await bench.cli(['verify', files[0]!, '--json']);
    expect(verified.code, verified.stderr).to.equal(0);
    const report = jsonOf<VerifyJson>(verified);
    expect(report).to.deep.include({ documentHash: first!.documentHash, verdict: 'anchored-current', file: files[0] });
    expect(report.steps.find((step) => step.code === 'HASH_COMPUTED')).to.deep.include({ status: 'passed' });
    expect(report.steps.find((step) => step.code === 'BATCH_MEMBERSHIP')).to.deep.include({ status: 'passed' });

    // Straight from the chain, a batch member is found through its Merkle proof (which the API keeps).
    const read = await call(bench.stack, bench.stack.auth.get(INSURER), 'GET', `/v1/documents/${first!.documentHash}`);
    const { proof } = ((await read.json()) as { anchor: { proof: string[] } }).anchor;
    const [withoutProof, withProof] = await Promise.all([
      bench.cli(['verify', files[0]!, '--rpc', bench.ledger.rpcUrl]),
      bench.cli(['verify', files[0]!, '--rpc', bench.ledger.rpcUrl, '--proof', proof.join(',')]),
    ]);
    expect(withoutProof.code).to.equal(5);
    expect(withoutProof.stdout).to.include(
      'a document anchored in a Merkle batch is found on the chain only with its proof',
    );
    expect(withProof.code, withProof.stdout).to.equal(0);
    expect(withProof.stdout).to.match(/\[ok {2}\] BATCH_MEMBERSHIP/);
  });

  it('anchors a document singly and prints a readable summary; the same file again is already registered', async () => {
    const file = bench.document('policy.txt');
    const run = await bench.cli([...ANCHOR, '--mode', 'single', '--reader', 'reinsurer', file]);
    expect(run.code, run.stderr).to.equal(0);
    const hash = /hash\s+(0x[0-9a-f]{64})/.exec(run.stdout)?.[1];
    expect(hash, run.stdout).to.be.a('string');
    expect(run.stdout).to.match(/state\s+anchored in block \d+, tx 0x[0-9a-f]{64}/);
    expect(run.stdout).to.include('1 of 1 anchored, 0 failed');
    single = { file, documentHash: hash! };

    const again = await bench.cli([...ANCHOR, '--mode', 'single', '--json', file]);
    expect(again.code, again.stderr).to.equal(0);
    const answer = jsonOf<AnchorJson>(again);
    expect(answer.summary).to.deep.include({ anchored: 1, alreadyRegistered: 1 });
    expect(answer.documents[0]).to.deep.include({ existing: true, documentHash: hash });

    // --reader named the reinsurer of the local stack: it may open the content.
    const content = await call(bench.stack, bench.stack.auth.get(REINSURER), 'GET', `/v1/documents/${hash}/content`);
    expect(content.status).to.equal(200);
    expect(await content.text()).to.equal(readFileSync(path.join(bench.workDir, file), 'utf8'));
  });

  it('returns at once with --no-wait, the operations on their way', async () => {
    const run = await bench.cli([...ANCHOR, '--no-wait', '--json', bench.document('later.txt')]);
    expect(run.code, run.stderr).to.equal(0);
    const answer = jsonOf<AnchorJson & { summary: { waited: boolean } }>(run);
    expect(answer.summary.waited).to.equal(false);
    expect(answer.documents[0]!.operation!.state).to.be.oneOf(['queued', 'sent', 'anchored']);
  });

  it('verifies by file and by hash, from the API and from the chain, with exit code 0 for a current document', async () => {
    await indexed(single.documentHash, 'anchored-current');
    const [byFile, byHash, byChain] = await Promise.all([
      bench.cli(['verify', single.file]),
      bench.cli(['verify', single.documentHash.toUpperCase().replace('0X', '0x'), '--json']),
      bench.cli(['verify', single.file, '--rpc', bench.ledger.rpcUrl, '--json']),
    ]);
    expect(byFile.code, byFile.stderr).to.equal(0);
    expect(byFile.stdout).to.include(`${single.documentHash} (${single.file}): ANCHORED and CURRENT`);
    expect(byFile.stdout).to.match(/\[ok {2}\] ANCHOR_FOUND/);
    expect(byHash.code, byHash.stderr).to.equal(0);
    expect(jsonOf<VerifyJson>(byHash)).to.deep.include({ documentHash: single.documentHash, file: null });
    expect(byChain.code, byChain.stderr).to.equal(0);
    const chainReport = jsonOf<VerifyJson>(byChain);
    expect(chainReport.verdict).to.equal('anchored-current');
    expect(chainReport.source.kind).to.equal('chain');
  });

  it('exits 5 for a document the chain has never seen, from the API and from the chain', async () => {
    const unknown = `0x${randomBytes(32).toString('hex')}`;
    const [fromApi, fromChain] = await Promise.all([
      bench.cli(['verify', unknown]),
      bench.cli(['verify', unknown, '--rpc', bench.ledger.rpcUrl, '--json']),
    ]);
    expect(fromApi.code).to.equal(5);
    expect(fromApi.stdout).to.include('UNKNOWN');
    expect(fromChain.code).to.equal(5);
    expect(jsonOf<VerifyJson>(fromChain).verdict).to.equal('unknown');
  });

  it('exits 3 for a superseded version and 4 for a revoked document', async () => {
    const insurer = bench.stack.auth.get(INSURER);
    const version = await call(
      bench.stack,
      insurer,
      'POST',
      `/v1/documents/${single.documentHash}/versions?confirm=true`,
      uploadForm(policyMetadata({ mode: 'single' }), new TextEncoder().encode(`v2 ${randomBytes(8).toString('hex')}`)),
    );
    expect(version.status, await version.clone().text()).to.equal(201);
    const next = ((await version.json()) as { documentHash: string }).documentHash;
    await indexed(single.documentHash, 'superseded');
    const [superseded, current, supersededOnChain] = await Promise.all([
      bench.cli(['verify', single.file]),
      bench.cli(['verify', next]),
      bench.cli(['verify', single.documentHash, '--rpc', bench.ledger.rpcUrl]),
    ]);
    expect(superseded.code).to.equal(3);
    expect(superseded.stdout).to.include('SUPERSEDED');
    expect(current.code).to.equal(0);
    expect(supersededOnChain.code).to.equal(3);

    const revocation = await call(bench.stack, insurer, 'POST', `/v1/documents/${next}/revocation?confirm=true`, {
      reason: 'IssuedInError',
    });
    expect(revocation.status, await revocation.clone().text()).to.equal(200);
    await indexed(next, 'revoked');
    const revoked = await bench.cli(['verify', next, '--json']);
    expect(revoked.code).to.equal(4);
    const report = jsonOf<VerifyJson>(revoked);
    expect(report.verdict).to.equal('revoked');
    expect(report.steps.find((step) => step.code === 'VERSION_STATUS')?.details).to.deep.include({
      reason: 'IssuedInError',
    });
  });

  it('says what the API refused, with its status and code, and exits 1', async () => {
    const file = bench.document('not-mine.txt');
    const run = await bench.cli(['anchor', '--as', 'client', '-r', 'X-1', '-e', '2027-12-31', '--json', file]);
    expect(run.code).to.equal(1);
    const answer = jsonOf<AnchorJson>(run);
    expect(answer.ok).to.equal(false);
    expect(answer.documents[0]!.error).to.deep.include({ code: 'ROLE_REQUIRED' });
    expect(answer.documents[0]!.error!.message).to.match(/^POST \/v1\/documents → 403 ROLE_REQUIRED/);
  });

  it('goes on with the other files when the API refuses one, and exits 1', async () => {
    writeFileSync(path.join(bench.workDir, 'too-large.bin'), Buffer.alloc(MAX_BYTES + 1, 7));
    const run = await bench.cli([...ANCHOR, 'too-large.bin', bench.document('fine.txt')]);
    expect(run.code).to.equal(1);
    expect(run.stdout).to.match(
      /too-large\.bin \(976\.6 kB\)\n {2}state {2}refused: POST \/v1\/documents → 413 PAYLOAD_TOO_LARGE/,
    );
    expect(run.stdout).to.match(/fine\.txt \(\d+ B\)\n {2}hash {3}0x[0-9a-f]{64}\n {2}state {2}anchored in block/);
    expect(run.stdout).to.include('1 of 2 anchored, 1 failed');
  });
});
