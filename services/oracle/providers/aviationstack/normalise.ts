import { flightFeedKey, type FlightObservation, type FlightQuery, type FlightStatus } from '../../observation.js';
import { ProviderError } from '../../http.js';
import { describe, isObject, type Json, malformedBody, wholeMinutes } from '../body.js';

/**
 * AviationStack `GET /v1/flights` responses as canonical flight observations.
 *
 * Semantic choices, each made where the code below applies it:
 * - Timestamps: AviationStack writes every time with a `+00:00` offset, but the wall-clock part is the airport's local
 *   time (reported to the provider in apilayer/aviationstack issues #1 and #2; our recorded 5Y8351 CGO→ANC is
 *   scheduled to arrive at 03:47 "+00:00" before it leaves at 11:55 "+00:00" on the same day). So a `+00:00` time is
 *   read as local time in the airport's `timezone`; a non-zero offset, should the provider ever send one, is trusted.
 * - Delays come from the timestamps, never from the `delay` fields, which disagree with them (SN3154: delay 70, times
 *   90 min apart; JC3743: delay 1 for an arrival 3 min early).
 * - `flight_status` lags the timestamps ('scheduled' or 'active' with an actual arrival): the timestamps win.
 * - Real responses hold records that name no flight (airline and flight fields all null) or are otherwise unreadable.
 *   Such a record is left out with a note saying which and why; the rest of the response is still normalised. Only a
 *   body that is not a list of flights at all is refused whole.
 */

const PROVIDER = 'aviationstack';
// Typed explicitly so that TypeScript knows a call never returns.
const fail: (message: string) => never = malformedBody(PROVIDER);
const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** One side (departure or arrival) of a flight, as far as the normaliser needs it. */
interface Movement {
  /** IANA zone name, or a bare offset such as `+8`; null when the provider does not know. */
  timezone: string | null;
  scheduled: string | null;
  actual: string | null;
  actualRunway: string | null;
}

/** A validated record of the `data` array. */
interface AviationstackFlight {
  carrier: string;
  flightNumber: string;
  /** AviationStack's own date of the flight: the local date at the departure airport. */
  flightDate: string;
  status: string | null;
  departure: Movement;
  arrival: Movement;
}

