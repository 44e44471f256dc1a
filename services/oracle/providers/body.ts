import { ProviderError } from '../http.js';
import type { RawResponse } from '../observation.js';

/** What every provider adapter needs to read a response body: parsing, shape checks and error messages. */

export type Json = Record<string, unknown>;

const MINUTE_MS = 60_000;

/** A JSON object (not null, not an array). */
export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value as an error message shows it: `missing`, or its JSON. */
export function describe(value: unknown): string {
  return value === undefined ? 'missing' : JSON.stringify(value);
}

/** A function that throws `ProviderError(provider, 'bad_body', message)`: a body not in the provider's shape. */
export function malformedBody(provider: string): (message: string) => never {
  return (message: string): never => {
    throw new ProviderError(provider, 'bad_body', message);
  };
}

/** The parsed JSON of a received response; a body that is not JSON is a `bad_body` error naming the request. */
export function parseBody(raw: RawResponse): unknown {
  try {
    return JSON.parse(raw.body) as unknown;
  } catch (error) {
    throw new ProviderError(raw.provider, 'bad_body', `the body from ${raw.url} is not JSON`, raw.status, undefined, {
      cause: error,
    });
  }
}

/** Whole minutes, truncated toward zero: a minute counts once it is complete, so 14 min 59 s stays under 15. */
export function wholeMinutes(milliseconds: number): number {
  const minutes = Math.trunc(milliseconds / MINUTE_MS);
  return minutes === 0 ? 0 : minutes;
}
