/** The cession statement: its totals, its lines as a table, and the CSV and JSON files to download. */
import { h } from '../lib/dom.js';
import { formatAmount, formatTime, shortHex } from '../lib/format.js';
import { saveFile } from './download.js';
import type { StatementFiles } from './statement-source.js';
import type { StatementLine } from './types.js';

/** The statement's totals in words, in the order the API lists them. */
const TOTAL_LABELS: Record<string, string> = {
  premiumCeded: 'Premium ceded',
  cedingCommission: 'Ceding commission',
  netPremiumCeded: 'Net premium ceded',
  premiumReturned: 'Premium returned',
  premiumReturnShortfall: 'Premium return shortfall',
  grossLosses: 'Gross losses',
  lossesCededQuotaShare: 'Losses ceded, quota share',
  lossesCededExcessOfLoss: 'Losses ceded, excess of loss',
  lossesRetained: 'Losses retained by the insurer',
  collateralShortfall: 'Collateral shortfall',
  shortfallRepaid: 'Shortfall repaid',
  premiumOffset: 'Premium offset against losses',
  collateralPosted: 'Collateral posted',
  collateralWithdrawn: 'Collateral withdrawn',
  premiumWithdrawn: 'Premium withdrawn',
};

function totalsList(totals: Record<string, string | number>): HTMLElement {
  return h(
    'dl',
    { class: 'facts statement-totals' },
    Object.entries(totals).flatMap(([name, value]) => [
      h('dt', {}, name === 'lines' ? 'Lines' : (TOTAL_LABELS[name] ?? name)),
      h('dd', { class: 'number', 'data-total': name }, name === 'lines' ? String(value) : formatAmount(String(value))),
    ]),
  );
}

function amountsText(line: StatementLine): string {
  return Object.entries(line.amounts)
    .map(([name, value]) => `${name} ${formatAmount(value)}`)
    .join(', ');
}

function linesTable(lines: StatementLine[]): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': 'Statement lines' },
    h(
      'table',
      { class: 'statement-lines' },
      h('caption', {}, `${lines.length} lines, in chain order`),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Line', 'What', 'When', 'Policy', 'Event', 'Amounts', 'Transaction'].map((name) =>
            h('th', { scope: 'col' }, name),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        lines.map((line) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row', class: 'mono' }, line.id),
            h('td', {}, line.kind),
            h('td', {}, formatTime(line.time)),
            h('td', {}, line.policyId ?? '—'),
            h('td', { class: 'mono', title: line.feedId ?? '' }, line.feedId === null ? '—' : shortHex(line.feedId)),
            h('td', {}, amountsText(line)),
            h('td', { class: 'mono', title: line.transactionHash }, shortHex(line.transactionHash)),
          ),
        ),
      ),
    ),
  );
}

export function statementSection(files: StatementFiles): HTMLElement {
  const { statement, signature } = files.signed;
  const base = `treaty-statement-${statement.treaty.toLowerCase()}-block-${statement.period.toBlock}`;
  const status = h('p', { role: 'status', 'aria-live': 'polite', class: 'status' });
  const download = (label: string, fileName: string, type: string, text: string) =>
    h(
      'button',
      {
        type: 'button',
        onclick: () => {
          saveFile(fileName, type, text);
          status.textContent = `${fileName} saved.`;
        },
      },
      label,
    );
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'statement-title' },
    h('h2', { id: 'statement-title' }, 'Cession statement'),
    h(
      'p',
      {},
      `Blocks ${statement.period.fromBlock} to ${statement.period.toBlock}, signed by `,
      h('span', { class: 'mono' }, signature.signer),
      '; statement hash ',
      h('span', { class: 'mono', title: signature.statementHash }, shortHex(signature.statementHash)),
      '.',
    ),
    h('h3', {}, 'Totals'),
    totalsList(statement.totals),
    h(
      'div',
      { class: 'statement-downloads' },
      download('Download CSV', `${base}.csv`, 'text/csv', files.csv),
      download('Download JSON (signed)', `${base}.json`, 'application/json', files.json),
    ),
    status,
    h('h3', {}, 'Lines'),
    statement.lines.length === 0 ? h('p', { class: 'hint' }, 'No line in this period.') : linesTable(statement.lines),
  );
}
