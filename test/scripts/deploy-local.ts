import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { id, JsonRpcProvider } from 'ethers';
import {
  ConsortiumAccess__factory,
  OracleHub__factory,
  ReinsuranceTreaty__factory,
  RiskPool__factory,
} from '../../types/ethers-contracts/index.js';
import { deployLocal, localOptionsFromEnv, type LocalDeployOptions } from '../../scripts/deploy-local.js';
import { testChainArgs } from '../helpers/coverage.js';
import { localParties } from '../../scripts/lib/local-parties.js';

describe('deploy:local on a persisted anvil chain', function () {
  this.timeout(60_000);
  let options: LocalDeployOptions;

  beforeEach(function () {
    options = {
      dataDir: mkdtempSync(path.join(tmpdir(), 'policyledger-local-')),
      host: '127.0.0.1',
      port: 0,
      chainId: 31337,
      chainArgs: testChainArgs(),
    };
  });

  afterEach(function () {
    rmSync(options.dataDir, { recursive: true, force: true });
  });

  it('deploys once, registers the local consortium with roles, and reuses the deployment after a restart', async function () {
    const first = await deployLocal(options);
    expect(first.deployedNow).to.equal(true);
    const provider = new JsonRpcProvider(first.chain.rpcUrl, undefined, { staticNetwork: true });
    const access = ConsortiumAccess__factory.connect(first.deployment.consortiumAccess, provider);
    for (const party of localParties(provider)) {
      expect(await access.hasActiveRole(id(`${party.role}_ROLE`), party.wallet.address), party.name).to.equal(true);
    }
    const { riskPool, reinsuranceTreaty, flightDelayProduct, weatherIndexProduct, oracleHub } = first.deployment;
    if (!riskPool || !reinsuranceTreaty || !flightDelayProduct || !weatherIndexProduct) {
      throw new Error('the parametric stack was not deployed');
    }
    const pool = RiskPool__factory.connect(riskPool, provider);
    const hub = OracleHub__factory.connect(oracleHub, provider);
    expect(await ReinsuranceTreaty__factory.connect(reinsuranceTreaty, provider).isActive()).to.equal(true);
    expect(await pool.treaty()).to.equal(reinsuranceTreaty);
    expect(await pool.assets()).to.equal(1_000_000n * 10n ** 6n);
    for (const product of [flightDelayProduct, weatherIndexProduct]) {
      expect(await pool.isProduct(product)).to.equal(true);
      expect(await hub.isConsumer(product)).to.equal(true);
    }
    // Four oracles with quorum 3: one faulty or silent node is tolerated, and no node decides a payout alone.
    expect((await hub.settings()).quorum).to.equal(3n);
    const oracles = localParties(provider).filter((party) => party.role === 'ORACLE');
    expect(oracles).to.have.length(4);
    for (const oracle of oracles) {
      expect(await access.hasActiveRole(id('ORACLE_ROLE'), oracle.wallet.address), oracle.name).to.equal(true);
    }
    provider.destroy();
    await first.chain.stop();

    const second = await deployLocal(options);
    try {
      expect(second.deployedNow).to.equal(false);
      expect(second.deployment.evidenceRegistry).to.equal(first.deployment.evidenceRegistry);
    } finally {
      await second.chain.stop();
    }
  });

  it('keeps the deployment when the chain is killed with SIGKILL', async function () {
    const first = await deployLocal(options);
    // anvil writes its state every second; give it one interval.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const exited = new Promise((resolve) => first.chain.process?.once('exit', resolve));
    first.chain.process?.kill('SIGKILL');
    await exited;

    const second = await deployLocal(options);
    try {
      expect(second.deployedNow).to.equal(false);
      expect(second.deployment.consortiumAccess).to.equal(first.deployment.consortiumAccess);
    } finally {
      await second.chain.stop();
    }
  });

  it('refuses a port that is not a TCP port, naming the setting', function () {
    expect(() => localOptionsFromEnv({ POLICYLEDGER_CHAIN_PORT: 'eighty' })).to.throw(/POLICYLEDGER_CHAIN_PORT/);
  });
});
