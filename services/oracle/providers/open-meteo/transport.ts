import { HttpClient, ProviderError, type HttpOptions } from '../../http.js';
import type { RawResponse } from '../../observation.js';

const PROVIDER = 'open-meteo';

/** The daily variables every request asks for, whatever metric the node wants: one response serves all three. */
export const OPEN_METEO_DAILY_REQUEST = 'precipitation_sum,temperature_2m_max,wind_speed_10m_max';

/** HTTP behaviour shared by both endpoints. */
export type OpenMeteoHttpSettings = Pick<
  HttpOptions,
  'timeoutMs' | 'retries' | 'backoffMs' | 'minIntervalMs' | 'sleep'
>;

export interface OpenMeteoTransportOptions {
  /** Historical Weather API, e.g. `https://archive-api.open-meteo.com`. */
  archiveBaseUrl: string;
  /** Forecast API, e.g. `https://api.open-meteo.com`; it also serves the last 92 days (`past_days`). */
  forecastBaseUrl: string;
  /**
   * Days the archive runs behind today (UTC). Open-Meteo documents a delay of 5 days for its ERA5 reanalysis (2 days
   * for the IFS-based default); a day is read from the archive only when it is more than this many days old, and
   * from the forecast API otherwise.
   */
  archiveLagDays: number;
  /** For the commercial API: sent as `apikey` and kept out of recorded URLs. */
  apiKey?: string;
  http: OpenMeteoHttpSettings;
}

/** Which Open-Meteo API answers for a day. */
export type OpenMeteoEndpoint = 'archive' | 'forecast';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The archive for days older than its lag, the forecast API's past days otherwise. */
export function openMeteoEndpointFor(date: string, now: Date, archiveLagDays: number): OpenMeteoEndpoint {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const daysAgo = Math.round((today - Date.parse(`${date}T00:00:00Z`)) / DAY_MS);
  return daysAgo > archiveLagDays ? 'archive' : 'forecast';
}

/** The query of a daily request for one UTC day at one point; `timezone=GMT` makes daily values cover UTC days. */
export function openMeteoDailyQuery(latitude: number, longitude: number, date: string): Record<string, string> {
  return {
    latitude: latitude.toFixed(4),
    longitude: longitude.toFixed(4),
    start_date: date,
    end_date: date,
    daily: OPEN_METEO_DAILY_REQUEST,
    timezone: 'GMT',
  };
}

function checkBaseUrl(setting: string, value: string): string {
  let protocol: string;
  try {
    protocol = new URL(value).protocol;
  } catch {
    throw new Error(`${PROVIDER}: ${setting} ${JSON.stringify(value)} is not a URL`);
  }
  if (protocol !== 'https:' && protocol !== 'http:') {
    throw new Error(`${PROVIDER}: ${setting} ${JSON.stringify(value)} is not an http(s) URL`);
  }
  return value;
}

/** A response body as JSON; a body that is not JSON is the provider's fault. */
export function parseOpenMeteoBody(raw: RawResponse): unknown {
  try {
    return JSON.parse(raw.body) as unknown;
  } catch (error) {
    throw new ProviderError(PROVIDER, 'bad_body', `the response to ${raw.url} is not JSON`, raw.status, undefined, {
      cause: error,
    });
  }
}

/** Refuses HTTP settings that cannot work, naming them. */
function checkHttpSettings(http: OpenMeteoHttpSettings): void {
  if (!Number.isInteger(http.timeoutMs) || http.timeoutMs <= 0) {
    throw new Error(`${PROVIDER}: timeoutMs ${http.timeoutMs} is not a positive whole number of milliseconds`);
  }
  if (!Number.isInteger(http.retries) || http.retries < 0) {
    throw new Error(`${PROVIDER}: retries ${http.retries} is not a whole number ≥ 0`);
  }
  for (const setting of ['backoffMs', 'minIntervalMs'] as const) {
    if (!Number.isFinite(http[setting]) || http[setting] < 0) {
      throw new Error(`${PROVIDER}: ${setting} ${http[setting]} is not a number of milliseconds ≥ 0`);
    }
  }
}

/**
 * GETs daily values from the archive or the forecast API; timeouts, retries (429, 5xx, network) and request spacing
 * come from `HttpClient`. Refuses settings that cannot work, naming them.
 */
export class OpenMeteoTransport {
  private readonly archive: HttpClient;
  private readonly forecast: HttpClient;

  constructor(private readonly options: OpenMeteoTransportOptions) {
    if (!Number.isInteger(options.archiveLagDays) || options.archiveLagDays < 0) {
      throw new Error(`${PROVIDER}: archiveLagDays ${options.archiveLagDays} is not a whole number of days`);
    }
    checkHttpSettings(options.http);
    const secretQuery = options.apiKey === undefined ? undefined : { apikey: options.apiKey };
    this.archive = new HttpClient({
      ...options.http,
      provider: PROVIDER,
      baseUrl: checkBaseUrl('archiveBaseUrl', options.archiveBaseUrl),
      secretQuery,
    });
    this.forecast = new HttpClient({
      ...options.http,
      provider: PROVIDER,
      baseUrl: checkBaseUrl('forecastBaseUrl', options.forecastBaseUrl),
      secretQuery,
    });
  }

  /** The response for one UTC day at one point, from the API that holds that day at `now`. */
  async fetchDay(latitude: number, longitude: number, date: string, now: Date): Promise<RawResponse> {
    const query = openMeteoDailyQuery(latitude, longitude, date);
    return openMeteoEndpointFor(date, now, this.options.archiveLagDays) === 'archive'
      ? this.archive.get('/v1/archive', query)
      : this.forecast.get('/v1/forecast', query);
  }
}
