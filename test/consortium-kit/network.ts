/**
 * The kit's configuration against a running chain. Besu cannot run on these machines, so the chain is a local anvil
 * started as the kit's genesis describes a free-gas QBFT network: the genesis chain id and block gas limit, gas price 0
 * and base fee 0. `npm run deploy -- --zero-gas-price` deploys from member 1's generated account with the generated
 * founders file; then member 2's generated oracle node configuration and API configuration run against that chain.
 * Substituted: the embedded Helia store for Kubo (no Kubo daemon exists here), and SQLite for PostgreSQL only where
 * Debian's PostgreSQL is not installed (the test says so).
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { JsonRpcProvider } from 'ethers';
import { startLocalChain, type LocalChain } from '../../scripts/lib/local-chain.js';
import { deployConsortium } from '../../scripts/deploy.js';
import { loadApiConfig } from '../../services/api/config.js';
import { startApi, type RunningApi } from '../../services/api/main.js';
import { initConsortium, type KitNetwork } from '../../services/consortium-kit/kit.js';
import { DeploymentRecordExistsError, writeDeploymentRecord, type Deployment } from '../../services/ledger/deploy.js';
import { loadNodeConfig } from '../../services/oracle/node/config.js';
import { startOracleNode, type RunningNode } from '../../services/oracle/node/run.js';
import { ConsortiumAccess__factory } from '../../types/ethers-contracts/index.js';
import { testChainArgs } from '../helpers/coverage.js';
import { findPostgresBin, startPostgresCluster, type PostgresCluster } from '../indexer/postgres-cluster.js';
import { memberEnvironment } from './kit-files.js';

const REPOSITORY = path.resolve(import.meta.dirname, '../..');

describe('a consortium kit against a free-gas chain', function () {
  this.timeout(120_000);
  let scratch: string;
  let out: string;
  let kit: KitNetwork;
  let chain: LocalChain;
  let provider: JsonRpcProvider;
  let recordFile: string;
  let postgres: PostgresCluster | undefined;
  let api: RunningApi | undefined;
  let oracle: RunningNode | undefined;
  const member = (index: number) => kit.members[index]!;
  const memberFile = (index: number, ...parts: string[]) => path.join(out, member(index).id, ...parts);

  before(async function () {
    scratch = mkdtempSync(path.join(tmpdir(), 'policyledger-kit-network-'));
    out = path.join(scratch, 'kit');
    kit = await initConsortium({ members: 4, out, keystoreScryptN: 1 << 10 });
    chain = await startLocalChain({
      stateDir: path.join(scratch, 'chain'),
      host: '127.0.0.1',
      port: 0,
      chainId: kit.chainId,
      extraArgs: ['--gas-price', '0', '--base-fee', '0', '--gas-limit', kit.settings.gasLimit, ...testChainArgs()],
    });
    provider = new JsonRpcProvider(chain.rpcUrl, undefined, { staticNetwork: true });
    recordFile = memberFile(0, 'deployments', `${kit.chainId}.json`);
  });

  after(async function () {
    await oracle?.stop();
    await api?.stop();
    await postgres?.stop();
    provider.destroy();
    await chain.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('deploys with npm run deploy -- --zero-gas-price from a member account holding no ether', async function () {
    const secrets = memberEnvironment(out, member(0).id, ['secrets.env']);
    const child = spawn(
      'npm',
      [
        'run',
        'deploy',
        '--',
        '--rpc',
        chain.rpcUrl,
        '--keystore',
        memberFile(0, 'keys', 'account.keystore.json'),
        '--founders',
        path.join(out, 'founders.json'),
        '--zero-gas-price',
      ],
      {
        cwd: REPOSITORY,
        env: {
          ...process.env,
          POLICYLEDGER_KEYSTORE_PASSWORD: secrets.POLICYLEDGER_API_KEYSTORE_PASSWORD,
          POLICYLEDGER_DATA_DIR: memberFile(0),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, output).to.equal(0);

    const deployment = JSON.parse(readFileSync(recordFile, 'utf8')) as Deployment;
    expect(deployment.deployer).to.equal(member(0).account);
    expect(await provider.getBalance(member(0).account)).to.equal(0n);
    for (let number = 1; number <= deployment.blockNumber; number += 1) {
      const block = await provider.getBlock(number, true);
      for (const transaction of block!.prefetchedTransactions) {
        expect(transaction).to.include({ type: 0, gasPrice: 0n });
      }
    }
    const access = ConsortiumAccess__factory.connect(deployment.consortiumAccess, provider);
    const adminRole = await access.ADMIN_ROLE();
    for (const { account } of kit.members) expect(await access.hasActiveRole(adminRole, account)).to.equal(true);
    // The record holds no secret: the deploying member sends it to the others.
    for (const index of [1, 2, 3]) {
      mkdirSync(memberFile(index, 'deployments'), { recursive: true });
      copyFileSync(recordFile, memberFile(index, 'deployments', `${kit.chainId}.json`));
    }
  });

  describe('npm run deploy never overwrites another deployment record', function () {
    const deployOptions = () => {
      const secrets = memberEnvironment(out, member(1).id, ['secrets.env']);
      return {
        rpcUrl: chain.rpcUrl,
        keystoreFile: memberFile(1, 'keys', 'account.keystore.json'),
        keystorePassword: secrets.POLICYLEDGER_API_KEYSTORE_PASSWORD!,
        foundersFile: path.join(out, 'founders.json'),
        zeroGasPrice: true,
        dataDir: memberFile(0),
      };
    };

    it('refuses before sending anything, naming the record file', async function () {
      const before = readFileSync(recordFile, 'utf8');
      const nonce = await provider.getTransactionCount(member(1).account);
      let refusal: unknown;
      try {
        await deployConsortium(deployOptions());
      } catch (error) {
        refusal = error;
      }
      expect(refusal).to.be.instanceOf(DeploymentRecordExistsError);
      expect((refusal as Error).message)
        .to.include(recordFile)
        .and.include('--record');
      expect(readFileSync(recordFile, 'utf8')).to.equal(before);
      expect(await provider.getTransactionCount(member(1).account)).to.equal(nonce);
    });

    it('accepts writing the same deployment again, and refuses any other', function () {
      const recorded = JSON.parse(readFileSync(recordFile, 'utf8')) as Deployment;
      writeDeploymentRecord(recordFile, recorded);
      expect(() => writeDeploymentRecord(recordFile, { ...recorded, blockNumber: recorded.blockNumber + 1 })).to.throw(
        DeploymentRecordExistsError,
        recordFile,
      );
      expect(() => writeDeploymentRecord(recordFile, { ...recorded, chainId: '1' })).to.throw(
        DeploymentRecordExistsError,
      );
    });

    it('deploys again deliberately into another record file', async function () {
      const elsewhere = path.join(scratch, 'second-deployment.json');
      const second = await deployConsortium({ ...deployOptions(), recordFile: elsewhere });
      expect(JSON.parse(readFileSync(elsewhere, 'utf8'))).to.deep.include({
        consortiumAccess: second.consortiumAccess,
      });
      expect((JSON.parse(readFileSync(recordFile, 'utf8')) as Deployment).consortiumAccess).not.to.equal(
        second.consortiumAccess,
      );
    });
  });

  describe("member 2's oracle node and API, as generated", function () {
    it('runs the oracle node configuration: /health answers 200 once a pass has run', async function () {
      const generated = JSON.parse(readFileSync(memberFile(1, 'oracle', 'node.json'), 'utf8')) as Record<
        string,
        unknown
      >;
      // Only where it listens and its chain endpoint change; relative paths resolve from the same folder.
      const testConfig = memberFile(1, 'oracle', 'node-under-test.json');
      writeFileSync(
        testConfig,
        JSON.stringify({ ...generated, rpcUrl: chain.rpcUrl, http: { host: '127.0.0.1', port: 0 } }),
      );
      const env = {
        ...memberEnvironment(out, member(1).id, ['secrets.env']),
        // Provider keys are needed to start; no feed exists, so no provider is asked anything.
        AVIATIONSTACK_API_KEY: 'not-used',
        FLIGHTAWARE_API_KEY: 'not-used',
        FLIGHTSTATS_APP_ID: 'not-used',
        FLIGHTSTATS_APP_KEY: 'not-used',
      };
      oracle = await startOracleNode(loadNodeConfig(testConfig), env);
      expect(await oracle.node.address()).to.equal(member(1).oracle);
      const deadline = Date.now() + 20_000;
      let health: Response | undefined;
      while (Date.now() < deadline) {
        health = await fetch(`http://127.0.0.1:${oracle.port}/health`);
        if (health.status === 200 && oracle.node.lastPassAt !== undefined) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(health?.status, await health?.clone().text()).to.equal(200);
    });

    it('runs the API configuration: /health and /ready answer 200', async function () {
      const env: NodeJS.ProcessEnv = {
        ...memberEnvironment(out, member(1).id),
        POLICYLEDGER_RPC_URL: chain.rpcUrl,
        POLICYLEDGER_API_PORT: '0',
        POLICYLEDGER_API_LOG_LEVEL: 'silent',
        // No Kubo daemon here: the embedded Helia store instead.
        POLICYLEDGER_IPFS: 'helia',
      };
      const bin = findPostgresBin();
      if (bin === null) {
        console.log('      (PostgreSQL is not installed: the API runs on its SQLite index instead)');
        delete env.POLICYLEDGER_DATABASE_URL;
      } else {
        postgres = await startPostgresCluster(bin);
        env.POLICYLEDGER_DATABASE_URL = await postgres.createDatabase('policyledger');
      }
      api = await startApi(loadApiConfig(env));
      expect(api.ctx.config.databaseUrl === null).to.equal(bin === null);
      const health = await fetch(`${api.url}/health`);
      expect(health.status).to.equal(200);
      const ready = await fetch(`${api.url}/ready`);
      expect(ready.status, await ready.clone().text()).to.equal(200);
    });
  });
});
