import { MaxUint256, TypedDataEncoder, type Signer } from 'ethers';
import {
  FlightDelayProduct__factory,
  MockStablecoin__factory,
  ReinsuranceTreaty__factory,
  RiskPool__factory,
  WeatherIndexProduct__factory,
} from '../../types/ethers-contracts/index.js';
import type { IReinsuranceTreaty } from '../../types/ethers-contracts/capital/ReinsuranceTreaty.js';
import { TREATY_TERMS_TYPES } from '../shared/eip712.js';
import type { Deployment, GasOverrides } from './deploy.js';

/** Settings of one insurer's pool and products. */
export interface InsurerStackSettings {
  /** Most exposure one flight or one location and metric may carry, in stablecoin units. */
  accumulationCap: bigint;
  /** Most policies one settlement transaction pays. */
  settlementBatchSize: number;
  flightDataGracePeriod: number;
  flightDelayToleranceMinutes: number;
  weatherDataGracePeriod: number;
  /** Tolerance between oracles per weather metric: precipitation (0.01 mm), temperature (0.01 °C), wind (0.01 km/h). */
  weatherTolerances: [number, number, number];
}

export const DEFAULT_INSURER_STACK: InsurerStackSettings = {
  accumulationCap: 1_000_000n * 10n ** 6n,
  settlementBatchSize: 400,
  flightDataGracePeriod: 3 * 24 * 3600,
  flightDelayToleranceMinutes: 5,
  weatherDataGracePeriod: 2 * 24 * 3600,
  weatherTolerances: [50, 50, 200],
};

export type TreatyTerms = IReinsuranceTreaty.TreatyTermsStruct;

/** Deploys `insurer`'s risk pool in `stablecoin` and the flight delay and weather index products on it. */
export async function deployInsurerStack(
  deployer: Signer,
  core: Deployment,
  insurer: string,
  stablecoin: string,
  settings: InsurerStackSettings = DEFAULT_INSURER_STACK,
  overrides: GasOverrides = {},
): Promise<{ riskPool: string; flightDelayProduct: string; weatherIndexProduct: string }> {
  const pool = await new RiskPool__factory(deployer).deploy(
    core.consortiumAccess,
    insurer,
    stablecoin,
    settings.accumulationCap,
    overrides,
  );
  await pool.waitForDeployment();
  const riskPool = await pool.getAddress();
  const flight = await new FlightDelayProduct__factory(deployer).deploy(
    core.consortiumAccess,
    core.oracleHub,
    core.evidenceRegistry,
    riskPool,
    settings.settlementBatchSize,
    settings.flightDataGracePeriod,
    settings.flightDelayToleranceMinutes,
    overrides,
  );
  await flight.waitForDeployment();
  const weather = await new WeatherIndexProduct__factory(deployer).deploy(
    core.consortiumAccess,
    core.oracleHub,
    core.evidenceRegistry,
    riskPool,
    settings.settlementBatchSize,
    settings.weatherDataGracePeriod,
    settings.weatherTolerances,
    overrides,
  );
  await weather.waitForDeployment();
  return {
    riskPool,
    flightDelayProduct: await flight.getAddress(),
    weatherIndexProduct: await weather.getAddress(),
  };
}

/**
 * Records `party`'s consent to wiring each of `targets` (products, a treaty) into the risk pool: the pool's insurer
 * consents to everything, the attached treaty's reinsurer to products added after the treaty. Dual control then
 * executes `setProduct` / `setTreaty`; each consent serves one execution.
 */
export async function consentToWiring(
  party: Signer,
  riskPool: string,
  targets: string[],
  overrides: GasOverrides = {},
): Promise<void> {
  const pool = RiskPool__factory.connect(riskPool, party);
  for (const target of targets) await (await pool.consentToWiring(target, true, overrides)).wait();
}

/** Deploys a treaty; it takes effect once its document (carrying `treatyTermsHash(terms)`) is co-signed. */
export async function deployTreaty(
  deployer: Signer,
  core: Deployment,
  terms: TreatyTerms,
  overrides: GasOverrides = {},
): Promise<string> {
  const treaty = await new ReinsuranceTreaty__factory(deployer).deploy(
    core.consortiumAccess,
    core.evidenceRegistry,
    terms,
    overrides,
  );
  await treaty.waitForDeployment();
  return treaty.getAddress();
}

/** The EIP-712 struct hash of treaty terms: the termsHash its document must carry. */
export function treatyTermsHash(terms: TreatyTerms): string {
  return TypedDataEncoder.hashStruct('TreatyTerms', TREATY_TERMS_TYPES, terms);
}

/** Deploys the test stablecoin (plUSD, 6 decimals, anyone may mint) of a local or test network. */
export async function deployTestStablecoin(deployer: Signer, overrides: GasOverrides = {}): Promise<string> {
  const stablecoin = await new MockStablecoin__factory(deployer).deploy(overrides);
  await stablecoin.waitForDeployment();
  return stablecoin.getAddress();
}

/** Mints `amount` of the test stablecoin to `to`. */
export async function mintTestStablecoin(
  minter: Signer,
  stablecoin: string,
  to: string,
  amount: bigint,
): Promise<void> {
  await (await MockStablecoin__factory.connect(stablecoin, minter).mint(to, amount)).wait();
}

/** Lets `spender` (a pool, a treaty) take up to `amount` of `owner`'s stablecoin; everything by default. */
export async function approveStablecoin(
  owner: Signer,
  stablecoin: string,
  spender: string,
  amount: bigint = MaxUint256,
): Promise<void> {
  await (await MockStablecoin__factory.connect(stablecoin, owner).approve(spender, amount)).wait();
}

/** The insurer deposits `amount` of capital into its pool (after approving it). */
export async function depositCapital(insurer: Signer, riskPool: string, amount: bigint): Promise<void> {
  await (await RiskPool__factory.connect(riskPool, insurer).depositCapital(amount)).wait();
}

/** The reinsurer puts the treaty in force, once its document (carrying the treaty terms hash) is co-signed. */
export async function activateTreaty(reinsurer: Signer, treaty: string, documentHash: string): Promise<void> {
  await (await ReinsuranceTreaty__factory.connect(treaty, reinsurer).activate(documentHash)).wait();
}

/** The reinsurer posts `amount` of collateral to the treaty (after approving it). */
export async function postTreatyCollateral(reinsurer: Signer, treaty: string, amount: bigint): Promise<void> {
  await (await ReinsuranceTreaty__factory.connect(treaty, reinsurer).postCollateral(amount)).wait();
}