/** A string, or null when absent or null; anything else is a malformed body. */
function optionalString(record: Json, key: string, where: string): string | null {
  const value = record[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') fail(`${where}.${key} is ${describe(value)}, not a string`);
  return value;
}

/** `YYYY-MM-DDTHH:MM[:SS[.fff]]` with an optional `Z` or `±HH:MM` offset. */
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

function optionalTimestamp(record: Json, key: string, where: string): string | null {
  const value = optionalString(record, key, where);
  if (value !== null && !TIMESTAMP.test(value)) fail(`${where}.${key} is ${describe(value)}, not a timestamp`);
  return value;
}

function readMovement(record: Json, key: 'departure' | 'arrival', where: string): Movement {
  const movement = record[key];
  if (!isObject(movement)) fail(`${where}.${key} is ${describe(movement)}, not an object`);
  const at = `${where}.${key}`;
  return {
    timezone: optionalString(movement, 'timezone', at),
    scheduled: optionalTimestamp(movement, 'scheduled', at),
    actual: optionalTimestamp(movement, 'actual', at),
    actualRunway: optionalTimestamp(movement, 'actual_runway', at),
  };
}

function readFlight(record: unknown, where: string): AviationstackFlight {
  if (!isObject(record)) fail(`${where} is ${describe(record)}, not a flight object`);
  const flightDate = record.flight_date;
  if (typeof flightDate !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(flightDate)) {
    fail(`${where}.flight_date is ${describe(flightDate)}, not a YYYY-MM-DD date`);
  }
  const flight = record.flight;
  if (!isObject(flight)) fail(`${where}.flight is ${describe(flight)}, not an object`);
  const airline = isObject(record.airline) ? record.airline : {};
  // The entry's own designator, also for codeshare entries: `flight.codeshared` names the operating flight, but the
  // node asked for this designator and keys its feed by it.
  const iata = optionalString(flight, 'iata', `${where}.flight`)?.toUpperCase() ?? null;
  const carrier =
    optionalString(airline, 'iata', `${where}.airline`)?.toUpperCase() ?? (iata === null ? null : iata.slice(0, 2));
  const flightNumber =
    optionalString(flight, 'number', `${where}.flight`)?.toUpperCase() ?? (iata === null ? null : iata.slice(2));
  if (carrier === null || flightNumber === null || flightNumber === '') {
    fail(`${where}.flight.iata is missing (and airline.iata with flight.number does not name the flight either)`);
  }
  return {
    carrier,
    flightNumber,
    flightDate,
    status: optionalString(record, 'flight_status', where),
    departure: readMovement(record, 'departure', where),
    arrival: readMovement(record, 'arrival', where),
  };
}

/** The records of a response: `{pagination, data: [...]}`, or the bare `data` array as some recordings keep it. */
function flightRecords(body: unknown): unknown[] {
  if (Array.isArray(body)) return body;
  if (!isObject(body)) fail(`the body is ${describe(body)}, not an object with a data array`);
  if (isObject(body.error)) {
    // AviationStack reports bad keys, exhausted plans and bad parameters in an `error` object.
    fail(`the API answered with error ${describe(body.error.code)}: ${describe(body.error.message)}`);
  }
  if (!Array.isArray(body.data)) fail(`data is ${describe(body.data)}, not the array of flights`);
  return body.data;
}

/** A zone a wall-clock time can be read in: an IANA name, or a fixed offset in minutes east of UTC. */
type Zone = { name: string } | { offsetMinutes: number };

const zoneFormats = new Map<string, Intl.DateTimeFormat>();

function zoneFormat(name: string): Intl.DateTimeFormat | null {
  const cached = zoneFormats.get(name);
  if (cached !== undefined) return cached;
  try {
    const format = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    zoneFormats.set(name, format);
    return format;
  } catch {
    return null;
  }
}

/** The `timezone` field as a zone; null when absent or unreadable. The data holds IANA names and bare offsets (`+8`). */
function parseZone(timezone: string | null): Zone | null {
  if (timezone === null) return null;
  const offset = /^([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(timezone);
  if (offset !== null) {
    const minutes = Number(offset[2]) * 60 + Number(offset[3] ?? 0);
    return { offsetMinutes: offset[1] === '-' ? -minutes : minutes };
  }
  return zoneFormat(timezone) === null ? null : { name: timezone };
}

/** Minutes east of UTC of an IANA zone at an instant. */
function zoneOffsetMinutes(format: Intl.DateTimeFormat, instant: number): number {
  const parts: Record<string, number> = {};
  for (const part of format.formatToParts(instant)) parts[part.type] = Number(part.value);
  const wall = Date.UTC(
    parts.year ?? 0,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  return Math.round((wall - (instant - (instant % 1000))) / MINUTE_MS);
}

/** The instant a wall-clock time (given as if it were UTC) names in a zone. */
function wallClockToInstant(wall: number, zone: Zone): number {
  if ('offsetMinutes' in zone) return wall - zone.offsetMinutes * MINUTE_MS;
  const format = zoneFormat(zone.name);
  if (format === null) return wall;
  // Two passes settle the offset in force at the instant itself, also across a daylight-saving change.
  const first = wall - zoneOffsetMinutes(format, wall) * MINUTE_MS;
  return wall - zoneOffsetMinutes(format, first) * MINUTE_MS;
}

/**
 * The instant of an AviationStack timestamp. A `+00:00` (or missing) offset marks an airport-local wall-clock time,
 * read in `zone`; without a zone it is read as if it were UTC, which is only good for differences between two times
 * of the same airport, where the unknown offset cancels out. A non-zero offset is trusted as a real one.
 */
function toInstant(stamp: string, zone: Zone | null): number {
  const match = TIMESTAMP.exec(stamp);
  if (match === null) fail(`${describe(stamp)} is not a timestamp`);
  const [, year, month, day, hour, minute, second, offset] = match;
  const wall = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second ?? 0),
  );
  const offsetMinutes = offset === undefined || offset === 'Z' ? 0 : parseOffset(offset);
  if (offsetMinutes !== 0) return wall - offsetMinutes * MINUTE_MS;
  return zone === null ? wall : wallClockToInstant(wall, zone);
}

function parseOffset(offset: string): number {
  const digits = offset.replace(':', '');
  const minutes = Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5));
  return offset.startsWith('-') ? -minutes : minutes;
}

function hasRealOffset(stamp: string): boolean {
  const offset = TIMESTAMP.exec(stamp)?.[7];
  return offset !== undefined && offset !== 'Z' && parseOffset(offset) !== 0;
}

function utcDate(instant: number): string {
  return new Date(instant).toISOString().slice(0, 10);
}

/**
 * The scheduled departure date in UTC: the scheduled departure read in the departure airport's zone. Without a
 * usable zone the UTC date cannot be known, and AviationStack's own `flight_date` (the local date) stands in for it;
 * the two differ only for departures within the airport's UTC offset of midnight.
 */
function departureDateOf(flight: AviationstackFlight): string {
  const { scheduled, timezone } = flight.departure;
  if (scheduled === null) return flight.flightDate;
  const zone = parseZone(timezone);
  if (zone === null && !hasRealOffset(scheduled)) return flight.flightDate;
  return utcDate(toInstant(scheduled, zone));
}

/** The arrival time, gate (`actual`) first, then runway (`actual_runway`). */
function actualArrival(flight: AviationstackFlight): string | null {
  return flight.arrival.actual ?? flight.arrival.actualRunway;
}

