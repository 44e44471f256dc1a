/**
 * Builds the Express app: the shared middleware (request id, logs, metrics, security headers, rate limits, JSON
 * bodies, authentication, idempotency), the system and identity routes, the routers of the other modules, then the
 * 404 and problem handlers. `server.ts` starts it; tests run it in-process.
 */
import { randomUUID } from 'node:crypto';
import express, { type Express, type RequestHandler, type Router } from 'express';
import { rateLimit, type Options } from 'express-rate-limit';
import helmet from 'helmet';
import { authenticate, type Caller } from './auth/caller.js';
import { authRouter } from './auth/routes.js';
import { initAuthSchema } from './auth/store.js';
import type { ApiContext } from './context.js';
import { AppError, notFoundHandler, problemHandler } from './errors.js';
import { idempotency, initIdempotencySchema } from './idempotency.js';
import { httpRequestDuration, httpRequests } from './metrics.js';
import { systemRouter } from './system.js';

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** `X-Request-Id`: the client's when it is sane, else a new UUID; echoed on the answer and in every log line. */
const requestId: RequestHandler = (req, res, next) => {
  const given = req.get('X-Request-Id');
  const id = given !== undefined && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
  res.locals.requestId = id;
  res.setHeader('X-Request-Id', id);
  next();
};

/** One log line and the metrics per request, when the answer is finished: never bodies, headers or secrets. */
function accessLog(ctx: ApiContext): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const matched = req.route as { path: string } | undefined;
      const route = matched === undefined ? '(unmatched)' : `${req.baseUrl}${matched.path}`;
      const labels = { method: req.method, route, status: String(res.statusCode) };
      httpRequests.inc(labels);
      httpRequestDuration.observe(labels, seconds);
      const caller = res.locals.caller as Caller | undefined;
      const line = {
        requestId: res.locals.requestId as string,
        method: req.method,
        path: req.path,
        status: res.statusCode,
        ms: Math.round(seconds * 1e4) / 10,
        ...(caller === undefined ? {} : { account: caller.account, via: caller.via }),
        ...(typeof res.locals.problemCode === 'string' ? { code: res.locals.problemCode } : {}),
      };
      if (res.statusCode >= 500) ctx.logger.warn(line, 'request');
      else ctx.logger.info(line, 'request');
    });
    next();
  };
}

function rateLimited(windowMs: number): Options['handler'] {
  return (req, res, next) => {
    const info = (req as typeof req & { rateLimit?: { resetTime?: Date } }).rateLimit;
    const retryAfter = Math.max(
      1,
      Math.ceil(((info?.resetTime?.getTime() ?? Date.now() + windowMs) - Date.now()) / 1000),
    );
    res.setHeader('Retry-After', String(retryAfter));
    next(
      new AppError(429, 'RATE_LIMITED', `Too many requests: retry after ${retryAfter} s`, {
        details: { retryAfterSeconds: retryAfter },
      }),
    );
  };
}

/** Requests per client IP (every request), then per API key (requests authenticated by one). 0 turns one off. */
function rateLimits(ctx: ApiContext): { perIp: RequestHandler; perApiKey: RequestHandler } {
  const { windowMs, perIp, perApiKey } = ctx.config.rateLimit;
  const pass: RequestHandler = (_req, _res, next) => next();
  return {
    perIp:
      perIp === 0
        ? pass
        : rateLimit({
            windowMs,
            limit: perIp,
            standardHeaders: 'draft-8',
            legacyHeaders: false,
            identifier: 'ip',
            handler: rateLimited(windowMs),
          }),
    perApiKey:
      perApiKey === 0
        ? pass
        : rateLimit({
            windowMs,
            limit: perApiKey,
            standardHeaders: 'draft-8',
            legacyHeaders: false,
            identifier: 'api-key',
            skip: (_req, res) => (res.locals.caller as Caller | undefined)?.apiKeyId === undefined,
            keyGenerator: (_req, res) => `key:${(res.locals.caller as Caller).apiKeyId ?? ''}`,
            handler: rateLimited(windowMs),
          }),
  };
}

/**
 * Security headers (helmet). The CSP allows only this origin's scripts and styles (the docs page's inline styles
 * included), so /docs works without any CDN; HSTS and upgrade-insecure-requests only when served over TLS.
 */
function securityHeaders(ctx: ApiContext): RequestHandler {
  const tls = ctx.config.publicUrl.startsWith('https:');
  return helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'upgrade-insecure-requests': tls ? [] : null,
      },
    },
    strictTransportSecurity: tls ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  });
}

/** JSON bodies only on routes that take JSON: a write with a body of another media type is refused (415). */
function jsonBodies(ctx: ApiContext): RequestHandler {
  const parse = express.json({
    limit: ctx.config.bodyLimitBytes,
    strict: false,
    type: ['application/json', 'application/*+json'],
  });
  return (req, res, next) => {
    const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
    if (!hasBody || req.is('multipart/*')) {
      next();
      return;
    }
    if (req.is(['application/json', 'application/*+json']) === false) {
      next(
        new AppError(
          415,
          'UNSUPPORTED_MEDIA_TYPE',
          `Send this body as application/json (got ${req.get('Content-Type') ?? 'no Content-Type'})`,
        ),
      );
      return;
    }
    parse(req, res, next);
  };
}

/**
 * The app over `ctx`, with `routers` (each module's) mounted after the system and identity routes. Creates the
 * identity and idempotency tables if needed.
 */
export function createApp(ctx: ApiContext, routers: Router[] = []): Express {
  initAuthSchema(ctx.db);
  initIdempotencySchema(ctx.db);

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', ctx.config.trustProxy);
  app.set('etag', false);

  const limits = rateLimits(ctx);
  app.use(requestId);
  app.use(accessLog(ctx));
  app.use(securityHeaders(ctx));
  app.use(limits.perIp);
  app.use(jsonBodies(ctx));
  app.use(authenticate(ctx));
  app.use(limits.perApiKey);
  app.use(idempotency(ctx));

  app.use(systemRouter(ctx));
  app.use(authRouter(ctx));
  for (const router of routers) app.use(router);

  app.use(notFoundHandler);
  app.use(problemHandler(ctx.logger));
  return app;
}
