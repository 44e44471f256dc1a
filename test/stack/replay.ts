/**
 * The local replay server, read through the oracle's own provider clients and normalisers: every catalogued flight and
 * place answers on the path its provider's client calls, re-dated to the day asked, and reveals its outcome only once
 * the ledger's clock (moved with evm_increaseTime) has passed it.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { JsonRpcProvider } from 'ethers';
import { startLocalChain, type LocalChain } from '../../scripts/lib/local-chain.js';
import type { FlightObservation, WeatherObservation } from '../../services/oracle/observation.js';
import { createFlightProvider } from '../../services/oracle/providers/flights.js';
import { createWeatherProvider } from '../../services/oracle/providers/weather.js';
import {
  REPLAY_FLIGHTS,
  REPLAY_PLACES,
  replayFlightTimes,
  utcDay,
  type ReplayFlight,
} from '../../services/replay/catalogue.js';
import { ledgerTime, startReplayServer, type RunningReplayServer } from '../../services/replay/server.js';
import { recordedOn } from '../../services/replay/weather.js';
import { testChainArgs } from '../helpers/coverage.js';

const DAY = 86_400;
const HTTP = { timeoutMs: 5_000, retries: 0, backoffMs: 0, minIntervalMs: 0 };

describe('the replay server', function () {
  this.timeout(60_000);
  let dir: string;
  let chain: LocalChain;
  let provider: JsonRpcProvider;
  let replay: RunningReplayServer;
  /** The UTC day after the ledger's today: every flight is asked for on it, still to come when the test starts. */
  let day: string;

  before(async function () {
    dir = mkdtempSync(path.join(tmpdir(), 'policyledger-replay-'));
    chain = await startLocalChain({
      stateDir: dir,
      host: '127.0.0.1',
      port: 0,
      chainId: 31337,
      extraArgs: testChainArgs(),
    });
    provider = new JsonRpcProvider(chain.rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
    replay = await startReplayServer({ host: '127.0.0.1', port: 0, rpcUrl: chain.rpcUrl });
    day = utcDay((await ledgerTime(chain.rpcUrl)) + DAY);
  });

  after(async function () {
    await replay?.close();
    provider?.destroy();
    await chain?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Moves the ledger's clock to `unixSeconds` (never back) and mines a block there. */
  async function moveLedgerTo(unixSeconds: number): Promise<void> {
    const now = await ledgerTime(chain.rpcUrl);
    if (unixSeconds > now) await provider.send('evm_increaseTime', [unixSeconds - now]);
    await provider.send('evm_mine', []);
  }

  function clientFor(flight: Pick<ReplayFlight, 'provider'>) {
    return createFlightProvider(flight.provider, {
      baseUrl: `${replay.url}/${flight.provider}`,
      apiKey: 'replay',
      appId: 'replay',
      ...HTTP,
    });
  }

  async function observe(flight: ReplayFlight): Promise<{ observation?: FlightObservation; bodies: string[] }> {
    const result = await clientFor(flight).fetchFlight({
      carrier: flight.carrier,
      flightNumber: flight.flightNumber,
      departureDate: day,
    });
    const observation = result.observations.find((o) => o.departureDate === day);
    return { observation, bodies: result.raw.map((raw) => raw.body) };
  }

  it('serves the catalogue as JSON, naming each recording and whether it was captured or written by us', async function () {
    const answer = await fetch(`${replay.url}/catalogue`);
    expect(answer.status).to.equal(200);
    const catalogue = (await answer.json()) as { flights: ReplayFlight[]; places: unknown[] };
    expect(catalogue.flights).to.deep.equal(JSON.parse(JSON.stringify(REPLAY_FLIGHTS)));
    expect(catalogue.places).to.deep.equal(JSON.parse(JSON.stringify(REPLAY_PLACES)));
    const recorded = catalogue.flights.filter((flight) => flight.recorded).map((flight) => flight.designator);
    expect(recorded).to.include.members(['MF1541', 'JQ762', 'BA196']);
  });

  it('answers every flight as scheduled before it leaves, re-dated to the day asked, and labelled replayed', async function () {
    for (const flight of REPLAY_FLIGHTS) {
      const { observation, bodies } = await observe(flight);
      expect(observation, flight.designator).to.not.equal(undefined);
      expect(observation!.status, flight.designator).to.equal('scheduled');
      expect(observation!.feedKey).to.equal(`${flight.designator}/${day}`);
      for (const body of bodies) {
        const label = (JSON.parse(body) as { policyledger_replay: Record<string, unknown> }).policyledger_replay;
        expect(label).to.include({ replayed: true, recording: flight.source, recorded: flight.recorded });
      }
    }
    // Local times and offsets are kept: JQ762 still leaves Manila at 10:30 local, on the day asked.
    const jq762 = REPLAY_FLIGHTS.find((flight) => flight.designator === 'JQ762')!;
    const body = JSON.parse((await observe(jq762)).bodies[0]!) as { data: { departure: { scheduled: string } }[] };
    expect(body.data[0]!.departure.scheduled).to.equal(`${day}T10:30:00+00:00`);
  });

  it('shows a flight in the air once the ledger has passed its departure, and its outcome only after its arrival', async function () {
    const lh400 = REPLAY_FLIGHTS.find((flight) => flight.designator === 'LH400')!;
    const times = replayFlightTimes(lh400, day);
    await moveLedgerTo(times.scheduledDeparture + 60);
    expect((await observe(lh400)).observation!.status).to.equal('active');
    await moveLedgerTo(times.revealAt - 60);
    expect((await observe(lh400)).observation!.status).to.equal('active');
    await moveLedgerTo(times.revealAt);
    expect((await observe(lh400)).observation).to.include({ status: 'landed', arrivalDelayMinutes: 52 });
  });

  it("gives every flight its recorded outcome, as the provider's normaliser reads it, once the ledger has passed it", async function () {
    const latest = Math.max(...REPLAY_FLIGHTS.map((flight) => replayFlightTimes(flight, day).revealAt));
    await moveLedgerTo(latest + 60);
    for (const flight of REPLAY_FLIGHTS) {
      const { observation } = await observe(flight);
      expect(observation, flight.designator).to.deep.include({
        feedKey: `${flight.designator}/${day}`,
        status: flight.outcome.status,
        arrivalDelayMinutes: flight.outcome.arrivalDelayMinutes,
      });
    }
  });

  it('answers a flight it has no recording of as each provider answers an unknown flight: no flights', async function () {
    for (const name of ['aviationstack', 'flightaware', 'flightstats'] as const) {
      const result = await clientFor({ provider: name }).fetchFlight({
        carrier: 'ZZ',
        flightNumber: '9',
        departureDate: day,
      });
      expect(result.observations, name).to.deep.equal([]);
    }
  });

  it("reveals a day's weather only once the ledger has passed the day, at a recorded place and station", async function () {
    const weatherDay = utcDay((await ledgerTime(chain.rpcUrl)) + DAY);
    const enschede = REPLAY_PLACES.find((place) => place.provider === 'open-meteo')!;
    const query = new URLSearchParams({
      latitude: enschede.latitude.toFixed(4),
      longitude: enschede.longitude.toFixed(4),
      start_date: weatherDay,
      end_date: weatherDay,
      daily: 'precipitation_sum,temperature_2m_max,wind_speed_10m_max',
      timezone: 'GMT',
    });
    const early = (await (await fetch(`${replay.url}/open-meteo/v1/forecast?${query}`)).json()) as {
      daily: Record<string, unknown[]>;
    };
    expect(early.daily.precipitation_sum).to.deep.equal([null]);

    await moveLedgerTo(Date.parse(`${weatherDay}T00:00:00Z`) / 1000 + DAY + 3600);
    const asOf = await ledgerTime(chain.rpcUrl);
    const openMeteo = createWeatherProvider('open-meteo', {
      baseUrl: `${replay.url}/open-meteo`,
      archiveBaseUrl: `${replay.url}/open-meteo-archive`,
      ...HTTP,
    });
    const location = {
      latitude: Number(enschede.latitude.toFixed(4)),
      longitude: Number(enschede.longitude.toFixed(4)),
    };
    const rain = await openMeteo.fetchWeather({ location, metric: 'precipitation_sum', date: weatherDay, asOf });
    const recorded = enschede.daily.precipitation_sum!;
    expect(rain.observations[0]).to.include({ value: recordedOn(recorded, weatherDay), unit: 'mm', date: weatherDay });
    // Asked one day at a time, as the nodes ask, two consecutive days get both recorded days.
    const dayBefore = utcDay(Date.parse(`${weatherDay}T00:00:00Z`) / 1000 - DAY);
    const before = await openMeteo.fetchWeather({ location, metric: 'precipitation_sum', date: dayBefore, asOf });
    expect([before.observations[0]!.value, rain.observations[0]!.value].sort()).to.deep.equal([...recorded].sort());

    const nws = createWeatherProvider('nws', { baseUrl: `${replay.url}/nws`, userAgent: 'PolicyLedger test', ...HTTP });
    for (const station of REPLAY_PLACES.filter((place) => place.provider === 'nws')) {
      for (const [metric, values] of Object.entries(station.daily)) {
        const answer = await nws.fetchWeather({
          location: { stationId: station.stationId! },
          metric: metric as WeatherObservation['metric'],
          date: weatherDay,
          asOf,
        });
        expect(answer.observations[0]?.value, `${station.stationId} ${metric}`).to.equal(values[0]);
      }
    }
  });

  it('answers 503, naming the chain, while the ledger clock cannot be read', async function () {
    const orphan = await startReplayServer({ host: '127.0.0.1', port: 0, rpcUrl: 'http://127.0.0.1:9' });
    try {
      const answer = await fetch(`${orphan.url}/aviationstack/v1/flights?flight_iata=JQ762&flight_date=${day}`);
      expect(answer.status).to.equal(503);
      expect(((await answer.json()) as { error: string }).error).to.contain('http://127.0.0.1:9');
    } finally {
      await orphan.close();
    }
  });
});
