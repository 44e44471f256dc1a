import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProviderError } from '../../../services/oracle/http.js';
import { weatherFeedKey, type WeatherQuery } from '../../../services/oracle/observation.js';
import {
  describeOpenMeteoTimezone,
  normaliseOpenMeteo,
  OpenMeteoProvider,
  type OpenMeteoProviderOptions,
} from '../../../services/oracle/providers/open-meteo/index.js';
import { createWeatherProvider } from '../../../services/oracle/providers/weather.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const FIXTURES = path.resolve(REPO_ROOT, 'services', 'replay', 'recordings', 'open-meteo');

type Json = Record<string, unknown>;

/** A recorded response (services/replay/recordings/open-meteo), parsed afresh for each use. */
function recorded(name: 'frenck-historical_weather.json' | 'frenck-forecast.EXCERPT.json'): Json {
  return JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8')) as Json;
}

/**
 * The recorded archive response as it comes back when asked with `timezone=GMT` and for all three metrics: the
 * recorded precipitation sums, temperature and wind series with a null each (a value the model lacks).
 */
function gmtArchiveResponse(): Json {
  const body = recorded('frenck-historical_weather.json');
  return {
    ...body,
    utc_offset_seconds: 0,
    timezone: 'GMT',
    timezone_abbreviation: 'GMT',
    daily_units: { time: 'iso8601', precipitation_sum: 'mm', temperature_2m_max: '°C', wind_speed_10m_max: 'km/h' },
    daily: {
      time: ['1953-01-31', '1953-02-01'],
      precipitation_sum: [11.9, 12.5],
      temperature_2m_max: [5.8, null],
      wind_speed_10m_max: [null, 24.8],
    },
  };
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

/** A local server answering each request with the next answer (the last one repeats), recording the requests. */
async function serve(answers: Answer[]): Promise<Recorder> {
  const requests: Recorder['requests'] = [];
  const server = createServer((request, response) => {
    requests.push({ url: new URL(request.url ?? '/', 'http://127.0.0.1'), headers: request.headers });
    const answer = answers[Math.min(requests.length, answers.length) - 1] ?? { status: 500, body: '' };
    response.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

const FAST_HTTP = { timeoutMs: 2_000, retries: 2, backoffMs: 1, minIntervalMs: 0, sleep: async () => {} };
const POINT = { latitude: 52.27, longitude: 6.82 };

describe('Open-Meteo adapter', function () {
  describe('normaliseOpenMeteo', function () {
    it('refuses the recorded response in Europe/Amsterdam time, whose daily values cover local days', function () {
      const error = thrown(() => normaliseOpenMeteo(recorded('frenck-historical_weather.json')));
      expect(error).to.be.instanceOf(ProviderError);
      expect(error.message).to.match(/^open-meteo: utc_offset_seconds is 7200 .*Europe\/Amsterdam.*local days/);
    });

    it('lists the recorded daily precipitation under local dates when local days are accepted', function () {
      const observations = normaliseOpenMeteo(
        recorded('frenck-historical_weather.json'),
        {},
        { acceptLocalDays: true },
      );
      // wind_gusts_10m_max is no canonical metric; gusts are not the wind speed a policy is written on.
      expect(observations).to.deep.equal([
        {
          feedKey: '52.2671,6.8207/precipitation_sum/1953-01-31',
          date: '1953-01-31',
          metric: 'precipitation_sum',
          value: 11.9,
          unit: 'mm',
        },
        {
          feedKey: '52.2671,6.8207/precipitation_sum/1953-02-01',
          date: '1953-02-01',
          metric: 'precipitation_sum',
          value: 12.5,
          unit: 'mm',
        },
      ]);
      expect(describeOpenMeteoTimezone(recorded('frenck-historical_weather.json'))).to.equal(
        'the response is in local time (Europe/Amsterdam, UTC+02:00): each daily value covers a local day, ' +
          'listed under its local date, not a UTC day',
      );
      expect(describeOpenMeteoTimezone(gmtArchiveResponse())).to.equal(null);
    });

    it('reads the recorded forecast excerpt and refuses a metric it does not carry', function () {
      const body = recorded('frenck-forecast.EXCERPT.json');
      const observations = normaliseOpenMeteo(body, { metric: 'precipitation_sum' }, { acceptLocalDays: true });
      expect(observations.map(({ date, value }) => [date, value])).to.deep.equal([
        ['2026-10-03', 0],
        ['2026-10-04', 0],
        ['2026-10-05', 0],
      ]);
      // Its daily_units names wind_speed_10m_max, but its daily block has no such series.
      const error = thrown(() => normaliseOpenMeteo(body, { metric: 'wind_speed_max' }, { acceptLocalDays: true }));
      expect(error.message).to.equal('open-meteo: daily.wind_speed_10m_max is missing');
    });

    it('gives one observation per day and metric, keeping nulls, keyed by the asked point', function () {
      const observations = normaliseOpenMeteo(gmtArchiveResponse(), { location: POINT });
      expect(observations.map(({ feedKey, value, unit }) => [feedKey, value, unit])).to.deep.equal([
        ['52.2700,6.8200/precipitation_sum/1953-01-31', 11.9, 'mm'],
        ['52.2700,6.8200/temperature_max/1953-01-31', 5.8, 'degC'],
        ['52.2700,6.8200/wind_speed_max/1953-01-31', null, 'km/h'],
        ['52.2700,6.8200/precipitation_sum/1953-02-01', 12.5, 'mm'],
        ['52.2700,6.8200/temperature_max/1953-02-01', null, 'degC'],
        ['52.2700,6.8200/wind_speed_max/1953-02-01', 24.8, 'km/h'],
      ]);
    });

    it('answers a query for one day and metric, and gives null for a day the response lacks', function () {
      const query = { location: POINT, metric: 'wind_speed_max', date: '1953-02-01' } as const;
      expect(normaliseOpenMeteo(gmtArchiveResponse(), query)).to.deep.equal([
        {
          feedKey: weatherFeedKey(POINT, 'wind_speed_max', '1953-02-01'),
          date: '1953-02-01',
          metric: 'wind_speed_max',
          value: 24.8,
          unit: 'km/h',
        },
      ]);
      const missing = normaliseOpenMeteo(gmtArchiveResponse(), { ...query, date: '1953-02-02' });
      expect(missing.map(({ feedKey, value }) => [feedKey, value])).to.deep.equal([
        ['52.2700,6.8200/wind_speed_max/1953-02-02', null],
      ]);
    });

    it('converts inch, °F, mph, m/s and kn to mm, degC and km/h', function () {
      const body = gmtArchiveResponse();
      body.daily_units = {
        time: 'iso8601',
        precipitation_sum: 'inch',
        temperature_2m_max: '°F',
        wind_speed_10m_max: 'mph',
      };
      body.daily = {
        time: ['1953-01-31', '1953-02-01'],
        precipitation_sum: [0.47, 0],
        temperature_2m_max: [42.44, 32],
        wind_speed_10m_max: [15.4, null],
      };
      expect(normaliseOpenMeteo(body).map(({ metric, value }) => [metric, value])).to.deep.equal([
        ['precipitation_sum', 11.938],
        ['temperature_max', 5.8],
        ['wind_speed_max', 24.784],
        ['precipitation_sum', 0],
        ['temperature_max', 0],
        ['wind_speed_max', null],
      ]);
      for (const [unit, value, kmh] of [
        ['m/s', 10, 36],
        ['kn', 10, 18.52],
      ] as const) {
        body.daily_units = { ...(body.daily_units as Json), wind_speed_10m_max: unit };
        body.daily = { ...(body.daily as Json), wind_speed_10m_max: [value, null] };
        expect(normaliseOpenMeteo(body, { metric: 'wind_speed_max', date: '1953-01-31' })[0]?.value).to.equal(kmh);
      }
    });

    it('refuses a unit it cannot convert, naming it', function () {
      const body = gmtArchiveResponse();
      body.daily_units = { ...(body.daily_units as Json), temperature_2m_max: 'K' };
      expect(thrown(() => normaliseOpenMeteo(body)).message).to.equal(
        'open-meteo: daily_units.temperature_2m_max is "K", which cannot be converted to degC',
      );
      delete (body.daily_units as Json).temperature_2m_max;
      expect(thrown(() => normaliseOpenMeteo(body)).message).to.equal(
        'open-meteo: daily_units.temperature_2m_max is missing, not a unit',
      );
    });

    it('refuses responses not in the documented shape, naming the field', function () {
      const cases: [(body: Json) => void, string][] = [
        [(body) => (body.daily = undefined), 'daily is missing, not an object'],
        [(body) => ((body.daily as Json).time = [1953, '1953-02-01']), 'daily.time[0] is 1953, not a YYYY-MM-DD date'],
        [(body) => ((body.daily as Json).time = ['1953-01-31', '1953-02-30']), 'daily.time[1] is "1953-02-30"'],
        [(body) => ((body.daily as Json).time = ['1953-01-31', '1953-01-31']), 'daily.time lists 1953-01-31 twice'],
        [
          (body) => ((body.daily as Json).precipitation_sum = [11.9]),
          'daily.precipitation_sum has 1 values for 2 days',
        ],
        [(body) => ((body.daily as Json).precipitation_sum = [11.9, '12.5']), 'daily.precipitation_sum[1] is "12.5"'],
        [(body) => (body.utc_offset_seconds = undefined), 'utc_offset_seconds is missing, not a number'],
        [(body) => (body.latitude = 40.7), 'the response is for 40.7,6.820702, not near the asked 52.27,6.82'],
      ];
      for (const [spoil, message] of cases) {
        const body = gmtArchiveResponse();
        spoil(body);
        const error = thrown(() => normaliseOpenMeteo(body, { location: POINT }));
        expect(error, message).to.be.instanceOf(ProviderError);
        expect(error.message, message).to.contain(`open-meteo: ${message}`);
      }
      expect(thrown(() => normaliseOpenMeteo([])).message).to.equal(
        'open-meteo: the response is an array, not an object',
      );
    });

    it("reports the API's own error answer", function () {
      const error = thrown(() => normaliseOpenMeteo({ error: true, reason: 'Parameter start_date is out of range' }));
      expect(error.message).to.equal(
        'open-meteo: the API answered with an error: Parameter start_date is out of range',
      );
    });
  });

  describe('OpenMeteoProvider', function () {
    const DATE = '1953-01-31';
    const query: WeatherQuery = { location: POINT, metric: 'precipitation_sum', date: DATE };
    let server: Recorder | undefined;

    afterEach(async function () {
      await server?.close();
      server = undefined;
    });

    function provider(base: string, options: OpenMeteoProviderOptions = {}): OpenMeteoProvider {
      return new OpenMeteoProvider({
        baseUrl: base,
        archiveBaseUrl: base,
        now: () => new Date('2026-06-10T12:00:00Z'),
        ...FAST_HTTP,
        ...options,
      });
    }

    it('asks the archive for a day older than its lag with the documented parameters in GMT', async function () {
      server = await serve([{ status: 200, body: JSON.stringify(gmtArchiveResponse()) }]);
      const result = await provider(server.baseUrl, { apiKey: 'secret-key' }).fetchWeather(query);

      expect(server.requests).to.have.length(1);
      const { url } = server.requests[0]!;
      expect(url.pathname).to.equal('/v1/archive');
      expect(Object.fromEntries(url.searchParams)).to.deep.equal({
        latitude: '52.2700',
        longitude: '6.8200',
        start_date: DATE,
        end_date: DATE,
        daily: 'precipitation_sum,temperature_2m_max,wind_speed_10m_max',
        timezone: 'GMT',
        apikey: 'secret-key',
      });
      expect(result.observations).to.deep.equal([
        {
          feedKey: weatherFeedKey(POINT, 'precipitation_sum', DATE),
          date: DATE,
          metric: 'precipitation_sum',
          value: 11.9,
          unit: 'mm',
        },
      ]);
      expect(result.raw).to.have.length(1);
      expect(result.raw[0]).to.include({
        provider: 'open-meteo',
        status: 200,
        body: JSON.stringify(gmtArchiveResponse()),
      });
      expect(result.raw[0]?.url).to.not.contain('secret-key');
    });

    it('asks the forecast API for days within the archive lag, and the archive the day after', async function () {
      server = await serve([{ status: 200, body: JSON.stringify(gmtArchiveResponse()) }]);
      // 1953-01-31 seen from 5 and from 6 days later: the archive has a 5-day delay.
      await provider(server.baseUrl, { now: () => new Date('1953-02-05T08:00:00Z') }).fetchWeather(query);
      await provider(server.baseUrl, { now: () => new Date('1953-02-06T08:00:00Z') }).fetchWeather(query);
      expect(server.requests.map(({ url }) => url.pathname)).to.deep.equal(['/v1/forecast', '/v1/archive']);
      expect(server.requests[0]?.url.searchParams.get('timezone')).to.equal('GMT');
    });

    it("decides whether a day is over, and which API holds it, on the query's ledger time over its own clock", async function () {
      server = await serve([{ status: 200, body: JSON.stringify(gmtArchiveResponse()) }]);
      // The provider's own clock says the day is still running; the ledger's time (asOf) is six days later.
      const running = { now: () => new Date('1953-01-31T12:00:00Z') };
      const sixDaysLater = Date.parse('1953-02-06T08:00:00Z') / 1000;
      const result = await provider(server.baseUrl, running).fetchWeather({ ...query, asOf: sixDaysLater });
      expect(result.observations[0]?.value).to.equal(11.9);
      expect(server.requests.map(({ url }) => url.pathname)).to.deep.equal(['/v1/archive']);
      const notOver = await rejected(
        provider(server.baseUrl, { now: () => new Date('1953-02-06T08:00:00Z') }).fetchWeather({
          ...query,
          asOf: Date.parse('1953-01-31T23:59:00Z') / 1000,
        }),
      );
      expect(notOver.message).to.contain('1953-01-31 is not over in UTC yet');
    });

    it('retries a 503 and answers from the next response', async function () {
      server = await serve([
        { status: 503, body: '{"error":true,"reason":"Service unavailable"}' },
        { status: 200, body: JSON.stringify(gmtArchiveResponse()) },
      ]);
      const result = await provider(server.baseUrl).fetchWeather(query);
      expect(server.requests).to.have.length(2);
      expect(result.observations[0]?.value).to.equal(11.9);
    });

    it('does not retry a 400 and reports its status', async function () {
      server = await serve([
        { status: 400, body: '{"error":true,"reason":"Latitude must be in range of -90 to 90°."}' },
      ]);
      const error = await rejected(provider(server.baseUrl).fetchWeather(query));
      expect(server.requests).to.have.length(1);
      expect(error).to.be.instanceOf(ProviderError);
      expect((error as ProviderError).status).to.equal(400);
    });

    it('refuses a response in local time, as recorded, rather than mislabel its days', async function () {
      server = await serve([{ status: 200, body: JSON.stringify(recorded('frenck-historical_weather.json')) }]);
      const error = await rejected(provider(server.baseUrl).fetchWeather(query));
      expect(error.message).to.match(/^open-meteo: utc_offset_seconds is 7200/);
    });

    it('refuses a body that is not JSON', async function () {
      server = await serve([{ status: 200, body: '<html>maintenance</html>' }]);
      const error = await rejected(provider(server.baseUrl).fetchWeather(query));
      expect(error).to.be.instanceOf(ProviderError);
      expect((error as ProviderError).code).to.equal('bad_body');
    });

    it('refuses stations and days not over in UTC without asking', async function () {
      server = await serve([{ status: 200, body: JSON.stringify(gmtArchiveResponse()) }]);
      const now = () => new Date('1953-01-31T23:59:00Z');
      const stationError = await rejected(
        provider(server.baseUrl).fetchWeather({ ...query, location: { stationId: 'KMIA' } }),
      );
      expect(stationError.message).to.equal('open-meteo: has no stations (asked for KMIA)');
      const todayError = await rejected(provider(server.baseUrl, { now }).fetchWeather(query));
      expect(todayError.message).to.contain('1953-01-31 is not over in UTC yet');
      expect(server.requests).to.have.length(0);
    });

    it('is built by name, refusing settings that cannot work', function () {
      expect(createWeatherProvider('open-meteo', {}).name).to.equal('open-meteo');
      expect(() => createWeatherProvider('open-meteo', { archiveBaseUrl: 'archive' })).to.throw(
        'open-meteo: archiveBaseUrl "archive" is not a URL',
      );
      expect(() => createWeatherProvider('open-meteo', { archiveLagDays: -1 })).to.throw('archiveLagDays -1');
      expect(() => createWeatherProvider('open-meteo', { retries: 1.5 })).to.throw('open-meteo: retries 1.5');
      expect(() => createWeatherProvider('weather-underground' as 'nws', { userAgent: 'x' })).to.throw(
        'unknown weather provider "weather-underground"; known: open-meteo, nws',
      );
    });
  });
});
