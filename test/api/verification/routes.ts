import { mkdtempSync, rmSync } from 'node:fs';
import type { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { randomBytes, sha256, ZeroHash } from 'ethers';
import { AnchoringService } from '../../../services/api/anchoring/index.js';
import { openApiDatabase } from '../../../services/api/database.js';
import { verificationRouter } from '../../../services/api/verification/routes.js';
import { ChainIndexer, openChainIndex, type ChainIndex } from '../../../services/indexer/index.js';
import { verifyCertificateOffline, type EvidenceCertificate } from '../../../services/ledger/certificate.js';
import { sharedContracts } from '../../../services/ledger/client.js';
import { coSignDocument, requiredSignersOf } from '../../../services/ledger/evidence.js';
import { buildVerificationReport, evidenceFromChain } from '../../../services/ledger/verification.js';
import { startTestLedger, type TestLedger } from '../../helpers/api-chain.js';
import { startTestApi, type TestApi } from '../../helpers/api-client.js';
import { anchorVerificationScenario, type VerificationScenario } from '../../ledger/verification-scenario.js';

interface Problem {
  status: number;
  code: string;
  detail: string;
}

interface Report {
  documentHash: string;
  verdict: string;
  checkedAt: string;
  chainId: string;
  asOfBlock: number;
  steps: { code: string; status: string; details: Record<string, unknown> }[];
}

const MAX_DOCUMENT_BYTES = 4096;

async function problemOf(response: Response): Promise<Problem> {
  expect(response.headers.get('content-type')).to.match(/^application\/problem\+json/);
  return (await response.json()) as Problem;
}

function stepOf(report: Report, code: string) {
  const found = report.steps.find((step) => step.code === code);
  if (found === undefined) throw new Error(`no step ${code}`);
  return found;
}

function upload(bytes: Uint8Array, fields: Record<string, string> = {}): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', new Blob([new Uint8Array(bytes)]), 'document.pdf');
  return form;
}

