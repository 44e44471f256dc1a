import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProviderError } from '../../../services/oracle/http.js';
import type { WeatherQuery } from '../../../services/oracle/observation.js';
import { normaliseNws, NwsProvider, type NwsProviderOptions } from '../../../services/oracle/providers/nws/index.js';
import { createWeatherProvider } from '../../../services/oracle/providers/weather.js';

const FIXTURES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'services',
  'replay',
  'recordings',
  'nws',
);

type Json = Record<string, unknown>;
interface Feature {
  properties: Json & { timestamp: string };
}
interface Collection {
  type: string;
  features: Feature[];
}

/**
 * KMIA on 2026-06-01 (written by us to the documented format, see services/replay/recordings/README.md): routine reports at :53,
 * SPECI reports at 14:10, 14:32 and 19:58 during showers; mm, degC, km/h.
 */
function kmia(): Collection {
  return JSON.parse(readFileSync(path.join(FIXTURES, 'KMIA-observations-2026-06-01.json'), 'utf8')) as Collection;
}

/** KORD on 2026-06-02: routine reports at :51, precipitation in metres, no temperature before 08:00. */
function kord(): Collection {
  return JSON.parse(
    readFileSync(path.join(FIXTURES, 'KORD-observations-2026-06-02-metres.json'), 'utf8'),
  ) as Collection;
}

function at(collection: Collection, timestamp: string): Json {
  const feature = collection.features.find(({ properties }) => properties.timestamp === timestamp);
  if (feature === undefined) throw new Error(`no report at ${timestamp}`);
  return feature.properties;
}

function values(observations: { metric: string; value: number | null }[]): Record<string, number | null> {
  return Object.fromEntries(observations.map(({ metric, value }) => [metric, value]));
}

function thrown(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  }
  throw new Error('expected an error');
}

