/**
 * The three flight providers as the replay server answers them: the catalogued flight's recording, re-dated to the
 * date asked and shown as far as the ledger's clock has got (scheduled, in the air, or its outcome), in the body
 * shape of the provider's documented endpoint. A flight the catalogue does not know gets the provider's empty answer.
 */
import {
  daysBetween,
  findReplayFlight,
  replayFlightTimesShifted,
  utcDay,
  type ReplayFlight,
  type ReplayFlightProvider,
} from './catalogue.js';
import { labelled, readRecording, shiftDates, type Json, type ReplayLabel } from './redate.js';

export type FlightStage = 'scheduled' | 'active' | 'final';

/** A replayed answer: the HTTP status and the JSON body. */
export interface ReplayReply {
  status: number;
  body: Json;
}

/** Where a flight stands at `now` (unix seconds, the ledger's clock) once re-dated by `shiftDays`. */
export function flightStage(flight: ReplayFlight, shiftDays: number, now: number): FlightStage {
  const times = replayFlightTimesShifted(flight, shiftDays);
  if (now >= times.revealAt) return 'final';
  // A cancelled flight never leaves: until its outcome shows it is simply scheduled.
  if (now >= times.scheduledDeparture && flight.outcome.status !== 'cancelled') return 'active';
  return 'scheduled';
}

/** The catalogued flight served by `provider` under this designator, if any. */
function flightOf(provider: ReplayFlightProvider, designator: string): ReplayFlight | undefined {
  const match = /^([A-Z0-9]{2})(\d{1,4}[A-Z]?)$/.exec(designator.toUpperCase());
  if (match === null) return undefined;
  const flight = findReplayFlight(match[1] ?? '', match[2] ?? '');
  return flight?.provider === provider ? flight : undefined;
}

