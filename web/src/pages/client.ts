/**
 * The client page (`/client`, CLIENT parties): proposals awaiting the client's consent, signed in its wallet; its
 * policies and each claim's timeline, kept live by the ledger's event stream (no reload: each event refetches what it
 * concerns); its credits and its documents.
 */
import '../client/client.css';
import { describeError } from '../lib/api.js';
import { append, h } from '../lib/dom.js';
import { startPage } from '../lib/layout.js';
import { creditsSection } from '../client/credits.js';
import { documentsSection } from '../client/documents.js';
import { followLedger } from '../client/live.js';
import { policiesSection } from '../client/policies.js';
import { proposalsSection } from '../client/proposals.js';
import { coalesced } from '../client/refresh.js';
import type { ClaimTimeline } from '../client/timeline.js';
import type { LedgerEvent } from '../client/types.js';

const DOCUMENT_EVENTS = new Set([
  'DocumentAnchored',
  'DocumentCoSigned',
  'TermsCoSigned',
  'DocumentSuperseded',
  'DocumentRevoked',
]);
const CREDIT_EVENTS = new Set(['PaymentCredited', 'CreditClaimed']);

void startPage({
  roles: ['CLIENT'],
  async render({ main, me }) {
    const client = me!;
    const problem = h('p', { class: 'notice error', role: 'alert', hidden: true });
    const fail = (error: unknown) => {
      problem.textContent = `Could not update the page: ${describeError(error)}`;
      problem.hidden = false;
    };

    const policies = policiesSection();
    const credits = creditsSection();
    const documents = documentsSection(client.account);
    const refreshPolicies = coalesced(policies.refresh, fail);
    const refreshDocuments = coalesced(documents.refresh, fail);
    const refreshCredits = coalesced(credits.refresh, fail);
    const proposals = proposalsSection(client, () => {
      refreshPolicies();
      refreshDocuments();
    });
    const refreshProposals = coalesced(proposals.refresh, fail);
    const timelineRefreshes = new WeakMap<ClaimTimeline, () => void>();
    const refreshTimeline = (timeline: ClaimTimeline) => {
      let refresh = timelineRefreshes.get(timeline);
      if (refresh === undefined) {
        refresh = coalesced(timeline.refresh, fail);
        timelineRefreshes.set(timeline, refresh);
      }
      refresh();
    };

    /** Refreshes what `event` concerns; answers it in words for the live log, or null when it concerns nothing here. */
    const onEvent = (event: LedgerEvent): string | null => {
      const subjects: string[] = [];
      for (const timeline of policies.timelines.values()) {
        if (!timeline.concerns(event)) continue;
        refreshTimeline(timeline);
        subjects.push(timeline.policy.id);
      }
      // A policy's own event (oracle events name a feed, not a policy): its state in the list, or a policy new here.
      if (event.about.policyId !== null) refreshPolicies();
      if (DOCUMENT_EVENTS.has(event.type)) {
        // The API sends only events about documents the client may see: a new one may be a proposal to it.
        refreshDocuments();
        refreshProposals();
        if (subjects.length === 0) {
          subjects.push(proposals.shows(event.about.documentHash) ? 'a proposal to you' : 'one of your documents');
        }
      }
      if (CREDIT_EVENTS.has(event.type)) {
        refreshCredits();
        if (subjects.length === 0) subjects.push('your credit');
      }
      if (subjects.length === 0 && event.about.policyId !== null) subjects.push(event.about.policyId);
      return subjects.length === 0 ? null : subjects.join(', ');
    };

    append(
      main,
      h(
        'p',
        { class: 'lead' },
        `Signed in as ${client.party.legalName}. Co-sign proposals in your wallet, follow each claim from the flight or ` +
          'the weather data to the payout, and check your documents.',
      ),
      problem,
      proposals.element,
      policies.element,
      credits.element,
      documents.element,
    );
    // The stream first, so that nothing the ledger does while the sections load is missed.
    const live = followLedger(onEvent);
    append(main, live.element);
    await Promise.all([proposals.refresh(), policies.refresh(), credits.refresh(), documents.refresh()]);
  },
});
