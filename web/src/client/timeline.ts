/**
 * One claim's timeline as the client follows it: issued → cover active → data awaited → oracle reports (k of n, each
 * oracle's value, payload hash and transaction, as they arrive) → outcome final → paid (amount, transaction) → ceded,
 * or how it ended otherwise and why. Read from `GET /v1/policies/{id}/timeline` and read again whenever the ledger
 * does something about the policy or its feed; each step carries `data-step` and `data-state`.
 */
import { get } from '../lib/api.js';
import { append, h, replace } from '../lib/dom.js';
import { formatTime, shortHex } from '../lib/format.js';
import type { LedgerEvent, OracleReport, PolicyView, Timeline, TimelineStep } from './types.js';
import { dateOf, money, observationInWords } from './words.js';

const TITLES: Record<string, string> = {
  issued: 'Issued',
  'cover-active': 'Cover active',
  'data-awaited': 'Data awaited',
  'oracle-reports': 'Oracle reports',
  'outcome-final': 'Outcome final',
  paid: 'Paid',
  credited: 'Credited (to claim)',
  ceded: 'Ceded to the reinsurer',
  expired: 'Expired without payout',
  refunded: 'Premium refunded',
  cancelled: 'Cancelled',
  voided: 'Voided',
  endorsed: 'Endorsed',
  parked: 'Parked',
  settlement: 'Settlement',
};

const STATE_BADGES: Record<TimelineStep['state'], { text: string; tone: string }> = {
  done: { text: 'done', tone: 'ok' },
  current: { text: 'under way', tone: 'warn' },
  pending: { text: 'to come', tone: 'muted' },
  skipped: { text: 'will not happen', tone: 'muted' },
};

const STEP_CLASSES: Record<TimelineStep['state'], string> = {
  done: 'ok',
  current: 'pending',
  pending: '',
  skipped: '',
};

/** What a policy insures, in a few words: the flight and its day, or the place. */
export function insuredInWords(policy: PolicyView): string {
  const insured = policy.insured;
  if (insured === null) return policy.product === 'flight' ? 'a flight' : 'the weather';
  if (insured.kind === 'flight') {
    return `flight ${insured.carrier}${insured.flightNumber} on ${dateOf(insured.departureDate)}`;
  }
  return insured.stationId !== ''
    ? `${insured.metric} at station ${insured.stationId}`
    : `${insured.metric} at ${(insured.latitudeE4 / 10_000).toFixed(4)}, ${(insured.longitudeE4 / 10_000).toFixed(4)}`;
}

const transaction = (hash: string | null) =>
  hash === null ? null : h('span', {}, 'transaction ', h('code', { class: 'tx', title: hash }, shortHex(hash, 12, 6)));

interface FeedReports {
  feedId: string;
  received: number;
  required: number | null;
  reports: OracleReport[];
}

function reportsTable(feed: FeedReports, product: PolicyView['product']): HTMLElement {
  // Focusable and named: at a phone's width the table scrolls sideways, and a keyboard must reach it.
  return h(
    'div',
    {
      class: 'table-wrap',
      role: 'region',
      tabindex: 0,
      'aria-label': `Oracle reports on feed ${shortHex(feed.feedId)}`,
    },
    h(
      'table',
      { class: 'oracle-reports' },
      h('caption', {}, `${feed.received} of ${feed.required ?? '?'} reports needed`),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Oracle', 'Observation', 'Payload hash', 'Transaction'].map((label) => h('th', { scope: 'col' }, label)),
        ),
      ),
      h(
        'tbody',
        {},
        feed.reports.map((report) =>
          h(
            'tr',
            {},
            h('td', {}, h('code', { title: report.oracle }, shortHex(report.oracle, 8, 4))),
            h('td', {}, observationInWords(report.status, report.value, product)),
            h('td', {}, h('code', { title: report.payloadHash }, shortHex(report.payloadHash, 10, 4))),
            h(
              'td',
              {},
              h('code', { class: 'tx', title: report.transactionHash }, shortHex(report.transactionHash, 10, 4)),
            ),
          ),
        ),
      ),
    ),
  );
}

