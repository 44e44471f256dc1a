/**
 * An insurer's book of one pool, as JSON: capital moved in and out, exposure locked by open policies (by flight and by
 * location, against the accumulation cap), premiums written, reserved and refunded, losses paid, credits owed,
 * recoveries from the treaty, and solvency headroom. Everything the events tell is folded from the index; what only
 * the contracts know now (assets, caps, the treaty's capacity) is read from the pool, and the index's own locked total
 * is answered beside the pool's so that a reader sees they agree.
 */
import type { ChainIndex } from '../context.js';
import type { IndexedFeed, IndexedPolicy } from '../../indexer/parametric-types.js';
import type { PoolPosition } from '../../ledger/policy-views.js';

const OPEN = new Set(['Issued', 'Parked']);

const sum = (values: (string | null | undefined)[]) =>
  values.reduce<bigint>((total, value) => total + (value === null || value === undefined ? 0n : BigInt(value)), 0n);

interface Exposure {
  accumulationKey: string;
  locked: bigint;
  premiums: bigint;
  policies: number;
  /** The open policies' cover windows, as yyyymmdd dates (a weather day's feed is named by its date). */
  windows: [number, number][];
}

const dateOf = (isoTime: string | null) => (isoTime === null ? 0 : Number(isoTime.slice(0, 10).replaceAll('-', '')));

export interface BookInput {
  pool: string;
  insurer: string;
  position: PoolPosition;
  asOf: string | null;
}

export async function buildBook(index: ChainIndex, input: BookInput): Promise<Record<string, unknown>> {
  const [policies, settlements, cessions, moves] = await Promise.all([
    index.allPolicies(),
    index.settlements(),
    index.cessions(),
    index.eventsNamed(['CapitalDeposited', 'CapitalWithdrawn', 'CreditClaimed']),
  ]);
  const open = policies.filter((policy) => OPEN.has(policy.status));
  const exposures = exposureByKey(open);
  const feeds = await index.feedsByAccumulationKey([...exposures.keys()]);
  const { position } = input;
  const amountsOf = (name: string) =>
    moves.filter((event) => event.name === name).map((event) => (event.args as { amount: string }).amount);
  const paid = settlements.filter((settlement) => settlement.status === 'Paid');
  const losses = cessions.filter((cession) => cession.kind === 'loss');
  const premiumsCeded = cessions.filter((cession) => cession.kind === 'premium');
  const lockedByIndex = sum(open.map((policy) => policy.maxPayout));
  const resources = position.assets + position.reinsuranceCapacity;
  const liabilities = position.totalLocked + position.premiumReserve;
  const cap = position.accumulationCap;
  const describe = (exposure: Exposure) => ({
    accumulationKey: exposure.accumulationKey,
    locked: exposure.locked.toString(),
    premiums: exposure.premiums.toString(),
    policies: exposure.policies,
    cap: cap.toString(),
    headroomUnderCap: (cap - exposure.locked).toString(),
    utilisationBps: cap === 0n ? null : Number((exposure.locked * 10_000n) / cap),
  });
  const byFlight: Record<string, unknown>[] = [];
  const byLocation: Record<string, unknown>[] = [];
  for (const exposure of exposures.values()) {
    const flight = feeds.find((feed) => feed.kind === 'flight' && feed.feedId === exposure.accumulationKey);
    if (flight !== undefined) {
      byFlight.push({ ...describe(exposure), ...flightOf(flight) });
      continue;
    }
    const days = feeds.filter(
      (feed) =>
        feed.locationKey === exposure.accumulationKey &&
        exposure.windows.some(([first, last]) => feed.date !== null && feed.date >= first && feed.date <= last),
    );
    byLocation.push({ ...describe(exposure), ...locationOf(days) });
  }
  return {
    pool: input.pool,
    insurer: input.insurer,
    asOf: input.asOf,
    capital: {
      assets: position.assets.toString(),
      deposited: sum(amountsOf('CapitalDeposited')).toString(),
      withdrawn: sum(amountsOf('CapitalWithdrawn')).toString(),
    },
    exposure: {
      locked: position.totalLocked.toString(),
      lockedByIndex: lockedByIndex.toString(),
      openPolicies: open.length,
      byFlight,
      byLocation,
    },
    premiums: {
      written: sum(policies.map((policy) => policy.premium)).toString(),
      reserved: position.premiumReserve.toString(),
      reservedByIndex: sum(open.map((policy) => policy.premium)).toString(),
      refunded: sum(policies.map((policy) => policy.refund)).toString(),
      ceded: sum(premiumsCeded.map((cession) => cession.cededPremium)).toString(),
      cedingCommission: sum(premiumsCeded.map((cession) => cession.cedingCommission)).toString(),
    },
    losses: {
      paid: sum(paid.map((settlement) => settlement.payout)).toString(),
      paidPolicies: paid.length,
      credited: sum(policies.map((policy) => policy.credited)).toString(),
      creditsClaimed: sum(amountsOf('CreditClaimed')).toString(),
      creditsOutstanding: position.totalCredits.toString(),
    },
    recoveries: {
      quotaShare: sum(losses.map((cession) => cession.cededQuotaShare)).toString(),
      excessOfLoss: sum(losses.map((cession) => cession.cededExcessOfLoss)).toString(),
      total: sum(losses.flatMap((cession) => [cession.cededQuotaShare, cession.cededExcessOfLoss])).toString(),
    },
    solvency: {
      assets: position.assets.toString(),
      reinsuranceCapacity: position.reinsuranceCapacity.toString(),
      liabilities: liabilities.toString(),
      headroom: (resources - liabilities).toString(),
    },
    accumulation: {
      cap: cap.toString(),
      largest:
        [...exposures.values()].sort((a, b) => (b.locked > a.locked ? 1 : b.locked < a.locked ? -1 : 0))[0]
          ?.accumulationKey ?? null,
    },
  };
}

function exposureByKey(open: IndexedPolicy[]): Map<string, Exposure> {
  const exposures = new Map<string, Exposure>();
  for (const policy of open) {
    const exposure = exposures.get(policy.accumulationKey) ?? {
      accumulationKey: policy.accumulationKey,
      locked: 0n,
      premiums: 0n,
      policies: 0,
      windows: [],
    };
    exposure.locked += BigInt(policy.maxPayout);
    exposure.premiums += BigInt(policy.premium);
    exposure.policies += 1;
    exposure.windows.push([dateOf(policy.coverageStart), dateOf(policy.coverageEnd)]);
    exposures.set(policy.accumulationKey, exposure);
  }
  return exposures;
}

function flightOf(feed: IndexedFeed): Record<string, unknown> {
  return {
    flight: `${feed.carrier ?? ''}${feed.flightNumber ?? ''}`,
    departureDate: feed.departureDate,
    scheduledArrival: feed.scheduledArrival,
  };
}

function locationOf(days: IndexedFeed[]): Record<string, unknown> {
  const [first] = days;
  return {
    location:
      first === undefined
        ? null
        : { latitudeE4: first.latitudeE4, longitudeE4: first.longitudeE4, stationId: first.stationId },
    metric: first?.metric ?? null,
    dates: days.map((day) => day.date),
  };
}
