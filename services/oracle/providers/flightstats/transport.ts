import { HttpClient, type HttpOptions } from '../../http.js';
import type { FlightObservation, FlightProvider, FlightQuery, ProviderResult } from '../../observation.js';
import { normaliseFlightStatsStatuses } from './normalise.js';
import { parseBody } from '../body.js';

export interface FlightStatsOptions extends Pick<
  HttpOptions,
  'timeoutMs' | 'retries' | 'backoffMs' | 'minIntervalMs' | 'sleep'
> {
  /** e.g. `https://api.flightstats.com`. */
  baseUrl: string;
  /** Sent as the `appId` query parameter and kept out of recorded URLs. */
  appId: string;
  /** Sent as the `appKey` query parameter and kept out of recorded URLs. */
  appKey: string;
}

/** Flight status from FlightStats' Flex Flight Status API v2, "flights departing on date". */
export class FlightStatsProvider implements FlightProvider {
  readonly name = 'flightstats';
  private readonly http: HttpClient;

  constructor(options: FlightStatsOptions) {
    this.http = new HttpClient({
      provider: this.name,
      baseUrl: options.baseUrl,
      timeoutMs: options.timeoutMs,
      retries: options.retries,
      backoffMs: options.backoffMs,
      minIntervalMs: options.minIntervalMs,
      sleep: options.sleep,
      secretQuery: { appId: options.appId, appKey: options.appKey },
    });
  }

  async fetchFlight(query: FlightQuery): Promise<ProviderResult<FlightObservation>> {
    const [year, month, day] = query.departureDate.split('-').map(Number);
    const carrier = encodeURIComponent(query.carrier.toUpperCase());
    const flightNumber = encodeURIComponent(query.flightNumber.toUpperCase());
    const raw = await this.http.get(
      `/flex/flightstatus/rest/v2/json/flight/status/${carrier}/${flightNumber}/dep/${year}/${month}/${day}`,
      // The date in the path is a local date unless `utc=true`; the feed's date is UTC. The carrier is an IATA code.
      { utc: 'true', codeType: 'IATA' },
    );
    return { observations: normaliseFlightStatsStatuses(parseBody(raw), query), raw: [raw] };
  }
}
