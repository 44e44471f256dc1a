/**
 * Selling a policy and following its claim, as the parties do it through the API: the insurer defines an offer and
 * proposes a policy (the API renders the wording and anchors it), the client co-signs the terms and pays the premium
 * (in the embedded stack with `signWithHostedKey`, the API holding the demo client's development key), and the client
 * follows the claim's timeline until the payout and the reinsurer's cession.
 */
import { isProblem } from './api.js';
import type { ClockMove } from './clock.js';
import { until, type DemoContext } from './context.js';
import type { DemoPart } from './narrate.js';

/** How long a sale's anchor or a settlement may take before the demo gives up (the nodes poll every 15 s). */
const SALE_TIMEOUT_MS = 120_000;
export const SETTLEMENT_TIMEOUT_MS = 180_000;

export interface TimelineStep {
  step: string;
  state: string;
  at?: string | null;
  transactionHash: string | null;
  evidence: Record<string, unknown>;
}

export interface Timeline {
  status: string;
  asOf?: string;
  steps: TimelineStep[];
}

interface ProposalAnswer {
  proposal: { documentHash: string; policyRef: string; premium: string; status: string; policyId: string | null };
}

interface ConsentAnswer {
  policy: { id: string; premium: string; maxPayout: string; transactionHash: string; blockNumber: number };
}

interface DocumentAnswer {
  anchor: { transactionHash: string | null; blockNumber: number | null } | null;
}

export interface SoldPolicy {
  policyId: string;
  policyRef: string;
  documentHash: string;
  premium: string;
  maxPayout: string;
}

/** The amount in plUSD (6 decimals) for reading, e.g. "150.00 plUSD". */
export function plusd(baseUnits: string | bigint): string {
  const value = BigInt(baseUnits);
  const cents = (value + 5_000n) / 10_000n;
  return `${(cents / 100n).toLocaleString('en-US')}.${String(cents % 100n).padStart(2, '0')} plUSD`;
}

/** Defines an offer as the insurer (once per run). */
export function defineOffer(ctx: DemoContext, part: DemoPart, offer: Record<string, unknown>): Promise<string> {
  return ctx.step(part, 'offer', async () => {
    const stored = await ctx.api.insurer.call<{ id: string; offer: { name: string } }>('POST', '/v1/offers', {
      body: offer,
      idempotencyKey: ctx.key(part, 'offer'),
    });
    return { result: stored.id, what: `The insurer defines the offer "${stored.offer.name}" (${stored.id})` };
  });
}

/**
 * The insurer proposes a policy on `offerId` to the client: the API renders the wording, registers it (the client a
 * reader and required signer) and anchors it with the terms hash.
 */
export function proposePolicy(
  ctx: DemoContext,
  part: DemoPart,
  request: { offerId: string } & Record<string, unknown>,
): Promise<ProposalAnswer['proposal']> {
  return ctx.step(part, 'proposal', async () => {
    const { proposal } = await ctx.api.insurer.call<ProposalAnswer>('POST', '/v1/policies', {
      body: { ...request, client: ctx.stack.parties.client.address },
      idempotencyKey: ctx.key(part, 'proposal'),
    });
    // A wording not mined within the API's confirm timeout is answered 202: its anchor shows once it is mined.
    const document = await until(
      `the wording ${proposal.documentHash} anchored`,
      async () => {
        const answer = await ctx.api.insurer.call<DocumentAnswer>('GET', `/v1/documents/${proposal.documentHash}`);
        return answer.anchor?.transactionHash == null ? undefined : answer;
      },
      SALE_TIMEOUT_MS,
    );
    return {
      result: proposal,
      what:
        `The insurer proposes policy ${proposal.policyRef}: its wording is rendered, encrypted for insurer and ` +
        `client, and anchored with its terms hash (document ${proposal.documentHash})`,
      transactionHash: document.anchor!.transactionHash,
      blockNumber: document.anchor!.blockNumber,
      data: { documentHash: proposal.documentHash, policyRef: proposal.policyRef, premium: proposal.premium },
    };
  });
}

/**
 * The client co-signs the terms and pays the premium; the API relays both with the insurer's key and issues the
 * policy. Repeated after a crash, the consent finds the proposal issued (409) and reads the policy it became.
 */
