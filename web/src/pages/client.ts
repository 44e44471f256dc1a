/** The client page (being built). */
import { append, h } from '../lib/dom.js';
import { startPage } from '../lib/layout.js';

void startPage({
  roles: ['CLIENT'],
  render({ main }) {
    append(main, h('p', {}, 'Coming soon.'));
  },
});
