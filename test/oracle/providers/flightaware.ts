import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ProviderError } from '../../../services/oracle/http.js';
import type { FlightObservation, FlightQuery } from '../../../services/oracle/observation.js';
import { normaliseAeroApiFlights } from '../../../services/oracle/providers/flightaware/index.js';
import { createFlightProvider, type FlightProviderSettings } from '../../../services/oracle/providers/flights.js';
import { ScriptedServer } from '../../helpers/scripted-server.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const OWN_FIXTURES = path.resolve(REPO_ROOT, 'services', 'replay', 'recordings', 'flightaware');
/** The real AeroAPI v4 `/airports/LHR/flights/arrivals` answer with BA196, trimmed by its author (see .source.txt). */
const ARRIVALS_BA196 = path.join(OWN_FIXTURES, 'PomTog-aeroapi-arrivals-LHR-BAW196.jsonc');
const LANDED_DELAYED = path.join(OWN_FIXTURES, 'flights-BA196-landed-delayed.json');
const CANCELLED = path.join(OWN_FIXTURES, 'flights-BA196-cancelled.json');
const DIVERTED = path.join(OWN_FIXTURES, 'flights-BA196-diverted.json');

/** The recorded arrivals; its author's trimming left a trailing comma ("},\n    \n  ]"), removed here. */
function recordedArrivals(): { arrivals: Record<string, unknown>[] } {
  const text = readFileSync(ARRIVALS_BA196, 'utf8').replace(/,(\s*[\]}])/g, '$1');
  return JSON.parse(text) as { arrivals: Record<string, unknown>[] };
}

function readFlights(file: string): { flights: Record<string, unknown>[] } {
  return JSON.parse(readFileSync(file, 'utf8')) as { flights: Record<string, unknown>[] };
}

