/**
 * From an offer and an application to a policy's executable terms, checked as the product would check them before
 * anything is sent: the holder an active CLIENT, the flight not departed and still before the product's cut-off
 * (read from the product contract, against the chain's time), departing no earlier than cover starts, arriving within
 * a day, cover after arrival within the product's limit; a weather window starting after the cut-off. What the chain
 * would refuse is refused here with a problem that says why.
 */
import type { LedgerClient } from '../../ledger/client.js';
import { readParty } from '../../ledger/parties.js';
import {
  readIssuanceSettings,
  startOfUtcDate,
  utcDateOf,
  type FlightDelayTerms,
  type PolicyTerms,
  type WeatherIndexTerms,
} from '../../ledger/policies.js';
import { Aggregation, WeatherMetric } from '../../shared/eip712.js';
import { AppError } from '../errors.js';
import type { StoredOffer } from './offers.js';
import type { FlightApplication, FlightOffer, WeatherOffer } from './sales-schemas.js';
import { locationKeyOf, premiumFor } from './tariffs.js';

/** Longest time from scheduled departure to scheduled arrival (`MAX_FLIGHT_DURATION`). */
const MAX_FLIGHT_SECONDS = 24 * 3600;

export interface BuiltTerms {
  policy: PolicyTerms;
  /** The flight as given (departure with its offset), kept for the wording and for endorsements. */
  flight: FlightApplication | null;
}

/** The chain's time: the latest block's timestamp (what the next transaction will be checked against, nearly). */
export async function chainTime(ledger: LedgerClient): Promise<number> {
  const block = await ledger.provider.getBlock('latest');
  return block?.timestamp ?? Math.floor(Date.now() / 1000);
}

const iso = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString();
const unixOf = (instant: string) => Math.floor(Date.parse(instant) / 1000);

function refuse(code: string, message: string, details: Record<string, unknown>): never {
  throw new AppError(422, code, message, { details });
}

/** 422 CLIENT_NOT_A_PARTY unless `holder` is an active CLIENT of the consortium. */
export async function requireClient(ledger: LedgerClient, holder: string): Promise<void> {
  const party = await readParty(ledger, holder);
  if (!party.active || !party.roles.includes('CLIENT')) {
    refuse('CLIENT_NOT_A_PARTY', `${holder} is not an active CLIENT of the consortium: only clients hold policies`, {
      client: holder,
    });
  }
}

function flightTerms(
  offer: FlightOffer,
  holder: string,
  flight: FlightApplication,
  premium?: string,
): FlightDelayTerms {
  const scheduledDeparture = unixOf(flight.scheduledDeparture);
  const scheduledArrival = unixOf(flight.scheduledArrival);
  const coverageStart =
    flight.coverStart === undefined
      ? scheduledDeparture - offer.cover.startsBeforeDepartureMinutes * 60
      : unixOf(flight.coverStart);
  const route =
    flight.origin !== undefined && flight.destination !== undefined
      ? `${flight.origin}-${flight.destination}`
      : undefined;
  const month = new Date(scheduledDeparture * 1000).getUTCMonth() + 1;
  return {
    policyholder: holder,
    carrier: flight.carrier,
    flightNumber: flight.flightNumber,
    departureDate: utcDateOf(scheduledDeparture),
    scheduledDeparture,
    scheduledArrival,
    coverageStart,
    coverageEnd: scheduledArrival + offer.cover.endsAfterArrivalMinutes * 60,
    delayTierMinutes: offer.delayTiers.map((tier) => tier.minutes),
    delayTierPayouts: offer.delayTiers.map((tier) => tier.payout),
    cancellationPayout: offer.cancellationPayout,
    diversionPayout: offer.diversionPayout,
    sumInsured: offer.sumInsured,
    premium:
      premium ??
      premiumFor(
        offer.pricing,
        BigInt(offer.sumInsured),
        route === undefined ? { month } : { month, route },
      ).toString(),
    cancellationRefundBps: offer.cancellationRefundBps,
  };
}

