import { flightFeedKey, type FlightObservation, type FlightQuery, type FlightStatus } from '../../observation.js';
import { describe, isObject, type Json, malformedBody, wholeMinutes } from '../body.js';

/**
 * FlightAware AeroAPI v4 flight objects (`GET /flights/{ident}`, and the airport lists such as
 * `/airports/{id}/flights/arrivals`) as canonical flight observations.
 *
 * AeroAPI times are ISO 8601 in UTC (`Z`): `*_out` gate departure, `*_off` take-off, `*_on` landing, `*_in` gate
 * arrival, each scheduled, estimated and actual. Its `departure_delay` and `arrival_delay` are seconds, and are based
 * "on either actual or estimated gate arrival time", so they are never used: delays are computed from the timestamps.
 */

const PROVIDER = 'flightaware';
// Typed explicitly so that TypeScript knows a call never returns.
const fail: (message: string) => never = malformedBody(PROVIDER);

/** The keys under which AeroAPI lists flight objects: `/flights/{ident}` and the airport boards. */
const LIST_KEYS = ['flights', 'arrivals', 'departures', 'scheduled_arrivals', 'scheduled_departures'] as const;

/** A validated AeroAPI flight object, as far as the normaliser needs it. */
interface AeroApiFlight {
  faFlightId: string;
  /** IATA designator parts; null for flights without an IATA identity (general aviation). */
  carrier: string | null;
  flightNumber: string | null;
  codesharesIata: string[];
  cancelled: boolean;
  diverted: boolean;
  status: string;
  scheduledOut: number | null;
  scheduledOff: number | null;
  scheduledIn: number | null;
  actualOut: number | null;
  actualOff: number | null;
  actualOn: number | null;
  actualIn: number | null;
}

function optionalString(record: Json, key: string, where: string): string | null {
  const value = record[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') fail(`${where}.${key} is ${describe(value)}, not a string`);
  return value;
}

function requiredBoolean(record: Json, key: string, where: string): boolean {
  const value = record[key];
  if (typeof value !== 'boolean') fail(`${where}.${key} is ${describe(value)}, not a boolean`);
  return value;
}

/** AeroAPI writes UTC with `Z`; an explicit offset is accepted too. */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;

function optionalTime(record: Json, key: string, where: string): number | null {
  const value = optionalString(record, key, where);
  if (value === null) return null;
  const instant = TIMESTAMP.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(instant)) fail(`${where}.${key} is ${describe(value)}, not an ISO 8601 UTC time`);
  return instant;
}

/** `BA196` as carrier `BA` and number `196`: IATA airline designators are two characters. */
function splitDesignator(designator: string): { carrier: string; flightNumber: string } | null {
  const match = /^([A-Z0-9]{2})(\d{1,4}[A-Z]?)$/.exec(designator.toUpperCase());
  return match === null ? null : { carrier: match[1] ?? '', flightNumber: match[2] ?? '' };
}

