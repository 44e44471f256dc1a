import { expect } from 'chai';
import { domainOf, ObservationStatus } from '../../services/shared/eip712.js';
import { ethers, networkHelpers } from '../helpers/consortium.js';
import {
  deployParametricFixture,
  HUB_SETTINGS,
  POLICY_STATUS,
  usd,
  type ParametricFixture,
} from '../helpers/parametric.js';
import {
  cededNet,
  executeUnderDualControl,
  issueFlight,
  PARAMETRIC_PRODUCT_DOMAIN_NAME,
  REVOCATION_REASON,
  signVoidConsent,
  VOID_CONSENT_TYPES,
} from '../helpers/lifecycle.js';
import { DAY, flightCover, HOUR, reportQuorum } from '../helpers/products.js';

/*
 * Revoking a policy's document for a reason that voids the contract voids the live policy, but never at the
 * insurer's word alone: IssuedInError and Rescinded need the holder (its call, or its signed consent relayed) before
 * cover starts; Fraud and RegulatoryOrder need dual control, until the policy is settled.
 */

const { time } = networkHelpers;

const PREMIUM = usd(20);
const REASONS = Object.values(REVOCATION_REASON);

/** BA196 flying three days from now, premium 20, held by the client; a second client holds the same cover. */
async function bookedFlightFixture() {
  const fixture = await deployParametricFixture();
  const terms = flightCover(fixture.client.address, (await time.latest()) + 3 * DAY, 'BA', '196');
  const issued = await issueFlight(fixture, terms);
  const other = await issueFlight(
    fixture,
    { ...terms, policyholder: fixture.secondClient.address },
    fixture.secondClient,
  );
  return { ...fixture, terms, ...issued, otherPolicyId: other.policyId };
}

type Booked = Awaited<ReturnType<typeof bookedFlightFixture>>;

/** The insurer, as the document's registrant, revokes the policy's document. */
async function revoke(fixture: Booked, reason: number): Promise<void> {
  await (await fixture.registry.connect(fixture.insurer).revoke(fixture.documentHash, reason)).wait();
}

/** Dual control calls voidPolicyUnderDualControl; returns the execution. */
async function voidUnderDualControl(fixture: ParametricFixture, policyId: bigint) {
  const { flight } = fixture;
  const data = flight.interface.encodeFunctionData('voidPolicyUnderDualControl', [policyId]);
  return executeUnderDualControl(fixture, await flight.getAddress(), data);
}

/** The revert data dual control's execution carries when the product refuses. */
function wrapped(fixture: ParametricFixture, error: string, args: unknown[]) {
  return [(proposalId: bigint) => proposalId > 0n, fixture.flight.interface.encodeErrorResult(error, args)] as const;
}

async function consentDeadline(): Promise<bigint> {
  return BigInt(await time.latest()) + BigInt(HOUR);
}

