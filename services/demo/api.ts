/**
 * The party API as one demo party sees it: JSON and multipart requests with the party's API key, writes under an
 * `Idempotency-Key` so that a step repeated after a crash gets the first answer back, and problems
 * (`application/problem+json`) turned into `ApiProblem` with their stable code.
 */
import type { DemoParty } from './stack.js';

/** A problem answered by the API: its status, stable code, message and details. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiProblem';
  }
}

export interface RequestOptions {
  /** A JSON body, or a multipart form (documents). */
  body?: object | FormData;
  /** Sent as `Idempotency-Key`: the same key replays the first answer. */
  idempotencyKey?: string;
}

/** How long one request may take before it is given up (a document waits for its anchor with `?confirm=true`). */
const REQUEST_TIMEOUT_MS = 60_000;

export class PartyApi {
  constructor(
    readonly baseUrl: string,
    readonly party: DemoParty,
  ) {}

  /** Sends the request and answers the JSON body of a 2xx; anything else throws `ApiProblem`. */
  async call<T>(method: string, pathname: string, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.party.apiKey}` };
    if (options.idempotencyKey !== undefined) headers['Idempotency-Key'] = options.idempotencyKey;
    let body: string | FormData | undefined;
    if (options.body instanceof FormData) body = options.body;
    else if (options.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${pathname}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      const reason = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
      throw new Error(
        `the API at ${this.baseUrl} does not answer ${method} ${pathname} (${reason}): is the stack running?`,
      );
    }
    const text = await response.text();
    const parsed = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
    if (!response.ok) {
      throw new ApiProblem(
        response.status,
        typeof parsed.code === 'string' ? parsed.code : `HTTP_${response.status}`,
        `${method} ${pathname} as ${this.party.name}: ${typeof parsed.detail === 'string' ? parsed.detail : text}`,
        // The problem's details are spread beside its standard members.
        parsed,
      );
    }
    return parsed as T;
  }
}

/** True when `error` is a problem of the API with this code. */
export function isProblem(error: unknown, code: string): error is ApiProblem {
  return error instanceof ApiProblem && error.code === code;
}
