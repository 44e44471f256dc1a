/**
 * The auditor's three listings — documents, policies, oracle feeds with their reports — as the API answers them to
 * an auditor: personal data is left out or masked by the API (documents/visibility.ts, policies/read-access.ts), and
 * these tables show only ledger facts besides (no file names, no personal fields).
 */
import { h } from '../lib/dom.js';
import { formatAmount, formatTime, shortHex } from '../lib/format.js';
import type { Column } from './listing.js';

const time = (iso: string | null | undefined) => (iso === null || iso === undefined ? '—' : formatTime(iso));
const hex = (value: string | null | undefined) =>
  value === null || value === undefined ? '—' : h('span', { class: 'mono', title: value }, shortHex(value));

export interface DocumentItem {
  documentHash: string;
  status: string;
  registrant: string;
  documentType: string;
  version: number | null;
  anchor: { mode: string; blockNumber: number | null; anchoredAt: string | null } | null;
  signatures: { signer: string; state: string }[];
  revocation: { reason: string } | null;
}

export const DOCUMENT_COLUMNS: Column<DocumentItem>[] = [
  { header: 'Document', cell: (d) => hex(d.documentHash), rowHeader: true },
  { header: 'Type', cell: (d) => d.documentType },
  { header: 'Status', cell: (d) => (d.revocation === null ? d.status : `${d.status}: ${d.revocation.reason}`) },
  { header: 'Version', cell: (d) => (d.version === null ? '—' : String(d.version)) },
  { header: 'Registrant', cell: (d) => hex(d.registrant) },
  {
    header: 'Anchored',
    cell: (d) =>
      d.anchor === null || d.anchor.blockNumber === null
        ? 'not yet'
        : `${time(d.anchor.anchoredAt)}, block ${d.anchor.blockNumber} (${d.anchor.mode})`,
  },
  {
    header: 'Co-signatures',
    cell: (d) =>
      d.signatures.length === 0
        ? 'none required'
        : `${d.signatures.filter((s) => s.state === 'signed').length} of ${d.signatures.length}`,
  },
];

export interface PolicyItem {
  id: string;
  product: string;
  status: string;
  holder: string;
  holderMasked: boolean;
  premium: string;
  maxPayout: string;
  payout: string | null;
  insured:
    | { kind: 'flight'; carrier: string; flightNumber: string; departureDate: number }
    | { kind: 'weather'; stationId: string; latitudeE4: number; longitudeE4: number; metric: string }
    | null;
  issuedAt: string;
  ceded: boolean;
}

function insured(policy: PolicyItem): string {
  if (policy.insured === null) return '—';
  if (policy.insured.kind === 'flight') {
    const { carrier, flightNumber, departureDate } = policy.insured;
    return `flight ${carrier}${flightNumber} on ${departureDate}`;
  }
  const { stationId, latitudeE4, longitudeE4, metric } = policy.insured;
  const place = stationId === '' ? `${latitudeE4 / 1e4}, ${longitudeE4 / 1e4}` : `station ${stationId}`;
  return `${metric} at ${place}`;
}

export const POLICY_COLUMNS: Column<PolicyItem>[] = [
  { header: 'Policy', cell: (p) => p.id, rowHeader: true },
  { header: 'Status', cell: (p) => p.status },
  { header: 'Insured risk', cell: insured },
  { header: 'Holder', cell: (p) => (p.holderMasked ? h('span', { class: 'mono' }, p.holder) : hex(p.holder)) },
  { header: 'Premium', cell: (p) => formatAmount(p.premium) },
  { header: 'Limit', cell: (p) => formatAmount(p.maxPayout) },
  { header: 'Paid', cell: (p) => (p.payout === null ? '—' : formatAmount(p.payout)) },
  { header: 'Issued', cell: (p) => time(p.issuedAt) },
  { header: 'Ceded', cell: (p) => (p.ceded ? 'yes' : 'no') },
];

export interface FeedItem {
  feedId: string;
  state: string;
  dataDeadline: string | null;
  outcome: { status: string; value: string; at: string | null } | null;
  reports: { oracle: string; status: string; value: string; observedAt: string | null; payloadHash: string }[];
}

export const FEED_COLUMNS: Column<FeedItem>[] = [
  { header: 'Feed', cell: (f) => hex(f.feedId), rowHeader: true },
  { header: 'State', cell: (f) => f.state },
  { header: 'Data deadline', cell: (f) => time(f.dataDeadline) },
  {
    header: 'Outcome',
    cell: (f) => (f.outcome === null ? 'none yet' : `${f.outcome.status} ${f.outcome.value}, ${time(f.outcome.at)}`),
  },
  { header: 'Reports', cell: (f) => String(f.reports.length) },
];

/** A feed's oracle reports, under its row. */
export function feedReports(feed: FeedItem): Node | null {
  if (feed.reports.length === 0) return null;
  return h(
    'details',
    {},
    h('summary', {}, `${feed.reports.length} oracle reports on feed ${shortHex(feed.feedId)}`),
    h(
      'ul',
      { class: 'reports' },
      feed.reports.map((report) =>
        h(
          'li',
          {},
          hex(report.oracle),
          ` reported ${report.status} ${report.value}, observed ${time(report.observedAt)}; payload `,
          hex(report.payloadHash),
        ),
      ),
    ),
  );
}
