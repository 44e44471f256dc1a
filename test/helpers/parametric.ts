import type { HardhatEthersSigner } from '@nomicfoundation/hardhat-ethers/types';
import { TypedDataEncoder } from 'ethers';
import {
  domainOf,
  FLIGHT_DELAY_TERMS_TYPES,
  OBSERVATION_TYPES,
  ORACLE_HUB_DOMAIN_NAME,
  TREATY_TERMS_TYPES,
  TermsType,
  WEATHER_INDEX_TERMS_TYPES,
} from '../../services/shared/eip712.js';
import type {
  FlightDelayProduct,
  IFlightDelayProduct,
  IOracleHub,
  IWeatherIndexProduct,
  OracleHub,
  WeatherIndexProduct,
} from '../../types/ethers-contracts/index.js';
import { deployConsortiumFixture, ethers, networkHelpers, ROLES, underDualControl } from './consortium.js';
import { coSignAsParty, rememberQuotedTerms } from './cosign.js';

/** Six-decimal stablecoin amounts: `usd(25)` is 25 dollars. */
export function usd(dollars: number): bigint {
  return BigInt(Math.round(dollars * 1_000_000));
}

export const DOCUMENT_TYPE = { Policy: 0, Endorsement: 1, Treaty: 4 } as const;
export const POLICY_STATUS = {
  None: 0,
  Issued: 1,
  Paid: 2,
  Expired: 3,
  Cancelled: 4,
  Refunded: 5,
  Parked: 6,
  Voided: 7,
  Endorsed: 8,
} as const;
export const FEED_STATE = { None: 0, Open: 1, Finalised: 2, Disputed: 3, Resolved: 4, Expired: 5 } as const;

/** Four oracles in the fixture, quorum 3: one faulty (or silent) oracle is tolerated. */
export const HUB_SETTINGS = {
  quorum: 3,
  freshnessWindow: 6 * 3600,
  disputeWindow: 0,
  resolutionPeriod: 7 * 24 * 3600,
};

export const TREATY = {
  quotaShareBps: 3_000,
  cedingCommissionBps: 2_000,
  excessOfLossAttachment: usd(2_000),
  excessOfLossLimit: usd(5_000),
  excessOfLossAggregateLimit: usd(8_000),
};

export const FLIGHT_SETTINGS = { batchSize: 400, dataGracePeriod: 3 * 24 * 3600, delayToleranceMinutes: 5 };
export const WEATHER_SETTINGS = { batchSize: 100, dataGracePeriod: 2 * 24 * 3600, tolerances: [50, 50, 200] };

/** Anchors a document carrying `termsHash`, with the given co-signers, and has each of them co-sign it. */
export async function anchorSigned(
  registry: Awaited<ReturnType<typeof deployConsortiumFixture>>['registry'],
  registrant: HardhatEthersSigner,
  text: string,
  termsHash: string,
  documentType: number,
  signers: HardhatEthersSigner[],
): Promise<string> {
  const documentHash = ethers.sha256(ethers.toUtf8Bytes(text));
  await (
    await registry.connect(registrant).anchor({
      documentHash,
      termsHash,
      documentType,
      retentionClass: 2,
      policyRef: `PL-${documentHash.slice(2, 10)}`,
      storagePointer: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
      requiredSigners: signers.map((signer) => signer.address),
    })
  ).wait();
  const deadline = BigInt(await networkHelpers.time.latest()) + 3_600n;
  for (const signer of signers) {
    await coSignAsParty(registry, signer, documentHash, deadline);
  }
  return documentHash;
}

/**
 * The whole parametric ledger: consortium and registry, four oracles (quorum 3), a stablecoin, the insurer's risk
 * pool with capital, a quota share + excess of loss treaty co-signed and collateralised by the reinsurer, and the
 * flight delay and weather index products, all wired through dual control. The client holds cash and has approved
 * the pool for premiums.
 */
