/**
 * `consortium:init`: everything an n-member Besu QBFT consortium needs to start PolicyLedger, generated fresh in one
 * folder: each member's validator node key, the genesis naming the validators, the allowlists, each member's Besu,
 * oracle node and API configuration with their keys, the founders file for `npm run deploy`, and READMEs. Nothing is
 * ever overwritten: the folder must be new or empty.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import path from 'node:path';
import { encryptKeystoreJson, hexlify, Wallet, type HDNodeWallet } from 'ethers';
import { generateEncryptionKeyPair, saveEncryptionKeyFile } from '../storage/keys.js';
import { besuConfigToml, PERMISSIONS_FILE, permissionsToml, type BesuEndpoints } from './besu-config.js';
import { bftThreshold, oracleQuorum, type BftThreshold } from './bft.js';
import { DEFAULT_NETWORK_SETTINGS, qbftGenesis, type QbftNetworkSettings } from './genesis.js';
import {
  apiEnvironment,
  envFile,
  ORACLE_PASSWORD_ENV,
  oracleNodeConfig,
  PROVIDER_KEY_VARIABLES,
} from './member-config.js';
import { enodeUrl, generateNodeKey, type NodeKey } from './node-keys.js';
import { joinReadme, kitReadme, memberReadme } from './readme.js';

/** QBFT needs four validators to tolerate one faulty validator; the bound keeps a typo from making thousands. */
export const MIN_MEMBERS = 4;
export const MAX_MEMBERS = 64;

/** Default ports, each raised by one per further member sharing a host. */
export const BASE_PORTS = { p2p: 30303, rpcHttp: 8545, oracleHealth: 9101, api: 8080 } as const;

export class ConsortiumKitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConsortiumKitError';
  }
}

export interface ConsortiumKitOptions {
  members: number;
  out: string;
  /** Each member's IP address (one for all, or one per member); 127.0.0.1 to try the network on one machine. */
  hosts?: readonly string[];
  /** Legal names of the members, in order; "Member <n>" when absent. */
  names?: readonly string[];
  /** Their LEIs (or other identifiers registered on chain); placeholders to replace before deploying when absent. */
  identifiers?: readonly string[];
  settings?: Partial<QbftNetworkSettings>;
  /** scrypt cost N of the generated JSON keystores; ethers' default (2^17) unless lowered, as tests do. */
  keystoreScryptN?: number;
}

/** One member as the kit generated it (no secrets). */
export interface KitMember {
  id: string;
  name: string;
  identifier: string;
  host: string;
  /** The validator: the node address in the genesis, and its enode URL. */
  validator: string;
  enode: string;
  /** The member's party account (its API sends with it; a founding ADMIN). */
  account: string;
  /** Its oracle node's account (to be registered as an ORACLE party). */
  oracle: string;
  /** 0x-prefixed hex of its 32-byte X25519 encryption public key. */
  encryptionPublicKey: string;
  ports: { p2p: number; rpcHttp: number; oracleHealth: number; api: number };
}

/** `network.json`: what the kit generated, for people and tools. */
export interface KitNetwork {
  chainId: number;
  settings: Omit<QbftNetworkSettings, 'gasLimit'> & { gasLimit: string };
  validators: BftThreshold;
  /** The oracle hub quorum for one oracle node per member: 2f + 1. */
  oracleQuorum: number;
  members: KitMember[];
}

interface MemberSecrets {
  nodeKey: NodeKey;
  account: HDNodeWallet;
  oracle: HDNodeWallet;
  encryptionPrivateKey: Uint8Array;
  passwords: { account: string; encryptionKey: string; oracle: string };
}

