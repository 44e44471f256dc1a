/**
 * `npm start`'s pieces, in-process: the node configurations it generates once and then keeps, its decoded start-up
 * errors, and the whole stack on free ports in a fresh data folder: what it prints once ready, the replay data source,
 * the demo parties' development keys and the developer sign-in.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  contractsUpToDate,
  describeStartError,
  prepareEmbeddedOracles,
  stackSettingsFrom,
  startStack,
  writeDevKeys,
  type DevKeysFile,
  type RunningStack,
} from '../../scripts/start.js';
import { revokeApiKey } from '../../services/api/auth/store.js';
import { EvidenceRegistry__factory } from '../../types/ethers-contracts/index.js';

/** The environment of a stack on free ports in `dataDir`, replaying recordings whatever keys this machine has. */
function stackEnv(dataDir: string): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of ['AVIATIONSTACK_API_KEY', 'FLIGHTAWARE_API_KEY', 'FLIGHTSTATS_APP_ID', 'FLIGHTSTATS_APP_KEY']) {
    delete env[key];
  }
  return {
    ...env,
    POLICYLEDGER_DATA_DIR: dataDir,
    POLICYLEDGER_CHAIN_PORT: '0',
    POLICYLEDGER_API_PORT: '0',
    POLICYLEDGER_ORACLE_BASE_PORT: '0',
    POLICYLEDGER_REPLAY_PORT: '0',
    POLICYLEDGER_API_LOG_LEVEL: 'silent',
  };
}

