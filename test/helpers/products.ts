import type { HardhatEthersSigner } from '@nomicfoundation/hardhat-ethers/types';
import {
  AbiCoder,
  keccak256,
  toUtf8Bytes,
  type ContractTransactionReceipt,
  type ContractTransactionResponse,
} from 'ethers';
import { Aggregation, ObservationStatus, WeatherMetric } from '../../services/shared/eip712.js';
import type { IFlightDelayProduct, IWeatherIndexProduct } from '../../types/ethers-contracts/index.js';
import { ethers, networkHelpers } from './consortium.js';
import { coSignAsParty } from './cosign.js';
import {
  anchorSigned,
  DOCUMENT_TYPE,
  flightTerms,
  flightTermsHash,
  report,
  usd,
  utcDate,
  weatherTermsHash,
  type ParametricFixture,
} from './parametric.js';

export const HOUR = 3_600;
export const DAY = 86_400;

// ---------------------------------------------------------------------------------------------------------------------
// Calendar days as the products name them (yyyymmdd, UTC)
// ---------------------------------------------------------------------------------------------------------------------

export { utcDate };

/** Days since 1970-01-01 of a yyyymmdd date. */
export function dayNumber(date: number): number {
  return Date.UTC(Math.floor(date / 10_000), (Math.floor(date / 100) % 100) - 1, date % 100) / 1000 / DAY;
}

/** The yyyymmdd date of a day number. */
export function dateOfDay(day: number): number {
  return utcDate(day * DAY);
}

/** Unix time of 00:00 UTC on a yyyymmdd date. */
export function startOfDate(date: number): number {
  return dayNumber(date) * DAY;
}

/** Moves the chain clock to `hoursAfter` hours after `date` ends (UTC), when its daily value can be known. */
export async function afterDayEnds(date: number, hoursAfter = 1): Promise<number> {
  const at = startOfDate(date) + DAY + hoursAfter * HOUR;
  await networkHelpers.time.increaseTo(at);
  return at;
}

// ---------------------------------------------------------------------------------------------------------------------
// Documents and oracle reports
// ---------------------------------------------------------------------------------------------------------------------

export interface DocumentOptions {
  text: string;
  termsHash: string;
  documentType?: number;
  /** Parties the document names as co-signers. */
  required: HardhatEthersSigner[];
  /** Parties that actually co-sign; defaults to all of `required`. */
  signing?: HardhatEthersSigner[];
}

/** Anchors a document as the insurer and has some of its required co-signers sign it. */
export async function anchorDocument(fixture: ParametricFixture, options: DocumentOptions): Promise<string> {
  const { registry, insurer } = fixture;
  const documentHash = ethers.sha256(toUtf8Bytes(options.text));
  await (
    await registry.connect(insurer).anchor({
      documentHash,
      termsHash: options.termsHash,
      documentType: options.documentType ?? DOCUMENT_TYPE.Policy,
      retentionClass: 2,
      policyRef: `PL-${documentHash.slice(2, 10)}`,
      storagePointer: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
      requiredSigners: options.required.map((signer) => signer.address),
    })
  ).wait();
  const deadline = BigInt(await networkHelpers.time.latest()) + BigInt(HOUR);
  for (const signer of options.signing ?? options.required) {
    await coSignAsParty(registry, signer, documentHash, deadline);
  }
  return documentHash;
}

let documentCounter = 0;

/** Anchors the policy document for flight terms, co-signed by the insurer and the holder. */
export async function anchorFlightDocument(
  fixture: ParametricFixture,
  terms: IFlightDelayProduct.FlightDelayTermsStruct,
  holder: HardhatEthersSigner = fixture.client,
): Promise<string> {
  documentCounter += 1;
  return anchorSigned(
    fixture.registry,
    fixture.insurer,
    `Flight delay policy #${documentCounter} ${String(terms.carrier)}${String(terms.flightNumber)} ${flightTermsHash(terms)}`,
    flightTermsHash(terms),
    DOCUMENT_TYPE.Policy,
    [fixture.insurer, holder],
  );
}

