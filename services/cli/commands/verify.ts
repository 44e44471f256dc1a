/**
 * `policyledger verify <file|hash>`: the verification report of a document, from the API (`GET /v1/verify/{hash}`,
 * public: the file never leaves this machine, only its hash) or, with `--rpc`, from a chain node through the ledger
 * layer. The exit code carries the verdict, so that a script needs no parsing.
 */
import { Command } from 'commander';
import { contextOf, type CliContext } from '../context.js';
import { documentOf, type HashedFile } from '../document-input.js';
import { UsageError } from '../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { stepLines, type Step } from '../output.js';
import { httpUrl } from './parsers.js';

interface VerifyOptions {
  rpc?: string;
  deployment?: string;
  proof?: string;
  merkleRoot?: string;
}

type Verdict = 'anchored-current' | 'superseded' | 'revoked' | 'unknown';

interface Report {
  documentHash: string;
  verdict: Verdict;
  checkedAt: string;
  chainId: string;
  asOfBlock?: number;
  contracts: { evidenceRegistry: string; consortiumAccess: string };
  steps: Step[];
}

const VERDICT_EXIT: Record<Verdict, ExitCode> = {
  'anchored-current': EXIT.OK,
  superseded: EXIT.SUPERSEDED,
  revoked: EXIT.REVOKED,
  unknown: EXIT.UNKNOWN,
};

const VERDICT_WORDS: Record<Verdict, string> = {
  'anchored-current': 'ANCHORED and CURRENT',
  superseded: 'SUPERSEDED by a later version',
  revoked: 'REVOKED by its registrant',
  unknown: 'UNKNOWN: this chain has no anchor of it',
};

const HASH = /^0x[0-9a-fA-F]{64}$/;

export function verifyCommand(): Command {
  return new Command('verify')
    .summary('check whether a document is anchored, current, superseded or revoked')
    .description(
      'Verifies a document by its file (hashed here with SHA-256; the file is never sent) or by its hash. Asks the ' +
        "API's public verification (no key needed), or with --rpc a chain node directly through the ledger layer,\n" +
        'reading the contracts named by the deployment record. Prints each check and the verdict.',
    )
    .argument('<file|hash>', 'the document, or its 0x SHA-256 hash')
    .option(
      '--rpc <url>',
      "verify against this chain node instead of the API (e.g. a consortium member's own node)",
      httpUrl,
    )
    .option('--deployment <file>', 'the deployment record for --rpc (default: <data-dir>/deployments/<chainId>.json)')
    .option('--proof <hashes>', 'a Merkle batch proof to check: comma-separated 0x hashes (the API knows its own)')
    .option('--merkle-root <hash>', 'the batch root the proof should lead to')
    .addHelpText(
      'after',
      `
Exit codes: 0 anchored and current, 3 superseded, 4 revoked, 5 unknown, 1 error, 2 usage error.

Examples:
  $ policyledger verify policy.pdf
  $ policyledger verify 0x3f5a…c1d2 --json
  $ policyledger verify policy.pdf --rpc http://127.0.0.1:8545
  $ policyledger verify policy.pdf || echo "not current (exit $?)"`,
    )
    .action(async (document: string, options: VerifyOptions, command: Command) => {
      process.exitCode = await runVerify(contextOf(command), document, options);
    });
}

function batchProofOf(options: VerifyOptions): { proof: string[]; merkleRoot?: string } | null {
  if (options.proof === undefined) {
    if (options.merkleRoot !== undefined) throw new UsageError('--merkle-root goes with --proof');
    return null;
  }
  const proof = options.proof.split(',').map((node) => node.trim());
  for (const node of proof) if (!HASH.test(node)) throw new UsageError(`--proof: "${node}" is not a 0x 32-byte hash`);
  if (options.merkleRoot !== undefined && !HASH.test(options.merkleRoot)) {
    throw new UsageError(`--merkle-root: "${options.merkleRoot}" is not a 0x 32-byte hash`);
  }
  return {
    proof: proof.map((node) => node.toLowerCase()),
    ...(options.merkleRoot === undefined ? {} : { merkleRoot: options.merkleRoot.toLowerCase() }),
  };
}

