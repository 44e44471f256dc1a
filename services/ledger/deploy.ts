import type { ContractRunner, Signer } from 'ethers';
import {
  ConsortiumAccess__factory,
  EvidenceRegistry__factory,
  OracleHub__factory,
} from '../../types/ethers-contracts/index.js';
import type { IConsortiumAccess } from '../../types/ethers-contracts/access/ConsortiumAccess.js';
import type { IOracleHub } from '../../types/ethers-contracts/oracle/OracleHub.js';

/** Addresses of one PolicyLedger deployment, as written to the deployment record. */
export interface Deployment {
  chainId: string;
  consortiumAccess: string;
  evidenceRegistry: string;
  oracleHub: string;
  /** The parametric stack of one insurer, where deployed (the embedded stack deploys one). */
  stablecoin?: string;
  riskPool?: string;
  reinsuranceTreaty?: string;
  flightDelayProduct?: string;
  weatherIndexProduct?: string;
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
export type OracleHubSettings = IOracleHub.SettingsStruct;

/**
 * Quorum 3 (of the 4 local oracles: one faulty or silent node is tolerated, and no node decides alone), reports fresh
 * for 6 hours, payouts at once, 7 days for manual resolution.
 */
export const DEFAULT_HUB_SETTINGS: OracleHubSettings = {
  quorum: 3,
  freshnessWindow: 6 * 3600,
  disputeWindow: 0,
  resolutionPeriod: 7 * 24 * 3600,
};

/**
 * Deploys what the whole consortium shares: the consortium access contract (with its founding ADMINs), the
 * evidence registry and the oracle hub it governs.
 */
export async function deployPolicyLedger(
  deployer: Signer,
  founders: PartyRegistration[],
  overrides: GasOverrides = {},
  hubSettings: OracleHubSettings = DEFAULT_HUB_SETTINGS,
): Promise<Deployment> {
  const access = await new ConsortiumAccess__factory(deployer).deploy(founders, overrides);
  await access.waitForDeployment();
  const accessAddress = await access.getAddress();
  const registry = await new EvidenceRegistry__factory(deployer).deploy(accessAddress, overrides);
  await registry.waitForDeployment();
  const hub = await new OracleHub__factory(deployer).deploy(accessAddress, hubSettings, overrides);
  const receipt = await hub.deploymentTransaction()?.wait();
  if (receipt === null || receipt === undefined) throw new Error('the oracle hub deployment was not mined');
  const network = await deployer.provider!.getNetwork();
  return {
    chainId: network.chainId.toString(),
    consortiumAccess: accessAddress,
    evidenceRegistry: await registry.getAddress(),
    oracleHub: await hub.getAddress(),
    deployer: await deployer.getAddress(),
    blockNumber: receipt.blockNumber,
    deployedAt: new Date().toISOString(),
  };
}

/** True when every contract of `deployment` has code on the chain `runner` talks to. */
export async function isDeployed(runner: ContractRunner, deployment: Deployment): Promise<boolean> {
  const provider = runner.provider;
  if (provider === null) return false;
  const addresses = [
    deployment.consortiumAccess,
    deployment.evidenceRegistry,
    deployment.oracleHub,
    deployment.stablecoin,
    deployment.riskPool,
    deployment.reinsuranceTreaty,
    deployment.flightDelayProduct,
    deployment.weatherIndexProduct,
  ].filter((address): address is string => address !== undefined);
  if (deployment.oracleHub === undefined) return false;
  const codes = await Promise.all(addresses.map((address) => provider.getCode(address)));
  return codes.every((code) => code !== '0x');
}
