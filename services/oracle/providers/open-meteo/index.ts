import type { ProviderResult, WeatherObservation, WeatherProvider, WeatherQuery } from '../../observation.js';
import { isIsoDate, normaliseOpenMeteo } from './normalise.js';
import { OpenMeteoTransport, parseOpenMeteoBody, type OpenMeteoHttpSettings } from './transport.js';

export { describeOpenMeteoTimezone, normaliseOpenMeteo, type OpenMeteoQuery } from './normalise.js';
export { OpenMeteoTransport, openMeteoDailyQuery, openMeteoEndpointFor } from './transport.js';

/** Settings of the Open-Meteo provider; HTTP settings default to `DEFAULT_HTTP`. */
export interface OpenMeteoProviderOptions extends Partial<OpenMeteoHttpSettings> {
  /** The forecast API, which also serves recent past days. Default `https://api.open-meteo.com`. */
  baseUrl?: string;
  /** The Historical Weather API. Default `https://archive-api.open-meteo.com`. */
  archiveBaseUrl?: string;
  /** Default 5: Open-Meteo's documented delay of its ERA5 archive. */
  archiveLagDays?: number;
  /** Commercial API key, if any. */
  apiKey?: string;
  /** The current time when a query carries no `asOf`; the wall clock by default. */
  now?: () => Date;
}

/** Open-Meteo's free tier allows 600 calls a minute; one call each 100 ms stays within it. */
const DEFAULT_HTTP: OpenMeteoHttpSettings = { timeoutMs: 10_000, retries: 3, backoffMs: 1_000, minIntervalMs: 100 };

const DAY_MS = 24 * 60 * 60 * 1000;

/** The daily weather at a grid point from Open-Meteo: the archive for older days, the forecast API for recent ones. */
export class OpenMeteoProvider implements WeatherProvider {
  readonly name = 'open-meteo';
  private readonly transport: OpenMeteoTransport;
  private readonly now: () => Date;

  constructor(options: OpenMeteoProviderOptions = {}) {
    this.transport = new OpenMeteoTransport({
      archiveBaseUrl: options.archiveBaseUrl ?? 'https://archive-api.open-meteo.com',
      forecastBaseUrl: options.baseUrl ?? 'https://api.open-meteo.com',
      archiveLagDays: options.archiveLagDays ?? 5,
      apiKey: options.apiKey,
      http: {
        timeoutMs: options.timeoutMs ?? DEFAULT_HTTP.timeoutMs,
        retries: options.retries ?? DEFAULT_HTTP.retries,
        backoffMs: options.backoffMs ?? DEFAULT_HTTP.backoffMs,
        minIntervalMs: options.minIntervalMs ?? DEFAULT_HTTP.minIntervalMs,
        sleep: options.sleep,
      },
    });
    this.now = options.now ?? (() => new Date());
  }

  /**
   * The observation of one UTC day. Refuses stations (a gridded provider has none) and days not yet over in UTC,
   * for which the forecast API would answer with values that are partly forecast.
   */
  async fetchWeather(query: WeatherQuery): Promise<ProviderResult<WeatherObservation>> {
    const { location, date } = query;
    if ('stationId' in location) throw new Error(`open-meteo: has no stations (asked for ${location.stationId})`);
    if (!isIsoDate(date)) throw new Error(`open-meteo: date ${JSON.stringify(date)} is not a YYYY-MM-DD day`);
    const now = query.asOf === undefined ? this.now() : new Date(query.asOf * 1000);
    if (Date.parse(`${date}T00:00:00Z`) + DAY_MS > now.getTime()) {
      throw new Error(`open-meteo: ${date} is not over in UTC yet; its daily values would be partly forecast`);
    }
    const raw = await this.transport.fetchDay(location.latitude, location.longitude, date, now);
    return { observations: normaliseOpenMeteo(parseOpenMeteoBody(raw), query), raw: [raw] };
  }
}