/** The facts of a step, in words. */
function details(step: TimelineStep, policy: PolicyView): (Node | string | null)[] {
  const evidence = step.evidence;
  switch (step.step) {
    case 'issued':
      return [`Premium ${money(String(evidence.premium))}; pays at most ${money(String(evidence.maxPayout))}.`];
    case 'cover-active': {
      const { coverStart, coverEnd } = evidence as { coverStart: string | null; coverEnd: string | null };
      if (coverStart === null || coverEnd === null) return [];
      return [`Cover from ${formatTime(coverStart)} to ${formatTime(coverEnd)}.`];
    }
    case 'data-awaited': {
      const feeds = (evidence.feeds ?? []) as { awaitedFrom: string | null; dataDeadline: string | null }[];
      const first = feeds[0];
      if (first === undefined) return [];
      return [
        `The outcome can be observed from ${first.awaitedFrom === null ? '—' : formatTime(first.awaitedFrom)}` +
          `${first.dataDeadline === null ? '' : `; the oracles have until ${formatTime(first.dataDeadline)}`}.`,
      ];
    }
    case 'oracle-reports':
      return ((evidence.feeds ?? []) as FeedReports[]).map((feed) =>
        feed.reports.length === 0
          ? h('p', { class: 'reports-count' }, `0 of ${feed.required ?? '?'} reports needed so far.`)
          : reportsTable(feed, policy.product),
      );
    case 'outcome-final': {
      const feeds = (evidence.feeds ?? []) as { outcome: { status: string; value: string } | null }[];
      const outcomes = feeds.flatMap((feed) => (feed.outcome === null ? [] : [feed.outcome]));
      return outcomes.map((outcome) => `Final: ${observationInWords(outcome.status, outcome.value, policy.product)}.`);
    }
    case 'paid':
      return [
        h(
          'p',
          {},
          h('span', { class: 'payout' }, `${money(String(evidence.amount))} paid to you`),
          evidence.delivered === false ? ' — the transfer failed: the amount is held as a credit to claim.' : '.',
        ),
      ];
    case 'credited':
      return [`${money(String(evidence.amount))} to claim (see Credits).`];
    case 'ceded':
      return step.state === 'done'
        ? [
            `Quota share ${money(String(evidence.quotaShare))}, excess of loss ${money(String(evidence.excessOfLoss))} ` +
              'taken by the reinsurer (your payout does not depend on it).',
          ]
        : [];
    default:
      return [];
  }
}

function stepItem(step: TimelineStep, policy: PolicyView): HTMLLIElement {
  const badge = STATE_BADGES[step.state];
  return h(
    'li',
    { class: STEP_CLASSES[step.state] || null, 'data-step': step.step, 'data-state': step.state },
    h('strong', {}, TITLES[step.step] ?? step.step),
    ' ',
    h('span', { class: `badge ${badge.tone}` }, badge.text),
    step.at === null ? null : h('span', { class: 'when' }, ` ${formatTime(step.at)}`),
    h(
      'div',
      { class: 'step-facts' },
      step.reason === undefined ? null : h('p', {}, step.reason),
      ...details(step, policy).map((fact) => (typeof fact === 'string' ? h('p', {}, fact) : fact)),
      step.transactionHash === null ? null : h('p', {}, transaction(step.transactionHash)),
    ),
  );
}

export interface ClaimTimeline {
  element: HTMLElement;
  /** The policy this timeline follows (kept current by `update`). */
  policy: PolicyView;
  update(policy: PolicyView): void;
  /** Whether `event` is about this policy or its feeds. */
  concerns(event: LedgerEvent): boolean;
  /** Reads the timeline again and redraws it. */
  refresh: () => Promise<void>;
}

export function claimTimeline(initial: PolicyView): ClaimTimeline {
  const titleId = `timeline-title-${initial.id}`;
  const heading = h('h3', { id: titleId });
  const summary = h('p', { class: 'timeline-status', role: 'status', 'aria-live': 'polite' });
  const asOf = h('p', { class: 'hint' });
  const steps = h('ol', { class: 'steps timeline', 'aria-labelledby': titleId });
  const element = h('article', {
    id: `timeline-${initial.id}`,
    class: 'panel claim',
    'data-policy': initial.id,
    'aria-labelledby': titleId,
  });
  append(element, heading, summary, steps, asOf);
  const feedIds = new Set<string>();
  if (initial.feedId !== null) feedIds.add(initial.feedId.toLowerCase());

  const timeline: ClaimTimeline = {
    element,
    policy: initial,
    update(policy) {
      timeline.policy = policy;
      heading.textContent = `${policy.id} · ${insuredInWords(policy)}`;
    },
    concerns(event) {
      return (
        event.about.policyId === timeline.policy.id ||
        (event.about.feedId !== null && feedIds.has(event.about.feedId.toLowerCase()))
      );
    },
    async refresh() {
      const read = await get<Timeline>(`/v1/policies/${encodeURIComponent(timeline.policy.id)}/timeline`);
      for (const step of read.steps) {
        for (const feed of (step.evidence.feeds ?? []) as { feedId?: string }[]) {
          if (typeof feed.feedId === 'string') feedIds.add(feed.feedId.toLowerCase());
        }
      }
      const current = read.steps.filter((step) => step.state === 'done' || step.state === 'current').at(-1);
      summary.textContent =
        `Status ${read.status}` +
        (current === undefined ? '' : `; latest step: ${TITLES[current.step] ?? current.step}`);
      asOf.textContent = read.asOf === null ? '' : `As the ledger stood at ${formatTime(read.asOf)}.`;
      replace(
        steps,
        read.steps.map((step) => stepItem(step, timeline.policy)),
      );
    },
  };
  timeline.update(initial);
  return timeline;
}
