import { expect } from 'chai';
import { HttpClient, ProviderError, type HttpOptions } from '../../services/oracle/http.js';
import { freePort } from '../helpers/ports.js';
import { ScriptedServer } from '../helpers/scripted-server.js';

/** A sleep that returns at once and remembers what it was asked to wait. */
function recordingSleep(): { sleep: (ms: number) => Promise<void>; waits: number[] } {
  const waits: number[] = [];
  return { waits, sleep: (ms) => (waits.push(ms), Promise.resolve()) };
}

async function rejection(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(ProviderError);
    return error as ProviderError;
  }
  throw new Error('expected the call to fail');
}

describe('HttpClient', function () {
  let server: ScriptedServer;

  before(async function () {
    server = await ScriptedServer.start();
  });

  after(async function () {
    await server.stop();
  });

  function client(options: Partial<HttpOptions> = {}): HttpClient {
    return new HttpClient({
      provider: 'test-provider',
      baseUrl: server.baseUrl,
      timeoutMs: 2_000,
      retries: 0,
      backoffMs: 10,
      minIntervalMs: 0,
      sleep: recordingSleep().sleep,
      ...options,
    });
  }

  describe('get', function () {
    it('returns the answer with its status, body, fetch time and request URL', async function () {
      server.script({ status: 200, body: '{"ok":true}' });
      const before = Date.now();

      const raw = await client({ baseUrl: `${server.baseUrl}/api` }).get('/v1/flights', { flight_iata: 'BA196' });

      expect(server.seen.map((request) => request.path)).to.deep.equal(['/api/v1/flights']);
      expect(raw.provider).to.equal('test-provider');
      expect(raw.status).to.equal(200);
      expect(raw.body).to.equal('{"ok":true}');
      expect(raw.url).to.equal(`${server.baseUrl}/api/v1/flights?flight_iata=BA196`);
      expect(Date.parse(raw.fetchedAt)).to.be.within(before, Date.now());
    });
  });

  describe('credentials', function () {
    it('sends secret query parameters but leaves them out of the recorded URL', async function () {
      server.script({ status: 200 });

      const raw = await client({ secretQuery: { access_key: 's3cr3t-key' } }).get('/v1/flights', { flight_date: 'x' });

      expect(server.seen[0]?.query.get('access_key')).to.equal('s3cr3t-key');
      expect(server.seen[0]?.query.get('flight_date')).to.equal('x');
      expect(raw.url).to.equal(`${server.baseUrl}/v1/flights?flight_date=x`);
      expect(raw.url).not.to.include('s3cr3t-key');
    });

    it('keeps secret query parameters out of error messages', async function () {
      server.script({ status: 401, body: '{"error":{"code":"invalid_access_key"}}' });

      const error = await rejection(client({ secretQuery: { access_key: 's3cr3t-key' } }).get('/v1/flights'));

      expect(error.status).to.equal(401);
      expect(error.message).not.to.include('s3cr3t-key');
    });

    it('sends configured headers such as an API key header', async function () {
      server.script({ status: 200 });

      const raw = await client({ headers: { 'x-apikey': 'header-key' } }).get('/flights/BA196');

      expect(server.seen[0]?.headers['x-apikey']).to.equal('header-key');
      expect(server.seen[0]?.headers.accept).to.equal('application/json');
      expect(raw.url).not.to.include('header-key');
    });
  });

  describe('retries', function () {
    it('makes 1 + retries attempts on 5xx answers, then throws the last status', async function () {
      server.script({ status: 503 }, { status: 502 }, { status: 503 });

      const error = await rejection(client({ retries: 2 }).get('/x'));

      expect(server.seen).to.have.length(3);
      expect(error.code).to.equal('http_status');
      expect(error.status).to.equal(503);
    });

    it('succeeds when a retry is answered', async function () {
      server.script({ status: 500 }, { status: 200, body: '[]' });

      const raw = await client({ retries: 3 }).get('/x');

      expect(server.seen).to.have.length(2);
      expect(raw.body).to.equal('[]');
    });

    it('does not retry a 404', async function () {
      server.script({ status: 404 }, { status: 200 });

      const error = await rejection(client({ retries: 3 }).get('/x'));

      expect(server.seen).to.have.length(1);
      expect(error.code).to.equal('http_status');
      expect(error.status).to.equal(404);
    });

    it('backs off exponentially, each wait in the upper half of its step', async function () {
      server.script({ status: 503 }, { status: 503 }, { status: 503 }, { status: 503 });
      const { sleep, waits } = recordingSleep();

      await rejection(client({ retries: 3, backoffMs: 100, sleep }).get('/x'));

      expect(waits).to.have.length(3);
      expect(waits[0]).to.be.within(50, 100);
      expect(waits[1]).to.be.within(100, 200);
      expect(waits[2]).to.be.within(200, 400);
    });

    it('waits as long as a 429 says in Retry-After seconds', async function () {
      server.script({ status: 429, headers: { 'retry-after': '7' } }, { status: 200 });
      const { sleep, waits } = recordingSleep();

      await client({ retries: 1, sleep }).get('/x');

      expect(waits).to.deep.equal([7_000]);
      expect(server.seen).to.have.length(2);
    });

    it('waits until the HTTP date a 503 gives in Retry-After', async function () {
      const at = new Date(Date.now() + 30_000).toUTCString();
      server.script({ status: 503, headers: { 'retry-after': at } }, { status: 200 });
      const { sleep, waits } = recordingSleep();

      await client({ retries: 1, sleep }).get('/x');

      expect(waits).to.have.length(1);
      expect(waits[0]).to.be.within(28_000, 30_000);
    });

    it('gives up at once, with the wait asked for, when Retry-After exceeds maxRetryAfterMs', async function () {
      server.script({ status: 429, headers: { 'retry-after': '3600' } }, { status: 200 });
      const { sleep, waits } = recordingSleep();

      const error = await rejection(client({ retries: 3, maxRetryAfterMs: 60_000, sleep }).get('/x'));

      expect(error.status).to.equal(429);
      expect(error.retryAfterMs).to.equal(3_600_000);
      expect(waits).to.deep.equal([]);
      expect(server.seen).to.have.length(1);
    });

    it('retries when the provider cannot be reached, and reports a network error', async function () {
      const { sleep, waits } = recordingSleep();
      const unreachable = client({ baseUrl: `http://127.0.0.1:${await freePort()}`, retries: 2, sleep });

      const error = await rejection(unreachable.get('/x'));

      expect(error.code).to.equal('network');
      expect(waits).to.have.length(2);
    });
  });

  describe('timeouts', function () {
    it('reports a timeout when no answer comes within timeoutMs, after retrying', async function () {
      server.script('hang', 'hang');

      const error = await rejection(client({ timeoutMs: 100, retries: 1 }).get('/x'));

      expect(error.code).to.equal('timeout');
      expect(server.seen).to.have.length(2);
    });

    it('reports a timeout when the body stops arriving', async function () {
      server.script('stall-body');

      const error = await rejection(client({ timeoutMs: 150 }).get('/x'));

      expect(error.code).to.equal('timeout');
    });
  });

  describe('rate limit', function () {
    it('spaces requests, also concurrent ones, by at least minIntervalMs', async function () {
      server.script({ status: 200 }, { status: 200 }, { status: 200 });
      const spaced = client({ minIntervalMs: 100, sleep: undefined });
      const start = Date.now();

      await Promise.all([spaced.get('/a'), spaced.get('/b'), spaced.get('/c')]);

      // The k-th request leaves no earlier than k intervals after the first could (1 ms slack for clock rounding).
      const sinceStart = server.seen.map((request) => request.at - start);
      expect(sinceStart).to.have.length(3);
      expect(sinceStart[1]).to.be.at.least(99);
      expect(sinceStart[2]).to.be.at.least(199);
    });

    it('asks the sleep for the rest of the interval', async function () {
      server.script({ status: 200 }, { status: 200 });
      const { sleep, waits } = recordingSleep();
      const spaced = client({ minIntervalMs: 5_000, sleep });

      await spaced.get('/a');
      await spaced.get('/b');

      expect(waits).to.have.length(1);
      expect(waits[0]).to.be.within(4_000, 5_000);
    });
  });
});
