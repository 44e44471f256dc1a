import { createHash } from 'node:crypto';
import { ObservationStatus } from '../../shared/eip712.js';
import type { FlightObservation, RawResponse, WeatherObservation } from '../observation.js';

/** What one provider said about a feed: an observation, or why it has none. */
export type ProviderAnswer<T> =
  { provider: string; observation: T; raw: RawResponse[] } | { provider: string; error: string; raw: RawResponse[] };

/** The outcome of comparing the providers' answers. */
export type Verdict =
  | {
      kind: 'agreed';
      /** `IOracleHub.ObservationStatus` number. */
      status: number;
      /** The scaled integer the contracts expect (minutes, or hundredths of the weather unit). */
      value: bigint;
      /** The raw responses the observation rests on, in provider order: hashed into the payload hash. */
      evidence: RawResponse[];
    }
  | { kind: 'pending'; reason: string }
  | { kind: 'disagreed'; reason: string; detail: unknown };

/** Lower median of numbers (an actually reported value, as the hub takes). */
function lowerMedian(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** Splits answers into usable observations and failures; pending when too few providers answered. */
function usable<T>(
  answers: ProviderAnswer<T>[],
  minProviders: number,
): { ok: { provider: string; observation: T; raw: RawResponse[] }[] } | { pending: string } {
  const ok = answers.filter(
    (answer): answer is Extract<ProviderAnswer<T>, { observation: T }> => 'observation' in answer,
  );
  if (ok.length < minProviders) {
    const failures = answers
      .filter((answer): answer is Extract<ProviderAnswer<T>, { error: string }> => 'error' in answer)
      .map((answer) => `${answer.provider}: ${answer.error}`);
    return { pending: `${ok.length} of ${minProviders} providers answered (${failures.join('; ') || 'none failed'})` };
  }
  return { ok };
}

const FINAL_FLIGHT_STATUS: Partial<Record<FlightObservation['status'], number>> = {
  landed: ObservationStatus.Landed,
  cancelled: ObservationStatus.Cancelled,
  diverted: ObservationStatus.Diverted,
};

/**
 * Compares what the flight providers said. A node signs only a final outcome (landed with a known arrival delay,
 * cancelled, diverted) on which every answering provider agrees: the same status and, when landed, delays within
 * `toleranceMinutes`; the delay signed is their lower median, in whole minutes. A flight still scheduled or in the
 * air anywhere is pending; providers that contradict each other are a disagreement, recorded and retried.
 */
export function crossCheckFlight(
  answers: ProviderAnswer<FlightObservation>[],
  minProviders: number,
  toleranceMinutes: number,
): Verdict {
  const split = usable(answers, minProviders);
  if ('pending' in split) return { kind: 'pending', reason: split.pending };
  const { ok } = split;
  const notFinal = ok.filter(({ observation }) => FINAL_FLIGHT_STATUS[observation.status] === undefined);
  if (notFinal.length > 0) {
    return {
      kind: 'pending',
      reason: notFinal.map(({ provider, observation }) => `${provider} says ${observation.status}`).join('; '),
    };
  }
  const statuses = new Set(ok.map(({ observation }) => observation.status));
  const detail = ok.map(({ provider, observation }) => ({
    provider,
    status: observation.status,
    arrivalDelayMinutes: observation.arrivalDelayMinutes,
  }));
  if (statuses.size > 1) return { kind: 'disagreed', reason: 'providers report different outcomes', detail };
  const [status] = [...statuses];
  const evidence = ok.flatMap(({ raw }) => raw);
  if (status !== 'landed') return { kind: 'agreed', status: FINAL_FLIGHT_STATUS[status!]!, value: 0n, evidence };

  const delays = ok.map(({ observation }) => observation.arrivalDelayMinutes);
  if (delays.some((delay) => delay === null)) {
    return { kind: 'pending', reason: 'landed but an arrival time is missing' };
  }
  const known = delays as number[];
  if (Math.max(...known) - Math.min(...known) > toleranceMinutes) {
    return { kind: 'disagreed', reason: `arrival delays differ by more than ${toleranceMinutes} minutes`, detail };
  }
  return {
    kind: 'agreed',
    status: ObservationStatus.Landed,
    value: BigInt(Math.round(lowerMedian(known))),
    evidence,
  };
}

/**
 * Compares what the weather providers said about one day: every answering provider must have a value, within
 * `tolerance` (in the metric's unit) of each other; the value signed is their lower median in hundredths of the unit.
 */
export function crossCheckWeather(
  answers: ProviderAnswer<WeatherObservation>[],
  minProviders: number,
  tolerance: number,
): Verdict {
  const split = usable(answers, minProviders);
  if ('pending' in split) return { kind: 'pending', reason: split.pending };
  const { ok } = split;
  const missing = ok.filter(({ observation }) => observation.value === null);
  if (missing.length > 0) {
    return { kind: 'pending', reason: `no value yet from ${missing.map(({ provider }) => provider).join(', ')}` };
  }
  const values = ok.map(({ observation }) => observation.value!);
  const detail = ok.map(({ provider, observation }) => ({
    provider,
    value: observation.value,
    unit: observation.unit,
  }));
  // A small epsilon absorbs binary rounding of decimal provider values.
  if (Math.max(...values) - Math.min(...values) > tolerance + 1e-9) {
    return { kind: 'disagreed', reason: `values differ by more than ${tolerance}`, detail };
  }
  return {
    kind: 'agreed',
    status: ObservationStatus.Observed,
    value: BigInt(Math.round(lowerMedian(values) * 100)),
    evidence: ok.flatMap(({ raw }) => raw),
  };
}

/**
 * The payload hash an observation carries: SHA-256 over the raw response bodies it rests on, concatenated in
 * provider order. Anyone holding the kept responses can recompute it.
 */
export function payloadHashOf(evidence: RawResponse[]): string {
  const hash = createHash('sha256');
  for (const response of evidence) hash.update(response.body, 'utf8');
  return `0x${hash.digest('hex')}`;
}