export function consentAsClient(
  ctx: DemoContext,
  part: DemoPart,
  proposal: ProposalAnswer['proposal'],
): Promise<SoldPolicy> {
  return ctx.step(part, 'consent', async () => {
    const href = `/v1/policy-proposals/${proposal.documentHash}/consent`;
    let policy: ConsentAnswer['policy'];
    for (const started = Date.now(); ;) {
      try {
        ({ policy } = await ctx.api.client.call<ConsentAnswer>('POST', href, {
          body: { signWithHostedKey: true },
          idempotencyKey: ctx.key(part, 'consent'),
        }));
        break;
      } catch (error) {
        if (isProblem(error, 'PROPOSAL_ALREADY_ISSUED')) {
          policy = await issuedPolicy(ctx, String(error.details.policyId));
          break;
        }
        const retry = isProblem(error, 'PROPOSAL_NOT_ANCHORED') || isProblem(error, 'CONSENT_IN_PROGRESS');
        if (!retry || Date.now() - started > SALE_TIMEOUT_MS) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    return {
      result: {
        policyId: policy.id,
        policyRef: proposal.policyRef,
        documentHash: proposal.documentHash,
        premium: policy.premium,
        maxPayout: policy.maxPayout,
      },
      what:
        `The client co-signs the terms and pays the ${plusd(policy.premium)} premium; policy ${policy.id} is ` +
        `issued (pays up to ${plusd(policy.maxPayout)})`,
      transactionHash: policy.transactionHash,
      blockNumber: policy.blockNumber,
      data: { policyId: policy.id, premium: policy.premium, maxPayout: policy.maxPayout },
    };
  });
}

/** A policy as the index shows it, waiting for the index to reach its issue. */
async function issuedPolicy(ctx: DemoContext, policyId: string): Promise<ConsentAnswer['policy']> {
  return until(
    `policy ${policyId} in the index`,
    async () => {
      try {
        const policy = await ctx.api.client.call<{
          id: string;
          premium: string;
          maxPayout: string;
          issue?: { transactionHash: string; blockNumber: number };
        }>('GET', `/v1/policies/${policyId}`);
        return {
          id: policy.id,
          premium: policy.premium,
          maxPayout: policy.maxPayout,
          transactionHash: policy.issue?.transactionHash ?? '',
          blockNumber: policy.issue?.blockNumber ?? 0,
        };
      } catch (error) {
        if (isProblem(error, 'POLICY_NOT_FOUND')) return undefined;
        throw error;
      }
    },
    SALE_TIMEOUT_MS,
  );
}

/** The policy's claim timeline, as its holder reads it. */
export function timelineOf(ctx: DemoContext, policyId: string): Promise<Timeline> {
  return ctx.api.client.call<Timeline>('GET', `/v1/policies/${policyId}/timeline`);
}

/** The step `name` of `timeline` when it is done. */
export function doneStep(timeline: Timeline, name: string): TimelineStep | undefined {
  return timeline.steps.find((step) => step.step === name && step.state === 'done');
}

/** Waits until the timeline's step `name` is done, polling every 250 ms; answers the timeline and the moment seen. */
export async function awaitTimelineStep(
  ctx: DemoContext,
  policyId: string,
  name: string,
  timeoutMs = SETTLEMENT_TIMEOUT_MS,
): Promise<{ timeline: Timeline; step: TimelineStep; seenAt: number }> {
  return until(
    `${policyId}: step "${name}"`,
    async () => {
      // The index may not have reached the policy's issue yet.
      const timeline = await timelineOf(ctx, policyId).catch((error: unknown) => {
        if (isProblem(error, 'POLICY_NOT_FOUND')) return undefined;
        throw error;
      });
      const step = timeline === undefined ? undefined : doneStep(timeline, name);
      return step === undefined ? undefined : { timeline: timeline!, step, seenAt: Date.now() };
    },
    timeoutMs,
  );
}

/** The ledger time as ISO-8601. */
const iso = (unixSeconds: number) => new Date(unixSeconds * 1_000).toISOString();

/**
 * Moves the ledger's clock to `target` (the moment the outcome becomes available) as step `name`. Unlike other steps
 * it is checked again on a resumed run: a crash of the chain may have lost the block that moved the clock.
 */
export async function moveClock(
  ctx: DemoContext,
  part: DemoPart,
  name: string,
  target: number,
  what: string,
): Promise<{ move: ClockMove; resumed: boolean }> {
  const key = `${part}/${name}`;
  const resumed = ctx.journal.get(key) !== undefined && (await ctx.clock.now()) >= target;
  // The clock went back with the chain's last blocks: the move, and what followed it, are done again.
  if (!resumed) ctx.journal.forgetFrom(key);
  const move = await ctx.step(part, name, async () => {
    const moved = await ctx.clock.advanceTo(target);
    return {
      result: moved,
      what: `${what}: the ledger's clock moves ${(moved.movedSeconds / 3_600).toFixed(1)} h forward to ${iso(moved.blockTime)}`,
      blockNumber: moved.blockNumber,
      data: { blockHash: moved.blockHash, blockTime: iso(moved.blockTime), movedSeconds: moved.movedSeconds },
    };
  });
  return { move, resumed };
}

/** What a settled claim shows: the payout and the cession, and the wall time from data available to paid. */
export interface SettledClaim {
  payout: string;
  quotaShare: string;
  excessOfLoss: string;
  /** The final value of each of the policy's feeds (minutes late, hundredths of a mm, …). */
  outcomes: (string | null)[];
  /** Seconds from the clock move that made the data available to the payout seen; null when a crash came between. */
  dataToPaidSeconds: number | null;
  paidTransactionHash: string | null;
}

/**
 * Follows the claim of `policyId` after `reveal` made its data available: the oracle nodes' reports, the final
 * outcome (moving the clock past a dispute window if the hub has one), the payout and the reinsurer's share.
 */
export async function followClaim(
  ctx: DemoContext,
  part: DemoPart,
  policyId: string,
  reveal: { move: ClockMove; resumed: boolean },
): Promise<SettledClaim> {
  await ctx.step(part, 'oracle-reports', async () => {
    const { step } = await awaitTimelineStep(ctx, policyId, 'oracle-reports');
    const feeds = step.evidence.feeds as {
      feedId: string;
      reports: { oracle: string; value: string; transactionHash: string }[];
    }[];
    const values = feeds.map((feed) => feed.reports.map((report) => report.value).join(', ')).join(' / ');
    const last = feeds.flatMap((feed) => feed.reports).at(-1);
    return {
      result: null,
      what: `The oracle nodes read the recorded outcome from the replay server and report it (values ${values})`,
      transactionHash: last?.transactionHash ?? null,
      data: { feeds },
    };
  });
  const outcomes = await ctx.step(part, 'outcome-final', async () => {
    const { step } = await awaitTimelineStep(ctx, policyId, 'outcome-final');
    const feeds = step.evidence.feeds as { outcome: { value: string; disputeWindowEndsAt: string | null } | null }[];
    const windowEnds = Math.max(
      0,
      ...feeds.map((feed) => Date.parse(feed.outcome?.disputeWindowEndsAt ?? '1970-01-01T00:00:00Z') / 1_000),
    );
    const waited = windowEnds > (await ctx.clock.now()) ? await ctx.clock.advanceTo(windowEnds + 1) : null;
    return {
      result: feeds.map((feed) => feed.outcome?.value ?? null),
      what:
        `A quorum agrees: the feed finalises (outcome ${feeds.map((feed) => feed.outcome?.value).join(', ')})` +
        (waited === null ? ', with no dispute window to wait for' : `; the clock moves past the dispute window`),
      transactionHash: step.transactionHash,
      data: { feeds },
    };
  });
  const paid = await ctx.step(part, 'paid', async () => {
    const { step, seenAt } = await awaitTimelineStep(ctx, policyId, 'paid');
    const amount = String(step.evidence.amount);
    const dataToPaidSeconds = reveal.resumed ? null : (seenAt - reveal.move.minedAt) / 1_000;
    return {
      result: { amount, dataToPaidSeconds, transactionHash: step.transactionHash },
      what: `The risk pool pays the client ${plusd(amount)} (PolicySettled)`,
      transactionHash: step.transactionHash,
      data: { amount, dataToPaidSeconds },
    };
  });
  const ceded = await ctx.step(part, 'ceded', async () => {
    const { step } = await awaitTimelineStep(ctx, policyId, 'ceded');
    const evidence = step.evidence as { gross: string; quotaShare: string; excessOfLoss: string; net: string };
    return {
      result: evidence,
      what:
        `The treaty cedes the loss: the reinsurer bears ${plusd(evidence.quotaShare)} quota share and ` +
        `${plusd(evidence.excessOfLoss)} excess of loss; the insurer keeps ${plusd(evidence.net)}`,
      transactionHash: step.transactionHash,
      data: evidence,
    };
  });
  return {
    outcomes,
    payout: paid.amount,
    quotaShare: ceded.quotaShare,
    excessOfLoss: ceded.excessOfLoss,
    dataToPaidSeconds: paid.dataToPaidSeconds,
    paidTransactionHash: paid.transactionHash,
  };
}
