/**
 * A claim's timeline, from the index alone (no chain reads per request): issued → cover active → data awaited (which
 * feeds, from when) → oracle reports (k received of the n the hub's quorum needs: each oracle, its value, its payload
 * hash, its transaction) → outcome final (value, dispute window end) → paid (amount, transaction; a transfer the
 * stablecoin refused shows as a claimable credit) → ceded (quota share and excess of loss) — or expired, refunded,
 * cancelled, voided, endorsed, with the reason in words.
 *
 * "When" is the chain's clock as far as the index has seen it (`asOf`): a step is `current` once its time has come and
 * `pending` before, so a timeline read from an index that lags says so rather than guessing.
 */
import type { ChainIndex } from '../context.js';
import type {
  IndexedCession,
  IndexedFeed,
  IndexedFeedReport,
  IndexedPolicy,
  IndexedSettlement,
} from '../../indexer/parametric-types.js';
import type { ChainEvent } from '../../indexer/types.js';
import type { Timeline, TimelineStep } from './read-schemas.js';

type State = TimelineStep['state'];

const step = (
  name: TimelineStep['step'],
  state: State,
  at: string | null,
  transactionHash: string | null,
  evidence: Record<string, unknown>,
  reason?: string,
): TimelineStep => ({
  step: name,
  state,
  at,
  transactionHash,
  ...(reason === undefined ? {} : { reason }),
  evidence,
});

const ENDED_BEFORE_SETTLEMENT = new Set(['Cancelled', 'Voided', 'Endorsed']);

/** The timeline of `policy` as the index knows it now. */
export async function buildTimeline(index: ChainIndex, policy: IndexedPolicy): Promise<Timeline> {
  const [feeds, settlements, cessions, events, asOf, hub] = await Promise.all([
    index.policyFeeds(policy.id),
    index.settlements(policy.id),
    index.cessions(policy.id),
    index.policyEvents(policy.id),
    index.headTime(),
    index.hubSettings(),
  ]);
  const reports = await index.feedReports(feeds.map((feed) => feed.feedId));
  const now = asOf === null ? 0 : Date.parse(asOf);
  const steps: TimelineStep[] = [issued(policy, cessions)];
  const endedEarly = ENDED_BEFORE_SETTLEMENT.has(policy.status);
  const ended = endedEarly ? Date.parse(policy.closedAt!) : Number.POSITIVE_INFINITY;

  const coverStart = policy.coverageStart === null ? null : Date.parse(policy.coverageStart);
  const coverState: State =
    coverStart === null || coverStart > ended ? 'skipped' : coverStart <= now ? 'done' : 'pending';
  steps.push(
    step('cover-active', coverState, policy.coverageStart, null, {
      coverStart: policy.coverageStart,
      coverEnd: policy.coverageEnd,
      maxPayout: policy.maxPayout,
    }),
  );

  if (!endedEarly || feeds.some((feed) => feed.outcome !== null || hasReports(reports, feed))) {
    steps.push(...oracleSteps(feeds, reports, now, hub?.quorum ?? null, endedEarly));
  }
  steps.push(...closingSteps(policy, feeds, settlements, cessions, events));
  return { policy: policy.id, status: policy.status, asOf, steps };
}

function issued(policy: IndexedPolicy, cessions: IndexedCession[]): TimelineStep {
  const premiumCeded = cessions.find((cession) => cession.kind === 'premium');
  return step('issued', 'done', policy.issuedAt, policy.transactionHash, {
    documentHash: policy.documentHash,
    termsHash: policy.termsHash,
    premium: policy.premium,
    maxPayout: policy.maxPayout,
    premiumCeded:
      premiumCeded === undefined
        ? null
        : {
            cededPremium: premiumCeded.cededPremium,
            cedingCommission: premiumCeded.cedingCommission,
            transactionHash: premiumCeded.transactionHash,
          },
  });
}

const hasReports = (reports: IndexedFeedReport[], feed: IndexedFeed) =>
  reports.some((report) => report.feedId === feed.feedId);