describe('API: public verification', function () {
  this.timeout(120_000);
  let ledger: TestLedger;
  let scenario: VerificationScenario;
  let dataDir: string;
  let index: ChainIndex;
  let indexer: ChainIndexer;
  let anchoringDb: DatabaseSync;
  let anchoring: AnchoringService;
  let api: TestApi;
  /** Documents the API's anchoring service put in one Merkle batch. */
  let batched: { bytes: Uint8Array; hash: string }[];

  before(async function () {
    ledger = await startTestLedger();
    scenario = await anchorVerificationScenario(ledger);
    dataDir = mkdtempSync(path.join(tmpdir(), 'policyledger-verify-api-'));
    const client = { deployment: ledger.deployment, provider: ledger.provider };

    const insurer = ledger.parties[2]!.wallet.connect(ledger.provider);
    anchoringDb = openApiDatabase(path.join(dataDir, 'anchoring.sqlite'));
    anchoring = new AnchoringService(anchoringDb, client, new Map([[insurer.address, insurer]]), {
      batchWindowMs: 50,
      batchMaxSize: 10,
      storeBatchManifest: () => Promise.resolve('bafybatchmanifestofthistest'),
    });
    batched = [0, 1, 2].map(() => {
      const bytes = randomBytes(300);
      return { bytes, hash: sha256(bytes) };
    });
    const operations = await Promise.all(
      batched.map((document) =>
        anchoring.accept({
          sender: insurer.address,
          kind: 'anchor',
          mode: 'batch',
          input: {
            documentHash: document.hash,
            termsHash: ZeroHash,
            documentType: 5,
            retentionClass: 2,
            policyRef: 'HM-CLAIM-1',
            storagePointer: 'bafyclaimreceipt',
            requiredSigners: [],
          },
        }),
      ),
    );
    await anchoring.start();
    for (const operation of operations) {
      const settled = await anchoring.waitFor(operation.id, 60_000);
      expect(settled.state, JSON.stringify(settled.error)).to.equal('anchored');
    }

    index = await openChainIndex({ sqliteFile: path.join(dataDir, 'index.sqlite') });
    indexer = new ChainIndexer(client, index);
    await indexer.syncOnce();

    api = await startTestApi(ledger, {
      env: { POLICYLEDGER_MAX_DOCUMENT_BYTES: String(MAX_DOCUMENT_BYTES) },
      context: { index, anchoring },
      routers: (ctx) => [verificationRouter({ ...ctx, index, anchoring })],
    });
  });

  /**
   * Syncs the index until it holds `block`: ethers shares a block-number answer for 250 ms, so a sync right after a
   * receipt may stop one block short. Polls (yielding to the timers) with a deadline.
   */
  async function syncThrough(block: number): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (((await index.headBlock()) ?? -1) < block) {
      if (Date.now() > deadline) throw new Error(`the index did not reach block ${block}`);
      await indexer.syncOnce();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  after(async function () {
    await api?.close();
    await anchoring?.stop();
    anchoringDb?.close();
    await index?.close();
    await ledger?.stop();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  });

  describe('GET /v1/verify/{documentHash}', function () {
    it('answers a current document without sign-in, as the library reads it from the chain', async function () {
      const response = await fetch(`${api.url}/v1/verify/${scenario.current.hash}`);
      expect(response.status).to.equal(200);
      const report = (await response.json()) as Report;
      expect(report.verdict).to.equal('anchored-current');
      expect(report.asOfBlock).to.equal(await index.headBlock());
      expect(Date.parse(report.checkedAt)).to.be.closeTo(Date.now(), 60_000);
      const client = { deployment: ledger.deployment, provider: ledger.provider };
      const fromChain = buildVerificationReport(await evidenceFromChain(client, scenario.current.hash));
      expect(report.steps).to.deep.equal(fromChain.steps);
      expect(report.chainId).to.equal('31337');
    });

    it('takes the hash in any case', async function () {
      const response = await fetch(`${api.url}/v1/verify/0x${scenario.revoked.hash.slice(2).toUpperCase()}`);
      const report = (await response.json()) as Report;
      expect(report).to.include({ documentHash: scenario.revoked.hash, verdict: 'revoked' });
    });

    it('answers verdict unknown, not an error, for a hash never anchored', async function () {
      const response = await fetch(`${api.url}/v1/verify/${scenario.unknown.hash}`);
      expect(response.status).to.equal(200);
      expect(((await response.json()) as Report).verdict).to.equal('unknown');
    });

    it('refuses a malformed hash with 400 INVALID_DOCUMENT_HASH', async function () {
      for (const bad of ['0x1234', 'abc', `${scenario.current.hash}00`, `0x${'g'.repeat(64)}`]) {
        const response = await fetch(`${api.url}/v1/verify/${bad}`);
        expect(response.status, bad).to.equal(400);
        expect((await problemOf(response)).code).to.equal('INVALID_DOCUMENT_HASH');
      }
    });

    it('proves a batch member with the proof the anchoring service keeps', async function () {
      const response = await fetch(`${api.url}/v1/verify/${batched[1]!.hash}`);
      const report = (await response.json()) as Report;
      expect(report.verdict).to.equal('anchored-current');
      const batch = stepOf(report, 'BATCH_MEMBERSHIP');
      expect(batch.status).to.equal('passed');
      expect(batch.details).to.include({
        merkleRoot: anchoring.batchProof(batched[1]!.hash)!.merkleRoot,
        documentCount: 3,
      });
    });

    it('checks a proof given in the query, and refuses a malformed one', async function () {
      const { hash, proof } = scenario.batchMember;
      const proven = (await (await fetch(`${api.url}/v1/verify/${hash}?proof=${proof.join(',')}`)).json()) as Report;
      expect(proven.verdict).to.equal('anchored-current');
      expect(stepOf(proven, 'BATCH_MEMBERSHIP').status).to.equal('passed');
      const bad = await fetch(`${api.url}/v1/verify/${hash}?proof=0x12,0x34`);
      expect(bad.status).to.equal(400);
      expect((await problemOf(bad)).code).to.equal('INVALID_BATCH_PROOF');
    });

    it('follows the index: a co-signature indexed after a report shows in the next one', async function () {
      const before = (await (await fetch(`${api.url}/v1/verify/${scenario.current.hash}`)).json()) as Report;
      expect(stepOf(before, 'COSIGNATURES').status).to.equal('warning');

      const { registry } = sharedContracts({ deployment: ledger.deployment, provider: ledger.provider });
      const holder = ledger.parties[4]!.signer;
      const latest = await ledger.provider.getBlock('latest');
      const signed = await coSignDocument(registry, holder, scenario.current.hash, BigInt(latest!.timestamp + 3600));
      const signers = await requiredSignersOf(registry, scenario.current.hash);
      // Anyone may relay; the insurer's key is busy with the anchoring service's nonces.
      const relayer = registry.connect(ledger.parties[3]!.signer);
      const receipt = await (
        await relayer.cosign(
          scenario.current.hash,
          signers,
          signed.signer,
          signed.nonce,
          signed.deadline,
          signed.signature,
        )
      ).wait();
      await syncThrough(receipt!.blockNumber);

      const after = (await (await fetch(`${api.url}/v1/verify/${scenario.current.hash}`)).json()) as Report;
      expect(after.asOfBlock).to.be.greaterThan(before.asOfBlock);
      expect(stepOf(after, 'COSIGNATURES').status).to.equal('passed');
      expect(stepOf(after, 'COSIGNATURES').details).to.include({ signed: 2, fullySigned: true });
    });
  });

  describe('POST /v1/verify', function () {
    it('hashes an uploaded document and reports on it', async function () {
      const response = await fetch(`${api.url}/v1/verify`, { method: 'POST', body: upload(batched[0]!.bytes) });
      expect(response.status).to.equal(200);
      const report = (await response.json()) as Report;
      expect(report).to.include({ documentHash: batched[0]!.hash, verdict: 'anchored-current' });
      expect(stepOf(report, 'HASH_COMPUTED')).to.deep.include({
        status: 'passed',
        details: { algorithm: 'SHA-256', documentHash: batched[0]!.hash, size: 300 },
      });
    });

    it('takes a proof field with the file', async function () {
      const { bytes, proof } = scenario.batchMember;
      const response = await fetch(`${api.url}/v1/verify`, {
        method: 'POST',
        body: upload(bytes, { proof: proof.join(',') }),
      });
      expect(((await response.json()) as Report).verdict).to.equal('anchored-current');
    });

    it('answers unknown for bytes never anchored', async function () {
      const response = await fetch(`${api.url}/v1/verify`, { method: 'POST', body: upload(randomBytes(100)) });
      expect(((await response.json()) as Report).verdict).to.equal('unknown');
    });

    it('refuses a document over the size limit with 413 PAYLOAD_TOO_LARGE', async function () {
      const response = await fetch(`${api.url}/v1/verify`, {
        method: 'POST',
        body: upload(randomBytes(MAX_DOCUMENT_BYTES + 1)),
      });
      expect(response.status).to.equal(413);
      expect((await problemOf(response)).code).to.equal('PAYLOAD_TOO_LARGE');
    });

    it('refuses another media type (415) and a form without a file (400 DOCUMENT_MISSING)', async function () {
      const json = await fetch(`${api.url}/v1/verify`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ documentHash: scenario.current.hash }),
      });
      expect(json.status).to.equal(415);
      expect((await problemOf(json)).code).to.equal('UNSUPPORTED_MEDIA_TYPE');
      const form = new FormData();
      form.append('proof', '');
      const empty = await fetch(`${api.url}/v1/verify`, { method: 'POST', body: form });
      expect(empty.status).to.equal(400);
      expect((await problemOf(empty)).code).to.equal('DOCUMENT_MISSING');
    });

    it('refuses a broken multipart body with a 400 problem', async function () {
      const response = await fetch(`${api.url}/v1/verify`, {
        method: 'POST',
        headers: { 'Content-Type': 'multipart/form-data' },
        body: 'not multipart',
      });
      expect(response.status).to.equal(400);
      expect((await problemOf(response)).code).to.equal('INVALID_MULTIPART');
    });
  });

  describe('certificates', function () {
    let certificate: EvidenceCertificate;

    before(async function () {
      const response = await fetch(`${api.url}/v1/certificates/${scenario.withTerms.hash}`);
      expect(response.status).to.equal(200);
      certificate = (await response.json()) as EvidenceCertificate;
    });

    it('GET /v1/certificates/{documentHash} gives a certificate that checks offline', async function () {
      expect(certificate).to.include({ documentHash: scenario.withTerms.hash, chainId: '31337' });
      expect(certificate.anchor!.blockHash).to.equal(
        (await ledger.provider.getBlock(certificate.anchor!.blockNumber))!.hash,
      );
      expect(verifyCertificateOffline(certificate).valid).to.equal(true);
    });

    it('gives the certificate of a batch member with the anchoring service’s proof', async function () {
      const response = await fetch(`${api.url}/v1/certificates/${batched[2]!.hash}`);
      const batchCertificate = (await response.json()) as EvidenceCertificate;
      expect(batchCertificate.batch!.proof).to.deep.equal(anchoring.batchProof(batched[2]!.hash)!.proof);
      const check = verifyCertificateOffline(batchCertificate, { documentBytes: batched[2]!.bytes });
      expect(check.valid).to.equal(true);
    });

    it('answers 404 DOCUMENT_NOT_FOUND for a hash never anchored, 400 for a malformed one', async function () {
      const unknown = await fetch(`${api.url}/v1/certificates/${scenario.unknown.hash}`);
      expect(unknown.status).to.equal(404);
      expect((await problemOf(unknown)).code).to.equal('DOCUMENT_NOT_FOUND');
      const malformed = await fetch(`${api.url}/v1/certificates/0x12`);
      expect(malformed.status).to.equal(400);
      expect((await problemOf(malformed)).code).to.equal('INVALID_DOCUMENT_HASH');
    });

    async function verify(body: unknown): Promise<Response> {
      return fetch(`${api.url}/v1/certificates/verify`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    }

    it('POST /v1/certificates/verify checks offline, and against the endpoints given', async function () {
      const offline = await verify({ certificate });
      expect(offline.status).to.equal(200);
      const offlineResult = (await offline.json()) as { valid: boolean; chains: unknown };
      expect(offlineResult).to.include({ valid: true, chains: null });

      const both = await verify({ certificate, endpoints: [ledger.rpcUrl] });
      const result = (await both.json()) as {
        valid: boolean;
        chains: { endpoints: { matchesCertificate: boolean; verdict: string }[] };
      };
      expect(result.valid).to.equal(true);
      expect(result.chains.endpoints[0]).to.include({ matchesCertificate: true, verdict: 'anchored-current' });
    });

    it('reports a tampered certificate as invalid, naming the failed step', async function () {
      const tampered = structuredClone(certificate);
      tampered.coSignatures[0]!.nonce = '1';
      const response = await verify({ certificate: tampered });
      expect(response.status).to.equal(200);
      const result = (await response.json()) as {
        valid: boolean;
        offline: { steps: { code: string; status: string }[] };
      };
      expect(result.valid).to.equal(false);
      expect(result.offline.steps.find((step) => step.code === 'COSIGNATURES')!.status).to.equal('failed');
    });

    it('refuses a body without a certificate, or with endpoints that are not http(s) URLs', async function () {
      for (const body of [{}, { certificate, endpoints: ['file:///etc/passwd'] }, { certificate: 'text' }]) {
        const response = await verify(body);
        expect(response.status, JSON.stringify(body).slice(0, 60)).to.equal(400);
        expect((await problemOf(response)).code).to.equal('INVALID_REQUEST');
      }
      const tooMany = await verify({ certificate, endpoints: Array.from({ length: 9 }, () => ledger.rpcUrl) });
      expect(tooMany.status).to.equal(400);
    });
  });

  it('describes its four paths in the OpenAPI document', async function () {
    const document = (await (await fetch(`${api.url}/openapi.json`)).json()) as { paths: Record<string, object> };
    expect(document.paths).to.include.keys(
      '/v1/verify/{documentHash}',
      '/v1/verify',
      '/v1/certificates/{documentHash}',
      '/v1/certificates/verify',
    );
  });
});
