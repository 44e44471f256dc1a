/**
 * Checks, away from the API that wrote them, an exported access log (`GET /v1/access-log/export`) against its heads
 * anchored on a chain node the checker chooses, and an evidence certificate (`GET /v1/certificates/{hash}`) offline and
 * against chain nodes:
 *
 *   npm run check -- access-log <export.json> --rpc <url> --deployment <deployments/<chainId>.json>
 *   npm run check -- certificate <certificate.json> [--document <file>] [--rpc <url> …]
 *
 * Exit status 0 when everything checks, 1 when something does not, 2 on bad usage.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { JsonRpcProvider } from 'ethers';
import { checkCertificateFile, formatCertificateCheck } from '../../ledger/certificate-file.js';
import type { Deployment } from '../../ledger/deploy.js';
import { checkAccessLogExport, type AccessLogExport } from './access-log-check.js';

const USAGE = `Usage:
  npm run check -- access-log <export.json> --rpc <url> --deployment <deployment record>
  npm run check -- certificate <certificate.json> [--document <file>] [--rpc <url> …]`;

class UsageError extends Error {}

async function checkAccessLog(file: string, rpc: string | undefined, deploymentFile: string | undefined) {
  if (rpc === undefined || deploymentFile === undefined)
    throw new UsageError('access-log needs --rpc and --deployment');
  const exported = JSON.parse(readFileSync(file, 'utf8')) as AccessLogExport;
  if (exported.format !== 'policyledger/access-log-export/v1') {
    throw new UsageError(`${file} is not an access-log export (format ${String(exported.format)})`);
  }
  const deployment = JSON.parse(readFileSync(deploymentFile, 'utf8')) as Deployment;
  const provider = new JsonRpcProvider(rpc, undefined, { staticNetwork: true });
  try {
    const report = await checkAccessLogExport(exported.entries, exported.heads, { deployment, provider });
    console.log(
      `${report.entryCount} entries, last seq ${report.lastSeq}; anchored heads prove the log through seq ` +
        `${report.anchoredThroughSeq}`,
    );
    for (const broken of report.breaks) console.log(`  BREAK ${JSON.stringify(broken)}`);
    console.log(report.ok ? 'The access log is intact.' : 'The access log does NOT check.');
    return report.ok;
  } finally {
    provider.destroy();
  }
}

/** Runs one check; resolves with the exit status (0 all checks pass, 1 something does not). */
export async function runCheck(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      rpc: { type: 'string', multiple: true },
      deployment: { type: 'string' },
      document: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [what, file] = positionals;
  if (values.help === true) {
    console.log(USAGE);
    return 0;
  }
  if (file === undefined) throw new UsageError('name the file to check');
  if (what === 'access-log') return (await checkAccessLog(file, values.rpc?.[0], values.deployment)) ? 0 : 1;
  if (what === 'certificate') {
    const result = await checkCertificateFile(file, {
      ...(values.document === undefined ? {} : { documentFile: values.document }),
      ...(values.rpc === undefined ? {} : { rpcUrls: values.rpc }),
    });
    console.log(formatCertificateCheck(result));
    return result.ok ? 0 : 1;
  }
  throw new UsageError(`unknown check "${what ?? ''}"`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runCheck(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      if (error instanceof UsageError) console.error(USAGE);
      process.exit(error instanceof UsageError ? 2 : 1);
    },
  );
}