export async function deployParametricFixture() {
  const base = await deployConsortiumFixture();
  const { access, registry, admins, admin1, insurer, reinsurer, client, oracle } = base;
  const signers = await ethers.getSigners();
  const oracle2 = signers[11]!;
  const oracle3 = signers[12]!;
  const oracle4 = signers[16]!;
  const secondClient = signers[13]!;
  const accessAddress = await access.getAddress();
  const govern = (target: string, data: string) => underDualControl(access, admins, target, data);

  const newParties: [HardhatEthersSigner, string, keyof typeof ROLES][] = [
    [oracle2, 'Second Oracle Ltd', 'ORACLE'],
    [oracle3, 'Third Oracle SAS', 'ORACLE'],
    [oracle4, 'Fourth Oracle AG', 'ORACLE'],
    [secondClient, 'Second Client Oy', 'CLIENT'],
  ];
  for (const [index, [party, legalName, role]] of newParties.entries()) {
    await (
      await access
        .connect(admin1)
        .registerParty(
          party.address,
          legalName,
          `5493000FIXTURE00${40 + index}`,
          ethers.hexlify(ethers.randomBytes(33)),
        )
    ).wait();
    await govern(accessAddress, access.interface.encodeFunctionData('grantRole', [ROLES[role], party.address]));
  }

  const stablecoin = await ethers.deployContract('MockStablecoin');
  const hub = await ethers.deployContract('OracleHub', [accessAddress, HUB_SETTINGS]);
  const pool = await ethers.deployContract('RiskPool', [
    accessAddress,
    insurer.address,
    await stablecoin.getAddress(),
    usd(1_000_000),
  ]);
  const poolAddress = await pool.getAddress();
  const treatyTerms = { insurer: insurer.address, reinsurer: reinsurer.address, pool: poolAddress, ...TREATY };
  const treaty = await ethers.deployContract('ReinsuranceTreaty', [
    accessAddress,
    await registry.getAddress(),
    treatyTerms,
  ]);
  const treatyTermsHash = TypedDataEncoder.hashStruct('TreatyTerms', TREATY_TERMS_TYPES, treatyTerms);
  const treatyDocument = await anchorSigned(
    registry,
    insurer,
    'Quota share and excess of loss treaty 2026, Harbour Mutual / Northern Re',
    treatyTermsHash,
    DOCUMENT_TYPE.Treaty,
    [insurer, reinsurer],
  );
  await (await treaty.connect(reinsurer).activate(treatyDocument)).wait();

  const hubAddress = await hub.getAddress();
  const flight = await ethers.deployContract('FlightDelayProduct', [
    accessAddress,
    hubAddress,
    await registry.getAddress(),
    poolAddress,
    FLIGHT_SETTINGS.batchSize,
    FLIGHT_SETTINGS.dataGracePeriod,
    FLIGHT_SETTINGS.delayToleranceMinutes,
  ]);
  const weather = await ethers.deployContract('WeatherIndexProduct', [
    accessAddress,
    hubAddress,
    await registry.getAddress(),
    poolAddress,
    WEATHER_SETTINGS.batchSize,
    WEATHER_SETTINGS.dataGracePeriod,
    WEATHER_SETTINGS.tolerances,
  ]);
  for (const product of [await flight.getAddress(), await weather.getAddress()]) {
    await govern(hubAddress, hub.interface.encodeFunctionData('setConsumer', [product, true]));
    // The insurer consents to each contract wired into its pool; dual control then executes.
    await (await pool.connect(insurer).consentToWiring(product, true)).wait();
    await govern(poolAddress, pool.interface.encodeFunctionData('setProduct', [product, true]));
  }
  await (await pool.connect(insurer).consentToWiring(await treaty.getAddress(), true)).wait();
  await govern(poolAddress, pool.interface.encodeFunctionData('setTreaty', [await treaty.getAddress()]));

  await (await stablecoin.mint(insurer.address, usd(200_000))).wait();
  await (await stablecoin.connect(insurer).approve(poolAddress, usd(200_000))).wait();
  await (await pool.connect(insurer).depositCapital(usd(200_000))).wait();
  await (await stablecoin.mint(reinsurer.address, usd(100_000))).wait();
  await (await stablecoin.connect(reinsurer).approve(await treaty.getAddress(), usd(100_000))).wait();
  await (await treaty.connect(reinsurer).postCollateral(usd(100_000))).wait();
  for (const holder of [client, secondClient]) {
    await (await stablecoin.mint(holder.address, usd(10_000))).wait();
    await (await stablecoin.connect(holder).approve(poolAddress, ethers.MaxUint256)).wait();
  }

  return {
    ...base,
    oracles: [oracle, oracle2, oracle3, oracle4] as const,
    secondClient,
    stablecoin,
    hub,
    pool,
    treaty,
    treatyTerms,
    treatyDocument,
    flight,
    weather,
    govern,
  };
}

export type ParametricFixture = Awaited<ReturnType<typeof deployParametricFixture>>;

/** The yyyymmdd date (UTC) of a unix time. */
export function utcDate(unixSeconds: number): number {
  const date = new Date(unixSeconds * 1000);
  return date.getUTCFullYear() * 10_000 + (date.getUTCMonth() + 1) * 100 + date.getUTCDate();
}

/**
 * Flight delay terms for BA196 departing six hours after `now` (well beyond the products' two-hour cut-off), on that
 * day (UTC), arriving at `now + 12 h`: cover from `now + 1 h` to `now + 24 h`; 15/30/45-minute tiers, cancellation
 * and diversion payouts.
 */
