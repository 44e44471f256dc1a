/**
 * `policyledger timeline <policy>`: a policy's claim, step by step (`GET /v1/policies/{id}/timeline`): issued, cover
 * active, data awaited, oracle reports, outcome final, then paid and ceded (or expired, refunded, cancelled…), each
 * with its time and transaction. `--follow` keeps watching: on each event of the caller's stream (`GET /v1/events`)
 * the timeline is read again and the steps that changed are printed, until nothing is left pending.
 */
import { Command, InvalidArgumentError } from 'commander';
import type { ApiClient } from '../api-client.js';
import { contextOf, type CliContext } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { POLICY_ID_PATTERN } from '../names.js';
import { followEvents } from '../sse.js';

interface TimelineStep {
  step: string;
  state: 'done' | 'current' | 'pending' | 'skipped';
  at: string | null;
  transactionHash: string | null;
  reason?: string;
  evidence: Record<string, unknown>;
}

interface Timeline {
  policy: string;
  status: string;
  asOf: string | null;
  steps: TimelineStep[];
}

interface TimelineOptions {
  follow?: boolean;
}

/** Pause after an event before reading the timeline, so that a burst of events (one block) costs one read. */
const SETTLE_MS = 150;

function policyId(value: string): string {
  if (!POLICY_ID_PATTERN.test(value)) throw new InvalidArgumentError('a policy id such as flight-3 or weather-4');
  return value;
}

export function timelineCommand(): Command {
  return new Command('timeline')
    .summary("a policy's claim, step by step")
    .description(
      "Shows a policy's claim step by step (GET /v1/policies/{id}/timeline), each step done, current, pending or\n" +
        'skipped with its time and transaction: issued, cover-active, data-awaited, oracle-reports, outcome-final, ' +
        'then paid and ceded — or expired, refunded, cancelled, voided, endorsed, parked — or a pending settlement. ' +
        'With --follow, watches the event stream and prints each change until nothing is pending (Ctrl-C stops).',
    )
    .argument('<policy>', 'the policy id (flight-<n> or weather-<n>, from policyledger policies)', policyId)
    .option('-f, --follow', 'keep watching and print each step as it changes (with --json: one JSON line per change)')
    .addHelpText(
      'after',
      `
Examples:
  $ policyledger timeline flight-3 --as client
  $ policyledger timeline weather-4 --as insurer --follow`,
    )
    .action(async (policy: string, options: TimelineOptions, command: Command) => {
      process.exitCode = await runTimeline(contextOf(command), policy, options);
    });
}

const time = (at: string | null) => (at === null ? '' : `${at.slice(0, 19).replace('T', ' ')} UTC`);

/** An evidence value as text: amounts and counts come as strings or numbers. */
function text(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : JSON.stringify(value);
}

/** The evidence of a step that a person wants to see at a glance. */
function evidenceText(step: TimelineStep): string {
  const evidence = step.evidence;
  const feeds = Array.isArray(evidence.feeds) ? (evidence.feeds as Record<string, unknown>[]) : [];
  switch (step.step) {
    case 'oracle-reports':
      return feeds.map((feed) => `${text(feed.received)} of ${text(feed.required)} reports`).join(', ');
    case 'outcome-final':
      return feeds
        .map((feed) => feed.outcome as { status?: string; value?: string } | null)
        .filter((outcome) => outcome != null)
        .map((outcome) => `${outcome.status ?? '?'} ${outcome.value ?? ''}`.trim())
        .join(', ');
    case 'paid':
    case 'credited':
      return `amount ${text(evidence.amount)}`;
    case 'ceded':
      return evidence.gross === undefined
        ? ''
        : `gross ${text(evidence.gross)}, quota share ${text(evidence.quotaShare)}, excess of loss ` +
            `${text(evidence.excessOfLoss)}, net ${text(evidence.net)}`;
    case 'refunded':
    case 'cancelled':
    case 'voided':
      return `refund ${text(evidence.refund)}`;
    case 'settlement':
      return `up to ${text(evidence.maxPayout)}`;
    default:
      return '';
  }
}

function stepLine(step: TimelineStep): string {
  const facts = [time(step.at), evidenceText(step), step.reason ?? '', step.transactionHash ?? ''].filter(
    (fact) => fact !== '',
  );
  return `  ${step.state.padEnd(9)}${step.step.padEnd(16)}${facts.join(' · ')}`.trimEnd();
}

function read(api: ApiClient, policy: string): Promise<Timeline> {
  return api.get<Timeline>(`/v1/policies/${policy}/timeline`);
}

const open = (timeline: Timeline) =>
  timeline.steps.some((step) => step.state === 'pending' || step.state === 'current');
const key = (step: TimelineStep) =>
  `${step.step}|${step.state}|${step.at}|${step.transactionHash}|${evidenceText(step)}`;

function printWhole(ctx: CliContext, timeline: Timeline): void {
  ctx.out.print(
    `${timeline.policy}: ${timeline.status}${timeline.asOf === null ? '' : `, as of ${time(timeline.asOf)}`}`,
  );
  for (const step of timeline.steps) ctx.out.print(stepLine(step));
}

async function follow(ctx: CliContext, api: ApiClient, policy: string): Promise<void> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  let shown = new Set<string>();
  let last: Timeline | undefined;
  const refresh = async () => {
    const timeline = await read(api, policy);
    if (last === undefined) {
      if (ctx.out.json) ctx.out.stdout.write(`${JSON.stringify(timeline)}\n`);
      else printWhole(ctx, timeline);
    } else {
      const changed = timeline.steps.filter((step) => !shown.has(key(step)));
      if (changed.length > 0 || timeline.status !== last.status) {
        if (ctx.out.json) ctx.out.stdout.write(`${JSON.stringify(timeline)}\n`);
        else {
          if (timeline.status !== last.status) ctx.out.print(`${timeline.policy}: ${timeline.status}`);
          for (const step of changed) ctx.out.print(stepLine(step));
        }
      }
    }
    shown = new Set(timeline.steps.map(key));
    last = timeline;
    if (!open(timeline)) controller.abort();
  };
  try {
    await followEvents(api, controller.signal, {
      onOpen: refresh,
      // Any event the caller may see can move the policy (a report on its feed, a payout…): read it again.
      onEvent: async () => {
        await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
        await refresh();
      },
    });
  } finally {
    process.off('SIGINT', stop);
  }
  if (!ctx.out.json && last !== undefined && !open(last)) ctx.out.print('nothing left pending.');
}

export async function runTimeline(ctx: CliContext, policy: string, options: TimelineOptions): Promise<ExitCode> {
  const api = ctx.api();
  if (options.follow === true) {
    await follow(ctx, api, policy);
    return EXIT.OK;
  }
  const timeline = await read(api, policy);
  if (ctx.out.json) ctx.out.document(timeline);
  else printWhole(ctx, timeline);
  return EXIT.OK;
}
