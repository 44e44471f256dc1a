import { flightFeedKey, type FlightObservation, type FlightQuery, type FlightStatus } from '../../observation.js';
import { describe, isObject, type Json, malformedBody, wholeMinutes } from '../body.js';

/**
 * FlightStats (Cirium) Flex Flight Status API v2 JSON responses (`{request, appendix, flightStatuses: [...]}`) as
 * canonical flight observations.
 *
 * Every FlightStats time is a pair `{dateLocal, dateUtc}`: `dateLocal` is the airport's wall clock without an offset,
 * `dateUtc` the same instant in UTC with `Z`. Only `dateUtc` is used, for dates and for differences alike; a time
 * with no `dateUtc` counts as missing rather than being guessed from `dateLocal`.
 */

const PROVIDER = 'flightstats';
// Typed explicitly so that TypeScript knows a call never returns.
const fail: (message: string) => never = malformedBody(PROVIDER);

/** The operational times the normaliser reads, as UTC instants. */
interface Times {
  publishedArrival: number | null;
  scheduledGateArrival: number | null;
  actualGateArrival: number | null;
  actualRunwayArrival: number | null;
  actualGateDeparture: number | null;
  actualRunwayDeparture: number | null;
}

/** A validated element of `flightStatuses`. */
interface FlightStatsFlight {
  carrier: string;
  flightNumber: string;
  /** IATA designators of the marketing flights sold on this one. */
  codeshares: { carrier: string; flightNumber: string }[];
  departureDate: string;
  status: string;
  times: Times;
}

function requiredString(record: Json, key: string, where: string): string {
  const value = record[key];
  if (typeof value !== 'string' || value === '') fail(`${where}.${key} is ${describe(value)}, not a string`);
  return value;
}

const UTC_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z$/;

/** The `dateUtc` of a `{dateLocal, dateUtc}` pair as an instant; null when the pair or its `dateUtc` is absent. */
function utcInstant(pair: unknown, where: string): number | null {
  if (pair === undefined || pair === null) return null;
  if (!isObject(pair)) fail(`${where} is ${describe(pair)}, not a {dateLocal, dateUtc} pair`);
  const utc = pair.dateUtc;
  if (utc === undefined || utc === null) return null;
  if (typeof utc !== 'string' || !UTC_TIMESTAMP.test(utc)) fail(`${where}.dateUtc is ${describe(utc)}, not UTC`);
  return Date.parse(utc);
}

function readTimes(record: Json, where: string): Times {
  const operational = record.operationalTimes;
  if (operational !== undefined && operational !== null && !isObject(operational)) {
    fail(`${where}.operationalTimes is ${describe(operational)}, not an object`);
  }
  const times: Json = isObject(operational) ? operational : {};
  const at = `${where}.operationalTimes`;
  return {
    publishedArrival: utcInstant(times.publishedArrival, `${at}.publishedArrival`),
    scheduledGateArrival: utcInstant(times.scheduledGateArrival, `${at}.scheduledGateArrival`),
    actualGateArrival: utcInstant(times.actualGateArrival, `${at}.actualGateArrival`),
    actualRunwayArrival: utcInstant(times.actualRunwayArrival, `${at}.actualRunwayArrival`),
    actualGateDeparture: utcInstant(times.actualGateDeparture, `${at}.actualGateDeparture`),
    actualRunwayDeparture: utcInstant(times.actualRunwayDeparture, `${at}.actualRunwayDeparture`),
  };
}

/**
 * FlightStats carrier codes (`fs`) usually equal IATA codes but not always (duplicates get a suffix such as `*`);
 * the appendix maps each `fs` code to its IATA code.
 */
function iataCarriers(body: Json): Map<string, string> {
  const carriers = new Map<string, string>();
  const airlines = isObject(body.appendix) ? body.appendix.airlines : undefined;
  if (!Array.isArray(airlines)) return carriers;
  for (const airline of airlines) {
    if (isObject(airline) && typeof airline.fs === 'string' && typeof airline.iata === 'string') {
      carriers.set(airline.fs, airline.iata.toUpperCase());
    }
  }
  return carriers;
}

function readFlight(record: unknown, where: string, carriers: Map<string, string>): FlightStatsFlight {
  if (!isObject(record)) fail(`${where} is ${describe(record)}, not a flight status object`);
  const carrierFsCode = requiredString(record, 'carrierFsCode', where);
  const flightNumber = requiredString(record, 'flightNumber', where).toUpperCase();
  const departure = record.departureDate;
  if (!isObject(departure)) fail(`${where}.departureDate is ${describe(departure)}, not a {dateLocal, dateUtc} pair`);
  const departureInstant = utcInstant(departure, `${where}.departureDate`);
  if (departureInstant === null) fail(`${where}.departureDate.dateUtc is missing`);
  const codeshares = Array.isArray(record.codeshares) ? record.codeshares : [];
  return {
    carrier: carriers.get(carrierFsCode) ?? carrierFsCode.toUpperCase(),
    flightNumber,
    codeshares: codeshares.filter(isObject).flatMap((codeshare) =>
      typeof codeshare.fsCode === 'string' && typeof codeshare.flightNumber === 'string'
        ? [
            {
              carrier: carriers.get(codeshare.fsCode) ?? codeshare.fsCode.toUpperCase(),
              flightNumber: codeshare.flightNumber.toUpperCase(),
            },
          ]
        : [],
    ),
    // `departureDate` is the flight's own departure (documented as likely the published or scheduled gate
    // departure); its UTC date is the canonical departure date.
    departureDate: new Date(departureInstant).toISOString().slice(0, 10),
    status: requiredString(record, 'status', where),
    times: readTimes(record, where),
  };
}