export function flightTerms(
  policyholder: string,
  now: number,
  overrides: Partial<IFlightDelayProduct.FlightDelayTermsStruct> = {},
): IFlightDelayProduct.FlightDelayTermsStruct {
  return {
    policyholder,
    carrier: 'BA',
    flightNumber: '196',
    departureDate: utcDate(now + 6 * 3600),
    scheduledDeparture: now + 6 * 3600,
    scheduledArrival: now + 12 * 3600,
    coverageStart: now + 3600,
    coverageEnd: now + 24 * 3600,
    delayTierMinutes: [15, 30, 45],
    delayTierPayouts: [usd(50), usd(100), usd(200)],
    cancellationPayout: usd(250),
    diversionPayout: usd(150),
    sumInsured: usd(250),
    premium: usd(20),
    cancellationRefundBps: 9_000,
    ...overrides,
  };
}

/**
 * The EIP-712 struct hash of flight terms, computed off chain as a wallet would. The terms are remembered as quoted,
 * so that their policyholder co-signs a document carrying this hash over the terms themselves.
 */
export function flightTermsHash(terms: IFlightDelayProduct.FlightDelayTermsStruct): string {
  const termsHash = TypedDataEncoder.hashStruct('FlightDelayTerms', FLIGHT_DELAY_TERMS_TYPES, terms);
  rememberQuotedTerms(termsHash, { termsType: TermsType.FlightDelay, terms });
  return termsHash;
}

/** The EIP-712 struct hash of weather terms, computed off chain as a wallet would; remembered as quoted, likewise. */
export function weatherTermsHash(terms: IWeatherIndexProduct.WeatherIndexTermsStruct): string {
  const termsHash = TypedDataEncoder.hashStruct('WeatherIndexTerms', WEATHER_INDEX_TERMS_TYPES, terms);
  rememberQuotedTerms(termsHash, { termsType: TermsType.WeatherIndex, terms });
  return termsHash;
}

/** Anchors and co-signs the policy document for `terms`, then issues the flight policy; returns its id. */
export async function issueFlightPolicy(
  fixture: ParametricFixture,
  terms: IFlightDelayProduct.FlightDelayTermsStruct,
  holder: HardhatEthersSigner = fixture.client,
  wording = `Flight delay policy for ${String(terms.carrier)}${String(terms.flightNumber)} held by ${holder.address}`,
): Promise<{ policyId: bigint; documentHash: string }> {
  const documentHash = await anchorSigned(
    fixture.registry,
    fixture.insurer,
    wording,
    flightTermsHash(terms),
    DOCUMENT_TYPE.Policy,
    [fixture.insurer, holder],
  );
  await (await fixture.flight.connect(fixture.insurer).issue(terms, documentHash)).wait();
  return { policyId: await fixture.flight.policyOfDocument(documentHash), documentHash };
}

/** Anchors and co-signs the policy document for weather `terms`, then issues the policy; returns its id. */
export async function issueWeatherPolicy(
  fixture: ParametricFixture,
  terms: IWeatherIndexProduct.WeatherIndexTermsStruct,
  holder: HardhatEthersSigner = fixture.client,
  wording = `Weather index policy held by ${holder.address} from ${String(terms.startDate)}`,
): Promise<{ policyId: bigint; documentHash: string }> {
  const documentHash = await anchorSigned(
    fixture.registry,
    fixture.insurer,
    wording,
    weatherTermsHash(terms),
    DOCUMENT_TYPE.Policy,
    [fixture.insurer, holder],
  );
  await (await fixture.weather.connect(fixture.insurer).issue(terms, documentHash)).wait();
  return { policyId: await fixture.weather.policyOfDocument(documentHash), documentHash };
}

/** An oracle's signed observation, as an oracle node would produce it. */
export async function signObservation(
  hub: OracleHub,
  oracle: HardhatEthersSigner,
  observation: Omit<IOracleHub.ObservationStruct, 'oracle'>,
): Promise<{ observation: IOracleHub.ObservationStruct; signature: string }> {
  const { chainId } = await ethers.provider.getNetwork();
  const full = { ...observation, oracle: oracle.address };
  const signature = await oracle.signTypedData(
    domainOf(ORACLE_HUB_DOMAIN_NAME, chainId, await hub.getAddress()),
    OBSERVATION_TYPES,
    full,
  );
  return { observation: full, signature };
}

/** Signs and submits an observation; returns the transaction. */
export async function report(
  hub: OracleHub,
  oracle: HardhatEthersSigner,
  observation: Omit<IOracleHub.ObservationStruct, 'oracle'>,
  relayer: HardhatEthersSigner = oracle,
) {
  const signed = await signObservation(hub, oracle, observation);
  return hub.connect(relayer).submitReport(signed.observation, signed.signature);
}

export type { FlightDelayProduct, WeatherIndexProduct };
