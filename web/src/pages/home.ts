/** The home page: what PolicyLedger is and a door to each party's page. */
import { h, append } from '../lib/dom.js';
import { startPage } from '../lib/layout.js';

const DESCRIPTIONS: Record<string, string> = {
  '/verify': 'Check a document you hold against the ledger, without sending it anywhere. No sign-in.',
  '/insurer': 'Anchor documents, sell flight-delay and weather cover, watch the book.',
  '/client': 'Your policies and documents, co-signing, and each claim as it moves to paid.',
  '/reinsurer': 'Treaties, exposure, paid and ceded losses, the cession statement and its re-derivation.',
  '/auditor': "The ledger's documents, policies and oracle reports, read-only.",
  '/operations': 'Dual-control proposals, feeds awaiting data, oracle health.',
};

void startPage({
  render({ main, site }) {
    append(
      main,
      h('p', {}, 'A shared ledger of signed insurance documents and parametric policies that pay out by themselves.'),
      h(
        'ul',
        { class: 'cards', role: 'list' },
        site.pages
          .filter((page) => page.path !== '/')
          .map((page) =>
            h(
              'li',
              { class: 'card' },
              h('h2', {}, h('a', { href: page.path }, page.title)),
              h('p', {}, DESCRIPTIONS[page.path] ?? ''),
            ),
          ),
      ),
    );
  },
});
