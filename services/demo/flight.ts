/**
 * The flight delay part: the insurer sells cover on a flight of the replay catalogue whose recorded outcome is a
 * delay or a cancellation, re-dated after the ledger's current time; the clock moves past the flight's arrival (the
 * replay server then reveals the recorded outcome, and the nodes' grace period has passed); the nodes report, the
 * feed finalises, the client is paid and the reinsurer's share ceded.
 */
import type { ReplayFlight } from '../replay/catalogue.js';
import { payingFlights, policyFlight, redateFlight, replayFlight, type DatedFlight } from './catalogue.js';
import type { DemoContext } from './context.js';
import {
  consentAsClient,
  defineOffer,
  followClaim,
  moveClock,
  plusd,
  proposePolicy,
  type SettledClaim,
  type SoldPolicy,
} from './policies.js';
import { oracleSchedule } from './stack.js';

const HOUR = 3_600;
const USD = 1_000_000n;

/** The offer's first delay tier: low enough that the catalogue's recorded real delay (11 minutes) pays. */
const FIRST_TIER_MINUTES = 10;

/** The demo's flight delay offer: paid from 10 minutes late, more from 45 and 120; cancellation and diversion. */
export const FLIGHT_OFFER = {
  kind: 'flight-delay',
  name: 'Demo flight delay cover',
  delayTiers: [
    { minutes: FIRST_TIER_MINUTES, payout: String(50n * USD) },
    { minutes: 45, payout: String(150n * USD) },
    { minutes: 120, payout: String(400n * USD) },
  ],
  cancellationPayout: String(250n * USD),
  diversionPayout: String(200n * USD),
  sumInsured: String(400n * USD),
  cover: { endsAfterArrivalMinutes: 24 * 60 },
  cancellationRefundBps: 0,
  pricing: { premium: String(12n * USD) },
};

/** How far ahead of the ledger's time the demo's flights depart: well beyond the product's sales cut-off. */
const DEPARTURE_LEAD_SECONDS = 12 * HOUR;

export interface FlightResult {
  flight: DatedFlight;
  policy: SoldPolicy;
  claim: SettledClaim;
}

function outcomeInWords(flight: ReplayFlight): string {
  if (flight.outcome.status === 'cancelled') return 'cancelled';
  return `${flight.outcome.status}, ${flight.outcome.arrivalDelayMinutes} minutes late`;
}

/**
 * Sells a flight delay policy on the `index`-th paying flight of the catalogue (by default one per run, in turn) and
 * follows it until ceded.
 */
export async function runFlightPolicy(ctx: DemoContext, index = ctx.journal.current.run - 1): Promise<FlightResult> {
  const schedule = oracleSchedule(ctx.stack.dataDir);
  const offerId = await defineOffer(ctx, 'flight', FLIGHT_OFFER);
  // A sale lost with the chain's last blocks is made again, on new dates.
  await ctx.reconcile('flight', 'consent', 'choose');
  await ctx.refreshUnless<DatedFlight>(
    'flight',
    'consent',
    'choose',
    (flight, now) => flight.scheduledDeparture < now + HOUR,
  );
  const dated = await ctx.step('flight', 'choose', async () => {
    const candidates = payingFlights(FIRST_TIER_MINUTES);
    const chosen = candidates[index % candidates.length];
    if (chosen === undefined) throw new Error('the replay catalogue has no flight that was late or cancelled');
    const result = redateFlight(chosen, (await ctx.clock.now()) + DEPARTURE_LEAD_SECONDS);
    return {
      result,
      what:
        `Flight ${chosen.designator} ${chosen.route.from}→${chosen.route.to} of ${chosen.scheduledDeparture.date} ` +
        `was ${outcomeInWords(chosen)} (${chosen.recorded ? 'a recorded response' : 'a response written by us to the provider’s format'}, ` +
        `${chosen.provider}: ${chosen.source}); replayed ${result.shiftDays} days later, departing ${result.scheduledDepartureIso}`,
      data: { ...result },
    };
  });
  const flight = replayFlight(dated.designator);
  const proposal = await proposePolicy(ctx, 'flight', {
    offerId,
    flight: policyFlight(dated),
  });
  const policy = await consentAsClient(ctx, 'flight', proposal);
  const reveal = await moveClock(
    ctx,
    'flight',
    'outcome-available',
    Math.max(dated.revealAt, dated.scheduledArrival + schedule.flightGraceSeconds) + 60,
    `Flight ${flight.designator} ${flight.outcome.status === 'cancelled' ? 'is due' : 'arrives'} ` +
      `(${outcomeInWords(flight)}) and the nodes' grace of ${schedule.flightGraceSeconds / 60} min passes; the replay ` +
      `server now reveals its outcome`,
  );
  const claim = await followClaim(ctx, 'flight', policy.policyId, reveal);
  ctx.narrator.say(`  Policy ${policy.policyId}: premium ${plusd(policy.premium)}, paid ${plusd(claim.payout)}.`);
  return { flight: dated, policy, claim };
}
