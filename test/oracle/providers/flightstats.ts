import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ProviderError } from '../../../services/oracle/http.js';
import type { FlightObservation, FlightQuery } from '../../../services/oracle/observation.js';
import {
  createFlightProvider,
  FlightProviderSettingError,
  type FlightProviderSettings,
} from '../../../services/oracle/providers/flights.js';
import { normaliseFlightStatsStatuses } from '../../../services/oracle/providers/flightstats/index.js';
import { ScriptedServer } from '../../helpers/scripted-server.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
/** Written by us to the documented v2 format; no recorded FlightStats response exists (see services/replay/recordings/README.md). */
const FIXTURES = path.resolve(REPO_ROOT, 'services', 'replay', 'recordings', 'flightstats');

type StatusBody = { appendix: { airlines: Record<string, unknown>[] }; flightStatuses: Record<string, unknown>[] };

function fixture(name: string): StatusBody {
  return JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8')) as StatusBody;
}

/** A fixture with its one flight status passed to `change` first. */
function changed(name: string, change: (status: Record<string, unknown>, times: Record<string, unknown>) => void) {
  const body = fixture(name);
  const [status] = body.flightStatuses;
  if (status === undefined) throw new Error(`${name} has no flight status`);
  change(status, status.operationalTimes as Record<string, unknown>);
  return body;
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
    normaliseFlightStatsStatuses(body);
  } catch (error) {
    expect(error).to.be.instanceOf(ProviderError);
    return error as ProviderError;
  }
  throw new Error('expected the normaliser to reject the body');
}

