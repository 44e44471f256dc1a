/**
 * Reads of the parametric contracts' views that their events do not carry: a policy's cover window (the index adds it
 * to `PolicyIssued`), who a pool and a treaty belong to (who may read which policies), and a pool's current money
 * (capital, caps and reinsurance capacity for the insurer's book).
 */
import type { Provider } from 'ethers';
import {
  FlightDelayProduct__factory,
  ReinsuranceTreaty__factory,
  RiskPool__factory,
} from '../../types/ethers-contracts/index.js';

/** The parts of `IParametricProduct.Policy` that never change after issue. */
export interface PolicyCoverRecord {
  /** Unix seconds. */
  coverageStart: number;
  coverageEnd: number;
  cancellationRefundBps: number;
}

/**
 * The cover window and cancellation refund of `policyId` on `product` (either product: both share
 * `IParametricProduct.getPolicy`). Read at the latest block: these fields are fixed at issue, so a node without
 * history answers the same.
 */
export async function readPolicyCover(
  provider: Provider,
  product: string,
  policyId: bigint,
): Promise<PolicyCoverRecord> {
  const policy = await FlightDelayProduct__factory.connect(product, provider).getPolicy(policyId);
  return {
    coverageStart: Number(policy.coverageStart),
    coverageEnd: Number(policy.coverageEnd),
    cancellationRefundBps: Number(policy.cancellationRefundBps),
  };
}

/** The pool's insurer and its treaty (null when none is attached). */
export async function readPoolOwnership(
  provider: Provider,
  riskPool: string,
): Promise<{ insurer: string; treaty: string | null }> {
  const pool = RiskPool__factory.connect(riskPool, provider);
  const [insurer, treaty] = await Promise.all([pool.insurer(), pool.treaty()]);
  return { insurer, treaty: /^0x0{40}$/i.test(treaty) ? null : treaty };
}

/** The treaty's parties and pool, from its terms. */
export async function readTreatyParties(
  provider: Provider,
  treaty: string,
): Promise<{ insurer: string; reinsurer: string; pool: string }> {
  const terms = await ReinsuranceTreaty__factory.connect(treaty, provider).terms();
  return { insurer: terms.insurer, reinsurer: terms.reinsurer, pool: terms.pool };
}

/** A pool's money now, in the stablecoin's smallest unit. */
export interface PoolPosition {
  /** Capital and premiums the pool holds, credits owed to holders left out. */
  assets: bigint;
  totalLocked: bigint;
  premiumReserve: bigint;
  accumulationCap: bigint;
  /** What the attached treaty can add to solvency now. */
  reinsuranceCapacity: bigint;
  totalCredits: bigint;
}

export async function readPoolPosition(provider: Provider, riskPool: string): Promise<PoolPosition> {
  const pool = RiskPool__factory.connect(riskPool, provider);
  const [assets, totalLocked, premiumReserve, accumulationCap, reinsuranceCapacity, totalCredits] = await Promise.all([
    pool.assets(),
    pool.totalLocked(),
    pool.premiumReserve(),
    pool.accumulationCap(),
    pool.reinsuranceCapacity(),
    pool.totalCredits(),
  ]);
  return { assets, totalLocked, premiumReserve, accumulationCap, reinsuranceCapacity, totalCredits };
}
