import { expect } from 'chai';
import { ObservationStatus } from '../../services/shared/eip712.js';
import type { IFlightDelayProduct } from '../../types/ethers-contracts/index.js';
import { ethers, networkHelpers } from '../helpers/consortium.js';
import {
  deployParametricFixture,
  flightTermsHash,
  HUB_SETTINGS,
  POLICY_STATUS,
  usd,
  weatherTermsHash,
} from '../helpers/parametric.js';
import { cededNet, issueFlight, issueWeather, supersedeSigned } from '../helpers/lifecycle.js';
import {
  anchorFlightDocument,
  dateOfDay,
  DAY,
  flightCover,
  HOUR,
  reportQuorum,
  settledPolicies,
  weatherCover,
} from '../helpers/products.js';

/*
 * An endorsement amends the policy it endorses: policies are keyed by their document's version chain, so a chain
 * carries at most one live policy, and `endorse` replaces the policy with one on the new version, moving only the
 * premium difference.
 */

const { time } = networkHelpers;

type FlightTerms = IFlightDelayProduct.FlightDelayTermsStruct;

/** BA196 flying three days from now, premium 20, most payout 250, held by the client. */
async function bookedFlightFixture() {
  const fixture = await deployParametricFixture();
  const terms = flightCover(fixture.client.address, (await time.latest()) + 3 * DAY, 'BA', '196');
  return { ...fixture, terms, ...(await issueFlight(fixture, terms)) };
}

type Booked = Awaited<ReturnType<typeof bookedFlightFixture>>;

/** The insurer supersedes the policy's document with one for `terms`, co-signed by both parties. */
async function endorsementDocument(fixture: Booked, terms: FlightTerms, text = 'Endorsement 1') {
  return supersedeSigned(fixture, fixture.documentHash, flightTermsHash(terms), `${text} of ${fixture.documentHash}`);
}

/** Higher tiers for a higher premium: 100/200/300 for 30 (most payout 300). */
function raised(terms: FlightTerms): FlightTerms {
  return {
    ...terms,
    delayTierPayouts: [usd(100), usd(200), usd(300)],
    sumInsured: usd(300),
    premium: usd(30),
  };
}

/** Lower tiers for a lower premium: no cancellation or diversion cover, 12 (most payout 200). */
function lowered(terms: FlightTerms): FlightTerms {
  return { ...terms, cancellationPayout: 0n, diversionPayout: 0n, premium: usd(12) };
}

