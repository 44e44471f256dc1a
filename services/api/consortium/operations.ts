/**
 * The oracle hub's operations and the wiring consents, as use cases: feeds read from the chain; a dispute, a manual
 * resolution and an oracle rotation proposed under dual control (each call checked first as the consortium contract
 * would make it now, so that a proposal the chain would refuse is never made); an expiry and a consent sent by the
 * acting party (see `dispatch.ts`).
 */
import type { Caller } from '../auth/caller.js';
import type { ApiContext } from '../context.js';
import { AppError } from '../errors.js';
import { readWiringConsents, wiringConsentRequest, type WiringConsents } from '../../ledger/consortium-consents.js';
import {
  disputeFeedCall,
  expireFeedRequest,
  readFeed,
  readFeeds,
  registeredFeedIds,
  resolveFeedCall,
  type FeedPhase,
  type FeedRecord,
} from '../../ledger/consortium-feeds.js';
import { oracleRoleCall, oracleSet } from '../../ledger/consortium-oracles.js';
import type { CallRequest } from '../../ledger/consortium-transactions.js';
import { simulateProposedCall } from '../../ledger/governance.js';
import type { ObservationStatusName } from '../../shared/eip712.js';
import { withConsortiumProblems } from './decode.js';
import { sendOrPrepareCall, type SentAction, type UnsignedAction } from './dispatch.js';
import { propose, type ProposalActionResult } from './proposals.js';

const iso = (seconds: number | null) => (seconds === null ? null : new Date(seconds * 1000).toISOString());

/** A feed as answered: amounts and values as decimal strings, times ISO-8601 UTC. */
export function feedView(feed: FeedRecord) {
  return {
    feedId: feed.feedId,
    href: `/v1/feeds/${feed.feedId}`,
    state: feed.phase,
    consumers: feed.consumers,
    dataDeadline: iso(feed.dataDeadline),
    tolerance: feed.tolerance.toString(),
    outcome:
      feed.outcome === null
        ? null
        : { status: feed.outcome.status, value: feed.outcome.value.toString(), at: iso(feed.outcome.finalisedAt) },
    disputeWindowEndsAt: iso(feed.disputeWindowEndsAt),
    disputedAt: iso(feed.disputedAt),
    expirableAfter: iso(feed.expirableAfter),
    reports: feed.reports.map((report) => ({
      oracle: report.oracle,
      status: report.status,
      value: report.value.toString(),
      observedAt: iso(report.observedAt),
      payloadHash: report.payloadHash,
    })),
  };
}
export type FeedView = ReturnType<typeof feedView>;

/** Every feed the hub registered, in `state` when given, oldest registration first. */
export async function listFeedViews(ctx: ApiContext, state?: FeedPhase): Promise<FeedView[]> {
  const feeds = await readFeeds(ctx.ledger, await registeredFeedIds(ctx.ledger));
  return feeds.filter((feed) => state === undefined || feed.phase === state).map(feedView);
}

async function requireFeed(ctx: ApiContext, feedId: string): Promise<FeedRecord> {
  const feed = await readFeed(ctx.ledger, feedId);
  if (feed === null) {
    throw new AppError(404, 'FEED_NOT_FOUND', `The oracle hub has no feed ${feedId}`, { details: { feedId } });
  }
  return feed;
}

export async function readFeedView(ctx: ApiContext, feedId: string): Promise<FeedView> {
  return feedView(await requireFeed(ctx, feedId));
}

/** Checks `call` as the consortium would make it now, then proposes it as the caller. */
async function proposeChecked(
  ctx: ApiContext,
  caller: Caller,
  call: CallRequest,
  action: string,
): Promise<ProposalActionResult> {
  await withConsortiumProblems(() => simulateProposedCall(ctx.ledger, call, action));
  return propose(ctx, caller, { target: call.to, data: call.data });
}

/** Proposes setting `feedId`'s finalised outcome aside (within its dispute window). */
export async function proposeFeedDispute(ctx: ApiContext, caller: Caller, feedId: string) {
  await requireFeed(ctx, feedId);
  return proposeChecked(ctx, caller, disputeFeedCall(ctx.ledger.deployment, feedId), 'dispute');
}

