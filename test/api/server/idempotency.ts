import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Router, type Request } from 'express';
import { JsonRpcProvider } from 'ethers';
import type { ApiContext } from '../../../services/api/context.js';
import { AppError } from '../../../services/api/errors.js';
import { withIdempotency } from '../../../services/api/idempotency.js';
import { absent, startTestApi, type TestApi } from '../../helpers/api-client.js';

/** What the test routes did, to tell a replay (nothing done) from a second run. */
interface Effects {
  orders: number;
  failures: number;
  uploads: number;
  refusals: number;
  releaseSlow?: () => void;
}

async function bytesOf(req: Request): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function testRoutes(ctx: ApiContext, effects: Effects): Router[] {
  return [
    Router()
      .post('/test/orders', (req, res) => {
        effects.orders += 1;
        res.status(201).setHeader('Location', `/test/orders/${effects.orders}`);
        res.json({ order: effects.orders, ...(req.body as object) });
      })
      .post('/test/slow', async (_req, res) => {
        await new Promise<void>((resolve) => (effects.releaseSlow = resolve));
        res.json({ done: true });
      })
      .post('/test/refuse', () => {
        effects.refusals += 1;
        throw new AppError(409, 'ORDER_BOOK_CLOSED', 'The order book is closed');
      })
      .post('/test/fail', () => {
        effects.failures += 1;
        throw new Error('the database went away');
      })
      .post('/test/upload', async (req, res) => {
        // A streaming route: the body's fingerprint is known only once it has been read.
        const bytes = await bytesOf(req);
        const fingerprint = () => createHash('sha256').update(bytes).digest('hex');
        await withIdempotency(ctx, req, res, fingerprint, () => {
          effects.uploads += 1;
          res.status(202).json({ upload: effects.uploads, size: bytes.length });
          return Promise.resolve();
        });
      }),
  ];
}

const chainless = () => ({
  provider: new JsonRpcProvider('http://127.0.0.1:1', 31337, { staticNetwork: true }),
  deployment: absent<never>('deployment'),
});

