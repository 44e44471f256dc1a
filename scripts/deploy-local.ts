import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { JsonRpcProvider, sha256 } from 'ethers';
import { deployPolicyLedger, isDeployed, type Deployment } from '../services/ledger/deploy.js';
import { anchorAndCoSign } from '../services/ledger/evidence.js';
import {
  grantRole,
  registerParty,
  setHubConsumer,
  setPoolProduct,
  setPoolTreaty,
} from '../services/ledger/governance.js';
import {
  activateTreaty,
  approveStablecoin,
  consentToWiring,
  deployInsurerStack,
  deployTestStablecoin,
  deployTreaty,
  depositCapital,
  mintTestStablecoin,
  postTreatyCollateral,
  treatyTermsHash,
  type TreatyTerms,
} from '../services/ledger/insurer-stack.js';
import { startLocalChain, type LocalChain } from './lib/local-chain.js';
import { localParties, registrationOf, type LocalRole } from './lib/local-parties.js';
import { stopOnSignal } from './lib/signals.js';

export interface LocalDeployOptions {
  dataDir: string;
  host: string;
  port: number;
  chainId: number;
  /** Further anvil options for a chain started here (e.g. `--disable-code-size-limit` for coverage runs). */
  chainArgs?: string[];
}

export interface LocalDeployResult {
  chain: LocalChain;
  deployment: Deployment;
  /** False when an earlier deployment on the persisted chain was reused. */
  deployedNow: boolean;
}

/** Reads the embedded stack's settings from the environment, refusing bad values by name. */
export function localOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): LocalDeployOptions {
  const port = Number(env.POLICYLEDGER_CHAIN_PORT ?? '8545');
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`POLICYLEDGER_CHAIN_PORT must be a TCP port (1-65535), got "${env.POLICYLEDGER_CHAIN_PORT}"`);
  }
  return {
    dataDir: path.resolve(env.POLICYLEDGER_DATA_DIR ?? 'data'),
    host: env.POLICYLEDGER_CHAIN_HOST ?? '127.0.0.1',
    port,
    chainId: 31337,
  };
}

/** What the embedded stack funds: the insurer's capital, the reinsurer's collateral, the client's cash. */
const LOCAL_FUNDING = {
  insurerCapital: 1_000_000n * 10n ** 6n,
  reinsurerCollateral: 500_000n * 10n ** 6n,
  clientCash: 10_000n * 10n ** 6n,
};

/** The local treaty: 30 % quota share with 20 % ceding commission, excess of loss 20k xs 10k, 50k aggregate. */
function localTreatyTerms(insurer: string, reinsurer: string, pool: string): TreatyTerms {
  return {
    insurer,
    reinsurer,
    pool,
    quotaShareBps: 3_000,
    cedingCommissionBps: 2_000,
    excessOfLossAttachment: 10_000n * 10n ** 6n,
    excessOfLossLimit: 20_000n * 10n ** 6n,
    excessOfLossAggregateLimit: 50_000n * 10n ** 6n,
  };
}

/**
 * Starts (or reuses) the persisted local chain and makes sure PolicyLedger is deployed on it: the consortium with
 * its parties and roles, the evidence registry, the oracle hub, a test stablecoin, the insurer's risk pool with the
 * flight delay and weather index products, and a co-signed, collateralised treaty — every setting through dual
 * control. A deployment already on the chain is reused.
 */
export async function deployLocal(options: LocalDeployOptions): Promise<LocalDeployResult> {
  const chain = await startLocalChain({
    stateDir: path.join(options.dataDir, 'chain'),
    host: options.host,
    port: options.port,
    chainId: options.chainId,
    extraArgs: options.chainArgs ?? [],
  });
  const provider = new JsonRpcProvider(chain.rpcUrl, undefined, { staticNetwork: true, pollingInterval: 250 });
  try {
    const recordFile = path.join(options.dataDir, 'deployments', `${options.chainId}.json`);
    if (existsSync(recordFile)) {
      const recorded = JSON.parse(readFileSync(recordFile, 'utf8')) as Deployment;
      if (await isDeployed(provider, recorded)) return { chain, deployment: recorded, deployedNow: false };
    }
    const deployment = await deployLocalLedger(provider, options.dataDir);
    mkdirSync(path.dirname(recordFile), { recursive: true });
    writeFileSync(recordFile, `${JSON.stringify(deployment, null, 2)}\n`);
    return { chain, deployment, deployedNow: true };
  } finally {
    provider.destroy();
  }
}

