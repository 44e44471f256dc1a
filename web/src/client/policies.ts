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

/** The API's largest page of policies. */
const PAGE = 100;
/** Most policies whose claims the page follows (the newest): a timeline is one more read per event about it. */
const FOLLOWED = 20;

/** Every policy of the client, oldest first (the API's order), page by page. */
async function allPolicies(): Promise<PolicyView[]> {
  const policies: PolicyView[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
    const page: { items: PolicyView[]; nextCursor: string | null } = await get(`/v1/policies?limit=${PAGE}${query}`);
    policies.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return policies;
}

export interface PoliciesSection {
  element: HTMLElement;
  timelines: Map<string, ClaimTimeline>;
  /** Reads the policies again; a policy not shown before gets its timeline (read at once). */
  refresh: () => Promise<void>;
}

function policyRow(policy: PolicyView, followed: boolean): HTMLTableRowElement {
  return h(
    'tr',
    { 'data-policy': policy.id },
    h('th', { scope: 'row' }, followed ? h('a', { href: `#timeline-${policy.id}` }, policy.id) : policy.id),
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
      `Your ${FOLLOWED} newest policies, each step with the ledger’s evidence; the oracle reports and the payout ` +
        'appear here as they happen.',
    ),
    claims,
  );
  const timelines = new Map<string, ClaimTimeline>();
  return {
    element,
    timelines,
    async refresh() {
      const newest = (await allPolicies()).reverse();
      replace(wrap, newest.length === 0 ? empty : table);
      replace(
        body,
        newest.map((policy, index) => policyRow(policy, index < FOLLOWED)),
      );
      const followed = newest.slice(0, FOLLOWED);
      for (const id of timelines.keys()) {
        if (!followed.some((policy) => policy.id === id)) timelines.delete(id);
      }
      const added: Promise<void>[] = [];
      for (const policy of followed) {
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
        followed.length === 0
          ? h('p', { class: 'hint' }, 'No claim to follow.')
          : followed.map((policy) => timelines.get(policy.id)!.element),
      );
      await Promise.all(added);
    },
  };
}