function readFlight(record: unknown, where: string): AeroApiFlight {
  if (!isObject(record)) fail(`${where} is ${describe(record)}, not a flight object`);
  const ident = optionalString(record, 'ident', where);
  if (ident === null) fail(`${where}.ident is missing`);
  const faFlightId = optionalString(record, 'fa_flight_id', where);
  if (faFlightId === null) fail(`${where}.fa_flight_id is missing`);
  // The IATA identity: operator_iata with flight_number, else ident_iata split.
  const operatorIata = optionalString(record, 'operator_iata', where)?.toUpperCase() ?? null;
  const number = optionalString(record, 'flight_number', where)?.toUpperCase() ?? null;
  const identIata = optionalString(record, 'ident_iata', where);
  const designator =
    operatorIata !== null && number !== null
      ? { carrier: operatorIata, flightNumber: number }
      : identIata === null
        ? null
        : splitDesignator(identIata);
  const codeshares = record.codeshares_iata;
  if (codeshares !== undefined && codeshares !== null && !Array.isArray(codeshares)) {
    fail(`${where}.codeshares_iata is ${describe(codeshares)}, not a list`);
  }
  const status = record.status;
  if (typeof status !== 'string') fail(`${where}.status is ${describe(status)}, not a string`);
  return {
    faFlightId,
    carrier: designator?.carrier ?? null,
    flightNumber: designator?.flightNumber ?? null,
    codesharesIata: (codeshares ?? []).filter((code): code is string => typeof code === 'string'),
    cancelled: requiredBoolean(record, 'cancelled', where),
    diverted: requiredBoolean(record, 'diverted', where),
    status,
    scheduledOut: optionalTime(record, 'scheduled_out', where),
    scheduledOff: optionalTime(record, 'scheduled_off', where),
    scheduledIn: optionalTime(record, 'scheduled_in', where),
    actualOut: optionalTime(record, 'actual_out', where),
    actualOff: optionalTime(record, 'actual_off', where),
    actualOn: optionalTime(record, 'actual_on', where),
    actualIn: optionalTime(record, 'actual_in', where),
  };
}

/**
 * The flight objects of a body (`{flights: [...]}`, `{arrivals: [...]}`, ...), unvalidated. Exported for the
 * transport, which joins the pages of one answer before normalising them together.
 */
export function aeroApiFlightRecords(body: unknown): unknown[] {
  if (!isObject(body)) fail(`the body is ${describe(body)}, not an object`);
  for (const key of LIST_KEYS) {
    const list = body[key];
    if (Array.isArray(list)) return list;
  }
  if (body.title !== undefined || body.detail !== undefined) {
    // AeroAPI errors carry `title`, `reason` and `detail`.
    fail(`the API answered with an error: ${describe(body.title)} ${describe(body.detail)}`);
  }
  return fail(`flights is missing (expected one of ${LIST_KEYS.join(', ')} as the list of flights)`);
}

function hasDeparted(flight: AeroApiFlight): boolean {
  return flight.actualOut !== null || flight.actualOff !== null;
}

function hasArrived(flight: AeroApiFlight): boolean {
  return flight.actualIn !== null || flight.actualOn !== null;
}

/** The human-readable `status` ("Scheduled", "En Route / On Time", "Landed / Taxiing", ...) when times say nothing. */
function statusFromText(text: string): FlightStatus {
  const status = text.toLowerCase();
  if (status.startsWith('cancelled')) return 'cancelled';
  if (status.startsWith('diverted')) return 'diverted';
  if (status.startsWith('arrived') || status.startsWith('landed')) return 'landed';
  if (status.startsWith('en route') || status.startsWith('taxiing')) return 'active';
  if (status.startsWith('scheduled') || status.startsWith('delayed')) return 'scheduled';
  return 'unknown';
}

/** The canonical status: the `diverted`/`cancelled` flags and the actual times first, the status text last. */
function statusOf(flight: AeroApiFlight): FlightStatus {
  if (flight.diverted) return 'diverted';
  if (flight.cancelled) {
    // `cancelled` means "no longer being tracked", which includes but is not limited to an airline cancellation.
    // Without any departure it is a cancellation; after a departure it is lost tracking, not a cancellation.
    if (!hasDeparted(flight)) return 'cancelled';
    return hasArrived(flight) ? 'landed' : 'unknown';
  }
  if (hasArrived(flight)) return 'landed';
  if (hasDeparted(flight)) return 'active';
  return statusFromText(flight.status);
}

/**
 * Minutes from the scheduled gate arrival (`scheduled_in`, the airline timetable) to the actual gate arrival
 * (`actual_in`), or, until the gate time is reported, to the landing (`actual_on`). The landing comes a taxi-in before
 * the gate, so that fallback reads a few minutes early; it is still measured against `scheduled_in`, because
 * `scheduled_on` is derived from the filed flight plan (`scheduled_off` + `filed_ete`), not the timetable: BA196 in
 * the recorded arrivals landed 30 min after `scheduled_on` yet 10 min before `scheduled_in`, and was estimated at
 * the gate 1 min early. Whole minutes, truncated toward zero.
 */
