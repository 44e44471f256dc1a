/**
 * The demo's choice from the replay catalogue (`services/replay/catalogue.ts`, what the stack's replay server serves):
 * a flight whose recorded outcome pays (late enough for the offer's first tier, or cancelled), recorded responses
 * before those written by us, re-dated after the ledger's current time by whole days as the replay server re-dates
 * it; and a place with recorded daily rain.
 */
import {
  REPLAY_FLIGHTS,
  REPLAY_PLACES,
  replayFlightTimesShifted,
  type LocalTime,
  type ReplayFlight,
  type ReplayFlightTimes,
  type ReplayPlace,
  instantOf,
} from '../replay/catalogue.js';

const DAY = 86_400;

/** The flights whose recorded outcome pays from `firstTierMinutes` late, recorded ones first. */
export function payingFlights(firstTierMinutes: number): ReplayFlight[] {
  const paying = REPLAY_FLIGHTS.filter(
    (flight) => flight.outcome.status === 'cancelled' || (flight.outcome.arrivalDelayMinutes ?? 0) >= firstTierMinutes,
  );
  return [...paying.filter((flight) => flight.recorded), ...paying.filter((flight) => !flight.recorded)];
}

/** A flight re-dated by whole days: its times on the ledger's clock and its schedule as the API takes it. */
export interface DatedFlight extends ReplayFlightTimes {
  designator: string;
  shiftDays: number;
  /** ISO-8601 instants with each airport's offset, e.g. `2026-12-03T10:30:00+08:00`. */
  scheduledDepartureIso: string;
  scheduledArrivalIso: string;
}

/** `unixSeconds` written as local time at the offset of `like`. */
function isoAt(unixSeconds: number, like: LocalTime): string {
  const sign = like.utcOffset.startsWith('-') ? -1 : 1;
  const [hours, minutes] = like.utcOffset.slice(1).split(':').map(Number) as [number, number];
  const local = new Date((unixSeconds + sign * (hours * 3_600 + minutes * 60)) * 1_000).toISOString();
  return `${local.slice(0, 19)}${like.utcOffset}`;
}

/** The flight moved by the fewest whole days that make it depart at or after `earliest` (unix seconds). */
export function redateFlight(flight: ReplayFlight, earliest: number): DatedFlight {
  const shiftDays = Math.max(0, Math.ceil((earliest - instantOf(flight.scheduledDeparture)) / DAY));
  const times = replayFlightTimesShifted(flight, shiftDays);
  return {
    designator: flight.designator,
    shiftDays,
    ...times,
    scheduledDepartureIso: isoAt(times.scheduledDeparture, flight.scheduledDeparture),
    scheduledArrivalIso: isoAt(times.scheduledArrival, flight.scheduledArrival),
  };
}

/** The `flight` of a `POST /v1/policies` for a catalogued flight on its re-dated schedule. */
export function policyFlight(dated: DatedFlight): {
  carrier: string;
  flightNumber: string;
  scheduledDeparture: string;
  scheduledArrival: string;
  origin: string;
  destination: string;
} {
  const flight = replayFlight(dated.designator);
  return {
    carrier: flight.carrier,
    flightNumber: flight.flightNumber,
    scheduledDeparture: dated.scheduledDepartureIso,
    scheduledArrival: dated.scheduledArrivalIso,
    origin: flight.route.from,
    destination: flight.route.to,
  };
}

/** The catalogued flight of a designator. */
export function replayFlight(designator: string): ReplayFlight {
  const flight = REPLAY_FLIGHTS.find((candidate) => candidate.designator === designator);
  if (flight === undefined) throw new Error(`the replay catalogue has no flight ${designator}`);
  return flight;
}

/** The first Open-Meteo place with `days` recorded days of rain, recorded before written, and those values (mm). */
export function rainyPlace(days: number): { place: ReplayPlace; rainMm: number[] } {
  const places = [...REPLAY_PLACES].sort((a, b) => Number(b.recorded) - Number(a.recorded));
  for (const place of places) {
    const rain = place.daily.precipitation_sum;
    if (place.provider !== 'open-meteo' || rain === undefined || rain.length < days) continue;
    if (rain.slice(0, days).every((value) => value !== null)) {
      return { place, rainMm: rain.slice(0, days) as number[] };
    }
  }
  throw new Error(`the replay catalogue has no Open-Meteo place with ${days} recorded days of rain`);
}
