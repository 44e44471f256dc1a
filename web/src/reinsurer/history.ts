/** The treaty's exposure and its premium and losses over time, and where its open exposure sits, as charts. */
import { get } from '../lib/api.js';
import { barChart } from '../lib/charts.js';
import { timeSeriesChart } from '../lib/time-chart.js';
import { h, replace } from '../lib/dom.js';
import { formatAmount, shortHex, toUnits } from '../lib/format.js';
import type { StatementEvent, TreatyHistory } from './types.js';

const money = (value: number) => value.toLocaleString('en', { maximumFractionDigits: 2 });

/** Appends the section to `parent` first: charts take their width from the container they are drawn in. */
export async function showHistory(parent: HTMLElement, treaty: string, events: StatementEvent[]): Promise<void> {
  const history = await get<TreatyHistory>(`/v1/treaties/${treaty}/history`);
  const section = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'history-title' },
    h('h2', { id: 'history-title' }, 'Exposure and losses over time'),
  );
  parent.appendChild(section);
  const last = history.points.at(-1);
  if (last === undefined) {
    section.appendChild(h('p', { class: 'hint' }, 'Nothing has been ceded to this treaty yet.'));
    return;
  }
  section.appendChild(
    h(
      'p',
      {},
      `Now: ${formatAmount(last.quotaShareExposure)} of quota-share exposure on ${formatAmount(last.openLimits)} ` +
        `of open limits; ${formatAmount(last.lossesCeded)} of losses ceded out of ${formatAmount(last.grossLosses)} paid.`,
    ),
  );
  const charts = h('div', { class: 'history-charts' });
  section.appendChild(charts);
  drawCharts(charts, history, events);
  // uPlot draws at a fixed width: drawn again when the page's width changes (a phone turned, a window resized).
  let width = charts.clientWidth;
  const observer = new ResizeObserver(() => {
    // Another treaty chosen: these charts left the page.
    if (!charts.isConnected) return observer.disconnect();
    if (charts.clientWidth === width) return;
    width = charts.clientWidth;
    replace(charts);
    drawCharts(charts, history, events);
  });
  observer.observe(charts);
}

/** The charts, into `container` (empty). */
function drawCharts(container: HTMLElement, history: TreatyHistory, events: StatementEvent[]): void {
  const times = history.points.map((point) => Math.floor(Date.parse(point.time) / 1000));
  const series = (label: string, pick: (point: TreatyHistory['points'][number]) => string) => ({
    label,
    values: history.points.map((point) => toUnits(pick(point))),
  });
  timeSeriesChart(container, {
    caption: 'Open exposure of the ceded policies',
    times,
    series: [
      series('Open limits', (point) => point.openLimits),
      series('Quota share of them', (point) => point.quotaShareExposure),
    ],
    format: money,
  });
  timeSeriesChart(container, {
    caption: 'Premium ceded, losses paid and losses ceded (cumulative)',
    times,
    series: [
      series('Premium ceded', (point) => point.premiumCeded),
      series('Losses paid (gross)', (point) => point.grossLosses),
      series('Losses ceded', (point) => point.lossesCeded),
    ],
    format: money,
  });
  if (events.length > 0) {
    barChart(container, {
      caption: 'Losses ceded by event (oracle feed)',
      labels: events.map((event) => `Event ${shortHex(event.feedId)} (${event.losses} losses)`),
      series: [
        { label: 'Quota share', values: events.map((event) => toUnits(event.cededQuotaShare)) },
        { label: 'Excess of loss', values: events.map((event) => toUnits(event.cededExcessOfLoss)) },
        { label: 'Retained by the insurer', values: events.map((event) => toUnits(event.retained)) },
      ],
      format: money,
    });
  }
  if (history.exposureByKey.length > 0) {
    barChart(container, {
      caption: 'Open exposure by flight or location now',
      labels: history.exposureByKey.map((key) => `${key.accumulationKey} (${key.policies} policies)`),
      series: [
        { label: 'Open limits', values: history.exposureByKey.map((key) => toUnits(key.openLimits)) },
        { label: 'Quota share', values: history.exposureByKey.map((key) => toUnits(key.quotaShareExposure)) },
      ],
      format: money,
    });
  }
}
