/**
 * The policy wording: a plain-text document that states a parametric policy's terms in words, carries the terms'
 * EIP-712 struct hash (the termsHash it is anchored with) and the terms as JSON, so that a reader can recompute the
 * hash and see that the signed wording and the executable trigger are the same. Amounts are shown in the stablecoin's
 * units (6 decimals) and in base units; times in UTC, the flight's departure also as given, with its offset.
 */
import { formatUnits } from 'ethers';
import type { FlightDelayTerms, PolicyTerms, WeatherIndexTerms } from '../../ledger/policies.js';
import { AGGREGATIONS, WEATHER_METRICS } from './sales-schemas.js';

export interface WordingInput {
  policy: PolicyTerms;
  termsHash: string;
  policyRef: string;
  insurer: { account: string; legalName: string };
  /** The flight's departure as the insurer gave it (with its offset). */
  departureAsGiven?: string;
  /** For an endorsement: the policy it amends and that policy's document. */
  endorses?: { policyId: string; documentHash: string };
}

const money = (amount: string) => `${formatUnits(amount, 6)} (${amount} base units)`;
const utc = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString();
const isoDate = (yyyymmdd: number) => {
  const text = String(yyyymmdd);
  return `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)}`;
};

function flightClauses(terms: FlightDelayTerms, departureAsGiven: string | undefined): string[] {
  return [
    `Flight: ${terms.carrier}${terms.flightNumber}, scheduled departure ${departureAsGiven ?? utc(terms.scheduledDeparture)}` +
      ` (${utc(terms.scheduledDeparture)}; flight date ${isoDate(terms.departureDate)} UTC), scheduled arrival` +
      ` ${utc(terms.scheduledArrival)}.`,
    `Cover: from ${utc(terms.coverageStart)} to ${utc(terms.coverageEnd)}.`,
    'Payout by arrival delay (the highest tier reached pays):',
    ...terms.delayTierMinutes.map(
      (minutes, i) => `  - at least ${minutes} minutes late: ${money(terms.delayTierPayouts[i] ?? '0')}`,
    ),
    `Flight cancelled: ${money(terms.cancellationPayout)}. Flight diverted: ${money(terms.diversionPayout)}.`,
  ];
}

const METRIC_WORDS = [
  'daily precipitation sum (hundredths of a millimetre)',
  'daily maximum temperature (hundredths of a degree Celsius)',
  'daily maximum wind speed (hundredths of a km/h)',
];
const AGGREGATION_WORDS = [
  'the sum of',
  'the maximum of',
  'the number of days above the threshold of',
  'the number of days below the threshold of',
];

function weatherClauses(terms: WeatherIndexTerms): string[] {
  const where =
    `latitude ${(terms.latitudeE4 / 10_000).toFixed(4)}, longitude ${(terms.longitudeE4 / 10_000).toFixed(4)}` +
    (terms.stationId === '' ? '' : `, station ${terms.stationId}`);
  const clauses = [
    `Location: ${where}.`,
    `Index: ${AGGREGATION_WORDS[terms.aggregation]} the ${METRIC_WORDS[terms.metric]}` +
      `${terms.aggregation >= 2 ? ` (threshold ${terms.dayThreshold})` : ''}` +
      ` [${AGGREGATIONS[terms.aggregation]} of ${WEATHER_METRICS[terms.metric]}], over the days ${isoDate(terms.startDate)}` +
      ` to ${isoDate(terms.endDate)} (UTC) inclusive.`,
  ];
  if (terms.stepThresholds.length === 0) {
    clauses.push(
      `Payout: nothing at the trigger ${terms.trigger}, rising linearly to the sum insured at the exit ${terms.exit}.`,
    );
  } else {
    clauses.push(
      'Payout in steps (the furthest step reached pays):',
      ...terms.stepThresholds.map(
        (threshold, i) => `  - index reaching ${threshold}: ${money(terms.stepPayouts[i] ?? '0')}`,
      ),
    );
  }
  return clauses;
}

/** The wording's bytes (UTF-8 text). */
export function renderWording(input: WordingInput): Uint8Array {
  const { policy } = input;
  const title = policy.kind === 'flight' ? 'Flight delay insurance' : 'Weather index insurance';
  const lines = [
    `PolicyLedger parametric policy: ${title}${input.endorses === undefined ? '' : ' (endorsement)'}`,
    `Policy reference: ${input.policyRef}`,
    ...(input.endorses === undefined
      ? []
      : [`This endorsement replaces policy ${input.endorses.policyId} (document ${input.endorses.documentHash}).`]),
    `Insurer: ${input.insurer.legalName} (${input.insurer.account}).`,
    `Policyholder: ${policy.terms.policyholder}.`,
    '',
    ...(policy.kind === 'flight' ? flightClauses(policy.terms, input.departureAsGiven) : weatherClauses(policy.terms)),
    `Sum insured: ${money(policy.terms.sumInsured)}; no payout exceeds it.`,
    `Premium: ${money(policy.terms.premium)}, paid at issue.`,
    `Cancellation by the policyholder before cover starts refunds ${policy.terms.cancellationRefundBps / 100} % of the premium.`,
    '',
    'Settlement: the payout is made automatically, without a claim, once the consortium oracles report the outcome; ' +
      'if no data comes, the premium is refunded.',
    '',
    `Terms (EIP-712 ${policy.kind === 'flight' ? 'FlightDelayTerms' : 'WeatherIndexTerms'} struct hash): ${input.termsHash}`,
    `Terms (JSON): ${JSON.stringify(policy.terms)}`,
    '',
  ];
  return new TextEncoder().encode(lines.join('\n'));
}