/** The first flight object of a fixture, to be altered by one test. */
function firstFlight(file: string): Record<string, unknown> {
  const [flight] = readFlights(file).flights;
  if (flight === undefined) throw new Error(`${file} lists no flight`);
  return flight;
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

function normaliseError(body: unknown): ProviderError {
  try {
    normaliseAeroApiFlights(body);
  } catch (error) {
    expect(error).to.be.instanceOf(ProviderError);
    return error as ProviderError;
  }
  throw new Error('expected the normaliser to reject the body');
}

describe('FlightAware AeroAPI provider', function () {
  describe('normaliseAeroApiFlights', function () {
    describe('on the recorded BA196 arrival at LHR', function () {
      it('reports BA196 landed 10 min before its scheduled gate arrival, from the landing time', function () {
        // actual_in is null: actual_on 10:30Z against scheduled_in 10:40Z. Its arrival_delay of -60 s is the gate
        // estimate (estimated_in 10:39Z), and scheduled_on 10:00Z comes from the flight plan, not the timetable.
        expect(normaliseAeroApiFlights(recordedArrivals(), query('BA', '196', '2022-06-27'))).to.deep.equal([
          observation('BA', '196', '2022-06-27', 'landed', -10),
        ]);
      });

      it('dates it by scheduled_out in UTC and names it by its IATA designator without a query', function () {
        expect(normaliseAeroApiFlights(recordedArrivals())).to.deep.equal([
          observation('BA', '196', '2022-06-27', 'landed', -10),
        ]);
      });

      it('answers a codeshare designator with the operating flight, under the designator asked', function () {
        expect(normaliseAeroApiFlights(recordedArrivals(), query('AA', '6953', '2022-06-27'))).to.deep.equal([
          observation('AA', '6953', '2022-06-27', 'landed', -10),
        ]);
      });

      it('keeps nothing for another date or another flight', function () {
        expect(normaliseAeroApiFlights(recordedArrivals(), query('BA', '196', '2022-06-26'))).to.deep.equal([]);
        expect(normaliseAeroApiFlights(recordedArrivals(), query('BA', '197', '2022-06-27'))).to.deep.equal([]);
      });

      it('uses the gate arrival once it is reported', function () {
        const body = recordedArrivals();
        const [flight] = body.arrivals;
        if (flight === undefined) throw new Error('no flight');
        flight.actual_in = '2022-06-27T10:41:30Z';

        // 1 min 30 s late counts as 1 whole minute.
        expect(normaliseAeroApiFlights(body, query('BA', '196', '2022-06-27'))).to.deep.equal([
          observation('BA', '196', '2022-06-27', 'landed', 1),
        ]);
      });
    });

    describe('on responses written by us', function () {
      it('reports a delayed landing, 47 min from scheduled_in to actual_in (arrival_delay 2820 s agrees)', function () {
        expect(normaliseAeroApiFlights(readFlights(LANDED_DELAYED), query('BA', '196', '2026-11-20'))).to.deep.equal([
          observation('BA', '196', '2026-11-20', 'landed', 47),
        ]);
      });

      it('reports a cancelled flight', function () {
        expect(normaliseAeroApiFlights(readFlights(CANCELLED), query('BA', '196', '2026-11-21'))).to.deep.equal([
          observation('BA', '196', '2026-11-21', 'cancelled', null),
        ]);
      });

      it('reports a diversion listed twice under one fa_flight_id once, as diverted without a delay', function () {
        expect(normaliseAeroApiFlights(readFlights(DIVERTED), query('BA', '196', '2026-11-22'))).to.deep.equal([
          observation('BA', '196', '2026-11-22', 'diverted', null),
        ]);
      });
    });

    describe('statuses', function () {
      it('reads cancelled after a departure as lost tracking: landed if it arrived, unknown otherwise', function () {
        const arrived = firstFlight(LANDED_DELAYED);
        arrived.cancelled = true;
        const departedOnly = firstFlight(LANDED_DELAYED);
        departedOnly.cancelled = true;
        departedOnly.actual_on = null;
        departedOnly.actual_in = null;

        expect(normaliseAeroApiFlights({ flights: [arrived] })).to.deep.equal([
          observation('BA', '196', '2026-11-20', 'landed', 47),
        ]);
        expect(normaliseAeroApiFlights({ flights: [departedOnly] })).to.deep.equal([
          observation('BA', '196', '2026-11-20', 'unknown', null),
        ]);
      });

      it('reports a departed flight without arrival as active', function () {
        const flight = firstFlight(LANDED_DELAYED);
        flight.actual_on = null;
        flight.actual_in = null;
        flight.status = 'En Route / Delayed';

        expect(normaliseAeroApiFlights({ flights: [flight] })).to.deep.equal([
          observation('BA', '196', '2026-11-20', 'active', null),
        ]);
      });

      it('reads the status text only when no flag or time speaks', function () {
        const scheduled = firstFlight(CANCELLED);
        scheduled.cancelled = false;
        scheduled.status = 'Scheduled / Delayed';
        const unknown = firstFlight(CANCELLED);
        unknown.cancelled = false;
        unknown.status = 'result unknown';
        unknown.fa_flight_id = 'BAW196-1795055400-schedule-0483';

        expect(normaliseAeroApiFlights({ flights: [scheduled, unknown] })).to.deep.equal([
          observation('BA', '196', '2026-11-21', 'scheduled', null),
          observation('BA', '196', '2026-11-21', 'unknown', null),
        ]);
      });

      it('gives no delay without a scheduled gate arrival, rather than one against the flight plan', function () {
        const flight = firstFlight(LANDED_DELAYED);
        flight.scheduled_in = null;

        expect(normaliseAeroApiFlights({ flights: [flight] })).to.deep.equal([
          observation('BA', '196', '2026-11-20', 'landed', null),
        ]);
      });

      it('leaves out a flight without any scheduled departure: it cannot be dated', function () {
        const flight = firstFlight(LANDED_DELAYED);
        flight.scheduled_out = null;
        flight.scheduled_off = null;

        expect(normaliseAeroApiFlights({ flights: [flight] })).to.deep.equal([]);
      });
    });

    describe('malformed bodies', function () {
      it('names the missing list of flights', function () {
        expect(normaliseError({ links: null, num_pages: 1 }).message).to.equal(
          'flightaware: flights is missing (expected one of flights, arrivals, departures, scheduled_arrivals, ' +
            'scheduled_departures as the list of flights)',
        );
      });

      it('reports an AeroAPI error body', function () {
        const error = normaliseError({
          title: 'Invalid argument',
          reason: 'INVALID_ARGUMENT',
          detail: 'start must be before end',
          status: 400,
        });

        expect(error.code).to.equal('bad_body');
        expect(error.message).to.equal(
          'flightaware: the API answered with an error: "Invalid argument" "start must be before end"',
        );
      });

      it('names a missing flag and a time that is not UTC ISO 8601', function () {
        const withoutFlag = firstFlight(LANDED_DELAYED);
        delete withoutFlag.cancelled;
        const badTime = firstFlight(LANDED_DELAYED);
        badTime.actual_in = '13:27';

        expect(normaliseError({ flights: [withoutFlag] }).message).to.equal(
          'flightaware: flights[0].cancelled is missing, not a boolean',
        );
        expect(normaliseError({ flights: [badTime] }).message).to.equal(
          'flightaware: flights[0].actual_in is "13:27", not an ISO 8601 UTC time',
        );
      });

      it('names a missing fa_flight_id', function () {
        const flight = firstFlight(LANDED_DELAYED);
        delete flight.fa_flight_id;

        expect(normaliseError({ flights: [flight] }).message).to.equal(
          'flightaware: flights[0].fa_flight_id is missing',
        );
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
      return createFlightProvider('flightaware', {
        baseUrl: `${server.baseUrl}/aeroapi`,
        apiKey: 'fa-test-key',
        timeoutMs: 2_000,
        retries: 2,
        backoffMs: 1,
        minIntervalMs: 0,
        sleep: () => Promise.resolve(),
        ...settings,
      });
    }

    it('asks GET /flights/{ident} for the UTC day, with the key in x-apikey and never in the URL', async function () {
      const fixture = readFileSync(LANDED_DELAYED, 'utf8');
      server.script({ status: 200, body: fixture });

      const result = await provider().fetchFlight(query('BA', '196', '2026-11-20'));

      expect(server.seen).to.have.length(1);
      const [request] = server.seen;
      expect(request?.path).to.equal('/aeroapi/flights/BA196');
      expect(Object.fromEntries(request?.query ?? [])).to.deep.equal({
        ident_type: 'designator',
        start: '2026-11-20T00:00:00Z',
        end: '2026-11-21T00:00:00Z',
      });
      expect(request?.headers['x-apikey']).to.equal('fa-test-key');
      expect(result.observations).to.deep.equal([observation('BA', '196', '2026-11-20', 'landed', 47)]);
      expect(result.raw).to.have.length(1);
      expect(result.raw[0]?.body).to.equal(fixture);
      expect(result.raw[0]?.url).to.equal(
        `${server.baseUrl}/aeroapi/flights/BA196?ident_type=designator&start=2026-11-20T00%3A00%3A00Z&end=2026-11-21T00%3A00%3A00Z`,
      );
      expect(result.raw[0]?.url).not.to.include('fa-test-key');
    });

    it('follows links.next on the same API and normalises the pages together', async function () {
      const { flights } = readFlights(DIVERTED);
      server.script(
        {
          status: 200,
          body: JSON.stringify({
            flights: flights.slice(0, 1),
            links: { next: '/flights/BA196?cursor=7f3a' },
            num_pages: 1,
          }),
        },
        { status: 200, body: JSON.stringify({ flights: flights.slice(1), links: null, num_pages: 1 }) },
      );

      const result = await provider().fetchFlight(query('BA', '196', '2026-11-22'));

      expect(server.seen.map((request) => `${request.path}?${request.query.toString()}`)).to.deep.equal([
        '/aeroapi/flights/BA196?ident_type=designator&start=2026-11-22T00%3A00%3A00Z&end=2026-11-23T00%3A00%3A00Z',
        '/aeroapi/flights/BA196?cursor=7f3a',
      ]);
      expect(server.seen[1]?.headers['x-apikey']).to.equal('fa-test-key');
      expect(result.raw).to.have.length(2);
      expect(result.observations).to.deep.equal([observation('BA', '196', '2026-11-22', 'diverted', null)]);
    });

    it('does not follow a next link to another host, which would receive the key', async function () {
      const body = readFlights(LANDED_DELAYED);
      server.script({
        status: 200,
        body: JSON.stringify({ ...body, links: { next: 'http://elsewhere.example/flights?cursor=1' } }),
      });

      const result = await provider().fetchFlight(query('BA', '196', '2026-11-20'));

      expect(server.seen).to.have.length(1);
      expect(result.observations).to.deep.equal([observation('BA', '196', '2026-11-20', 'landed', 47)]);
    });

    it('retries a 503 and succeeds on the next answer', async function () {
      server.script({ status: 503, body: '{}' }, { status: 200, body: readFileSync(CANCELLED, 'utf8') });

      const result = await provider().fetchFlight(query('BA', '196', '2026-11-21'));

      expect(server.seen).to.have.length(2);
      expect(result.observations).to.deep.equal([observation('BA', '196', '2026-11-21', 'cancelled', null)]);
    });

    it('does not retry a 404', async function () {
      server.script({ status: 404, body: '{"title":"Not found"}' }, { status: 200, body: '{}' });

      const error = await rejection(provider().fetchFlight(query('BA', '196', '2026-11-21')));

      expect(server.seen).to.have.length(1);
      expect(error.code).to.equal('http_status');
      expect(error.status).to.equal(404);
    });

    it('reports a timeout when the provider does not answer', async function () {
      server.script('hang');

      const error = await rejection(
        provider({ timeoutMs: 100, retries: 0 }).fetchFlight(query('BA', '196', '2026-11-21')),
      );

      expect(error.code).to.equal('timeout');
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
