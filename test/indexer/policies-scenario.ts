/**
 * A parametric scenario on a test ledger (the embedded stack: pool, both products, a 30 % quota share treaty, quorum
 * 3 of the local oracles), for the index's and the read API's tests: a flight policy paid on a 45-minute delay and
 * ceded, a rainfall policy paid on two days of recorded rain, a flight policy the client cancels before its cover
 * starts, and a flight policy that expires on an on-time arrival. Documents are anchored and co-signed through the
 * ledger client (the holder over the terms themselves), reports signed and sent through the oracle actions, and the
 * chain's clock moved rather than waited for.
 */
import { sha256, toUtf8Bytes, TypedDataEncoder, type Signer } from 'ethers';
import { anchorAndCoSign } from '../../services/ledger/evidence.js';
import { signObservation, submitReport } from '../../services/ledger/oracle.js';
import {
  FLIGHT_DELAY_TERMS_TYPES,
  ObservationStatus,
  TermsType,
  WEATHER_INDEX_TERMS_TYPES,
} from '../../services/shared/eip712.js';
import { FlightDelayProduct__factory, WeatherIndexProduct__factory } from '../../types/ethers-contracts/index.js';
import type { TestLedger } from '../helpers/api-chain.js';

export const HOUR = 3_600;
export const DAY = 86_400;
export const INSURER = 2;
export const CLIENT = 4;
/** Three of the local ORACLE parties (quorum 3); party 9 is left out, as the API matrix stack deactivates it. */
export const ORACLES = [5, 6, 7];

export const usd = (amount: number) => BigInt(amount) * 10n ** 6n;

/** yyyymmdd (UTC) of a unix time. */
export function utcDate(unixSeconds: number): number {
  return Number(new Date(unixSeconds * 1000).toISOString().slice(0, 10).replaceAll('-', ''));
}

export interface IssuedPolicy {
  /** The index's and the API's name, `flight-<n>` / `weather-<n>`. */
  id: string;
  policyId: bigint;
  documentHash: string;
  feedId: string;
}

export interface ScenarioResult {
  paidFlight: IssuedPolicy;
  paidWeather: IssuedPolicy;
  cancelledFlight: IssuedPolicy;
  expiredFlight: IssuedPolicy;
  /** The weather window's day feeds, in date order. */
  weatherDays: string[];
}

/** The latest block's time, asked of the node itself (ethers may answer `getBlock` from a 250 ms cache). */
export async function now(ledger: TestLedger): Promise<number> {
  const block = (await ledger.provider.send('eth_getBlockByNumber', ['latest', false])) as { timestamp: string };
  return Number(block.timestamp);
}

const party = (ledger: TestLedger, index: number) => ledger.parties[index]!;

/** Who signs: the insurer and the holder (by default the local parties' own connections). */
export interface PolicySigners {
  insurer: Signer;
  holder: Signer;
}

const localSigners = (ledger: TestLedger): PolicySigners => ({
  insurer: party(ledger, INSURER).signer,
  holder: party(ledger, CLIENT).signer,
});

async function anchorPolicyDocument(
  ledger: TestLedger,
  wording: string,
  termsHash: string,
  termsType: number,
  terms: Record<string, unknown>,
  signers: PolicySigners,
): Promise<string> {
  const insurer = party(ledger, INSURER);
  const client = party(ledger, CLIENT);
  const documentHash = sha256(toUtf8Bytes(`${wording} ${termsHash}`));
  await anchorAndCoSign(
    { deployment: ledger.deployment, provider: ledger.provider, signer: signers.insurer },
    {
      documentHash,
      termsHash,
      documentType: 0,
      retentionClass: 2,
      policyRef: `PL-${documentHash.slice(2, 10)}`,
      storagePointer: `file:${documentHash.slice(2)}.txt`,
      requiredSigners: [insurer.wallet.address, client.wallet.address],
    },
    [signers.insurer, signers.holder],
    { termsType, terms },
  );
  return documentHash;
}

/** Flight terms departing 6 h after `at` (cover from +1 h to +24 h, arrival due +12 h), tiers 15/30/45 min. */
export function flightTerms(holder: string, at: number, flightNumber: string): Record<string, unknown> {
  return {
    policyholder: holder,
    carrier: 'BA',
    flightNumber,
    departureDate: utcDate(at + 6 * HOUR),
    scheduledDeparture: at + 6 * HOUR,
    scheduledArrival: at + 12 * HOUR,
    coverageStart: at + HOUR,
    coverageEnd: at + 24 * HOUR,
    delayTierMinutes: [15, 30, 45],
    delayTierPayouts: [usd(50), usd(100), usd(200)],
    cancellationPayout: usd(250),
    diversionPayout: usd(150),
    sumInsured: usd(250),
    premium: usd(20),
    cancellationRefundBps: 9_000,
  };
}

/** Rainfall sum terms at the Enschede grid point over `firstDay`..`lastDay`: 0-1,000 USD between 20 and 60 mm. */
export function rainfallTerms(holder: string, firstDay: number, lastDay: number): Record<string, unknown> {
  return {
    policyholder: holder,
    latitudeE4: 522671,
    longitudeE4: 68207,
    stationId: '',
    metric: 0,
    startDate: firstDay,
    endDate: lastDay,
    aggregation: 0,
    dayThreshold: 0,
    trigger: 2_000,
    exit: 6_000,
    stepThresholds: [],
    stepPayouts: [],
    sumInsured: usd(1_000),
    premium: usd(60),
    cancellationRefundBps: 9_000,
  };
}

