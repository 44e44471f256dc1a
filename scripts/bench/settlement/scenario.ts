import type { IFlightDelayProduct } from '../../../types/ethers-contracts/index.js';

/** Six-decimal stablecoin amounts: `usd(20)` is 20 dollars. */
export function usd(dollars: number): bigint {
  return BigInt(Math.round(dollars * 1_000_000));
}

function unixSeconds(iso: string): number {
  return Date.parse(iso) / 1000;
}

const HOUR = 3600;
const DAY = 24 * HOUR;

/** Osaka enforces EIP-7825's per-transaction gas cap, as current Ethereum clients do. */
export const HARDFORK = 'osaka';

/** The block gas limit. */
export const BLOCK_GAS_LIMIT = 30_000_000n;

/** EIP-7825: no transaction may use more gas than this (2^24). Reports and settle calls carry exactly this limit. */
export const TRANSACTION_GAS_CAP = 16_777_216n;

/** The simulated chain starts at a fixed date; setup blocks follow one second apart, so every run is the same. */
export const GENESIS_DATE = new Date('2026-03-02T00:00:00Z');

/** Policies insured on each of the two flights. */
export const POLICIES_PER_FLIGHT = 1_000;

/** The product is deployed with this batch size, then raised to `SETTLEMENT_BATCH_SIZE` under dual control. */
export const DEPLOYED_BATCH_SIZE = 100;

/**
 * The count cap of one settlement transaction (`settlementBatchSize`), set under dual control: high enough that the
 * product's settlement gas budget, not the count, sizes each batch.
 */
export const SETTLEMENT_BATCH_SIZE = 1_000;

/** Most settlement transactions the benchmark sends for one flight before it gives up. */
export const MAX_SETTLEMENT_TRANSACTIONS = 12;

/** Independent oracles, as the default deployment runs them: one faulty or silent node is tolerated. */
export const ORACLE_COUNT = 4;

/** Oracle hub settings: three of the four oracles agree, and an outcome pays at once (no dispute window). */
export const HUB_SETTINGS = { quorum: 3, freshnessWindow: 6 * HOUR, disputeWindow: 0, resolutionPeriod: 7 * DAY };

/** Flight product settings: three days for data after cover ends; oracles agree within 5 minutes. */
export const FLIGHT_FEED_SETTINGS = { dataGracePeriod: 3 * DAY, delayToleranceMinutes: 5 };

/** Most exposure one flight may carry: room for every policy's 250 dollars. */
export const ACCUMULATION_CAP = usd(300_000);

/** Insurer capital in the pool and reinsurer collateral in the treaty. */
export const POOL_CAPITAL = usd(500_000);
export const TREATY_COLLATERAL = usd(100_000);

/**
 * Quota share of 30 % (20 % ceding commission) and per-event excess of loss above 100,000 dollars of retained loss,
 * up to 20,000: the delayed flight's retained loss (126,000) crosses the attachment, so both layers cede.
 */
export const TREATY_SHARES = {
  quotaShareBps: 3_000,
  cedingCommissionBps: 2_000,
  excessOfLossAttachment: usd(100_000),
  excessOfLossLimit: usd(20_000),
  excessOfLossAggregateLimit: usd(40_000),
};

/** Every policy's money terms. */
export const POLICY_MONEY = {
  premium: usd(20),
  delayTierPayouts: [usd(50), usd(100), usd(200)],
  cancellationPayout: usd(250),
  diversionPayout: usd(150),
  sumInsured: usd(250),
  cancellationRefundBps: 9_000,
};

/** Tiers of most policies (15, 30, 45 minutes) and of every tenth, which only pays from 90 minutes. */
const PAYING_TIERS = [15, 30, 45];
const LATE_TIERS = [90, 120, 180];

/** Every tenth policy has the late tiers, so "most policies pay" on the delayed flight: 9 in 10. */
export function paysOnDelay(policyIndex: number): boolean {
  return policyIndex % 10 !== 9;
}

/** A flight the benchmark insures, and what its oracles report. */
export interface BenchFlight {
  name: string;
  carrier: string;
  flightNumber: string;
  departureDate: number;
  scheduledDeparture: number;
  scheduledArrival: number;
  coverageStart: number;
  coverageEnd: number;
  /** Arrival delays in minutes reported by the first, the second and the third (quorum-completing) oracle. */
  reportedDelays: readonly [number, number, number];
}

/** Lands 50 minutes late (52, 50 and 50 reported; their median, 50, reaches the 45-minute tier: 200 dollars). */
export const DELAYED_FLIGHT: BenchFlight = {
  name: 'delayed flight',
  carrier: 'BA',
  flightNumber: '196',
  departureDate: 20260303,
  scheduledDeparture: unixSeconds('2026-03-03T09:00:00Z'),
  scheduledArrival: unixSeconds('2026-03-03T14:00:00Z'),
  coverageStart: unixSeconds('2026-03-03T08:00:00Z'),
  coverageEnd: unixSeconds('2026-03-03T20:00:00Z'),
  reportedDelays: [52, 50, 50],
};

/** Lands early (1, 3 and 2 minutes early reported): every policy expires with payout 0. */
export const ON_TIME_FLIGHT: BenchFlight = {
  name: 'on-time flight',
  carrier: 'LH',
  flightNumber: '903',
  departureDate: 20260303,
  scheduledDeparture: unixSeconds('2026-03-03T08:00:00Z'),
  scheduledArrival: unixSeconds('2026-03-03T12:00:00Z'),
  coverageStart: unixSeconds('2026-03-03T07:00:00Z'),
  coverageEnd: unixSeconds('2026-03-03T18:00:00Z'),
  reportedDelays: [-1, -3, -2],
};

/** Co-signatures collected during setup stay valid until then (a constant, so calldata never varies). */
export const CO_SIGNATURE_DEADLINE = unixSeconds('2026-03-03T06:00:00Z');

/** The measured oracle reports and settlements run from here on, one block every 12 seconds. */
export const MEASUREMENT_START = unixSeconds('2026-03-03T15:00:00Z');

/** Oracles observe the outcome this long before their report lands. */
export const OBSERVATION_LEAD_SECONDS = 60;

/** The terms of policy `policyIndex` on `flight`, held by `policyholder`. */
export function flightDelayTerms(
  flight: BenchFlight,
  policyholder: string,
  policyIndex: number,
): IFlightDelayProduct.FlightDelayTermsStruct {
  return {
    policyholder,
    carrier: flight.carrier,
    flightNumber: flight.flightNumber,
    departureDate: flight.departureDate,
    scheduledDeparture: flight.scheduledDeparture,
    scheduledArrival: flight.scheduledArrival,
    coverageStart: flight.coverageStart,
    coverageEnd: flight.coverageEnd,
    delayTierMinutes: paysOnDelay(policyIndex) ? PAYING_TIERS : LATE_TIERS,
    delayTierPayouts: POLICY_MONEY.delayTierPayouts,
    cancellationPayout: POLICY_MONEY.cancellationPayout,
    diversionPayout: POLICY_MONEY.diversionPayout,
    sumInsured: POLICY_MONEY.sumInsured,
    premium: POLICY_MONEY.premium,
    cancellationRefundBps: POLICY_MONEY.cancellationRefundBps,
  };
}
