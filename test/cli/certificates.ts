/**
 * `policyledger certificate | verify-certificate` against a real API on a local test chain, run as a user runs them
 * (the bin in a child process): a certificate downloaded for a document anchored in a batch, checked offline, with the
 * document, and against the chain; a forged one refused; a revoked document's certificate that checks but says so.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { call, INSURER, policyMetadata, uploadForm } from '../api/matrix-stack.js';
import { eventually } from '../api/documents/stack.js';
import { jsonOf, startCliBench, type CliBench } from './cli-stack.js';

interface Certificate {
  format: string;
  documentHash: string;
  batch: { transactionHash: string } | null;
}

describe('policyledger: evidence certificates', function () {
  this.timeout(120_000);
  let bench: CliBench;
  let batched: { file: string; documentHash: string };
  let revoked: string;

  /** Registers the file `name` of the working directory through the API as the insurer; waits for its anchor. */
  async function register(name: string, mode: 'single' | 'batch'): Promise<string> {
    const bytes = readFileSync(path.join(bench.workDir, bench.document(name)));
    const answer = await call(
      bench.stack,
      bench.stack.auth.get(INSURER),
      'POST',
      '/v1/documents?confirm=true',
      uploadForm(policyMetadata({ mode }), bytes),
    );
    if (answer.status !== 201) throw new Error(`registration answered ${answer.status}: ${await answer.text()}`);
    return ((await answer.json()) as { documentHash: string }).documentHash;
  }

  /** Waits until the API's index says `verdict` for `hash` (certificates are built from the index). */
  const indexed = (hash: string, verdict: string) =>
    eventually(`${hash} ${verdict} in the index`, async () => {
      const report = (await (await fetch(`${bench.stack.url}/v1/verify/${hash}`)).json()) as { verdict: string };
      return report.verdict === verdict ? true : undefined;
    });

  before(async function () {
    this.timeout(120_000);
    bench = await startCliBench();
    batched = { file: 'certified.txt', documentHash: await register('certified.txt', 'batch') };
    revoked = await register('revoked.txt', 'single');
    const revocation = await call(
      bench.stack,
      bench.stack.auth.get(INSURER),
      'POST',
      `/v1/documents/${revoked}/revocation?confirm=true`,
      { reason: 'IssuedInError' },
    );
    if (revocation.status !== 200) throw new Error(`revocation answered ${revocation.status}`);
    await Promise.all([indexed(batched.documentHash, 'anchored-current'), indexed(revoked, 'revoked')]);
  });

  after(async () => {
    await bench?.close();
  });

  it('downloads a certificate to a file with a summary, or to stdout', async () => {
    const [saved, toStdout] = await Promise.all([
      bench.cli(['certificate', batched.file, '-o', 'certified.certificate.json']),
      bench.cli(['certificate', batched.documentHash]),
    ]);
    expect(saved.code, saved.stderr).to.equal(0);
    expect(saved.stdout).to.include(
      `certificate of ${batched.documentHash} (chain 31337) saved to certified.certificate.json`,
    );
    expect(saved.stdout).to.match(/in the batch of root 0x[0-9a-f]{64}, block \d+, tx 0x[0-9a-f]{64}/);
    const certificate = JSON.parse(
      readFileSync(path.join(bench.workDir, 'certified.certificate.json'), 'utf8'),
    ) as Certificate;
    expect(certificate).to.deep.include({
      format: 'policyledger-evidence-certificate',
      documentHash: batched.documentHash,
    });
    expect(certificate.batch).to.not.equal(null);
    expect(toStdout.code, toStdout.stderr).to.equal(0);
    // The same certificate, issued a moment apart.
    expect({ ...(JSON.parse(toStdout.stdout) as object), issuedAt: null }).to.deep.equal({
      ...certificate,
      issuedAt: null,
    });
  });

  it('checks a certificate offline, with the document, and against the chain', async () => {
    const [offline, withDocument, onChain, wrongDocument] = await Promise.all([
      bench.cli(['verify-certificate', 'certified.certificate.json']),
      bench.cli(['verify-certificate', 'certified.certificate.json', '--document', batched.file, '--json']),
      bench.cli(['verify-certificate', 'certified.certificate.json', '--rpc', bench.ledger.rpcUrl, '--json']),
      bench.cli(['verify-certificate', 'certified.certificate.json', '--document', 'revoked.txt']),
    ]);
    expect(offline.code, offline.stdout).to.equal(0);
    expect(offline.stdout).to.match(/offline: passed[\s\S]*\[ok {2}\] BATCH_MEMBERSHIP/);
    expect(offline.stdout).to.include(
      'The certificate checks offline (add --rpc <node> to check it against the chain).',
    );
    expect(withDocument.code, withDocument.stdout).to.equal(0);
    const documentCheck = jsonOf<{ valid: boolean; offline: { steps: { code: string; status: string }[] } }>(
      withDocument,
    );
    expect(documentCheck.valid).to.equal(true);
    expect(documentCheck.offline.steps.find((step) => step.code === 'HASH_COMPUTED')?.status).to.equal('passed');
    expect(onChain.code, onChain.stdout).to.equal(0);
    const chainCheck = jsonOf<{ valid: boolean; chains: { endpoints: { matchesCertificate: boolean }[] } }>(onChain);
    expect(chainCheck.valid).to.equal(true);
    expect(chainCheck.chains.endpoints).to.have.length(1);
    expect(chainCheck.chains.endpoints[0]!.matchesCertificate).to.equal(true);
    expect(wrongDocument.code).to.equal(6);
    expect(wrongDocument.stdout).to.match(/\[FAIL\] HASH_COMPUTED/);
  });

  it('refuses a certificate whose facts the chain does not hold, and a file that is no certificate', async () => {
    const certificate = JSON.parse(
      readFileSync(path.join(bench.workDir, 'certified.certificate.json'), 'utf8'),
    ) as Certificate;
    const forged = { ...certificate, batch: { ...certificate.batch!, transactionHash: `0x${'ab'.repeat(32)}` } };
    writeFileSync(path.join(bench.workDir, 'forged.json'), JSON.stringify(forged));
    writeFileSync(path.join(bench.workDir, 'not-json.json'), 'certainly not');
    writeFileSync(path.join(bench.workDir, 'statement.json'), JSON.stringify({ type: 'PolicyLedgerTreatyStatement' }));
    const [forgedCheck, notJson, notCertificate] = await Promise.all([
      bench.cli(['verify-certificate', 'forged.json', '--rpc', bench.ledger.rpcUrl]),
      bench.cli(['verify-certificate', 'not-json.json']),
      bench.cli(['verify-certificate', 'statement.json']),
    ]);
    expect(forgedCheck.code, forgedCheck.stdout).to.equal(6);
    expect(forgedCheck.stdout).to.match(/\(chain 31337\): DOES NOT MATCH[\s\S]*\[FAIL\] BATCH_MEMBERSHIP/);
    expect(forgedCheck.stdout).to.include('The certificate does NOT check.');
    expect(notJson.code).to.equal(6);
    expect(notJson.stderr).to.include('not-json.json is not JSON: not an evidence certificate');
    expect(notCertificate.code).to.equal(6);
    expect(notCertificate.stdout).to.match(/\[FAIL\] CERTIFICATE_FORMAT/);
  });

  it("checks a revoked document's certificate and says it was revoked since (exit 4)", async () => {
    const saved = await bench.cli(['certificate', revoked, '-o', 'revoked.certificate.json']);
    expect(saved.code, saved.stderr).to.equal(0);
    expect(saved.stdout).to.include('version 1, revoked at issue');
    const checked = await bench.cli(['verify-certificate', 'revoked.certificate.json', '--rpc', bench.ledger.rpcUrl]);
    expect(checked.code, checked.stdout).to.equal(4);
    expect(checked.stdout).to.include('The certificate checks, but the document has been REVOKED.');
  });

  it('says in one line that the API has no such document, and exits 1', async () => {
    const run = await bench.cli(['certificate', `0x${'12'.repeat(32)}`, '--json']);
    expect(run.code).to.equal(1);
    expect(run.stderr.trim().split('\n')).to.have.length(1);
    expect(run.stderr).to.include('→ 404 DOCUMENT_NOT_FOUND (Document not found): no anchor of document');
    const error = jsonOf<{ error: { code: string; problem: { status: number } } }>(run).error;
    expect(error).to.deep.include({ code: 'DOCUMENT_NOT_FOUND' });
    expect(error.problem.status).to.equal(404);
  });
});