/** The `flightStatuses` array, or a clear error for FlightStats' `{error: {...}}` answers and other bodies. */
function statusRecords(body: unknown): { records: unknown[]; carriers: Map<string, string> } {
  if (!isObject(body)) fail(`the body is ${describe(body)}, not an object`);
  if (isObject(body.error)) {
    fail(`the API answered with error ${describe(body.error.errorCode)}: ${describe(body.error.errorMessage)}`);
  }
  if (!Array.isArray(body.flightStatuses)) fail(`flightStatuses is ${describe(body.flightStatuses)}, not a list`);
  return { records: body.flightStatuses, carriers: iataCarriers(body) };
}

function hasDeparted(times: Times): boolean {
  return times.actualGateDeparture !== null || times.actualRunwayDeparture !== null;
}

function hasArrived(times: Times): boolean {
  return times.actualGateArrival !== null || times.actualRunwayArrival !== null;
}

/**
 * FlightStats status codes: S scheduled, A active, L landed (at the scheduled airport), D diverted (landed at another
 * airport), R redirected (airborne towards another airport), C cancelled, U unknown (no final status from any source
 * in reasonable time), NO not operational (an outdated schedule), DN data source needed.
 */
function statusOf(flight: FlightStatsFlight): FlightStatus {
  const { times } = flight;
  switch (flight.status) {
    case 'L':
      return 'landed';
    case 'D':
      return 'diverted';
    case 'R':
      // Still flying, and a redirection can be undone: only a landing elsewhere (D) is a diversion.
      return 'active';
    case 'C':
      // A cancelled flight with actual times contradicts itself: neither outcome can be trusted.
      return hasDeparted(times) || hasArrived(times) ? 'unknown' : 'cancelled';
    case 'S':
    case 'A':
      // A lagging status yields to the times: landed once an actual arrival exists, active once departed.
      if (hasArrived(times)) return 'landed';
      if (hasDeparted(times) || flight.status === 'A') return 'active';
      return 'scheduled';
    default:
      // U says FlightStats could not tell landed from diverted: an arrival time alone does not settle it either.
      return 'unknown';
  }
}

/**
 * Minutes from the scheduled gate arrival (`scheduledGateArrival`, else `publishedArrival`, as Cirium recommends for
 * delay status) to the actual gate arrival, or, until that is reported, the actual runway arrival (a taxi-in early).
 * Computed from `dateUtc` rather than read from `delays.arrivalGateDelayMinutes`: that field is optional and whether it
 * can go negative (early) is not documented, while the times are there whenever the flight has them. Whole minutes,
 * truncated toward zero.
 */
function arrivalDelayOf(flight: FlightStatsFlight, status: FlightStatus): number | null {
  const { times } = flight;
  const actual = times.actualGateArrival ?? times.actualRunwayArrival;
  const scheduled = times.scheduledGateArrival ?? times.publishedArrival;
  if (status !== 'landed' || actual === null || scheduled === null) return null;
  return wholeMinutes(actual - scheduled);
}

function sameFlightNumber(a: string, b: string): boolean {
  return a.replace(/^0+(?=.)/, '').toUpperCase() === b.replace(/^0+(?=.)/, '').toUpperCase();
}

function isDesignator(carrier: string, flightNumber: string, query: FlightQuery): boolean {
  return carrier === query.carrier.toUpperCase() && sameFlightNumber(flightNumber, query.flightNumber);
}

/**
 * Normalises a FlightStats flight status body. With a query, only flights departing on the queried UTC date are
 * kept: those operated under the queried designator, or, when none is, those that list it among their codeshares.
 * Observations carry the designator as queried.
 */
export function normaliseFlightStatsStatuses(body: unknown, query?: FlightQuery): FlightObservation[] {
  const { records, carriers } = statusRecords(body);
  const flights = records.map((record, index) => readFlight(record, `flightStatuses[${index}]`, carriers));
  let selected = flights;
  if (query !== undefined) {
    const onDate = flights.filter((flight) => flight.departureDate === query.departureDate);
    const operated = onDate.filter((flight) => isDesignator(flight.carrier, flight.flightNumber, query));
    selected =
      operated.length > 0
        ? operated
        : onDate.filter((flight) =>
            flight.codeshares.some((codeshare) => isDesignator(codeshare.carrier, codeshare.flightNumber, query)),
          );
  }
  return selected.map((flight) => {
    const carrier = query === undefined ? flight.carrier : query.carrier.toUpperCase();
    const flightNumber = query === undefined ? flight.flightNumber : query.flightNumber.toUpperCase();
    const status = statusOf(flight);
    return {
      feedKey: flightFeedKey(carrier, flightNumber, flight.departureDate),
      carrier,
      flightNumber,
      departureDate: flight.departureDate,
      status,
      arrivalDelayMinutes: arrivalDelayOf(flight, status),
    };
  });
}
