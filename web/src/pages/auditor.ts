/**
 * The auditor's view of the ledger, read-only: documents, policies, and the oracle feeds with their reports, as the
 * API answers an auditor — without personal data (the API leaves it out or masks it; this page adds none).
 */
import { append } from '../lib/dom.js';
import { startPage } from '../lib/layout.js';
import { listingSection } from '../auditor/listing.js';
import {
  DOCUMENT_COLUMNS,
  FEED_COLUMNS,
  feedReports,
  POLICY_COLUMNS,
  type DocumentItem,
  type FeedItem,
  type PolicyItem,
} from '../auditor/views.js';
import '../auditor/auditor.css';

void startPage({
  roles: ['AUDITOR'],
  render({ main }) {
    append(
      main,
      listingSection<DocumentItem>({
        id: 'documents',
        title: 'Documents',
        intro: 'Every document anchored on the ledger: its hash, type, state, registrant, anchor and co-signatures.',
        path: '/v1/documents',
        paged: true,
        columns: DOCUMENT_COLUMNS,
        empty: 'No document is anchored yet.',
      }),
      listingSection<PolicyItem>({
        id: 'policies',
        title: 'Policies',
        intro: 'Every policy of the pool, its insured risk and money; holders are masked.',
        path: '/v1/policies',
        paged: true,
        columns: POLICY_COLUMNS,
        empty: 'No policy is issued yet.',
      }),
      listingSection<FeedItem>({
        id: 'feeds',
        title: 'Oracle feeds',
        intro: 'Every feed the oracle hub registered, its outcome and each oracle’s report.',
        path: '/v1/feeds',
        paged: false,
        columns: FEED_COLUMNS,
        details: feedReports,
        empty: 'No feed is registered yet.',
      }),
    );
  },
});
