import type { RawResponse } from './observation.js';

/** How one provider's HTTP transport behaves. */
export interface HttpOptions {
  /** Provider name, recorded with every response. */
  provider: string;
  baseUrl: string;
  /** Per-attempt timeout. */
  timeoutMs: number;
  /** Attempts after the first one, for network errors, timeouts, 429 and 5xx answers. */
  retries: number;
  /** First backoff; doubles on every retry, with jitter, unless the provider says when to come back. */
  backoffMs: number;
  /** Least time between two requests to this provider (its rate limit). */
  minIntervalMs: number;
  /** Headers sent with every request (e.g. an API key header). */
  headers?: Record<string, string>;
  /** Query parameters sent with every request (e.g. an API key) and removed from recorded URLs. */
  secretQuery?: Record<string, string>;
  /**
   * Longest Retry-After worth waiting for within one call (default 60 s). A provider asking for longer ends the call
   * at once with the `ProviderError`, whose `retryAfterMs` tells the caller when to come back, instead of holding
   * the node for as long as the provider says.
   */
  maxRetryAfterMs?: number;
  /** For tests: how to wait. */
  sleep?: (ms: number) => Promise<void>;
}

/** A provider answered in a way that retrying will not fix, or retries ran out. */
export class ProviderError extends Error {
  constructor(
    readonly provider: string,
    readonly code: 'http_status' | 'network' | 'timeout' | 'bad_body',
    message: string,
    readonly status?: number,
    /** How long the provider asked us to wait (Retry-After), if it did. */
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(`${provider}: ${message}`, options);
    this.name = 'ProviderError';
  }
}

const DEFAULT_MAX_RETRY_AFTER_MS = 60_000;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Statuses worth another attempt: rate limited, or the provider's own trouble. */
function isRetryable(status: number): boolean {
  return status === 429 || status >= 500;
}

/** Seconds or an HTTP date in Retry-After, as milliseconds; undefined when absent or unreadable. */
function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * GETs JSON from one provider with a timeout per attempt, retries with exponential backoff (or the provider's
 * Retry-After), and a minimum spacing between requests. Every final answer comes back as a `RawResponse` so the
 * caller can keep it as evidence.
 */
export class HttpClient {
  private nextSlot = 0;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: HttpOptions) {
    this.sleep = options.sleep ?? defaultSleep;
  }

  /** GETs `path` with `query`; resolves with the 2xx response, throws `ProviderError` otherwise. */
  async get(path: string, query: Record<string, string> = {}): Promise<RawResponse> {
    const url = new URL(
      path.replace(/^\//, ''),
      this.options.baseUrl.endsWith('/') ? this.options.baseUrl : `${this.options.baseUrl}/`,
    );
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    const recordedUrl = url.toString();
    for (const [key, value] of Object.entries(this.options.secretQuery ?? {})) url.searchParams.set(key, value);

    let lastError: ProviderError | undefined;
    for (let attempt = 0; attempt <= this.options.retries; attempt++) {
      if (attempt > 0) await this.sleep(this.backoff(attempt, lastError));
      await this.waitForSlot();
      let response: Response;
      let body: string;
      try {
        response = await fetch(url, {
          headers: { accept: 'application/json', ...this.options.headers },
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
        body = await response.text();
      } catch (error) {
        const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
        lastError = new ProviderError(
          this.options.provider,
          timedOut ? 'timeout' : 'network',
          timedOut
            ? `no answer within ${this.options.timeoutMs} ms from ${recordedUrl}`
            : `cannot reach ${recordedUrl}`,
          undefined,
          undefined,
          { cause: error },
        );
        continue;
      }
      const raw: RawResponse = {
        provider: this.options.provider,
        url: recordedUrl,
        status: response.status,
        fetchedAt: new Date().toISOString(),
        body,
      };
      if (response.ok) return raw;
      lastError = new ProviderError(
        this.options.provider,
        'http_status',
        `HTTP ${response.status} for ${recordedUrl}`,
        response.status,
        retryAfterMs(response.headers.get('retry-after'), Date.now()),
      );
      const maxRetryAfterMs = this.options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
      if (!isRetryable(response.status) || (lastError.retryAfterMs ?? 0) > maxRetryAfterMs) throw lastError;
    }
    throw lastError ?? new ProviderError(this.options.provider, 'network', `no attempt made for ${recordedUrl}`);
  }

  private backoff(attempt: number, lastError: ProviderError | undefined): number {
    if (lastError?.retryAfterMs !== undefined) return lastError.retryAfterMs;
    const base = this.options.backoffMs * 2 ** (attempt - 1);
    // Full jitter within the upper half keeps several nodes from retrying in step.
    return base / 2 + Math.random() * (base / 2);
  }

  private async waitForSlot(): Promise<void> {
    const now = Date.now();
    const wait = this.nextSlot - now;
    this.nextSlot = Math.max(now, this.nextSlot) + this.options.minIntervalMs;
    if (wait > 0) await this.sleep(wait);
  }
}
