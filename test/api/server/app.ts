import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Router } from 'express';
import { JsonRpcProvider } from 'ethers';
import { pino } from 'pino';
import type { ChainIndex } from '../../../services/api/context.js';
import { latestBlockNumber } from '../../../services/api/auth/parties.js';
import { AppError } from '../../../services/api/errors.js';
import { openApiRegistry, problemResponses, z } from '../../../services/api/openapi.js';
import { parse } from '../../../services/api/validation.js';
import { startTestLedger, type TestLedger } from '../../helpers/api-chain.js';
import { absent, startTestApi, type TestApi } from '../../helpers/api-client.js';

interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  instance?: string;
  requestId?: string;
  [member: string]: unknown;
}

async function problemOf(response: Response): Promise<Problem> {
  expect(response.headers.get('content-type')).to.match(/^application\/problem\+json/);
  return (await response.json()) as Problem;
}

/** A logger whose JSON lines the test can read. */
function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

const OrderSchema = z.object({ quantity: z.number().int().positive(), reference: z.string().min(3) });

// A route that exists only in this test, registered like a module's route.
openApiRegistry.registerPath({
  method: 'post',
  path: '/test/orders',
  summary: 'test route',
  request: { body: { content: { 'application/json': { schema: OrderSchema } } } },
  responses: { 201: { description: 'created' }, ...problemResponses(400) },
});

function testRoutes(): Router {
  return Router()
    .post('/test/orders', (req, res) => {
      const order = parse(OrderSchema, req.body, 'body');
      res.status(201).json(order);
    })
    .get('/test/crash', () => {
      throw new Error('connection to postgres://admin:hunter2@db failed');
    })
    .get('/test/refused', () => {
      throw new AppError(409, 'DOCUMENT_ALREADY_ANCHORED', 'The document is already anchored', {
        details: { documentHash: '0x' + 'ab'.repeat(32) },
      });
    });
}