async function reportFromApi(
  ctx: CliContext,
  documentHash: string,
  hashed: HashedFile | null,
  batchProof: ReturnType<typeof batchProofOf>,
): Promise<{ report: Report; source: Record<string, unknown> }> {
  const api = ctx.api();
  const report = await api.get<Report>(`/v1/verify/${documentHash}`, {
    query: { proof: batchProof?.proof.join(','), merkleRoot: batchProof?.merkleRoot },
  });
  if (hashed !== null) {
    // The API was given the hash only; the bytes were hashed here, which is what the report should say.
    report.steps = report.steps.map((step) =>
      step.code === 'HASH_COMPUTED'
        ? {
            ...step,
            status: 'passed',
            details: { algorithm: 'SHA-256', documentHash, size: hashed.size, file: hashed.file, by: 'policyledger' },
          }
        : step,
    );
  }
  return { report, source: { kind: 'api', url: api.baseUrl } };
}

async function reportFromChain(
  ctx: CliContext,
  rpcUrl: string,
  documentHash: string,
  hashed: HashedFile | null,
  batchProof: ReturnType<typeof batchProofOf>,
  deploymentFile: string | undefined,
): Promise<{ report: Report; source: Record<string, unknown> }> {
  // The ledger layer (ethers, the contract types) is loaded only by the commands that read a chain.
  const [{ connectChain }, { buildVerificationReport, evidenceFromChain }] = await Promise.all([
    import('../chain.js'),
    import('../../ledger/verification.js'),
  ]);
  const chain = await connectChain(rpcUrl, { deploymentFile, dataDir: ctx.dataDir });
  try {
    const evidence = await evidenceFromChain(chain.client, documentHash, { batchProof });
    const report = buildVerificationReport(evidence, hashed === null ? {} : { hashedBytes: { size: hashed.size } });
    const latest = await chain.client.provider.getBlockNumber();
    return {
      report: { ...report, asOfBlock: latest },
      source: { kind: 'chain', rpcUrl, deploymentFile: chain.deploymentFile },
    };
  } finally {
    chain.close();
  }
}

export async function runVerify(ctx: CliContext, value: string, options: VerifyOptions): Promise<ExitCode> {
  if (options.deployment !== undefined && options.rpc === undefined) {
    throw new UsageError('--deployment goes with --rpc');
  }
  const batchProof = batchProofOf(options);
  const { documentHash, hashed } = await documentOf(value);
  const { report, source } =
    options.rpc === undefined
      ? await reportFromApi(ctx, documentHash, hashed, batchProof)
      : await reportFromChain(ctx, options.rpc, documentHash, hashed, batchProof, options.deployment);

  if (ctx.out.json) {
    ctx.out.document({ ...report, file: hashed?.file ?? null, source });
  } else {
    const where =
      source.kind === 'api' ? `the API at ${String(source.url)}` : `the chain node ${String(source.rpcUrl)}`;
    ctx.out.print(`${documentHash}${hashed === null ? '' : ` (${hashed.file})`}: ${VERDICT_WORDS[report.verdict]}`);
    ctx.out.print(`checked against ${where}, chain ${report.chainId}, block ${report.asOfBlock ?? '?'}`);
    for (const line of stepLines(report.steps)) ctx.out.print(line);
    if (report.verdict === 'unknown' && source.kind === 'chain' && batchProof === null) {
      ctx.out.print(
        'a document anchored in a Merkle batch is found on the chain only with its proof: --proof (from its ' +
          'certificate, or verify through the API, which knows the proofs of its batches)',
      );
    }
  }
  return VERDICT_EXIT[report.verdict];
}
