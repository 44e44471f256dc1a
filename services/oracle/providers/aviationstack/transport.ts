import { HttpClient, type HttpOptions } from '../../http.js';
import type { FlightObservation, FlightProvider, FlightQuery, ProviderResult, RawResponse } from '../../observation.js';
import { aviationstackDepartureDates, normaliseAviationstackFlights, shiftDate } from './normalise.js';
import { parseBody } from '../body.js';

export interface AviationstackOptions extends Pick<
  HttpOptions,
  'timeoutMs' | 'retries' | 'backoffMs' | 'minIntervalMs' | 'sleep'
> {
  /** e.g. `https://api.aviationstack.com` (the free plan only serves `http://`). */
  baseUrl: string;
  /** Sent as the `access_key` query parameter and kept out of recorded URLs. */
  apiKey: string;
}

/** Flight status from AviationStack's `GET /v1/flights`, one designator and date per request. */
export class AviationstackProvider implements FlightProvider {
  readonly name = 'aviationstack';
  private readonly http: HttpClient;

  constructor(options: AviationstackOptions) {
    this.http = new HttpClient({
      provider: this.name,
      baseUrl: options.baseUrl,
      timeoutMs: options.timeoutMs,
      retries: options.retries,
      backoffMs: options.backoffMs,
      minIntervalMs: options.minIntervalMs,
      sleep: options.sleep,
      secretQuery: { access_key: options.apiKey },
    });
  }

  async fetchFlight(query: FlightQuery): Promise<ProviderResult<FlightObservation>> {
    const first = await this.fetchLocalDate(query, query.departureDate);
    const firstBody = parseBody(first);
    const notes: string[] = [];
    const observations = normaliseAviationstackFlights(firstBody, query, notes);
    if (observations.length > 0) return { observations, raw: [first], notes };

    // `flight_date` is the local date at the departure airport. When the flight found under it departs on another
    // UTC day, the flight of the asked UTC day is filed under the neighbouring local date: ask once more, there.
    const otherDates = aviationstackDepartureDates(firstBody, query);
    const step = otherDates.some((date) => date < query.departureDate)
      ? 1
      : otherDates.some((date) => date > query.departureDate)
        ? -1
        : 0;
    if (step === 0) return { observations, raw: [first], notes };
    const second = await this.fetchLocalDate(query, shiftDate(query.departureDate, step));
    return {
      observations: normaliseAviationstackFlights(parseBody(second), query, notes),
      raw: [first, second],
      notes,
    };
  }

  private fetchLocalDate(query: FlightQuery, flightDate: string): Promise<RawResponse> {
    return this.http.get('/v1/flights', {
      flight_iata: `${query.carrier}${query.flightNumber}`.toUpperCase(),
      flight_date: flightDate,
    });
  }
}
