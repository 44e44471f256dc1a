/**
 * Certificate files for the command line: reads a certificate (and optionally the document) from disk, checks it
 * offline and against chain endpoints, and formats the result for a terminal. Kept apart from `certificate.ts`, which
 * the browser bundles and so must not import `node:` modules.
 */
import { readFile } from 'node:fs/promises';
import {
  verifyCertificateAgainstChains,
  verifyCertificateOffline,
  type CertificateCheck,
  type ChainsCheck,
} from './certificate.js';
import type { StepStatus } from './verification.js';

export interface CertificateFileCheck {
  offline: CertificateCheck;
  chains: ChainsCheck | null;
  /** The offline check passed and, when endpoints were given, every one matched the certificate and agreed. */
  ok: boolean;
}

/**
 * Checks the certificate in `certificateFile`: offline (with the document at `documentFile` when given), then
 * against `rpcUrls` when given. What the CLI's `certificate verify` command runs.
 */
export async function checkCertificateFile(
  certificateFile: string,
  options: { documentFile?: string; rpcUrls?: string[]; timeoutMs?: number } = {},
): Promise<CertificateFileCheck> {
  const certificate: unknown = JSON.parse(await readFile(certificateFile, 'utf8'));
  const documentBytes =
    options.documentFile === undefined ? undefined : new Uint8Array(await readFile(options.documentFile));
  const offline = verifyCertificateOffline(certificate, documentBytes === undefined ? {} : { documentBytes });
  const rpcUrls = options.rpcUrls ?? [];
  const chains =
    offline.documentHash === null || rpcUrls.length === 0
      ? null
      : await verifyCertificateAgainstChains(
          certificate,
          rpcUrls,
          options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs },
        );
  const chainsOk =
    chains === null ||
    (chains.agreement.disagreeing.length === 0 && chains.endpoints.every((endpoint) => endpoint.matchesCertificate));
  return { offline, chains, ok: offline.valid && chainsOk };
}

const STATUS_MARKS: Record<StepStatus, string> = { passed: 'ok  ', failed: 'FAIL', skipped: 'skip', warning: 'warn' };

/** A certificate check as lines of text for a terminal. */
export function formatCertificateCheck(result: CertificateFileCheck): string {
  const lines = [
    `certificate of ${result.offline.documentHash ?? '(unreadable)'}: ${result.ok ? 'OK' : 'NOT OK'}`,
    'offline:',
  ];
  for (const item of result.offline.steps) lines.push(`  [${STATUS_MARKS[item.status]}] ${item.code}  ${item.title}`);
  for (const endpoint of result.chains?.endpoints ?? []) {
    const verdict = endpoint.verdict === null ? '' : `, verdict ${endpoint.verdict}`;
    lines.push(`${endpoint.rpcUrl} (chain ${endpoint.chainId ?? '?'}${verdict}):`);
    for (const item of endpoint.steps) lines.push(`  [${STATUS_MARKS[item.status]}] ${item.code}  ${item.title}`);
    if (endpoint.error !== undefined) lines.push(`  error: ${endpoint.error}`);
  }
  if (result.chains !== null && result.chains.agreement.disagreeing.length > 0) {
    lines.push(`endpoints that disagree with the others: ${result.chains.agreement.disagreeing.join(', ')}`);
  }
  return lines.join('\n');
}