async function deployLocalLedger(provider: JsonRpcProvider, dataDir: string): Promise<Deployment> {
  const parties = localParties(provider);
  const byRole = (role: LocalRole) => parties.filter((party) => party.role === role);
  const [operatorA, operatorB] = byRole('ADMIN');
  const [insurer] = byRole('INSURER');
  const [reinsurer] = byRole('REINSURER');
  const [client] = byRole('CLIENT');
  if (!operatorA || !operatorB || !insurer || !reinsurer || !client) {
    throw new Error('the local consortium needs two ADMINs, an INSURER, a REINSURER and a CLIENT');
  }
  const core = await deployPolicyLedger(operatorA.signer, [registrationOf(operatorA), registrationOf(operatorB)]);
  const admins = { consortiumAccess: core.consortiumAccess, proposer: operatorA.signer, approver: operatorB.signer };
  for (const party of parties.filter((member) => member.role !== 'ADMIN')) {
    await registerParty(operatorA.signer, core.consortiumAccess, registrationOf(party));
    await grantRole(admins, party.role, party.wallet.address);
  }

  const stablecoin = await deployTestStablecoin(operatorA.signer);
  const stack = await deployInsurerStack(operatorA.signer, core, insurer.wallet.address, stablecoin);
  const terms = localTreatyTerms(insurer.wallet.address, reinsurer.wallet.address, stack.riskPool);
  const reinsuranceTreaty = await deployTreaty(operatorA.signer, core, terms);

  // The treaty wording is a document like any other: anchored with its terms hash and co-signed by both parties.
  const wording = Buffer.from(
    `Quota share and excess of loss treaty between ${insurer.name} and ${reinsurer.name}.\n` +
      `Terms (EIP-712 TreatyTerms): ${JSON.stringify(terms, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))}\n`,
  );
  const documentHash = sha256(wording);
  const documentsDir = path.join(dataDir, 'documents');
  mkdirSync(documentsDir, { recursive: true });
  writeFileSync(path.join(documentsDir, `${documentHash.slice(2)}.txt`), wording);
  await anchorAndCoSign(
    { deployment: core, provider, signer: insurer.signer },
    {
      documentHash,
      termsHash: treatyTermsHash(terms),
      documentType: 'Treaty',
      retentionClass: 2,
      policyRef: 'TREATY-2026-001',
      storagePointer: `file:documents/${documentHash.slice(2)}.txt`,
      requiredSigners: [insurer.wallet.address, reinsurer.wallet.address],
    },
    [insurer.signer, reinsurer.signer],
  );
  await activateTreaty(reinsurer.signer, reinsuranceTreaty, documentHash);

  // The insurer consents to what is wired into its pool (products before the treaty, so no reinsurer consent).
  const wired = [stack.flightDelayProduct, stack.weatherIndexProduct, reinsuranceTreaty];
  await consentToWiring(insurer.signer, stack.riskPool, wired);
  for (const product of [stack.flightDelayProduct, stack.weatherIndexProduct]) {
    await setHubConsumer(admins, core.oracleHub, product, true);
    await setPoolProduct(admins, stack.riskPool, product, true);
  }
  await setPoolTreaty(admins, stack.riskPool, reinsuranceTreaty);

  await mintTestStablecoin(operatorA.signer, stablecoin, insurer.wallet.address, LOCAL_FUNDING.insurerCapital);
  await approveStablecoin(insurer.signer, stablecoin, stack.riskPool, LOCAL_FUNDING.insurerCapital);
  await depositCapital(insurer.signer, stack.riskPool, LOCAL_FUNDING.insurerCapital);
  await mintTestStablecoin(operatorA.signer, stablecoin, reinsurer.wallet.address, LOCAL_FUNDING.reinsurerCollateral);
  await approveStablecoin(reinsurer.signer, stablecoin, reinsuranceTreaty, LOCAL_FUNDING.reinsurerCollateral);
  await postTreatyCollateral(reinsurer.signer, reinsuranceTreaty, LOCAL_FUNDING.reinsurerCollateral);
  await mintTestStablecoin(operatorA.signer, stablecoin, client.wallet.address, LOCAL_FUNDING.clientCash);
  await approveStablecoin(client.signer, stablecoin, stack.riskPool);

  return { ...core, stablecoin, ...stack, reinsuranceTreaty };
}

async function main(): Promise<void> {
  const keepRunning = !process.argv.includes('--exit');
  const { chain, deployment, deployedNow } = await deployLocal(localOptionsFromEnv());
  console.log(`${deployedNow ? 'Deployed' : 'Reusing'} PolicyLedger on ${chain.rpcUrl} (chain ${deployment.chainId})`);
  for (const [name, address] of Object.entries(deployment)) {
    if (name !== 'deployer' && typeof address === 'string' && address.startsWith('0x'))
      console.log(`  ${name.padEnd(20)} ${address}`);
  }
  if (chain.process === undefined || !keepRunning) {
    await chain.stop();
    return;
  }
  console.log('Local chain running with persisted state; Ctrl-C stops it.');
  stopOnSignal(() => chain.stop());
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
