/** The verify page (public): a document or a certificate checked in the browser; see `web/src/verify/page.ts`. */
import { startPage } from '../lib/layout.js';
import { verifyPage } from '../verify/page.js';

void startPage({
  render({ main }) {
    verifyPage(main);
  },
});