function hasDeparted(flight: AviationstackFlight): boolean {
  return flight.departure.actual !== null || flight.departure.actualRunway !== null;
}

/**
 * AviationStack's `flight_status` (documented: scheduled, active, landed, cancelled, incident, diverted; the data also
 * holds 'unknown' and null) reconciled with the timestamps, which are updated before the status is.
 */
function statusOf(flight: AviationstackFlight): FlightStatus {
  const arrived = actualArrival(flight) !== null;
  switch (flight.status) {
    case 'diverted':
      return 'diverted';
    case 'incident':
      // An incident says nothing of where or when the flight ended: no payout can rest on it.
      return 'unknown';
    case 'cancelled':
      // A cancelled flight with actual times contradicts itself: neither outcome can be trusted.
      return arrived || hasDeparted(flight) ? 'unknown' : 'cancelled';
    case 'landed':
      return 'landed';
    default:
      // 'scheduled', 'active', 'unknown', null: landed only once an actual arrival exists, active once it departed.
      if (arrived) return 'landed';
      if (hasDeparted(flight)) return 'active';
      if (flight.status === 'scheduled') return 'scheduled';
      if (flight.status === 'active') return 'active';
      return 'unknown';
  }
}

/**
 * Arrival delay from the arrival timestamps (both at the arrival airport, read in its zone), never from
 * `arrival.delay`. Null unless the flight landed and both times exist; a diversion has no arrival where scheduled.
 */
function arrivalDelayOf(flight: AviationstackFlight, status: FlightStatus): number | null {
  const actual = actualArrival(flight);
  if (status !== 'landed' || actual === null || flight.arrival.scheduled === null) return null;
  const zone = parseZone(flight.arrival.timezone);
  return wholeMinutes(toInstant(actual, zone) - toInstant(flight.arrival.scheduled, zone));
}

/** Flight numbers compare without leading zeros (`0196` is flight 196). */
function sameFlightNumber(a: string, b: string): boolean {
  return a.replace(/^0+(?=.)/, '').toUpperCase() === b.replace(/^0+(?=.)/, '').toUpperCase();
}

function isQueriedFlight(flight: AviationstackFlight, query: FlightQuery): boolean {
  return flight.carrier === query.carrier.toUpperCase() && sameFlightNumber(flight.flightNumber, query.flightNumber);
}

/**
 * Reads each record of the body with `read`; a record it cannot read (a malformed-body error) is left out and
 * described in `skipped`, so that one bad record never costs the others.
 */
function eachRecord<T>(body: unknown, skipped: string[] | undefined, read: (record: unknown, where: string) => T): T[] {
  const results: T[] = [];
  for (const [index, record] of flightRecords(body).entries()) {
    try {
      results.push(read(record, `data[${index}]`));
    } catch (error) {
      if (!(error instanceof ProviderError) || error.code !== 'bad_body') throw error;
      skipped?.push(`${PROVIDER}: skipped a record that cannot be normalised: ${error.message}`);
    }
  }
  return results;
}

/**
 * Normalises an AviationStack `/v1/flights` body. With a query, only the queried designator on the queried UTC
 * departure date is kept, and observations carry the designator as queried. Records that cannot be normalised are
 * left out; `skipped`, when given, receives a note for each.
 */
export function normaliseAviationstackFlights(
  body: unknown,
  query?: FlightQuery,
  skipped?: string[],
): FlightObservation[] {
  const observations = eachRecord(body, skipped, (record, where): FlightObservation | undefined => {
    const flight = readFlight(record, where);
    if (query !== undefined && !isQueriedFlight(flight, query)) return undefined;
    const departureDate = departureDateOf(flight);
    if (query !== undefined && departureDate !== query.departureDate) return undefined;
    const carrier = query === undefined ? flight.carrier : query.carrier.toUpperCase();
    const flightNumber = query === undefined ? flight.flightNumber : query.flightNumber.toUpperCase();
    const status = statusOf(flight);
    return {
      feedKey: flightFeedKey(carrier, flightNumber, departureDate),
      carrier,
      flightNumber,
      departureDate,
      status,
      arrivalDelayMinutes: arrivalDelayOf(flight, status),
    };
  });
  return observations.filter((observation) => observation !== undefined);
}

/**
 * The UTC departure dates of the queried designator's flights in a body, whatever the date asked. AviationStack's
 * `flight_date` parameter is a local date, so the flight of a UTC date may sit under the next or previous local date;
 * these dates tell the transport which one to ask for.
 */
export function aviationstackDepartureDates(body: unknown, query: FlightQuery): string[] {
  // Skipped records were noted when the same body was normalised.
  return eachRecord(body, undefined, (record, where) => {
    const flight = readFlight(record, where);
    return isQueriedFlight(flight, query) ? departureDateOf(flight) : undefined;
  }).filter((date) => date !== undefined);
}

/** `date` moved by `days` whole days. */
export function shiftDate(date: string, days: number): string {
  return utcDate(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS);
}
