/**
 * The reinsurer's dashboard: its treaties and their terms; exposure, ceded premium and losses over time; the cession
 * statement with its CSV and JSON files; and the verdict of the independent re-derivation of that statement from the
 * chain. Everything shown is what the API answers; the page computes nothing of its own.
 */
import { describeError, get } from '../lib/api.js';
import { append, h, liveRegion, replace } from '../lib/dom.js';
import { startPage } from '../lib/layout.js';
import { auditSection } from '../reinsurer/audit-view.js';
import { showHistory } from '../reinsurer/history.js';
import { loadStatementFiles } from '../reinsurer/statement-source.js';
import { statementSection } from '../reinsurer/statement-view.js';
import { treatyCard } from '../reinsurer/terms.js';
import type { TreatySummary } from '../reinsurer/types.js';
import '../reinsurer/reinsurer.css';

/** One treaty's history, statement and re-derivation, into `view` (emptied first). */
async function showTreaty(view: HTMLElement, status: HTMLElement, treaty: string): Promise<void> {
  replace(view);
  status.classList.remove('error');
  status.textContent = 'Reading the cession statement…';
  try {
    const files = await loadStatementFiles(treaty);
    await showHistory(view, treaty, files.signed.statement.events);
    append(view, statementSection(files), auditSection(files.signed));
    status.textContent = '';
  } catch (error) {
    status.classList.add('error');
    status.textContent = `The treaty could not be read: ${describeError(error)}`;
  }
}

/** A choice of treaty when the reinsurer has more than one. */
function treatyChoice(treaties: TreatySummary[], choose: (address: string) => void): HTMLElement {
  const select = h(
    'select',
    { id: 'treaty-choice', onchange: () => choose(select.value) },
    treaties.map((treaty) => h('option', { value: treaty.address }, treaty.address)),
  );
  return h('p', {}, h('label', { for: 'treaty-choice' }, 'Treaty shown below '), select);
}

void startPage({
  roles: ['REINSURER'],
  async render({ main, me }) {
    const status = liveRegion({ class: 'status' });
    status.textContent = 'Reading your treaties…';
    append(main, status);
    const { items } = await get<{ items: TreatySummary[] }>('/v1/treaties');
    const own = items.filter((treaty) => treaty.reinsurer === me?.account);
    const view = h('div', { class: 'treaty-view' });
    append(
      main,
      h(
        'section',
        { class: 'panel', 'aria-labelledby': 'treaties-title' },
        h('h2', { id: 'treaties-title' }, 'Your treaties'),
        own.length === 0
          ? h('p', { class: 'hint' }, 'No treaty names you as its reinsurer.')
          : h('div', { class: 'cards' }, own.map(treatyCard)),
        own.length > 1 ? treatyChoice(own, (address) => void showTreaty(view, status, address)) : null,
      ),
      view,
    );
    if (own[0] === undefined) status.textContent = '';
    else await showTreaty(view, status, own[0].address);
  },
});
