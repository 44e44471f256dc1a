/**
 * The reinsurer's dashboard: its treaties and their terms; exposure, ceded premium and losses over time; the cession
 * statement with its CSV and JSON files; and the verdict of the independent re-derivation of that statement from the
 * chain. Everything shown is what the API answers; the page computes nothing of its own.
 */
import { get } from '../lib/api.js';
import { append, h, liveRegion } from '../lib/dom.js';
import { startPage } from '../lib/layout.js';
import { auditSection } from '../reinsurer/audit-view.js';
import { showHistory } from '../reinsurer/history.js';
import { loadStatementFiles } from '../reinsurer/statement-source.js';
import { statementSection } from '../reinsurer/statement-view.js';
import { treatyCard } from '../reinsurer/terms.js';
import type { TreatySummary } from '../reinsurer/types.js';
import '../reinsurer/reinsurer.css';

void startPage({
  roles: ['REINSURER'],
  async render({ main, me }) {
    const loading = liveRegion({ class: 'status' });
    loading.textContent = 'Reading your treaties…';
    append(main, loading);
    const { items } = await get<{ items: TreatySummary[] }>('/v1/treaties');
    const own = items.filter((treaty) => treaty.reinsurer === me?.account);
    append(
      main,
      h(
        'section',
        { class: 'panel', 'aria-labelledby': 'treaties-title' },
        h('h2', { id: 'treaties-title' }, 'Your treaties'),
        own.length === 0
          ? h('p', { class: 'hint' }, 'No treaty names you as its reinsurer.')
          : h('div', { class: 'cards' }, own.map(treatyCard)),
      ),
    );
    const treaty = own[0];
    if (treaty === undefined) {
      loading.textContent = '';
      return;
    }
    loading.textContent = 'Reading the cession statement…';
    const files = await loadStatementFiles(treaty.address);
    await showHistory(main, treaty.address, files.signed.statement.events);
    append(main, statementSection(files), auditSection(files.signed));
    loading.textContent = '';
  },
});
