import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { isAddress, JsonRpcProvider, NonceManager, Wallet } from 'ethers';
import {
  deployPolicyLedger,
  refuseExistingRecord,
  writeDeploymentRecord,
  type Deployment,
  type GasOverrides,
  type PartyRegistration,
} from '../services/ledger/deploy.js';

export interface ConsortiumDeployOptions {
  rpcUrl: string;
  /** Encrypted JSON keystore of the deploying account. */
  keystoreFile: string;
  keystorePassword: string;
  /** JSON file: an array of founding ADMIN registrations { account, legalName, identifier, encryptionPublicKey }. */
  foundersFile: string;
  /** Send legacy transactions at gas price 0, as on a Besu QBFT network with free gas. */
  zeroGasPrice: boolean;
  dataDir: string;
  /** Where to write the deployment record; `<dataDir>/deployments/<chainId>.json` by default. Never overwritten. */
  recordFile?: string;
}

/** Reads and checks the founders file, naming the entry and field at fault. */
export function readFounders(file: string): PartyRegistration[] {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  if (!Array.isArray(parsed) || parsed.length < 2) {
    throw new Error(`${file}: expected an array of at least two founding ADMINs (dual control needs two)`);
  }
  return parsed.map((entry: unknown, index) => {
    const founder = entry as Partial<Record<keyof PartyRegistration, unknown>>;
    for (const field of ['account', 'legalName', 'identifier', 'encryptionPublicKey'] as const) {
      if (typeof founder[field] !== 'string' || founder[field] === '') {
        throw new Error(`${file}: founder ${index} has no ${field}`);
      }
    }
    if (!isAddress(founder.account)) throw new Error(`${file}: founder ${index} account is not an address`);
    return founder as PartyRegistration;
  });
}

/**
 * Deploys PolicyLedger to any JSON-RPC endpoint and writes its record (`<dataDir>/deployments/<chainId>.json` unless
 * `recordFile` says otherwise). A record already there is another deployment's: refused, naming the file, before any
 * transaction is sent.
 */
export async function deployConsortium(options: ConsortiumDeployOptions): Promise<Deployment> {
  const founders = readFounders(options.foundersFile);
  const provider = new JsonRpcProvider(options.rpcUrl);
  try {
    const { chainId } = await provider.getNetwork();
    const recordFile = options.recordFile ?? path.join(options.dataDir, 'deployments', `${chainId}.json`);
    refuseExistingRecord(recordFile);
    const keystore = readFileSync(options.keystoreFile, 'utf8');
    const wallet = (await Wallet.fromEncryptedJson(keystore, options.keystorePassword)).connect(provider);
    const overrides: GasOverrides = options.zeroGasPrice ? { gasPrice: 0n, type: 0 } : {};
    const deployment = await deployPolicyLedger(new NonceManager(wallet), founders, overrides);
    writeDeploymentRecord(recordFile, deployment);
    return deployment;
  } finally {
    provider.destroy();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rpc: { type: 'string' },
      keystore: { type: 'string' },
      founders: { type: 'string' },
      record: { type: 'string' },
      'zero-gas-price': { type: 'boolean', default: false },
    },
  });
  const missing = (['rpc', 'keystore', 'founders'] as const).filter((name) => values[name] === undefined);
  if (missing.length > 0) throw new Error(`missing option(s): ${missing.map((name) => `--${name}`).join(', ')}`);
  const password = process.env.POLICYLEDGER_KEYSTORE_PASSWORD;
  if (password === undefined) throw new Error('POLICYLEDGER_KEYSTORE_PASSWORD must hold the keystore password');
  const deployment = await deployConsortium({
    rpcUrl: values.rpc!,
    keystoreFile: values.keystore!,
    keystorePassword: password,
    foundersFile: values.founders!,
    zeroGasPrice: values['zero-gas-price'],
    dataDir: path.resolve(process.env.POLICYLEDGER_DATA_DIR ?? 'data'),
    recordFile: values.record === undefined ? undefined : path.resolve(values.record),
  });
  console.log(JSON.stringify(deployment, null, 2));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