describe('Voiding', function () {
  describe('by the insurer alone', function () {
    for (const reason of REASONS) {
      it(`reason ${reason}: revoking the document voids nothing, and neither voiding route works`, async function () {
        const fixture = await networkHelpers.loadFixture(bookedFlightFixture);
        const { flight, insurer, policyId, documentHash } = fixture;
        await revoke(fixture, reason);
        await expect(flight.connect(insurer).voidPolicy(policyId))
          .to.be.revertedWithCustomError(flight, 'ParametricProductNotPolicyHolder')
          .withArgs(policyId, insurer.address);
        await expect(flight.connect(insurer).voidPolicyUnderDualControl(policyId))
          .to.be.revertedWithCustomError(flight, 'ConsortiumGovernedDualControlRequired')
          .withArgs(insurer.address);
        // The insurer's own signature is no consent of the holder's.
        const deadline = await consentDeadline();
        const signature = await signVoidConsent(flight, insurer, { policyId, documentHash, reason, deadline });
        await expect(flight.connect(insurer).voidPolicyWithConsent(policyId, deadline, signature))
          .to.be.revertedWithCustomError(flight, 'ParametricProductInvalidConsent')
          .withArgs(policyId, fixture.client.address);
        expect((await flight.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Issued);
      });
    }
  });

  describe('with the holder (IssuedInError, Rescinded)', function () {
    it('the holder’s call voids after IssuedInError: whole premium back, collateral released', async function () {
      const fixture = await networkHelpers.loadFixture(bookedFlightFixture);
      const { flight, pool, treaty, stablecoin, client, policyId } = fixture;
      await revoke(fixture, REVOCATION_REASON.IssuedInError);
      const lockedBefore = await pool.totalLocked();
      const tx = flight.connect(client).voidPolicy(policyId);
      await expect(tx)
        .to.emit(flight, 'PolicyVoided')
        .withArgs(policyId, REVOCATION_REASON.IssuedInError, client.address, PREMIUM);
      await expect(tx).to.emit(pool, 'PremiumRefunded').withArgs(policyId, client.address, PREMIUM, usd(250));
      await expect(tx).to.changeTokenBalances(ethers, stablecoin, [client, treaty], [PREMIUM, -cededNet(PREMIUM)]);
      expect((await flight.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Voided);
      expect(lockedBefore - (await pool.totalLocked())).to.equal(usd(250));
    });

    it('a consent the holder signed, relayed by anyone, voids after Rescinded, once', async function () {
      const fixture = await networkHelpers.loadFixture(bookedFlightFixture);
      const { flight, stablecoin, client, stranger, policyId, documentHash } = fixture;
      await revoke(fixture, REVOCATION_REASON.Rescinded);
      const deadline = await consentDeadline();
      const consent = { policyId, documentHash, reason: REVOCATION_REASON.Rescinded, deadline };
      const signature = await signVoidConsent(flight, client, consent);
      // The digest the product checks is the one a wallet computes from the typed data it shows.
      const { chainId } = await ethers.provider.getNetwork();
      const domain = domainOf(PARAMETRIC_PRODUCT_DOMAIN_NAME, chainId, await flight.getAddress());
      expect(await flight.voidConsentDigest(policyId, deadline)).to.equal(
        ethers.TypedDataEncoder.hash(domain, VOID_CONSENT_TYPES, consent),
      );
      const tx = flight.connect(stranger).voidPolicyWithConsent(policyId, deadline, signature);
      await expect(tx)
        .to.emit(flight, 'PolicyVoided')
        .withArgs(policyId, REVOCATION_REASON.Rescinded, stranger.address, PREMIUM);
      await expect(tx).to.changeTokenBalances(ethers, stablecoin, [client, stranger], [PREMIUM, 0n]);
      await expect(flight.connect(stranger).voidPolicyWithConsent(policyId, deadline, signature))
        .to.be.revertedWithCustomError(flight, 'ParametricProductPolicyNotLive')
        .withArgs(policyId, POLICY_STATUS.Voided);
    });

    it('reverts with ParametricProductInvalidConsent for another signer, another policy or another reason', async function () {
      const fixture = await networkHelpers.loadFixture(bookedFlightFixture);
      const { flight, client, secondClient, stranger, policyId, otherPolicyId, documentHash } = fixture;
      await revoke(fixture, REVOCATION_REASON.IssuedInError);
      const deadline = await consentDeadline();
      const consent = { policyId, documentHash, reason: REVOCATION_REASON.IssuedInError, deadline };
      const forgeries = [
        await signVoidConsent(flight, secondClient, consent),
        await signVoidConsent(flight, client, { ...consent, policyId: otherPolicyId }),
        await signVoidConsent(flight, client, { ...consent, reason: REVOCATION_REASON.Rescinded }),
        await signVoidConsent(flight, client, { ...consent, deadline: deadline + 1n }),
      ];
      for (const signature of forgeries) {
        await expect(flight.connect(stranger).voidPolicyWithConsent(policyId, deadline, signature))
          .to.be.revertedWithCustomError(flight, 'ParametricProductInvalidConsent')
          .withArgs(policyId, client.address);
      }
      expect((await flight.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Issued);
    });

    it('reverts with ParametricProductConsentExpired after the consent’s deadline', async function () {
      const fixture = await networkHelpers.loadFixture(bookedFlightFixture);
      const { flight, client, stranger, policyId, documentHash } = fixture;
      await revoke(fixture, REVOCATION_REASON.IssuedInError);
      const deadline = await consentDeadline();
      const reason = REVOCATION_REASON.IssuedInError;
      const signature = await signVoidConsent(flight, client, { policyId, documentHash, reason, deadline });
      await time.setNextBlockTimestamp(deadline + 1n);
      await expect(flight.connect(stranger).voidPolicyWithConsent(policyId, deadline, signature))
        .to.be.revertedWithCustomError(flight, 'ParametricProductConsentExpired')
        .withArgs(deadline, deadline + 1n);
    });

    it('reverts with ParametricProductNotVoidable unless the document is revoked for IssuedInError or Rescinded', async function () {
      for (const reason of [null, ...REASONS]) {
        if (reason === REVOCATION_REASON.IssuedInError || reason === REVOCATION_REASON.Rescinded) continue;
        const fixture = await networkHelpers.loadFixture(bookedFlightFixture);
        const { flight, client, policyId } = fixture;
        if (reason !== null) await revoke(fixture, reason);
        await expect(flight.connect(client).voidPolicy(policyId))
          .to.be.revertedWithCustomError(flight, 'ParametricProductNotVoidable')
          .withArgs(policyId, reason ?? REVOCATION_REASON.Unspecified);
      }
    });

    it('reverts with ParametricProductVoidingClosed once cover has started', async function () {
      const fixture = await networkHelpers.loadFixture(bookedFlightFixture);
      const { flight, client, policyId, terms } = fixture;
      await revoke(fixture, REVOCATION_REASON.IssuedInError);
      await time.setNextBlockTimestamp(Number(terms.coverageStart));
      await expect(flight.connect(client).voidPolicy(policyId))
        .to.be.revertedWithCustomError(flight, 'ParametricProductVoidingClosed')
        .withArgs(policyId, terms.coverageStart);
    });

    it('reverts with ParametricProductNotPolicyHolder for another client', async function () {
      const fixture = await networkHelpers.loadFixture(bookedFlightFixture);
      const { flight, secondClient, policyId } = fixture;
      await revoke(fixture, REVOCATION_REASON.IssuedInError);
      await expect(flight.connect(secondClient).voidPolicy(policyId))
        .to.be.revertedWithCustomError(flight, 'ParametricProductNotPolicyHolder')
        .withArgs(policyId, secondClient.address);
    });
  });

  describe('under dual control (Fraud, RegulatoryOrder)', function () {
    it('voids after Fraud during cover with no refund: the pool keeps the premium, the collateral is released', async function () {
      const fixture = await networkHelpers.loadFixture(bookedFlightFixture);
      const { flight, pool, treaty, stablecoin, client, access, policyId, terms } = fixture;
      await revoke(fixture, REVOCATION_REASON.Fraud);
      await time.increaseTo(Number(terms.coverageStart) + HOUR);
      const [lockedBefore, reserveBefore] = [await pool.totalLocked(), await pool.premiumReserve()];
      const tx = voidUnderDualControl(fixture, policyId);
      await expect(tx)
        .to.emit(flight, 'PolicyVoided')
        .withArgs(policyId, REVOCATION_REASON.Fraud, await access.getAddress(), 0n);
      await expect(tx).to.changeTokenBalances(ethers, stablecoin, [client, pool, treaty], [0n, 0n, 0n]);
      expect((await flight.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Voided);
      expect(lockedBefore - (await pool.totalLocked())).to.equal(usd(250));
      expect(reserveBefore - (await pool.premiumReserve())).to.equal(PREMIUM);
    });

    it('voids after RegulatoryOrder refunding the whole premium; the flight’s other policy is still paid', async function () {
      const fixture = await networkHelpers.loadFixture(bookedFlightFixture);
      const { flight, stablecoin, client, secondClient, access, policyId, otherPolicyId, feedId, terms } = fixture;
      await revoke(fixture, REVOCATION_REASON.RegulatoryOrder);
      const tx = voidUnderDualControl(fixture, policyId);
      await expect(tx)
        .to.emit(flight, 'PolicyVoided')
        .withArgs(policyId, REVOCATION_REASON.RegulatoryOrder, await access.getAddress(), PREMIUM);
      await expect(tx).to.changeTokenBalances(ethers, stablecoin, [client], [PREMIUM]);

      // 82 minutes late: the other policy pays its 45-minute tier; the voided one nothing.
      await time.increaseTo(Number(terms.scheduledArrival) + HOUR);
      const quorum = reportQuorum(fixture, feedId, ObservationStatus.Landed, Array(HUB_SETTINGS.quorum).fill(82));
      await expect(quorum).to.changeTokenBalances(ethers, stablecoin, [client, secondClient], [0n, usd(200)]);
      expect((await flight.getPolicy(otherPolicyId)).status).to.equal(POLICY_STATUS.Paid);
      expect((await flight.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Voided);
    });

    it('reverts (ParametricProductNotVoidable) for IssuedInError or Rescinded: those need the holder', async function () {
      for (const reason of [REVOCATION_REASON.IssuedInError, REVOCATION_REASON.Rescinded]) {
        const fixture = await networkHelpers.loadFixture(bookedFlightFixture);
        const { access, policyId } = fixture;
        await revoke(fixture, reason);
        await expect(voidUnderDualControl(fixture, policyId))
          .to.be.revertedWithCustomError(access, 'ConsortiumAccessExecutionFailed')
          .withArgs(...wrapped(fixture, 'ParametricProductNotVoidable', [policyId, reason]));
      }
    });

    it('reverts (ParametricProductPolicyNotLive) once the policy is settled', async function () {
      const fixture = await networkHelpers.loadFixture(bookedFlightFixture);
      const { flight, access, policyId, feedId, terms } = fixture;
      await time.increaseTo(Number(terms.scheduledArrival) + HOUR);
      await (await reportQuorum(fixture, feedId, ObservationStatus.Landed, Array(HUB_SETTINGS.quorum).fill(82))).wait();
      expect((await flight.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Paid);
      await revoke(fixture, REVOCATION_REASON.Fraud);
      await expect(voidUnderDualControl(fixture, policyId))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessExecutionFailed')
        .withArgs(...wrapped(fixture, 'ParametricProductPolicyNotLive', [policyId, POLICY_STATUS.Paid]));
    });
  });
});