/** Anchors the policy document for weather terms, co-signed by the insurer and the holder. */
export async function anchorWeatherDocument(
  fixture: ParametricFixture,
  terms: IWeatherIndexProduct.WeatherIndexTermsStruct,
  holder: HardhatEthersSigner = fixture.client,
): Promise<string> {
  documentCounter += 1;
  return anchorSigned(
    fixture.registry,
    fixture.insurer,
    `Weather index policy #${documentCounter} ${weatherTermsHash(terms)}`,
    weatherTermsHash(terms),
    DOCUMENT_TYPE.Policy,
    [fixture.insurer, holder],
  );
}

/**
 * Has the first `values.length` oracles report `status` with those values (observed now) and returns the last
 * report's transaction: with the fixture's quorum of three (four oracles), three agreeing values finalise the feed on
 * the third report.
 */
export async function reportQuorum(
  fixture: ParametricFixture,
  feedId: string,
  status: number,
  values: readonly number[],
): Promise<ContractTransactionResponse> {
  const { hub, oracles } = fixture;
  let last: ContractTransactionResponse | undefined;
  for (const [index, value] of values.entries()) {
    const oracle = oracles[index];
    if (oracle === undefined) throw new Error(`the fixture has no oracle #${index}`);
    if (last !== undefined) await last.wait();
    const observedAt = await networkHelpers.time.latest();
    last = await report(hub, oracle, {
      feedId,
      status,
      value,
      observedAt,
      payloadHash: ethers.sha256(toUtf8Bytes(`raw provider response seen by ${oracle.address} for ${feedId}`)),
    });
  }
  if (last === undefined) throw new Error('no values to report');
  return last;
}

/** The `PolicySettled` events of a receipt, as `{policyId, feedId, status, payout}`. */
export function settledPolicies(
  fixture: ParametricFixture,
  receipt: ContractTransactionReceipt | null,
  product: 'flight' | 'weather' = 'flight',
): { policyId: bigint; feedId: string; status: bigint; payout: bigint }[] {
  const contract = fixture[product];
  const settled: { policyId: bigint; feedId: string; status: bigint; payout: bigint }[] = [];
  for (const log of receipt?.logs ?? []) {
    const parsed = contract.interface.parseLog(log);
    if (parsed?.name !== 'PolicySettled') continue;
    const [policyId, feedId, status, payout] = parsed.args as unknown as [bigint, string, bigint, bigint];
    settled.push({ policyId, feedId, status, payout });
  }
  return settled;
}

// ---------------------------------------------------------------------------------------------------------------------
// Flights
// ---------------------------------------------------------------------------------------------------------------------

/** A flight outcome read off a recorded provider response (services/replay/recordings), as an oracle reports it. */
export interface RecordedFlightOutcome {
  carrier: string;
  flightNumber: string;
  /** The day it flew (yyyymmdd, UTC). */
  flownOn: number;
  status: number;
  /** Arrival delay in whole minutes (negative when early); 0 when not landed. */
  arrivalDelayMinutes: number;
}

/** Real outcomes in the recorded responses. */
export const RECORDED_FLIGHTS = {
  /** AviationStack flights-excerpt-5.json: landed, arrival scheduled 10:20, actual 10:18 (PER). */
  QF2957: {
    carrier: 'QF',
    flightNumber: '2957',
    flownOn: 20220422,
    status: ObservationStatus.Landed,
    arrivalDelayMinutes: -2,
  },
  /**
   * AeroAPI arrivals LHR: departure_delay 960 s (pushed back 16 minutes late) but arrival_delay -60 s. The cover
   * pays on the arrival delay, so the oracle reports -1 minute: on time.
   */
  BA196: {
    carrier: 'BA',
    flightNumber: '196',
    flownOn: 20220627,
    status: ObservationStatus.Landed,
    arrivalDelayMinutes: -1,
  },
  /** AviationStack flights-excerpt-5.json: flight_status "cancelled" (CAN -> SQD). */
  MF1541: {
    carrier: 'MF',
    flightNumber: '1541',
    flownOn: 20220422,
    status: ObservationStatus.Cancelled,
    arrivalDelayMinutes: 0,
  },
} as const satisfies Record<string, RecordedFlightOutcome>;

