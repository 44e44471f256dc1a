import type { ContractRunner, Signer } from 'ethers';
import { ConsortiumAccess__factory, EvidenceRegistry__factory } from '../../types/ethers-contracts/index.js';
import type { IConsortiumAccess } from '../../types/ethers-contracts/access/ConsortiumAccess.js';

/** Addresses of one PolicyLedger deployment, as written to the deployment record. */
export interface Deployment {
  chainId: string;
  consortiumAccess: string;
  evidenceRegistry: string;
  deployer: string;
  blockNumber: number;
  deployedAt: string;
}

/** Transaction fields a network may need, e.g. legacy transactions at gas price 0 on a free-gas QBFT network. */
export interface GasOverrides {
  gasPrice?: bigint;
  type?: number;
}

export type PartyRegistration = IConsortiumAccess.PartyRegistrationStruct;

/** Deploys the consortium access contract (with its founding ADMINs) and the evidence registry it governs. */
export async function deployPolicyLedger(
  deployer: Signer,
  founders: PartyRegistration[],
  overrides: GasOverrides = {},
): Promise<Deployment> {
  const access = await new ConsortiumAccess__factory(deployer).deploy(founders, overrides);
  await access.waitForDeployment();
  const registry = await new EvidenceRegistry__factory(deployer).deploy(await access.getAddress(), overrides);
  const receipt = await registry.deploymentTransaction()?.wait();
  if (receipt === null || receipt === undefined) throw new Error('the evidence registry deployment was not mined');
  const network = await deployer.provider!.getNetwork();
  return {
    chainId: network.chainId.toString(),
    consortiumAccess: await access.getAddress(),
    evidenceRegistry: await registry.getAddress(),
    deployer: await deployer.getAddress(),
    blockNumber: receipt.blockNumber,
    deployedAt: new Date().toISOString(),
  };
}

/** True when both contracts of `deployment` have code on the chain `runner` talks to. */
export async function isDeployed(runner: ContractRunner, deployment: Deployment): Promise<boolean> {
  const provider = runner.provider;
  if (provider === null) return false;
  const [accessCode, registryCode] = await Promise.all([
    provider.getCode(deployment.consortiumAccess),
    provider.getCode(deployment.evidenceRegistry),
  ]);
  return accessCode !== '0x' && registryCode !== '0x';
}
