/**
 * `policyledger verify-certificate <file> [--rpc <url>…]`: checks an evidence certificate without the API, through
 * the ledger layer (`services/ledger/certificate.ts`): first offline (its form, the document's bytes when given, the
 * EIP-712 domain, the Merkle proof, each EOA co-signature), then against each chain node given, step by step, and
 * whether the nodes agree. A genuine certificate of a document revoked or superseded since says so in its exit code.
 */
import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { contextOf, type CliContext } from '../context.js';
import { fileSize } from '../document-input.js';
import { CliError } from '../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { stepLines } from '../output.js';
import { collect, httpUrl } from './parsers.js';

interface VerifyCertificateOptions {
  rpc?: string[];
  document?: string;
}

export function verifyCertificateCommand(): Command {
  return new Command('verify-certificate')
    .summary('check an evidence certificate offline, then against chain nodes')
    .description(
      'Checks an evidence certificate without the API. Offline: the file is a certificate, the document (with ' +
        '--document) hashes to it, the EIP-712 domain is the certified registry, the Merkle proof leads to the batch ' +
        'root, and each co-signature recovers to its signer. Then, for each --rpc node: the chain id, the anchor in ' +
        'the certified block and transaction, the registrant, the batch root, the status today and each ' +
        "co-signature — and whether the nodes agree. Give each consortium member's own node.",
    )
    .argument('<file>', 'the certificate (from policyledger certificate)')
    .option('--rpc <url>', 'a chain node to check against (repeatable)', (value: string, previous?: string[]) =>
      collect(httpUrl(value), previous),
    )
    .option('--document <file>', 'the document itself: its SHA-256 must be the certified hash')
    .addHelpText(
      'after',
      `
Exit codes: 0 every check passed (and, with --rpc, the document is current), 3 superseded since, 4 revoked since,
6 a check failed or the nodes disagree, 1 a node could not be reached, 2 usage error.

Examples:
  $ policyledger verify-certificate policy.certificate.json --document policy.pdf
  $ policyledger verify-certificate policy.certificate.json --rpc http://127.0.0.1:8545 --rpc https://node.member-b.example`,
    )
    .action(async (file: string, options: VerifyCertificateOptions, command: Command) => {
      process.exitCode = await runVerifyCertificate(contextOf(command), file, options);
    });
}

async function readCertificate(file: string): Promise<unknown> {
  await fileSize(file);
  const text = await readFile(file, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CliError(`${file} is not JSON: not an evidence certificate`, EXIT.NOT_OK, 'INVALID_CERTIFICATE');
  }
}

export async function runVerifyCertificate(
  ctx: CliContext,
  file: string,
  options: VerifyCertificateOptions,
): Promise<ExitCode> {
  const certificate = await readCertificate(file);
  let documentBytes: Uint8Array | undefined;
  if (options.document !== undefined) {
    await fileSize(options.document);
    documentBytes = new Uint8Array(await readFile(options.document));
  }
  const { verifyCertificateOffline, verifyCertificateAgainstChains } = await import('../../ledger/certificate.js');

  const offline = verifyCertificateOffline(certificate, documentBytes === undefined ? {} : { documentBytes });
  ctx.out.print(`certificate ${file} of ${offline.documentHash ?? '(unreadable)'}`);
  ctx.out.print(`offline: ${offline.valid ? 'passed' : 'FAILED'}`);
  for (const line of stepLines(offline.steps)) ctx.out.print(line);

  const chains =
    offline.documentHash === null || options.rpc === undefined
      ? null
      : await verifyCertificateAgainstChains(certificate, options.rpc);
  for (const endpoint of chains?.endpoints ?? []) {
    const verdict = endpoint.verdict === null ? '' : `, document ${endpoint.verdict} today`;
    const state = !endpoint.reachable ? 'UNREACHABLE' : endpoint.matchesCertificate ? 'matches' : 'DOES NOT MATCH';
    ctx.out.print(`${endpoint.rpcUrl} (chain ${endpoint.chainId ?? '?'}): ${state}${verdict}`);
    for (const line of stepLines(endpoint.steps)) ctx.out.print(line);
    if (endpoint.error !== undefined) ctx.out.print(`  error: ${endpoint.error}`);
  }
  if (chains !== null && chains.agreement.disagreeing.length > 0) {
    ctx.out.print(`nodes that disagree with the others: ${chains.agreement.disagreeing.join(', ')}`);
  }

  const exitCode = exitCodeOf(offline.valid, chains);
  const valid = exitCode !== EXIT.NOT_OK && exitCode !== EXIT.ERROR;
  if (ctx.out.json) ctx.out.document({ file, valid, exitCode, offline, chains });
  else ctx.out.print(verdictLine(exitCode, chains !== null));
  return exitCode;
}

type Chains = Awaited<ReturnType<typeof import('../../ledger/certificate.js').verifyCertificateAgainstChains>>;

/** The exit code: a failed check first, then an unreachable node, then the document's status on the nodes. */
function exitCodeOf(offlineValid: boolean, chains: Chains | null): ExitCode {
  if (!offlineValid) return EXIT.NOT_OK;
  if (chains === null) return EXIT.OK;
  const reachable = chains.endpoints.filter((endpoint) => endpoint.reachable);
  if (chains.agreement.disagreeing.length > 0 || reachable.some((endpoint) => !endpoint.matchesCertificate)) {
    return EXIT.NOT_OK;
  }
  if (reachable.length < chains.endpoints.length) return EXIT.ERROR;
  const verdict = reachable[0]?.verdict;
  if (verdict === 'revoked') return EXIT.REVOKED;
  if (verdict === 'superseded') return EXIT.SUPERSEDED;
  return EXIT.OK;
}

function verdictLine(exitCode: ExitCode, checkedChains: boolean): string {
  switch (exitCode) {
    case EXIT.OK:
      return checkedChains
        ? 'The certificate checks, and the document is current on every node.'
        : 'The certificate checks offline (add --rpc <node> to check it against the chain).';
    case EXIT.SUPERSEDED:
      return 'The certificate checks, but the document has been SUPERSEDED by a later version.';
    case EXIT.REVOKED:
      return 'The certificate checks, but the document has been REVOKED.';
    case EXIT.ERROR:
      return 'The certificate checks on the nodes that answered, but not every node could be reached.';
    default:
      return 'The certificate does NOT check.';
  }
}
