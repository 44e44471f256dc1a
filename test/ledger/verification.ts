import { expect } from 'chai';
import { getAddress, sha256 } from 'ethers';
import {
  buildCertificate,
  certificateBlockHashes,
  certificateFromChain,
  DocumentNotFoundError,
  verifyCertificateAgainstChains,
  verifyCertificateOffline,
  type CertificateCheck,
  type EvidenceCertificate,
} from '../../services/ledger/certificate.js';
import { checkCertificateFile, formatCertificateCheck } from '../../services/ledger/certificate-file.js';
import type { LedgerClient } from '../../services/ledger/client.js';
import { ChainIndexer, openChainIndex, type ChainIndex } from '../../services/indexer/index.js';
import {
  buildVerificationReport,
  evidenceFromChain,
  evidenceFromIndex,
  VERIFICATION_STEP_CODES,
  type VerificationReport,
} from '../../services/ledger/verification.js';
import { startTestLedger, type TestLedger } from '../helpers/api-chain.js';
import { anchorVerificationScenario, type VerificationScenario } from './verification-scenario.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

function stepOf(report: { steps: { code: string; status: string; details: Record<string, unknown> }[] }, code: string) {
  const found = report.steps.find((step) => step.code === code);
  if (found === undefined) throw new Error(`no step ${code} in the report`);
  return found;
}

async function reportFromChain(client: LedgerClient, hash: string, batchProof?: { proof: string[] }) {
  return buildVerificationReport(await evidenceFromChain(client, hash, { batchProof: batchProof ?? null }));
}

