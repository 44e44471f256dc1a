/**
 * The flight delay part: the insurer sells cover on a flight of the replay catalogue whose recorded outcome is a
 * delay or a cancellation, re-dated after the ledger's current time; the clock moves past the flight's arrival (the
 * replay server then reveals the recorded outcome, and the nodes' grace period has passed); the nodes report, the
 * feed finalises, the client is paid and the reinsurer's share ceded.
 */
import { payingFlights, redateFlight, type DatedFlight, type ReplayCatalogue } from './catalogue.js';
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

/** The demo's flight delay offer: paid from 15 minutes late, more from an hour and two; cancellation and diversion. */
export const FLIGHT_OFFER = {
  kind: 'flight-delay',
  name: 'Demo flight delay cover',
  delayTiers: [
    { minutes: 15, payout: String(100n * USD) },
    { minutes: 60, payout: String(250n * USD) },
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

function outcomeInWords(flight: DatedFlight['flight']): string {
  if (flight.outcome.status === 'cancelled') return 'cancelled';
  return `${flight.outcome.status}, ${flight.outcome.arrivalDelayMinutes} minutes late`;
}

/** Sells a flight delay policy on the `index`-th paying flight of the catalogue and follows it until ceded. */
export async function runFlightPolicy(
  ctx: DemoContext,
  catalogue: ReplayCatalogue,
  index = ctx.journal.current.run - 1,
): Promise<FlightResult> {
  const schedule = oracleSchedule(ctx.stack.dataDir);
  const offerId = await defineOffer(ctx, 'flight', FLIGHT_OFFER);
  const flight = await ctx.step('flight', 'choose', async () => {
    const candidates = payingFlights(catalogue);
    const chosen = candidates[index % candidates.length];
    if (chosen === undefined) throw new Error('the replay catalogue has no flight that was late or cancelled');
    const dated = redateFlight(chosen, (await ctx.clock.now()) + DEPARTURE_LEAD_SECONDS);
    return {
      result: dated,
      what:
        `Flight ${chosen.designator} ${chosen.origin}→${chosen.destination} was recorded ${outcomeInWords(chosen)} ` +
        `(${chosen.recorded ? 'recorded' : 'written to the provider’s format'}: ${chosen.source}); replayed on ` +
        `${dated.date}, departing ${dated.scheduledDeparture}`,
      data: { ...dated, flight: chosen.designator },
    };
  });
  const proposal = await proposePolicy(ctx, 'flight', {
    offerId,
    flight: {
      carrier: flight.flight.carrier,
      flightNumber: flight.flight.flightNumber,
      scheduledDeparture: flight.scheduledDeparture,
      scheduledArrival: flight.scheduledArrival,
      origin: flight.flight.origin,
      destination: flight.flight.destination,
    },
  });
  const policy = await consentAsClient(ctx, 'flight', proposal);
  const reveal = await moveClock(
    ctx,
    'flight',
    'outcome-available',
    flight.arrival + schedule.flightGraceSeconds + 60,
    `Flight ${flight.flight.designator} arrives (${outcomeInWords(flight.flight)}) and the nodes' grace of ` +
      `${schedule.flightGraceSeconds / 60} min passes; the replay server now reveals its outcome`,
  );
  const claim = await followClaim(ctx, 'flight', policy.policyId, reveal);
  ctx.narrator.say(`  Policy ${policy.policyId}: premium ${plusd(policy.premium)}, paid ${plusd(claim.payout)}.`);
  return { flight, policy, claim };
}
