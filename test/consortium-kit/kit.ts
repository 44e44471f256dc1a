import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { computeAddress, Wallet } from 'ethers';
import { readFounders } from '../../scripts/deploy.js';
import { loadApiConfig } from '../../services/api/config.js';
import { bftThreshold, oracleQuorum } from '../../services/consortium-kit/bft.js';
import { decodeQbftExtraData } from '../../services/consortium-kit/extra-data.js';
import { initConsortium, joinConsortium, type KitNetwork } from '../../services/consortium-kit/kit.js';
import { loadNodeConfig } from '../../services/oracle/node/config.js';
import { loadEncryptionKeyFile } from '../../services/storage/keys.js';
import { besuQbftGenesisSchema, DOCUMENTED_BESU_OPTIONS, lowercaseGenesisKeys, readFlatToml } from './besu-formats.js';
import { memberEnvironment, readKitNetwork } from './kit-files.js';

const MEMBERS = 4;
const REPOSITORY = path.resolve(import.meta.dirname, '../..');

interface CommandResult {
  code: number | null;
  output: string;
}

/** The command `npm run consortium:init -- <args>` runs (`tsx scripts/consortium-init.ts`), without npm's start-up. */
async function consortiumInit(args: string[]): Promise<CommandResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/consortium-init.ts', ...args], {
    cwd: REPOSITORY,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, output };
}

