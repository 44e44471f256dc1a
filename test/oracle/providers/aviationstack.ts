import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ProviderError } from '../../../services/oracle/http.js';
import type { FlightObservation, FlightQuery } from '../../../services/oracle/observation.js';
import { normaliseAviationstackFlights } from '../../../services/oracle/providers/aviationstack/index.js';
import {
  createFlightProvider,
  FlightProviderSettingError,
  type FlightProviderSettings,
} from '../../../services/oracle/providers/flights.js';
import { ScriptedServer } from '../../helpers/scripted-server.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const FIXTURES = path.resolve(REPO_ROOT, 'services', 'replay', 'recordings', 'aviationstack');

/** Five real records of a `/v1/flights` `data` array (bare array, no pagination wrapper). */
const EXCERPT_5 = path.join(FIXTURES, 'flights-excerpt-5.json');
/** The five records with, at index 2, a record naming no flight (airline and flight fields null; see .source.txt). */
const EXCERPT_UNNAMED = path.join(FIXTURES, 'flights-excerpt-unnamed.json');
/** Nine more real records of the same array (see its .source.txt). */
const EXCERPT_MORE = path.join(FIXTURES, 'flights-excerpt-more.json');

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8'));
}

function query(carrier: string, flightNumber: string, departureDate: string): FlightQuery {
  return { carrier, flightNumber, departureDate };
}

function observation(
  carrier: string,
  flightNumber: string,
  departureDate: string,
  status: FlightObservation['status'],
  arrivalDelayMinutes: number | null,
): FlightObservation {
  return {
    feedKey: `${carrier}${flightNumber}/${departureDate}`,
    carrier,
    flightNumber,
    departureDate,
    status,
    arrivalDelayMinutes,
  };
}

/** The records of a recorded array, deep-copied so a test can alter one. */
function records(file: string): Record<string, unknown>[] {
  return readJson(file) as Record<string, unknown>[];
}

function recordOf(file: string, flightIata: string): Record<string, unknown> {
  const found = records(file).find((record) => (record.flight as { iata: string }).iata === flightIata);
  if (found === undefined) throw new Error(`${flightIata} is not in ${file}`);
  return found;
}

function normaliseError(body: unknown): ProviderError {
  try {
    normaliseAviationstackFlights(body);
  } catch (error) {
    expect(error).to.be.instanceOf(ProviderError);
    return error as ProviderError;
  }
  throw new Error('expected the normaliser to reject the body');
}