/** Generates the kit into `options.out`; returns what it generated. */
export async function initConsortium(options: ConsortiumKitOptions): Promise<KitNetwork> {
  const { members: count } = options;
  if (!Number.isInteger(count) || count < MIN_MEMBERS || count > MAX_MEMBERS) {
    throw new ConsortiumKitError(
      `--members must be a whole number from ${MIN_MEMBERS} to ${MAX_MEMBERS} (QBFT needs ${MIN_MEMBERS} validators to tolerate one faulty validator), got ${String(count)}`,
    );
  }
  const out = path.resolve(options.out);
  refuseNonEmpty(out);
  const hosts = perMember('--hosts', options.hosts ?? ['127.0.0.1'], count);
  for (const host of hosts) requireIPv4('--hosts', host);
  const names = options.names === undefined ? undefined : perMember('--names', options.names, count);
  const identifiers =
    options.identifiers === undefined ? undefined : perMember('--identifiers', options.identifiers, count);
  const settings: QbftNetworkSettings = { ...DEFAULT_NETWORK_SETTINGS, ...options.settings };

  const generatedMembers: GeneratedMember[] = [];
  for (let index = 0; index < count; index += 1) {
    generatedMembers.push(
      await generateMember({
        number: index + 1,
        name: names?.[index],
        identifier: identifiers?.[index],
        host: hosts[index]!,
        hostsBefore: hosts.slice(0, index),
      }),
    );
  }
  const members = generatedMembers.map(({ member }) => member);
  const genesis = json(
    qbftGenesis(
      settings,
      members.map((member) => member.validator),
    ),
  );
  const network: KitNetwork = {
    chainId: settings.chainId,
    settings: { ...settings, gasLimit: settings.gasLimit.toString() },
    validators: bftThreshold(count),
    oracleQuorum: oracleQuorum(count),
    members,
  };
  const permissions = networkPermissions(network);

  const write = writerInto(out);
  write('.gitignore', NEVER_COMMIT);
  write('genesis.json', genesis);
  write(PERMISSIONS_FILE, permissions);
  write('network.json', json(network));
  write(
    'founders.json',
    json(
      members.map(({ account, name, identifier, encryptionPublicKey }) => ({
        account,
        legalName: name,
        identifier,
        encryptionPublicKey,
      })),
    ),
  );
  write('README.md', kitReadme(network));
  for (const generated of generatedMembers) {
    await writeMemberFolder(out, { network, genesis, permissions, ...generated, joining: false }, options);
  }
  return network;
}

export interface JoinOptions {
  /** A folder holding the consortium's public `network.json` and `genesis.json` (a kit, or copies of those files). */
  network: string;
  out: string;
  host?: string;
  name?: string;
  identifier?: string;
  keystoreScryptN?: number;
}

/**
 * Generates one member joining a running consortium: its keys and configuration (the consortium's genesis copied
 * unchanged, bootnodes on the existing validators), the allowlists with it added, and the network description with it
 * added, for the existing members to adopt (allowlists, validator vote, party registration).
 */
export async function joinConsortium(options: JoinOptions): Promise<{ network: KitNetwork; member: KitMember }> {
  const source = path.resolve(options.network);
  const read = (file: string) => {
    try {
      return readFileSync(path.join(source, file), 'utf8');
    } catch (error) {
      throw new ConsortiumKitError(`--join: cannot read ${path.join(source, file)} (${(error as Error).message})`);
    }
  };
  const existing = JSON.parse(read('network.json')) as KitNetwork;
  const genesis = read('genesis.json');
  const genesisChainId = (JSON.parse(genesis) as { config?: { chainId?: number } }).config?.chainId;
  if (genesisChainId !== existing.chainId) {
    throw new ConsortiumKitError(
      `--join: ${source} holds a genesis of chain ${String(genesisChainId)} and a network of chain ${existing.chainId}`,
    );
  }
  const count = existing.members.length + 1;
  if (count > MAX_MEMBERS) throw new ConsortiumKitError(`a consortium of the kit has at most ${MAX_MEMBERS} members`);
  const out = path.resolve(options.out);
  refuseNonEmpty(out);
  const host = options.host ?? '127.0.0.1';
  requireIPv4('--hosts', host);
  const generated = await generateMember({
    number: Math.max(...existing.members.map((member) => Number(member.id.replace(/^member-/, '')))) + 1,
    name: options.name,
    identifier: options.identifier,
    host,
    hostsBefore: existing.members.map((member) => member.host),
  });
  const network: KitNetwork = {
    ...existing,
    validators: bftThreshold(count),
    oracleQuorum: oracleQuorum(count),
    members: [...existing.members, generated.member],
  };
  const permissions = networkPermissions(network);
  const write = writerInto(out);
  write('.gitignore', NEVER_COMMIT);
  write(PERMISSIONS_FILE, permissions);
  write('network.json', json(network));
  write('README.md', joinReadme(network, generated.member));
  await writeMemberFolder(out, { network, genesis, permissions, ...generated, joining: true }, options);
  return { network, member: generated.member };
}

