/**
 * The book of the insurer's pool (`GET /v1/book`): totals as cards, locked exposure by flight and by location as bars
 * against the accumulation cap (a bar's full length is the cap), and the money in and out as bars side by side.
 * "Refresh" reads it again (after a sale is consented to, or a loss paid).
 */
import { describeError, get } from '../lib/api.js';
import { barChart } from '../lib/charts.js';
import { append, h, liveRegion, replace } from '../lib/dom.js';
import { formatAmount, formatTime, toUnits } from '../lib/format.js';

interface Exposure {
  accumulationKey: string;
  locked: string;
  policies: number;
  cap: string;
  flight?: string;
  departureDate?: number | null;
  location?: { latitudeE4: number; longitudeE4: number; stationId: string } | null;
}

interface Book {
  asOf: string | null;
  capital: { assets: string; deposited: string; withdrawn: string };
  exposure: { locked: string; openPolicies: number; byFlight: Exposure[]; byLocation: Exposure[] };
  premiums: { written: string; reserved: string; refunded: string; ceded: string };
  losses: { paid: string; paidPolicies: number; creditsOutstanding: string };
  recoveries: { quotaShare: string; excessOfLoss: string; total: string };
  solvency: { headroom: string };
  accumulation: { cap: string };
}

const money = (value: string) => formatAmount(value);
const units = (value: string) => toUnits(value);
const chartFormat = (value: number) => value.toLocaleString('en', { maximumFractionDigits: 2 });

function card(label: string, value: string, note?: string): HTMLElement {
  return h(
    'div',
    { class: 'card' },
    h('div', { class: 'card-label' }, label),
    h('div', { class: 'value' }, value),
    note === undefined ? null : h('div', { class: 'hint' }, note),
  );
}

function flightLabel(exposure: Exposure): string {
  const date =
    exposure.departureDate === null || exposure.departureDate === undefined ? '' : ` ${exposure.departureDate}`;
  return `${exposure.flight ?? exposure.accumulationKey}${date}`;
}

function locationLabel(exposure: Exposure): string {
  const where = exposure.location;
  if (where === null || where === undefined) return exposure.accumulationKey;
  const point = `${(where.latitudeE4 / 10_000).toFixed(2)}, ${(where.longitudeE4 / 10_000).toFixed(2)}`;
  return where.stationId === '' ? point : `${where.stationId} (${point})`;
}

function exposureChart(
  container: HTMLElement,
  caption: string,
  exposures: Exposure[],
  label: (e: Exposure) => string,
  cap: string,
): void {
  if (exposures.length === 0) {
    append(container, h('p', { class: 'hint' }, `${caption}: none open.`));
    return;
  }
  barChart(container, {
    caption: `${caption} (a full bar is the cap of ${money(cap)})`,
    labels: exposures.map(label),
    series: [{ label: 'Locked', values: exposures.map((exposure) => units(exposure.locked)) }],
    format: chartFormat,
    max: units(cap),
  });
}

function render(container: HTMLElement, book: Book): void {
  const cards = h(
    'div',
    { class: 'cards' },
    card('Pool capital', money(book.capital.assets), `deposited ${money(book.capital.deposited)}`),
    card('Locked exposure', money(book.exposure.locked), `${book.exposure.openPolicies} open policies`),
    card('Premiums written', money(book.premiums.written), `refunded ${money(book.premiums.refunded)}`),
    card('Paid losses', money(book.losses.paid), `${book.losses.paidPolicies} policies paid`),
    card('Recoveries', money(book.recoveries.total), 'from the reinsurance treaty'),
    card('Solvency headroom', money(book.solvency.headroom)),
  );
  const charts = h('div', { class: 'book-charts' });
  replace(
    container,
    h(
      'p',
      { class: 'hint' },
      `Amounts in the stablecoin's units, as of ${book.asOf === null ? '—' : formatTime(book.asOf)}.`,
    ),
    cards,
    charts,
  );
  exposureChart(charts, 'Locked exposure by flight', book.exposure.byFlight, flightLabel, book.accumulation.cap);
  exposureChart(charts, 'Locked exposure by location', book.exposure.byLocation, locationLabel, book.accumulation.cap);
  barChart(charts, {
    caption: 'Premiums, losses and recoveries',
    labels: ['Premiums written', 'Premiums refunded', 'Premiums ceded', 'Losses paid', 'Recoveries'],
    series: [
      {
        label: 'Amount',
        values: [
          book.premiums.written,
          book.premiums.refunded,
          book.premiums.ceded,
          book.losses.paid,
          book.recoveries.total,
        ].map(units),
      },
    ],
    format: chartFormat,
  });
}

export function bookSection(): HTMLElement {
  const content = h('div', { class: 'book' });
  const status = liveRegion({ class: 'status', id: 'book-status' });
  const refresh = h('button', { type: 'button', class: 'secondary' }, 'Refresh the book');
  const load = async () => {
    refresh.disabled = true;
    status.textContent = 'Reading the book…';
    try {
      render(content, await get<Book>('/v1/book'));
      status.textContent = 'The book is up to date.';
    } catch (error) {
      status.textContent = `The book could not be read: ${describeError(error)}`;
    } finally {
      refresh.disabled = false;
    }
  };
  refresh.addEventListener('click', () => void load());
  void load();
  return h(
    'section',
    { id: 'book', 'aria-labelledby': 'book-title' },
    h('h2', { id: 'book-title' }, 'The book'),
    refresh,
    status,
    content,
  );
}
