import { HttpClient, ProviderError, type HttpOptions } from '../../http.js';
import type { RawResponse } from '../../observation.js';
import { isObject, parseBody } from '../body.js';

const PROVIDER = 'nws';

/** HTTP behaviour of the NWS transport. */
export type NwsHttpSettings = Pick<HttpOptions, 'timeoutMs' | 'retries' | 'backoffMs' | 'minIntervalMs' | 'sleep'>;

export interface NwsTransportOptions {
  /** e.g. `https://api.weather.gov`. */
  baseUrl: string;
  /**
   * Sent as `User-Agent`: NWS requires one to identify the application and answers 403 without it; it asks for
   * contact details in it, e.g. `PolicyLedger oracle (ops@insurer.example)`.
   */
  userAgent: string;
  /** Observations per page (`limit`); NWS allows up to 500. */
  pageLimit: number;
  /** Most pages read for one day; a busy station reports every few minutes, but more pages mean something is off. */
  maxPages: number;
  http: NwsHttpSettings;
}

/** One page of observations as received and as parsed. */
export interface NwsPage {
  raw: RawResponse;
  body: unknown;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The query of the observations of one UTC day. */
export function nwsObservationsQuery(date: string, pageLimit: number): Record<string, string> {
  const start = Date.parse(`${date}T00:00:00Z`);
  return {
    start: `${date}T00:00:00Z`,
    end: `${new Date(start + DAY_MS).toISOString().slice(0, 10)}T00:00:00Z`,
    limit: String(pageLimit),
  };
}

/** The next page's URL when this page is full and names one. */
function nextPage(body: unknown, pageLimit: number): URL | undefined {
  if (!isObject(body) || !Array.isArray(body.features) || body.features.length < pageLimit) return undefined;
  const next = isObject(body.pagination) ? body.pagination.next : undefined;
  if (typeof next !== 'string') return undefined;
  try {
    return new URL(next);
  } catch {
    throw new ProviderError(PROVIDER, 'bad_body', `pagination.next ${JSON.stringify(next)} is not a URL`);
  }
}

/** Refuses HTTP settings that cannot work, naming them. */
function checkHttpSettings(http: NwsHttpSettings): void {
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
 * GETs a station's observations of one UTC day, following `pagination.next` while pages are full; timeouts,
 * retries (429, 5xx, network) and request spacing come from `HttpClient`. Refuses settings that cannot work, naming
 * them.
 */
export class NwsTransport {
  private readonly client: HttpClient;

  constructor(private readonly options: NwsTransportOptions) {
    let protocol: string;
    try {
      protocol = new URL(options.baseUrl).protocol;
    } catch {
      throw new Error(`${PROVIDER}: baseUrl ${JSON.stringify(options.baseUrl)} is not a URL`);
    }
    if (protocol !== 'https:' && protocol !== 'http:') {
      throw new Error(`${PROVIDER}: baseUrl ${JSON.stringify(options.baseUrl)} is not an http(s) URL`);
    }
    if (typeof options.userAgent !== 'string' || options.userAgent.trim() === '') {
      throw new Error(`${PROVIDER}: userAgent is empty; NWS refuses requests without one (name the app and a contact)`);
    }
    if (!Number.isInteger(options.pageLimit) || options.pageLimit < 1 || options.pageLimit > 500) {
      throw new Error(`${PROVIDER}: pageLimit ${options.pageLimit} is not from 1 to 500`);
    }
    if (!Number.isInteger(options.maxPages) || options.maxPages < 1) {
      throw new Error(`${PROVIDER}: maxPages ${options.maxPages} is not a positive whole number`);
    }
    checkHttpSettings(options.http);
    this.client = new HttpClient({
      ...options.http,
      provider: PROVIDER,
      baseUrl: options.baseUrl,
      headers: { 'user-agent': options.userAgent, accept: 'application/geo+json' },
    });
  }

  /** Every page of the observations `stationId` reported on `date` (UTC). */
  async fetchDay(stationId: string, date: string): Promise<NwsPage[]> {
    if (!/^[A-Za-z0-9_-]+$/.test(stationId))
      throw new Error(`${PROVIDER}: station ${JSON.stringify(stationId)} is not a station id`);
    const pages: NwsPage[] = [];
    let path = `/stations/${stationId}/observations`;
    let query = nwsObservationsQuery(date, this.options.pageLimit);
    for (;;) {
      const raw = await this.client.get(path, query);
      const body = parseBody(raw);
      pages.push({ raw, body });
      const next = nextPage(body, this.options.pageLimit);
      if (next === undefined) return pages;
      if (pages.length >= this.options.maxPages) {
        throw new ProviderError(
          PROVIDER,
          'bad_body',
          `more than ${this.options.maxPages} pages of observations for ${stationId} on ${date}`,
        );
      }
      // Pages are followed on the configured base URL: the link's path and query carry the cursor.
      path = next.pathname;
      query = Object.fromEntries(next.searchParams);
    }
  }
}
