import { HttpClient, type HttpOptions } from '../../http.js';
import type { FlightObservation, FlightProvider, FlightQuery, ProviderResult } from '../../observation.js';
import { aeroApiFlightRecords, normaliseAeroApiFlights } from './normalise.js';
import { parseBody } from '../body.js';

export interface FlightAwareOptions extends Pick<
  HttpOptions,
  'timeoutMs' | 'retries' | 'backoffMs' | 'minIntervalMs' | 'sleep'
> {
  /** e.g. `https://aeroapi.flightaware.com/aeroapi`. */
  baseUrl: string;
  /** Sent in the `x-apikey` header, so it never appears in a URL. */
  apiKey: string;
}

/** Pages followed for one flight and day; one is the rule, a few cover a flight number flown several times a day. */
const MAX_PAGES = 3;
const DAY_MS = 24 * 60 * 60 * 1000;

/** `links.next` when it is a path on the same API; anything else (another host) is never followed with our key. */
function nextPage(body: unknown): string | null {
  if (typeof body !== 'object' || body === null || !('links' in body)) return null;
  const links = body.links;
  if (typeof links !== 'object' || links === null || !('next' in links)) return null;
  const next = links.next;
  return typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') ? next : null;
}

/** Flight status from AeroAPI v4 `GET /flights/{ident}`, bounded to the scheduled departure's UTC day. */
export class FlightAwareProvider implements FlightProvider {
  readonly name = 'flightaware';
  private readonly http: HttpClient;

  constructor(options: FlightAwareOptions) {
    this.http = new HttpClient({
      provider: this.name,
      baseUrl: options.baseUrl,
      timeoutMs: options.timeoutMs,
      retries: options.retries,
      backoffMs: options.backoffMs,
      minIntervalMs: options.minIntervalMs,
      sleep: options.sleep,
      headers: { 'x-apikey': options.apiKey },
    });
  }

  async fetchFlight(query: FlightQuery): Promise<ProviderResult<FlightObservation>> {
    const ident = `${query.carrier}${query.flightNumber}`.toUpperCase();
    const dayStart = Date.parse(`${query.departureDate}T00:00:00Z`);
    // `start` (inclusive) and `end` (exclusive) compare with `scheduled_out`: exactly the UTC day of the feed.
    // `ident_type=designator` keeps AeroAPI from reading the ident as a registration.
    let response = await this.http.get(`/flights/${encodeURIComponent(ident)}`, {
      ident_type: 'designator',
      start: new Date(dayStart).toISOString().replace('.000Z', 'Z'),
      end: new Date(dayStart + DAY_MS).toISOString().replace('.000Z', 'Z'),
    });
    const raw = [response];
    const records: unknown[] = [];
    for (;;) {
      const body = parseBody(response);
      records.push(...aeroApiFlightRecords(body));
      const next = nextPage(body);
      if (next === null || raw.length >= MAX_PAGES) break;
      response = await this.http.get(next);
      raw.push(response);
    }
    return { observations: normaliseAeroApiFlights({ flights: records }, query), raw };
  }
}
