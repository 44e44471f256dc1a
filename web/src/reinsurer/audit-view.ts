/**
 * The independent re-derivation of the statement from the chain (the check of `npm run audit:treaty`, which the API
 * runs on the statement this page shows), as a verdict with every difference.
 */
import { describeError, post } from '../lib/api.js';
import { h, liveRegion, replace } from '../lib/dom.js';
import { shortHex } from '../lib/format.js';
import type { SignedStatement, TreatyAudit } from './types.js';

function verdict(audit: TreatyAudit): HTMLElement[] {
  const signature =
    audit.signature === null
      ? 'no signature'
      : audit.signature.valid
        ? `signature valid, by ${audit.signature.signer ?? '?'}`
        : 'signature invalid';
  if (audit.verdict === 'matches') {
    return [
      h(
        'p',
        { class: 'verdict' },
        h('span', { class: 'badge ok' }, 'matches'),
        ` The statement matches the chain: ${audit.linesRederived} lines re-derived from the treaty’s logs, every ` +
          `line, event and total equal, every cession as the terms give it; ${signature}.`,
      ),
    ];
  }
  return [
    h(
      'p',
      { class: 'verdict' },
      h('span', { class: 'badge bad' }, 'differs'),
      ` The statement differs from the chain in ${audit.differences.length} places (${signature}).`,
    ),
    h(
      'div',
      { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': 'Differences' },
      h(
        'table',
        { class: 'differences' },
        h('caption', {}, 'Differences, line by line'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Where', 'Kind', 'What differs'].map((name) => h('th', { scope: 'col' }, name)),
          ),
        ),
        h(
          'tbody',
          {},
          audit.differences.map((difference) =>
            h(
              'tr',
              {},
              h('th', { scope: 'row' }, difference.where),
              h('td', {}, difference.kind),
              h('td', {}, difference.message),
            ),
          ),
        ),
      ),
    ),
  ];
}

/** The section, which fills in once the re-derivation answers. */
export function auditSection(signed: SignedStatement): HTMLElement {
  const result = liveRegion({ class: 'status' });
  result.textContent = 'Re-deriving the statement from the chain…';
  const section = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'audit-title' },
    h('h2', { id: 'audit-title' }, 'Re-derivation from the chain'),
    h(
      'p',
      { class: 'hint' },
      `The treaty ${shortHex(signed.statement.treaty)}’s logs are read again, summed and checked against its terms ` +
        'by a separate implementation, and compared with the statement above and its signature.',
    ),
    result,
  );
  post<TreatyAudit>(`/v1/treaties/${signed.statement.treaty}/audit`, signed).then(
    (audit) => replace(result, ...verdict(audit)),
    (error: unknown) => {
      result.classList.add('error');
      result.textContent = `The re-derivation failed: ${describeError(error)}`;
    },
  );
  return section;
}
