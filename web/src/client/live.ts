/**
 * The ledger, live: one Server-Sent Events stream (`GET /v1/events`) of the event types this page shows, each event
 * handed to the page (which refetches what it concerns) and written to a log the reader can follow. The stream is not
 * filtered by policy: the oracle reports of a policy's flight are about its feed, not the policy, and one stream
 * serves every policy on the page; the API sends a client only the events it may see. On a dropped connection the
 * browser reconnects by itself and resumes after the last event id it received (Last-Event-ID).
 */
import { h } from '../lib/dom.js';
import { formatTime } from '../lib/format.js';
import type { LedgerEvent } from './types.js';

/** What moves a client's proposals, policies, claims, credits and documents. */
export const FOLLOWED_EVENTS = [
  'DocumentAnchored',
  'DocumentCoSigned',
  'TermsCoSigned',
  'DocumentSuperseded',
  'DocumentRevoked',
  'PolicyIssued',
  'PolicyOpened',
  'ObservationReported',
  'ObservationFinalised',
  'FeedDisputed',
  'FeedResolved',
  'FeedExpired',
  'PolicySettled',
  'PaymentCredited',
  'CreditClaimed',
  'PremiumCeded',
  'LossCeded',
  'PremiumRefunded',
  'PolicyCancelled',
  'PolicyEndorsed',
  'PolicyVoided',
  'PolicyParked',
] as const;

const IN_WORDS: Record<string, string> = {
  DocumentAnchored: 'a document was anchored',
  DocumentCoSigned: 'a document was co-signed',
  TermsCoSigned: 'terms were co-signed',
  DocumentSuperseded: 'a document was superseded',
  DocumentRevoked: 'a document was revoked',
  PolicyIssued: 'a policy was issued',
  PolicyOpened: 'the risk pool opened a policy',
  ObservationReported: 'an oracle reported an observation',
  ObservationFinalised: 'an outcome became final',
  FeedDisputed: 'an outcome was disputed',
  FeedResolved: 'a disputed outcome was resolved',
  FeedExpired: 'no outcome came before the data deadline',
  PolicySettled: 'a policy was settled',
  PaymentCredited: 'a payout was credited (its transfer failed)',
  CreditClaimed: 'a credit was claimed',
  PremiumCeded: 'premium was ceded to the reinsurer',
  LossCeded: 'a loss was ceded to the reinsurer',
  PremiumRefunded: 'a premium was refunded',
  PolicyCancelled: 'a policy was cancelled',
  PolicyEndorsed: 'a policy was endorsed',
  PolicyVoided: 'a policy was voided',
  PolicyParked: 'a policy was parked',
};

/** Most entries the log keeps (newest first). */
const LOG_LENGTH = 30;

export interface LiveLedger {
  element: HTMLElement;
  close(): void;
}

/**
 * Opens the stream. `onEvent` is called for each event, in chain order, and answers what on the page it concerns (a
 * policy, a proposal, a document) — or null for an event about none of them (another party's flight, say), which is
 * not logged.
 */
export function followLedger(onEvent: (event: LedgerEvent) => string | null): LiveLedger {
  const state = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' }, 'Connecting to the ledger…');
  const log = h('ol', { class: 'live-log' });
  const element = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'live-title' },
    h('h2', { id: 'live-title' }, 'Live updates'),
    h('p', { class: 'hint' }, 'What the ledger did about your cover, as it happens: the page updates itself.'),
    state,
    h('div', { role: 'log', 'aria-label': 'Ledger events received' }, log),
  );
  const source = new EventSource(`/v1/events?types=${FOLLOWED_EVENTS.join(',')}`);
  source.onopen = () => {
    state.textContent = 'Following the ledger live.';
  };
  source.onerror = () => {
    state.textContent = 'The connection to the ledger dropped: reconnecting…';
  };
  const receive = (message: MessageEvent<string>) => {
    const event = JSON.parse(message.data) as LedgerEvent;
    const subject = onEvent(event);
    if (subject === null) return;
    const entry = h(
      'li',
      { 'data-event': event.type },
      h('span', { class: 'mono' }, `block ${event.blockNumber}`),
      ` ${IN_WORDS[event.type] ?? event.type}`,
      ` (${subject})`,
      ` · ${formatTime(event.blockTime)}`,
    );
    log.prepend(entry);
    while (log.children.length > LOG_LENGTH) log.lastElementChild!.remove();
  };
  for (const type of FOLLOWED_EVENTS) source.addEventListener(type, receive);
  return { element, close: () => source.close() };
}
