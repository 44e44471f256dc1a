/**
 * What the local replay server can replay: flights with a known outcome and places with daily weather values, each
 * from a provider response kept under `services/replay/recordings/` (see the README there for where each came from).
 * The demo and the tests pick a flight or a place here; the server re-dates the recording to the day asked.
 */

/** The providers the replay server stands in for, by the prefix it serves each one under. */
export type ReplayFlightProvider = 'aviationstack' | 'flightaware' | 'flightstats';

/** A wall-clock time at an airport as recorded: its local date and time and the airport's UTC offset then. */
export interface LocalTime {
  /** `YYYY-MM-DD`, the airport's local date in the recording. */
  date: string;
  /** `HH:MM`, local. */
  localTime: string;
  /** `±HH:MM`. */
  utcOffset: string;
}

export interface ReplayFlight {
  /** IATA designator, e.g. `JQ762`: what a policy insures and what the nodes ask for. */
  designator: string;
  carrier: string;
  flightNumber: string;
  /** The one provider whose recording describes this flight; the others answer that they know no such flight. */
  provider: ReplayFlightProvider;
  /** True when captured from the provider's live API; false when written by us to its documented format. */
  recorded: boolean;
  /** The recording, relative to `services/replay/recordings/`. */
  source: string;
  route: { from: string; to: string };
  scheduledDeparture: LocalTime;
  scheduledArrival: LocalTime;
  /** What the provider finally said: the arrival delay from its timestamps, as the node's normaliser reads them. */
  outcome: { status: 'landed' | 'cancelled' | 'diverted'; arrivalDelayMinutes: number | null };
}

export interface ReplayPlace {
  name: string;
  provider: 'open-meteo' | 'nws';
  recorded: boolean;
  source: string;
  /** The grid point (Open-Meteo) or the station's position (NWS), in degrees. */
  latitude: number;
  longitude: number;
  /** NWS station id; absent for grid points. */
  stationId?: string;
  /** The first recorded UTC day; a day asked for gets the values of the recorded day as many days into the recording. */
  recordedDate: string;
  /** The recorded daily values per canonical metric, one per recorded day; a metric not listed was not recorded. */
  daily: Partial<Record<'precipitation_sum' | 'temperature_max' | 'wind_speed_max', (number | null)[]>>;
}

export const REPLAY_FLIGHTS: readonly ReplayFlight[] = [
  {
    designator: 'JQ762',
    carrier: 'JQ',
    flightNumber: '762',
    provider: 'aviationstack',
    recorded: true,
    source: 'aviationstack/flights-excerpt-more.json',
    route: { from: 'MNL', to: 'SIN' },
    scheduledDeparture: { date: '2022-04-22', localTime: '10:30', utcOffset: '+08:00' },
    scheduledArrival: { date: '2022-04-22', localTime: '14:15', utcOffset: '+08:00' },
    outcome: { status: 'landed', arrivalDelayMinutes: 11 },
  },
  {
    designator: 'MF1541',
    carrier: 'MF',
    flightNumber: '1541',
    provider: 'aviationstack',
    recorded: true,
    source: 'aviationstack/flights-excerpt-5.json',
    route: { from: 'CAN', to: 'SQD' },
    scheduledDeparture: { date: '2022-04-22', localTime: '08:35', utcOffset: '+08:00' },
    scheduledArrival: { date: '2022-04-22', localTime: '10:15', utcOffset: '+08:00' },
    outcome: { status: 'cancelled', arrivalDelayMinutes: null },
  },
  {
    designator: 'GJ3098',
    carrier: 'GJ',
    flightNumber: '3098',
    provider: 'aviationstack',
    recorded: true,
    source: 'aviationstack/flights-excerpt-5.json',
    route: { from: 'TSN', to: 'XMN' },
    scheduledDeparture: { date: '2022-04-22', localTime: '13:00', utcOffset: '+08:00' },
    scheduledArrival: { date: '2022-04-22', localTime: '15:50', utcOffset: '+08:00' },
    outcome: { status: 'landed', arrivalDelayMinutes: -22 },
  },
  {
    designator: 'QF2957',
    carrier: 'QF',
    flightNumber: '2957',
    provider: 'aviationstack',
    recorded: true,
    source: 'aviationstack/flights-excerpt-5.json',
    route: { from: 'OCM', to: 'PER' },
    scheduledDeparture: { date: '2022-04-22', localTime: '08:30', utcOffset: '+08:00' },
    scheduledArrival: { date: '2022-04-22', localTime: '10:20', utcOffset: '+08:00' },
    outcome: { status: 'landed', arrivalDelayMinutes: -2 },
  },
  {
    designator: 'BA196',
    carrier: 'BA',
    flightNumber: '196',
    provider: 'flightaware',
    recorded: true,
    source: 'flightaware/PomTog-aeroapi-arrivals-LHR-BAW196.jsonc',
    route: { from: 'IAH', to: 'LHR' },
    scheduledDeparture: { date: '2022-06-26', localTime: '20:30', utcOffset: '-05:00' },
    scheduledArrival: { date: '2022-06-27', localTime: '11:40', utcOffset: '+01:00' },
    // Landed 10 min before the timetable's gate time; the recording has the landing, not yet the gate arrival.
    outcome: { status: 'landed', arrivalDelayMinutes: -10 },
  },
  {
    designator: 'LH400',
    carrier: 'LH',
    flightNumber: '400',
    provider: 'flightstats',
    recorded: false,
    source: 'flightstats/landed-late.json',
    route: { from: 'FRA', to: 'JFK' },
    scheduledDeparture: { date: '2026-11-20', localTime: '10:55', utcOffset: '+01:00' },
    scheduledArrival: { date: '2026-11-20', localTime: '13:45', utcOffset: '-05:00' },
    outcome: { status: 'landed', arrivalDelayMinutes: 52 },
  },
  {
    designator: 'QF1',
    carrier: 'QF',
    flightNumber: '1',
    provider: 'flightstats',
    recorded: false,
    source: 'flightstats/on-time.json',
    route: { from: 'SYD', to: 'SIN' },
    scheduledDeparture: { date: '2026-11-21', localTime: '06:00', utcOffset: '+11:00' },
    scheduledArrival: { date: '2026-11-21', localTime: '12:10', utcOffset: '+08:00' },
    outcome: { status: 'landed', arrivalDelayMinutes: -4 },
  },
  {
    designator: 'AF1300',
    carrier: 'AF',
    flightNumber: '1300',
    provider: 'flightstats',
    recorded: false,
    source: 'flightstats/cancelled.json',
    route: { from: 'CDG', to: 'MAD' },
    scheduledDeparture: { date: '2026-11-20', localTime: '07:15', utcOffset: '+01:00' },
    scheduledArrival: { date: '2026-11-20', localTime: '09:25', utcOffset: '+01:00' },
    outcome: { status: 'cancelled', arrivalDelayMinutes: null },
  },
  {
    designator: 'EI105',
    carrier: 'EI',
    flightNumber: '105',
    provider: 'flightstats',
    recorded: false,
    source: 'flightstats/diverted.json',
    route: { from: 'DUB', to: 'JFK' },
    scheduledDeparture: { date: '2026-11-20', localTime: '11:40', utcOffset: '+00:00' },
    scheduledArrival: { date: '2026-11-20', localTime: '14:05', utcOffset: '-05:00' },
    outcome: { status: 'diverted', arrivalDelayMinutes: null },
  },
];

