/**
 * Calls to this origin's API with the session cookie. A problem answer (RFC 9457) becomes an `ApiProblem` carrying
 * the status, the stable code and the message, which pages show as they are.
 */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiProblem';
  }
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** A raw body (FormData for uploads); `body` is sent as JSON. */
  form?: FormData;
  idempotencyKey?: string;
  signal?: AbortSignal;
}

async function problemOf(response: Response): Promise<ApiProblem> {
  const type = response.headers.get('Content-Type') ?? '';
  if (type.includes('json')) {
    const problem = (await response.json()) as { code?: string; detail?: string; title?: string; details?: unknown };
    return new ApiProblem(
      response.status,
      problem.code ?? `HTTP_${response.status}`,
      problem.detail ?? problem.title ?? response.statusText,
      problem.details,
    );
  }
  return new ApiProblem(response.status, `HTTP_${response.status}`, response.statusText || 'Request failed');
}

/** `method path` on this origin; answers the parsed JSON (undefined for 204), or throws an `ApiProblem`. */
export async function api<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
  let body: BodyInit | undefined;
  if (options.form !== undefined) body = options.form;
  else if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  if (options.idempotencyKey !== undefined) headers['Idempotency-Key'] = options.idempotencyKey;
  const response = await fetch(path, { method, headers, body, credentials: 'same-origin', signal: options.signal });
  if (!response.ok) throw await problemOf(response);
  if (response.status === 204) return undefined as T;
  const type = response.headers.get('Content-Type') ?? '';
  return (type.includes('json') ? await response.json() : await response.text()) as T;
}

export const get = <T = unknown>(path: string, options?: RequestOptions) => api<T>('GET', path, options);
export const post = <T = unknown>(path: string, body?: unknown, options: RequestOptions = {}) =>
  api<T>('POST', path, { ...options, body });

/** A message for any error, as pages show it: the problem's code and message, or the error's message. */
export function describeError(error: unknown): string {
  if (error instanceof ApiProblem) return `${error.message} (${error.code})`;
  if (error instanceof Error) return error.message;
  return String(error);
}
