/**
 * The documents the client may read (`GET /v1/documents`: those naming it as a reader or required signer), each with
 * its state on the ledger and its co-signatures.
 */
import { get } from '../lib/api.js';
import { h, replace } from '../lib/dom.js';
import { formatTime, shortHex } from '../lib/format.js';
import type { DocumentView } from './types.js';

const STATUS_TONES: Record<string, string> = { current: 'ok', pending: 'warn', superseded: 'warn', revoked: 'bad' };

/** Most documents the page lists. */
const SHOWN = 50;

export interface DocumentsSection {
  element: HTMLElement;
  refresh: () => Promise<void>;
}

function documentRow(document: DocumentView, account: string): HTMLTableRowElement {
  const signed = document.signatures.filter((signature) => signature.state === 'signed').length;
  const yours = document.signatures.find((signature) => signature.signer.toLowerCase() === account.toLowerCase());
  const anchoredAt = document.anchor?.anchoredAt ?? null;
  return h(
    'tr',
    { 'data-document': document.documentHash },
    h(
      'th',
      { scope: 'row' },
      `${document.documentType} ${document.policyRef}`,
      h('br', {}),
      h('code', { title: document.documentHash }, shortHex(document.documentHash)),
    ),
    h('td', {}, h('span', { class: `badge ${STATUS_TONES[document.status] ?? 'muted'}` }, document.status)),
    h(
      'td',
      {},
      document.signatures.length === 0
        ? 'none required'
        : `${signed} of ${document.signatures.length}${yours === undefined ? '' : ` (yours: ${yours.state})`}`,
    ),
    h('td', {}, anchoredAt === null ? 'not yet' : formatTime(anchoredAt)),
    h('td', {}, h('a', { href: `/verify/${document.documentHash}` }, 'Verify')),
  );
}

export function documentsSection(account: string): DocumentsSection {
  const wrap = h('div', { class: 'table-wrap', role: 'region', tabindex: 0, 'aria-label': 'My documents (table)' });
  const element = h(
    'section',
    { 'aria-labelledby': 'documents-title' },
    h('h2', { id: 'documents-title' }, 'My documents'),
    wrap,
  );
  return {
    element,
    async refresh() {
      const { items } = await get<{ items: DocumentView[] }>(`/v1/documents?limit=${SHOWN}`);
      if (items.length === 0) {
        replace(wrap, h('p', { class: 'hint' }, 'No document names you yet.'));
        return;
      }
      replace(
        wrap,
        h(
          'table',
          { class: 'documents' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Document', 'State', 'Co-signatures', 'Anchored (UTC)', 'Check'].map((label) =>
                h('th', { scope: 'col' }, label),
              ),
            ),
          ),
          h(
            'tbody',
            {},
            items.map((document) => documentRow(document, account)),
          ),
        ),
      );
    },
  };
}
