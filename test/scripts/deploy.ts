import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encryptKeystoreJson, JsonRpcProvider, Wallet } from 'ethers';
import { ConsortiumAccess__factory } from '../../types/ethers-contracts/index.js';
import { deployConsortium, readFounders } from '../../scripts/deploy.js';
import { testChainArgs } from '../helpers/coverage.js';
import { startLocalChain, type LocalChain } from '../../scripts/lib/local-chain.js';

describe('deploy to a consortium network', function () {
  this.timeout(60_000);
  let dir: string;
  let chain: LocalChain;

  before(async function () {
    dir = mkdtempSync(path.join(tmpdir(), 'policyledger-deploy-'));
    // A free-gas network, as a Besu QBFT consortium chain runs: no base fee, gas price zero.
    chain = await startLocalChain({
      stateDir: path.join(dir, 'chain'),
      host: '127.0.0.1',
      port: 0,
      chainId: 1337,
      extraArgs: ['--gas-price', '0', '--base-fee', '0', ...testChainArgs()],
    });
  });

  after(async function () {
    await chain.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function writeFounders(founders: unknown): string {
    const file = path.join(dir, `founders-${Math.random().toString(16).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(founders));
    return file;
  }

  it('deploys from an account holding no ether at gas price 0 and records the deployment', async function () {
    const password = 'test-only-password';
    const deployer = Wallet.createRandom();
    const keystoreFile = path.join(dir, 'deployer.json');
    // A light scrypt cost keeps the test fast; real keystores use the default.
    writeFileSync(
      keystoreFile,
      await encryptKeystoreJson({ address: deployer.address, privateKey: deployer.privateKey }, password, {
        scrypt: { N: 1 << 10 },
      }),
    );
    const [adminA, adminB] = [Wallet.createRandom(), Wallet.createRandom()];
    const foundersFile = writeFounders(
      [adminA, adminB].map((admin, index) => ({
        account: admin.address,
        legalName: `Member ${index + 1} plc`,
        identifier: `5493000MEMBER0000${index + 1}`,
        encryptionPublicKey: admin.signingKey.compressedPublicKey,
      })),
    );

    const deployment = await deployConsortium({
      rpcUrl: chain.rpcUrl,
      keystoreFile,
      keystorePassword: password,
      foundersFile,
      zeroGasPrice: true,
      dataDir: dir,
    });

    expect(deployment.chainId).to.equal('1337');
    expect(deployment.deployer).to.equal(deployer.address);
    const provider = new JsonRpcProvider(chain.rpcUrl, undefined, { staticNetwork: true });
    try {
      expect(await provider.getBalance(deployer.address)).to.equal(0n);
      const access = ConsortiumAccess__factory.connect(deployment.consortiumAccess, provider);
      expect(await access.hasActiveRole(await access.ADMIN_ROLE(), adminB.address)).to.equal(true);
    } finally {
      provider.destroy();
    }
    const record = JSON.parse(readFileSync(path.join(dir, 'deployments', '1337.json'), 'utf8')) as {
      evidenceRegistry: string;
    };
    expect(record.evidenceRegistry).to.equal(deployment.evidenceRegistry);
  });

  it('refuses a founders file with a single ADMIN', function () {
    const file = writeFounders([{ account: Wallet.createRandom().address, legalName: 'A', identifier: 'B' }]);
    expect(() => readFounders(file)).to.throw(/at least two founding ADMINs/);
  });

  it('names the founder and field at fault', function () {
    const good = {
      account: Wallet.createRandom().address,
      legalName: 'A',
      identifier: 'B',
      encryptionPublicKey: '0x01',
    };
    const file = writeFounders([good, { ...good, identifier: '' }]);
    expect(() => readFounders(file)).to.throw(/founder 1 has no identifier/);
  });
});