function arrivalDelayOf(flight: AeroApiFlight, status: FlightStatus): number | null {
  const actual = flight.actualIn ?? flight.actualOn;
  if (status !== 'landed' || actual === null || flight.scheduledIn === null) return null;
  return wholeMinutes(actual - flight.scheduledIn);
}

/** The scheduled departure's UTC date: `scheduled_out`, else `scheduled_off`, as AeroAPI's own `start`/`end` use. */
function departureDateOf(flight: AeroApiFlight): string | null {
  const departure = flight.scheduledOut ?? flight.scheduledOff;
  return departure === null ? null : new Date(departure).toISOString().slice(0, 10);
}

function sameFlightNumber(a: string, b: string): boolean {
  return a.replace(/^0+(?=.)/, '').toUpperCase() === b.replace(/^0+(?=.)/, '').toUpperCase();
}

function operatesAs(flight: AeroApiFlight, query: FlightQuery): boolean {
  return (
    flight.carrier === query.carrier.toUpperCase() &&
    flight.flightNumber !== null &&
    sameFlightNumber(flight.flightNumber, query.flightNumber)
  );
}

function marketedAs(flight: AeroApiFlight, query: FlightQuery): boolean {
  return flight.codesharesIata.some((code) => {
    const designator = splitDesignator(code);
    return (
      designator !== null &&
      designator.carrier === query.carrier.toUpperCase() &&
      sameFlightNumber(designator.flightNumber, query.flightNumber)
    );
  });
}

/**
 * One flight per `fa_flight_id`: AeroAPI lists a diverted flight twice under the same id (the original and the
 * diversion), and a diversion anywhere in the group makes the flight diverted.
 */
function oneRecordPerFlight(flights: AeroApiFlight[]): AeroApiFlight[] {
  const byId = new Map<string, AeroApiFlight>();
  for (const flight of flights) {
    const seen = byId.get(flight.faFlightId);
    if (seen === undefined || (!seen.diverted && flight.diverted)) byId.set(flight.faFlightId, flight);
  }
  return [...byId.values()];
}

/**
 * Normalises an AeroAPI body. With a query, only flights departing on the queried UTC date are kept: those operated
 * under the queried designator, or, when none is, those that carry it as a codeshare (AeroAPI answers a marketing
 * ident with the operating flight). Observations carry the designator as queried. Flights without a scheduled
 * departure (position-only tracks) cannot be dated and are left out.
 */
export function normaliseAeroApiFlights(body: unknown, query?: FlightQuery): FlightObservation[] {
  const flights = oneRecordPerFlight(
    aeroApiFlightRecords(body).map((record, index) => readFlight(record, `flights[${index}]`)),
  );
  let selected = flights.filter((flight) => query === undefined || departureDateOf(flight) === query.departureDate);
  if (query !== undefined) {
    const operated = selected.filter((flight) => operatesAs(flight, query));
    selected = operated.length > 0 ? operated : selected.filter((flight) => marketedAs(flight, query));
  }
  const observations: FlightObservation[] = [];
  for (const flight of selected) {
    const departureDate = departureDateOf(flight);
    const carrier = query === undefined ? flight.carrier : query.carrier.toUpperCase();
    const flightNumber = query === undefined ? flight.flightNumber : query.flightNumber.toUpperCase();
    if (departureDate === null || carrier === null || flightNumber === null) continue;
    const status = statusOf(flight);
    observations.push({
      feedKey: flightFeedKey(carrier, flightNumber, departureDate),
      carrier,
      flightNumber,
      departureDate,
      status,
      arrivalDelayMinutes: arrivalDelayOf(flight, status),
    });
  }
  return observations;
}