async function checkFlight(ledger: LedgerClient, terms: FlightDelayTerms): Promise<void> {
  const [now, settings] = await Promise.all([chainTime(ledger), readIssuanceSettings(ledger, 'flight')]);
  const flight = `${terms.carrier}${terms.flightNumber}`;
  const departure = terms.scheduledDeparture;
  const details = { flight, scheduledDeparture: iso(departure), chainTime: iso(now) };
  if (departure <= now) {
    refuse(
      'FLIGHT_DEPARTED',
      `Flight ${flight} was scheduled to depart at ${iso(departure)}, before now: no cover for a flight that has left`,
      details,
    );
  }
  const closedAt = departure - settings.cutoffSeconds;
  if (now > closedAt) {
    refuse(
      'ISSUE_CLOSED',
      `Cover for flight ${flight} closed at ${iso(closedAt)}: the product sells none later than ${settings.cutoffSeconds / 60} minutes before departure`,
      { ...details, closedAt: iso(closedAt), cutoffSeconds: settings.cutoffSeconds },
    );
  }
  if (terms.coverageStart > departure) {
    refuse(
      'DEPARTS_BEFORE_COVER',
      `Flight ${flight} departs at ${iso(departure)}, before cover starts at ${iso(terms.coverageStart)}`,
      {
        ...details,
        coverStart: iso(terms.coverageStart),
      },
    );
  }
  if (terms.scheduledArrival <= departure || terms.scheduledArrival > departure + MAX_FLIGHT_SECONDS) {
    refuse('INVALID_SCHEDULE', `Flight ${flight} must arrive after it departs and within 24 hours`, {
      ...details,
      scheduledArrival: iso(terms.scheduledArrival),
    });
  }
  const longest = settings.maxCoverAfterArrivalSeconds ?? 0;
  if (terms.coverageEnd > terms.scheduledArrival + longest) {
    refuse('COVER_TOO_LONG', `Cover may run at most ${longest / 60} minutes after the scheduled arrival`, {
      ...details,
      coverEnd: iso(terms.coverageEnd),
      maxCoverAfterArrivalSeconds: longest,
    });
  }
}

const yyyymmdd = (date: string) => Number(date.replaceAll('-', ''));

function weatherTerms(offer: WeatherOffer, holder: string, premium?: string): WeatherIndexTerms {
  const startDate = yyyymmdd(offer.window.startDate);
  const month = Number(offer.window.startDate.slice(5, 7));
  return {
    policyholder: holder,
    latitudeE4: Math.round(offer.location.latitude * 10_000),
    longitudeE4: Math.round(offer.location.longitude * 10_000),
    stationId: offer.location.stationId,
    metric: WeatherMetric[offer.metric],
    startDate,
    endDate: yyyymmdd(offer.window.endDate),
    aggregation: Aggregation[offer.aggregation],
    dayThreshold: offer.dayThreshold,
    trigger: offer.trigger,
    exit: offer.exit,
    stepThresholds: offer.steps.map((step) => step.threshold),
    stepPayouts: offer.steps.map((step) => step.payout),
    sumInsured: offer.sumInsured,
    premium:
      premium ??
      premiumFor(offer.pricing, BigInt(offer.sumInsured), {
        location: locationKeyOf(offer.location),
        month,
      }).toString(),
    cancellationRefundBps: offer.cancellationRefundBps,
  };
}

async function checkWeather(ledger: LedgerClient, terms: WeatherIndexTerms): Promise<void> {
  const [now, settings] = await Promise.all([chainTime(ledger), readIssuanceSettings(ledger, 'weather')]);
  const startsAt = startOfUtcDate(terms.startDate);
  const closedAt = startsAt - settings.cutoffSeconds;
  if (now > closedAt) {
    refuse(
      'ISSUE_CLOSED',
      `Cover for days from ${iso(startsAt).slice(0, 10)} closed at ${iso(closedAt)}: the product sells none later than ${settings.cutoffSeconds / 60} minutes before the first day`,
      {
        coverStart: iso(startsAt),
        closedAt: iso(closedAt),
        chainTime: iso(now),
        cutoffSeconds: settings.cutoffSeconds,
      },
    );
  }
}

/**
 * The terms of a policy on `offer` for `holder`, checked against the chain; `flight` is required for a flight delay
 * offer and refused for a weather one.
 */
export async function buildTerms(
  ledger: LedgerClient,
  offer: StoredOffer,
  holder: string,
  input: { flight?: FlightApplication | undefined; premium?: string | undefined },
): Promise<BuiltTerms> {
  const definition = offer.offer;
  let built: BuiltTerms;
  if (definition.kind === 'flight-delay') {
    if (input.flight === undefined) {
      refuse('FLIGHT_REQUIRED', `Offer ${offer.id} insures a flight: give the flight`, { offerId: offer.id });
    }
    const terms = flightTerms(definition, holder, input.flight, input.premium);
    await checkFlight(ledger, terms);
    built = { policy: { kind: 'flight', terms }, flight: input.flight };
  } else {
    if (input.flight !== undefined) {
      refuse('FLIGHT_NOT_EXPECTED', `Offer ${offer.id} is weather index cover: it takes no flight`, {
        offerId: offer.id,
      });
    }
    const terms = weatherTerms(definition, holder, input.premium);
    await checkWeather(ledger, terms);
    built = { policy: { kind: 'weather', terms }, flight: null };
  }
  await requireClient(ledger, holder);
  return built;
}

/** Checks terms against the chain as the product will when they are issued. */
export async function checkTerms(ledger: LedgerClient, policy: PolicyTerms): Promise<void> {
  if (policy.kind === 'flight') await checkFlight(ledger, policy.terms);
  else await checkWeather(ledger, policy.terms);
}

/** Unix time the cover of `policy` ends (retention counts from it). */
export function coverEndOf(policy: PolicyTerms): number {
  return policy.kind === 'flight' ? policy.terms.coverageEnd : startOfUtcDate(policy.terms.endDate) + 24 * 3600;
}