/** When data on a feed can first exist: a flight's scheduled arrival, a weather day's end. */
function awaitedFrom(feed: IndexedFeed): string | null {
  if (feed.scheduledArrival !== null) return feed.scheduledArrival;
  if (feed.date === null) return null;
  const date = feed.date;
  return new Date(
    Date.UTC(Math.floor(date / 10_000), (Math.floor(date / 100) % 100) - 1, (date % 100) + 1),
  ).toISOString();
}

const isFinal = (feed: IndexedFeed) => feed.state === 'Finalised' || feed.state === 'Resolved';
const isClosed = (feed: IndexedFeed) => isFinal(feed) || feed.state === 'Expired';
const latest = (times: (string | null)[]) =>
  times
    .filter((value): value is string => value !== null)
    .sort()
    .at(-1) ?? null;

function oracleSteps(
  feeds: IndexedFeed[],
  reports: IndexedFeedReport[],
  now: number,
  quorum: number | null,
  endedEarly: boolean,
): TimelineStep[] {
  const firstAwaited =
    feeds
      .map(awaitedFrom)
      .filter((value): value is string => value !== null)
      .sort()[0] ?? null;
  const allClosed = feeds.length > 0 && feeds.every(isClosed);
  const awaitedState: State = allClosed
    ? 'done'
    : endedEarly
      ? 'skipped'
      : firstAwaited !== null && Date.parse(firstAwaited) <= now
        ? 'current'
        : 'pending';
  const awaited = step('data-awaited', awaitedState, firstAwaited, null, {
    feeds: feeds.map((feed) => ({
      feedId: feed.feedId,
      ...describeFeed(feed),
      awaitedFrom: awaitedFrom(feed),
      dataDeadline: feed.dataDeadline,
      state: feed.state,
    })),
  });
  const received = step(
    'oracle-reports',
    reports.length === 0 ? (endedEarly ? 'skipped' : 'pending') : allClosed ? 'done' : 'current',
    latest(reports.map((report) => report.reportedAt)),
    null,
    {
      feeds: feeds.map((feed) => {
        const ofFeed = reports.filter((report) => report.feedId === feed.feedId);
        return {
          feedId: feed.feedId,
          received: ofFeed.length,
          required: quorum,
          reports: ofFeed.map((report) => ({
            oracle: report.oracle,
            status: report.status,
            value: report.value,
            observedAt: report.observedAt,
            payloadHash: report.payloadHash,
            reportedAt: report.reportedAt,
            transactionHash: report.transactionHash,
          })),
        };
      }),
    },
  );
  const final = feeds.length > 0 && feeds.every(isFinal);
  const lastOutcome = feeds
    .filter((feed) => feed.outcome !== null)
    .sort((a, b) => a.outcome!.at.localeCompare(b.outcome!.at))
    .at(-1);
  const outcome = step(
    'outcome-final',
    final ? 'done' : feeds.some((feed) => feed.state === 'Expired') || endedEarly ? 'skipped' : 'pending',
    final ? (lastOutcome?.outcome?.at ?? null) : null,
    final ? (lastOutcome?.outcome?.transactionHash ?? null) : null,
    {
      feeds: feeds.map((feed) => ({
        feedId: feed.feedId,
        state: feed.state,
        outcome: feed.outcome,
        disputedAt: feed.disputedAt,
        expiredAt: feed.expiredAt,
      })),
    },
  );
  return [awaited, received, outcome];
}

function describeFeed(feed: IndexedFeed): Record<string, unknown> {
  if (feed.kind === 'flight') {
    return { flight: `${feed.carrier ?? ''}${feed.flightNumber ?? ''}`, departureDate: feed.departureDate };
  }
  return {
    location: { latitudeE4: feed.latitudeE4, longitudeE4: feed.longitudeE4, stationId: feed.stationId },
    metric: feed.metric,
    date: feed.date,
  };
}

const argsOf = <T>(events: ChainEvent[], name: string): { event: ChainEvent; args: T } | undefined => {
  const event = events.find((candidate) => candidate.name === name);
  return event === undefined ? undefined : { event, args: event.args as T };
};