describe('npm start', function () {
  this.timeout(60_000);
  const dirs: string[] = [];
  const scratch = (name: string) => {
    const dir = mkdtempSync(path.join(tmpdir(), `policyledger-${name}-`));
    dirs.push(dir);
    return dir;
  };

  after(function () {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('writes each node configuration once, then keeps the edits, updating only settings left as it wrote them', async function () {
    const dataDir = scratch('configs');
    const settings = stackSettingsFrom({ ...stackEnv(dataDir), POLICYLEDGER_ORACLE_BASE_PORT: '9101' });
    const said: string[] = [];
    const { files } = await prepareEmbeddedOracles(
      settings,
      'http://127.0.0.1:8545',
      'http://127.0.0.1:8090',
      () => {},
    );
    expect(files.map((file) => path.basename(file))).to.deep.equal([
      'oracle-1.json',
      'oracle-2.json',
      'oracle-3.json',
      'oracle-4.json',
    ]);
    const first = JSON.parse(readFileSync(files[0]!, 'utf8')) as Record<string, unknown>;
    expect(first).to.deep.include({ rpcUrl: 'http://127.0.0.1:8545', http: { host: '127.0.0.1', port: 9101 } });
    expect(first.providers).to.have.nested.property('flight[0].baseUrl', 'http://127.0.0.1:8090/aviationstack');
    expect(first.providers).to.have.nested.property('flight[0].replay', true);

    // The user tightens a tolerance and drops NWS; then the chain and the replay server move.
    const edited = {
      ...first,
      tolerances: { delayMinutes: 1 },
      providers: { ...(first.providers as object), weather: [] },
    };
    writeFileSync(files[0]!, JSON.stringify(edited, null, 2));
    await prepareEmbeddedOracles(settings, 'http://127.0.0.1:8546', 'http://127.0.0.1:8091', (line) => said.push(line));

    const kept = JSON.parse(readFileSync(files[0]!, 'utf8')) as Record<string, unknown>;
    expect(kept.tolerances).to.deep.equal({ delayMinutes: 1 });
    expect(kept.providers).to.deep.equal(edited.providers);
    expect(kept.rpcUrl).to.equal('http://127.0.0.1:8546');
    const untouched = JSON.parse(readFileSync(files[1]!, 'utf8')) as Record<string, unknown>;
    expect(untouched.providers).to.have.nested.property('flight[0].baseUrl', 'http://127.0.0.1:8091/aviationstack');
    expect(said).to.include('  oracle-1.json: rpcUrl updated from the environment');
    expect(said.some((line) => line.startsWith('  oracle-1.json: keeping your providers'))).to.equal(true);

    // Nothing changed: nothing said, nothing written.
    said.length = 0;
    await prepareEmbeddedOracles(settings, 'http://127.0.0.1:8546', 'http://127.0.0.1:8091', (line) => said.push(line));
    expect(said.filter((line) => !line.includes('keeping your providers'))).to.deep.equal([]);

    // A provider key set: the nodes whose data source was left as written turn to the live providers.
    const live = stackSettingsFrom({
      ...stackEnv(dataDir),
      POLICYLEDGER_ORACLE_BASE_PORT: '9101',
      FLIGHTAWARE_API_KEY: 'k',
    });
    await prepareEmbeddedOracles(live, 'http://127.0.0.1:8546', undefined, () => {});
    const turned = JSON.parse(readFileSync(files[1]!, 'utf8')) as Record<string, unknown>;
    expect(turned.providers).to.have.nested.property('flight[0].baseUrl', 'https://aeroapi.flightaware.com/aeroapi');
    expect(turned.providers).to.have.nested.property('flight[0].replay', false);
    expect(turned).to.not.have.property('minProviders');
    expect(turned.schedule).to.deep.equal({ pollIntervalMs: 2_000, retrySeconds: 60 });
  });

  it('builds the contracts only when a Solidity source, the Hardhat configuration or the lock file is newer', function () {
    const root = scratch('build');
    const at = (file: string, seconds: number) => {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), '');
      utimesSync(path.join(root, file), seconds, seconds);
    };
    at('contracts/core/Registry.sol', 1_000);
    at('hardhat.config.ts', 1_000);
    expect(contractsUpToDate(root), 'never built').to.equal(false);
    at('cache/compile-cache.json', 2_000);
    at('types/ethers-contracts/index.ts', 2_000);
    utimesSync(path.join(root, 'contracts'), 1_000, 1_000);
    utimesSync(path.join(root, 'contracts/core'), 1_000, 1_000);
    expect(contractsUpToDate(root), 'built after every source').to.equal(true);
    at('contracts/core/Registry.sol', 3_000);
    expect(contractsUpToDate(root), 'a source edited since').to.equal(false);
  });

  it('prints a contract revert during start by its decoded error, never as hex', async function () {
    const hash = `0x${'ab'.repeat(32)}`;
    const data = EvidenceRegistry__factory.createInterface().encodeErrorResult(
      'EvidenceRegistryMissingStoragePointer',
      [hash],
    );
    const reverted = Object.assign(
      new Error(`execution reverted (data="${data}", transaction={ "data": "0x${'60'.repeat(4000)}" })`),
      {
        code: 'CALL_EXCEPTION',
        data,
      },
    );
    const line = await describeStartError(reverted);
    expect(line).to.contain(`EvidenceRegistryMissingStoragePointer(${hash})`);
    expect(line.length).to.be.below(400);
    expect(line).to.not.match(/0x[0-9a-f]{200}/);
  });

  describe('the whole stack on free ports in a fresh data folder', function () {
    let stack: RunningStack;
    const printed: string[] = [];
    let dataDir: string;

    before(async function () {
      this.timeout(120_000);
      dataDir = scratch('stack');
      stack = await startStack(stackEnv(dataDir), (line) => printed.push(line));
    });

    after(async function () {
      await stack?.stop();
    });

    it('says once ready what runs where, the contracts, the parties, the data, then "PolicyLedger is ready"', function () {
      const text = printed.join('\n');
      expect(printed.at(-1)).to.equal('PolicyLedger is ready');
      expect(text)
        .to.contain(`Chain         ${stack.chain.rpcUrl}`)
        .and.to.contain(`API           ${stack.api.url}  reference ${stack.api.url}/docs`)
        .and.to.contain(`Replay server ${stack.replay!.url}`)
        .and.to.contain(`${dataDir}/api/dev-keys.json`)
        .and.to.contain(`${stack.api.url}/v1/dev/sign-in`)
        .and.to.contain('replayed recordings from the replay server (no provider keys set)')
        .and.to.contain(`oracleHub            ${stack.deployment.oracleHub}`);
      for (const node of stack.nodes) {
        expect(text).to.contain(`${node.node.name}  ${node.address}  health http://127.0.0.1:${node.port}/health`);
      }
    });

    it('answers ready: the API and every node', async function () {
      expect((await fetch(`${stack.api.url}/ready`)).status).to.equal(200);
      for (const node of stack.nodes) {
        expect((await fetch(`http://127.0.0.1:${node.port}/health`)).status).to.equal(200);
      }
    });

    it('writes an API key for each demo party to dev-keys.json (0600), each acting as its party', async function () {
      const file = path.join(dataDir, 'api', 'dev-keys.json');
      expect(statSync(file).mode & 0o777).to.equal(0o600);
      const keys = JSON.parse(readFileSync(file, 'utf8')) as DevKeysFile;
      expect(keys.warning).to.match(/never use outside the local stack/);
      expect(keys.apiUrl).to.equal(stack.api.url);
      expect(keys.parties.map((party) => [party.name, party.role])).to.deep.equal([
        ['admin', 'ADMIN'],
        ['insurer', 'INSURER'],
        ['reinsurer', 'REINSURER'],
        ['client', 'CLIENT'],
        ['auditor', 'AUDITOR'],
      ]);
      for (const party of keys.parties) {
        const me = await fetch(`${stack.api.url}/v1/me`, { headers: { Authorization: `Bearer ${party.apiKey}` } });
        expect(me.status, party.name).to.equal(200);
        expect(await me.json()).to.deep.include({ account: party.address, roles: [party.role], via: 'api-key' });
      }
    });

    it('reuses the keys while the key store takes them, and replaces one that was revoked', async function () {
      const before = stack.devKeys;
      const again = await writeDevKeys(stack.api.ctx.db, dataDir, stack.api.url);
      expect(again.parties).to.deep.equal(before.parties);
      const insurer = before.parties.find((party) => party.name === 'insurer')!;
      revokeApiKey(stack.api.ctx.db, insurer.address, insurer.apiKey.split('_')[1]!);
      const renewed = await writeDevKeys(stack.api.ctx.db, dataDir, stack.api.url);
      const newInsurer = renewed.parties.find((party) => party.name === 'insurer')!;
      expect(newInsurer.apiKey).to.not.equal(insurer.apiKey);
      expect(renewed.parties.filter((party) => party.name !== 'insurer')).to.deep.equal(
        before.parties.filter((party) => party.name !== 'insurer'),
      );
    });

    it('signs in as a demo party through the developer sign-in, and refuses a name it does not know', async function () {
      const answer = await fetch(`${stack.api.url}/v1/dev/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ party: 'reinsurer' }),
      });
      expect(answer.status).to.equal(200);
      const cookie = answer.headers.get('set-cookie')!.split(';')[0]!;
      const me = await fetch(`${stack.api.url}/v1/me`, { headers: { Cookie: cookie } });
      expect(await me.json()).to.deep.include({ roles: ['REINSURER'], via: 'session' });

      const unknown = await fetch(`${stack.api.url}/v1/dev/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ party: 'oracle' }),
      });
      expect(unknown.status).to.equal(400);
      expect(await unknown.json()).to.include({ code: 'INVALID_REQUEST' });
    });

    it('points every node at the replay server, whose catalogue it serves', async function () {
      for (const file of [1, 2, 3, 4].map((n) => path.join(dataDir, 'oracles', `oracle-${n}.json`))) {
        const config = JSON.parse(readFileSync(file, 'utf8')) as { providers: { weather: { baseUrl: string }[] } };
        expect(config.providers.weather[0]!.baseUrl).to.equal(`${stack.replay!.url}/open-meteo`);
      }
      expect((await fetch(`${stack.replay!.url}/catalogue`)).status).to.equal(200);
    });
  });
});
