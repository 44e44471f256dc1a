import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deployLocal } from '../../scripts/deploy-local.js';
import { testChainArgs } from '../helpers/coverage.js';
import { probeChainId, startLocalChain, type LocalChain } from '../../scripts/lib/local-chain.js';

describe('the local chain', function () {
  this.timeout(60_000);
  let dir: string;
  const chains: LocalChain[] = [];

  beforeEach(function () {
    dir = mkdtempSync(path.join(tmpdir(), 'policyledger-chain-'));
  });

  afterEach(async function () {
    await Promise.all(chains.splice(0).map((chain) => chain.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(name: string, port = 0): Promise<LocalChain> {
    const chain = await startLocalChain({
      stateDir: path.join(dir, name),
      host: '127.0.0.1',
      port,
      chainId: 31337,
      extraArgs: testChainArgs(),
    });
    chains.push(chain);
    return chain;
  }

  const portOf = (chain: LocalChain): number => Number(new URL(chain.rpcUrl).port);

  it('listens on a free port the system picked when asked for port 0, one chain per caller', async function () {
    const [first, second] = [await start('first'), await start('second')];
    expect(portOf(first)).to.be.greaterThan(0);
    expect(portOf(second)).to.not.equal(portOf(first));
    expect(first.process).to.not.equal(undefined);
    expect(second.process).to.not.equal(undefined);
    expect(await probeChainId(first.rpcUrl)).to.equal(31337n);
    expect(await probeChainId(second.rpcUrl)).to.equal(31337n);
  });

  it('refuses, naming the port setting, a chain-31337 node on its port that it did not start', async function () {
    const stranger = await start('stranger');
    let refusal: unknown;
    try {
      await start('mine', portOf(stranger));
    } catch (error) {
      refusal = error;
    }
    expect(refusal).to.be.instanceOf(Error);
    expect((refusal as Error).message)
      .to.contain(stranger.rpcUrl)
      .and.to.contain('POLICYLEDGER_CHAIN_PORT');
    expect(chains).to.have.length(1);
  });

  it('refuses deploy:local onto a chain it did not start, and deploys nothing there', async function () {
    const stranger = await start('stranger');
    let refusal: unknown;
    try {
      await deployLocal({
        dataDir: path.join(dir, 'data'),
        host: '127.0.0.1',
        port: portOf(stranger),
        chainId: 31337,
        chainArgs: testChainArgs(),
      });
    } catch (error) {
      refusal = error;
    }
    expect((refusal as Error | undefined)?.message).to.match(/refusing to use a chain this project did not start/);
    expect(await probeNonce(stranger.rpcUrl)).to.equal(0);
  });

  it('reuses the chain it started for the same data folder (deploy:local, then npm start)', async function () {
    const dataDir = path.join(dir, 'data');
    const first = await deployLocal({
      dataDir,
      host: '127.0.0.1',
      port: 0,
      chainId: 31337,
      chainArgs: testChainArgs(),
    });
    chains.push(first.chain);
    const second = await deployLocal({
      dataDir,
      host: '127.0.0.1',
      port: portOf(first.chain),
      chainId: 31337,
      chainArgs: testChainArgs(),
    });
    expect(second.chain.process).to.equal(undefined);
    expect(second.chain.rpcUrl).to.equal(first.chain.rpcUrl);
    expect(second.deployedNow).to.equal(false);
    expect(second.deployment.consortiumAccess).to.equal(first.deployment.consortiumAccess);
  });
});

async function rpc(rpcUrl: string, method: string, params: unknown[]): Promise<unknown> {
  const response = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return ((await response.json()) as { result: unknown }).result;
}

/** Transactions sent so far by the first local account, which deploy:local deploys from. */
async function probeNonce(rpcUrl: string): Promise<number> {
  const first = ((await rpc(rpcUrl, 'eth_accounts', [])) as string[])[0];
  return Number(await rpc(rpcUrl, 'eth_getTransactionCount', [first, 'latest']));
}
