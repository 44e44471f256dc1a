/** Time series drawn by uPlot (a small, maintained canvas chart library), in the figure of `charts.ts`. */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { chartWidth, dataTable, figure, PALETTE, type Series } from './charts.js';

/**
 * Lines over time: `times` in Unix seconds, one value per time per series. Appends the figure to `container` and
 * answers it (call again to redraw with new data).
 */
export function timeSeriesChart(
  container: HTMLElement,
  options: { caption: string; times: number[]; series: Series[]; format?: (value: number) => string; height?: number },
): HTMLElement {
  const format = options.format ?? ((value: number) => value.toLocaleString('en'));
  const table = dataTable(
    ['Time (UTC)', ...options.series.map((series) => series.label)],
    options.times.map((time, index) => [
      new Date(time * 1000).toISOString().slice(0, 16).replace('T', ' '),
      ...options.series.map((series) => {
        const value = series.values[index];
        return value === null || value === undefined ? '—' : format(value);
      }),
    ]),
  );
  const { figure: element, plot } = figure(options.caption, table);
  container.appendChild(element);
  new uPlot(
    {
      width: chartWidth(container),
      height: options.height ?? 240,
      series: [
        {},
        ...options.series.map((series, index) => ({
          label: series.label,
          stroke: series.colour ?? PALETTE[index % PALETTE.length],
          width: 2,
          value: (_self: uPlot, value: number | null) => (value === null ? '—' : format(value)),
        })),
      ],
      axes: [{}, { values: (_self: uPlot, ticks: number[]) => ticks.map(format), size: 70 }],
    },
    [options.times, ...options.series.map((series) => series.values)],
    plot,
  );
  return element;
}