export const REPLAY_PLACES: readonly ReplayPlace[] = [
  {
    name: 'Enschede, Netherlands',
    provider: 'open-meteo',
    recorded: true,
    source: 'open-meteo/frenck-historical_weather.json',
    latitude: 52.26713,
    longitude: 6.820702,
    recordedDate: '1953-01-31',
    daily: { precipitation_sum: [11.9, 12.5] },
  },
  {
    name: 'Miami International Airport',
    provider: 'nws',
    recorded: false,
    source: 'nws/KMIA-observations-2026-06-01.json',
    latitude: 25.7881,
    longitude: -80.3165,
    stationId: 'KMIA',
    recordedDate: '2026-06-01',
    daily: { precipitation_sum: [13.208], temperature_max: [31.7], wind_speed_max: [38.89] },
  },
  {
    name: "Chicago O'Hare International Airport",
    provider: 'nws',
    recorded: false,
    source: 'nws/KORD-observations-2026-06-02-metres.json',
    latitude: 41.9602,
    longitude: -87.9336,
    stationId: 'KORD',
    recordedDate: '2026-06-02',
    // 16 hours with a temperature: fewer than the 18 a day needs, so its maximum stays unknown.
    daily: { precipitation_sum: [4.572], temperature_max: [null], wind_speed_max: [29.63] },
  },
];

const DAY_SECONDS = 86_400;

/** Unix seconds of a recorded local time. */
export function instantOf(time: LocalTime): number {
  return Date.parse(`${time.date}T${time.localTime}:00${time.utcOffset}`) / 1000;
}

/** Whole days from `from` to `to` (`YYYY-MM-DD`). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / (DAY_SECONDS * 1000));
}

/** `YYYY-MM-DD` of a unix time in UTC. */
export function utcDay(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().slice(0, 10);
}

/** When, re-dated, a replayed flight leaves, is due, and has its outcome revealed: unix seconds on the ledger's clock. */
export interface ReplayFlightTimes {
  scheduledDeparture: number;
  scheduledArrival: number;
  /**
   * The moment the server starts answering with the outcome: the actual arrival of a landed flight, the scheduled
   * arrival of a cancelled or diverted one. Before it the flight is scheduled, then (once due to leave) active.
   */
  revealAt: number;
}

/** The flight's times when it is re-dated by `shiftDays` whole days (local times and offsets kept). */
export function replayFlightTimesShifted(flight: ReplayFlight, shiftDays: number): ReplayFlightTimes {
  const shift = shiftDays * DAY_SECONDS;
  const scheduledDeparture = instantOf(flight.scheduledDeparture) + shift;
  const scheduledArrival = instantOf(flight.scheduledArrival) + shift;
  const { status, arrivalDelayMinutes } = flight.outcome;
  const revealAt = status === 'landed' ? scheduledArrival + (arrivalDelayMinutes ?? 0) * 60 : scheduledArrival;
  return { scheduledDeparture, scheduledArrival, revealAt };
}

/**
 * The flight's times when it departs (scheduled) on the UTC day `departureDate`, the date a policy and its feed name:
 * what a policy on a replayed flight should state as its scheduled arrival, and when its outcome appears.
 */
export function replayFlightTimes(flight: ReplayFlight, departureDate: string): ReplayFlightTimes {
  return replayFlightTimesShifted(flight, daysBetween(utcDay(instantOf(flight.scheduledDeparture)), departureDate));
}

/** The catalogued flight a designator names (case and leading zeros of the number ignored). */
export function findReplayFlight(carrier: string, flightNumber: string): ReplayFlight | undefined {
  const number = flightNumber.replace(/^0+(?=.)/, '').toUpperCase();
  return REPLAY_FLIGHTS.find(
    (flight) => flight.carrier === carrier.toUpperCase() && flight.flightNumber.toUpperCase() === number,
  );
}
