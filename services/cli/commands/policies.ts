/**
 * `policyledger policies`: the policies the caller may read (`GET /v1/policies`: a client its own, the insurer its
 * book, the reinsurer what was ceded to it, an auditor all), one line each, paged by the API's cursor.
 */
import { Command, Option } from 'commander';
import { contextOf, type CliContext } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { POLICY_STATUSES, PRODUCT_KINDS } from '../names.js';
import { table } from '../output.js';
import { positiveInteger } from './parsers.js';

interface PoliciesOptions {
  product?: string;
  status?: string;
  holder?: string;
  limit: number;
  all?: boolean;
  cursor?: string;
}

/** The fields of `GET /v1/policies` items the listing shows (`--json` gives them whole). */
export interface PolicyView {
  id: string;
  status: string;
  holder: string;
  premium: string;
  maxPayout: string;
  payout: string | null;
  refund: string | null;
  cover: { start: string | null; end: string | null };
  insured:
    | { kind: 'flight'; carrier: string; flightNumber: string; departureDate: number }
    | { kind: 'weather'; latitudeE4: number; longitudeE4: number; metric: string; firstDate: number; lastDate: number }
    | null;
}

interface PolicyList {
  items: PolicyView[];
  nextCursor: string | null;
}

/** yyyymmdd as yyyy-mm-dd. */
function day(value: number): string {
  const text = String(value);
  return `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)}`;
}

/** What a policy insures, in a few words: `BA117 on 2026-12-03`, `PrecipitationSum at 48.1372,11.5756, …`. */
export function insuredText(policy: PolicyView): string {
  const insured = policy.insured;
  if (insured === null) return '';
  if (insured.kind === 'flight') return `${insured.carrier}${insured.flightNumber} on ${day(insured.departureDate)}`;
  const place = `${(insured.latitudeE4 / 1e4).toFixed(4)},${(insured.longitudeE4 / 1e4).toFixed(4)}`;
  return `${insured.metric} at ${place}, ${day(insured.firstDate)}–${day(insured.lastDate)}`;
}

const dateOf = (time: string | null) => (time === null ? '?' : time.slice(0, 16).replace('T', ' '));

export function policiesCommand(): Command {
  return new Command('policies')
    .summary('list the policies you may read')
    .description(
      'Lists the policies the caller may read (GET /v1/policies): a client the policies it holds, an insurer its ' +
        "book, a reinsurer those ceded to it, an auditor every policy. Amounts are in the stablecoin's base units.",
    )
    .addOption(new Option('--product <kind>', 'only this product').choices(PRODUCT_KINDS))
    .addOption(new Option('--status <status>', 'only policies in this status').choices(POLICY_STATUSES.slice(1)))
    .option('--holder <party>', 'only policies of this holder: address or local party name')
    .option('--limit <n>', 'policies per page (at most 100)', positiveInteger, 25)
    .option('--all', 'follow the pages to the end')
    .option('--cursor <cursor>', 'start at this page (nextCursor of an earlier listing)')
    .addHelpText(
      'after',
      `
Examples:
  $ policyledger policies --as client
  $ policyledger policies --as insurer --product flight --status Paid --all
  $ policyledger policies --as auditor --json | jq '.items[].id'`,
    )
    .action(async (options: PoliciesOptions, command: Command) => {
      process.exitCode = await runPolicies(contextOf(command), options);
    });
}

export async function runPolicies(ctx: CliContext, options: PoliciesOptions): Promise<ExitCode> {
  const api = ctx.api();
  const items: PolicyView[] = [];
  let cursor = options.cursor;
  let nextCursor: string | null;
  do {
    const page = await api.get<PolicyList>('/v1/policies', {
      query: {
        product: options.product,
        status: options.status,
        holder: options.holder === undefined ? undefined : ctx.party(options.holder),
        limit: options.limit,
        cursor,
      },
    });
    items.push(...page.items);
    nextCursor = page.nextCursor;
    cursor = nextCursor ?? undefined;
  } while (options.all === true && nextCursor !== null);

  if (ctx.out.json) {
    ctx.out.document({ items, nextCursor });
    return EXIT.OK;
  }
  if (items.length === 0) {
    ctx.out.print('no policies you may read match');
    return EXIT.OK;
  }
  const rows = items.map((policy) => [
    policy.id,
    policy.status,
    insuredText(policy),
    policy.premium,
    policy.maxPayout,
    policy.payout ?? '',
    `${dateOf(policy.cover.start)} → ${dateOf(policy.cover.end)}`,
  ]);
  for (const line of table([
    ['policy', 'status', 'insures', 'premium', 'max payout', 'payout', 'cover (UTC)'],
    ...rows,
  ])) {
    ctx.out.print(line);
  }
  if (nextCursor !== null) ctx.out.print(`more: policyledger policies --cursor ${nextCursor} (or --all)`);
  return EXIT.OK;
}