describe('Endorsement', function () {
  describe('issue on a version chain', function () {
    it('reverts with ParametricProductChainHasLivePolicy for a document superseding one with a live policy', async function () {
      const fixture = await networkHelpers.loadFixture(bookedFlightFixture);
      const { flight, stablecoin, client, insurer, terms, policyId, documentHash } = fixture;
      const amended = raised(terms);
      const superseding = await endorsementDocument(fixture, amended);
      const balanceBefore = await stablecoin.balanceOf(client.address);
      await expect(flight.connect(insurer).issue(amended, superseding))
        .to.be.revertedWithCustomError(flight, 'ParametricProductChainHasLivePolicy')
        .withArgs(documentHash, policyId);
      expect(await stablecoin.balanceOf(client.address)).to.equal(balanceBefore);
      expect(await flight.policyOfVersionChain(superseding)).to.equal(policyId);
    });

    it('accepts a superseding document once the chain’s policy has ended', async function () {
      const fixture = await networkHelpers.loadFixture(bookedFlightFixture);
      const { flight, client, insurer, terms, policyId } = fixture;
      await (await flight.connect(client).cancel(policyId)).wait();
      const amended = raised(terms);
      const superseding = await endorsementDocument(fixture, amended);
      await expect(flight.connect(insurer).issue(amended, superseding)).to.emit(flight, 'PolicyIssued');
      expect(await flight.policyOfVersionChain(fixture.documentHash)).to.equal(
        await flight.policyOfDocument(superseding),
      );
    });
  });

  describe('endorse', function () {
    it('raising the premium: the holder pays exactly the increase, the treaty takes its share of it', async function () {
      const fixture = await networkHelpers.loadFixture(bookedFlightFixture);
      const { flight, pool, treaty, stablecoin, client, insurer, terms, policyId, feedId } = fixture;
      const amended = raised(terms);
      const superseding = await endorsementDocument(fixture, amended);
      const newPolicyId = (await pool.policyCount()) + 1n;
      const lockedBefore = await pool.totalLocked();

      const tx = flight.connect(insurer).endorse(policyId, amended, superseding);
      await expect(tx).to.emit(flight, 'PolicyEndorsed').withArgs(policyId, newPolicyId, superseding, usd(20), usd(30));
      const treatyShare = cededNet(usd(30)) - cededNet(usd(20));
      await expect(tx).to.changeTokenBalances(
        ethers,
        stablecoin,
        [client, pool, treaty, insurer],
        [-usd(10), usd(10) - treatyShare, treatyShare, 0n],
      );

      expect((await flight.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Endorsed);
      const replacement = await flight.getPolicy(newPolicyId);
      expect(replacement.status).to.equal(POLICY_STATUS.Issued);
      expect(replacement.documentHash).to.equal(superseding);
      expect(replacement.premium).to.equal(usd(30));
      expect(replacement.maxPayout).to.equal(usd(300));
      expect(await flight.policyOfVersionChain(fixture.documentHash)).to.equal(newPolicyId);
      // The old collateral is released, the new one locked.
      expect((await pool.totalLocked()) - lockedBefore).to.equal(usd(50));
      expect(await pool.exposure(feedId)).to.equal(usd(300));
    });

    it('lowering the premium: the holder is refunded exactly the decrease, the treaty returns its share', async function () {
      const fixture = await networkHelpers.loadFixture(bookedFlightFixture);
      const { flight, pool, treaty, stablecoin, client, insurer, terms, policyId, feedId } = fixture;
      const amended = lowered(terms);
      const superseding = await endorsementDocument(fixture, amended);
      const tx = flight.connect(insurer).endorse(policyId, amended, superseding);
      const treatyReturn = cededNet(usd(20)) - cededNet(usd(12));
      await expect(tx).to.changeTokenBalances(
        ethers,
        stablecoin,
        [client, pool, treaty],
        [usd(8), -usd(8) + treatyReturn, -treatyReturn],
      );
      expect(await pool.exposure(feedId)).to.equal(usd(200));
    });

    it('the endorsed policy can no longer be cancelled, voided or settled: the flight pays the new one', async function () {
      const fixture = await networkHelpers.loadFixture(bookedFlightFixture);
      const { flight, stablecoin, client, insurer, terms, policyId, feedId } = fixture;
      const amended = raised(terms);
      const superseding = await endorsementDocument(fixture, amended);
      await (await flight.connect(insurer).endorse(policyId, amended, superseding)).wait();
      const newPolicyId = await flight.policyOfDocument(superseding);

      await expect(flight.connect(client).cancel(policyId))
        .to.be.revertedWithCustomError(flight, 'ParametricProductNotCancellable')
        .withArgs(policyId);
      await expect(flight.connect(insurer).endorse(policyId, amended, superseding))
        .to.be.revertedWithCustomError(flight, 'ParametricProductPolicyNotLive')
        .withArgs(policyId, POLICY_STATUS.Endorsed);

      // 82 minutes late: the new terms' 45-minute tier (300) is paid once; the old policy (200) is not.
      await time.increaseTo(Number(terms.scheduledArrival) + HOUR);
      const quorum = reportQuorum(fixture, feedId, ObservationStatus.Landed, Array(HUB_SETTINGS.quorum).fill(82));
      await expect(quorum).to.changeTokenBalances(ethers, stablecoin, [client], [usd(300)]);
      const settled = settledPolicies(fixture, await (await quorum).wait());
      expect(settled.map((entry) => entry.policyId)).to.deep.equal([newPolicyId]);
      expect((await flight.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Endorsed);
    });

    it('is possible until one second before the insurer’s cancellation deadline, then reverts with ParametricProductEndorsementClosed', async function () {
      const fixture = await networkHelpers.loadFixture(bookedFlightFixture);
      const { flight, insurer, terms, policyId } = fixture;
      const deadline = await flight.insurerCancellationDeadline(policyId);
      const amended = raised(terms);
      const superseding = await endorsementDocument(fixture, amended);
      await time.setNextBlockTimestamp(deadline);
      await expect(flight.connect(insurer).endorse(policyId, amended, superseding))
        .to.be.revertedWithCustomError(flight, 'ParametricProductEndorsementClosed')
        .withArgs(policyId, deadline);

      const earlier = await networkHelpers.loadFixture(bookedFlightFixture);
      const document = await endorsementDocument(earlier, amended);
      await time.setNextBlockTimestamp(deadline - 1n);
      await expect(earlier.flight.connect(earlier.insurer).endorse(policyId, amended, document)).to.emit(
        earlier.flight,
        'PolicyEndorsed',
      );
    });

    it('reverts with ParametricProductNotPoolInsurer for the holder, another INSURER or a stranger', async function () {
      const fixture = await networkHelpers.loadFixture(bookedFlightFixture);
      const { flight, client, secondInsurer, stranger, terms, policyId } = fixture;
      const amended = raised(terms);
      const superseding = await endorsementDocument(fixture, amended);
      for (const caller of [client, secondInsurer, stranger]) {
        await expect(flight.connect(caller).endorse(policyId, amended, superseding))
          .to.be.revertedWithCustomError(flight, 'ParametricProductNotPoolInsurer')
          .withArgs(caller.address);
      }
    });

    it('reverts with ParametricProductNotAnEndorsement for a document of another version chain', async function () {
      const fixture = await networkHelpers.loadFixture(bookedFlightFixture);
      const { flight, insurer, terms, policyId } = fixture;
      const amended = raised(terms);
      const unrelated = await anchorFlightDocument(fixture, amended);
      await expect(flight.connect(insurer).endorse(policyId, amended, unrelated))
        .to.be.revertedWithCustomError(flight, 'ParametricProductNotAnEndorsement')
        .withArgs(policyId, unrelated);
    });

    it('reverts unless the holder co-signed the new version and its terms hash matches', async function () {
      const fixture = await networkHelpers.loadFixture(bookedFlightFixture);
      const { flight, client, insurer, terms, policyId, documentHash } = fixture;
      const amended = raised(terms);
      const unsigned = await supersedeSigned(
        fixture,
        documentHash,
        flightTermsHash(amended),
        'Endorsement the client never signed',
        client,
        [insurer],
      );
      await expect(flight.connect(insurer).endorse(policyId, amended, unsigned))
        .to.be.revertedWithCustomError(flight, 'ParametricProductNotCoSigned')
        .withArgs(unsigned, client.address);

      const other = await networkHelpers.loadFixture(bookedFlightFixture);
      const signed = await endorsementDocument(other, amended);
      const different = { ...amended, premium: usd(25) };
      await expect(other.flight.connect(other.insurer).endorse(policyId, different, signed))
        .to.be.revertedWithCustomError(flight, 'ParametricProductTermsMismatch')
        .withArgs(signed, flightTermsHash(amended), flightTermsHash(different));
    });

    it('reverts with ParametricProductHolderChanged for terms naming another holder', async function () {
      const fixture = await networkHelpers.loadFixture(bookedFlightFixture);
      const { flight, insurer, secondClient, terms, policyId } = fixture;
      const amended = { ...raised(terms), policyholder: secondClient.address };
      const superseding = await endorsementDocument(fixture, amended);
      await expect(flight.connect(insurer).endorse(policyId, amended, superseding))
        .to.be.revertedWithCustomError(flight, 'ParametricProductHolderChanged')
        .withArgs(policyId, secondClient.address);
    });

    it('amends a weather policy, moving only the premium difference', async function () {
      const fixture = await networkHelpers.loadFixture(deployParametricFixture);
      const { weather, stablecoin, client, insurer } = fixture;
      const day = dateOfDay(Math.floor((await time.latest()) / DAY) + 5);
      const terms = weatherCover(client.address, day, day);
      const { policyId, documentHash } = await issueWeather(fixture, terms);
      const amended = { ...terms, endDate: dateOfDay(Math.floor((await time.latest()) / DAY) + 6), premium: usd(75) };
      const superseding = await supersedeSigned(
        fixture,
        documentHash,
        weatherTermsHash(amended),
        'Weather endorsement: one more day',
      );
      const tx = weather.connect(insurer).endorse(policyId, amended, superseding);
      await expect(tx).to.emit(weather, 'PolicyEndorsed');
      await expect(tx).to.changeTokenBalances(ethers, stablecoin, [client], [-usd(15)]);
      expect((await weather.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Endorsed);
      const replacement = await weather.getPolicy(await weather.policyOfDocument(superseding));
      expect(replacement.status).to.equal(POLICY_STATUS.Issued);
      expect(replacement.premium).to.equal(usd(75));
    });
  });
});
