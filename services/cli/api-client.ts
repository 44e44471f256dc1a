/**
 * The party API as the CLI calls it: one base URL, the caller's `Authorization`, JSON in and out, and every refusal
 * turned into an `ApiProblemError` carrying the problem's status, code, title and detail. A connection that fails is
 * said in words with where the CLI looked, since a stopped stack is the likeliest cause.
 */
import { CliError, ApiProblemError, type Problem } from './errors.js';

export interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  /** A JSON body, or a streamed body with its content type. */
  body?: unknown;
  stream?: { body: ReadableStream<Uint8Array>; contentType: string };
  headers?: Record<string, string>;
  /** Statuses answered as they are rather than thrown (e.g. 503 of `/ready`, 409 of a registration). */
  accept?: number[];
  signal?: AbortSignal;
  /** Sent without the caller's credentials (public routes whose answer must not depend on a key being valid). */
  anonymous?: boolean;
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly authorization: string | undefined,
  ) {}

  /** The URL of `path` with `query` (undefined values left out). */
  url(path: string, query: RequestOptions['query'] = {}): string {
    const url = new URL(path, this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return url.toString();
  }

  /** Sends a request; a status that is neither 2xx nor in `accept` is thrown as the API's problem. */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
    if (this.authorization !== undefined && options.anonymous !== true) headers.Authorization = this.authorization;
    const init: RequestInit & { duplex?: 'half' } = { method, headers };
    if (options.signal !== undefined) init.signal = options.signal;
    if (options.stream !== undefined) {
      headers['Content-Type'] = options.stream.contentType;
      init.body = options.stream.body;
      init.duplex = 'half';
    } else if (options.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(options.body);
    }
    const url = this.url(path, options.query);
    let response: Response;
    try {
      response = await fetch(url, init);
    } catch (error) {
      if (options.signal?.aborted === true) throw error;
      throw new CliError(
        `cannot reach the API at ${this.baseUrl} (${causeOf(error)}): is the stack running (npm start)? ` +
          `Set --api or POLICYLEDGER_API_URL to point elsewhere`,
        undefined,
        'API_UNREACHABLE',
      );
    }
    if (response.ok || options.accept?.includes(response.status) === true) return response;
    throw new ApiProblemError(`${method} ${path}`, await problemOf(response));
  }

  /** A request whose answer is JSON. */
  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<{ status: number; body: T }> {
    const response = await this.request(method, path, options);
    return { status: response.status, body: (await readJson(response, `${method} ${path}`)) as T };
  }

  get<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.json<T>('GET', path, options).then((answer) => answer.body);
  }
}

async function readJson(response: Response, request: string): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError(
      `${request} answered ${response.status} with a body that is not JSON: is it the PolicyLedger API?`,
    );
  }
}

/** The problem of a refused request; an answer that is not a problem document still gets a status and a title. */
async function problemOf(response: Response): Promise<Problem> {
  const text = await response.text().catch(() => '');
  try {
    const parsed = JSON.parse(text) as Partial<Problem>;
    if (typeof parsed === 'object' && parsed !== null) return { ...parsed, status: response.status };
  } catch {
    // not JSON: described below
  }
  return { status: response.status, title: response.statusText || 'Request refused', detail: text.slice(0, 200) };
}

/** The low-level reason of a failed fetch (ECONNREFUSED, ENOTFOUND…), which undici keeps in `cause`. */
function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}
