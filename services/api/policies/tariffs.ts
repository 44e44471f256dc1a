/**
 * Premiums from an offer's pricing: a fixed premium, or the insurer's tariff — a rate of the sum insured per route
 * (flight delay) or location (weather index) and season (the months of the cover start, UTC). A rate that names no
 * route or location applies to all; the first matching rate wins, so specific rates go before general ones.
 */
import { AppError } from '../errors.js';
import type { Pricing } from './sales-schemas.js';

/** What a tariff rate is matched on. */
export interface TariffMatch {
  /** ORIGIN-DESTINATION of a flight, when known. */
  route?: string;
  /** The weather location's key (`locationKeyOf`). */
  location?: string;
  /** Month (1-12, UTC) the cover starts in. */
  month: number;
}

/** The key a weather tariff names a location by: its station id, else `latitude,longitude` to 4 decimals. */
export function locationKeyOf(location: { latitude: number; longitude: number; stationId: string }): string {
  return location.stationId !== ''
    ? location.stationId
    : `${location.latitude.toFixed(4)},${location.longitude.toFixed(4)}`;
}

/** The premium for `sumInsured` under `pricing`; 422 NO_TARIFF_RATE when the tariff has no rate for `match`. */
export function premiumFor(pricing: Pricing, sumInsured: bigint, match: TariffMatch): bigint {
  if ('premium' in pricing) return BigInt(pricing.premium);
  const rate = pricing.tariff.find(
    (entry) =>
      (entry.route === undefined || entry.route === match.route) &&
      (entry.location === undefined || entry.location === match.location) &&
      entry.months.includes(match.month),
  );
  if (rate === undefined) {
    const where = match.route ?? match.location ?? 'this cover';
    throw new AppError(
      422,
      'NO_TARIFF_RATE',
      `The offer's tariff has no rate for ${where} in month ${match.month}: give a premium or extend the tariff`,
      { details: { ...match } },
    );
  }
  return (sumInsured * BigInt(rate.rateBps)) / 10_000n;
}
