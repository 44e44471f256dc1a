/**
 * An oracle node as an operator runs it (`startOracleNode` over a configuration file): it refuses replayed data off
 * the local chain and misspelled settings, naming them; it says once on its log when the chain or a provider goes
 * away and once when it is back, with `/health` answering 503 and the reason meanwhile; and it keeps the responses
 * of a replay source as evidence marked replayed.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encryptKeystoreJson, Wallet } from 'ethers';
import { startLocalChain, type LocalChain } from '../../scripts/lib/local-chain.js';
import { ConfigError, loadNodeConfig } from '../../services/oracle/node/config.js';
import { startOracleNode, type RunningNode } from '../../services/oracle/node/run.js';
import { replayFlightTimes, REPLAY_FLIGHTS, utcDay, type ReplayFlight } from '../../services/replay/catalogue.js';
import { ledgerTime, startReplayServer, type RunningReplayServer } from '../../services/replay/server.js';
import { testChainArgs } from '../helpers/coverage.js';
import { freePort } from '../helpers/ports.js';

const PASSWORD_ENV = 'POLICYLEDGER_TEST_NODE_PASSWORD';
const env = { ...process.env, [PASSWORD_ENV]: 'test password' };

describe('an oracle node started from its configuration', function () {
  this.timeout(40_000);
  let dir: string;

  before(async function () {
    dir = mkdtempSync(path.join(tmpdir(), 'policyledger-node-'));
    const wallet = Wallet.createRandom();
    const keystore = await encryptKeystoreJson(
      { address: wallet.address, privateKey: wallet.privateKey },
      env[PASSWORD_ENV],
      { scrypt: { N: 1 << 10 } },
    );
    writeFileSync(path.join(dir, 'node.keystore.json'), keystore);
  });

  after(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  /** A deployment record for `chainId`; its contracts need not exist for what these tests do. */
  function deploymentFile(chainId: string): string {
    const file = path.join(dir, `deployment-${chainId}.json`);
    const address = () => Wallet.createRandom().address;
    const record = {
      chainId,
      blockNumber: 0,
      oracleHub: address(),
      flightDelayProduct: address(),
      weatherIndexProduct: address(),
    };
    writeFileSync(file, JSON.stringify(record));
    return path.basename(file);
  }

  /** Writes a node configuration (what `npm start` generates, with `overrides`) and returns its file. */
  function configFile(name: string, overrides: Record<string, unknown>): string {
    const file = path.join(dir, `${name}.json`);
    const config = {
      name,
      rpcUrl: 'http://127.0.0.1:9',
      keystore: 'node.keystore.json',
      passwordEnv: PASSWORD_ENV,
      stateFile: `${name}.sqlite`,
      deployment: deploymentFile('31337'),
      http: { host: '127.0.0.1', port: 0 },
      providers: { flight: [], weather: [] },
      minProviders: 1,
      schedule: { pollIntervalMs: 100, retrySeconds: 1, flightGraceSeconds: 0 },
      ...overrides,
    };
    writeFileSync(file, JSON.stringify(config, null, 2));
    return file;
  }

  async function refusal(start: () => Promise<unknown>): Promise<Error> {
    try {
      await start();
    } catch (error) {
      return error as Error;
    }
    throw new Error('expected a refusal');
  }

  it('refuses, naming each one, settings it does not know anywhere in the file', async function () {
    const file = configFile('misspelt', {
      pollIntervalMs: 100,
      providers: {
        flight: [{ name: 'aviationstack', baseUrl: 'http://127.0.0.1:9/aviationstack', replay: true, apiKeyEnvv: 'X' }],
        weather: [],
      },
      schedule: { pollIntervalMS: 100 },
    });
    const error = await refusal(() => Promise.resolve().then(() => loadNodeConfig(file)));
    expect(error).to.be.instanceOf(ConfigError);
    expect(error.message)
      .to.contain('pollIntervalMs: unknown setting')
      .and.to.contain('providers.flight[0].apiKeyEnvv: unknown setting')
      .and.to.contain('schedule.pollIntervalMS: unknown setting');
  });

  it('refuses to start with a replay source on any chain but the local one, saying why', async function () {
    const file = configFile('mainnet', {
      deployment: deploymentFile('1'),
      providers: {
        flight: [],
        weather: [{ name: 'open-meteo', baseUrl: 'http://127.0.0.1:9/open-meteo', replay: true }],
      },
    });
    const error = await refusal(() => startOracleNode(loadNodeConfig(file), env));
    expect(error).to.be.instanceOf(ConfigError);
    expect(error.message)
      .to.contain('providers.weather[0].replay')
      .and.to.contain('refused on chain 1')
      .and.to.contain('local development chain (31337)');
  });

  describe('losing the chain and a provider, then getting them back', function () {
    let chain: LocalChain | undefined;
    let replay: RunningReplayServer | undefined;
    let node: RunningNode | undefined;
    const log: string[] = [];
    let health: string;

    after(async function () {
      await node?.stop();
      await replay?.close();
      await chain?.stop();
    });

    async function healthNow(): Promise<{ status: number; body: { problems: string[]; status: string } }> {
      const answer = await fetch(health);
      return { status: answer.status, body: (await answer.json()) as { problems: string[]; status: string } };
    }

    /** Waits (polling, at most 15 s) until `check` holds for the node's health answer. */
    async function healthUntil(what: string, check: (answer: Awaited<ReturnType<typeof healthNow>>) => boolean) {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const answer = await healthNow();
        if (check(answer)) return answer;
        if (Date.now() > deadline) throw new Error(`${what}: health still ${JSON.stringify(answer)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }

    /** Has the node watch `flight` on `departureDate` as feed `feedId`, due at once and never expiring. */
    function watchFlight(feedId: string, flight: ReplayFlight, departureDate: string): void {
      node!.state.upsertFeed(
        feedId,
        {
          kind: 'flight',
          carrier: flight.carrier,
          flightNumber: flight.flightNumber,
          departureDate,
          scheduledArrival: replayFlightTimes(flight, departureDate).scheduledArrival,
        },
        0,
        Number.MAX_SAFE_INTEGER,
      );
    }

    it('says once that the chain is out of reach and answers 503 with the reason, until the chain is back', async function () {
      const chainPort = await freePort();
      const replayPort = await freePort();
      const rpcUrl = `http://127.0.0.1:${chainPort}`;
      const file = configFile('operable', {
        rpcUrl,
        providers: {
          flight: [
            {
              name: 'aviationstack',
              baseUrl: `http://127.0.0.1:${replayPort}/aviationstack`,
              replay: true,
              retries: 0,
            },
          ],
          weather: [],
        },
      });
      node = await startOracleNode(loadNodeConfig(file), env, { log: (line) => log.push(line) });
      health = `http://127.0.0.1:${node.port}/health`;

      const down = await healthUntil('chain down', (answer) => answer.status === 503);
      expect(down.body.problems).to.have.length(1);
      expect(down.body.problems[0]).to.contain('cannot reach the chain');
      // Several passes later, still one line.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(log.filter((line) => line.includes('cannot reach the chain'))).to.have.length(1);

      chain = await startLocalChain({
        stateDir: path.join(dir, 'chain'),
        host: '127.0.0.1',
        port: chainPort,
        chainId: 31337,
        extraArgs: testChainArgs(),
      });
      replay = await startReplayServer({ host: '127.0.0.1', port: replayPort, rpcUrl });
      const up = await healthUntil('chain back', (answer) => answer.status === 200);
      expect(up.body).to.deep.include({ status: 'ok', problems: [] });
      expect(log).to.deep.equal([log[0], 'chain recovered']);
    });

    it('says once that a provider is failing and answers 503 naming it, until it answers again', async function () {
      const flight = REPLAY_FLIGHTS.find((candidate) => candidate.designator === 'JQ762')!;
      const departureDate = utcDay((await ledgerTime(chain!.rpcUrl)) + 2 * 86_400);
      const replayPort = Number(new URL(replay!.url).port);
      await replay!.close();
      log.length = 0;
      // A flight still to come, due now for this node: it asks the provider at once.
      watchFlight(`0x${'11'.repeat(32)}`, flight, departureDate);

      const failing = await healthUntil('provider down', (answer) => answer.status === 503);
      expect(failing.body.problems).to.have.length(1);
      expect(failing.body.problems[0]).to.match(/^provider aviationstack failing: /);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(log.filter((line) => line.startsWith('provider aviationstack failing'))).to.have.length(1);

      replay = await startReplayServer({ host: '127.0.0.1', port: replayPort, rpcUrl: chain!.rpcUrl });
      await healthUntil('provider back', (answer) => answer.status === 200);
      expect(log).to.deep.equal([log[0], 'provider aviationstack recovered']);
    });

    it('keeps the responses of a replay source as evidence marked replayed', async function () {
      const flight = REPLAY_FLIGHTS.find((candidate) => candidate.designator === 'MF1541')!;
      // A day whose outcome the ledger has passed: the node signs it at once.
      const departureDate = utcDay((await ledgerTime(chain!.rpcUrl)) - 3 * 86_400);
      const feedId = `0x${'22'.repeat(32)}`;
      watchFlight(feedId, flight, departureDate);
      const deadline = Date.now() + 15_000;
      while (node!.state.evidenceOf(feedId).length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const [evidence] = node!.state.evidenceOf(feedId);
      expect(evidence).to.include({ provider: 'aviationstack', replayed: true });
      expect(JSON.parse(evidence!.body)).to.have.nested.property('policyledger_replay.replayed', true);
      expect(node!.state.getSubmission(feedId)?.observation.status).to.equal(2);
    });
  });
});