/**
 * Flight delay terms (the fixture's 15/30/45-minute tiers paying 50/100/200, cancellation 250, diversion 150) for a
 * flight departing six hours after `now`: cover from `now + 1 h` to `now + 24 h`, arrival due at `now + 12 h`.
 */
export function flightCover(
  holder: string,
  now: number,
  carrier: string,
  flightNumber: string,
  overrides: Partial<IFlightDelayProduct.FlightDelayTermsStruct> = {},
): IFlightDelayProduct.FlightDelayTermsStruct {
  return flightTerms(holder, now, { carrier, flightNumber, ...overrides });
}

// ---------------------------------------------------------------------------------------------------------------------
// Weather
// ---------------------------------------------------------------------------------------------------------------------

/** The part of an Open-Meteo response an oracle reads for daily precipitation. */
export interface OpenMeteoDailyPrecipitation {
  latitude: number;
  longitude: number;
  daily: { time: readonly string[]; precipitation_sum: readonly number[] };
  daily_units: { precipitation_sum: string };
}

/**
 * Open-Meteo archive response recorded in python-open-meteo's tests (tests/fixtures/historical_weather.json at
 * 2987020401a7022b7b2b60324595e661da07330c; services/replay/recordings/open-meteo/frenck-historical_weather.json), the
 * fields an oracle uses, values unchanged: Enschede, 31 January and 1 February 1953.
 */
export const OPEN_METEO_HISTORICAL: OpenMeteoDailyPrecipitation = {
  latitude: 52.26713,
  longitude: 6.820702,
  daily: { time: ['1953-01-31', '1953-02-01'], precipitation_sum: [11.9, 12.5] },
  daily_units: { precipitation_sum: 'mm' },
};

/**
 * Open-Meteo forecast response recorded in python-open-meteo's tests (tests/fixtures/forecast.json at
 * 3dfd73c44969fbeef07b79839140808f50cee397; services/replay/recordings/open-meteo/frenck-forecast.EXCERPT.json): three dry
 * days, 3-5 October 2026.
 */
export const OPEN_METEO_FORECAST: OpenMeteoDailyPrecipitation = {
  latitude: 52.276,
  longitude: 6.8729997,
  daily: { time: ['2026-10-03', '2026-10-04', '2026-10-05'], precipitation_sum: [0.0, 0.0, 0.0] },
  daily_units: { precipitation_sum: 'mm' },
};

/** Degrees as the products store them (times 10,000). */
export function toE4(degrees: number): number {
  return Math.round(degrees * 10_000);
}

/** Daily precipitation sums as the oracle reports them: hundredths of a millimetre. */
export function dailyPrecipitation(response: OpenMeteoDailyPrecipitation): number[] {
  if (response.daily_units.precipitation_sum !== 'mm') throw new Error('expected millimetres');
  return response.daily.precipitation_sum.map((mm) => Math.round(mm * 100));
}

/** Weather index terms: defaults are a rainfall sum at the recorded Enschede grid point, paying 0-1,000 USD. */
export function weatherCover(
  policyholder: string,
  startDate: number,
  endDate: number,
  overrides: Partial<IWeatherIndexProduct.WeatherIndexTermsStruct> = {},
): IWeatherIndexProduct.WeatherIndexTermsStruct {
  return {
    policyholder,
    latitudeE4: toE4(OPEN_METEO_HISTORICAL.latitude),
    longitudeE4: toE4(OPEN_METEO_HISTORICAL.longitude),
    stationId: '',
    metric: WeatherMetric.PrecipitationSum,
    startDate,
    endDate,
    aggregation: Aggregation.Sum,
    dayThreshold: 0,
    trigger: 2_000,
    exit: 6_000,
    stepThresholds: [],
    stepPayouts: [],
    sumInsured: usd(1_000),
    premium: usd(60),
    cancellationRefundBps: 9_000,
    ...overrides,
  };
}

/** The accumulation key of a location and metric, as the weather product computes it. */
export function weatherLocationKey(latitudeE4: number, longitudeE4: number, stationId: string, metric: number): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ['int32', 'int32', 'bytes32', 'uint8'],
      [latitudeE4, longitudeE4, keccak256(toUtf8Bytes(stationId)), metric],
    ),
  );
}
