/**
 * `policyledger anchor <files…>`: registers each file through `POST /v1/documents` (streamed, a few in flight), then
 * follows each operation until the chain has it (anchored, alone or under a batch root) or refused it. A document the
 * API already holds counts as registered: its first registration is followed instead.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { ApiClient } from '../api-client.js';
import { contextOf, type CliContext } from '../context.js';
import { fileSize } from '../document-input.js';
import { ApiProblemError, CliError, describeError } from '../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { contentTypeOf, registrationBody } from '../multipart.js';
import { DOCUMENT_TYPES } from '../names.js';
import { AnchorProgress, formatBytes } from '../progress.js';
import { collect, positiveInteger } from './parsers.js';

const RETENTION_CLASSES: Record<string, 1 | 2 | 3> = { life: 1, property: 2, health: 3, '1': 1, '2': 2, '3': 3 };
const POLL_MS = 400;

interface AnchorOptions {
  policyRef: string;
  coverEnds: string;
  type: string;
  retention: 1 | 2 | 3;
  reader?: string[];
  signer?: string[];
  confidential: boolean;
  mode?: 'single' | 'batch';
  wait: boolean;
  timeout: number;
  concurrency: number;
}

export interface OperationView {
  id: string;
  kind: string;
  documentHash: string;
  state: 'queued' | 'sent' | 'anchored' | 'failed';
  transactionHash?: string;
  blockNumber?: number;
  merkleRoot?: string;
  error?: { code: string; message: string };
  href: string;
}

interface DocumentResult {
  file: string;
  size: number;
  documentHash: string | null;
  cid: string | null;
  /** The API held the document already: its first registration is shown. */
  existing: boolean;
  operation: OperationView | null;
  error: Record<string, unknown> | null;
}

function retentionClass(value: string): 1 | 2 | 3 {
  const known = RETENTION_CLASSES[value.toLowerCase()];
  if (known === undefined) throw new InvalidArgumentError('life, property or health (or 1, 2, 3)');
  return known;
}

function isoDate(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(value) || Number.isNaN(Date.parse(value))) {
    throw new InvalidArgumentError('an ISO-8601 date such as 2027-12-31 (or a date-time with its zone)');
  }
  return value;
}

export function anchorCommand(): Command {
  return new Command('anchor')
    .summary('register documents and anchor their hashes on the chain')
    .description(
      'Registers each file with the API (POST /v1/documents) as the calling INSURER or REINSURER: the file is hashed ' +
        '(SHA-256), encrypted for its readers unless --no-confidential, stored on IPFS, and its hash anchored on the ' +
        'chain, alone or under a Merkle batch root. Waits until every document is anchored unless --no-wait.',
    )
    .argument('<files...>', 'the documents to register')
    .requiredOption('-r, --policy-ref <ref>', "the insurer's policy reference (goes on chain: no personal data)")
    .requiredOption('-e, --cover-ends <date>', 'when the cover ends (ISO date): retention counts from it', isoDate)
    .addOption(new Option('-t, --type <type>', 'document type').choices(DOCUMENT_TYPES).default('Policy'))
    .addOption(
      new Option('--retention <class>', 'retention class: life (permanent), property (15 y), health (20 y)')
        .argParser(retentionClass)
        .default(2, 'property'),
    )
    .option('--reader <party>', 'a party that may read the content: address or local party name (repeatable)', collect)
    .option('--signer <party>', 'a party that must co-sign (repeatable; such documents are anchored singly)', collect)
    .option('--no-confidential', 'store the plain bytes on IPFS (default: encrypted, only readers can open it)')
    .addOption(
      new Option('--mode <mode>', 'single: one transaction per document; batch: one Merkle root for many').choices([
        'single',
        'batch',
      ]),
    )
    .option('--no-wait', 'stop once the API has accepted the documents, without waiting for the chain')
    .option('--timeout <seconds>', 'how long to wait for the anchors', positiveInteger, 120)
    .option('--concurrency <n>', 'uploads in flight at once', positiveInteger, 4)
    .addHelpText(
      'after',
      `
The summary gives each document's hash, its operation's state (queued → sent → anchored, or failed with the
contract's error) and its transaction. Exit code 0 when every document is anchored (or, with --no-wait, accepted).

Examples:
  $ policyledger anchor --as insurer -r HM-2026-0042 -e 2027-12-31 policy.pdf schedule.pdf
  $ policyledger anchor --as insurer -r HM-2026-0042 -e 2027-12-31 --mode single --signer client wording.pdf
  $ policyledger anchor --as insurer -r CLAIMS-7 -e 2030-01-01 -t Claim --reader reinsurer claims/*.pdf --json`,
    )
    .action(async (files: string[], options: AnchorOptions, command: Command) => {
      process.exitCode = await runAnchor(contextOf(command), files, options);
    });
}

function metadataOf(ctx: CliContext, options: AnchorOptions): Record<string, unknown> {
  return {
    documentType: options.type,
    policyRef: options.policyRef,
    retentionClass: options.retention,
    coverEndsAt: options.coverEnds,
    readers: (options.reader ?? []).map((reader) => ctx.party(reader)),
    requiredSigners: (options.signer ?? []).map((signer) => ctx.party(signer)),
    confidential: options.confidential,
    ...(options.mode === undefined ? {} : { mode: options.mode }),
  };
}

