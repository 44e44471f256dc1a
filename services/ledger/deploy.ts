import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
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

/**
 * Refusal to write a deployment record over another deployment's record: the file names the chain's deployment that
 * every API, index and oracle node of this data folder reads, and replacing it would silently point them at other
 * contracts.
 */
export class DeploymentRecordExistsError extends Error {
  readonly file: string;
  constructor(file: string, existing: string) {
    super(
      `${file} already records ${existing}; it is never overwritten. To deploy again deliberately, move that record ` +
        'away (keep it: it names the earlier contracts) or write the new one elsewhere (--record <file>)',
    );
    this.name = 'DeploymentRecordExistsError';
    this.file = file;
  }
}

/** The same deployment: same chain, same contracts, same deployer and block. */
export function isSameDeployment(a: Deployment, b: Deployment): boolean {
  const same = (x: string | undefined, y: string | undefined) => x?.toLowerCase() === y?.toLowerCase();
  return (
    a.chainId === b.chainId &&
    a.blockNumber === b.blockNumber &&
    same(a.deployer, b.deployer) &&
    same(a.consortiumAccess, b.consortiumAccess) &&
    same(a.evidenceRegistry, b.evidenceRegistry) &&
    same(a.oracleHub, b.oracleHub)
  );
}

/** A one-line description of the record in `file`, for refusals. */
function describeRecord(file: string): string {
  try {
    const recorded = JSON.parse(readFileSync(file, 'utf8')) as Partial<Deployment>;
    return (
      `the deployment on chain ${String(recorded.chainId)} at block ${String(recorded.blockNumber)} ` +
      `(ConsortiumAccess ${String(recorded.consortiumAccess)}, ${String(recorded.deployedAt)})`
    );
  } catch {
    return 'something that is not a deployment record PolicyLedger can read';
  }
}

/** Refuses, before anything is deployed, a record file that already exists: it records another deployment. */
export function refuseExistingRecord(file: string): void {
  try {
    readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  throw new DeploymentRecordExistsError(file, describeRecord(file));
}

/**
 * Writes the record of `deployment` to `file`, creating it exclusively. A file that appeared meanwhile is accepted
 * only when it records the same deployment; any other is refused, naming it.
 */
export function writeDeploymentRecord(file: string, deployment: Deployment): void {
  mkdirSync(path.dirname(file), { recursive: true });
  try {
    writeFileSync(file, `${JSON.stringify(deployment, null, 2)}\n`, { flag: 'wx' });
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  let recorded: Deployment | undefined;
  try {
    recorded = JSON.parse(readFileSync(file, 'utf8')) as Deployment;
  } catch {
    recorded = undefined;
  }
  if (recorded === undefined || !isSameDeployment(recorded, deployment)) {
    throw new DeploymentRecordExistsError(file, describeRecord(file));
  }
}