function isDate(value: string | null): value is string {
  return value !== null && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`));
}

function badRequest(body: Json): ReplayReply {
  return { status: 400, body };
}

// ---------------------------------------------------------------------------------------------------------------
// AviationStack: GET /v1/flights?flight_iata=&flight_date=
// ---------------------------------------------------------------------------------------------------------------

/** Hides what had not happened yet at `stage`: the arrival, and before departure the departure too. */
function aviationstackAt(record: Json, stage: FlightStage): Json {
  if (stage === 'final') return record;
  const departure = record.departure as Json;
  const arrival = record.arrival as Json;
  const notYet = { actual: null, actual_runway: null, estimated_runway: null, delay: null };
  return {
    ...record,
    flight_status: stage,
    departure: stage === 'scheduled' ? { ...departure, ...notYet, estimated: departure.scheduled } : departure,
    arrival: { ...arrival, ...notYet, estimated: arrival.scheduled },
  };
}

export function aviationstackFlights(query: URLSearchParams, now: number): ReplayReply {
  const designator = query.get('flight_iata');
  const flightDate = query.get('flight_date');
  if (designator === null || !isDate(flightDate)) {
    return badRequest({
      error: { code: 'validation_error', message: 'the replay server needs flight_iata and flight_date (YYYY-MM-DD)' },
    });
  }
  const flight = flightOf('aviationstack', designator);
  const records: Json[] = [];
  let label: ReplayLabel = { recording: null, recorded: null, shiftedDays: 0 };
  if (flight !== undefined) {
    const recorded = (readRecording(flight.source) as Json[]).find(
      (record) => (record.flight as Json).iata === flight.designator,
    );
    if (recorded === undefined) throw new Error(`${flight.source} holds no ${flight.designator}`);
    // `flight_date` is the departure airport's local date, as the recording's own is.
    const shiftDays = daysBetween(recorded.flight_date as string, flightDate);
    const stage = flightStage(flight, shiftDays, now);
    records.push(aviationstackAt(shiftDates(recorded, shiftDays), stage));
    label = { recording: flight.source, recorded: flight.recorded, shiftedDays: shiftDays, stage };
  }
  const pagination = { limit: 100, offset: 0, count: records.length, total: records.length };
  return { status: 200, body: labelled({ pagination, data: records }, label) };
}

// ---------------------------------------------------------------------------------------------------------------
// FlightAware AeroAPI v4: GET /flights/{ident}?ident_type=designator&start=&end=
// ---------------------------------------------------------------------------------------------------------------

function aeroApiAt(record: Json, stage: FlightStage): Json {
  if (stage === 'final') return record;
  const inTheAir = {
    ...record,
    cancelled: false,
    diverted: false,
    actual_on: null,
    actual_in: null,
    estimated_on: record.scheduled_on,
    estimated_in: record.scheduled_in,
    arrival_delay: 0,
    progress_percent: 50,
    status: 'En Route / On Time',
  };
  if (stage === 'active') return inTheAir;
  return {
    ...inTheAir,
    actual_out: null,
    actual_off: null,
    estimated_out: record.scheduled_out,
    estimated_off: record.scheduled_off,
    departure_delay: 0,
    progress_percent: 0,
    status: 'Scheduled',
  };
}

export function flightawareFlights(ident: string, query: URLSearchParams, now: number): ReplayReply {
  const start = query.get('start');
  const day = start === null ? null : start.slice(0, 10);
  if (!isDate(day)) {
    return badRequest({ title: 'Invalid argument', detail: 'the replay server needs start (an ISO 8601 UTC time)' });
  }
  const flight = flightOf('flightaware', ident);
  const flights: Json[] = [];
  let label: ReplayLabel = { recording: null, recorded: null, shiftedDays: 0 };
  if (flight !== undefined) {
    const board = readRecording(flight.source) as Json;
    const recorded = (board.arrivals as Json[]).find((record) => record.ident_iata === flight.designator);
    if (recorded === undefined) throw new Error(`${flight.source} holds no ${flight.designator}`);
    // `start` and `end` bound the scheduled gate departure in UTC.
    const shiftDays = daysBetween(utcDay(Date.parse(recorded.scheduled_out as string) / 1000), day);
    const stage = flightStage(flight, shiftDays, now);
    flights.push(aeroApiAt(shiftDates(recorded, shiftDays), stage));
    label = { recording: flight.source, recorded: flight.recorded, shiftedDays: shiftDays, stage };
  }
  return { status: 200, body: labelled({ flights, links: null, num_pages: 1 }, label) };
}

// ---------------------------------------------------------------------------------------------------------------
// FlightStats Flex Flight Status v2: GET /flex/flightstatus/rest/v2/json/flight/status/{carrier}/{flight}/dep/{y}/{m}/{d}
// ---------------------------------------------------------------------------------------------------------------

const ARRIVAL_TIMES = ['actualGateArrival', 'actualRunwayArrival', 'estimatedGateArrival', 'estimatedRunwayArrival'];
const DEPARTURE_TIMES = [
  'actualGateDeparture',
  'actualRunwayDeparture',
  'estimatedGateDeparture',
  'estimatedRunwayDeparture',
];

function without(record: Json, keys: readonly string[]): Json {
  return Object.fromEntries(Object.entries(record).filter(([key]) => !keys.includes(key)));
}

function flightStatsAt(status: Json, stage: FlightStage): Json {
  if (stage === 'final') return status;
  const times = status.operationalTimes as Json;
  const hidden = stage === 'active' ? ARRIVAL_TIMES : [...ARRIVAL_TIMES, ...DEPARTURE_TIMES];
  const delays = status.delays as Json | undefined;
  const keptDelays =
    stage === 'active' && delays !== undefined
      ? without(delays, ['arrivalGateDelayMinutes', 'arrivalRunwayDelayMinutes'])
      : undefined;
  return {
    ...without(status, ['divertedAirportFsCode', 'delays']),
    status: stage === 'active' ? 'A' : 'S',
    operationalTimes: without(times, hidden),
    ...(keptDelays === undefined || Object.keys(keptDelays).length === 0 ? {} : { delays: keptDelays }),
  };
}

export function flightstatsStatus(
  carrier: string,
  flightNumber: string,
  date: { year: string; month: string; day: string },
  query: URLSearchParams,
  now: number,
): ReplayReply {
  const asked = `${date.year.padStart(4, '0')}-${date.month.padStart(2, '0')}-${date.day.padStart(2, '0')}`;
  if (!isDate(asked)) {
    return badRequest({
      error: { httpStatusCode: 400, errorCode: 'BAD_DATE', errorMessage: 'the date in the path is no date' },
    });
  }
  const utc = query.get('utc') === 'true';
  const flight = flightOf('flightstats', `${carrier}${flightNumber}`);
  const request = {
    url: `https://api.flightstats.com/flex/flightstatus/rest/v2/json/flight/status/${carrier}/${flightNumber}/dep/${date.year}/${date.month}/${date.day}`,
    airline: { requestedCode: carrier, fsCode: carrier.toUpperCase() },
    flight: { requested: flightNumber, interpreted: flightNumber },
    date: { year: date.year, month: date.month, day: date.day, interpreted: asked },
    utc: { requested: String(utc), interpreted: utc },
  };
  if (flight === undefined) {
    return {
      status: 200,
      body: labelled(
        { request, appendix: {}, flightStatuses: [] },
        { recording: null, recorded: null, shiftedDays: 0 },
      ),
    };
  }
  const recorded = readRecording(flight.source) as Json;
  const statuses = (recorded.flightStatuses as Json[]).filter(
    (status) => `${status.carrierFsCode as string}${status.flightNumber as string}` === flight.designator,
  );
  const departure = statuses[0]?.departureDate as { dateLocal: string; dateUtc: string } | undefined;
  if (departure === undefined) throw new Error(`${flight.source} holds no ${flight.designator}`);
  // With `utc=true` the date in the path is the UTC departure date, else the departure airport's local date.
  const shiftDays = daysBetween((utc ? departure.dateUtc : departure.dateLocal).slice(0, 10), asked);
  const stage = flightStage(flight, shiftDays, now);
  const body = {
    ...recorded,
    request: { ...(recorded.request as Json), ...request },
    flightStatuses: statuses.map((status) => flightStatsAt(shiftDates(status, shiftDays), stage)),
  };
  return {
    status: 200,
    body: labelled(body, { recording: flight.source, recorded: flight.recorded, shiftedDays: shiftDays, stage }),
  };
}
