import { expect } from 'chai';
import { ethers, networkHelpers } from '../helpers/consortium.js';
import { deployParametricFixture, POLICY_STATUS, usd } from '../helpers/parametric.js';
import { cededNet, executeUnderDualControl, issueFlight, issueWeather } from '../helpers/lifecycle.js';
import { dateOfDay, DAY, flightCover, HOUR, weatherCover } from '../helpers/products.js';

/*
 * Cancellation is fair to both parties: the client cancels on its terms until its cover starts; the insurer alone
 * refunds the whole premium and must do it before its notice period (counted back from cover start) begins.
 */

const { time } = networkHelpers;

/** The notice a fresh product gives (48 hours). */
const NOTICE = 48 * HOUR;

/** BA196 flying three days from now (cover from 3 days + 1 h), premium 20, 90 % refundable by the client. */
async function flightBookedAheadFixture() {
  const fixture = await deployParametricFixture();
  const terms = flightCover(fixture.client.address, (await time.latest()) + 3 * DAY, 'BA', '196');
  const issued = await issueFlight(fixture, terms);
  const deadline = Number(terms.coverageStart) - NOTICE;
  return { ...fixture, terms, deadline, ...issued };
}

/** BA196 departing in six hours (cover from one hour from now): the insurer's notice period has begun. */
async function flightDepartingTodayFixture() {
  const fixture = await deployParametricFixture();
  const terms = flightCover(fixture.client.address, await time.latest(), 'BA', '196');
  return { ...fixture, terms, ...(await issueFlight(fixture, terms)) };
}

