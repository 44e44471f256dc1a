/**
 * The client's policies (`GET /v1/policies`: the API lists a client's own), each with its state, and under them each
 * policy's claim timeline, kept live by the page.
 */
import { get } from '../lib/api.js';
import { h, replace } from '../lib/dom.js';
import { formatTime } from '../lib/format.js';
import { claimTimeline, insuredInWords, type ClaimTimeline } from './timeline.js';
import type { PolicyView } from './types.js';
import { money } from './words.js';

const STATUS_TONES: Record<string, string> = {
  Issued: 'warn',
  Paid: 'ok',
  Expired: 'muted',
  Refunded: 'muted',
  Cancelled: 'muted',
  Voided: 'bad',
  Endorsed: 'muted',
  Parked: 'bad',
};

/** Most policies the page shows (the newest). */
const SHOWN = 100;

export interface PoliciesSection {
  element: HTMLElement;
  timelines: Map<string, ClaimTimeline>;
  /** Reads the policies again; a policy not shown before gets its timeline (read at once). */
  refresh: () => Promise<void>;
}

function policyRow(policy: PolicyView): HTMLTableRowElement {
  return h(
    'tr',
    { 'data-policy': policy.id },
    h('th', { scope: 'row' }, h('a', { href: `#timeline-${policy.id}` }, policy.id)),
    h('td', {}, insuredInWords(policy)),
    h('td', {}, h('span', { class: `badge ${STATUS_TONES[policy.status] ?? 'muted'}` }, policy.status)),
    h('td', { class: 'number' }, money(policy.premium)),
    h('td', { class: 'number' }, money(policy.maxPayout)),
    h('td', { class: 'number' }, policy.payout === null ? '—' : money(policy.payout)),
    h('td', {}, formatTime(policy.issuedAt)),
  );
}

export function policiesSection(): PoliciesSection {
  const body = h('tbody', {});
  const table = h(
    'table',
    { class: 'policies' },
    h('caption', { class: 'hint' }, 'Newest first'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Policy', 'Covers', 'State', 'Premium', 'Pays at most', 'Paid', 'Issued (UTC)'].map((label, index) =>
          h('th', { scope: 'col', class: index >= 3 && index <= 5 ? 'number' : null }, label),
        ),
      ),
    ),
    body,
  );
  const empty = h('p', { class: 'hint' }, 'You hold no policy yet.');
  const wrap = h('div', { class: 'table-wrap', role: 'region', tabindex: 0, 'aria-label': 'My policies (table)' });
  const claims = h('div', { class: 'claims' });
  const element = h(
    'section',
    { 'aria-labelledby': 'policies-title' },
    h('h2', { id: 'policies-title' }, 'My policies'),
    wrap,
    h('h2', { id: 'claims-title' }, 'Claim timelines'),
    h(
      'p',
      { class: 'hint' },
      'Each step with the ledger’s evidence; the oracle reports and the payout appear here as they happen.',
    ),
    claims,
  );
  const timelines = new Map<string, ClaimTimeline>();
  return {
    element,
    timelines,
    async refresh() {
      const { items } = await get<{ items: PolicyView[] }>(`/v1/policies?limit=${SHOWN}`);
      const newest = [...items].reverse();
      replace(wrap, newest.length === 0 ? empty : table);
      replace(body, newest.map(policyRow));
      const added: Promise<void>[] = [];
      for (const policy of newest) {
        const known = timelines.get(policy.id);
        if (known !== undefined) {
          known.update(policy);
          continue;
        }
        const timeline = claimTimeline(policy);
        timelines.set(policy.id, timeline);
        added.push(timeline.refresh());
      }
      replace(
        claims,
        newest.length === 0
          ? h('p', { class: 'hint' }, 'No claim to follow.')
          : newest.map((policy) => timelines.get(policy.id)!.element),
      );
      await Promise.all(added);
    },
  };
}