describe('FlightStats provider', function () {
  describe('normaliseFlightStatsStatuses', function () {
    describe('on the documented responses', function () {
      it('reports LH400 landed 52 min late at the gate', function () {
        expect(
          normaliseFlightStatsStatuses(fixture('landed-late.json'), query('LH', '400', '2026-11-20')),
        ).to.deep.equal([observation('LH', '400', '2026-11-20', 'landed', 52)]);
      });

      it('reports QF1 4 min early, from its times (it lists no arrival delay), dated by its UTC departure', function () {
        // Departs 06:00 local on 21 Nov (dateLocal) = 20 Nov 19:00 UTC (dateUtc); no arrival delay is listed.
        expect(normaliseFlightStatsStatuses(fixture('on-time.json'), query('QF', '1', '2026-11-20'))).to.deep.equal([
          observation('QF', '1', '2026-11-20', 'landed', -4),
        ]);
        expect(normaliseFlightStatsStatuses(fixture('on-time.json'), query('QF', '1', '2026-11-21'))).to.deep.equal([]);
      });

      it('reports AF1300 cancelled', function () {
        expect(
          normaliseFlightStatsStatuses(fixture('cancelled.json'), query('AF', '1300', '2026-11-20')),
        ).to.deep.equal([observation('AF', '1300', '2026-11-20', 'cancelled', null)]);
      });

      it('reports EI105 diverted, without a delay from its landing in Boston', function () {
        expect(normaliseFlightStatsStatuses(fixture('diverted.json'), query('EI', '105', '2026-11-20'))).to.deep.equal([
          observation('EI', '105', '2026-11-20', 'diverted', null),
        ]);
      });

      it('reports UA901 scheduled', function () {
        expect(normaliseFlightStatsStatuses(fixture('scheduled.json'), query('UA', '901', '2026-11-20'))).to.deep.equal(
          [observation('UA', '901', '2026-11-20', 'scheduled', null)],
        );
      });

      it('normalises every status under its own designator without a query', function () {
        const all = ['landed-late', 'on-time', 'cancelled', 'diverted', 'scheduled'].flatMap((name) =>
          normaliseFlightStatsStatuses(fixture(`${name}.json`)),
        );

        expect(all).to.deep.equal([
          observation('LH', '400', '2026-11-20', 'landed', 52),
          observation('QF', '1', '2026-11-20', 'landed', -4),
          observation('AF', '1300', '2026-11-20', 'cancelled', null),
          observation('EI', '105', '2026-11-20', 'diverted', null),
          observation('UA', '901', '2026-11-20', 'scheduled', null),
        ]);
      });

      it('answers a codeshare designator with the operating flight, under the designator asked', function () {
        expect(
          normaliseFlightStatsStatuses(fixture('landed-late.json'), query('UA', '7625', '2026-11-20')),
        ).to.deep.equal([observation('UA', '7625', '2026-11-20', 'landed', 52)]);
        expect(
          normaliseFlightStatsStatuses(fixture('landed-late.json'), query('UA', '7626', '2026-11-20')),
        ).to.deep.equal([]);
      });

      it("maps FlightStats' own carrier code to the IATA code its appendix gives", function () {
        // An illustrative FlightStats code that differs from the IATA code.
        const body = changed('on-time.json', (status) => (status.carrierFsCode = 'QF*'));
        body.appendix.airlines.push({ fs: 'QF*', iata: 'QF', icao: 'QFA', name: 'Qantas', active: true });

        expect(normaliseFlightStatsStatuses(body, query('QF', '1', '2026-11-20'))).to.deep.equal([
          observation('QF', '1', '2026-11-20', 'landed', -4),
        ]);
      });
    });

    describe('times', function () {
      it('falls back to the runway arrival until the gate arrival is reported', function () {
        const body = changed('landed-late.json', (_status, times) => delete times.actualGateArrival);

        // actualRunwayArrival 14:26 EST against 13:45 EST.
        expect(normaliseFlightStatsStatuses(body)).to.deep.equal([
          observation('LH', '400', '2026-11-20', 'landed', 41),
        ]);
      });

      it('ignores a time given only as dateLocal, which has no offset', function () {
        const body = changed('landed-late.json', (_status, times) => {
          times.actualGateArrival = { dateLocal: '2026-11-20T14:37:00.000' };
        });

        expect(normaliseFlightStatsStatuses(body)).to.deep.equal([
          observation('LH', '400', '2026-11-20', 'landed', 41),
        ]);
      });

      it('measures against publishedArrival when there is no scheduledGateArrival', function () {
        const body = changed('landed-late.json', (_status, times) => {
          delete times.scheduledGateArrival;
          times.publishedArrival = { dateLocal: '2026-11-20T13:30:00.000', dateUtc: '2026-11-20T18:30:00.000Z' };
        });

        expect(normaliseFlightStatsStatuses(body)).to.deep.equal([
          observation('LH', '400', '2026-11-20', 'landed', 67),
        ]);
      });

      it('gives a landed flight without any arrival time a null delay', function () {
        const body = changed('landed-late.json', (_status, times) => {
          delete times.actualGateArrival;
          delete times.actualRunwayArrival;
        });

        expect(normaliseFlightStatsStatuses(body)).to.deep.equal([
          observation('LH', '400', '2026-11-20', 'landed', null),
        ]);
      });
    });

    describe('statuses', function () {
      const statusOf = (
        name: string,
        change: (status: Record<string, unknown>, times: Record<string, unknown>) => void,
      ) => normaliseFlightStatsStatuses(changed(name, change))[0]?.status;

      it('reads A as active, and R (redirected, still flying) as active', function () {
        expect(statusOf('scheduled.json', (status) => (status.status = 'A'))).to.equal('active');
        expect(statusOf('diverted.json', (status) => (status.status = 'R'))).to.equal('active');
      });

      it('lets times overtake a lagging S or A: active once departed, landed once arrived', function () {
        expect(statusOf('landed-late.json', (status) => (status.status = 'S'))).to.equal('landed');
        expect(
          statusOf('landed-late.json', (status, times) => {
            status.status = 'S';
            delete times.actualGateArrival;
            delete times.actualRunwayArrival;
          }),
        ).to.equal('active');
        expect(statusOf('landed-late.json', (status) => (status.status = 'A'))).to.equal('landed');
      });

      it('keeps U unknown even with an arrival time, and reads NO and unlisted codes as unknown', function () {
        expect(statusOf('landed-late.json', (status) => (status.status = 'U'))).to.equal('unknown');
        expect(statusOf('scheduled.json', (status) => (status.status = 'NO'))).to.equal('unknown');
        expect(statusOf('scheduled.json', (status) => (status.status = 'DN'))).to.equal('unknown');
      });

      it('reads C with actual times as unknown', function () {
        expect(statusOf('landed-late.json', (status) => (status.status = 'C'))).to.equal('unknown');
      });
    });

    describe('malformed bodies', function () {
      it('reports a FlightStats error object', function () {
        const error = normaliseError({
          error: {
            httpStatusCode: 403,
            errorId: 'c3f1e0b2',
            errorMessage: 'application is not active',
            errorCode: 'AUTH',
          },
        });

        expect(error.code).to.equal('bad_body');
        expect(error.message).to.equal('flightstats: the API answered with error "AUTH": "application is not active"');
      });

      it('names the missing flightStatuses list', function () {
        expect(normaliseError({ request: {}, appendix: {} }).message).to.equal(
          'flightstats: flightStatuses is missing, not a list',
        );
      });

      it('names a missing departure date and a time that is not UTC', function () {
        const withoutDeparture = changed('on-time.json', (status) => delete status.departureDate);
        const withoutUtc = changed('on-time.json', (status) => {
          status.departureDate = { dateLocal: '2026-11-21T06:00:00.000' };
        });
        const localTime = changed('on-time.json', (_status, times) => {
          times.actualGateArrival = { dateLocal: '2026-11-21T12:06:00.000', dateUtc: '2026-11-21T12:06:00.000' };
        });

        expect(normaliseError(withoutDeparture).message).to.equal(
          'flightstats: flightStatuses[0].departureDate is missing, not a {dateLocal, dateUtc} pair',
        );
        expect(normaliseError(withoutUtc).message).to.equal(
          'flightstats: flightStatuses[0].departureDate.dateUtc is missing',
        );
        expect(normaliseError(localTime).message).to.equal(
          'flightstats: flightStatuses[0].operationalTimes.actualGateArrival.dateUtc is "2026-11-21T12:06:00.000", not UTC',
        );
      });

      it('names a missing status code', function () {
        expect(normaliseError(changed('on-time.json', (status) => delete status.status)).message).to.equal(
          'flightstats: flightStatuses[0].status is missing, not a string',
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
      return createFlightProvider('flightstats', {
        baseUrl: server.baseUrl,
        appId: 'fs-app-id',
        apiKey: 'fs-app-key',
        timeoutMs: 2_000,
        retries: 2,
        backoffMs: 1,
        minIntervalMs: 0,
        sleep: () => Promise.resolve(),
        ...settings,
      });
    }

    it('asks for flights departing on the UTC date, sending appId and appKey but recording the URL without them', async function () {
      const body = readFileSync(path.join(FIXTURES, 'landed-late.json'), 'utf8');
      server.script({ status: 200, body });

      const result = await provider().fetchFlight(query('LH', '400', '2026-11-20'));

      expect(server.seen).to.have.length(1);
      const [request] = server.seen;
      expect(request?.path).to.equal('/flex/flightstatus/rest/v2/json/flight/status/LH/400/dep/2026/11/20');
      expect(Object.fromEntries(request?.query ?? [])).to.deep.equal({
        utc: 'true',
        codeType: 'IATA',
        appId: 'fs-app-id',
        appKey: 'fs-app-key',
      });
      expect(result.observations).to.deep.equal([observation('LH', '400', '2026-11-20', 'landed', 52)]);
      expect(result.raw).to.have.length(1);
      expect(result.raw[0]?.body).to.equal(body);
      expect(result.raw[0]?.url).to.equal(
        `${server.baseUrl}/flex/flightstatus/rest/v2/json/flight/status/LH/400/dep/2026/11/20?utc=true&codeType=IATA`,
      );
      expect(result.raw[0]?.url).not.to.include('fs-app-key');
      expect(result.raw[0]?.url).not.to.include('fs-app-id');
    });

    it('retries a 503 and succeeds on the next answer', async function () {
      server.script(
        { status: 503, body: '{}' },
        { status: 200, body: readFileSync(path.join(FIXTURES, 'cancelled.json'), 'utf8') },
      );

      const result = await provider().fetchFlight(query('AF', '1300', '2026-11-20'));

      expect(server.seen).to.have.length(2);
      expect(result.observations).to.deep.equal([observation('AF', '1300', '2026-11-20', 'cancelled', null)]);
    });

    it('does not retry a 404', async function () {
      server.script({ status: 404, body: '{}' }, { status: 200, body: '{}' });

      const error = await rejection(provider().fetchFlight(query('AF', '1300', '2026-11-20')));

      expect(server.seen).to.have.length(1);
      expect(error.code).to.equal('http_status');
      expect(error.status).to.equal(404);
      expect(error.message).not.to.include('fs-app-key');
    });

    it('reports a timeout when the provider does not answer', async function () {
      server.script('hang');

      const error = await rejection(
        provider({ timeoutMs: 100, retries: 0 }).fetchFlight(query('AF', '1300', '2026-11-20')),
      );

      expect(error.code).to.equal('timeout');
    });

    it('is refused without an appId', function () {
      let refusal: unknown;
      try {
        provider({ appId: undefined });
      } catch (error) {
        refusal = error;
      }

      expect(refusal).to.be.instanceOf(FlightProviderSettingError);
      expect((refusal as FlightProviderSettingError).setting).to.equal('appId');
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
