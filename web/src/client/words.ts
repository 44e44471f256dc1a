/**
 * Terms and facts in words, as the client reads them: what is covered, what pays how much, and an oracle's value. The
 * stablecoin has 6 decimals (plUSD); times are the chain's Unix seconds shown in UTC.
 */
import { formatAmount, formatTime } from '../lib/format.js';
import type { FlightTerms, WeatherTerms } from './types.js';

export const SYMBOL = 'plUSD';

export const money = (baseUnits: string): string => formatAmount(baseUnits, 6, SYMBOL);
const at = (unixSeconds: number): string => formatTime(unixSeconds * 1000);

/** yyyymmdd → yyyy-mm-dd */
export function dateOf(yyyymmdd: number): string {
  const text = String(yyyymmdd).padStart(8, '0');
  return `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)}`;
}

const METRICS = ['daily rainfall (0.01 mm)', 'daily maximum temperature (0.01 °C)', 'daily maximum wind (0.01 km/h)'];
const AGGREGATIONS = ['the sum', 'the highest day', 'the days above the day threshold', 'the days below it'];

/** The flight's sentences: the flight, the cover, each payout. */
export function flightTermsInWords(terms: FlightTerms): string[] {
  const tiers = terms.delayTierMinutes.map(
    (minutes, index) => `Arrives ${minutes} minutes late or more: pays ${money(terms.delayTierPayouts[index] ?? '0')}.`,
  );
  return [
    `Flight ${terms.carrier}${terms.flightNumber}, scheduled to depart ${at(terms.scheduledDeparture)} and arrive ` +
      `${at(terms.scheduledArrival)}.`,
    `Cover from ${at(terms.coverageStart)} to ${at(terms.coverageEnd)}.`,
    ...tiers,
    `Cancelled: pays ${money(terms.cancellationPayout)}. Diverted: pays ${money(terms.diversionPayout)}.`,
    `At most ${money(terms.sumInsured)} in all (the highest payout that applies, once).`,
    `Premium ${money(terms.premium)}; cancelled by you before cover starts, ${terms.cancellationRefundBps / 100}% of it ` +
      'is refunded.',
  ];
}

/** The weather index's sentences: where, what, how it pays. */
export function weatherTermsInWords(terms: WeatherTerms): string[] {
  const place =
    terms.stationId !== ''
      ? `station ${terms.stationId}`
      : `${(terms.latitudeE4 / 10_000).toFixed(4)}, ${(terms.longitudeE4 / 10_000).toFixed(4)}`;
  const steps = terms.stepThresholds.map(
    (threshold, index) => `Index reaches ${threshold}: pays ${money(terms.stepPayouts[index] ?? '0')}.`,
  );
  return [
    `Weather at ${place}: ${AGGREGATIONS[terms.aggregation] ?? 'the aggregate'} of the ` +
      `${METRICS[terms.metric] ?? 'metric'} from ${dateOf(terms.startDate)} to ${dateOf(terms.endDate)} (UTC days).`,
    `Pays from the trigger ${terms.trigger} up to the whole sum insured at the exit ${terms.exit}.`,
    ...steps,
    `At most ${money(terms.sumInsured)}.`,
    `Premium ${money(terms.premium)}; cancelled by you before cover starts, ${terms.cancellationRefundBps / 100}% of it ` +
      'is refunded.',
  ];
}

export function termsInWords(kind: 'flight' | 'weather', terms: Record<string, unknown>): string[] {
  return kind === 'flight'
    ? flightTermsInWords(terms as unknown as FlightTerms)
    : weatherTermsInWords(terms as unknown as WeatherTerms);
}

/** An oracle's observation in words: a flight's status and delay, or a weather value. */
export function observationInWords(status: string, value: string | null, product: 'flight' | 'weather'): string {
  if (product === 'flight') {
    if (status === 'Landed') {
      const minutes = Number(value ?? 0);
      return minutes < 0 ? `landed ${-minutes} minutes early` : `landed ${minutes} minutes late`;
    }
    return status.toLowerCase();
  }
  return `observed ${value ?? '?'}`;
}