describe('AviationStack provider', function () {
  describe('normaliseAviationstackFlights', function () {
    describe('on the five recorded flights', function () {
      it('normalises every record, reading times as local to their airport', function () {
        expect(normaliseAviationstackFlights(readJson(EXCERPT_5))).to.deep.equal([
          observation('QF', '2957', '2022-04-22', 'landed', -2),
          // Landed 15:28 against 15:50 (Asia/Shanghai); departs 13:00 local = 05:00Z.
          observation('GJ', '3098', '2022-04-22', 'landed', -22),
          observation('MF', '1541', '2022-04-22', 'cancelled', null),
          observation('LX', '9041', '2022-04-22', 'active', null),
          // flight_date 2022-04-23, but 00:01 in Asia/Jayapura (UTC+9) is 2022-04-22T15:01Z.
          observation('2Y', '702', '2022-04-22', 'scheduled', null),
        ]);
      });

      it('reports QF2957 on time, 2 min early, from its timestamps although arrival.delay is null', function () {
        expect(normaliseAviationstackFlights(readJson(EXCERPT_5), query('QF', '2957', '2022-04-22'))).to.deep.equal([
          observation('QF', '2957', '2022-04-22', 'landed', -2),
        ]);
      });

      it('reports MF1541 cancelled, under its own designator although CZ3709 operates it', function () {
        const body = readJson(EXCERPT_5);

        expect(normaliseAviationstackFlights(body, query('MF', '1541', '2022-04-22'))).to.deep.equal([
          observation('MF', '1541', '2022-04-22', 'cancelled', null),
        ]);
        expect(normaliseAviationstackFlights(body, query('CZ', '3709', '2022-04-22'))).to.deep.equal([]);
      });

      it('reports LX9041 active while it has no times yet', function () {
        expect(normaliseAviationstackFlights(readJson(EXCERPT_5), query('LX', '9041', '2022-04-22'))).to.deep.equal([
          observation('LX', '9041', '2022-04-22', 'active', null),
        ]);
      });

      it('keeps nothing for another departure date or another flight number', function () {
        const body = readJson(EXCERPT_5);

        expect(normaliseAviationstackFlights(body, query('QF', '2957', '2022-04-23'))).to.deep.equal([]);
        expect(normaliseAviationstackFlights(body, query('QF', '2958', '2022-04-22'))).to.deep.equal([]);
      });

      it('matches flight numbers written with leading zeros and carriers in lower case', function () {
        expect(normaliseAviationstackFlights(readJson(EXCERPT_5), query('qf', '02957', '2022-04-22'))).to.deep.equal([
          observation('QF', '02957', '2022-04-22', 'landed', -2),
        ]);
      });
    });

    describe('on a recorded response with a record that names no flight', function () {
      const unnamedNote =
        'aviationstack: skipped a record that cannot be normalised: aviationstack: data[2].flight.iata is missing ' +
        '(and airline.iata with flight.number does not name the flight either)';

      it('leaves that record out with a note and normalises the five around it', function () {
        const skipped: string[] = [];
        expect(normaliseAviationstackFlights(readJson(EXCERPT_UNNAMED), undefined, skipped)).to.deep.equal(
          normaliseAviationstackFlights(readJson(EXCERPT_5)),
        );
        expect(skipped).to.deep.equal([unnamedNote]);
      });

      it('still answers a query for a flight of the same response', function () {
        const skipped: string[] = [];
        const body = readJson(EXCERPT_UNNAMED);
        expect(normaliseAviationstackFlights(body, query('MF', '1541', '2022-04-22'), skipped)).to.deep.equal([
          observation('MF', '1541', '2022-04-22', 'cancelled', null),
        ]);
        expect(skipped).to.deep.equal([unnamedNote]);
      });
    });

    describe('on more recorded flights', function () {
      const body = () => readJson(EXCERPT_MORE);

      it("reports SN3154 active: 'scheduled' with an actual departure, and no arrival delay yet", function () {
        // Its departure.delay says 70 while the timestamps are 90 min apart; arrival.delay 68 has no arrival behind it.
        expect(normaliseAviationstackFlights(body(), query('SN', '3154', '2022-04-22'))).to.deep.equal([
          observation('SN', '3154', '2022-04-22', 'active', null),
        ]);
      });

      it("reports QF8637 landed 4 min early: 'active' with an actual arrival", function () {
        expect(normaliseAviationstackFlights(body(), query('QF', '8637', '2022-04-23'))).to.deep.equal([
          observation('QF', '8637', '2022-04-23', 'landed', -4),
        ]);
      });

      it("reports JC3743 landed 3 min early: 'scheduled' with an actual arrival, and arrival.delay 1 ignored", function () {
        expect(normaliseAviationstackFlights(body(), query('JC', '3743', '2022-04-23'))).to.deep.equal([
          observation('JC', '3743', '2022-04-23', 'landed', -3),
        ]);
      });

      it('reports JQ762 landed 11 min late from its timestamps, where arrival.delay says 12', function () {
        expect(normaliseAviationstackFlights(body(), query('JQ', '762', '2022-04-22'))).to.deep.equal([
          observation('JQ', '762', '2022-04-22', 'landed', 11),
        ]);
      });

      it('reports a null flight_status (CQ2231) and an unknown one (ZH1523) as unknown', function () {
        expect(normaliseAviationstackFlights(body(), query('CQ', '2231', '2022-04-22'))).to.deep.equal([
          observation('CQ', '2231', '2022-04-22', 'unknown', null),
        ]);
        expect(normaliseAviationstackFlights(body(), query('ZH', '1523', '2022-04-23'))).to.deep.equal([
          observation('ZH', '1523', '2022-04-23', 'unknown', null),
        ]);
      });

      it('dates QF2 by its UTC departure, the day before its flight_date', function () {
        // 2022-04-23 00:20 in Australia/Darwin (UTC+9:30) is 2022-04-22T14:50Z.
        expect(normaliseAviationstackFlights(body(), query('QF', '2', '2022-04-22'))).to.deep.equal([
          observation('QF', '2', '2022-04-22', 'scheduled', null),
        ]);
        expect(normaliseAviationstackFlights(body(), query('QF', '2', '2022-04-23'))).to.deep.equal([]);
      });

      it('reads 5Y8351 in its airports’ zones, where its "+00:00" times would arrive before departing', function () {
        // 11:55 Asia/Shanghai = 03:55Z; the arrival 03:47 America/Anchorage = 11:47Z, 7 h 52 min later.
        expect(normaliseAviationstackFlights(body(), query('5Y', '8351', '2022-04-23'))).to.deep.equal([
          observation('5Y', '8351', '2022-04-23', 'active', null),
        ]);
      });

      it('reads a bare offset such as "+8" as a time zone', function () {
        const flight = recordOf(EXCERPT_MORE, 'MF3045');
        (flight.departure as Record<string, unknown>).timezone = '+8';
        (flight.departure as Record<string, unknown>).scheduled = '2022-04-23T05:30:00+00:00';
        (flight.arrival as Record<string, unknown>).actual = '2022-04-23T15:02:00+00:00';
        flight.flight_status = 'landed';

        // 05:30 at UTC+8 is 2022-04-22T21:30Z; the arrival (timezone "+8") is 7 min after its 14:55.
        expect(normaliseAviationstackFlights([flight], query('MF', '3045', '2022-04-22'))).to.deep.equal([
          observation('MF', '3045', '2022-04-22', 'landed', 7),
        ]);
      });
    });

    describe('time zones', function () {
      function departingAt(scheduled: string, flightDate: string): FlightObservation[] {
        const flight = recordOf(EXCERPT_MORE, 'SN3154');
        flight.flight_date = flightDate;
        (flight.departure as Record<string, unknown>).scheduled = scheduled;
        return normaliseAviationstackFlights([flight]);
      }

      it('dates a departure by the UTC offset in force that day, summer or winter time', function () {
        // Europe/Rome: 01:30 on 22 Apr (UTC+2) is 21 Apr 23:30Z; 01:30 on 22 Jan (UTC+1) is 22 Jan 00:30Z.
        expect(departingAt('2022-04-22T01:30:00+00:00', '2022-04-22')[0]?.departureDate).to.equal('2022-04-21');
        expect(departingAt('2022-01-22T01:30:00+00:00', '2022-01-22')[0]?.departureDate).to.equal('2022-01-22');
        expect(departingAt('2022-01-22T00:30:00+00:00', '2022-01-22')[0]?.departureDate).to.equal('2022-01-21');
      });

      it('trusts a non-zero offset as a real one', function () {
        expect(departingAt('2022-04-22T01:30:00+05:00', '2022-04-22')[0]?.departureDate).to.equal('2022-04-21');
        expect(departingAt('2022-04-22T23:30:00-02:00', '2022-04-22')[0]?.departureDate).to.equal('2022-04-23');
      });
    });

    describe('on responses written by us', function () {
      it('reports a diverted flight as diverted, with no arrival delay', function () {
        const body = readJson(path.join(FIXTURES, 'diverted.json'));

        expect(normaliseAviationstackFlights(body, query('EI', '105', '2026-11-20'))).to.deep.equal([
          observation('EI', '105', '2026-11-20', 'diverted', null),
        ]);
      });

      it('reports a landing without a scheduled arrival with a null delay, dated by flight_date', function () {
        const body = readJson(path.join(FIXTURES, 'missing-data.json'));

        expect(normaliseAviationstackFlights(body, query('VY', '8012', '2026-11-20'))).to.deep.equal([
          observation('VY', '8012', '2026-11-20', 'landed', null),
        ]);
      });
    });

    describe('statuses', function () {
      it("reports 'incident' as unknown, whatever the times say", function () {
        const flight = recordOf(EXCERPT_5, 'QF2957');
        flight.flight_status = 'incident';

        expect(normaliseAviationstackFlights([flight])).to.deep.equal([
          observation('QF', '2957', '2022-04-22', 'unknown', null),
        ]);
      });

      it("reports 'cancelled' with actual times as unknown", function () {
        const flight = recordOf(EXCERPT_5, 'QF2957');
        flight.flight_status = 'cancelled';

        expect(normaliseAviationstackFlights([flight])).to.deep.equal([
          observation('QF', '2957', '2022-04-22', 'unknown', null),
        ]);
      });

      it("reports 'landed' with no arrival time as landed with a null delay", function () {
        const flight = recordOf(EXCERPT_5, 'QF2957');
        const arrival = flight.arrival as Record<string, unknown>;
        arrival.actual = null;
        arrival.actual_runway = null;

        expect(normaliseAviationstackFlights([flight])).to.deep.equal([
          observation('QF', '2957', '2022-04-22', 'landed', null),
        ]);
      });

      it('falls back to the runway arrival when the gate arrival is missing', function () {
        const flight = recordOf(EXCERPT_MORE, 'JQ762');
        const arrival = flight.arrival as Record<string, unknown>;
        arrival.actual = null;
        arrival.actual_runway = '2022-04-22T14:21:00+00:00';

        expect(normaliseAviationstackFlights([flight])).to.deep.equal([
          observation('JQ', '762', '2022-04-22', 'landed', 6),
        ]);
      });
    });

    describe('malformed bodies', function () {
      it('reports an API error object with its code', function () {
        const error = normaliseError({
          error: { code: 'invalid_access_key', message: 'You have not supplied a valid API Access Key.' },
        });

        expect(error.code).to.equal('bad_body');
        expect(error.message).to.match(/^aviationstack: .*invalid_access_key/);
      });

      it('names the missing data array', function () {
        expect(normaliseError({ pagination: { limit: 100 } }).message).to.equal(
          'aviationstack: data is missing, not the array of flights',
        );
      });

      it('leaves out a record missing a field, naming the field, and keeps the others', function () {
        const withoutFlight = recordOf(EXCERPT_5, 'QF2957');
        delete withoutFlight.flight;
        const withoutDate = recordOf(EXCERPT_5, 'QF2957');
        delete withoutDate.flight_date;
        const withoutArrival = recordOf(EXCERPT_5, 'QF2957');
        delete withoutArrival.arrival;

        const skipped: string[] = [];
        const kept = recordOf(EXCERPT_5, 'GJ3098');
        expect(
          normaliseAviationstackFlights(
            { data: [withoutFlight, kept, withoutDate, withoutArrival] },
            undefined,
            skipped,
          ),
        ).to.deep.equal([observation('GJ', '3098', '2022-04-22', 'landed', -22)]);
        expect(skipped.map((note) => note.replace(/^.*cannot be normalised: /, ''))).to.deep.equal([
          'aviationstack: data[0].flight is missing, not an object',
          'aviationstack: data[2].flight_date is missing, not a YYYY-MM-DD date',
          'aviationstack: data[3].arrival is missing, not an object',
        ]);
      });

      it('leaves out a record with a timestamp that is not one, naming it', function () {
        const flight = recordOf(EXCERPT_5, 'QF2957');
        (flight.arrival as Record<string, unknown>).actual = '10:18';

        const skipped: string[] = [];
        expect(normaliseAviationstackFlights([flight], undefined, skipped)).to.deep.equal([]);
        expect(skipped).to.deep.equal([
          'aviationstack: skipped a record that cannot be normalised: ' +
            'aviationstack: data[0].arrival.actual is "10:18", not a timestamp',
        ]);
      });

      it('rejects a body that is not JSON data at all', function () {
        expect(normaliseError('<html>').message).to.match(/^aviationstack: the body is "<html>"/);
      });
    });
  });

  describe('transport', function () {
    let server: ScriptedServer;

    before(async function () {
      server = await ScriptedServer.start();
    });

    after(async function () {
      await server.stop();
    });

    function provider(settings: Partial<FlightProviderSettings> = {}) {
      return createFlightProvider('aviationstack', {
        baseUrl: server.baseUrl,
        apiKey: 'avs-test-key',
        timeoutMs: 2_000,
        retries: 2,
        backoffMs: 1,
        minIntervalMs: 0,
        sleep: () => Promise.resolve(),
        ...settings,
      });
    }

    it('asks GET /v1/flights for the designator and date, sending the key but recording the URL without it', async function () {
      const fixture = readFileSync(EXCERPT_5, 'utf8');
      server.script({ status: 200, body: fixture });

      const result = await provider().fetchFlight(query('QF', '2957', '2022-04-22'));

      expect(server.seen).to.have.length(1);
      expect(server.seen[0]?.path).to.equal('/v1/flights');
      expect(server.seen[0]?.query.get('flight_iata')).to.equal('QF2957');
      expect(server.seen[0]?.query.get('flight_date')).to.equal('2022-04-22');
      expect(server.seen[0]?.query.get('access_key')).to.equal('avs-test-key');
      expect(result.observations).to.deep.equal([observation('QF', '2957', '2022-04-22', 'landed', -2)]);
      expect(result.raw).to.have.length(1);
      expect(result.raw[0]?.provider).to.equal('aviationstack');
      expect(result.raw[0]?.status).to.equal(200);
      expect(result.raw[0]?.body).to.equal(fixture);
      expect(result.raw[0]?.url).to.equal(`${server.baseUrl}/v1/flights?flight_iata=QF2957&flight_date=2022-04-22`);
      expect(result.raw[0]?.url).not.to.include('avs-test-key');
    });

    it('answers from a response with a record naming no flight, noting the record it left out', async function () {
      server.script({ status: 200, body: readFileSync(EXCERPT_UNNAMED, 'utf8') });

      const result = await provider().fetchFlight(query('LX', '9041', '2022-04-22'));

      expect(result.observations).to.deep.equal([observation('LX', '9041', '2022-04-22', 'active', null)]);
      expect(result.raw.map((raw) => raw.body)).to.deep.equal([readFileSync(EXCERPT_UNNAMED, 'utf8')]);
      expect(result.notes).to.have.length(1);
      expect(result.notes![0]).to.match(
        /skipped a record that cannot be normalised: .*data\[2\]\.flight\.iata is missing/,
      );
    });

    it('asks the next local date when the flight of the UTC day is filed under it, and keeps both answers', async function () {
      const recorded = recordOf(EXCERPT_MORE, 'QF2');
      // The same flight one local day earlier (an illustration built from the recorded record): UTC 2022-04-21.
      const dayBefore = structuredClone(recorded);
      dayBefore.flight_date = '2022-04-22';
      (dayBefore.departure as Record<string, unknown>).scheduled = '2022-04-22T00:20:00+00:00';
      (dayBefore.arrival as Record<string, unknown>).scheduled = '2022-04-22T05:10:00+00:00';
      server.script(
        { status: 200, body: JSON.stringify({ pagination: { count: 1 }, data: [dayBefore] }) },
        { status: 200, body: JSON.stringify({ pagination: { count: 1 }, data: [recorded] }) },
      );

      const result = await provider().fetchFlight(query('QF', '2', '2022-04-22'));

      expect(server.seen.map((request) => request.query.get('flight_date'))).to.deep.equal([
        '2022-04-22',
        '2022-04-23',
      ]);
      expect(result.observations).to.deep.equal([observation('QF', '2', '2022-04-22', 'scheduled', null)]);
      expect(result.raw.map((raw) => raw.url)).to.deep.equal([
        `${server.baseUrl}/v1/flights?flight_iata=QF2&flight_date=2022-04-22`,
        `${server.baseUrl}/v1/flights?flight_iata=QF2&flight_date=2022-04-23`,
      ]);
    });

    it('asks once only when the flight is not in the answer at all', async function () {
      server.script({ status: 200, body: JSON.stringify({ pagination: { count: 0 }, data: [] }) });

      const result = await provider().fetchFlight(query('QF', '2957', '2022-04-22'));

      expect(server.seen).to.have.length(1);
      expect(result.observations).to.deep.equal([]);
      expect(result.raw).to.have.length(1);
    });

    it('retries a 503 and succeeds on the next answer', async function () {
      server.script({ status: 503, body: '{}' }, { status: 200, body: readFileSync(EXCERPT_5, 'utf8') });

      const result = await provider().fetchFlight(query('MF', '1541', '2022-04-22'));

      expect(server.seen).to.have.length(2);
      expect(result.observations).to.deep.equal([observation('MF', '1541', '2022-04-22', 'cancelled', null)]);
      expect(result.raw.map((raw) => raw.status)).to.deep.equal([200]);
    });

    it('does not retry a 404', async function () {
      server.script({ status: 404, body: '{}' }, { status: 200, body: '[]' });

      const error = await rejection(provider().fetchFlight(query('QF', '2957', '2022-04-22')));

      expect(server.seen).to.have.length(1);
      expect(error.code).to.equal('http_status');
      expect(error.status).to.equal(404);
      expect(error.message).not.to.include('avs-test-key');
    });

    it('reports a timeout when the provider does not answer', async function () {
      server.script('hang');

      const error = await rejection(
        provider({ timeoutMs: 100, retries: 0 }).fetchFlight(query('QF', '1', '2022-04-22')),
      );

      expect(error.code).to.equal('timeout');
    });

    it('reports a body that is not JSON', async function () {
      server.script({ status: 200, body: '<html>maintenance</html>' });

      const error = await rejection(provider().fetchFlight(query('QF', '1', '2022-04-22')));

      expect(error.code).to.equal('bad_body');
      expect(error.message).to.match(/^aviationstack: the body from .* is not JSON$/);
    });
  });

  describe('createFlightProvider', function () {
    const settings: FlightProviderSettings = {
      baseUrl: 'https://api.aviationstack.com',
      apiKey: 'key',
      timeoutMs: 1_000,
      retries: 1,
      backoffMs: 10,
      minIntervalMs: 0,
    };

    function refusal(name: string, changes: Partial<FlightProviderSettings>): FlightProviderSettingError {
      try {
        createFlightProvider(name, { ...settings, ...changes });
      } catch (error) {
        expect(error).to.be.instanceOf(FlightProviderSettingError);
        return error as FlightProviderSettingError;
      }
      throw new Error('expected the settings to be refused');
    }

    it('builds the provider named', function () {
      expect(createFlightProvider('aviationstack', settings).name).to.equal('aviationstack');
    });

    it('refuses an unknown provider, an empty key, a base URL that is not http(s) and a zero timeout', function () {
      expect(refusal('aviation-stack', {}).setting).to.equal('name');
      expect(refusal('aviationstack', { apiKey: ' ' }).setting).to.equal('apiKey');
      expect(refusal('aviationstack', { baseUrl: 'ftp://api.aviationstack.com' }).setting).to.equal('baseUrl');
      expect(refusal('aviationstack', { baseUrl: 'api.aviationstack.com' }).setting).to.equal('baseUrl');
      expect(refusal('aviationstack', { timeoutMs: 0 }).setting).to.equal('timeoutMs');
      expect(refusal('aviationstack', { retries: -1 }).setting).to.equal('retries');
      expect(refusal('aviationstack', { minIntervalMs: Number.NaN }).setting).to.equal('minIntervalMs');
    });
  });
});

async function rejection(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(ProviderError);
    return error as ProviderError;
  }
  throw new Error('expected the call to fail');
}