async function rejected(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

interface Answer {
  status: number;
  body: string;
}

interface Recorder {
  baseUrl: string;
  requests: { url: URL; headers: IncomingHttpHeaders }[];
  close: () => Promise<void>;
}

/** A local server answering each request with `answer` for it, recording the requests. */
async function serve(answer: (index: number, baseUrl: string) => Answer): Promise<Recorder> {
  const requests: Recorder['requests'] = [];
  let baseUrl = '';
  const server = createServer((request, response) => {
    requests.push({ url: new URL(request.url ?? '/', baseUrl), headers: request.headers });
    const { status, body } = answer(requests.length - 1, baseUrl);
    response.writeHead(status, { 'content-type': 'application/geo+json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl,
    requests,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

const USER_AGENT = 'PolicyLedger oracle test (oracle@policyledger.example)';
const FAST_HTTP = { timeoutMs: 2_000, retries: 2, backoffMs: 1, minIntervalMs: 0, sleep: async () => {} };

describe('NWS adapter', function () {
  describe('normaliseNws', function () {
    it('aggregates a day in UTC: highest temperature and wind, hourly precipitation of the routine reports', function () {
      expect(normaliseNws(kmia())).to.deep.equal([
        {
          feedKey: 'station:KMIA/precipitation_sum/2026-06-01',
          date: '2026-06-01',
          metric: 'precipitation_sum',
          // 0.508 (13:53) + 6.858 (14:53) + 3.81 (15:53) + 0 (19:53, a trace) + 2.032 (20:53), dry hours 0.
          value: 13.208,
          unit: 'mm',
        },
        {
          feedKey: 'station:KMIA/temperature_max/2026-06-01',
          date: '2026-06-01',
          metric: 'temperature_max',
          value: 31.7,
          unit: 'degC',
        },
        {
          feedKey: 'station:KMIA/wind_speed_max/2026-06-01',
          date: '2026-06-01',
          metric: 'wind_speed_max',
          // 21 kt in the 14:10 SPECI: special reports count for maxima.
          value: 38.89,
          unit: 'km/h',
        },
      ]);
    });

    it('does not count the running totals of SPECI reports twice', function () {
      const body = kmia();
      const everyAmount = body.features
        .map(({ properties }) => (properties.precipitationLastHour as { value: number | null }).value ?? 0)
        .reduce((sum, amount) => sum + amount, 0);
      // Adding every report's amount would give 22.352 mm: 14:10 and 14:32 repeat part of 14:53, 19:58 part of 20:53.
      expect(Math.round(everyAmount * 1000) / 1000).to.equal(22.352);
      expect(normaliseNws(body, { metric: 'precipitation_sum' })[0]?.value).to.equal(13.208);
    });

    it('leaves out values whose quality flag is X (rejected) or Q (questioned)', function () {
      const body = kmia();
      expect(at(body, '2026-06-01T16:53:00+00:00').temperature).to.deep.include({ value: 45, qualityControl: 'X' });
      expect(at(body, '2026-06-01T18:53:00+00:00').windSpeed).to.deep.include({ value: 140.75, qualityControl: 'Q' });
      const trusting = normaliseNws(body, {}, { acceptedQualityControl: ['V', 'C', 'X', 'Q'] });
      expect(values(trusting)).to.deep.equal({
        precipitation_sum: 13.462,
        temperature_max: 45,
        wind_speed_max: 140.75,
      });
    });

    it('counts an hour without an amount as dry only when the report says so', function () {
      // Of 24 routine reports, 21 count: 16:53 has no amount while it rains, 17:53 is questioned, 18:53 says PNO.
      expect(normaliseNws(kmia(), { metric: 'precipitation_sum' }, { minCoveredHours: 21 })[0]?.value).to.equal(13.208);
      expect(normaliseNws(kmia(), { metric: 'precipitation_sum' }, { minCoveredHours: 22 })[0]?.value).to.equal(null);
      // Treating every missing amount as unknown leaves only the five hours that report one.
      expect(normaliseNws(kmia(), { metric: 'precipitation_sum' }, { inferDryHours: false })[0]?.value).to.equal(null);
      expect(
        normaliseNws(kmia(), { metric: 'precipitation_sum' }, { inferDryHours: false, minCoveredHours: 5 })[0]?.value,
      ).to.equal(13.208);
    });

    it('converts precipitation reported in metres and gives null for a metric with too few hours', function () {
      expect(normaliseNws(kord())).to.deep.equal([
        {
          feedKey: 'station:KORD/precipitation_sum/2026-06-02',
          date: '2026-06-02',
          metric: 'precipitation_sum',
          // 0.000508 + 0.00254 + 0.00127 + 0.000254 m.
          value: 4.572,
          unit: 'mm',
        },
        // Temperatures only from 08:51 on: 16 hours, fewer than 18.
        {
          feedKey: 'station:KORD/temperature_max/2026-06-02',
          date: '2026-06-02',
          metric: 'temperature_max',
          value: null,
          unit: 'degC',
        },
        {
          feedKey: 'station:KORD/wind_speed_max/2026-06-02',
          date: '2026-06-02',
          metric: 'wind_speed_max',
          value: 29.63,
          unit: 'km/h',
        },
      ]);
      expect(normaliseNws(kord(), { metric: 'temperature_max' }, { minCoveredHours: 16 })[0]?.value).to.equal(24);
    });

    it('gives null values for a day without observations, named by the asked station', function () {
      const observations = normaliseNws(kmia(), { stationId: 'KMIA', date: '2026-06-02' });
      expect(observations.map(({ feedKey, value }) => [feedKey, value])).to.deep.equal([
        ['station:KMIA/precipitation_sum/2026-06-02', null],
        ['station:KMIA/temperature_max/2026-06-02', null],
        ['station:KMIA/wind_speed_max/2026-06-02', null],
      ]);
      const empty = normaliseNws(
        { type: 'FeatureCollection', features: [] },
        { stationId: 'KMIA', date: '2026-06-01' },
      );
      expect(empty.map(({ value }) => value)).to.deep.equal([null, null, null]);
    });

    it('reads older responses with unit: and qc: prefixes', function () {
      const body = kmia();
      for (const { properties } of body.features) {
        const temperature = properties.temperature as Json;
        temperature.unitCode = 'unit:degC';
        temperature.qualityControl = `qc:${String(temperature.qualityControl)}`;
      }
      expect(normaliseNws(body, { metric: 'temperature_max' })[0]?.value).to.equal(31.7);
    });

    it('converts temperatures in kelvin and wind in m/s and knots', function () {
      const body = kmia();
      Object.assign(at(body, '2026-06-01T13:53:00+00:00'), {
        temperature: { unitCode: 'wmoUnit:K', value: 305.15, qualityControl: 'V' },
        windSpeed: { unitCode: 'wmoUnit:m_s-1', value: 12.5, qualityControl: 'V' },
      });
      Object.assign(at(body, '2026-06-01T12:53:00+00:00'), {
        windSpeed: { unitCode: 'wmoUnit:kt', value: 22, qualityControl: 'S' },
      });
      expect(values(normaliseNws(body))).to.deep.include({ temperature_max: 32, wind_speed_max: 45 });
    });

    it('refuses responses not in the documented shape, naming the provider and field', function () {
      const cases: [(body: Collection) => void, string][] = [
        [
          (body) =>
            (at(body, '2026-06-01T14:53:00+00:00').precipitationLastHour = { unitCode: 'wmoUnit:in', value: 0.27 }),
          'features[10].properties.precipitationLastHour.unitCode is "wmoUnit:in", which cannot be converted to mm',
        ],
        [
          (body) => (at(body, '2026-06-01T14:53:00+00:00').timestamp = '2026-06-01T14:53:00'),
          'features[10].properties.timestamp is "2026-06-01T14:53:00", not an ISO 8601 time with an offset',
        ],
        [
          (body) => ((at(body, '2026-06-01T14:53:00+00:00').windSpeed as Json).value = '24'),
          'features[10].properties.windSpeed.value is "24", not a number',
        ],
        [
          (body) => Object.assign(at(body, '2026-06-01T14:53:00+00:00'), { stationId: 'KFLL', station: 'x/KFLL' }),
          'features[10] is from station KFLL, not KMIA',
        ],
        [(body) => (body.type = 'Feature'), 'type is "Feature", not "FeatureCollection"'],
      ];
      for (const [spoil, message] of cases) {
        const body = kmia();
        spoil(body);
        const error = thrown(() => normaliseNws(body));
        expect(error, message).to.be.instanceOf(ProviderError);
        expect(error.message, message).to.equal(`nws: ${message}`);
      }
      expect(thrown(() => normaliseNws(kmia(), { stationId: 'KORD' })).message).to.equal(
        'nws: features[0] is from station KMIA, not KORD',
      );
      expect(thrown(() => normaliseNws({ features: {} })).message).to.equal('nws: features is {}, not an array');
    });
  });

  describe('NwsProvider', function () {
    const DATE = '2026-06-01';
    const query: WeatherQuery = { location: { stationId: 'KMIA' }, metric: 'temperature_max', date: DATE };
    let server: Recorder | undefined;

    afterEach(async function () {
      await server?.close();
      server = undefined;
    });

    function provider(base: string, options: Partial<NwsProviderOptions> = {}): NwsProvider {
      return new NwsProvider({
        baseUrl: base,
        userAgent: USER_AGENT,
        now: () => new Date('2026-06-03T06:00:00Z'),
        ...FAST_HTTP,
        ...options,
      });
    }

    it("asks for the station's observations of the UTC day, identifying itself with the User-Agent", async function () {
      const body = JSON.stringify(kmia());
      server = await serve(() => ({ status: 200, body }));
      const result = await provider(server.baseUrl).fetchWeather(query);

      expect(server.requests).to.have.length(1);
      const [{ url, headers }] = server.requests as [Recorder['requests'][number]];
      expect(url.pathname).to.equal('/stations/KMIA/observations');
      expect(Object.fromEntries(url.searchParams)).to.deep.equal({
        start: '2026-06-01T00:00:00Z',
        end: '2026-06-02T00:00:00Z',
        limit: '500',
      });
      expect(headers['user-agent']).to.equal(USER_AGENT);
      expect(headers.accept).to.equal('application/geo+json');
      expect(result.observations).to.deep.equal([
        {
          feedKey: 'station:KMIA/temperature_max/2026-06-01',
          date: DATE,
          metric: 'temperature_max',
          value: 31.7,
          unit: 'degC',
        },
      ]);
      expect(result.raw).to.have.length(1);
      expect(result.raw[0]).to.include({ provider: 'nws', status: 200, body });
    });

    it('follows pagination.next while pages are full and aggregates every page', async function () {
      const { features } = kmia();
      server = await serve((index, baseUrl) => {
        const page =
          index === 0
            ? {
                type: 'FeatureCollection',
                features: features.slice(0, 20),
                pagination: { next: `${baseUrl}/stations/KMIA/observations?cursor=c2&limit=20` },
              }
            : {
                type: 'FeatureCollection',
                features: features.slice(20),
                pagination: { next: `${baseUrl}/stations/KMIA/observations?cursor=c3&limit=20` },
              };
        return { status: 200, body: JSON.stringify(page) };
      });
      const result = await provider(server.baseUrl, { pageLimit: 20 }).fetchWeather({
        ...query,
        metric: 'precipitation_sum',
      });
      expect(server.requests.map(({ url }) => url.search)).to.deep.equal([
        '?start=2026-06-01T00%3A00%3A00Z&end=2026-06-02T00%3A00%3A00Z&limit=20',
        '?cursor=c2&limit=20',
      ]);
      expect(result.raw).to.have.length(2);
      expect(result.observations[0]?.value).to.equal(13.208);
    });

    it('refuses a day that needs more pages than allowed', async function () {
      const { features } = kmia();
      server = await serve((index, baseUrl) => ({
        status: 200,
        body: JSON.stringify({
          features: features.slice(0, 5),
          pagination: { next: `${baseUrl}/stations/KMIA/observations?cursor=${index}` },
        }),
      }));
      const error = await rejected(provider(server.baseUrl, { pageLimit: 5, maxPages: 3 }).fetchWeather(query));
      expect(server.requests).to.have.length(3);
      expect(error.message).to.equal('nws: more than 3 pages of observations for KMIA on 2026-06-01');
    });

    it('retries a 503 and answers from the next response', async function () {
      const body = JSON.stringify(kmia());
      server = await serve((index) =>
        index === 0 ? { status: 503, body: '{"title":"Service Unavailable","status":503}' } : { status: 200, body },
      );
      const result = await provider(server.baseUrl).fetchWeather(query);
      expect(server.requests).to.have.length(2);
      expect(result.observations[0]?.value).to.equal(31.7);
    });

    it('does not retry a 400 and reports its status', async function () {
      server = await serve(() => ({
        status: 400,
        body: '{"title":"Bad Request","status":400,"detail":"Parameter \\"start\\" is invalid"}',
      }));
      const error = await rejected(provider(server.baseUrl).fetchWeather(query));
      expect(server.requests).to.have.length(1);
      expect(error).to.be.instanceOf(ProviderError);
      expect((error as ProviderError).status).to.equal(400);
    });

    it('refuses grid points, days not over and days older than NWS keeps, without asking', async function () {
      server = await serve(() => ({ status: 200, body: JSON.stringify(kmia()) }));
      const refusals = [
        [{ ...query, location: { latitude: 25.79, longitude: -80.32 } }, {}, 'nws: reads stations, not grid points'],
        [query, { now: () => new Date('2026-06-01T23:00:00Z') }, 'nws: 2026-06-01 is not over in UTC yet'],
        [query, { now: () => new Date('2026-06-08T12:00:00Z') }, 'nws: 2026-06-01 is older than the 7 days'],
        [{ ...query, location: { stationId: '../alerts' } }, {}, 'nws: station "../alerts" is not a station id'],
      ] as const;
      for (const [asked, options, message] of refusals) {
        const error = await rejected(provider(server.baseUrl, options).fetchWeather(asked));
        expect(error.message, message).to.contain(message);
      }
      expect(server.requests).to.have.length(0);
    });

    it('is built by name and refuses to start without a User-Agent or with unusable settings', function () {
      expect(createWeatherProvider('nws', { userAgent: USER_AGENT }).name).to.equal('nws');
      expect(() => createWeatherProvider('nws', { userAgent: ' ' })).to.throw('nws: userAgent is empty');
      expect(() => createWeatherProvider('nws', { userAgent: USER_AGENT, baseUrl: 'ftp://x' })).to.throw(
        'nws: baseUrl "ftp://x" is not an http(s) URL',
      );
      expect(() => createWeatherProvider('nws', { userAgent: USER_AGENT, minCoveredHours: 25 })).to.throw(
        'nws: minCoveredHours 25',
      );
      expect(() => createWeatherProvider('nws', { userAgent: USER_AGENT, acceptedQualityControl: [] })).to.throw(
        'nws: acceptedQualityControl is empty',
      );
    });
  });
});