function closingSteps(
  policy: IndexedPolicy,
  feeds: IndexedFeed[],
  settlements: IndexedSettlement[],
  cessions: IndexedCession[],
  events: ChainEvent[],
): TimelineStep[] {
  const steps: TimelineStep[] = [];
  const parked = argsOf<{ reason: string }>(events, 'PolicyParked');
  if (parked !== undefined) {
    steps.push(
      step(
        'parked',
        'done',
        parked.event.blockTime,
        parked.event.transactionHash,
        { revertData: parked.args.reason },
        'Settling the policy failed; the insurer resolves it by hand',
      ),
    );
  }
  const settled = settlements.at(-1);
  const credited = argsOf<{ amount: string }>(events, 'PaymentCredited');
  const refunded = argsOf<{ refund: string }>(events, 'PremiumRefunded');
  const returned = cessions.find((cession) => cession.kind === 'premium-return');
  switch (policy.status) {
    case 'Paid': {
      steps.push(
        step('paid', 'done', settled!.settledAt, settled!.transactionHash, {
          amount: settled!.payout,
          delivered: credited === undefined,
        }),
      );
      if (credited !== undefined) {
        steps.push(
          step(
            'credited',
            'done',
            credited.event.blockTime,
            credited.event.transactionHash,
            { amount: credited.args.amount, claimable: true, claimWith: 'RiskPool.claimCredit' },
            'The stablecoin refused the transfer to the holder: the pool holds the amount as a credit to claim',
          ),
        );
      }
      const loss = cessions.find((cession) => cession.kind === 'loss');
      steps.push(
        loss === undefined
          ? step('ceded', 'skipped', null, null, {}, 'No treaty took a share of this loss')
          : step('ceded', 'done', loss.cededAt, loss.transactionHash, {
              gross: loss.gross,
              quotaShare: loss.cededQuotaShare,
              excessOfLoss: loss.cededExcessOfLoss,
              net: loss.net,
            }),
      );
      break;
    }
    case 'Expired':
      steps.push(
        step(
          'expired',
          'done',
          settled!.settledAt,
          settled!.transactionHash,
          { payout: '0' },
          'The final outcome triggers no payout under the terms; the premium is earned',
        ),
      );
      break;
    case 'Refunded':
      steps.push(
        step(
          'refunded',
          'done',
          settled?.settledAt ?? refunded?.event.blockTime ?? null,
          settled?.transactionHash ?? refunded?.event.transactionHash ?? null,
          { refund: refunded?.args.refund ?? policy.refund, premiumReturnedByTreaty: returned?.returned ?? null },
          feeds.some((feed) => feed.state === 'Expired')
            ? 'No outcome was reported before the data deadline: the premium is refunded'
            : 'The outcome falls outside the cover: the premium is refunded',
        ),
      );
      break;
    case 'Cancelled': {
      const cancelled = argsOf<{ cancelledBy: string; refund: string }>(events, 'PolicyCancelled')!;
      steps.push(
        step(
          'cancelled',
          'done',
          cancelled.event.blockTime,
          cancelled.event.transactionHash,
          { refund: cancelled.args.refund, premiumReturnedByTreaty: returned?.returned ?? null },
          cancelled.args.cancelledBy === policy.holder
            ? 'Cancelled by the holder before the cover started; refunded as the terms promise'
            : 'Cancelled by the insurer with notice; the whole premium refunded',
        ),
      );
      break;
    }
    case 'Voided': {
      const voided = argsOf<{ reason: string; refund: string }>(events, 'PolicyVoided')!;
      steps.push(
        step(
          'voided',
          'done',
          voided.event.blockTime,
          voided.event.transactionHash,
          { revocationReason: voided.args.reason, refund: voided.args.refund },
          `Voided: its document was revoked (${voided.args.reason})`,
        ),
      );
      break;
    }
    case 'Endorsed': {
      const endorsed = argsOf<{ newPremium: string }>(events, 'PolicyEndorsed')!;
      steps.push(
        step(
          'endorsed',
          'done',
          endorsed.event.blockTime,
          endorsed.event.transactionHash,
          { replacedBy: policy.replacedBy, newPremium: endorsed.args.newPremium },
          `Amended by an endorsement: ${policy.replacedBy ?? 'a new policy'} replaces it`,
        ),
      );
      break;
    }
    default:
      steps.push(step('settlement', 'pending', null, null, { maxPayout: policy.maxPayout }));
  }
  return steps;
}
