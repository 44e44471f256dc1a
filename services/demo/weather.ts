/**
 * The rainfall part: the insurer sells a two-day rainfall index policy at a place of the replay catalogue with
 * recorded Open-Meteo rain, on the first two days it still sells; the clock moves past the window's end and the
 * providers' lag (the replay server then serves the recorded days, re-dated); the nodes report each day, the feeds
 * finalise, the index pays between its trigger and exit, and the reinsurer's share is ceded.
 */
import { rainyPlace } from './catalogue.js';
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

const DAY = 86_400;
const USD = 1_000_000n;
const WINDOW_DAYS = 2;
const SUM_INSURED = 3_000n * USD;

/** How far ahead of the ledger's time the window starts: beyond the product's sales cut-off. */
const START_LEAD_SECONDS = DAY;

export interface WeatherResult {
  window: { startDate: string; endDate: string };
  policy: SoldPolicy;
  claim: SettledClaim;
}

const isoDay = (unixSeconds: number) => new Date(unixSeconds * 1_000).toISOString().slice(0, 10);

/**
 * The offer on the recorded rain: the index (hundredths of a mm, summed over the window) triggers at half the recorded
 * total and exits at twice it, so the recorded days pay a third of the sum insured.
 */
function rainOffer(place: { name: string; latitude: number; longitude: number }, total: number, start: number) {
  const trigger = Math.floor(total / 2);
  return {
    kind: 'weather-index',
    name: `Demo rainfall cover, ${place.name}`,
    location: { latitude: place.latitude, longitude: place.longitude },
    metric: 'PrecipitationSum',
    window: { startDate: isoDay(start), endDate: isoDay(start + (WINDOW_DAYS - 1) * DAY) },
    aggregation: 'Sum',
    trigger: String(trigger),
    exit: String(total * 2),
    sumInsured: String(SUM_INSURED),
    cancellationRefundBps: 0,
    pricing: { premium: String(150n * USD) },
  };
}

/** Sells the rainfall policy and follows it until ceded. */
export async function runWeatherPolicy(ctx: DemoContext): Promise<WeatherResult> {
  const schedule = oracleSchedule(ctx.stack.dataDir);
  const { place, rainMm } = rainyPlace(WINDOW_DAYS);
  const total = Math.round(rainMm.reduce((sum, value) => sum + value, 0) * 100);
  // A sale lost with the chain's last blocks is made again, on new dates.
  await ctx.reconcile('weather', 'consent', 'choose');
  await ctx.refreshUnless<number>('weather', 'consent', 'choose', (first, now) => first < now + 3_600);
  const start = await ctx.step('weather', 'choose', async () => {
    const now = await ctx.clock.now();
    const first = Math.ceil((now + START_LEAD_SECONDS) / DAY) * DAY;
    return {
      result: first,
      what:
        `${place.name} (${place.latitude}, ${place.longitude}) recorded ${rainMm.join(' and ')} mm of rain on two ` +
        `days from ${place.recordedDate} (Open-Meteo, ${place.recorded ? 'a recorded response' : 'written by us'}: ` +
        `${place.source}); replayed on ${isoDay(first)} ` +
        `and ${isoDay(first + DAY)}`,
      data: { place: place.name, rainMm, startDate: isoDay(first) },
    };
  });
  const offer = rainOffer(place, total, start);
  const offerId = await defineOffer(ctx, 'weather', offer);
  const proposal = await proposePolicy(ctx, 'weather', { offerId });
  const policy = await consentAsClient(ctx, 'weather', proposal);
  const reveal = await moveClock(
    ctx,
    'weather',
    'outcome-available',
    start + WINDOW_DAYS * DAY + schedule.weatherLagSeconds + 60,
    `Both days pass, and the providers' lag of ${schedule.weatherLagSeconds / 3_600} h; the replay server now ` +
      `serves their recorded rain`,
  );
  const claim = await followClaim(ctx, 'weather', policy.policyId, reveal);
  const index = claim.outcomes.reduce((sum, value) => sum + Number(value ?? 0), 0) / 100;
  ctx.narrator.say(
    `  Policy ${policy.policyId}: ${index.toFixed(1)} mm reported over the window, against trigger ` +
      `${(Number(offer.trigger) / 100).toFixed(1)} and exit ${(Number(offer.exit) / 100).toFixed(1)} mm; premium ` +
      `${plusd(policy.premium)}, paid ${plusd(claim.payout)}.`,
  );
  return { window: offer.window, policy, claim };
}