describe('consortium:init', function () {
  this.timeout(60_000);
  let scratch: string;
  let out: string;
  let generated: KitNetwork;
  const file = (...parts: string[]) => readFileSync(path.join(out, ...parts), 'utf8');
  const memberIds = () => generated.members.map((member) => member.id);

  before(async function () {
    scratch = mkdtempSync(path.join(tmpdir(), 'policyledger-kit-'));
    out = path.join(scratch, 'kit');
    // A light scrypt cost keeps the test fast; the command uses ethers' default.
    generated = await initConsortium({ members: MEMBERS, out, keystoreScryptN: 1 << 10 });
  });

  after(function () {
    rmSync(scratch, { recursive: true, force: true });
  });

  describe('validators and genesis', function () {
    it('names every generated validator key in the genesis extraData, in ascending order', function () {
      const fromKeys = memberIds().map((id) => {
        const privateKey = file(id, 'besu', 'data', 'key');
        // Besu's key file: one line, the 32-byte private key as 0x-prefixed hex.
        expect(privateKey).to.match(/^0x[0-9a-f]{64}$/);
        const address = new Wallet(privateKey).address;
        expect(computeAddress(`0x04${file(id, 'besu', 'data', 'key.pub').slice(2)}`)).to.equal(address);
        return address;
      });
      const genesis = JSON.parse(file('genesis.json')) as { extraData: string };
      const decoded = decodeQbftExtraData(genesis.extraData);
      const ascending = [...fromKeys].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));
      expect(decoded.validators).to.deep.equal(ascending);
      expect(decoded).to.include({ round: 0 });
      expect(decoded.seals).to.deep.equal([]);
    });

    it('states the BFT threshold: 4 validators tolerate 1 faulty (n ≥ 3f + 1) with a quorum of 3', function () {
      expect(readKitNetwork(out).validators).to.deep.equal({ members: 4, faultTolerance: 1, quorum: 3 });
      expect(readKitNetwork(out).oracleQuorum).to.equal(3);
      for (let n = 4; n <= 31; n += 1) {
        const { faultTolerance: f, quorum } = bftThreshold(n);
        expect(n, `n = ${n}`).to.be.at.least(3 * f + 1);
        expect(n, `n = ${n}: f is the largest`).to.be.below(3 * (f + 1) + 1);
        // Any two quorums share at least f + 1 validators, so at least one honest one: no two conflicting blocks.
        expect(2 * quorum - n, `n = ${n}`).to.be.at.least(f + 1);
        // The honest validators alone reach the quorum: f silent ones cannot stop the chain.
        expect(n - f, `n = ${n}`).to.be.at.least(quorum);
        expect(oracleQuorum(n)).to.equal(2 * f + 1);
      }
    });

    it("matches the genesis format of Besu's documentation, with zero base fee", function () {
      const genesis = JSON.parse(file('genesis.json')) as unknown;
      const result = besuQbftGenesisSchema.safeParse(lowercaseGenesisKeys(genesis));
      expect(result.success, JSON.stringify(result.error?.issues)).to.equal(true);
      expect(genesis).to.deep.include({ baseFeePerGas: '0x0', difficulty: '0x1', gasLimit: '0x5f5e100', alloc: {} });
      expect((genesis as { config: object }).config).to.deep.include({
        chainId: 1337,
        londonBlock: 0,
        cancunTime: 0,
        zeroBaseFee: true,
        qbft: { blockperiodseconds: 2, epochlength: 30_000, requesttimeoutseconds: 4 },
      });
      for (const id of memberIds()) expect(file(id, 'besu', 'genesis.json')).to.equal(file('genesis.json'));
    });
  });

  describe('permissions and Besu configuration', function () {
    it('allowlists every member account and oracle account, and every validator enode, outside the genesis', async function () {
      const permissions = readFlatToml(file('permissions_config.toml'));
      expect([...permissions.keys()]).to.deep.equal(['accounts-allowlist', 'nodes-allowlist']);
      const accounts: string[] = [];
      const enodes: string[] = [];
      for (const [index, id] of memberIds().entries()) {
        const env = memberEnvironment(out, id);
        const account = await Wallet.fromEncryptedJson(
          file(id, 'keys', 'account.keystore.json'),
          env.POLICYLEDGER_API_KEYSTORE_PASSWORD!,
        );
        const oracle = await Wallet.fromEncryptedJson(
          file(id, 'oracle', 'oracle.keystore.json'),
          env.POLICYLEDGER_ORACLE_PASSWORD!,
        );
        accounts.push(account.address.toLowerCase(), oracle.address.toLowerCase());
        enodes.push(`enode://${file(id, 'besu', 'data', 'key.pub').slice(2)}@127.0.0.1:${30303 + index}`);
        expect(file(id, 'besu', 'data', 'permissions_config.toml')).to.equal(file('permissions_config.toml'));
      }
      expect(permissions.get('accounts-allowlist'))
        .to.have.members(accounts)
        .and.have.length(2 * MEMBERS);
      expect(permissions.get('nodes-allowlist')).to.deep.equal(enodes);
      expect(file('genesis.json')).not.to.match(/allowlist|enode/);
    });

    it('configures each node with documented options only: free gas, permissioning, the QBFT API, the others as bootnodes', function () {
      const nodes = readFlatToml(file('permissions_config.toml')).get('nodes-allowlist') as string[];
      for (const [index, id] of memberIds().entries()) {
        const config = readFlatToml(file(id, 'besu', 'config.toml'));
        for (const key of config.keys()) expect(DOCUMENTED_BESU_OPTIONS, `${id}: ${key}`).to.include(key);
        expect(Object.fromEntries(config)).to.deep.include({
          'data-path': 'data',
          'genesis-file': 'genesis.json',
          'min-gas-price': 0,
          'p2p-port': 30303 + index,
          'rpc-http-port': 8545 + index,
          'rpc-http-enabled': true,
          'permissions-nodes-config-file-enabled': true,
          'permissions-accounts-config-file-enabled': true,
        });
        expect(config.get('rpc-http-api')).to.include.members(['ETH', 'NET', 'QBFT', 'PERM']);
        expect(config.get('bootnodes')).to.deep.equal(nodes.filter((_, other) => other !== index));
      }
    });
  });

  describe("each member's oracle node and API", function () {
    it('writes an oracle node configuration the node accepts, at gas price 0, with a key it can open', async function () {
      for (const member of generated.members) {
        const config = loadNodeConfig(path.join(out, member.id, 'oracle', 'node.json'));
        expect(config).to.deep.include({ rpcUrl: `http://127.0.0.1:${member.ports.rpcHttp}`, zeroGasPrice: true });
        expect(config.deployment).to.equal(path.join(out, member.id, 'deployments', '1337.json'));
        const password = memberEnvironment(out, member.id)[config.passwordEnv]!;
        const wallet = await Wallet.fromEncryptedJson(readFileSync(config.keystore, 'utf8'), password);
        expect(wallet.address).to.equal(member.oracle);
      }
    });

    it('writes an API configuration the API accepts: PostgreSQL index, Kubo storage, the member key', async function () {
      for (const member of generated.members) {
        const config = loadApiConfig(memberEnvironment(out, member.id));
        expect(config.databaseUrl).to.match(/^postgres:\/\//);
        expect(config.ipfs).to.deep.equal({ kind: 'kubo', url: 'http://127.0.0.1:5001' });
        expect(config.port).to.equal(member.ports.api);
        expect(config.deploymentFile).to.equal(path.join(out, member.id, 'deployments', '1337.json'));
      }
      // Opening the keys (scrypt at full cost for the encryption key) for one member is enough.
      const member = generated.members[1]!;
      const config = loadApiConfig(memberEnvironment(out, member.id));
      const wallet = await Wallet.fromEncryptedJson(
        readFileSync(config.keystore!.file, 'utf8'),
        config.keystore!.password,
      );
      expect(wallet.address).to.equal(member.account);
      const encryption = await loadEncryptionKeyFile(config.encryptionKey!.file, config.encryptionKey!.password);
      expect(`0x${Buffer.from(encryption.publicKey).toString('hex')}`).to.equal(member.encryptionPublicKey);
    });

    it('lists every member as a founding ADMIN in a founders file npm run deploy reads', function () {
      const founders = readFounders(path.join(out, 'founders.json'));
      expect(founders.map((founder) => founder.account)).to.deep.equal(
        generated.members.map((member) => member.account),
      );
    });

    it('keeps private keys and passwords readable by their owner only', function () {
      for (const id of memberIds()) {
        for (const secret of [
          'besu/data/key',
          'keys/account.keystore.json',
          'keys/encryption-key.json',
          'oracle/oracle.keystore.json',
          'secrets.env',
        ]) {
          expect(statSync(path.join(out, id, secret)).mode & 0o777, `${id}/${secret}`).to.equal(0o600);
        }
      }
      expect(file('.gitignore')).to.equal('*\n');
    });
  });

  describe('a member joining later', function () {
    it('gets the same genesis, bootnodes on the validators, and allowlists and a network with it added', async function () {
      const joined = path.join(scratch, 'joining');
      const { network, member } = await joinConsortium({
        network: out,
        out: joined,
        name: 'Late Re AG',
        keystoreScryptN: 1 << 10,
      });
      const read = (...parts: string[]) => readFileSync(path.join(joined, ...parts), 'utf8');
      expect(member).to.include({ id: 'member-5', name: 'Late Re AG' });
      expect(member.ports).to.deep.equal({ p2p: 30307, rpcHttp: 8549, oracleHealth: 9105, api: 8084 });
      expect(read('member-5', 'besu', 'genesis.json')).to.equal(file('genesis.json'));
      expect(new Wallet(read('member-5', 'besu', 'data', 'key')).address).to.equal(member.validator);
      const before = readFlatToml(file('permissions_config.toml'));
      const after = readFlatToml(read('permissions_config.toml'));
      expect(after.get('nodes-allowlist')).to.deep.equal([
        ...(before.get('nodes-allowlist') as string[]),
        member.enode,
      ]);
      expect(after.get('accounts-allowlist')).to.deep.equal([
        ...(before.get('accounts-allowlist') as string[]),
        member.account.toLowerCase(),
        member.oracle.toLowerCase(),
      ]);
      expect(read('member-5', 'besu', 'data', 'permissions_config.toml')).to.equal(read('permissions_config.toml'));
      expect(readFlatToml(read('member-5', 'besu', 'config.toml')).get('bootnodes')).to.deep.equal(
        before.get('nodes-allowlist'),
      );
      expect(network.validators).to.deep.equal({ members: 5, faultTolerance: 1, quorum: 4 });
      expect(readKitNetwork(joined).members.map((entry) => entry.id)).to.deep.equal([...memberIds(), 'member-5']);
      expect(read('README.md')).to.include(
        `"method":"qbft_proposeValidatorVote","params":["${member.validator}",true]`,
      );
    });
  });

  describe('the command', function () {
    it('generates fresh keys on every run', async function () {
      const again = await initConsortium({
        members: MEMBERS,
        out: path.join(scratch, 'again'),
        keystoreScryptN: 1 << 10,
      });
      const before = new Set(generated.members.flatMap((member) => [member.validator, member.account, member.oracle]));
      for (const member of again.members) {
        for (const address of [member.validator, member.account, member.oracle]) expect(before).not.to.include(address);
      }
    });

    it('refuses to write into a folder that is not empty, naming it, and changes nothing there', async function () {
      const genesisBefore = file('genesis.json');
      const result = await consortiumInit(['--members', '4', '--out', out]);
      expect(result.code).to.equal(2);
      expect(result.output).to.include(`${out} is not empty`);
      expect(file('genesis.json')).to.equal(genesisBefore);
    });

    it('refuses fewer than four members', async function () {
      const target = path.join(scratch, 'three');
      const result = await consortiumInit(['--members', '3', '--out', target]);
      expect(result.code).to.equal(2);
      expect(result.output).to.match(/--members must be a whole number from 4 .*QBFT needs 4 validators/);
      expect(existsSync(target)).to.equal(false);
    });
  });
});