interface GeneratedMember {
  member: KitMember;
  secret: MemberSecrets;
}

/** A member's fresh keys and passwords, with its ports: the defaults, raised by one per member before it on its host. */
async function generateMember(spec: {
  number: number;
  name: string | undefined;
  identifier: string | undefined;
  host: string;
  hostsBefore: readonly string[];
}): Promise<GeneratedMember> {
  const offset = spec.hostsBefore.filter((other) => other === spec.host).length;
  const ports = {
    p2p: BASE_PORTS.p2p + offset,
    rpcHttp: BASE_PORTS.rpcHttp + offset,
    oracleHealth: BASE_PORTS.oracleHealth + offset,
    api: BASE_PORTS.api + offset,
  };
  const encryption = await generateEncryptionKeyPair();
  const secret: MemberSecrets = {
    nodeKey: generateNodeKey(),
    account: Wallet.createRandom(),
    oracle: Wallet.createRandom(),
    encryptionPrivateKey: encryption.privateKey,
    passwords: { account: password(), encryptionKey: password(), oracle: password() },
  };
  return {
    secret,
    member: {
      id: `member-${spec.number}`,
      name: spec.name ?? `Member ${spec.number}`,
      identifier: spec.identifier ?? `REPLACE-WITH-LEI-OF-MEMBER-${spec.number}`,
      host: spec.host,
      validator: secret.nodeKey.address,
      enode: enodeUrl(secret.nodeKey, spec.host, ports.p2p),
      account: secret.account.address,
      oracle: secret.oracle.address,
      encryptionPublicKey: hexlify(encryption.publicKey),
      ports,
    },
  };
}

/** The allowlists of a network: every member's account and oracle account, every validator's enode. */
function networkPermissions(network: KitNetwork): string {
  return permissionsToml(
    network.members.flatMap((member) => [member.account, member.oracle]),
    network.members.map((member) => member.enode),
  );
}

/** A kit generated inside a repository must never be committed: it holds private keys. */
const NEVER_COMMIT = '*\n';

/** Writes files under `out` (created), never over an existing one. */
function writerInto(out: string): (file: string, contents: string, mode?: number) => void {
  mkdirSync(out, { recursive: true });
  const write = (file: string, contents: string, mode = 0o644) => {
    const target = path.join(out, file);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, contents, { flag: 'wx', mode });
    // The mode given to writeFileSync is filtered by the umask; secrets must end up 0600 whatever it is.
    chmodSync(target, mode);
  };
  return write;
}