function post(api: TestApi, route: string, body: unknown, key?: string): Promise<Response> {
  return fetch(`${api.url}${route}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(key === undefined ? {} : { 'Idempotency-Key': key }) },
    body: JSON.stringify(body),
  });
}

function upload(api: TestApi, content: string, key: string): Promise<Response> {
  const boundary = 'policyledger-test-boundary';
  const body =
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n` +
    `Content-Type: text/plain\r\n\r\n${content}\r\n--${boundary}--\r\n`;
  return fetch(`${api.url}/test/upload`, {
    method: 'POST',
    headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Idempotency-Key': key },
    body,
  });
}

async function codeOf(response: Response): Promise<string> {
  expect(response.headers.get('content-type')).to.match(/^application\/problem\+json/);
  return ((await response.json()) as { code: string }).code;
}

describe('API idempotency keys', function () {
  this.timeout(30_000);
  let dataDir: string;
  let api: TestApi;
  const effects: Effects = { orders: 0, failures: 0, uploads: 0, refusals: 0 };

  before(async function () {
    dataDir = mkdtempSync(path.join(tmpdir(), 'policyledger-idempotency-'));
    api = await startTestApi(chainless(), { dataDir, routers: (ctx) => testRoutes(ctx, effects) });
  });

  after(async function () {
    await api?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('replays the first answer for the same key and body, without running the write again', async function () {
    const first = await post(api, '/test/orders', { item: 'policy wording', copies: 2 }, 'order-1');
    expect(first.status).to.equal(201);
    const firstBody: unknown = await first.json();
    const ordersAfterFirst = effects.orders;

    // The same body written in another key order is the same body.
    const again = await post(api, '/test/orders', { copies: 2, item: 'policy wording' }, 'order-1');
    expect(again.status).to.equal(201);
    expect(again.headers.get('idempotent-replayed')).to.equal('true');
    expect(again.headers.get('location')).to.equal(first.headers.get('location'));
    expect(again.headers.get('content-type')).to.match(/^application\/json/);
    expect(await again.json()).to.deep.equal(firstBody);
    expect(effects.orders).to.equal(ordersAfterFirst);
    expect(first.headers.get('idempotent-replayed')).to.equal(null);
  });

  it('refuses the same key with a different body: 409 IDEMPOTENCY_KEY_REUSED', async function () {
    await post(api, '/test/orders', { item: 'claim form' }, 'order-2');
    const reused = await post(api, '/test/orders', { item: 'another claim form' }, 'order-2');
    expect(reused.status).to.equal(409);
    expect(await codeOf(reused)).to.equal('IDEMPOTENCY_KEY_REUSED');
  });

  it('refuses the same key while the first request still runs: 409 IDEMPOTENCY_IN_PROGRESS', async function () {
    const slow = post(api, '/test/slow', { n: 1 }, 'slow-1');
    const deadline = Date.now() + 10_000;
    while (effects.releaseSlow === undefined && Date.now() < deadline)
      await new Promise((resolve) => setImmediate(resolve));
    expect(effects.releaseSlow, 'the slow route started').to.be.a('function');

    const concurrent = await post(api, '/test/slow', { n: 1 }, 'slow-1');
    expect(concurrent.status).to.equal(409);
    expect(await codeOf(concurrent)).to.equal('IDEMPOTENCY_IN_PROGRESS');

    effects.releaseSlow!();
    expect((await slow).status).to.equal(200);
    const replayed = await post(api, '/test/slow', { n: 1 }, 'slow-1');
    expect(replayed.headers.get('idempotent-replayed')).to.equal('true');
  });

  it('keeps keys apart per path', async function () {
    await post(api, '/test/orders', { item: 'x' }, 'shared-key');
    const other = await upload(api, 'x', 'shared-key');
    expect(other.status).to.equal(202);
    expect(other.headers.get('idempotent-replayed')).to.equal(null);
  });

  it('frees the key after a server error, so a retry runs again', async function () {
    const failed = await post(api, '/test/fail', { n: 1 }, 'fail-1');
    expect(failed.status).to.equal(500);
    const retried = await post(api, '/test/fail', { n: 1 }, 'fail-1');
    expect(retried.status).to.equal(500);
    expect(retried.headers.get('idempotent-replayed')).to.equal(null);
    expect(effects.failures).to.equal(2);
  });

  it('replays a refusal too: the same request would be refused the same way', async function () {
    const first = await post(api, '/test/refuse', { item: 'x' }, 'refused-1');
    expect(first.status).to.equal(409);
    expect(await codeOf(first)).to.equal('ORDER_BOOK_CLOSED');
    const again = await post(api, '/test/refuse', { item: 'x' }, 'refused-1');
    expect(again.status).to.equal(409);
    expect(again.headers.get('idempotent-replayed')).to.equal('true');
    expect(await codeOf(again)).to.equal('ORDER_BOOK_CLOSED');
    expect(effects.refusals).to.equal(1);
  });

  it('refuses a malformed key: 400 IDEMPOTENCY_KEY_INVALID', async function () {
    const long = await post(api, '/test/orders', { item: 'x' }, 'k'.repeat(256));
    expect(long.status).to.equal(400);
    expect(await codeOf(long)).to.equal('IDEMPOTENCY_KEY_INVALID');
  });

  it('never keeps an answer holding a secret: a nonce request with a key gets a fresh nonce each time', async function () {
    const ask = () => fetch(`${api.url}/v1/auth/nonce`, { method: 'POST', headers: { 'Idempotency-Key': 'nonce-1' } });
    const first = (await (await ask()).json()) as { nonce: string };
    const second = await ask();
    expect(second.headers.get('idempotent-replayed')).to.equal(null);
    expect(((await second.json()) as { nonce: string }).nonce).to.not.equal(first.nonce);
  });

  it('works for streaming (multipart) routes through withIdempotency', async function () {
    const first = await upload(api, 'schedule of cover', 'upload-1');
    expect(first.status).to.equal(202);
    const firstBody: unknown = await first.json();
    const again = await upload(api, 'schedule of cover', 'upload-1');
    expect(again.headers.get('idempotent-replayed')).to.equal('true');
    expect(await again.json()).to.deep.equal(firstBody);
    const different = await upload(api, 'another schedule', 'upload-1');
    expect(different.status).to.equal(409);
    expect(await codeOf(different)).to.equal('IDEMPOTENCY_KEY_REUSED');
  });

  it('keeps answers durably: a restarted API replays them', async function () {
    const first = await post(api, '/test/orders', { item: 'durable' }, 'durable-1');
    const firstBody: unknown = await first.json();
    await api.close();
    api = await startTestApi(chainless(), { dataDir, routers: (ctx) => testRoutes(ctx, effects) });
    const again = await post(api, '/test/orders', { item: 'durable' }, 'durable-1');
    expect(again.headers.get('idempotent-replayed')).to.equal('true');
    expect(await again.json()).to.deep.equal(firstBody);
  });

  it('forgets keys after 24 hours', async function () {
    await post(api, '/test/orders', { item: 'old' }, 'old-1');
    const dayAndASecond = 24 * 3600 * 1000 + 1000;
    api.ctx.db.prepare('UPDATE idem_keys SET expires_at = expires_at - ? WHERE key = ?').run(dayAndASecond, 'old-1');
    const fresh = await post(api, '/test/orders', { item: 'new' }, 'old-1');
    expect(fresh.status).to.equal(201);
    expect(fresh.headers.get('idempotent-replayed')).to.equal(null);
  });
});