/** Anchors and co-signs the document of flight `terms`, and issues the policy as the insurer. */
export async function issueFlight(
  ledger: TestLedger,
  terms: Record<string, unknown>,
  signers: PolicySigners = localSigners(ledger),
): Promise<IssuedPolicy> {
  const termsHash = TypedDataEncoder.hashStruct('FlightDelayTerms', FLIGHT_DELAY_TERMS_TYPES, terms);
  const documentHash = await anchorPolicyDocument(
    ledger,
    `Flight delay policy ${String(terms.carrier)}${String(terms.flightNumber)}`,
    termsHash,
    TermsType.FlightDelay,
    terms,
    signers,
  );
  const product = FlightDelayProduct__factory.connect(ledger.deployment.flightDelayProduct!, signers.insurer);
  await (await product.issue(terms as never, documentHash)).wait();
  const policyId = await product.policyOfDocument(documentHash);
  const feedId = (await product.getPolicy(policyId)).feedId.toLowerCase();
  return { id: `flight-${policyId}`, policyId, documentHash, feedId };
}

/** Anchors and co-signs the document of weather `terms`, and issues the policy as the insurer. */
export async function issueWeather(ledger: TestLedger, terms: Record<string, unknown>): Promise<IssuedPolicy> {
  const termsHash = TypedDataEncoder.hashStruct('WeatherIndexTerms', WEATHER_INDEX_TERMS_TYPES, terms);
  const documentHash = await anchorPolicyDocument(
    ledger,
    'Rainfall index policy, Enschede',
    termsHash,
    TermsType.WeatherIndex,
    terms,
    localSigners(ledger),
  );
  const product = WeatherIndexProduct__factory.connect(
    ledger.deployment.weatherIndexProduct!,
    party(ledger, INSURER).signer,
  );
  await (await product.issue(terms as never, documentHash)).wait();
  const policyId = await product.policyOfDocument(documentHash);
  const feedId = (await product.getPolicy(policyId)).feedId.toLowerCase();
  return { id: `weather-${policyId}`, policyId, documentHash, feedId };
}

/** Has the scenario's three oracles report `status`/`value` on `feedId`, observed now; the third report finalises. */
export async function reportQuorum(ledger: TestLedger, feedId: string, status: number, value: number): Promise<void> {
  const { chainId } = await ledger.provider.getNetwork();
  for (const index of ORACLES) {
    const oracle = party(ledger, index);
    const client = { deployment: ledger.deployment, provider: ledger.provider, signer: oracle.signer as Signer };
    const observation = {
      feedId,
      oracle: oracle.wallet.address,
      status,
      value,
      observedAt: await now(ledger),
      payloadHash: sha256(toUtf8Bytes(`recorded provider response seen by ${oracle.wallet.address} for ${feedId}`)),
    };
    const signature = await signObservation(client, observation, chainId);
    const sent = await submitReport(client, { observation, signature }, { gasLimit: 3_000_000n });
    await sent.wait();
  }
}

/** Runs the whole scenario (see the module header). */
export async function runPolicyScenario(ledger: TestLedger): Promise<ScenarioResult> {
  const holder = party(ledger, CLIENT).wallet.address;
  const start = await now(ledger);
  const paidFlight = await issueFlight(ledger, flightTerms(holder, start, '196'));
  const cancelledFlight = await issueFlight(ledger, flightTerms(holder, start, '117'));
  const expiredFlight = await issueFlight(ledger, flightTerms(holder, start, '2957'));
  const firstDay = utcDate(start + 2 * DAY);
  const lastDay = utcDate(start + 3 * DAY);
  const paidWeather = await issueWeather(ledger, rainfallTerms(holder, firstDay, lastDay));

  // The client changes its mind before its cover starts: 90 % of the premium back.
  await (
    await FlightDelayProduct__factory.connect(
      ledger.deployment.flightDelayProduct!,
      party(ledger, CLIENT).signer,
    ).cancel(cancelledFlight.policyId)
  ).wait();

  // Both flights have landed: BA196 45 minutes late (pays the 45-minute tier), BA2957 a minute early.
  await ledger.advanceTime(13 * HOUR);
  await reportQuorum(ledger, paidFlight.feedId, ObservationStatus.Landed, 45);
  await reportQuorum(ledger, expiredFlight.feedId, ObservationStatus.Landed, -1);

  // The rainfall window is over: 30 mm and 20 mm, a 50 mm sum between the 20 mm trigger and 60 mm exit: 750 paid.
  const weatherProduct = WeatherIndexProduct__factory.connect(ledger.deployment.weatherIndexProduct!, ledger.provider);
  const weatherDays = await Promise.all(
    [firstDay, lastDay].map(async (date) =>
      (await weatherProduct.weatherFeedId(522671, 68207, '', 0, date)).toLowerCase(),
    ),
  );
  const afterWindow = Date.UTC(
    Math.floor(lastDay / 10_000),
    (Math.floor(lastDay / 100) % 100) - 1,
    (lastDay % 100) + 1,
    1,
  );
  await ledger.advanceTime(afterWindow / 1000 - (await now(ledger)));
  await reportQuorum(ledger, weatherDays[0]!, ObservationStatus.Observed, 3_000);
  await reportQuorum(ledger, weatherDays[1]!, ObservationStatus.Observed, 2_000);
  return { paidFlight, paidWeather, cancelledFlight, expiredFlight, weatherDays };
}