describe('Cancellation', function () {
  describe('by the pool’s insurer', function () {
    it('refunds the whole premium, the treaty returning its share, and releases the collateral', async function () {
      const { flight, pool, treaty, stablecoin, client, insurer, policyId, feedId } =
        await networkHelpers.loadFixture(flightBookedAheadFixture);
      const premium = usd(20);
      const tx = flight.connect(insurer).cancel(policyId);
      await expect(tx).to.emit(flight, 'PolicyCancelled').withArgs(policyId, insurer.address, premium);
      await expect(tx).to.emit(treaty, 'PremiumReturned').withArgs(policyId, premium, cededNet(premium));
      await expect(tx).to.changeTokenBalances(
        ethers,
        stablecoin,
        [client, pool, treaty, insurer],
        [premium, cededNet(premium) - premium, -cededNet(premium), 0n],
      );
      expect((await flight.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Cancelled);
      expect(await pool.exposure(feedId)).to.equal(0n);
    });

    it('is possible until one second before its deadline: cover start less the notice', async function () {
      const { flight, insurer, policyId, deadline } = await networkHelpers.loadFixture(flightBookedAheadFixture);
      expect(await flight.insurerCancellationNotice()).to.equal(NOTICE);
      expect(await flight.insurerCancellationDeadline(policyId)).to.equal(deadline);
      await time.setNextBlockTimestamp(deadline - 1);
      await expect(flight.connect(insurer).cancel(policyId))
        .to.emit(flight, 'PolicyCancelled')
        .withArgs(policyId, insurer.address, usd(20));
    });

    it('reverts with ParametricProductInsurerCancellationClosed from its deadline on', async function () {
      const { flight, insurer, policyId, deadline, terms } = await networkHelpers.loadFixture(flightBookedAheadFixture);
      for (const at of [deadline, deadline + HOUR, Number(terms.coverageStart) - 1, Number(terms.coverageStart)]) {
        await time.setNextBlockTimestamp(at);
        await expect(flight.connect(insurer).cancel(policyId))
          .to.be.revertedWithCustomError(flight, 'ParametricProductInsurerCancellationClosed')
          .withArgs(policyId, deadline);
      }
      expect((await flight.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Issued);
    });

    it('cannot drop a cover after the airline announced a cancellation, before the oracles report it', async function () {
      const { flight, stablecoin, insurer, client, policyId } =
        await networkHelpers.loadFixture(flightDepartingTodayFixture);
      const deadline = await flight.insurerCancellationDeadline(policyId);
      await expect(flight.connect(insurer).cancel(policyId))
        .to.be.revertedWithCustomError(flight, 'ParametricProductInsurerCancellationClosed')
        .withArgs(policyId, deadline);
      expect((await flight.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Issued);
      // The client keeps its cover, or may still cancel it on its own terms.
      await expect(flight.connect(client).cancel(policyId)).to.changeTokenBalances(
        ethers,
        stablecoin,
        [client],
        [usd(18)],
      );
    });

    it('refunds a weather policy’s whole premium, and is closed from its first day less the notice', async function () {
      const fixture = await networkHelpers.loadFixture(deployParametricFixture);
      const { weather, stablecoin, client, insurer } = fixture;
      const firstDay = dateOfDay(Math.floor((await time.latest()) / DAY) + 5);
      const issued = [];
      for (const premium of [usd(60), usd(61)]) {
        issued.push(
          (await issueWeather(fixture, weatherCover(client.address, firstDay, firstDay, { premium }))).policyId,
        );
      }
      const [first, second] = issued as [bigint, bigint];
      const deadline = await weather.insurerCancellationDeadline(first);
      expect(deadline).to.equal(BigInt(Number((await weather.getPolicy(first)).coverageStart) - NOTICE));

      await expect(weather.connect(insurer).cancel(first)).to.changeTokenBalances(
        ethers,
        stablecoin,
        [client],
        [usd(60)],
      );
      await time.setNextBlockTimestamp(deadline);
      await expect(weather.connect(insurer).cancel(second))
        .to.be.revertedWithCustomError(weather, 'ParametricProductInsurerCancellationClosed')
        .withArgs(second, deadline);
    });
  });

  describe('by the holder', function () {
    it('refunds the terms’ share (90 %) inside the insurer’s notice, until one second before cover starts', async function () {
      const { flight, stablecoin, client, policyId, terms, deadline } =
        await networkHelpers.loadFixture(flightBookedAheadFixture);
      await time.increaseTo(deadline + HOUR);
      await time.setNextBlockTimestamp(Number(terms.coverageStart) - 1);
      const tx = flight.connect(client).cancel(policyId);
      await expect(tx).to.emit(flight, 'PolicyCancelled').withArgs(policyId, client.address, usd(18));
      await expect(tx).to.changeTokenBalances(ethers, stablecoin, [client], [usd(18)]);
    });

    it('reverts with ParametricProductNotCancellable once cover has started', async function () {
      const { flight, client, policyId, terms } = await networkHelpers.loadFixture(flightBookedAheadFixture);
      await time.setNextBlockTimestamp(Number(terms.coverageStart));
      await expect(flight.connect(client).cancel(policyId))
        .to.be.revertedWithCustomError(flight, 'ParametricProductNotCancellable')
        .withArgs(policyId);
    });
  });

  describe('setInsurerCancellationNotice', function () {
    it('reverts with ConsortiumGovernedDualControlRequired for a single ADMIN or the insurer', async function () {
      const { flight, admin1, insurer } = await networkHelpers.loadFixture(flightBookedAheadFixture);
      for (const caller of [admin1, insurer]) {
        await expect(flight.connect(caller).setInsurerCancellationNotice(0))
          .to.be.revertedWithCustomError(flight, 'ConsortiumGovernedDualControlRequired')
          .withArgs(caller.address);
      }
    });

    it('under dual control moves every policy’s deadline and emits InsurerCancellationNoticeSet', async function () {
      const fixture = await networkHelpers.loadFixture(flightBookedAheadFixture);
      const { flight, insurer, policyId, terms, deadline } = fixture;
      const longer = 4 * DAY;
      const data = flight.interface.encodeFunctionData('setInsurerCancellationNotice', [longer]);
      await expect(executeUnderDualControl(fixture, await flight.getAddress(), data))
        .to.emit(flight, 'InsurerCancellationNoticeSet')
        .withArgs(longer);
      expect(await flight.insurerCancellationNotice()).to.equal(longer);
      // Cover starts in three days and an hour: four days' notice have already begun.
      const closedAt = Number(terms.coverageStart) - longer;
      expect(await flight.insurerCancellationDeadline(policyId)).to.equal(closedAt);
      expect(closedAt).to.be.below(deadline);
      await expect(flight.connect(insurer).cancel(policyId))
        .to.be.revertedWithCustomError(flight, 'ParametricProductInsurerCancellationClosed')
        .withArgs(policyId, closedAt);
    });

    it('reverts with ParametricProductInvalidNotice above MAX_INSURER_CANCELLATION_NOTICE', async function () {
      const fixture = await networkHelpers.loadFixture(flightBookedAheadFixture);
      const { flight, access } = fixture;
      const tooLong = (await flight.MAX_INSURER_CANCELLATION_NOTICE()) + 1n;
      const data = flight.interface.encodeFunctionData('setInsurerCancellationNotice', [tooLong]);
      await expect(executeUnderDualControl(fixture, await flight.getAddress(), data))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessExecutionFailed')
        .withArgs(
          (proposalId: bigint) => proposalId > 0n,
          flight.interface.encodeErrorResult('ParametricProductInvalidNotice', [tooLong]),
        );
      expect(await flight.insurerCancellationNotice()).to.equal(NOTICE);
    });
  });
});
