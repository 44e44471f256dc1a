/**
 * One error model for the whole API: use cases and routers throw an `AppError` (HTTP status, stable UPPER_SNAKE
 * `code`, a message naming the problem); one central handler answers every failure as `application/problem+json`
 * (RFC 9457). A failure that is not an `AppError` is a bug: it is logged in full and answered `500 INTERNAL` with the
 * request id only, never a stack trace.
 */
import { STATUS_CODES } from 'node:http';
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';

export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details?: Record<string, unknown>;

  constructor(
    status: number,
    code: string,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.status = status;
    this.code = code;
    if (options?.details !== undefined) this.details = options.details;
  }
}

/** The media type of every error answer. */
export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/** The body of an error answer. `details` of the error are spread beside the standard members. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  instance?: string;
  requestId?: string;
  [extension: string]: unknown;
}

/** Each code is its own problem type: a stable URN a client may match on, like `code`. */
export function problemType(code: string): string {
  return `urn:policyledger:problem:${code.toLowerCase().replaceAll('_', '-')}`;
}

/** The title of a code's problem type ("IDEMPOTENCY_KEY_REUSED" → "Idempotency key reused"), the same for every occurrence. */
export function problemTitle(code: string): string {
  const words = code.toLowerCase().replaceAll('_', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The problem document for `error`, answering the request at `instance`. */
export function toProblem(error: AppError, instance?: string, requestId?: string): Problem {
  return {
    ...error.details,
    type: problemType(error.code),
    title: problemTitle(error.code),
    status: error.status,
    code: error.code,
    detail: error.message,
    ...(instance === undefined ? {} : { instance }),
    ...(requestId === undefined ? {} : { requestId }),
  };
}

/** Answers `error` as a problem. Headers already set (e.g. `Retry-After`) are kept. */
export function sendProblem(res: Response, error: AppError): void {
  const requestId = typeof res.locals.requestId === 'string' ? res.locals.requestId : undefined;
  res.locals.problemCode = error.code;
  res
    .status(error.status)
    .type(PROBLEM_MEDIA_TYPE)
    .send(JSON.stringify(toProblem(error, res.req.originalUrl, requestId)));
}

/**
 * Errors raised before a router runs, by the body parser (http-errors with a `type`) or by libraries that carry a
 * `status`/`statusCode` and `expose`, translated to our codes.
 */
function fromFrameworkError(error: unknown): AppError | null {
  if (typeof error !== 'object' || error === null) return null;
  const { type, status, statusCode, expose } = error as {
    type?: unknown;
    status?: unknown;
    statusCode?: unknown;
    expose?: unknown;
  };
  switch (type) {
    case 'entity.too.large':
      return new AppError(413, 'PAYLOAD_TOO_LARGE', 'The request body is larger than this endpoint accepts', {
        cause: error,
        details: { limitBytes: (error as { limit?: number }).limit },
      });
    case 'entity.parse.failed':
      return new AppError(400, 'MALFORMED_JSON', 'The request body is not valid JSON', { cause: error });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', 'The request body uses an unsupported encoding or charset', {
        cause: error,
      });
    case 'request.aborted':
      return new AppError(400, 'REQUEST_ABORTED', 'The client aborted the request body', { cause: error });
    default:
      break;
  }
  const code = typeof status === 'number' ? status : typeof statusCode === 'number' ? statusCode : undefined;
  if (code !== undefined && code >= 400 && code < 500 && expose === true) {
    const name = (STATUS_CODES[code] ?? 'Bad Request').toUpperCase().replace(/[^A-Z]+/g, '_');
    return new AppError(code, name, (error as Error).message, { cause: error });
  }
  return null;
}

/** Any thrown value as the `AppError` the client sees; null when it is a bug (answered 500 INTERNAL). */
export function asAppError(error: unknown): AppError | null {
  if (error instanceof AppError) return error;
  return fromFrameworkError(error);
}

/** The central error handler: the last middleware of the app. */
export function problemHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      // The answer is already on its way (e.g. a stream failed): all we can do is cut it and log.
      logger.error({ err: error, requestId: res.locals.requestId }, 'error after the response started');
      next(error);
      return;
    }
    const known = asAppError(error);
    if (known !== null) {
      if (known.status >= 500) logger.error({ err: error, requestId: res.locals.requestId }, known.message);
      sendProblem(res, known);
      return;
    }
    logger.error(
      { err: error, requestId: res.locals.requestId, method: req.method, path: req.path },
      'unhandled error',
    );
    sendProblem(
      res,
      new AppError(
        500,
        'INTERNAL',
        `The server failed to answer this request; quote request id ${String(res.locals.requestId)}`,
      ),
    );
  };
}

/** Answers every request no route took: 404 NOT_FOUND (or 405 for a known path with another method, where known). */
export const notFoundHandler: RequestHandler = (req, res) => {
  sendProblem(res, new AppError(404, 'NOT_FOUND', `No resource at ${req.method} ${req.path}`));
};