async function upload(
  api: ApiClient,
  file: string,
  size: number,
  metadata: Record<string, unknown>,
  progress: AnchorProgress,
): Promise<DocumentResult> {
  const result: DocumentResult = {
    file,
    size,
    documentHash: null,
    cid: null,
    existing: false,
    operation: null,
    error: null,
  };
  const sent = createHash('sha256');
  const body = registrationBody(metadata, file, contentTypeOf(file), (chunk) => {
    sent.update(chunk);
    progress.bytesSent(chunk.byteLength);
  });
  try {
    const answer = await api.json<{ documentHash: string; cid: string; operation: OperationView }>(
      'POST',
      '/v1/documents',
      { stream: body },
    );
    const localHash = `0x${sent.digest('hex')}`;
    if (answer.body.documentHash !== localHash) {
      throw new CliError(`the API registered ${answer.body.documentHash} but ${file} hashes to ${localHash}`);
    }
    Object.assign(result, answer.body);
  } catch (error) {
    // An API that cannot be reached fails every file alike: said once, by main, rather than per file.
    if (error instanceof CliError && error.code === 'API_UNREACHABLE') throw error;
    if (error instanceof ApiProblemError && error.problem.code === 'DOCUMENT_EXISTS') {
      result.existing = true;
      result.documentHash = (error.problem.documentHash as string | undefined) ?? null;
      result.operation = (error.problem.operation as OperationView | undefined) ?? null;
    } else {
      result.error = describeError(error).json;
    }
  } finally {
    progress.fileDone();
  }
  return result;
}

/** Runs `task` over `items` with at most `limit` at once, keeping the order of the results. */
async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

const settled = (operation: OperationView | null) =>
  operation === null || operation.state === 'anchored' || operation.state === 'failed';

/** Follows the open operations until each is anchored or failed, or `timeoutMs` has passed. */
async function waitForAnchors(
  api: ApiClient,
  results: DocumentResult[],
  timeoutMs: number,
  progress: AnchorProgress,
): Promise<void> {
  const followed = results.filter((result) => result.operation !== null);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = followed.filter((result) => !settled(result.operation));
    progress.settled(followed.length - open.length, followed.length);
    if (open.length === 0 || Date.now() >= deadline) return;
    await sleep(POLL_MS);
    await mapLimit(open, 8, async (result) => {
      const answer = await api.get<{ operation: OperationView }>(`/v1/operations/${result.operation!.id}`);
      result.operation = answer.operation;
    });
  }
}

function stateLine(result: DocumentResult): string {
  if (result.error !== null) return `refused: ${String(result.error.message)}`;
  const operation = result.operation;
  const existing = result.existing ? 'already registered; ' : '';
  if (operation === null) return `${existing}anchored`;
  if (operation.state === 'failed') {
    return `${existing}failed: ${operation.error?.code ?? 'refused by the chain'} ${operation.error?.message ?? ''}`.trim();
  }
  if (operation.state !== 'anchored') return `${existing}${operation.state} (operation ${operation.id})`;
  const batch = operation.merkleRoot === undefined ? '' : ` under batch root ${operation.merkleRoot}`;
  return `${existing}anchored in block ${operation.blockNumber ?? '?'}${batch}, tx ${operation.transactionHash ?? '?'}`;
}

export async function runAnchor(ctx: CliContext, files: string[], options: AnchorOptions): Promise<ExitCode> {
  const sizes = await Promise.all(files.map((file) => fileSize(file)));
  const metadata = metadataOf(ctx, options);
  const api = ctx.api();
  const progress = new AnchorProgress(
    ctx.out,
    files.length,
    sizes.reduce((sum, size) => sum + size, 0),
  );
  let results: DocumentResult[];
  try {
    results = await mapLimit(
      files.map((file, index) => ({ file, size: sizes[index]! })),
      options.concurrency,
      ({ file, size }) => upload(api, file, size, metadata, progress),
    );
    if (options.wait) await waitForAnchors(api, results, options.timeout * 1000, progress);
  } finally {
    progress.stop();
  }

  const count = (state: string) => results.filter((result) => result.operation?.state === state).length;
  const refused = results.filter((result) => result.error !== null).length;
  const summary = {
    files: results.length,
    bytes: sizes.reduce((sum, size) => sum + size, 0),
    anchored: results.filter(
      (result) => result.error === null && (result.operation?.state ?? 'anchored') === 'anchored',
    ).length,
    pending: count('queued') + count('sent'),
    failed: count('failed') + refused,
    alreadyRegistered: results.filter((result) => result.existing).length,
    waited: options.wait,
  };
  const ok = summary.failed === 0 && (!options.wait || summary.pending === 0);

  if (ctx.out.json) {
    ctx.out.document({ ok, summary, documents: results });
  } else {
    for (const result of results) {
      ctx.out.print(`${result.file} (${formatBytes(result.size)})`);
      if (result.documentHash !== null) ctx.out.print(`  hash   ${result.documentHash}`);
      ctx.out.print(`  state  ${stateLine(result)}`);
    }
    const pending =
      summary.pending === 0
        ? ''
        : options.wait
          ? `, ${summary.pending} not anchored within ${options.timeout} s (they go on: policyledger verify <hash>)`
          : `, ${summary.pending} accepted and on their way (policyledger verify <hash>)`;
    ctx.out.print(
      `${summary.anchored} of ${summary.files} anchored, ${summary.failed} failed${pending}` +
        (summary.alreadyRegistered === 0 ? '' : ` (${summary.alreadyRegistered} already registered)`),
    );
  }
  return ok ? EXIT.OK : EXIT.ERROR;
}
