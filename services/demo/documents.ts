/**
 * The evidence part: the insurer anchors a policy schedule (encrypted, the client a reader), anyone verifies it by
 * upload, the insurer supersedes it with an endorsed version, both versions are verified again (the first now
 * superseded), and the new version's evidence certificate is checked offline, without the API or the chain. The
 * files are written to `<dataDir>/demo/run-<n>/` so that each step can be repeated by hand.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sha256 } from 'ethers';
import { verifyCertificateOffline } from '../ledger/certificate.js';
import { isProblem } from './api.js';
import { until, type DemoContext } from './context.js';

interface Registration {
  documentHash: string;
  operation: { state: string; transactionHash?: string | null; blockNumber?: number | null };
}

interface VerificationReport {
  verdict: string;
  asOfBlock: number;
}

export interface DocumentResult {
  first: string;
  second: string;
  certificateFile: string;
  offlineCheck: string;
}

/** The schedule's text, version `version` of this run. */
function scheduleText(run: number, policyRef: string, version: number): string {
  return [
    `Harbour Mutual Insurance plc — policy schedule ${policyRef}, version ${version}`,
    `Insured: Acme Travel GmbH`,
    version === 1
      ? 'Cover: business travel, 1 January to 31 December 2027, limit 50,000 plUSD.'
      : 'Cover: business travel, 1 January to 31 December 2027, limit 75,000 plUSD (endorsement 1: limit raised).',
    `(PolicyLedger demo run ${run})`,
    '',
  ].join('\n');
}

function metadataOf(ctx: DemoContext, policyRef: string): string {
  return JSON.stringify({
    documentType: 'Policy',
    policyRef,
    retentionClass: 2,
    coverEndsAt: '2027-12-31',
    readers: [ctx.stack.parties.client.address],
    mode: 'single',
  });
}

function form(metadata: string, file: string): FormData {
  const body = new FormData();
  body.append('metadata', metadata);
  body.append('file', new Blob([readFileSync(file)], { type: 'text/plain' }), path.basename(file));
  return body;
}

/** Registers `file` (or, with `previousHash`, supersedes that version with it), waiting for the anchor. */
async function register(
  ctx: DemoContext,
  name: string,
  file: string,
  policyRef: string,
  previousHash?: string,
): Promise<Registration> {
  const documentHash = sha256(readFileSync(file));
  const pathname =
    previousHash === undefined ? '/v1/documents?confirm=true' : `/v1/documents/${previousHash}/versions?confirm=true`;
  try {
    return await ctx.api.insurer.call<Registration>('POST', pathname, {
      body: form(metadataOf(ctx, policyRef), file),
      idempotencyKey: ctx.key('document', name),
    });
  } catch (error) {
    // Repeated after a crash: the document was registered then; its anchor shows once mined.
    if (!isProblem(error, 'DOCUMENT_EXISTS')) throw error;
    return until(
      `document ${documentHash} anchored`,
      async () => {
        const answer = await ctx.api.insurer.call<{
          anchor: { transactionHash: string; blockNumber: number } | null;
        }>('GET', `/v1/documents/${documentHash}`);
        return answer.anchor === null
          ? undefined
          : { documentHash, operation: { state: 'anchored', ...answer.anchor } };
      },
      60_000,
    );
  }
}

/** Verifies `file` by upload, as anyone can, until the index shows `verdict` (it may lag the chain by a block). */
async function verifyUpload(ctx: DemoContext, file: string, verdict: string): Promise<VerificationReport> {
  return until(
    `${path.basename(file)} verified ${verdict}`,
    async () => {
      const body = new FormData();
      body.append('file', new Blob([readFileSync(file)]), path.basename(file));
      const report = await ctx.api.auditor.call<VerificationReport>('POST', '/v1/verify', { body });
      return report.verdict === verdict ? report : undefined;
    },
    30_000,
  );
}

export async function runDocumentPart(ctx: DemoContext): Promise<DocumentResult> {
  const run = ctx.journal.current.run;
  const folder = path.join(ctx.stack.dataDir, 'demo', `run-${run}`);
  mkdirSync(folder, { recursive: true });
  const policyRef = `HM-DEMO-${run}-${Date.parse(ctx.journal.current.startedAt).toString(36).toUpperCase()}`;
  const files = [1, 2].map((version) => {
    const file = path.join(folder, `schedule-v${version}.txt`);
    writeFileSync(file, scheduleText(run, policyRef, version));
    return file;
  }) as [string, string];

  const first = await ctx.step('document', 'anchor', async () => {
    const answer = await register(ctx, 'anchor', files[0], policyRef);
    return {
      result: answer.documentHash,
      what: `The insurer registers ${files[0]}: encrypted for itself and the client, stored in IPFS, anchored (document ${answer.documentHash})`,
      transactionHash: answer.operation.transactionHash ?? null,
      blockNumber: answer.operation.blockNumber ?? null,
    };
  });
  await ctx.step('document', 'verify', async () => {
    const report = await verifyUpload(ctx, files[0], 'anchored-current');
    return {
      result: report.verdict,
      what: `Anyone verifies it by upload: ${report.verdict} (as of block ${report.asOfBlock})`,
    };
  });
  const second = await ctx.step('document', 'supersede', async () => {
    const answer = await register(ctx, 'supersede', files[1], policyRef, first);
    return {
      result: answer.documentHash,
      what: `The insurer supersedes it with the endorsed version ${path.basename(files[1])} (document ${answer.documentHash})`,
      transactionHash: answer.operation.transactionHash ?? null,
      blockNumber: answer.operation.blockNumber ?? null,
    };
  });
  await ctx.step('document', 'verify-again', async () => {
    const [old, current] = [
      await verifyUpload(ctx, files[0], 'superseded'),
      await verifyUpload(ctx, files[1], 'anchored-current'),
    ];
    return {
      result: [old.verdict, current.verdict],
      what: `Verified again: version 1 is ${old.verdict}, version 2 is ${current.verdict}`,
    };
  });
  const certificateFile = path.join(folder, 'schedule-v2.certificate.json');
  const offlineCheck = await ctx.step('document', 'certificate', async () => {
    const certificate = await ctx.api.insurer.call<unknown>('GET', `/v1/certificates/${second}`);
    writeFileSync(certificateFile, `${JSON.stringify(certificate, null, 2)}\n`);
    const check = verifyCertificateOffline(certificate, { documentBytes: readFileSync(files[1]) });
    const steps = check.steps.map((step) => `${step.code} ${step.status}`).join(', ');
    if (!check.valid) throw new Error(`the certificate of ${second} failed its offline check: ${steps}`);
    return {
      result: steps,
      what: `Its evidence certificate (${path.basename(certificateFile)}) checks offline, without API or chain: ${steps}`,
      data: { certificateFile, steps: check.steps },
    };
  });
  return { first, second, certificateFile, offlineCheck };
}
