/** A treaty's parties and terms, in words. */
import { h } from '../lib/dom.js';
import { formatAmount } from '../lib/format.js';
import type { TreatySummary } from './types.js';

const percent = (bps: number) => `${(bps / 100).toLocaleString('en', { maximumFractionDigits: 2 })} %`;

function fact(term: string, value: Node | string): HTMLElement[] {
  return [h('dt', {}, term), h('dd', {}, value)];
}

export function treatyCard(treaty: TreatySummary): HTMLElement {
  const { terms } = treaty;
  return h(
    'article',
    { class: 'card treaty-card', 'aria-labelledby': `treaty-${treaty.address}` },
    h(
      'h3',
      { id: `treaty-${treaty.address}` },
      'Treaty ',
      h('span', { class: 'mono' }, treaty.address),
      ' ',
      h('span', { class: `badge ${treaty.active ? 'ok' : 'muted'}` }, treaty.active ? 'active' : 'not active'),
    ),
    h(
      'dl',
      { class: 'facts' },
      fact('Quota share', `${percent(terms.quotaShareBps)} of every premium and loss`),
      fact('Ceding commission', `${percent(terms.cedingCommissionBps)} of the ceded premium`),
      fact(
        'Excess of loss',
        `${formatAmount(terms.excessOfLossLimit)} per event above ${formatAmount(terms.excessOfLossAttachment)} ` +
          `retained, at most ${formatAmount(terms.excessOfLossAggregateLimit)} in all`,
      ),
      fact('Insurer', h('span', { class: 'mono' }, treaty.insurer)),
      fact('Reinsurer', h('span', { class: 'mono' }, treaty.reinsurer)),
      fact('Risk pool', h('span', { class: 'mono' }, treaty.pool)),
    ),
  );
}
