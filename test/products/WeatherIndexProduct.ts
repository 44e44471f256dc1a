import { expect } from 'chai';
import {
  Aggregation,
  ObservationStatus,
  TermsType,
  WeatherMetric,
  weatherFeedId,
} from '../../services/shared/eip712.js';
import type { IWeatherIndexProduct } from '../../types/ethers-contracts/index.js';
import { ethers, networkHelpers } from '../helpers/consortium.js';
import { coSign, coSignTerms, relayCoSignature, relayTermsCoSignature } from '../helpers/cosign.js';
import {
  deployParametricFixture,
  FEED_STATE,
  HUB_SETTINGS,
  POLICY_STATUS,
  usd,
  WEATHER_SETTINGS,
  weatherTermsHash,
  type ParametricFixture,
} from '../helpers/parametric.js';
import {
  afterDayEnds,
  anchorDocument,
  anchorWeatherDocument,
  dailyPrecipitation,
  DAY,
  dateOfDay,
  dayNumber,
  OPEN_METEO_FORECAST,
  OPEN_METEO_HISTORICAL,
  reportQuorum,
  settledPolicies,
  startOfDate,
  toE4,
  utcDate,
  weatherCover,
  weatherLocationKey,
} from '../helpers/products.js';

const { time } = networkHelpers;

type Terms = IWeatherIndexProduct.WeatherIndexTermsStruct;

const QUOTA_SHARE = 3_000n;
/** The products' default start cut-off: two hours. */
const START_CUTOFF = 2 * 3_600;
const BPS = 10_000n;

/** The recorded Enschede grid point (Open-Meteo archive response). */
const LATITUDE_E4 = toE4(OPEN_METEO_HISTORICAL.latitude);
const LONGITUDE_E4 = toE4(OPEN_METEO_HISTORICAL.longitude);

/** The recorded daily precipitation sums, in hundredths of a millimetre: 1190 and 1250. */
const RECORDED_RAIN = dailyPrecipitation(OPEN_METEO_HISTORICAL);
/** Three recorded dry days (Open-Meteo forecast response). */
const RECORDED_DRY_DAYS = dailyPrecipitation(OPEN_METEO_FORECAST);

/** The first day (yyyymmdd) whose cover has not started: the day after tomorrow on the chain's clock. */
async function firstInsurableDay(): Promise<number> {
  return dateOfDay(Math.floor((await time.latest()) / DAY) + 2);
}

/** `count` consecutive days from `first`. */
function daysFrom(first: number, count: number): number[] {
  return Array.from({ length: count }, (_, offset) => dateOfDay(dayNumber(first) + offset));
}

/** The feed id of a day at the recorded grid point, precipitation. */
function rainFeed(date: number): string {
  return weatherFeedId(LATITUDE_E4, LONGITUDE_E4, '', WeatherMetric.PrecipitationSum, date);
}

/** Anchors the document for `terms` and issues the policy; returns its id. */
async function issue(fixture: ParametricFixture, terms: Terms, holder = fixture.client) {
  const documentHash = await anchorWeatherDocument(fixture, terms, holder);
  await (await fixture.weather.connect(fixture.insurer).issue(terms, documentHash)).wait();
  return { policyId: await fixture.weather.policyOfDocument(documentHash), documentHash };
}

/**
 * Reports each day's value once the day has ended (an hour later, within the hub's six-hour freshness window),
 * day by day; returns the transaction that finalised the last day.
 */
async function replay(fixture: ParametricFixture, days: readonly number[], values: readonly number[]) {
  let last;
  for (const [index, date] of days.entries()) {
    const value = values[index];
    if (value === undefined) throw new Error(`no value for day ${date}`);
    if (last !== undefined) await last.wait();
    await afterDayEnds(date);
    last = await reportQuorum(fixture, rainFeed(date), ObservationStatus.Observed, [value, value, value]);
  }
  if (last === undefined) throw new Error('no days to replay');
  return last;
}

/**
 * The recorded Open-Meteo days (31 January and 1 February 1953) cannot be insured as such: the calendar starts in
 * 1970 and a chain's clock never goes back. Their values are replayed on the first two days the chain can still
 * insure, at the same grid point.
 */
async function recordedRainFixture() {
  const fixture = await deployParametricFixture();
  const days = daysFrom(await firstInsurableDay(), RECORDED_RAIN.length);
  return { ...fixture, days, firstDay: days[0]!, lastDay: days[days.length - 1]! };
}

