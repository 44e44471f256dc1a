/**
 * The insurer console (`/insurer`, INSURER parties): anchor documents (one or a batch, each followed to the chain),
 * sell a policy with its wording and the typed data the client will sign side by side, and read the pool's book.
 */
import '../insurer/insurer.css';
import { bookSection } from '../insurer/book.js';
import { documentsSection } from '../insurer/documents.js';
import { saleSection } from '../insurer/sale.js';
import { append, h } from '../lib/dom.js';
import { startPage } from '../lib/layout.js';

void startPage({
  roles: ['INSURER'],
  async render({ main, site, me }) {
    append(
      main,
      h(
        'nav',
        { 'aria-label': 'Console sections', class: 'console-sections' },
        h(
          'ul',
          {},
          h('li', {}, h('a', { href: '#documents' }, 'Anchor documents')),
          h('li', {}, h('a', { href: '#sell' }, 'Sell a policy')),
          h('li', {}, h('a', { href: '#book' }, 'The book')),
        ),
      ),
      documentsSection(),
      await saleSection(site, me!),
      bookSection(),
    );
  },
});
