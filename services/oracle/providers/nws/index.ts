import { ProviderError } from '../../http.js';
import type { ProviderResult, WeatherObservation, WeatherProvider, WeatherQuery } from '../../observation.js';
import { checkNwsNormaliseOptions, normaliseNws, type NwsNormaliseOptions } from './normalise.js';
import { NwsTransport, type NwsHttpSettings, type NwsPage } from './transport.js';

export {
  DEFAULT_ACCEPTED_QUALITY_CONTROL,
  DEFAULT_MIN_COVERED_HOURS,
  normaliseNws,
  type NwsNormaliseOptions,
  type NwsQuery,
} from './normalise.js';
export { NwsTransport, nwsObservationsQuery } from './transport.js';

/** Settings of the NWS provider; HTTP settings default to `DEFAULT_HTTP`. */
export interface NwsProviderOptions extends NwsNormaliseOptions, Partial<NwsHttpSettings> {
  /** Required: identifies the application to NWS, with a contact (see `NwsTransportOptions.userAgent`). */
  userAgent: string;
  /** Default `https://api.weather.gov`. */
  baseUrl?: string;
  /** Days NWS keeps observations; older days are refused rather than read as empty. Default 7. */
  retentionDays?: number;
  /** Default 500, the most NWS allows. */
  pageLimit?: number;
  /** Default 5. */
  maxPages?: number;
  /** The current time when a query carries no `asOf`; the wall clock by default. */
  now?: () => Date;
}

/** NWS does not publish its rate limit; one request a second per node is far below "generous". */
const DEFAULT_HTTP: NwsHttpSettings = { timeoutMs: 15_000, retries: 3, backoffMs: 2_000, minIntervalMs: 1_000 };

const DAY_MS = 24 * 60 * 60 * 1000;

/** All pages' observations as one FeatureCollection, so the normaliser sees the whole day. */
function mergePages(pages: readonly NwsPage[]): unknown {
  if (pages.length === 1) return pages[0]?.body;
  const features = pages.flatMap(({ body, raw }, index) => {
    const list: unknown =
      typeof body === 'object' && body !== null ? (body as { features?: unknown }).features : undefined;
    if (!Array.isArray(list)) {
      throw new ProviderError('nws', 'bad_body', `page ${index + 1} (${raw.url}) has no features array`);
    }
    return list as unknown[];
  });
  return { type: 'FeatureCollection', features };
}

/** The daily weather at a US station, aggregated from the station's observations reported to NWS. */
export class NwsProvider implements WeatherProvider {
  readonly name = 'nws';
  private readonly transport: NwsTransport;
  private readonly normaliseOptions: NwsNormaliseOptions;
  private readonly retentionDays: number;
  private readonly now: () => Date;

  constructor(options: NwsProviderOptions) {
    this.transport = new NwsTransport({
      baseUrl: options.baseUrl ?? 'https://api.weather.gov',
      userAgent: options.userAgent,
      pageLimit: options.pageLimit ?? 500,
      maxPages: options.maxPages ?? 5,
      http: {
        timeoutMs: options.timeoutMs ?? DEFAULT_HTTP.timeoutMs,
        retries: options.retries ?? DEFAULT_HTTP.retries,
        backoffMs: options.backoffMs ?? DEFAULT_HTTP.backoffMs,
        minIntervalMs: options.minIntervalMs ?? DEFAULT_HTTP.minIntervalMs,
        sleep: options.sleep,
      },
    });
    this.retentionDays = options.retentionDays ?? 7;
    if (!Number.isInteger(this.retentionDays) || this.retentionDays < 1) {
      throw new Error(`nws: retentionDays ${this.retentionDays} is not a positive whole number of days`);
    }
    this.normaliseOptions = checkNwsNormaliseOptions(options);
    this.now = options.now ?? (() => new Date());
  }

  /**
   * The observation of one UTC day at a station. Refuses grid points (NWS observations are per station), days not
   * yet over in UTC, and days older than NWS keeps.
   */
  async fetchWeather(query: WeatherQuery): Promise<ProviderResult<WeatherObservation>> {
    const { location, date } = query;
    if (!('stationId' in location)) {
      throw new Error(`nws: reads stations, not grid points (asked for ${location.latitude},${location.longitude})`);
    }
    const start = /^\d{4}-\d{2}-\d{2}$/.test(date) ? Date.parse(`${date}T00:00:00Z`) : NaN;
    if (Number.isNaN(start)) throw new Error(`nws: date ${JSON.stringify(date)} is not a YYYY-MM-DD day`);
    const now = query.asOf === undefined ? this.now().getTime() : query.asOf * 1000;
    if (start + DAY_MS > now) throw new Error(`nws: ${date} is not over in UTC yet`);
    if (start < now - this.retentionDays * DAY_MS) {
      throw new Error(`nws: ${date} is older than the ${this.retentionDays} days NWS keeps observations`);
    }
    const pages = await this.transport.fetchDay(location.stationId, date);
    const observations = normaliseNws(
      mergePages(pages),
      { stationId: location.stationId, metric: query.metric, date },
      this.normaliseOptions,
    );
    return { observations, raw: pages.map(({ raw }) => raw) };
  }
}