/** One member's folder: Besu (with the genesis as given), keys, oracle node, API, secrets, README. */
async function writeMemberFolder(
  out: string,
  spec: GeneratedMember & { network: KitNetwork; genesis: string; permissions: string; joining: boolean },
  options: { keystoreScryptN?: number },
): Promise<void> {
  const { member, secret, network } = spec;
  const write = writerInto(path.join(out, member.id));
  const abs = (file: string) => path.join(out, member.id, file);
  const rpcUrl = `http://127.0.0.1:${member.ports.rpcHttp}`;
  const endpoints: BesuEndpoints = {
    p2pHost: member.host,
    p2pPort: member.ports.p2p,
    rpcHttpPort: member.ports.rpcHttp,
  };
  const bootnodes = network.members.filter((other) => other.id !== member.id).map((other) => other.enode);
  write('besu/config.toml', besuConfigToml(`${member.id} (${member.name})`, endpoints, bootnodes));
  write('besu/genesis.json', spec.genesis);
  write('besu/data/key', secret.nodeKey.privateKey, 0o600);
  write('besu/data/key.pub', secret.nodeKey.publicKey);
  write(`besu/data/${PERMISSIONS_FILE}`, spec.permissions);

  const keystoreOptions = options.keystoreScryptN === undefined ? {} : { scrypt: { N: options.keystoreScryptN } };
  const keystore = (wallet: HDNodeWallet, secretPassword: string) =>
    encryptKeystoreJson({ address: wallet.address, privateKey: wallet.privateKey }, secretPassword, keystoreOptions);
  write('keys/account.keystore.json', await keystore(secret.account, secret.passwords.account), 0o600);
  await saveEncryptionKeyFile(
    abs('keys/encryption-key.json'),
    secret.encryptionPrivateKey,
    secret.passwords.encryptionKey,
  );
  write('oracle/oracle.keystore.json', await keystore(secret.oracle, secret.passwords.oracle), 0o600);
  const deployment = `deployments/${network.chainId}.json`;
  write(
    'oracle/node.json',
    json(
      oracleNodeConfig({
        name: `${member.id}-oracle`,
        rpcUrl,
        keystore: 'oracle.keystore.json',
        stateFile: 'oracle-state.sqlite',
        deployment: `../${deployment}`,
        healthPort: member.ports.oracleHealth,
        contact: `(PolicyLedger oracle of ${member.name}, replace-with-contact@example.invalid)`,
      }),
    ),
  );
  write(
    'api.env',
    envFile(
      [
        `The party API of ${member.id} (${member.name}): variables of services/api/config.ts.`,
        'Secrets are in secrets.env.',
      ],
      apiEnvironment({
        port: member.ports.api,
        rpcUrl,
        dataDir: abs(''),
        deployment: abs(deployment),
        keystore: abs('keys/account.keystore.json'),
        encryptionKey: abs('keys/encryption-key.json'),
      }),
    ),
  );
  write(
    'secrets.env',
    envFile(
      [`Secrets of ${member.id} (${member.name}): keep them with the member, readable by its operator only.`],
      [
        ['POLICYLEDGER_API_KEYSTORE_PASSWORD', secret.passwords.account],
        ['POLICYLEDGER_API_ENCRYPTION_KEY_PASSWORD', secret.passwords.encryptionKey],
        [ORACLE_PASSWORD_ENV, secret.passwords.oracle],
        ...PROVIDER_KEY_VARIABLES.map((variable) => [variable, ''] as const),
      ],
    ),
    0o600,
  );
  write('README.md', memberReadme(network, member, out, spec.joining));
}

function requireIPv4(option: string, host: string): void {
  if (!isIPv4(host))
    throw new ConsortiumKitError(`${option}: ${host} is not an IPv4 address (enode URLs name IP addresses)`);
}

function refuseNonEmpty(out: string): void {
  if (existsSync(out) && readdirSync(out).length > 0) {
    throw new ConsortiumKitError(
      `${out} is not empty: the kit is only written into a new or empty folder, never over one`,
    );
  }
}

function perMember(option: string, values: readonly string[], count: number): string[] {
  if (values.length === 1) return Array.from({ length: count }, () => values[0]!);
  if (values.length !== count) {
    throw new ConsortiumKitError(
      `${option} takes one value for all members or one per member (${count}), got ${values.length}`,
    );
  }
  return [...values];
}

function password(): string {
  return randomBytes(24).toString('base64url');
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
