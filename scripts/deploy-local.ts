import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { id, JsonRpcProvider, type NonceManager } from 'ethers';
import { ConsortiumAccess__factory } from '../types/ethers-contracts/index.js';
import { deployPolicyLedger, isDeployed, type Deployment } from './lib/deploy.js';
import { startLocalChain, type LocalChain } from './lib/local-chain.js';
import { localParties, registrationOf } from './lib/local-parties.js';

export interface LocalDeployOptions {
  dataDir: string;
  host: string;
  port: number;
  chainId: number;
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

/**
 * Starts (or reuses) the persisted local chain and makes sure PolicyLedger is deployed on it, with the local
 * consortium registered and given its roles through dual control. A deployment already on the chain is reused.
 */
export async function deployLocal(options: LocalDeployOptions): Promise<LocalDeployResult> {
  const chain = await startLocalChain({
    stateDir: path.join(options.dataDir, 'chain'),
    host: options.host,
    port: options.port,
    chainId: options.chainId,
  });
  const provider = new JsonRpcProvider(chain.rpcUrl, undefined, { staticNetwork: true, pollingInterval: 250 });
  try {
    const recordFile = path.join(options.dataDir, 'deployments', `${options.chainId}.json`);
    if (existsSync(recordFile)) {
      const recorded = JSON.parse(readFileSync(recordFile, 'utf8')) as Deployment;
      if (await isDeployed(provider, recorded)) return { chain, deployment: recorded, deployedNow: false };
    }

    const parties = localParties(provider);
    const [operatorA, operatorB] = parties.filter((party) => party.role === 'ADMIN');
    if (operatorA === undefined || operatorB === undefined) throw new Error('the local consortium needs two ADMINs');
    const deployment = await deployPolicyLedger(operatorA.signer, [
      registrationOf(operatorA),
      registrationOf(operatorB),
    ]);
    const access = ConsortiumAccess__factory.connect(deployment.consortiumAccess, operatorA.signer);
    for (const party of parties.filter((member) => member.role !== 'ADMIN')) {
      const registration = registrationOf(party);
      await (
        await access.registerParty(
          registration.account,
          registration.legalName,
          registration.identifier,
          registration.encryptionPublicKey,
        )
      ).wait();
      const grant = access.interface.encodeFunctionData('grantRole', [id(`${party.role}_ROLE`), party.wallet.address]);
      await carryOut(access, operatorA.signer, operatorB.signer, grant);
    }

    mkdirSync(path.dirname(recordFile), { recursive: true });
    writeFileSync(recordFile, `${JSON.stringify(deployment, null, 2)}\n`);
    return { chain, deployment, deployedNow: true };
  } finally {
    provider.destroy();
  }
}

/** Proposes `data` as operator A, approves as operator B, executes as operator A. */
async function carryOut(
  access: ReturnType<typeof ConsortiumAccess__factory.connect>,
  proposer: NonceManager,
  approver: NonceManager,
  data: string,
): Promise<void> {
  const proposed = await (await access.connect(proposer).propose(await access.getAddress(), data)).wait();
  const created = proposed?.logs
    .map((log) => access.interface.parseLog(log))
    .find((event) => event?.name === 'ProposalCreated');
  if (created === undefined || created === null) throw new Error('propose did not emit ProposalCreated');
  const proposalId = created.args.proposalId as bigint;
  await (await access.connect(approver).approve(proposalId)).wait();
  await (await access.connect(proposer).execute(proposalId)).wait();
}

async function main(): Promise<void> {
  const keepRunning = !process.argv.includes('--exit');
  const { chain, deployment, deployedNow } = await deployLocal(localOptionsFromEnv());
  console.log(`${deployedNow ? 'Deployed' : 'Reusing'} PolicyLedger on ${chain.rpcUrl} (chain ${deployment.chainId})`);
  console.log(`  ConsortiumAccess  ${deployment.consortiumAccess}`);
  console.log(`  EvidenceRegistry  ${deployment.evidenceRegistry}`);
  if (chain.process === undefined || !keepRunning) {
    await chain.stop();
    return;
  }
  console.log('Local chain running with persisted state; Ctrl-C stops it.');
  const shutdown = (): void => {
    chain.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
