/**
 * Charts: bars by category here (exposure against a cap, losses by period), drawn in HTML; time series in
 * `time-chart.ts`, drawn by uPlot, which only the pages that draw one download. Every chart is a `<figure>` with a
 * caption, an accessible name, and its figures as a table (a canvas says nothing to a screen reader).
 */
import { h } from './dom.js';

export interface Series {
  label: string;
  values: (number | null)[];
  /** A CSS colour; the palette's next one when omitted. */
  colour?: string;
}

export const PALETTE = ['#1d4ed8', '#b45309', '#047857', '#7c3aed', '#be123c', '#0e7490'];

export function chartWidth(container: HTMLElement): number {
  return Math.max(280, Math.min(900, container.clientWidth || 600));
}

export function figure(caption: string, table: HTMLTableElement): { figure: HTMLElement; plot: HTMLElement } {
  const plot = h('div', { class: 'chart', role: 'img', 'aria-label': caption });
  const element = h(
    'figure',
    { class: 'chart-figure' },
    h('figcaption', {}, caption),
    plot,
    h('details', {}, h('summary', {}, 'The figures as a table'), h('div', { class: 'table-wrap' }, table)),
  );
  return { figure: element, plot };
}

export function dataTable(headers: string[], rows: (string | number)[][]): HTMLTableElement {
  return h(
    'table',
    { class: 'chart-data' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headers.map((header, index) => h('th', { scope: 'col', class: index > 0 ? 'number' : null }, header)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((row) =>
        h(
          'tr',
          {},
          row.map((cell, index) =>
            index === 0 ? h('th', { scope: 'row' }, String(cell)) : h('td', { class: 'number' }, String(cell)),
          ),
        ),
      ),
    ),
  );
}

/**
 * Horizontal bars by category (`labels`), one bar per series in each category, drawn in HTML (so they reflow at a
 * phone's width and read as text): each bar's length is its value against the largest value shown, or against
 * `max` when given (a cap). Appends the figure and answers it.
 */
export function barChart(
  container: HTMLElement,
  options: { caption: string; labels: string[]; series: Series[]; format?: (value: number) => string; max?: number },
): HTMLElement {
  const format = options.format ?? ((value: number) => value.toLocaleString('en'));
  const largest =
    options.max ?? Math.max(0, ...options.series.flatMap((series) => series.values.map((value) => value ?? 0)));
  const table = dataTable(
    ['', ...options.series.map((series) => series.label)],
    options.labels.map((label, index) => [
      label,
      ...options.series.map((series) => {
        const value = series.values[index];
        return value === null || value === undefined ? '—' : format(value);
      }),
    ]),
  );
  const rows = options.labels.map((label, index) =>
    h(
      'div',
      { class: 'bar-row' },
      h('div', { class: 'bar-label' }, label),
      options.series.map((series, seriesIndex) => {
        const value = series.values[index] ?? 0;
        const share = largest > 0 ? Math.min(100, Math.max(0, (value / largest) * 100)) : 0;
        const colour = series.colour ?? PALETTE[seriesIndex % PALETTE.length]!;
        return h(
          'div',
          { class: 'bar-line' },
          h('span', { class: 'bar', style: `width:${share.toFixed(2)}%;background:${colour}` }),
          h('span', { class: 'bar-value' }, `${series.label}: ${format(value)}`),
        );
      }),
    ),
  );
  const plot = h('div', { class: 'bars', 'aria-hidden': 'true' }, rows);
  const element = h(
    'figure',
    { class: 'chart-figure' },
    h('figcaption', {}, options.caption),
    plot,
    h('details', {}, h('summary', {}, 'The figures as a table'), h('div', { class: 'table-wrap' }, table)),
  );
  container.appendChild(element);
  return element;
}
