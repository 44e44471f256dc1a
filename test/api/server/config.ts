import { expect } from 'chai';
import path from 'node:path';
import { ApiConfigError, describeApiConfig, deploymentFileFor, loadApiConfig } from '../../../services/api/config.js';

function refusal(env: Record<string, string>): ApiConfigError {
  try {
    loadApiConfig(env, '/srv/policyledger');
  } catch (error) {
    expect(error).to.be.instanceOf(ApiConfigError);
    return error as ApiConfigError;
  }
  throw new Error('the configuration was accepted');
}

describe('API configuration', function () {
  it('defaults to 127.0.0.1:8080, data under ./data/api, the embedded Helia node and CIDv0', function () {
    const config = loadApiConfig({}, '/srv/policyledger');
    expect(config).to.include({
      host: '127.0.0.1',
      port: 8080,
      publicUrl: 'http://127.0.0.1:8080',
      dataDir: '/srv/policyledger/data',
      apiDir: '/srv/policyledger/data/api',
      databaseFile: '/srv/policyledger/data/api/api.sqlite',
      rpcUrl: 'http://127.0.0.1:8545',
      deploymentFile: null,
      databaseUrl: null,
      keystore: null,
      encryptionKey: null,
      cidVersion: 0,
      embedded: false,
    });
    expect(config.ipfs).to.deep.equal({ kind: 'helia', dir: '/srv/policyledger/data/api/ipfs' });
    expect(deploymentFileFor(config, 31337n)).to.equal('/srv/policyledger/data/deployments/31337.json');
  });

  it('reads every setting from the environment', function () {
    const config = loadApiConfig(
      {
        POLICYLEDGER_API_HOST: '0.0.0.0',
        POLICYLEDGER_API_PORT: '9000',
        POLICYLEDGER_API_PUBLIC_URL: 'https://api.insurer.example/',
        POLICYLEDGER_DATA_DIR: '/var/lib/policyledger',
        POLICYLEDGER_RPC_URL: 'http://node.insurer.example:8545/',
        POLICYLEDGER_DEPLOYMENT: 'deployments/consortium.json',
        POLICYLEDGER_DATABASE_URL: 'postgres://index:secret@db.insurer.example/index',
        POLICYLEDGER_API_KEYSTORE: 'keys/member.json',
        POLICYLEDGER_API_KEYSTORE_PASSWORD: 'correct horse',
        POLICYLEDGER_API_ENCRYPTION_KEY: 'keys/member.x25519.json',
        POLICYLEDGER_API_ENCRYPTION_KEY_PASSWORD: 'battery staple',
        POLICYLEDGER_IPFS: 'kubo:http://127.0.0.1:5001',
        POLICYLEDGER_CID_VERSION: '1',
        POLICYLEDGER_BATCH_WINDOW_MS: '250',
        POLICYLEDGER_BATCH_MAX_SIZE: '1000',
        POLICYLEDGER_MAX_DOCUMENT_BYTES: '1048576',
        POLICYLEDGER_CONFIRM_TIMEOUT_MS: '5000',
        POLICYLEDGER_READY_MAX_LAG_BLOCKS: '3',
        POLICYLEDGER_API_RATE_LIMIT_PER_IP: '0',
        POLICYLEDGER_API_RATE_LIMIT_PER_API_KEY: '100',
        POLICYLEDGER_API_RATE_LIMIT_WINDOW_MS: '1000',
        POLICYLEDGER_EMBEDDED: 'true',
      },
      '/srv/policyledger',
    );
    expect(config).to.deep.include({
      host: '0.0.0.0',
      port: 9000,
      publicUrl: 'https://api.insurer.example',
      dataDir: '/var/lib/policyledger',
      rpcUrl: 'http://node.insurer.example:8545',
      deploymentFile: '/srv/policyledger/deployments/consortium.json',
      databaseUrl: 'postgres://index:secret@db.insurer.example/index',
      keystore: { file: '/srv/policyledger/keys/member.json', password: 'correct horse' },
      encryptionKey: { file: '/srv/policyledger/keys/member.x25519.json', password: 'battery staple' },
      ipfs: { kind: 'kubo', url: 'http://127.0.0.1:5001' },
      cidVersion: 1,
      batchWindowMs: 250,
      batchMaxSize: 1000,
      maxDocumentBytes: 1048576,
      confirmTimeoutMs: 5000,
      readyMaxLagBlocks: 3,
      rateLimit: { windowMs: 1000, perIp: 0, perApiKey: 100 },
      embedded: true,
    });
    expect(deploymentFileFor(config, 1)).to.equal(path.resolve('/srv/policyledger/deployments/consortium.json'));
  });

  it('never shows passwords in the description it logs', function () {
    const config = loadApiConfig(
      {
        POLICYLEDGER_API_KEYSTORE: 'k.json',
        POLICYLEDGER_API_KEYSTORE_PASSWORD: 'correct horse',
        POLICYLEDGER_DATABASE_URL: 'postgresql://index:dbsecret@localhost/index',
      },
      '/srv',
    );
    const text = JSON.stringify(describeApiConfig(config));
    expect(text).to.not.include('correct horse');
    expect(text).to.not.include('dbsecret');
    expect(text).to.include('/srv/k.json');
  });

  describe('refuses to start, naming the setting', function () {
    const cases: [string, Record<string, string>, RegExp][] = [
      ['a port that is not a number', { POLICYLEDGER_API_PORT: 'eighty' }, /whole number/],
      ['a port out of range', { POLICYLEDGER_API_PORT: '70000' }, /at most 65535/],
      ['a public URL with a path', { POLICYLEDGER_API_PUBLIC_URL: 'https://insurer.example/api' }, /origin/],
      ['a public URL that is not http(s)', { POLICYLEDGER_API_PUBLIC_URL: 'ftp://insurer.example' }, /origin/],
      ['an RPC URL that is not a URL', { POLICYLEDGER_RPC_URL: 'localhost:8545' }, /http\(s\) URL/],
      ['a database URL that is not PostgreSQL', { POLICYLEDGER_DATABASE_URL: 'mysql://db/index' }, /postgres/],
      ['an unknown IPFS mode', { POLICYLEDGER_IPFS: 'ipfs.io' }, /helia/],
      ['a CID version other than 0 or 1', { POLICYLEDGER_CID_VERSION: '2' }, /0 or 1/],
      ['a zero batch size', { POLICYLEDGER_BATCH_MAX_SIZE: '0' }, /at least 1/],
      ['a flag that is not a boolean', { POLICYLEDGER_EMBEDDED: 'yes' }, /true, false, 1 or 0/],
    ];
    for (const [what, env, message] of cases) {
      it(`on ${what}`, function () {
        const error = refusal(env);
        const [setting] = Object.keys(env);
        expect(error.setting).to.equal(setting);
        expect(error.message.startsWith(`${setting}: `)).to.be.true;
        expect(error.message).to.match(message);
      });
    }

    it('on a misspelt POLICYLEDGER_API_* variable', function () {
      const error = refusal({ POLICYLEDGER_API_PROT: '8080' });
      expect(error.setting).to.equal('POLICYLEDGER_API_PROT');
      expect(error.message).to.include('is not a setting of the API');
    });

    it("but not on the command line's POLICYLEDGER_API_URL and POLICYLEDGER_API_KEY, exported in the same shell", function () {
      const config = loadApiConfig({ POLICYLEDGER_API_URL: 'http://127.0.0.1:8080', POLICYLEDGER_API_KEY: 'pl_x' });
      expect(config.port).to.equal(8080);
    });

    it('on a keystore without its password, or a password without its keystore', function () {
      expect(refusal({ POLICYLEDGER_API_KEYSTORE: 'member.json' }).setting).to.equal(
        'POLICYLEDGER_API_KEYSTORE_PASSWORD',
      );
      expect(refusal({ POLICYLEDGER_API_ENCRYPTION_KEY_PASSWORD: 'x' }).setting).to.equal(
        'POLICYLEDGER_API_ENCRYPTION_KEY_PASSWORD',
      );
    });
  });
});