/** Proposes resolving `feedId` by hand: a disputed feed, or an open one past its data deadline. */
export async function proposeFeedResolution(
  ctx: ApiContext,
  caller: Caller,
  feedId: string,
  outcome: { status: ObservationStatusName; value: bigint },
) {
  await requireFeed(ctx, feedId);
  return proposeChecked(ctx, caller, resolveFeedCall(ctx.ledger.deployment, feedId, outcome), 'resolve');
}

/** Expires `feedId` (past its resolution period without outcome), so that its consumers refund their policies. */
export async function expireFeed(
  ctx: ApiContext,
  caller: Caller,
  feedId: string,
): Promise<SentAction | UnsignedAction> {
  await requireFeed(ctx, feedId);
  return sendOrPrepareCall(ctx, caller, 'expire', expireFeedRequest(ctx.ledger.deployment, feedId));
}

/**
 * Proposes rotating an oracle: the ORACLE role granted to `appoint` and revoked from `retire` (either may be given
 * alone), one proposal each, granting first. Refused when the hub's quorum could no longer be reached.
 */
export async function proposeOracleRotation(
  ctx: ApiContext,
  caller: Caller,
  change: { retire?: string | undefined; appoint?: string | undefined },
): Promise<ProposalActionResult[]> {
  const { active, quorum } = await oracleSet(ctx.ledger);
  if (change.appoint !== undefined && active.includes(change.appoint)) {
    throw new AppError(409, 'ALREADY_ORACLE', `${change.appoint} is already an active oracle`, {
      details: { appoint: change.appoint },
    });
  }
  if (change.retire !== undefined && !active.includes(change.retire)) {
    throw new AppError(409, 'NOT_AN_ORACLE', `${change.retire} is not an active oracle`, {
      details: { retire: change.retire },
    });
  }
  const remaining = active.length - (change.retire === undefined ? 0 : 1) + (change.appoint === undefined ? 0 : 1);
  if (remaining < quorum) {
    throw new AppError(
      409,
      'ORACLE_QUORUM_UNREACHABLE',
      `${remaining} active oracles could not reach quorum ${quorum}`,
      {
        details: { activeOracles: active.length, remaining, quorum },
      },
    );
  }
  const calls: [CallRequest, string][] = [];
  if (change.appoint !== undefined)
    calls.push([oracleRoleCall(ctx.ledger.deployment, 'grant', change.appoint), 'grantRole']);
  if (change.retire !== undefined)
    calls.push([oracleRoleCall(ctx.ledger.deployment, 'revoke', change.retire), 'revokeRole']);
  for (const [call, action] of calls)
    await withConsortiumProblems(() => simulateProposedCall(ctx.ledger, call, action));
  const results: ProposalActionResult[] = [];
  for (const [call] of calls) results.push(await propose(ctx, caller, { target: call.to, data: call.data }));
  return results;
}

/** The consents wiring `target` into `riskPool` needs, or 404 POOL_NOT_FOUND when `riskPool` is no risk pool. */
export async function readConsents(ctx: ApiContext, riskPool: string, target: string): Promise<WiringConsents> {
  try {
    return await readWiringConsents(ctx.ledger, riskPool, target);
  } catch (error) {
    throw new AppError(404, 'POOL_NOT_FOUND', `${riskPool} is not a PolicyLedger risk pool`, {
      cause: error,
      details: { riskPool },
    });
  }
}

/** Gives (or withdraws) the caller's consent to wiring `target` into `riskPool`; answers the consents after. */
export async function giveWiringConsent(
  ctx: ApiContext,
  caller: Caller,
  riskPool: string,
  change: { target: string; consented: boolean },
): Promise<(SentAction | UnsignedAction) & { consents: WiringConsents }> {
  await readConsents(ctx, riskPool, change.target);
  const request = wiringConsentRequest(riskPool, change.target, change.consented);
  const sent = await sendOrPrepareCall(ctx, caller, 'consentToWiring', request);
  return { ...sent, consents: await readConsents(ctx, riskPool, change.target) };
}