describe('WeatherIndexProduct', function () {
  describe('hashTerms', function () {
    it('equals the EIP-712 struct hash a wallet computes off chain', async function () {
      const { weather, client, firstDay, lastDay } = await networkHelpers.loadFixture(recordedRainFixture);
      const terms = weatherCover(client.address, firstDay, lastDay);
      expect(await weather.hashTerms(terms)).to.equal(weatherTermsHash(terms));
    });

    it('binds every field, negative numbers and station ids included', async function () {
      const { weather, client, secondClient, firstDay, lastDay } =
        await networkHelpers.loadFixture(recordedRainFixture);
      const base = weatherCover(client.address, firstDay, lastDay);
      const changes: Partial<Terms>[] = [
        { policyholder: secondClient.address },
        { latitudeE4: -338_688 },
        { longitudeE4: -1_512_093 },
        { stationId: 'USW00094728' },
        { metric: WeatherMetric.TemperatureMax },
        { startDate: lastDay },
        { endDate: dateOfDay(dayNumber(lastDay) + 1) },
        { aggregation: Aggregation.DaysBelow },
        { dayThreshold: -250 },
        { trigger: -1 },
        { exit: 6_001 },
        { stepThresholds: [2_500, 4_000], stepPayouts: [usd(100), usd(300)] },
        { stepThresholds: [-2_500, 4_000], stepPayouts: [usd(100), usd(300)] },
        { sumInsured: usd(999) },
        { premium: usd(61) },
        { cancellationRefundBps: 0 },
      ];
      const hashes = new Set([weatherTermsHash(base)]);
      for (const change of changes) {
        const terms = { ...base, ...change };
        const onChain = await weather.hashTerms(terms);
        expect(onChain).to.equal(weatherTermsHash(terms));
        hashes.add(onChain);
      }
      expect(hashes.size).to.equal(changes.length + 1);
    });
  });

  describe('weatherFeedId', function () {
    it('equals the feed id the oracle service computes', async function () {
      const { weather } = await networkHelpers.loadFixture(recordedRainFixture);
      const feeds: [number, number, string, number, number][] = [
        [LATITUDE_E4, LONGITUDE_E4, '', WeatherMetric.PrecipitationSum, 20261124],
        [-338_688, -1_512_093, '', WeatherMetric.TemperatureMax, 20270101],
        [0, 0, 'USW00094728', WeatherMetric.WindSpeedMax, 20280229],
      ];
      for (const [latitude, longitude, station, metric, date] of feeds) {
        expect(await weather.weatherFeedId(latitude, longitude, station, metric, date)).to.equal(
          weatherFeedId(latitude, longitude, station, metric, date),
        );
      }
    });
  });

  describe('issue', function () {
    it('registers one hub feed per day of the window, emitting WeatherFeedRegistered for each', async function () {
      const fixture = await networkHelpers.loadFixture(recordedRainFixture);
      const { weather, hub, insurer, client } = fixture;
      const days = daysFrom(fixture.firstDay, 3);
      const terms = weatherCover(client.address, days[0]!, days[2]!);
      const documentHash = await anchorWeatherDocument(fixture, terms);
      const locationKey = weatherLocationKey(LATITUDE_E4, LONGITUDE_E4, '', WeatherMetric.PrecipitationSum);
      const tx = weather.connect(insurer).issue(terms, documentHash);
      for (const date of days) {
        const dataDeadline = startOfDate(date) + DAY + WEATHER_SETTINGS.dataGracePeriod;
        await expect(tx)
          .to.emit(weather, 'WeatherFeedRegistered')
          .withArgs(
            rainFeed(date),
            locationKey,
            LATITUDE_E4,
            LONGITUDE_E4,
            '',
            WeatherMetric.PrecipitationSum,
            date,
            dataDeadline,
          );
        const feed = await hub.getFeed(rainFeed(date));
        expect(feed.consumer).to.equal(await weather.getAddress());
        expect(feed.state).to.equal(FEED_STATE.Open);
        expect(feed.dataDeadline).to.equal(dataDeadline);
        expect(feed.tolerance).to.equal(BigInt(WEATHER_SETTINGS.tolerances[WeatherMetric.PrecipitationSum]!));
      }
      const receipt = await (await tx).wait();
      const registered = receipt!.logs.filter(
        (log) => weather.interface.parseLog(log)?.name === 'WeatherFeedRegistered',
      );
      expect(registered).to.have.length(3);
    });

    it('registers a day only once: an overlapping policy announces only its new days', async function () {
      const fixture = await networkHelpers.loadFixture(recordedRainFixture);
      const { weather, insurer, client, secondClient } = fixture;
      const days = daysFrom(fixture.firstDay, 4);
      await issue(fixture, weatherCover(client.address, days[0]!, days[2]!));
      const overlapping = weatherCover(secondClient.address, days[1]!, days[3]!);
      const documentHash = await anchorWeatherDocument(fixture, overlapping, secondClient);
      const receipt = await (await weather.connect(insurer).issue(overlapping, documentHash)).wait();
      const announced = receipt!.logs
        .map((log) => weather.interface.parseLog(log))
        .filter((parsed) => parsed?.name === 'WeatherFeedRegistered')
        .map((parsed) => parsed!.args.date as bigint);
      expect(announced).to.deep.equal([BigInt(days[3]!)]);
    });

    it('lists the policy under each day of its window, covering that window, with the location as accumulation key', async function () {
      const fixture = await networkHelpers.loadFixture(recordedRainFixture);
      const { weather, pool, client, firstDay, lastDay } = fixture;
      const terms = weatherCover(client.address, firstDay, lastDay);
      const { policyId, documentHash } = await issue(fixture, terms);
      const policy = await weather.getPolicy(policyId);
      expect(policy.holder).to.equal(client.address);
      expect(policy.status).to.equal(POLICY_STATUS.Issued);
      expect(policy.feedId).to.equal(rainFeed(lastDay));
      expect(policy.documentHash).to.equal(documentHash);
      expect(policy.coverageStart).to.equal(startOfDate(firstDay));
      expect(policy.coverageEnd).to.equal(startOfDate(lastDay) + DAY - 1);
      expect(policy.maxPayout).to.equal(usd(1_000));
      expect(policy.premium).to.equal(usd(60));
      expect(await weather.feedPolicies(rainFeed(lastDay), 0, 10)).to.deep.equal([policyId]);
      expect(await weather.feedPolicies(rainFeed(firstDay), 0, 10)).to.deep.equal([policyId]);
      expect(await weather.feedProgress(rainFeed(firstDay))).to.deep.equal([1n, 0n]);
      const locationKey = weatherLocationKey(LATITUDE_E4, LONGITUDE_E4, '', WeatherMetric.PrecipitationSum);
      expect(await pool.exposure(locationKey)).to.equal(usd(1_000));
    });

    it('locks the highest step payout of a stepped policy', async function () {
      const fixture = await networkHelpers.loadFixture(recordedRainFixture);
      const terms = weatherCover(fixture.client.address, fixture.firstDay, fixture.lastDay, {
        stepThresholds: [2_500, 4_000],
        stepPayouts: [usd(100), usd(400)],
      });
      const { policyId } = await issue(fixture, terms);
      expect((await fixture.weather.getPolicy(policyId)).maxPayout).to.equal(usd(400));
    });

    it('accepts a window of exactly 31 days', async function () {
      const fixture = await networkHelpers.loadFixture(recordedRainFixture);
      const days = daysFrom(fixture.firstDay, 31);
      const { policyId } = await issue(fixture, weatherCover(fixture.client.address, days[0]!, days[30]!));
      expect((await fixture.weather.getPolicy(policyId)).feedId).to.equal(rainFeed(days[30]!));
    });

    it('reverts with WeatherIndexProductIssueClosed when a day of the window already has its value', async function () {
      const fixture = await networkHelpers.loadFixture(recordedRainFixture);
      const { weather, insurer, client, secondClient, days, lastDay } = fixture;
      await issue(fixture, weatherCover(client.address, days[0]!, lastDay));
      await afterDayEnds(days[0]!);
      await (await reportQuorum(fixture, rainFeed(days[0]!), ObservationStatus.Observed, [1_190, 1_190, 1_190])).wait();

      const late = weatherCover(secondClient.address, days[0]!, lastDay);
      const documentHash = await anchorWeatherDocument(fixture, late, secondClient);
      await expect(weather.connect(insurer).issue(late, documentHash))
        .to.be.revertedWithCustomError(weather, 'WeatherIndexProductIssueClosed')
        .withArgs(days[0]!, startOfDate(days[0]!) - START_CUTOFF);
    });

    describe('no cover on days already begun', function () {
      it('starts with a two-hour start cut-off', async function () {
        const { weather } = await networkHelpers.loadFixture(recordedRainFixture);
        expect(await weather.issuanceSettings()).to.equal(START_CUTOFF);
      });

      it('reverts with WeatherIndexProductIssueClosed for a window already over, or begun today', async function () {
        const fixture = await networkHelpers.loadFixture(recordedRainFixture);
        const now = await time.latest();
        for (const [startDate, endDate] of [
          [utcDate(now - DAY), utcDate(now - DAY)],
          [utcDate(now), fixture.lastDay],
        ]) {
          const terms = weatherCover(fixture.client.address, startDate!, endDate!);
          const documentHash = await anchorWeatherDocument(fixture, terms);
          await expect(fixture.weather.connect(fixture.insurer).issue(terms, documentHash))
            .to.be.revertedWithCustomError(fixture.weather, 'WeatherIndexProductIssueClosed')
            .withArgs(startDate, startOfDate(startDate!) - START_CUTOFF);
        }
      });

      it('issues up to the cut-off before the first day starts and reverts one second later', async function () {
        const fixture = await networkHelpers.loadFixture(recordedRainFixture);
        const { weather, insurer, client, secondClient, firstDay, lastDay } = fixture;
        const terms = weatherCover(client.address, firstDay, lastDay);
        const lateTerms = weatherCover(secondClient.address, firstDay, lastDay);
        const onTime = await anchorWeatherDocument(fixture, terms);
        const late = await anchorWeatherDocument(fixture, lateTerms, secondClient);
        const closedAt = startOfDate(firstDay) - START_CUTOFF;

        await time.setNextBlockTimestamp(closedAt);
        await expect(weather.connect(insurer).issue(terms, onTime)).to.emit(weather, 'PolicyIssued');
        await expect(weather.connect(insurer).issue(lateTerms, late))
          .to.be.revertedWithCustomError(weather, 'WeatherIndexProductIssueClosed')
          .withArgs(firstDay, closedAt);
      });

      it('follows the cut-off set under dual control, within its bound', async function () {
        const fixture = await networkHelpers.loadFixture(recordedRainFixture);
        const { weather, admin1, govern } = fixture;
        await expect(weather.connect(admin1).setIssuanceSettings(DAY))
          .to.be.revertedWithCustomError(weather, 'ConsortiumGovernedDualControlRequired')
          .withArgs(admin1.address);
        await govern(
          await weather.getAddress(),
          weather.interface.encodeFunctionData('setIssuanceSettings', [3 * DAY]),
        );
        expect(await weather.issuanceSettings()).to.equal(3 * DAY);
        const terms = weatherCover(fixture.client.address, fixture.firstDay, fixture.lastDay);
        const documentHash = await anchorWeatherDocument(fixture, terms);
        await expect(weather.connect(fixture.insurer).issue(terms, documentHash)).to.be.revertedWithCustomError(
          weather,
          'WeatherIndexProductIssueClosed',
        );
        await expect(
          govern(await weather.getAddress(), weather.interface.encodeFunctionData('setIssuanceSettings', [8 * DAY])),
        ).to.be.revertedWithCustomError(fixture.access, 'ConsortiumAccessExecutionFailed');
      });
    });

    it('reverts with ParametricProductTermsNotSignedByHolder when the client co-signed the hash only', async function () {
      const fixture = await networkHelpers.loadFixture(recordedRainFixture);
      const { weather, registry, insurer, client, firstDay, lastDay } = fixture;
      const terms = weatherCover(client.address, firstDay, lastDay);
      const documentHash = await anchorDocument(fixture, {
        text: 'Weather policy the client signed blind',
        termsHash: weatherTermsHash(terms),
        required: [insurer, client],
        signing: [insurer],
      });
      const deadline = BigInt(await time.latest()) + 3_600n;
      const overHash = await coSign(registry, client, { documentHash, deadline });
      await (await relayCoSignature(registry, documentHash, overHash)).wait();
      expect(await registry.isFullySigned(documentHash)).to.equal(true);

      await expect(weather.connect(insurer).issue(terms, documentHash))
        .to.be.revertedWithCustomError(weather, 'ParametricProductTermsNotSignedByHolder')
        .withArgs(documentHash, client.address);
    });

    it('issues when the client co-signed over the terms themselves and the insurer over the hash', async function () {
      const fixture = await networkHelpers.loadFixture(recordedRainFixture);
      const { weather, registry, pool, insurer, client, firstDay, lastDay } = fixture;
      const terms = weatherCover(client.address, firstDay, lastDay);
      const documentHash = await anchorDocument(fixture, {
        text: 'Weather policy whose index steps the client saw in its wallet',
        termsHash: weatherTermsHash(terms),
        required: [insurer, client],
        signing: [insurer],
      });
      const deadline = BigInt(await time.latest()) + 3_600n;
      const overTerms = await coSignTerms(registry, client, {
        documentHash,
        deadline,
        termsType: TermsType.WeatherIndex,
        terms,
      });
      await (await relayTermsCoSignature(registry, documentHash, overTerms)).wait();
      expect(await registry.signedTerms(documentHash, client.address)).to.equal(true);
      expect(await registry.signedTerms(documentHash, insurer.address)).to.equal(false);

      const expectedId = (await pool.policyCount()) + 1n;
      await expect(weather.connect(insurer).issue(terms, documentHash)).to.emit(weather, 'PolicyIssued');
      expect(await weather.policyOfDocument(documentHash)).to.equal(expectedId);
      expect((await weather.getPolicy(expectedId)).holder).to.equal(client.address);
    });

    it('reverts with ParametricProductNotPoolInsurer for anyone but the pool’s insurer, another INSURER included', async function () {
      const fixture = await networkHelpers.loadFixture(recordedRainFixture);
      const { weather, pool, client, secondInsurer, firstDay, lastDay } = fixture;
      const terms = weatherCover(client.address, firstDay, lastDay);
      // The other insurer co-signed this document with the client; the client holds one the pool's insurer signed.
      const ownDocument = await anchorDocument(fixture, {
        text: 'Weather policy signed by another insurer and the client',
        termsHash: weatherTermsHash(terms),
        required: [secondInsurer, client],
      });
      await expect(weather.connect(secondInsurer).issue(terms, ownDocument))
        .to.be.revertedWithCustomError(weather, 'ParametricProductNotPoolInsurer')
        .withArgs(secondInsurer.address);
      const documentHash = await anchorWeatherDocument(fixture, terms);
      await expect(weather.connect(client).issue(terms, documentHash))
        .to.be.revertedWithCustomError(weather, 'ParametricProductNotPoolInsurer')
        .withArgs(client.address);
      expect(await pool.policyCount()).to.equal(0);
    });

    describe('invalid terms', function () {
      const cases: [string, string, (first: number, last: number) => Partial<Terms>][] = [
        ['a latitude beyond 90 degrees', 'location', () => ({ latitudeE4: 900_001 })],
        ['a latitude beyond -90 degrees', 'location', () => ({ latitudeE4: -900_001 })],
        ['a longitude beyond 180 degrees', 'location', () => ({ longitudeE4: 1_800_001 })],
        ['a longitude beyond -180 degrees', 'location', () => ({ longitudeE4: -1_800_001 })],
        ['an end before the start', 'dates', (first, last) => ({ startDate: last, endDate: first })],
        ['a window of 32 days', 'dates', (first) => ({ startDate: first, endDate: dateOfDay(dayNumber(first) + 31) })],
        ['an impossible end date', 'dates', (first) => ({ startDate: first, endDate: 20270230 })],
        ['an impossible start date', 'dates', () => ({ startDate: 20271301 })],
        ['a trigger equal to the exit', 'exit', () => ({ trigger: 4_000, exit: 4_000 })],
        ['a refund above 100 %', 'cancellationRefundBps', () => ({ cancellationRefundBps: 10_001 })],
        ['a sum insured beyond the policy record', 'sumInsured', () => ({ sumInsured: 2n ** 48n })],
        [
          'more step payouts than thresholds',
          'steps',
          () => ({ stepThresholds: [2_500], stepPayouts: [usd(100), usd(200)] }),
        ],
        [
          'five steps',
          'steps',
          () => ({
            stepThresholds: [2_500, 3_000, 3_500, 4_000, 4_500],
            stepPayouts: [usd(100), usd(200), usd(300), usd(400), usd(500)],
          }),
        ],
        [
          'rising steps out of order',
          'stepThresholds',
          () => ({ stepThresholds: [4_000, 2_500], stepPayouts: [usd(100), usd(200)] }),
        ],
        [
          'two steps at the same threshold',
          'stepThresholds',
          () => ({ stepThresholds: [2_500, 2_500], stepPayouts: [usd(100), usd(200)] }),
        ],
        [
          'falling steps (drought) in rising order',
          'stepThresholds',
          () => ({ trigger: 4_000, exit: 1_000, stepThresholds: [2_000, 3_000], stepPayouts: [usd(100), usd(200)] }),
        ],
        [
          'a step paying nothing',
          'stepPayouts',
          () => ({ stepThresholds: [2_500, 4_000], stepPayouts: [usd(100), 0n] }),
        ],
        [
          'a step paying more than the sum insured',
          'stepPayouts',
          () => ({ stepThresholds: [2_500, 4_000], stepPayouts: [usd(100), usd(1_001)] }),
        ],
        ['a premium beyond the policy record', 'premium', () => ({ premium: 2n ** 48n })],
      ];
      for (const [description, field, change] of cases) {
        it(`reverts with ParametricProductInvalidTerms("${field}") for ${description}`, async function () {
          const fixture = await networkHelpers.loadFixture(recordedRainFixture);
          const terms = weatherCover(
            fixture.client.address,
            fixture.firstDay,
            fixture.lastDay,
            change(fixture.firstDay, fixture.lastDay),
          );
          const documentHash = await anchorWeatherDocument(fixture, terms);
          await expect(fixture.weather.connect(fixture.insurer).issue(terms, documentHash))
            .to.be.revertedWithCustomError(fixture.weather, 'ParametricProductInvalidTerms')
            .withArgs(field);
        });
      }
    });
  });

  describe('settlement on recorded Open-Meteo rainfall', function () {
    it('reads the recorded response as 11.9 mm and 12.5 mm at 52.2671 N, 6.8207 E', function () {
      expect(RECORDED_RAIN).to.deep.equal([1_190, 1_250]);
      expect([LATITUDE_E4, LONGITUDE_E4]).to.deep.equal([522_671, 68_207]);
    });

    it('Sum, linear from 20 mm to 60 mm: 24.4 mm pays 11 % of the sum insured in the last day quorum transaction', async function () {
      const fixture = await networkHelpers.loadFixture(recordedRainFixture);
      const { weather, stablecoin, treaty, client, days, lastDay } = fixture;
      const terms = weatherCover(client.address, days[0]!, lastDay, { trigger: 2_000, exit: 6_000 });
      const { policyId } = await issue(fixture, terms);
      expect(await weather.indexOf(policyId)).to.deep.equal([false, 0n]);

      // Day one is final, day two is not: no index yet, nothing paid.
      await afterDayEnds(days[0]!);
      await (await reportQuorum(fixture, rainFeed(days[0]!), ObservationStatus.Observed, [1_190, 1_190, 1_190])).wait();
      expect(await weather.indexOf(policyId)).to.deep.equal([false, 0n]);
      expect((await weather.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Issued);

      await afterDayEnds(lastDay);
      const payout = usd(110); // 1,000 x (2,440 - 2,000) / (6,000 - 2,000)
      const tx = reportQuorum(fixture, rainFeed(lastDay), ObservationStatus.Observed, [1_250, 1_250, 1_250]);
      await expect(tx).to.changeTokenBalance(ethers, stablecoin, client, payout);
      await expect(tx)
        .to.emit(weather, 'PolicySettled')
        .withArgs(policyId, rainFeed(lastDay), POLICY_STATUS.Paid, payout);
      const quotaShare = (payout * QUOTA_SHARE) / BPS;
      await expect(tx)
        .to.emit(treaty, 'LossCeded')
        .withArgs(policyId, rainFeed(lastDay), payout, quotaShare, 0n, payout - quotaShare);
      expect(await weather.indexOf(policyId)).to.deep.equal([true, 2_440n]);
      expect(await weather.payoutForIndex(policyId, 2_440)).to.equal(payout);
      expect((await weather.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Paid);
    });

    it('Sum whose trigger is not reached: Expired, nothing paid, collateral released', async function () {
      const fixture = await networkHelpers.loadFixture(recordedRainFixture);
      const { weather, stablecoin, pool, client, days, lastDay } = fixture;
      const { policyId } = await issue(fixture, weatherCover(client.address, days[0]!, lastDay, { trigger: 3_000 }));
      const locationKey = weatherLocationKey(LATITUDE_E4, LONGITUDE_E4, '', WeatherMetric.PrecipitationSum);
      expect(await pool.exposure(locationKey)).to.equal(usd(1_000));
      const tx = replay(fixture, days, RECORDED_RAIN);
      await expect(tx)
        .to.emit(weather, 'PolicySettled')
        .withArgs(policyId, rainFeed(lastDay), POLICY_STATUS.Expired, 0n);
      await expect(tx).to.changeTokenBalance(ethers, stablecoin, client, 0n);
      expect(await pool.exposure(locationKey)).to.equal(0n);
    });

    it('Maximum, linear from 10 mm to 20 mm in a day: the wettest day (12.5 mm) pays 25 %', async function () {
      const fixture = await networkHelpers.loadFixture(recordedRainFixture);
      const { weather, stablecoin, client, days, lastDay } = fixture;
      const terms = weatherCover(client.address, days[0]!, lastDay, {
        aggregation: Aggregation.Maximum,
        trigger: 1_000,
        exit: 2_000,
      });
      const { policyId } = await issue(fixture, terms);
      const tx = replay(fixture, days, RECORDED_RAIN);
      await expect(tx).to.changeTokenBalance(ethers, stablecoin, client, usd(250));
      expect(await weather.indexOf(policyId)).to.deep.equal([true, 1_250n]);
    });

    it('DaysAbove 12 mm counts only days strictly above: one day, paying half between 0 and 2 days', async function () {
      const fixture = await networkHelpers.loadFixture(recordedRainFixture);
      const { weather, client, secondClient, days, lastDay } = fixture;
      const above12 = await issue(
        fixture,
        weatherCover(client.address, days[0]!, lastDay, {
          aggregation: Aggregation.DaysAbove,
          dayThreshold: 1_200,
          trigger: 0,
          exit: 2,
        }),
      );
      // 12.5 mm is not above a 12.5 mm threshold.
      const above125 = await issue(
        fixture,
        weatherCover(secondClient.address, days[0]!, lastDay, {
          aggregation: Aggregation.DaysAbove,
          dayThreshold: 1_250,
          trigger: 0,
          exit: 2,
        }),
        secondClient,
      );
      const receipt = await (await replay(fixture, days, RECORDED_RAIN)).wait();
      expect(await weather.indexOf(above12.policyId)).to.deep.equal([true, 1n]);
      expect(await weather.indexOf(above125.policyId)).to.deep.equal([true, 0n]);
      expect(settledPolicies(fixture, receipt, 'weather')).to.deep.equal([
        { policyId: above12.policyId, feedId: rainFeed(lastDay), status: BigInt(POLICY_STATUS.Paid), payout: usd(500) },
        { policyId: above125.policyId, feedId: rainFeed(lastDay), status: BigInt(POLICY_STATUS.Expired), payout: 0n },
      ]);
    });

    it('DaysBelow 1 mm over three recorded dry days, stepped (2 days: 300, 3 days: 600), pays the top step', async function () {
      const fixture = await networkHelpers.loadFixture(recordedRainFixture);
      const { weather, stablecoin, client } = fixture;
      const days = daysFrom(fixture.firstDay, RECORDED_DRY_DAYS.length);
      const terms = weatherCover(client.address, days[0]!, days[2]!, {
        aggregation: Aggregation.DaysBelow,
        dayThreshold: 100,
        trigger: 1,
        exit: 3,
        stepThresholds: [2, 3],
        stepPayouts: [usd(300), usd(600)],
        sumInsured: usd(600),
      });
      const { policyId } = await issue(fixture, terms);
      const tx = replay(fixture, days, RECORDED_DRY_DAYS);
      await expect(tx).to.changeTokenBalance(ethers, stablecoin, client, usd(600));
      await expect(tx)
        .to.emit(weather, 'PolicySettled')
        .withArgs(policyId, rainFeed(days[2]!), POLICY_STATUS.Paid, usd(600));
      expect(await weather.indexOf(policyId)).to.deep.equal([true, 3n]);
    });

    it('a falling index (drought), linear from 40 mm down to 20 mm: 24.4 mm pays 78 %', async function () {
      const fixture = await networkHelpers.loadFixture(recordedRainFixture);
      const { weather, stablecoin, client, days, lastDay } = fixture;
      const terms = weatherCover(client.address, days[0]!, lastDay, { trigger: 4_000, exit: 2_000 });
      const { policyId } = await issue(fixture, terms);
      const tx = replay(fixture, days, RECORDED_RAIN);
      // 1,000 x (4,000 - 2,440) / (4,000 - 2,000)
      await expect(tx).to.changeTokenBalance(ethers, stablecoin, client, usd(780));
      expect(await weather.payoutForIndex(policyId, 2_440)).to.equal(usd(780));
    });

    it('a falling index, stepped (30 mm: 100, 25 mm: 300, 20 mm: 600): 24.4 mm reaches the second step', async function () {
      const fixture = await networkHelpers.loadFixture(recordedRainFixture);
      const { weather, stablecoin, client, days, lastDay } = fixture;
      const terms = weatherCover(client.address, days[0]!, lastDay, {
        trigger: 3_000,
        exit: 2_000,
        stepThresholds: [3_000, 2_500, 2_000],
        stepPayouts: [usd(100), usd(300), usd(600)],
      });
      const { policyId } = await issue(fixture, terms);
      const tx = replay(fixture, days, RECORDED_RAIN);
      await expect(tx).to.changeTokenBalance(ethers, stablecoin, client, usd(300));
      expect(await weather.indexOf(policyId)).to.deep.equal([true, 2_440n]);
    });
  });

  describe('payoutForIndex', function () {
    async function policiesFixture() {
      const fixture = await recordedRainFixture();
      const { client, firstDay, lastDay } = fixture;
      const linear = await issue(fixture, weatherCover(client.address, firstDay, lastDay));
      const drought = await issue(
        fixture,
        weatherCover(client.address, firstDay, lastDay, { trigger: 4_000, exit: 2_000 }),
      );
      const stepped = await issue(
        fixture,
        weatherCover(client.address, firstDay, lastDay, {
          stepThresholds: [2_500, 4_000, 5_000],
          stepPayouts: [usd(100), usd(400), usd(900)],
        }),
      );
      const steppedDrought = await issue(
        fixture,
        weatherCover(client.address, firstDay, lastDay, {
          trigger: 4_000,
          exit: 1_000,
          stepThresholds: [3_000, 2_000],
          stepPayouts: [usd(200), usd(700)],
        }),
      );
      return { ...fixture, linear, drought, stepped, steppedDrought };
    }

    it('rising linear: nothing up to the trigger, pro rata between, the sum insured from the exit on', async function () {
      const { weather, linear } = await networkHelpers.loadFixture(policiesFixture);
      const table: [number, bigint][] = [
        [-100, 0n],
        [0, 0n],
        [2_000, 0n],
        [2_001, usd(0.25)], // 1,000 USD x 1 / 4,000
        [4_000, usd(500)],
        [5_999, usd(999.75)],
        [6_000, usd(1_000)],
        [60_000, usd(1_000)],
      ];
      for (const [index, payout] of table) {
        expect(await weather.payoutForIndex(linear.policyId, index)).to.equal(payout);
      }
    });

    it('falling linear: nothing down to the trigger, the sum insured from the exit down', async function () {
      const { weather, drought } = await networkHelpers.loadFixture(policiesFixture);
      const table: [number, bigint][] = [
        [10_000, 0n],
        [4_000, 0n],
        [3_000, usd(500)],
        [2_000, usd(1_000)],
        [0, usd(1_000)],
        [-500, usd(1_000)],
      ];
      for (const [index, payout] of table) {
        expect(await weather.payoutForIndex(drought.policyId, index)).to.equal(payout);
      }
    });

    it('stepped: the furthest threshold reached pays, thresholds inclusive, in either direction', async function () {
      const { weather, stepped, steppedDrought } = await networkHelpers.loadFixture(policiesFixture);
      const rising: [number, bigint][] = [
        [2_499, 0n],
        [2_500, usd(100)],
        [3_999, usd(100)],
        [4_000, usd(400)],
        [5_000, usd(900)],
        [99_999, usd(900)],
      ];
      for (const [index, payout] of rising) {
        expect(await weather.payoutForIndex(stepped.policyId, index)).to.equal(payout);
      }
      const falling: [number, bigint][] = [
        [3_001, 0n],
        [3_000, usd(200)],
        [2_001, usd(200)],
        [2_000, usd(700)],
        [0, usd(700)],
      ];
      for (const [index, payout] of falling) {
        expect(await weather.payoutForIndex(steppedDrought.policyId, index)).to.equal(payout);
      }
    });
  });

  describe('cancel', function () {
    async function issuedFixture() {
      const fixture = await recordedRainFixture();
      const terms = weatherCover(fixture.client.address, fixture.firstDay, fixture.lastDay);
      return { ...fixture, ...(await issue(fixture, terms)) };
    }

    it('by the holder before cover starts refunds 90 % of the premium; the pool’s insurer, within its notice, cannot', async function () {
      const { weather, stablecoin, client, insurer, policyId } = await networkHelpers.loadFixture(issuedFixture);
      await expect(weather.connect(insurer).cancel(policyId))
        .to.be.revertedWithCustomError(weather, 'ParametricProductInsurerCancellationClosed')
        .withArgs(policyId, await weather.insurerCancellationDeadline(policyId));
      const tx = weather.connect(client).cancel(policyId);
      await expect(tx).to.emit(weather, 'PolicyCancelled').withArgs(policyId, client.address, usd(54));
      await expect(tx).to.changeTokenBalances(ethers, stablecoin, [client, insurer], [usd(54), 0n]);
      expect((await weather.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Cancelled);
    });

    it('reverts with ParametricProductNotPolicyParty for another INSURER and for a deactivated holder', async function () {
      const { weather, access, client, secondInsurer, govern, policyId } =
        await networkHelpers.loadFixture(issuedFixture);
      await expect(weather.connect(secondInsurer).cancel(policyId))
        .to.be.revertedWithCustomError(weather, 'ParametricProductNotPolicyParty')
        .withArgs(policyId, secondInsurer.address);
      await govern(
        await access.getAddress(),
        access.interface.encodeFunctionData('setPartyActive', [client.address, false]),
      );
      await expect(weather.connect(client).cancel(policyId))
        .to.be.revertedWithCustomError(weather, 'ParametricProductNotPolicyParty')
        .withArgs(policyId, client.address);
      expect((await weather.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Issued);
    });
  });

  describe('days without a final value', function () {
    /** Reports exactly a quorum of agreeing values for one day, an hour after it ends. */
    async function observeDay(fixture: ParametricFixture, date: number, value: number) {
      await afterDayEnds(date);
      return reportQuorum(fixture, rainFeed(date), ObservationStatus.Observed, Array(HUB_SETTINGS.quorum).fill(value));
    }

    /** Moves past a day's data deadline and resolution period, and expires it. */
    async function expireDay(fixture: ParametricFixture, date: number) {
      const dueAt = startOfDate(date) + DAY + WEATHER_SETTINGS.dataGracePeriod + HUB_SETTINGS.resolutionPeriod;
      await time.increaseTo(Math.max(dueAt + 1, (await time.latest()) + 1));
      return fixture.hub.connect(fixture.stranger).expire(rainFeed(date));
    }

    it('a policy with a pending day is passed over, and the last day’s push finds nothing left', async function () {
      const fixture = await networkHelpers.loadFixture(recordedRainFixture);
      const { weather, stranger, client, days, lastDay } = fixture;
      const { policyId } = await issue(fixture, weatherCover(client.address, days[0]!, lastDay));
      // The last day's value is in; the first day's is late.
      const quorum = await observeDay(fixture, lastDay, 1_250);
      await expect(quorum).not.to.emit(weather, 'PolicySettled');
      expect(await weather.indexOf(policyId)).to.deep.equal([false, 0n]);
      expect((await weather.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Issued);
      expect(await weather.feedProgress(rainFeed(lastDay))).to.deep.equal([1n, 1n]);
      await expect(weather.connect(stranger).settle(rainFeed(lastDay), 10))
        .to.be.revertedWithCustomError(weather, 'ParametricProductNothingToSettle')
        .withArgs(rainFeed(lastDay));
    });

    it('is paid in the transaction that resolves its last pending day, whichever day that is', async function () {
      const fixture = await networkHelpers.loadFixture(recordedRainFixture);
      const { weather, stablecoin, client, days, lastDay } = fixture;
      const { policyId } = await issue(fixture, weatherCover(client.address, days[0]!, lastDay));
      await (await observeDay(fixture, lastDay, 1_250)).wait();

      // The first day's value arrives late, within its data deadline: its quorum settles the policy.
      const late = reportQuorum(
        fixture,
        rainFeed(days[0]!),
        ObservationStatus.Observed,
        Array(HUB_SETTINGS.quorum).fill(1_190),
      );
      await expect(late)
        .to.emit(weather, 'PolicySettled')
        .withArgs(policyId, rainFeed(days[0]!), POLICY_STATUS.Paid, usd(110));
      await expect(late).to.changeTokenBalance(ethers, stablecoin, client, usd(110));
      expect(await weather.indexOf(policyId)).to.deep.equal([true, 2_440n]);
    });

    it('a pending policy does not hold back a later, complete one on the same day', async function () {
      const fixture = await networkHelpers.loadFixture(recordedRainFixture);
      const { weather, secondClient, client, days, lastDay } = fixture;
      const waiting = await issue(fixture, weatherCover(client.address, days[0]!, lastDay));
      const oneDay = await issue(
        fixture,
        weatherCover(secondClient.address, lastDay, lastDay, { trigger: 1_000, exit: 2_000 }),
        secondClient,
      );
      const quorum = await observeDay(fixture, lastDay, 1_250);
      const settled = settledPolicies(fixture, await quorum.wait(), 'weather');
      expect(settled.map((entry) => [entry.policyId, entry.status, entry.payout])).to.deep.equal([
        [oneDay.policyId, BigInt(POLICY_STATUS.Paid), usd(250)],
      ]);
      expect((await weather.getPolicy(waiting.policyId)).status).to.equal(POLICY_STATUS.Issued);
    });

    it('refunds the full premium when an earlier day expires without data and the payout is uncertain', async function () {
      const fixture = await networkHelpers.loadFixture(recordedRainFixture);
      const { weather, stablecoin, treaty, pool, client, days, lastDay } = fixture;
      const { policyId } = await issue(fixture, weatherCover(client.address, days[0]!, lastDay));
      await (await observeDay(fixture, lastDay, 1_250)).wait();

      const premium = usd(60);
      const ceded = (premium * QUOTA_SHARE) / BPS;
      const tx = await expireDay(fixture, days[0]!);
      await expect(tx).to.emit(fixture.hub, 'FeedExpired');
      await expect(tx)
        .to.emit(weather, 'PolicySettled')
        .withArgs(policyId, rainFeed(days[0]!), POLICY_STATUS.Refunded, 0n);
      await expect(tx)
        .to.emit(treaty, 'PremiumReturned')
        .withArgs(policyId, premium, ceded - (ceded * 2_000n) / BPS);
      await expect(tx).to.changeTokenBalance(ethers, stablecoin, client, premium);
      expect(await weather.indexOf(policyId)).to.deep.equal([false, 0n]);
      const locationKey = weatherLocationKey(LATITUDE_E4, LONGITUDE_E4, '', WeatherMetric.PrecipitationSum);
      expect(await pool.exposure(locationKey)).to.equal(0n);
    });

    it('refunds the full premium in the expiry transaction when the last day expires without data', async function () {
      const fixture = await networkHelpers.loadFixture(recordedRainFixture);
      const { weather, stablecoin, stranger, client, days, lastDay } = fixture;
      const { policyId } = await issue(fixture, weatherCover(client.address, days[0]!, lastDay));
      await (await observeDay(fixture, days[0]!, 1_190)).wait();

      const dueAt = startOfDate(lastDay) + DAY + WEATHER_SETTINGS.dataGracePeriod + HUB_SETTINGS.resolutionPeriod;
      await time.increaseTo(dueAt - 1);
      await expect(weather.connect(stranger).settle(rainFeed(lastDay), 10))
        .to.be.revertedWithCustomError(weather, 'ParametricProductOutcomeNotFinal')
        .withArgs(rainFeed(lastDay));
      const tx = await expireDay(fixture, lastDay);
      await expect(tx)
        .to.emit(weather, 'PolicySettled')
        .withArgs(policyId, rainFeed(lastDay), POLICY_STATUS.Refunded, 0n);
      await expect(tx).to.changeTokenBalance(ethers, stablecoin, client, usd(60));
      expect((await weather.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Refunded);
    });

    it('pays a payout already certain when a day expires: a maximum past the exit pays in full', async function () {
      const fixture = await networkHelpers.loadFixture(recordedRainFixture);
      const { weather, stablecoin, client, days, lastDay } = fixture;
      // Maximum daily rain, paying from 10 mm to the full 1,000 at 12 mm: the recorded 12.5 mm is past the exit.
      const terms = weatherCover(client.address, days[0]!, lastDay, {
        aggregation: Aggregation.Maximum,
        trigger: 1_000,
        exit: 1_200,
      });
      const { policyId } = await issue(fixture, terms);
      await (await observeDay(fixture, lastDay, RECORDED_RAIN[1]!)).wait();
      const tx = await expireDay(fixture, days[0]!);
      await expect(tx)
        .to.emit(weather, 'PolicySettled')
        .withArgs(policyId, rainFeed(days[0]!), POLICY_STATUS.Paid, usd(1_000));
      await expect(tx).to.changeTokenBalance(ethers, stablecoin, client, usd(1_000));
    });

    it('pays a stepped payout only when every index the missing day leaves possible pays the same', async function () {
      const fixture = await networkHelpers.loadFixture(recordedRainFixture);
      const { weather, client, secondClient, days, lastDay } = fixture;
      // DaysAbove 12 mm over two days: one recorded day above, one missing, so the count is 1 or 2.
      const steps = { aggregation: Aggregation.DaysAbove, dayThreshold: 1_200, trigger: 0, exit: 2 };
      const same = await issue(
        fixture,
        weatherCover(client.address, days[0]!, lastDay, {
          ...steps,
          stepThresholds: [1, 2],
          stepPayouts: [usd(300), usd(300)],
        }),
      );
      const differs = await issue(
        fixture,
        weatherCover(secondClient.address, days[0]!, lastDay, {
          ...steps,
          stepThresholds: [1, 2],
          stepPayouts: [usd(300), usd(600)],
        }),
        secondClient,
      );
      await (await observeDay(fixture, lastDay, RECORDED_RAIN[1]!)).wait();
      const settled = settledPolicies(fixture, await (await expireDay(fixture, days[0]!)).wait(), 'weather');
      expect(settled.map((entry) => [entry.policyId, entry.status, entry.payout])).to.deep.equal([
        [same.policyId, BigInt(POLICY_STATUS.Paid), usd(300)],
        [differs.policyId, BigInt(POLICY_STATUS.Refunded), 0n],
      ]);
      expect((await weather.getPolicy(differs.policyId)).status).to.equal(POLICY_STATUS.Refunded);
    });
  });

  describe('terms that could freeze settlement', function () {
    const cases: [string, string, Partial<Terms>][] = [
      ['a trigger of type(int256).min', 'trigger', { trigger: ethers.MinInt256, exit: 6_000 }],
      ['an exit beyond 31 days of the largest daily value', 'exit', { exit: 31n * 10n ** 30n + 1n }],
      ['a day threshold beyond the largest daily value', 'dayThreshold', { dayThreshold: -(10n ** 30n) - 1n }],
      [
        'a step threshold beyond 31 days of the largest daily value',
        'stepThresholds',
        { stepThresholds: [2_500, ethers.MaxInt256], stepPayouts: [usd(100), usd(200)] },
      ],
    ];
    for (const [description, field, change] of cases) {
      it(`reverts with ParametricProductInvalidTerms("${field}") for ${description}`, async function () {
        const fixture = await networkHelpers.loadFixture(recordedRainFixture);
        const terms = weatherCover(fixture.client.address, fixture.firstDay, fixture.lastDay, change);
        const documentHash = await anchorWeatherDocument(fixture, terms);
        await expect(fixture.weather.connect(fixture.insurer).issue(terms, documentHash))
          .to.be.revertedWithCustomError(fixture.weather, 'ParametricProductInvalidTerms')
          .withArgs(field);
      });
    }

    it('accepts terms at the bounds: a trigger and exit at 31 times the largest daily value', async function () {
      const fixture = await networkHelpers.loadFixture(recordedRainFixture);
      const bound = 31n * 10n ** 30n;
      const terms = weatherCover(fixture.client.address, fixture.firstDay, fixture.lastDay, {
        trigger: -bound,
        exit: bound,
        dayThreshold: 10n ** 30n,
      });
      const { policyId } = await issue(fixture, terms);
      expect((await fixture.weather.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Issued);
    });

    /**
     * ADMINs resolve a late first day by hand with a value so large that a Sum over the window overflows: the Sum
     * policy is parked, the Maximum policy listed after it on the same day is still paid.
     */
    async function parkedFixture() {
      const fixture = await recordedRainFixture();
      const { client, secondClient, days, lastDay } = fixture;
      const sum = await issue(fixture, weatherCover(client.address, days[0]!, lastDay));
      const maximum = await issue(
        fixture,
        weatherCover(secondClient.address, days[0]!, lastDay, {
          aggregation: Aggregation.Maximum,
          trigger: 1_000,
          exit: 2_000,
        }),
        secondClient,
      );
      await (
        await reportQuorum(
          fixture,
          rainFeed(lastDay),
          ObservationStatus.Observed,
          Array(HUB_SETTINGS.quorum).fill(1_250),
        )
      ).wait();
      await time.increaseTo(startOfDate(days[0]!) + DAY + WEATHER_SETTINGS.dataGracePeriod + 1);
      const hubAddress = await fixture.hub.getAddress();
      const data = fixture.hub.interface.encodeFunctionData('resolve', [
        rainFeed(days[0]!),
        ObservationStatus.Observed,
        ethers.MaxInt256,
      ]);
      await (await fixture.access.connect(fixture.admin1).propose(hubAddress, data)).wait();
      const proposalId = await fixture.access.proposalCount();
      await (await fixture.access.connect(fixture.admin2).approve(proposalId)).wait();
      const tx = await fixture.access.connect(fixture.admin1).execute(proposalId);
      return { ...fixture, sum, maximum, tx };
    }

    it('parks a policy that cannot be evaluated (PolicyParked) and settles the others in the same transaction', async function () {
      const { weather, stablecoin, secondClient, days, sum, maximum, tx } =
        await networkHelpers.loadFixture(parkedFixture);
      await expect(tx).to.emit(weather, 'PolicyParked');
      await expect(tx)
        .to.emit(weather, 'PolicySettled')
        .withArgs(maximum.policyId, rainFeed(days[0]!), POLICY_STATUS.Paid, usd(1_000));
      await expect(tx).to.changeTokenBalance(ethers, stablecoin, secondClient, usd(1_000));
      expect((await weather.getPolicy(sum.policyId)).status).to.equal(POLICY_STATUS.Parked);
      expect(await weather.feedProgress(rainFeed(days[0]!))).to.deep.equal([2n, 2n]);
    });

    it('a parked policy is resolved by hand under dual control: its premium back, its collateral released', async function () {
      const fixture = await networkHelpers.loadFixture(parkedFixture);
      const { weather, stablecoin, pool, client, admin1, govern, sum } = fixture;
      await expect(weather.connect(admin1).resolveParked(sum.policyId, 0))
        .to.be.revertedWithCustomError(weather, 'ConsortiumGovernedDualControlRequired')
        .withArgs(admin1.address);
      const balanceBefore = await stablecoin.balanceOf(client.address);
      await govern(
        await weather.getAddress(),
        weather.interface.encodeFunctionData('resolveParked', [sum.policyId, 0]),
      );
      expect((await weather.getPolicy(sum.policyId)).status).to.equal(POLICY_STATUS.Refunded);
      expect((await stablecoin.balanceOf(client.address)) - balanceBefore).to.equal(usd(60));
      const locationKey = weatherLocationKey(LATITUDE_E4, LONGITUDE_E4, '', WeatherMetric.PrecipitationSum);
      expect(await pool.exposure(locationKey)).to.equal(0n);
      await expect(
        govern(await weather.getAddress(), weather.interface.encodeFunctionData('resolveParked', [sum.policyId, 0])),
      ).to.be.revertedWithCustomError(fixture.access, 'ConsortiumAccessExecutionFailed');
    });
  });
});