describe('API server', function () {
  this.timeout(60_000);
  let ledger: TestLedger;
  let api: TestApi;
  let logs: Record<string, unknown>[];
  let indexHead: number | null;

  before(async function () {
    ledger = await startTestLedger();
    const captured = capturedLogger();
    logs = captured.lines;
    api = await startTestApi(ledger, {
      routers: [testRoutes()],
      env: { POLICYLEDGER_API_BODY_LIMIT_BYTES: String(64 * 1024), POLICYLEDGER_READY_MAX_LAG_BLOCKS: '2' },
      context: {
        logger: captured.logger,
        index: absent<ChainIndex>('chain index', { headBlock: () => Promise.resolve(indexHead) }),
      },
    });
  });

  after(async function () {
    await api?.close();
    await ledger?.stop();
  });

  describe('problems (RFC 9457)', function () {
    it('answers an unknown path 404 NOT_FOUND as application/problem+json', async function () {
      const response = await fetch(`${api.url}/v1/nothing-here?x=1`);
      expect(response.status).to.equal(404);
      const problem = await problemOf(response);
      expect(problem).to.include({
        type: 'urn:policyledger:problem:not-found',
        title: 'Not found',
        status: 404,
        code: 'NOT_FOUND',
        instance: '/v1/nothing-here?x=1',
      });
      expect(problem.detail).to.include('/v1/nothing-here');
      expect(problem.requestId).to.equal(response.headers.get('x-request-id'));
    });

    it('carries an AppError’s status, code, message and details', async function () {
      const response = await fetch(`${api.url}/test/refused`);
      expect(response.status).to.equal(409);
      expect(await problemOf(response)).to.include({
        code: 'DOCUMENT_ALREADY_ANCHORED',
        title: 'Document already anchored',
        detail: 'The document is already anchored',
        documentHash: '0x' + 'ab'.repeat(32),
      });
    });

    it('answers a bug 500 INTERNAL with the request id, no stack and no message, and logs it in full', async function () {
      const response = await fetch(`${api.url}/test/crash`, { headers: { 'X-Request-Id': 'crash-test-1' } });
      expect(response.status).to.equal(500);
      const text = await response.text();
      expect(text).to.not.include('hunter2');
      expect(text).to.not.match(/at .*\.ts:\d+/);
      const problem = JSON.parse(text) as Problem;
      expect(problem).to.include({ code: 'INTERNAL', requestId: 'crash-test-1' });
      expect(problem.detail).to.include('crash-test-1');
      const logged = logs.find((line) => line.requestId === 'crash-test-1' && line.err !== undefined);
      expect(JSON.stringify(logged)).to.include('hunter2');
    });

    it('answers broken JSON 400 MALFORMED_JSON', async function () {
      const response = await fetch(`${api.url}/test/orders`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{"quantity": 1,',
      });
      expect(response.status).to.equal(400);
      expect((await problemOf(response)).code).to.equal('MALFORMED_JSON');
    });

    it('answers a body of another media type 415 UNSUPPORTED_MEDIA_TYPE', async function () {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
        const response = await fetch(`${api.url}/test/orders`, {
          method: 'POST',
          headers: { 'Content-Type': type },
          body: 'quantity=1',
        });
        expect(response.status, type).to.equal(415);
        expect((await problemOf(response)).code).to.equal('UNSUPPORTED_MEDIA_TYPE');
      }
    });

    it('answers a body over the limit 413 PAYLOAD_TOO_LARGE', async function () {
      const response = await fetch(`${api.url}/test/orders`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ quantity: 1, reference: 'x'.repeat(128 * 1024) }),
      });
      expect(response.status).to.equal(413);
      expect((await problemOf(response)).code).to.equal('PAYLOAD_TOO_LARGE');
    });

    it('answers a body that breaks the schema 400 INVALID_REQUEST, listing each issue', async function () {
      const response = await fetch(`${api.url}/test/orders`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ quantity: -1, reference: 'ab' }),
      });
      expect(response.status).to.equal(400);
      const problem = await problemOf(response);
      expect(problem.code).to.equal('INVALID_REQUEST');
      const issues = problem.issues as { path: string }[];
      expect(issues.map((issue) => issue.path)).to.have.members(['body.quantity', 'body.reference']);
    });
  });

  describe('request ids and logs', function () {
    it('keeps a sane X-Request-Id and replaces one that is not', async function () {
      const kept = await fetch(`${api.url}/health`, { headers: { 'X-Request-Id': 'abc-123' } });
      expect(kept.headers.get('x-request-id')).to.equal('abc-123');
      const replaced = await fetch(`${api.url}/health`, { headers: { 'X-Request-Id': 'x'.repeat(300) } });
      expect(replaced.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
    });

    it('logs one JSON line per request with id, method, path, status and time, without secrets', async function () {
      await fetch(`${api.url}/health?token=query-secret`, {
        headers: { 'X-Request-Id': 'log-line-1', Authorization: 'Bearer header-secret' },
      });
      const lines = logs.filter((line) => line.requestId === 'log-line-1');
      // The bad key is refused (401) and that request is logged once.
      expect(lines).to.have.length(1);
      expect(lines[0]).to.include({ method: 'GET', path: '/health', status: 401, code: 'API_KEY_INVALID' });
      expect(lines[0]!.ms).to.be.a('number');
      expect(JSON.stringify(logs)).to.not.include('header-secret');
      expect(JSON.stringify(logs)).to.not.include('query-secret');
    });
  });

  describe('security headers', function () {
    it('sends a same-origin CSP, nosniff, no framing, no referrer, no X-Powered-By (and no HSTS over HTTP)', async function () {
      const response = await fetch(`${api.url}/health`);
      const csp = response.headers.get('content-security-policy')!;
      expect(csp).to.include("default-src 'self'");
      expect(csp).to.include("script-src 'self'");
      expect(csp).to.include("frame-ancestors 'self'");
      expect(csp).to.not.include('upgrade-insecure-requests');
      expect(response.headers.get('x-content-type-options')).to.equal('nosniff');
      expect(response.headers.get('x-frame-options')).to.equal('SAMEORIGIN');
      expect(response.headers.get('referrer-policy')).to.equal('no-referrer');
      expect(response.headers.get('x-powered-by')).to.equal(null);
      expect(response.headers.get('strict-transport-security')).to.equal(null);
    });
  });

  describe('system routes', function () {
    it('GET /health answers {status: "ok"}', async function () {
      const response = await fetch(`${api.url}/health`);
      expect(response.status).to.equal(200);
      expect(await response.json()).to.deep.equal({ status: 'ok' });
    });

    it('GET /ready is ready when the chain answers, the index is within the lag and storage is writable', async function () {
      indexHead = await latestBlockNumber(ledger.provider);
      const response = await fetch(`${api.url}/ready`);
      expect(response.status).to.equal(200);
      const body = (await response.json()) as { status: string; checks: { name: string; ok: boolean }[] };
      expect(body.status).to.equal('ready');
      expect(body.checks.map((check) => [check.name, check.ok])).to.deep.equal([
        ['chain', true],
        ['index', true],
        ['storage', true],
      ]);
    });

    it('GET /ready answers 503 naming the index when it lags or has not synced', async function () {
      for (let i = 0; i < 3; i++) await ledger.provider.send('evm_mine', []);
      indexHead = (await latestBlockNumber(ledger.provider)) - 3;
      const lagging = await fetch(`${api.url}/ready`);
      expect(lagging.status).to.equal(503);
      const body = (await lagging.json()) as {
        status: string;
        checks: { name: string; ok: boolean; detail: string }[];
      };
      expect(body.status).to.equal('not-ready');
      const index = body.checks.find((check) => check.name === 'index')!;
      expect(index.ok).to.be.false;
      expect(index.detail).to.include('3 behind');

      indexHead = null;
      expect((await fetch(`${api.url}/ready`)).status).to.equal(503);
    });

    it('GET /ready answers 503 when storage is not writable, and when the chain does not answer', async function () {
      indexHead = await latestBlockNumber(ledger.provider);
      const scratch = mkdtempSync(path.join(tmpdir(), 'policyledger-ready-'));
      const blocker = path.join(scratch, 'not-a-directory');
      writeFileSync(blocker, '');
      const down = await startTestApi(
        {
          provider: new JsonRpcProvider('http://127.0.0.1:1', 31337, { staticNetwork: true }),
          deployment: ledger.deployment,
        },
        { context: { index: absent<ChainIndex>('chain index', { headBlock: () => Promise.resolve(1) }) } },
      );
      const apiDir = api.ctx.config.apiDir;
      try {
        api.ctx.config.apiDir = path.join(blocker, 'api');
        const storage = (await (await fetch(`${api.url}/ready`)).json()) as { checks: { name: string; ok: boolean }[] };
        expect(storage.checks.find((check) => check.name === 'storage')!.ok).to.be.false;

        const response = await fetch(`${down.url}/ready`);
        expect(response.status).to.equal(503);
        const body = (await response.json()) as { checks: { name: string; ok: boolean }[] };
        expect(body.checks.find((check) => check.name === 'chain')!.ok).to.be.false;
      } finally {
        api.ctx.config.apiDir = apiDir;
        await down.close();
        rmSync(scratch, { recursive: true, force: true });
      }
    });

    it('GET /metrics counts requests by route pattern and status', async function () {
      await fetch(`${api.url}/health`);
      const response = await fetch(`${api.url}/metrics`);
      expect(response.status).to.equal(200);
      expect(response.headers.get('content-type')).to.match(/^text\/plain/);
      const text = await response.text();
      expect(text).to.match(/policyledger_api_http_requests_total\{method="GET",route="\/health",status="200"\} \d+/);
      expect(text).to.include('policyledger_api_http_request_duration_seconds_bucket');
      expect(text).to.match(/route="\(unmatched\)",status="404"/);
    });

    it('GET /openapi.json is an OpenAPI 3.1 document with every route, whose references all resolve', async function () {
      const response = await fetch(`${api.url}/openapi.json`);
      expect(response.status).to.equal(200);
      const document = (await response.json()) as {
        openapi: string;
        info: { title: string };
        servers: { url: string }[];
        paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
        components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
      };
      expect(document.openapi).to.equal('3.1.0');
      expect(document.servers[0]!.url).to.equal(api.url);
      expect(document.paths).to.include.keys(
        '/health',
        '/ready',
        '/metrics',
        '/openapi.json',
        '/v1/auth/nonce',
        '/v1/auth/siwe',
        '/v1/auth/sign-out',
        '/v1/me',
        '/v1/api-keys',
        '/v1/api-keys/{id}',
        '/test/orders',
      );
      expect(document.components.schemas).to.include.keys('Problem', 'Session', 'ApiKey');
      expect(document.components.securitySchemes).to.include.keys('session', 'apiKey');
      expect(document.paths['/v1/auth/siwe']!.post!.responses).to.include.keys('200', '400', '401', '429', '500');

      const text = JSON.stringify(document);
      const references = [...text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((match) => match[1]!);
      expect(references).to.not.be.empty;
      for (const name of references) expect(document.components.schemas, name).to.have.property(name);
    });

    it('GET /docs serves the swagger-ui reference page from the npm package, pointing at /openapi.json', async function () {
      const redirect = await fetch(`${api.url}/docs`, { redirect: 'manual' });
      expect(redirect.status).to.equal(301);
      expect(redirect.headers.get('location')).to.equal('/docs/');

      const page = await fetch(`${api.url}/docs/`);
      expect(page.status).to.equal(200);
      expect(page.headers.get('content-type')).to.match(/^text\/html/);
      const html = await page.text();
      expect(html).to.include('swagger-ui-bundle.js');
      const initializer = await (await fetch(`${api.url}/docs/swagger-initializer.js`)).text();
      expect(initializer).to.include("url: '/openapi.json'");
      expect(initializer).to.not.include('petstore');
      // No CDN: everything the page loads is relative to this origin.
      for (const source of [html, initializer]) expect(source).to.not.match(/(src|href)="https?:/);
      for (const asset of ['swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js', 'swagger-ui.css', 'index.css']) {
        const response = await fetch(`${api.url}/docs/${asset}`);
        expect(response.status, asset).to.equal(200);
        await response.arrayBuffer();
      }
    });
  });
});

describe('API server: rate limits', function () {
  this.timeout(30_000);
  let api: TestApi;

  before(async function () {
    api = await startTestApi(
      {
        provider: new JsonRpcProvider('http://127.0.0.1:1', 31337, { staticNetwork: true }),
        deployment: absent('deployment'),
      },
      { env: { POLICYLEDGER_API_RATE_LIMIT_PER_IP: '3', POLICYLEDGER_API_RATE_LIMIT_WINDOW_MS: '60000' } },
    );
  });

  after(async function () {
    await api?.close();
  });

  it('answers 429 RATE_LIMITED with Retry-After once a client IP used its window, /health included', async function () {
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${api.url}/health`);
      expect(response.status).to.equal(200);
      expect(response.headers.get('ratelimit-policy')).to.match(/q=3/);
    }
    const limited = await fetch(`${api.url}/health`);
    expect(limited.status).to.equal(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).to.be.within(1, 60);
    const problem = await problemOf(limited);
    expect(problem).to.include({ code: 'RATE_LIMITED', status: 429, retryAfterSeconds: retryAfter });
    expect((await fetch(`${api.url}/v1/auth/nonce`, { method: 'POST' })).status).to.equal(429);
  });
});
