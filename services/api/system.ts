/**
 * System routes: liveness, readiness, metrics, the OpenAPI document and its reference page. They go through the same
 * middleware (request id, logs, headers, rate limits) as every other route.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import express, { Router } from 'express';
import type { ApiContext } from './context.js';
import { latestBlockNumber } from './auth/parties.js';
import { metricsRegistry } from './metrics.js';
import { buildOpenApiDocument, openApiRegistry, problemResponses, z } from './openapi.js';

const HealthSchema = z.object({ status: z.literal('ok') }).openapi('Health');
const ReadinessCheckSchema = z
  .object({
    name: z.enum(['chain', 'index', 'storage']),
    ok: z.boolean(),
    detail: z.string(),
  })
  .openapi('ReadinessCheck');
const ReadinessSchema = z
  .object({ status: z.enum(['ready', 'not-ready']), checks: z.array(ReadinessCheckSchema) })
  .openapi('Readiness');

openApiRegistry.registerPath({
  method: 'get',
  path: '/health',
  tags: ['System'],
  summary: 'Liveness: the process answers',
  responses: {
    200: { description: 'Alive', content: { 'application/json': { schema: HealthSchema } } },
    ...problemResponses(),
  },
});
openApiRegistry.registerPath({
  method: 'get',
  path: '/ready',
  tags: ['System'],
  summary: 'Readiness: chain reachable, index caught up, storage writable',
  responses: {
    200: { description: 'Ready', content: { 'application/json': { schema: ReadinessSchema } } },
    503: {
      description: 'Not ready, with the failing checks',
      content: { 'application/json': { schema: ReadinessSchema } },
    },
    ...problemResponses(),
  },
});
openApiRegistry.registerPath({
  method: 'get',
  path: '/metrics',
  tags: ['System'],
  summary: 'Prometheus metrics',
  responses: {
    200: { description: 'Metrics in the Prometheus text format', content: { 'text/plain': { schema: z.string() } } },
  },
});
openApiRegistry.registerPath({
  method: 'get',
  path: '/openapi.json',
  tags: ['System'],
  summary: 'This OpenAPI 3.1 document',
  responses: {
    200: {
      description: 'The OpenAPI document',
      content: { 'application/json': { schema: z.object({}).passthrough() } },
    },
  },
});

type Check = z.infer<typeof ReadinessCheckSchema>;

async function checkChainAndIndex(ctx: ApiContext): Promise<Check[]> {
  let chainHead: number;
  try {
    chainHead = await latestBlockNumber(ctx.ledger.provider);
  } catch (error) {
    return [
      { name: 'chain', ok: false, detail: `the chain node does not answer (${(error as Error).message})` },
      { name: 'index', ok: false, detail: 'unknown: the chain head cannot be read' },
    ];
  }
  const chain: Check = { name: 'chain', ok: true, detail: `head block ${chainHead}` };
  try {
    const indexHead = await ctx.index.headBlock();
    if (indexHead === null) return [chain, { name: 'index', ok: false, detail: 'the index has not synced yet' }];
    const lag = Math.max(0, chainHead - indexHead);
    const ok = lag <= ctx.config.readyMaxLagBlocks;
    return [
      chain,
      {
        name: 'index',
        ok,
        detail: `at block ${indexHead}, ${lag} behind the chain (at most ${ctx.config.readyMaxLagBlocks} allowed)`,
      },
    ];
  } catch (error) {
    return [chain, { name: 'index', ok: false, detail: `the index cannot be read (${(error as Error).message})` }];
  }
}

async function checkStorage(ctx: ApiContext): Promise<Check> {
  const probe = path.join(ctx.config.apiDir, `.ready-${randomBytes(6).toString('hex')}`);
  try {
    await mkdir(ctx.config.apiDir, { recursive: true });
    await writeFile(probe, 'ok');
    await rm(probe, { force: true });
    return { name: 'storage', ok: true, detail: `${ctx.config.apiDir} is writable` };
  } catch (error) {
    return { name: 'storage', ok: false, detail: `${ctx.config.apiDir} is not writable (${(error as Error).message})` };
  }
}

/** The swagger-ui page's start script, pointing it at our document instead of the petstore. */
const SWAGGER_INITIALIZER = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    // The default validator badge would load an image from validator.swagger.io.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: 'StandaloneLayout',
  });
};
`;

function swaggerUiDirectory(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve('swagger-ui-dist/package.json'));
}

export function systemRouter(ctx: ApiContext): Router {
  const router = Router();

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/ready', async (_req, res) => {
    const [chainAndIndex, storage] = await Promise.all([checkChainAndIndex(ctx), checkStorage(ctx)]);
    const checks = [...chainAndIndex, storage];
    const ready = checks.every((check) => check.ok);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not-ready', checks });
  });

  router.get('/metrics', async (_req, res) => {
    res.type(metricsRegistry.contentType).send(await metricsRegistry.metrics());
  });

  router.get('/openapi.json', (_req, res) => {
    res.json(buildOpenApiDocument({ serverUrl: ctx.config.publicUrl }));
  });

  // The reference page: swagger-ui from its npm package, nothing fetched from a CDN. Its assets are relative to /docs/.
  router.get('/docs', (req, res, next) => {
    if (req.originalUrl === '/docs' || req.originalUrl.startsWith('/docs?')) {
      res.redirect(301, '/docs/');
      return;
    }
    next();
  });
  router.get('/docs/swagger-initializer.js', (_req, res) => {
    res.type('application/javascript').send(SWAGGER_INITIALIZER);
  });
  router.use('/docs', express.static(swaggerUiDirectory(), { index: 'index.html', redirect: false }));

  return router;
}
