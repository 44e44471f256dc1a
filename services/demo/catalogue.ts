/**
 * What the replay server can replay (`GET <replayUrl>/catalogue`): recorded flights with their outcome, and places
 * with recorded daily weather values. The demo picks from it a flight whose recorded outcome pays (a delay or a
 * cancellation) and a place whose recorded rain triggers, and re-dates them after the ledger's current time: the
 * replay server answers for whatever date it is asked, from the recording.
 */
import { z } from 'zod';

const outcomeSchema = z.object({
  status: z.enum(['landed', 'cancelled', 'diverted']),
  arrivalDelayMinutes: z.number().nullable(),
});

const flightSchema = z
  .object({
    designator: z.string(),
    provider: z.string(),
    recorded: z.boolean(),
    carrier: z.string(),
    flightNumber: z.string(),
    origin: z.string(),
    destination: z.string(),
    /** Local departure time of day, `HH:MM`, and the departure airport's UTC offset, `+HH:MM`. */
    departureLocalTime: z.string().regex(/^\d{2}:\d{2}$/),
    departureUtcOffset: z.string().regex(/^[+-]\d{2}:\d{2}$/),
    /** Scheduled block time. */
    durationMinutes: z.number().int().positive(),
    outcome: outcomeSchema,
    source: z.string(),
  })
  .loose();

const placeSchema = z
  .object({
    name: z.string(),
    latitude: z.number(),
    longitude: z.number(),
    recorded: z.boolean().optional(),
    /** Recorded daily values per metric, in the metric's unit (mm of rain for PrecipitationSum). */
    daily: z.record(z.string(), z.array(z.number())),
    source: z.string().optional(),
  })
  .loose();

const catalogueSchema = z.object({ flights: z.array(flightSchema), places: z.array(placeSchema) });

export type ReplayFlight = z.infer<typeof flightSchema>;
export type ReplayPlace = z.infer<typeof placeSchema>;
export type ReplayCatalogue = z.infer<typeof catalogueSchema>;

/** Reads the replay server's catalogue. */
export async function fetchCatalogue(replayUrl: string): Promise<ReplayCatalogue> {
  let response: Response;
  try {
    response = await fetch(`${replayUrl}/catalogue`, { signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    throw new Error(
      `the replay server does not answer at ${replayUrl} (${(error as Error).message}): is the stack running ` +
        `(npm start), and on which port (POLICYLEDGER_REPLAY_PORT)?`,
    );
  }
  if (!response.ok) throw new Error(`GET ${replayUrl}/catalogue answered ${response.status}`);
  return catalogueSchema.parse(await response.json());
}

/** True when the flight's recorded outcome is a delay or a cancellation: a flight delay policy pays on it. */
export function paysOnRecord(flight: ReplayFlight): boolean {
  return flight.outcome.status === 'cancelled' || (flight.outcome.arrivalDelayMinutes ?? 0) > 0;
}

/** The flights a demo run can sell cover on, recorded ones first. */
export function payingFlights(catalogue: ReplayCatalogue): ReplayFlight[] {
  const paying = catalogue.flights.filter(paysOnRecord);
  return [...paying.filter((flight) => flight.recorded), ...paying.filter((flight) => !flight.recorded)];
}

/** A flight re-dated to one day: its scheduled departure and arrival as instants with the departure's offset. */
export interface DatedFlight {
  flight: ReplayFlight;
  /** The local departure date, `YYYY-MM-DD`. */
  date: string;
  departure: number;
  arrival: number;
  /** ISO-8601 with the departure airport's offset, as the API takes them. */
  scheduledDeparture: string;
  scheduledArrival: string;
}

function offsetSeconds(offset: string): number {
  const sign = offset.startsWith('-') ? -1 : 1;
  const [hours, minutes] = offset.slice(1).split(':').map(Number) as [number, number];
  return sign * (hours * 3_600 + minutes * 60);
}

/** `unixSeconds` as an ISO-8601 instant written in local time at `offset`. */
function isoWithOffset(unixSeconds: number, offset: string): string {
  const local = new Date((unixSeconds + offsetSeconds(offset)) * 1_000).toISOString().slice(0, 19);
  return `${local}${offset}`;
}

/** The flight on the first local date whose departure is at or after `earliest` (unix seconds). */
export function redateFlight(flight: ReplayFlight, earliest: number): DatedFlight {
  const offset = offsetSeconds(flight.departureUtcOffset);
  const [hours, minutes] = flight.departureLocalTime.split(':').map(Number) as [number, number];
  const localMidnight = (at: number) => Math.floor((at + offset) / 86_400) * 86_400;
  let departure = localMidnight(earliest) + hours * 3_600 + minutes * 60 - offset;
  if (departure < earliest) departure += 86_400;
  const arrival = departure + flight.durationMinutes * 60;
  return {
    flight,
    date: new Date((departure + offset) * 1_000).toISOString().slice(0, 10),
    departure,
    arrival,
    scheduledDeparture: isoWithOffset(departure, flight.departureUtcOffset),
    scheduledArrival: isoWithOffset(arrival, flight.departureUtcOffset),
  };
}

/** The place with recorded daily rain, and its first `days` recorded values (mm). */
export function rainyPlace(catalogue: ReplayCatalogue, days: number): { place: ReplayPlace; rainMm: number[] } {
  for (const place of catalogue.places) {
    const rain = place.daily.PrecipitationSum ?? place.daily.precipitation_sum;
    if (rain !== undefined && rain.length >= days) return { place, rainMm: rain.slice(0, days) };
  }
  throw new Error(`the replay catalogue has no place with ${days} recorded days of rain`);
}
