/**
 * The API's one OpenAPI 3.1 document, generated from the zod schemas the routes validate with: every router
 * registers its paths in `openApiRegistry` (at module load, so the document does not depend on which app instance
 * was built first) and `GET /openapi.json` serves `buildOpenApiDocument()`.
 */
import {
  extendZodWithOpenApi,
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  type ResponseConfig,
} from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { PROBLEM_MEDIA_TYPE } from './errors.js';

// Adds `.openapi()` to zod's schemas; every module that describes a schema imports this one first (or `z` from it).
extendZodWithOpenApi(z);
export { z };

export const openApiRegistry = new OpenAPIRegistry();

/** Name of the session cookie SIWE sign-in sets (declared here for the security scheme). */
export const SESSION_COOKIE = 'pl_session';

/** Security requirement for routes a party calls: a session cookie or an API key. */
export const PARTY_SECURITY: Record<string, string[]>[] = [{ session: [] }, { apiKey: [] }, { apiKeyHeader: [] }];

openApiRegistry.registerComponent('securitySchemes', 'session', {
  type: 'apiKey',
  in: 'cookie',
  name: SESSION_COOKIE,
  description: 'Session cookie set by `POST /v1/auth/siwe` (Sign-In with Ethereum).',
});
openApiRegistry.registerComponent('securitySchemes', 'apiKey', {
  type: 'http',
  scheme: 'bearer',
  description: 'An API key `pl_<id>_<secret>` created by a signed-in party (`POST /v1/api-keys`).',
});
openApiRegistry.registerComponent('securitySchemes', 'apiKeyHeader', {
  type: 'apiKey',
  in: 'header',
  name: 'X-API-Key',
  description: 'The same API key, in its own header.',
});

export const ProblemSchema = openApiRegistry.register(
  'Problem',
  z
    .looseObject({
      type: z.string().openapi({ example: 'urn:policyledger:problem:not-found' }),
      title: z.string().openapi({ example: 'Not found' }),
      status: z.number().int().openapi({ example: 404 }),
      code: z.string().openapi({ description: 'Stable machine-readable code (UPPER_SNAKE)', example: 'NOT_FOUND' }),
      detail: z.string(),
      instance: z.string().optional(),
      requestId: z.string().optional(),
    })
    .openapi({ description: 'An RFC 9457 problem; `code` is stable, further members depend on it.' }),
);

const STANDARD_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request (INVALID_REQUEST, MALFORMED_JSON, …)',
  401: 'No or invalid credentials (UNAUTHENTICATED, …)',
  403: 'The caller may not do this (PARTY_INACTIVE, ROLE_REQUIRED, …)',
  404: 'Not found',
  408: 'Not confirmed within the limit; the operation goes on',
  409: 'Conflict (IDEMPOTENCY_KEY_REUSED, IDEMPOTENCY_IN_PROGRESS, …)',
  413: 'Body too large (PAYLOAD_TOO_LARGE)',
  415: 'Wrong media type (UNSUPPORTED_MEDIA_TYPE)',
  429: 'Rate limited (RATE_LIMITED); see Retry-After',
  500: 'Internal error (INTERNAL), with the request id',
  503: 'Not ready',
};

/** One problem response, for `responses` of a registered path. */
export function problemResponse(description: string): ResponseConfig {
  return { description, content: { [PROBLEM_MEDIA_TYPE]: { schema: ProblemSchema } } };
}

/**
 * The problem responses of a route, by status: `problemResponses(400, 401, 403)`. 429 and 500 are added to every
 * route since any route may answer them.
 */
export function problemResponses(...statuses: number[]): Record<string, ResponseConfig> {
  const all = new Set([...statuses, 429, 500]);
  return Object.fromEntries(
    [...all]
      .sort((a, b) => a - b)
      .map((status) => [String(status), problemResponse(STANDARD_DESCRIPTIONS[status] ?? 'Problem')]),
  );
}

/** The OpenAPI 3.1 document of everything registered so far. */
export function buildOpenApiDocument(options: { serverUrl?: string } = {}): object {
  const generator = new OpenApiGeneratorV31(openApiRegistry.definitions);
  return generator.generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'PolicyLedger party API',
      version: '1.0.0',
      description:
        'Register, co-sign and verify insurance documents anchored on the PolicyLedger consortium chain. ' +
        'Errors are RFC 9457 problems with a stable `code`. Writes accept an `Idempotency-Key` header.',
    },
    ...(options.serverUrl === undefined ? {} : { servers: [{ url: options.serverUrl }] }),
  });
}