describe('verification (library)', function () {
  this.timeout(120_000);
  let ledger: TestLedger;
  let client: LedgerClient;
  let scenario: VerificationScenario;
  let insurer: string;
  let reinsurer: string;
  let holder: string;

  before(async function () {
    ledger = await startTestLedger();
    client = { deployment: ledger.deployment, provider: ledger.provider };
    scenario = await anchorVerificationScenario(ledger);
    [insurer, reinsurer, holder] = [2, 3, 4].map((index) => getAddress(ledger.parties[index]!.wallet.address)) as [
      string,
      string,
      string,
    ];
  });

  after(async function () {
    await ledger?.stop();
  });

  describe('buildVerificationReport', function () {
    it('lists every step, in order, with stable codes', async function () {
      const report = await reportFromChain(client, scenario.unknown.hash);
      expect(report.steps.map((step) => step.code)).to.deep.equal([...VERIFICATION_STEP_CODES]);
    });

    it('answers verdict unknown for a hash never anchored, with the anchor step failed', async function () {
      const report = await reportFromChain(client, scenario.unknown.hash);
      expect(report.verdict).to.equal('unknown');
      expect(stepOf(report, 'ANCHOR_FOUND').status).to.equal('failed');
      expect(stepOf(report, 'REGISTRANT_AUTHORISED').status).to.equal('skipped');
      expect(report.chainId).to.equal(ledger.deployment.chainId);
    });

    it('reports a current document with its anchor, its registrant and each co-signer, one still pending', async function () {
      const report = await reportFromChain(client, scenario.current.hash);
      expect(report.verdict).to.equal('anchored-current');
      const anchor = stepOf(report, 'ANCHOR_FOUND');
      expect(anchor.status).to.equal('passed');
      expect(anchor.details.blockNumber).to.be.a('number');
      expect(anchor.details.transactionHash).to.match(/^0x[0-9a-f]{64}$/);
      expect(Date.parse(anchor.details.time as string)).to.be.greaterThan(0);

      const registrant = stepOf(report, 'REGISTRANT_AUTHORISED');
      expect(registrant.status).to.equal('passed');
      expect(registrant.details).to.include({ account: insurer, active: true });
      expect(registrant.details.roles).to.deep.equal(['INSURER']);

      const coSignatures = stepOf(report, 'COSIGNATURES');
      expect(coSignatures.status).to.equal('warning');
      expect(coSignatures.details).to.include({ required: 2, signed: 1, fullySigned: false });
      const [reinsurerSigned, holderPending] = coSignatures.details.signers as Record<string, unknown>[];
      expect(reinsurerSigned).to.include({ signer: reinsurer, state: 'signed', over: 'hash', activePartyThen: true });
      expect(reinsurerSigned!.rolesThen).to.deep.equal(['REINSURER']);
      expect(holderPending).to.deep.equal({ signer: holder, state: 'pending' });

      expect(stepOf(report, 'VERSION_STATUS')).to.deep.include({ status: 'passed' });
      expect(stepOf(report, 'VERSION_STATUS').details).to.include({ state: 'current', version: 1 });
      expect(stepOf(report, 'BATCH_MEMBERSHIP').status).to.equal('skipped');
      expect(stepOf(report, 'HASH_COMPUTED').status).to.equal('skipped');
    });

    it('reveals no personal data or content: no names, identifiers, policy reference or storage pointer', async function () {
      const text = JSON.stringify(await reportFromChain(client, scenario.current.hash));
      for (const party of ledger.parties) {
        expect(text).not.to.include(party.name);
        expect(text).not.to.include(party.identifier);
      }
      expect(text).not.to.include('HM-2026-000123');
      expect(text).not.to.include('bafkrei');
    });

    it('says a client co-signed over the terms, and shows the client by address and role only', async function () {
      const report = await reportFromChain(client, scenario.withTerms.hash);
      const coSignatures = stepOf(report, 'COSIGNATURES');
      expect(coSignatures.status).to.equal('passed');
      const [signed] = coSignatures.details.signers as Record<string, unknown>[];
      expect(signed).to.include({ signer: holder, over: 'terms', termsType: 'FlightDelay', activePartyThen: true });
      expect(signed!.rolesThen).to.deep.equal(['CLIENT']);
    });

    it('names the current version of a superseded document', async function () {
      const report = await reportFromChain(client, scenario.superseded.hash);
      expect(report.verdict).to.equal('superseded');
      const version = stepOf(report, 'VERSION_STATUS');
      expect(version.status).to.equal('warning');
      expect(version.details).to.include({
        state: 'superseded',
        version: 1,
        nextVersion: scenario.successor.hash,
        currentVersion: scenario.successor.hash,
      });
      const successor = await reportFromChain(client, scenario.successor.hash);
      expect(successor.verdict).to.equal('anchored-current');
      expect(stepOf(successor, 'VERSION_STATUS').details).to.include({
        version: 2,
        previousVersion: scenario.superseded.hash,
        chainRoot: scenario.superseded.hash,
      });
    });

    it('gives the reason and time of a revocation', async function () {
      const report = await reportFromChain(client, scenario.revoked.hash);
      expect(report.verdict).to.equal('revoked');
      const version = stepOf(report, 'VERSION_STATUS');
      expect(version.status).to.equal('failed');
      expect(version.details).to.include({
        state: 'revoked',
        reason: 'Fraud',
        revokedAt: scenario.revoked.revokedAt,
        revokedBy: insurer,
      });
    });

    it('proves a batch member with a supplied proof, and finds nothing without one', async function () {
      const { hash, proof, merkleRoot } = scenario.batchMember;
      const report = await reportFromChain(client, hash, { proof });
      expect(report.verdict).to.equal('anchored-current');
      expect(stepOf(report, 'ANCHOR_FOUND').details).to.include({ via: 'batch', merkleRoot });
      const batch = stepOf(report, 'BATCH_MEMBERSHIP');
      expect(batch.status).to.equal('passed');
      expect(batch.details).to.include({ merkleRoot, proofValid: true, documentCount: 4 });
      expect(stepOf(report, 'REGISTRANT_AUTHORISED').status).to.equal('passed');

      expect((await reportFromChain(client, hash)).verdict).to.equal('unknown');
    });

    it('fails the batch step for a proof that leads to no anchored root', async function () {
      const { hash, proof } = scenario.batchMember;
      const tampered = [...proof];
      tampered[0] = sha256(tampered[0]!);
      const report = await reportFromChain(client, hash, { proof: tampered });
      expect(report.verdict).to.equal('unknown');
      expect(stepOf(report, 'BATCH_MEMBERSHIP').status).to.equal('failed');
    });

    it('reports the hash computed from bytes when they were given', async function () {
      const evidence = await evidenceFromChain(client, scenario.current.hash);
      const report = buildVerificationReport(evidence, { hashedBytes: { size: scenario.current.bytes.byteLength } });
      expect(stepOf(report, 'HASH_COMPUTED')).to.deep.include({ status: 'passed' });
      expect(stepOf(report, 'HASH_COMPUTED').details).to.include({ algorithm: 'SHA-256', size: 256 });
    });
  });

  describe('evidenceFromIndex', function () {
    let index: ChainIndex;
    let indexDir: string;

    before(async function () {
      indexDir = mkdtempSync(path.join(tmpdir(), 'policyledger-verify-index-'));
      index = await openChainIndex({ sqliteFile: path.join(indexDir, 'index.sqlite') });
      await new ChainIndexer(client, index).syncOnce();
    });

    after(async function () {
      await index?.close();
      if (indexDir !== undefined) rmSync(indexDir, { recursive: true, force: true });
    });

    it('gives the same evidence, hence the same report, as the chain for every kind of document', async function () {
      const { merkleRoot, proof } = scenario.batchMember;
      const cases: [string, { merkleRoot?: string; proof: string[] } | null][] = [
        [scenario.current.hash, null],
        [scenario.withTerms.hash, null],
        [scenario.superseded.hash, null],
        [scenario.successor.hash, null],
        [scenario.revoked.hash, null],
        [scenario.batchMember.hash, { merkleRoot, proof }],
        [scenario.batchMember.hash, { proof }],
        [scenario.batchMember.hash, null],
        [scenario.unknown.hash, null],
      ];
      const checkedAt = new Date().toISOString();
      for (const [hash, batchProof] of cases) {
        const fromChain = await evidenceFromChain(client, hash, { batchProof });
        const fromIndex = await evidenceFromIndex(index, hash, { batchProof });
        expect(fromIndex, hash).to.deep.equal(fromChain);
        expect(buildVerificationReport(fromIndex, { checkedAt })).to.deep.equal(
          buildVerificationReport(fromChain, { checkedAt }),
        );
      }
    });

    it('takes any case of hash and gives the same certificate as the chain', async function () {
      const evidence = await evidenceFromIndex(index, scenario.current.hash.toUpperCase().replace('0X', '0x'));
      const blockHashes = await certificateBlockHashes(ledger.provider, evidence);
      const fromIndex = buildCertificate(evidence, { blockHashes, issuedAt: '2026-01-01T00:00:00.000Z' });
      const fromChain = await certificateFromChain(client, scenario.current.hash, {
        issuedAt: '2026-01-01T00:00:00.000Z',
      });
      expect(fromIndex).to.deep.equal(fromChain);
    });
  });

  describe('certificates', function () {
    let certificate: EvidenceCertificate;
    let batchCertificate: EvidenceCertificate;
    let termsCertificate: EvidenceCertificate;

    before(async function () {
      certificate = await certificateFromChain(client, scenario.current.hash);
      const { merkleRoot, proof } = scenario.batchMember;
      batchCertificate = await certificateFromChain(client, scenario.batchMember.hash, {
        batchProof: { merkleRoot, proof },
      });
      termsCertificate = await certificateFromChain(client, scenario.withTerms.hash);
    });

    function tampered(original: EvidenceCertificate, change: (copy: EvidenceCertificate) => void): EvidenceCertificate {
      const copy = structuredClone(original);
      change(copy);
      return copy;
    }

    function statusOf(check: CertificateCheck, code: string): string {
      return stepOf(check, code).status;
    }

    it('holds the chain, contracts, anchor, EIP-712 domain and every co-signature', async function () {
      const anchoredBlock = await ledger.provider.getBlock(certificate.anchor!.blockNumber);
      expect(certificate).to.deep.include({
        format: 'policyledger-evidence-certificate',
        formatVersion: 1,
        documentHash: scenario.current.hash,
        chainId: '31337',
      });
      expect(certificate.contracts.evidenceRegistry).to.equal(getAddress(ledger.deployment.evidenceRegistry));
      expect(certificate.anchor!.blockHash).to.equal(anchoredBlock!.hash);
      expect(certificate.eip712Domain).to.deep.equal({
        name: 'PolicyLedger Evidence',
        version: '1',
        chainId: '31337',
        verifyingContract: getAddress(ledger.deployment.evidenceRegistry),
      });
      expect(certificate.coSignatures.map((coSignature) => [coSignature.signer, coSignature.state])).to.deep.equal([
        [reinsurer, 'signed'],
        [holder, 'pending'],
      ]);
      expect(certificate.coSignatures[0]).to.include({ scheme: 'ecdsa', over: 'hash' });
      expect(certificate.coSignatures[0]!.signature).to.match(/^0x[0-9a-f]{130}$/);
    });

    it('refuses a certificate for a hash never anchored', async function () {
      const evidence = await evidenceFromChain(client, scenario.unknown.hash);
      expect(() => buildCertificate(evidence, { blockHashes: new Map() })).to.throw(DocumentNotFoundError);
      const failure = await certificateFromChain(client, scenario.unknown.hash).catch((error: unknown) => error);
      expect(failure).to.be.instanceOf(DocumentNotFoundError);
    });

    it('checks offline: bytes, domain, proof and each ECDSA signature (a pending signer is a warning)', function () {
      const check = verifyCertificateOffline(certificate, { documentBytes: scenario.current.bytes });
      expect(check.valid).to.equal(true);
      expect(check.steps.map((step) => [step.code, step.status])).to.deep.equal([
        ['CERTIFICATE_FORMAT', 'passed'],
        ['HASH_COMPUTED', 'passed'],
        ['SIGNATURE_DOMAIN', 'passed'],
        ['BATCH_MEMBERSHIP', 'skipped'],
        ['COSIGNATURES', 'warning'],
      ]);
      const terms = verifyCertificateOffline(termsCertificate);
      expect(terms.valid).to.equal(true);
      expect(statusOf(terms, 'COSIGNATURES')).to.equal('passed');
      const batch = verifyCertificateOffline(batchCertificate, { documentBytes: scenario.batchMember.bytes });
      expect(batch.valid).to.equal(true);
      expect(statusOf(batch, 'BATCH_MEMBERSHIP')).to.equal('passed');
    });

    it('fails HASH_COMPUTED for other bytes', function () {
      const check = verifyCertificateOffline(certificate, { documentBytes: scenario.batchMember.bytes });
      expect(check.valid).to.equal(false);
      expect(statusOf(check, 'HASH_COMPUTED')).to.equal('failed');
    });

    it('fails COSIGNATURES for a tampered signature, nonce or terms hash', function () {
      const signature = tampered(certificate, (copy) => {
        const original = copy.coSignatures[0]!.signature!;
        copy.coSignatures[0]!.signature =
          original.slice(0, 10) + (original[10] === 'a' ? 'b' : 'a') + original.slice(11);
      });
      const nonce = tampered(certificate, (copy) => {
        copy.coSignatures[0]!.nonce = (BigInt(copy.coSignatures[0]!.nonce!) + 1n).toString();
      });
      const terms = tampered(termsCertificate, (copy) => {
        copy.anchor!.termsHash = sha256(copy.anchor!.termsHash);
      });
      for (const changed of [signature, nonce, terms]) {
        const check = verifyCertificateOffline(changed);
        expect(check.valid).to.equal(false);
        expect(statusOf(check, 'COSIGNATURES')).to.equal('failed');
      }
    });

    it('fails BATCH_MEMBERSHIP for a tampered proof or root', function () {
      const proof = tampered(batchCertificate, (copy) => {
        copy.batch!.proof[0] = sha256(copy.batch!.proof[0]!);
      });
      const root = tampered(batchCertificate, (copy) => {
        copy.batch!.merkleRoot = sha256(copy.batch!.merkleRoot);
      });
      for (const changed of [proof, root]) {
        const check = verifyCertificateOffline(changed);
        expect(check.valid).to.equal(false);
        expect(statusOf(check, 'BATCH_MEMBERSHIP')).to.equal('failed');
      }
    });

    it('fails SIGNATURE_DOMAIN for a domain of another chain, and CERTIFICATE_FORMAT for a broken file', function () {
      const domain = tampered(certificate, (copy) => {
        copy.eip712Domain.chainId = '1';
      });
      expect(statusOf(verifyCertificateOffline(domain), 'SIGNATURE_DOMAIN')).to.equal('failed');
      const broken = { ...certificate, documentHash: 'not a hash' };
      const check = verifyCertificateOffline(broken);
      expect(check.valid).to.equal(false);
      expect(check.steps.map((step) => [step.code, step.status])).to.deep.equal([['CERTIFICATE_FORMAT', 'failed']]);
    });

    it('fails the co-signatures of a certificate moved to another document hash', function () {
      const moved = tampered(certificate, (copy) => {
        copy.documentHash = scenario.unknown.hash;
      });
      expect(statusOf(verifyCertificateOffline(moved), 'COSIGNATURES')).to.equal('failed');
    });

    it('checks against two endpoints of one chain that agree', async function () {
      const endpoints = [ledger.rpcUrl, ledger.rpcUrl.replace('127.0.0.1', 'localhost')];
      const result = await verifyCertificateAgainstChains(certificate, endpoints);
      expect(result.agreement).to.deep.equal({ unanimous: true, disagreeing: [], unreachable: [] });
      for (const endpoint of result.endpoints) {
        expect(endpoint).to.include({
          reachable: true,
          chainId: '31337',
          verdict: 'anchored-current',
          matchesCertificate: true,
        });
        expect(endpoint.steps.map((step) => [step.code, step.status])).to.deep.equal([
          ['CHAIN_ID', 'passed'],
          ['ANCHOR_FOUND', 'passed'],
          ['REGISTRANT_AUTHORISED', 'passed'],
          ['BATCH_MEMBERSHIP', 'skipped'],
          ['VERSION_STATUS', 'passed'],
          ['COSIGNATURES', 'warning'],
        ]);
      }
      const batch = await verifyCertificateAgainstChains(batchCertificate, [ledger.rpcUrl]);
      expect(stepOf(batch.endpoints[0]!, 'BATCH_MEMBERSHIP').status).to.equal('passed');
    });

    it('reports the revocation of a revoked document with its reason', async function () {
      const revokedCertificate = await certificateFromChain(client, scenario.revoked.hash);
      const result = await verifyCertificateAgainstChains(revokedCertificate, [ledger.rpcUrl]);
      const [endpoint] = result.endpoints;
      expect(endpoint!.verdict).to.equal('revoked');
      expect(stepOf(endpoint!, 'VERSION_STATUS').details).to.include({ state: 'revoked', reason: 'Fraud' });
    });

    it('flags an endpoint of a chain with another deployment as disagreeing, and an unreachable one', async function () {
      const other = await startTestLedger();
      try {
        const unreachable = 'http://127.0.0.1:1';
        const result = await verifyCertificateAgainstChains(certificate, [ledger.rpcUrl, other.rpcUrl, unreachable], {
          timeoutMs: 5_000,
        });
        expect(result.agreement.unanimous).to.equal(false);
        expect(result.agreement.disagreeing).to.deep.equal([other.rpcUrl]);
        expect(result.agreement.unreachable).to.deep.equal([unreachable]);
        const [, otherCheck, unreachableCheck] = result.endpoints;
        expect(otherCheck).to.include({ reachable: true, verdict: 'unknown', matchesCertificate: false });
        expect(stepOf(otherCheck!, 'ANCHOR_FOUND').status).to.equal('failed');
        expect(unreachableCheck).to.include({ reachable: false, matchesCertificate: false });
      } finally {
        await other.stop();
      }
    });

    it('checks a certificate file with its document for the CLI', async function () {
      const dir = mkdtempSync(path.join(tmpdir(), 'policyledger-certificate-'));
      try {
        const certificateFile = path.join(dir, 'certificate.json');
        const documentFile = path.join(dir, 'document.bin');
        writeFileSync(certificateFile, JSON.stringify(certificate, null, 2));
        writeFileSync(documentFile, scenario.current.bytes);
        const result = await checkCertificateFile(certificateFile, { documentFile, rpcUrls: [ledger.rpcUrl] });
        expect(result.ok).to.equal(true);
        expect(formatCertificateCheck(result)).to.include('HASH_COMPUTED').and.to.include(': OK');
        writeFileSync(documentFile, 'other bytes');
        expect((await checkCertificateFile(certificateFile, { documentFile })).ok).to.equal(false);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('needs block hashes for every block it names', async function () {
      const evidence = await evidenceFromChain(client, scenario.current.hash);
      expect(() => buildCertificate(evidence, { blockHashes: new Map() })).to.throw(/hash of block/);
      const hashes = await certificateBlockHashes(ledger.provider, evidence);
      expect(buildCertificate(evidence, { blockHashes: hashes, issuedAt: certificate.issuedAt })).to.deep.equal(
        certificate,
      );
    });
  });

  // Reports are plain data: what a client gets over HTTP.
  it('builds a report that survives a JSON round trip unchanged', async function () {
    const report: VerificationReport = await reportFromChain(client, scenario.current.hash);
    expect(JSON.parse(JSON.stringify(report))).to.deep.equal(report);
  });
});
