import { expect } from 'chai';
import { TypedDataEncoder } from 'ethers';
import { flightFeedId, TREATY_TERMS_TYPES } from '../../services/shared/eip712.js';
import type { IReinsuranceTreaty } from '../../types/ethers-contracts/index.js';
import {
  anchorDocument,
  anchorSecondTreatyDocument,
  BPS,
  cessionsIn,
  deployCapitalFixture,
  deploySecondPoolFixture,
  finaliseFlight,
  fund,
  impersonate,
  issueFlight,
  openDirect,
  SECOND_TREATY_COLLATERAL,
  treatyTermsHash,
  type CapitalFixture,
  type CessionRecord,
} from '../helpers/capital.js';
import { ethers, networkHelpers, ROLES } from '../helpers/consortium.js';
import { coSign, relayCoSignature } from '../helpers/cosign.js';
import { anchorSigned, DOCUMENT_TYPE, TREATY, usd } from '../helpers/parametric.js';

const { time } = networkHelpers;
const loadFixture = networkHelpers.loadFixture.bind(networkHelpers);

const TREATY_COLLATERAL = usd(100_000);
const FLIGHT = flightFeedId('BA', '196', 20261120);
const OTHER_FLIGHT = flightFeedId('LH', '400', 20261120);

/**
 * Checks that the reinsurer may withdraw exactly `withdrawable` of the main treaty's collateral: one unit more
 * reverts with ReinsuranceTreatyCollateralLocked(requested, withdrawable). Withdraws nothing.
 */
async function expectWithdrawable(fixture: CapitalFixture, withdrawable: bigint): Promise<void> {
  const { treaty, reinsurer } = fixture;
  await expect(treaty.connect(reinsurer).withdrawCollateral(withdrawable + 1n))
    .to.be.revertedWithCustomError(treaty, 'ReinsuranceTreatyCollateralLocked')
    .withArgs(withdrawable + 1n, withdrawable);
  if (withdrawable > 0n) {
    await treaty.connect(reinsurer).withdrawCollateral.staticCall(withdrawable);
  }
}

/** What a flight policy in the loss scenario pays on cancellation, and who holds it. */
interface ScenarioPolicy {
  flightNumber: string;
  holder: 'client' | 'secondClient';
  cancellationPayout: bigint;
}

/**
 * Eight cancellation covers on three flights, issued in this order (policy ids 1 to 8). BA196's second policy pays
 * nothing on cancellation, so it only releases its collateral.
 */
const SCENARIO: readonly ScenarioPolicy[] = [
  { flightNumber: '196', holder: 'client', cancellationPayout: usd(2_000) },
  { flightNumber: '196', holder: 'secondClient', cancellationPayout: 0n },
  { flightNumber: '196', holder: 'client', cancellationPayout: usd(1_500) + 1n },
  { flightNumber: '196', holder: 'secondClient', cancellationPayout: usd(3_000) },
  { flightNumber: '196', holder: 'client', cancellationPayout: usd(4_000) },
  { flightNumber: '197', holder: 'client', cancellationPayout: usd(6_000) },
  { flightNumber: '197', holder: 'secondClient', cancellationPayout: usd(3_000) },
  { flightNumber: '198', holder: 'client', cancellationPayout: usd(5_000) },
];

/** The flight scenario's policies, issued; the clock is then moved past the flights' arrival. */
async function deployFlightLossesFixture() {
  const fixture = await deployCapitalFixture();
  const feeds: Record<string, string> = {};
  for (const [index, policy] of SCENARIO.entries()) {
    const holder = fixture[policy.holder];
    const payout = policy.cancellationPayout;
    const { feedId } = await issueFlight(
      fixture,
      holder,
      `Cancellation cover #${index + 1} on BA${policy.flightNumber}`,
      {
        flightNumber: policy.flightNumber,
        cancellationPayout: payout,
        sumInsured: payout > usd(250) ? payout : usd(250),
      },
    );
    feeds[policy.flightNumber] = feedId;
  }
  await time.increase(13 * 3600);
  return { ...fixture, feeds: feeds as Record<'196' | '197' | '198', string> };
}

/**
 * The flight scenario with the reinsurer having taken back all it may (collateral 12,410 for 24,700 locked, and the
 * 38.40 of premium ceded on the eight policies) and BA196 settled in full (8,150 recovered), leaving 4,260 of
 * collateral and no premium for the two other flights.
 */
async function deployShortfallFixture() {
  const fixture = await deployPremiumHeldShortfallFixture();
  const { treaty, reinsurer } = fixture;
  await (await treaty.connect(reinsurer).withdrawPremium(PREMIUM_HELD)).wait();
  return fixture;
}

/** Premium the treaty holds for the reinsurer on the eight scenario policies: 30 % of 20, less 20 %, eight times. */
const PREMIUM_HELD = 8n * usd(4.8);

/** The shortfall fixture before the reinsurer withdraws its premium: 4,260 of collateral and 38.40 of premium held. */
async function deployPremiumHeldShortfallFixture() {
  const fixture = await deployFlightLossesFixture();
  const { treaty, reinsurer, feeds } = fixture;
  await (await treaty.connect(reinsurer).withdrawCollateral(TREATY_COLLATERAL - usd(12_410))).wait();
  const ba196 = await finaliseFlight(fixture, feeds['196']);
  await expect(ba196).not.to.emit(treaty, 'CollateralShortfall');
  return fixture;
}

/** BA197 settled against the premium-held fixture: 5,700 owed, 4,260 + 38.40 paid, 1,401.60 outstanding. */
async function deployOffsetShortfallFixture() {
  const fixture = await deployPremiumHeldShortfallFixture();
  await finaliseFlight(fixture, fixture.feeds['197']);
  return fixture;
}

/** What BA197 leaves outstanding once collateral and the premium held are used up. */
const OFFSET_SHORTFALL = usd(5_700 - 4_260) - PREMIUM_HELD;

/** A cession record for the tables below. */
function cession(
  policyId: number,
  feedId: string,
  gross: bigint,
  cededQuotaShare: bigint,
  cededExcessOfLoss: bigint,
): CessionRecord {
  return {
    policyId: BigInt(policyId),
    feedId,
    gross,
    cededQuotaShare,
    cededExcessOfLoss,
    net: gross - cededQuotaShare - cededExcessOfLoss,
  };
}

/**
 * BA196 cancelled, worked by hand with quota share 30 %, attachment 2,000, limit 5,000:
 *   #1 gross 2,000          QS 600  retained 1,400          event retention 1,400          XL 0
 *   #3 gross 1,500.000001   QS 450  retained 1,050.000001   event retention 2,450.000001   XL 450.000001
 *   #4 gross 3,000          QS 900  retained 2,100          event retention 4,550.000001   XL 2,100
 *   #5 gross 4,000          QS 1,200 retained 2,800         event retention 7,350.000001   XL 5,000 - 2,550.000001
 * (30 % of 1,500.000001 is 450.0000003, rounded down to 450.)
 */
function ba196Cessions(feedId: string): CessionRecord[] {
  return [
    cession(1, feedId, usd(2_000), usd(600), 0n),
    cession(3, feedId, usd(1_500) + 1n, usd(450), usd(450) + 1n),
    cession(4, feedId, usd(3_000), usd(900), usd(2_100)),
    cession(5, feedId, usd(4_000), usd(1_200), usd(2_450) - 1n),
  ];
}

/**
 * BA197 cancelled after BA196 used 5,000 of the 8,000 aggregate:
 *   #6 gross 6,000  QS 1,800  retained 4,200  layer 2,200
 *   #7 gross 3,000  QS 900    retained 6,300  layer 4,300, an increase of 2,100 of which only 800 is left
 */
function ba197Cessions(feedId: string): CessionRecord[] {
  return [cession(6, feedId, usd(6_000), usd(1_800), usd(2_200)), cession(7, feedId, usd(3_000), usd(900), usd(800))];
}

/** The treaty formula written from its specification, to cross-check `computeCession` on arbitrary inputs. */
function expectedCession(
  gross: bigint,
  retainedBefore: bigint,
  aggregateBefore: bigint,
): { quotaShare: bigint; excessOfLoss: bigint } {
  const quotaShare = (gross * BigInt(TREATY.quotaShareBps)) / BPS;
  const layer = (retained: bigint): bigint => {
    const excess = retained - TREATY.excessOfLossAttachment;
    if (excess <= 0n) return 0n;
    return excess < TREATY.excessOfLossLimit ? excess : TREATY.excessOfLossLimit;
  };
  const increase = layer(retainedBefore + gross - quotaShare) - layer(retainedBefore);
  const aggregateLeft =
    aggregateBefore < TREATY.excessOfLossAggregateLimit ? TREATY.excessOfLossAggregateLimit - aggregateBefore : 0n;
  return { quotaShare, excessOfLoss: increase < aggregateLeft ? increase : aggregateLeft };
}

/** A small deterministic generator (xorshift) so the cross-check runs the same inputs every time. */
function* amounts(seed: number, count: number, max: bigint): Generator<bigint> {
  let state = seed >>> 0;
  for (let i = 0; i < count; ++i) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    yield (BigInt(state) * max) / 0xffffffffn;
  }
}

describe('ReinsuranceTreaty', function () {
  describe('constructor', function () {
    it('stores the terms; termsHash is their EIP-712 struct hash', async function () {
      const { treaty, treatyTerms } = await loadFixture(deployCapitalFixture);
      const stored = await treaty.terms();
      expect([...stored]).to.deep.equal([
        treatyTerms.insurer,
        treatyTerms.reinsurer,
        treatyTerms.pool,
        BigInt(treatyTerms.quotaShareBps),
        BigInt(treatyTerms.cedingCommissionBps),
        treatyTerms.excessOfLossAttachment,
        treatyTerms.excessOfLossLimit,
        treatyTerms.excessOfLossAggregateLimit,
      ]);
      expect(await treaty.termsHash()).to.equal(
        TypedDataEncoder.hashStruct('TreatyTerms', TREATY_TERMS_TYPES, treatyTerms),
      );
      expect(await treaty.TREATY_TERMS_TYPEHASH()).to.equal(
        ethers.id(TypedDataEncoder.from(TREATY_TERMS_TYPES).encodeType('TreatyTerms')),
      );
    });

    it('reverts with ReinsuranceTreatyInvalidTerms for a zero address or a share above 100 %', async function () {
      const { access, registry, treatyTerms } = await loadFixture(deployCapitalFixture);
      const factory = await ethers.getContractFactory('ReinsuranceTreaty');
      const invalid: IReinsuranceTreaty.TreatyTermsStruct[] = [
        { ...treatyTerms, insurer: ethers.ZeroAddress },
        { ...treatyTerms, reinsurer: ethers.ZeroAddress },
        { ...treatyTerms, pool: ethers.ZeroAddress },
        { ...treatyTerms, quotaShareBps: 10_001 },
        { ...treatyTerms, cedingCommissionBps: 10_001 },
      ];
      for (const terms of invalid) {
        await expect(factory.deploy(access, registry, terms)).to.be.revertedWithCustomError(
          factory,
          'ReinsuranceTreatyInvalidTerms',
        );
      }
      // 100 % is a share like any other.
      const whole = await factory.deploy(access, registry, {
        ...treatyTerms,
        quotaShareBps: 10_000,
        cedingCommissionBps: 10_000,
      });
      expect((await whole.terms()).quotaShareBps).to.equal(10_000);
    });
  });

  describe('activate', function () {
    it('activates against the anchored, co-signed treaty document and emits TreatyActivated', async function () {
      const fixture = await loadFixture(deploySecondPoolFixture);
      const { secondTreaty, secondTreatyTermsHash, reinsurer } = fixture;
      const documentHash = await anchorSecondTreatyDocument(fixture);
      expect(await secondTreaty.isActive()).to.equal(false);

      await expect(secondTreaty.connect(reinsurer).activate(documentHash))
        .to.emit(secondTreaty, 'TreatyActivated')
        .withArgs(documentHash, secondTreatyTermsHash);
      expect(await secondTreaty.isActive()).to.equal(true);
    });

    it('may be activated by the insurer as well', async function () {
      const fixture = await loadFixture(deploySecondPoolFixture);
      const documentHash = await anchorSecondTreatyDocument(fixture);
      await expect(fixture.secondTreaty.connect(fixture.insurer).activate(documentHash)).to.emit(
        fixture.secondTreaty,
        'TreatyActivated',
      );
    });

    it('reverts with ReinsuranceTreatyNotParty for anyone but the treaty’s insurer and reinsurer', async function () {
      const fixture = await loadFixture(deploySecondPoolFixture);
      const { secondTreaty, client, stranger, secondInsurer, secondReinsurer, admin1 } = fixture;
      const documentHash = await anchorSecondTreatyDocument(fixture);
      for (const caller of [client, stranger, secondInsurer, secondReinsurer, admin1]) {
        await expect(secondTreaty.connect(caller).activate(documentHash))
          .to.be.revertedWithCustomError(secondTreaty, 'ReinsuranceTreatyNotParty')
          .withArgs(caller.address);
      }
      expect(await secondTreaty.isActive()).to.equal(false);
    });

    it('reverts with ReinsuranceTreatyNotParty for the treaty’s insurer or reinsurer once deactivated', async function () {
      const fixture = await loadFixture(deploySecondPoolFixture);
      const { access, secondTreaty, insurer, reinsurer, govern } = fixture;
      const documentHash = await anchorSecondTreatyDocument(fixture);
      for (const party of [insurer, reinsurer]) {
        await govern(
          await access.getAddress(),
          access.interface.encodeFunctionData('setPartyActive', [party.address, false]),
        );
        await expect(secondTreaty.connect(party).activate(documentHash))
          .to.be.revertedWithCustomError(secondTreaty, 'ReinsuranceTreatyNotParty')
          .withArgs(party.address);
      }
      expect(await secondTreaty.isActive()).to.equal(false);

      // Reactivated, the reinsurer activates the treaty on the same document.
      await govern(
        await access.getAddress(),
        access.interface.encodeFunctionData('setPartyActive', [reinsurer.address, true]),
      );
      await expect(secondTreaty.connect(reinsurer).activate(documentHash)).to.emit(secondTreaty, 'TreatyActivated');
    });

    it('reverts with ReinsuranceTreatyNotParty for a party acting outside its role in the treaty', async function () {
      const fixture = await loadFixture(deploySecondPoolFixture);
      const { access, secondTreaty, insurer, govern } = fixture;
      const documentHash = await anchorSecondTreatyDocument(fixture);
      // The treaty's insurer, still an active party, no longer holds the INSURER role.
      await govern(
        await access.getAddress(),
        access.interface.encodeFunctionData('revokeRole', [ROLES.INSURER, insurer.address]),
      );
      await expect(secondTreaty.connect(insurer).activate(documentHash))
        .to.be.revertedWithCustomError(secondTreaty, 'ReinsuranceTreatyNotParty')
        .withArgs(insurer.address);
      expect(await secondTreaty.isActive()).to.equal(false);
    });

    it('reverts with ReinsuranceTreatyAlreadyActive the second time', async function () {
      const fixture = await loadFixture(deploySecondPoolFixture);
      const { secondTreaty, insurer, reinsurer } = fixture;
      const documentHash = await anchorSecondTreatyDocument(fixture);
      await (await secondTreaty.connect(reinsurer).activate(documentHash)).wait();
      await expect(secondTreaty.connect(insurer).activate(documentHash)).to.be.revertedWithCustomError(
        secondTreaty,
        'ReinsuranceTreatyAlreadyActive',
      );
    });

    describe('reverts with ReinsuranceTreatyDocumentNotValid', function () {
      it('for a document that was never anchored', async function () {
        const { secondTreaty, reinsurer } = await loadFixture(deploySecondPoolFixture);
        const documentHash = ethers.sha256(ethers.toUtf8Bytes('A treaty nobody anchored'));
        await expect(secondTreaty.connect(reinsurer).activate(documentHash))
          .to.be.revertedWithCustomError(secondTreaty, 'ReinsuranceTreatyDocumentNotValid')
          .withArgs(documentHash);
      });

      it('for a document anchored as a Policy rather than a Treaty', async function () {
        const fixture = await loadFixture(deploySecondPoolFixture);
        const { registry, secondTreaty, secondTreatyTermsHash, insurer, reinsurer } = fixture;
        const documentHash = await anchorSigned(
          registry,
          insurer,
          'Treaty wording filed as a policy',
          secondTreatyTermsHash,
          DOCUMENT_TYPE.Policy,
          [insurer, reinsurer],
        );
        await expect(secondTreaty.connect(reinsurer).activate(documentHash))
          .to.be.revertedWithCustomError(secondTreaty, 'ReinsuranceTreatyDocumentNotValid')
          .withArgs(documentHash);
      });

      it('for a treaty document carrying other terms', async function () {
        const fixture = await loadFixture(deploySecondPoolFixture);
        const { registry, secondTreaty, secondTreatyTerms, insurer, reinsurer } = fixture;
        // Signed with a 25 % quota share where the contract says 30 %.
        const otherTerms = treatyTermsHash({ ...secondTreatyTerms, quotaShareBps: 2_500 });
        const documentHash = await anchorSigned(
          registry,
          insurer,
          'Treaty wording with a 25 % quota share',
          otherTerms,
          DOCUMENT_TYPE.Treaty,
          [insurer, reinsurer],
        );
        await expect(secondTreaty.connect(reinsurer).activate(documentHash))
          .to.be.revertedWithCustomError(secondTreaty, 'ReinsuranceTreatyDocumentNotValid')
          .withArgs(documentHash);
      });

      it('for a superseded version, while the current version activates', async function () {
        const fixture = await loadFixture(deploySecondPoolFixture);
        const { registry, secondTreaty, secondTreatyTermsHash, insurer, reinsurer } = fixture;
        const original = await anchorSecondTreatyDocument(fixture, 'Treaty 2026, original wording');
        const endorsement = ethers.sha256(ethers.toUtf8Bytes('Treaty 2026, endorsement 1'));
        await (
          await registry.connect(insurer).supersede(original, {
            documentHash: endorsement,
            termsHash: secondTreatyTermsHash,
            documentType: DOCUMENT_TYPE.Treaty,
            retentionClass: 2,
            policyRef: 'RT-2026-1',
            storagePointer: 'bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq',
            requiredSigners: [insurer.address, reinsurer.address],
          })
        ).wait();

        await expect(secondTreaty.connect(reinsurer).activate(original))
          .to.be.revertedWithCustomError(secondTreaty, 'ReinsuranceTreatyDocumentNotValid')
          .withArgs(original);

        // The endorsement is current but not yet signed; once both sign it, it activates the treaty.
        await expect(secondTreaty.connect(reinsurer).activate(endorsement))
          .to.be.revertedWithCustomError(secondTreaty, 'ReinsuranceTreatyDocumentNotValid')
          .withArgs(endorsement);
        const deadline = BigInt(await time.latest()) + 3_600n;
        for (const signer of [insurer, reinsurer]) {
          const signed = await coSign(registry, signer, { documentHash: endorsement, deadline });
          await (await relayCoSignature(registry, endorsement, signed)).wait();
        }
        await expect(secondTreaty.connect(reinsurer).activate(endorsement))
          .to.emit(secondTreaty, 'TreatyActivated')
          .withArgs(endorsement, secondTreatyTermsHash);
      });

      it('for a revoked document', async function () {
        const fixture = await loadFixture(deploySecondPoolFixture);
        const { registry, secondTreaty, insurer, reinsurer } = fixture;
        const documentHash = await anchorSecondTreatyDocument(fixture);
        await (await registry.connect(insurer).revoke(documentHash, 1)).wait();
        await expect(secondTreaty.connect(reinsurer).activate(documentHash))
          .to.be.revertedWithCustomError(secondTreaty, 'ReinsuranceTreatyDocumentNotValid')
          .withArgs(documentHash);
      });

      it('for a document the reinsurer has not co-signed', async function () {
        const fixture = await loadFixture(deploySecondPoolFixture);
        const { registry, secondTreaty, secondTreatyTermsHash, insurer, reinsurer } = fixture;
        const documentHash = await anchorDocument(registry, insurer, {
          text: 'Treaty signed by the insurer only',
          termsHash: secondTreatyTermsHash,
          documentType: DOCUMENT_TYPE.Treaty,
          requiredSigners: [insurer, reinsurer],
          signedBy: [insurer],
        });
        await expect(secondTreaty.connect(insurer).activate(documentHash))
          .to.be.revertedWithCustomError(secondTreaty, 'ReinsuranceTreatyDocumentNotValid')
          .withArgs(documentHash);
      });

      it('for a document the insurer has not co-signed', async function () {
        const fixture = await loadFixture(deploySecondPoolFixture);
        const { registry, secondTreaty, secondTreatyTermsHash, insurer, reinsurer } = fixture;
        const documentHash = await anchorDocument(registry, reinsurer, {
          text: 'Treaty signed by the reinsurer only',
          termsHash: secondTreatyTermsHash,
          documentType: DOCUMENT_TYPE.Treaty,
          requiredSigners: [insurer, reinsurer],
          signedBy: [reinsurer],
        });
        await expect(secondTreaty.connect(reinsurer).activate(documentHash))
          .to.be.revertedWithCustomError(secondTreaty, 'ReinsuranceTreatyDocumentNotValid')
          .withArgs(documentHash);
      });

      it('for a document co-signed by another reinsurer', async function () {
        const fixture = await loadFixture(deploySecondPoolFixture);
        const { registry, secondTreaty, secondTreatyTermsHash, insurer, reinsurer, secondReinsurer } = fixture;
        const documentHash = await anchorSigned(
          registry,
          insurer,
          'Treaty signed by the wrong reinsurer',
          secondTreatyTermsHash,
          DOCUMENT_TYPE.Treaty,
          [insurer, secondReinsurer],
        );
        await expect(secondTreaty.connect(reinsurer).activate(documentHash))
          .to.be.revertedWithCustomError(secondTreaty, 'ReinsuranceTreatyDocumentNotValid')
          .withArgs(documentHash);
      });
    });

    it('before activation, lends no capacity and refuses cessions with ReinsuranceTreatyNotActive', async function () {
      const { secondPool, secondTreaty, reinsurer } = await loadFixture(deploySecondPoolFixture);
      await (await secondTreaty.connect(reinsurer).postCollateral(SECOND_TREATY_COLLATERAL)).wait();
      expect(await secondTreaty.solvencyCapacity(usd(1_000))).to.equal(0);

      const asPool = secondTreaty.connect(await impersonate(await secondPool.getAddress()));
      await expect(asPool.cedePremium(1, usd(100))).to.be.revertedWithCustomError(
        secondTreaty,
        'ReinsuranceTreatyNotActive',
      );
      await expect(asPool.returnPremium(1, usd(100))).to.be.revertedWithCustomError(
        secondTreaty,
        'ReinsuranceTreatyNotActive',
      );
      await expect(asPool.cedeLosses(FLIGHT, [{ policyId: 1, gross: usd(100) }])).to.be.revertedWithCustomError(
        secondTreaty,
        'ReinsuranceTreatyNotActive',
      );
    });
  });

  describe('postCollateral', function () {
    it('takes the reinsurer’s stablecoin and emits CollateralPosted', async function () {
      const { treaty, stablecoin, reinsurer } = await loadFixture(deployCapitalFixture);
      await (await stablecoin.mint(reinsurer.address, usd(5_000))).wait();
      await (await stablecoin.connect(reinsurer).approve(await treaty.getAddress(), usd(5_000))).wait();

      const tx = treaty.connect(reinsurer).postCollateral(usd(5_000));

      await expect(tx).to.emit(treaty, 'CollateralPosted').withArgs(reinsurer.address, usd(5_000));
      // Nothing is outstanding, so all of it is collateral.
      await expect(tx).not.to.emit(treaty, 'ShortfallPaid');
      await expect(tx).to.changeTokenBalances(ethers, stablecoin, [reinsurer, treaty], [-usd(5_000), usd(5_000)]);
      expect(await treaty.collateral()).to.equal(TREATY_COLLATERAL + usd(5_000));
      expect(await treaty.outstandingShortfall()).to.equal(0);
    });

    it('reverts with ReinsuranceTreatyOnlyReinsurer for anyone else, another REINSURER included', async function () {
      const { treaty, stablecoin, insurer, secondReinsurer, stranger } = await loadFixture(deployCapitalFixture);
      for (const caller of [insurer, secondReinsurer, stranger]) {
        await (await stablecoin.mint(caller.address, usd(1))).wait();
        await (await stablecoin.connect(caller).approve(await treaty.getAddress(), usd(1))).wait();
        await expect(treaty.connect(caller).postCollateral(usd(1)))
          .to.be.revertedWithCustomError(treaty, 'ReinsuranceTreatyOnlyReinsurer')
          .withArgs(caller.address);
      }
    });

    it('reverts with ConsortiumGovernedUnauthorized once the reinsurer is deactivated', async function () {
      const { access, treaty, reinsurer, govern } = await loadFixture(deployCapitalFixture);
      await govern(
        await access.getAddress(),
        access.interface.encodeFunctionData('setPartyActive', [reinsurer.address, false]),
      );
      await expect(treaty.connect(reinsurer).postCollateral(usd(1)))
        .to.be.revertedWithCustomError(treaty, 'ConsortiumGovernedUnauthorized')
        .withArgs(reinsurer.address, ROLES.REINSURER);
      await expect(treaty.connect(reinsurer).withdrawCollateral(usd(1)))
        .to.be.revertedWithCustomError(treaty, 'ConsortiumGovernedUnauthorized')
        .withArgs(reinsurer.address, ROLES.REINSURER);
    });
  });

  describe('withdrawCollateral', function () {
    it('returns all collateral while nothing is locked', async function () {
      const { treaty, stablecoin, reinsurer } = await loadFixture(deployCapitalFixture);

      const tx = treaty.connect(reinsurer).withdrawCollateral(TREATY_COLLATERAL);

      await expect(tx).to.emit(treaty, 'CollateralWithdrawn').withArgs(reinsurer.address, TREATY_COLLATERAL);
      await expect(tx).to.changeTokenBalances(
        ethers,
        stablecoin,
        [treaty, reinsurer],
        [-TREATY_COLLATERAL, TREATY_COLLATERAL],
      );
      expect(await treaty.collateral()).to.equal(0);
    });

    it('keeps the quota share of the locked exposure plus one excess-of-loss event (ReinsuranceTreatyCollateralLocked)', async function () {
      const fixture = await loadFixture(deployCapitalFixture);
      const { pool, treaty, product, client, reinsurer } = fixture;
      // Premium 1,000 leaves the pool 200,760; locking 250,000 leans on 49,240 of the treaty's collateral, but the
      // treaty keeps more: 30 % of 250,000 plus a full 5,000 event, 80,000.
      await openDirect(pool, product, {
        payer: client,
        holder: client,
        accumulationKey: FLIGHT,
        premium: usd(1_000),
        maxPayout: usd(250_000),
      });
      expect((await pool.totalLocked()) - (await pool.assets())).to.equal(usd(49_240));
      const withdrawable = usd(100_000 - 80_000);

      await expectWithdrawable(fixture, withdrawable);
      await (await treaty.connect(reinsurer).withdrawCollateral(withdrawable)).wait();
      await expectWithdrawable(fixture, 0n);

      // What is left pays the quota share of every open policy and one event's excess of loss, and keeps the pool
      // solvent.
      expect(await treaty.collateral()).to.equal(usd(80_000));
      expect((await pool.assets()) + (await pool.reinsuranceCapacity())).to.be.greaterThanOrEqual(
        await pool.totalLocked(),
      );
    });

    it('holds collateral for open policies even when the pool’s own assets cover them', async function () {
      const fixture = await loadFixture(deployCapitalFixture);
      const { pool, treaty, product, client, reinsurer } = fixture;
      // 1,000 locked against 200,000 of capital: 300 of quota share plus a 5,000 event.
      await openDirect(pool, product, {
        payer: client,
        holder: client,
        accumulationKey: FLIGHT,
        premium: usd(10),
        maxPayout: usd(1_000),
      });
      expect(await pool.assets()).to.be.greaterThan(await pool.totalLocked());

      await expectWithdrawable(fixture, TREATY_COLLATERAL - usd(5_300));
      await (await treaty.connect(reinsurer).withdrawCollateral(TREATY_COLLATERAL - usd(5_300))).wait();
      expect(await treaty.collateral()).to.equal(usd(5_300));
    });

    it('keeps one event only within the aggregate left, and nothing once nothing is locked', async function () {
      const fixture = await loadFixture(deployFlightLossesFixture);
      const { pool, treaty, reinsurer, feeds } = fixture;
      // 24,700 locked across the three flights: 7,410 of quota share plus a full 5,000 event.
      expect(await pool.totalLocked()).to.equal(usd(24_700) + 1n);
      await expectWithdrawable(fixture, TREATY_COLLATERAL - usd(12_410));

      // BA196 recovers 8,150 (5,000 of it excess of loss): 14,000 locked, 3,000 left of the aggregate.
      await finaliseFlight(fixture, feeds['196']);
      expect(await treaty.collateral()).to.equal(TREATY_COLLATERAL - usd(8_150));
      await expectWithdrawable(fixture, TREATY_COLLATERAL - usd(8_150) - usd(4_200 + 3_000));

      // BA197 spends the aggregate: 5,000 locked, the quota share of it alone is kept.
      await finaliseFlight(fixture, feeds['197']);
      expect(await treaty.aggregateExcessOfLossRecovered()).to.equal(usd(8_000));
      const left = TREATY_COLLATERAL - usd(8_150 + 5_700);
      await expectWithdrawable(fixture, left - usd(1_500));

      // BA198 settles the last policy: everything left may go.
      await finaliseFlight(fixture, feeds['198']);
      expect(await pool.totalLocked()).to.equal(0);
      const collateral = await treaty.collateral();
      await expectWithdrawable(fixture, collateral);
      await (await treaty.connect(reinsurer).withdrawCollateral(collateral)).wait();
      expect(await treaty.collateral()).to.equal(0);
    });

    it('never keeps less than what the pool’s solvency leans on', async function () {
      const fixture = await loadFixture(deployCapitalFixture);
      const { pool, treaty, stablecoin, product, client, reinsurer } = fixture;
      await fund(stablecoin, reinsurer, await treaty.getAddress(), usd(100_000));
      await (await treaty.connect(reinsurer).postCollateral(usd(100_000))).wait();
      const open = (accumulationKey: string, premium: bigint, maxPayout: bigint) =>
        openDirect(pool, product, { payer: client, holder: client, accumulationKey, premium, maxPayout });
      await open(FLIGHT, usd(1_000), usd(250_000));
      const { policyId } = await open(OTHER_FLIGHT, usd(100), usd(100));
      // The test product pays 60,000 on a policy that locked 100, which no real product does: the treaty recovers
      // 18,000 + 5,000 and the pool's assets fall to 200,836 - 37,000 = 163,836, below what the quota share covers.
      await (
        await pool
          .connect(product)
          .settle(OTHER_FLIGHT, OTHER_FLIGHT, [
            { policyId, holder: client.address, gross: usd(60_000), locked: usd(100), premium: usd(100) },
          ])
      ).wait();
      expect(await pool.assets()).to.equal(usd(163_836));
      expect(await pool.totalLocked()).to.equal(usd(250_000));
      expect(await pool.premiumReserve()).to.equal(usd(1_000));
      expect(await treaty.collateral()).to.equal(usd(177_000));

      // 30 % of 250,000 plus the 3,000 left of the aggregate is 78,000; the pool leans on its liabilities (250,000
      // locked + 1,000 of premium reserved) less its assets: 87,164.
      const needed = usd(251_000 - 163_836);
      await expectWithdrawable(fixture, usd(177_000) - needed);
      await (await treaty.connect(reinsurer).withdrawCollateral(usd(177_000) - needed)).wait();
      await expectWithdrawable(fixture, 0n);
      expect(await treaty.collateral()).to.equal(
        (await pool.totalLocked()) + (await pool.premiumReserve()) - (await pool.assets()),
      );
    });

    it('reverts with ReinsuranceTreatyOnlyReinsurer for anyone else, another REINSURER included', async function () {
      const { treaty, insurer, secondReinsurer, admin1 } = await loadFixture(deployCapitalFixture);
      for (const caller of [insurer, secondReinsurer, admin1]) {
        await expect(treaty.connect(caller).withdrawCollateral(usd(1)))
          .to.be.revertedWithCustomError(treaty, 'ReinsuranceTreatyOnlyReinsurer')
          .withArgs(caller.address);
      }
      expect(await treaty.collateral()).to.equal(TREATY_COLLATERAL);
    });
  });

  describe('withdrawPremium', function () {
    async function twoPremiums(fixture: CapitalFixture) {
      for (const premium of [usd(100), usd(50)]) {
        await openDirect(fixture.pool, fixture.product, {
          payer: fixture.client,
          holder: fixture.client,
          accumulationKey: FLIGHT,
          premium,
          maxPayout: usd(500),
        });
      }
    }

    it('pays the reinsurer its ceded premium less commission and emits PremiumWithdrawn', async function () {
      const fixture = await loadFixture(deployCapitalFixture);
      const { treaty, stablecoin, reinsurer } = fixture;
      await twoPremiums(fixture);
      // 24 of the premium of 100 and 12 of the premium of 50.
      expect(await treaty.premiumBalance()).to.equal(usd(36));

      const tx = treaty.connect(reinsurer).withdrawPremium(usd(36));

      await expect(tx).to.emit(treaty, 'PremiumWithdrawn').withArgs(reinsurer.address, usd(36));
      await expect(tx).to.changeTokenBalances(ethers, stablecoin, [treaty, reinsurer], [-usd(36), usd(36)]);
      expect(await treaty.premiumBalance()).to.equal(0);
      expect(await treaty.collateral()).to.equal(TREATY_COLLATERAL);
    });

    it('reverts with ReinsuranceTreatyInsufficientPremium(requested, available) beyond the balance', async function () {
      const fixture = await loadFixture(deployCapitalFixture);
      const { treaty, reinsurer } = fixture;
      await twoPremiums(fixture);
      await expect(treaty.connect(reinsurer).withdrawPremium(usd(36) + 1n))
        .to.be.revertedWithCustomError(treaty, 'ReinsuranceTreatyInsufficientPremium')
        .withArgs(usd(36) + 1n, usd(36));
    });

    it('reverts with ReinsuranceTreatyOnlyReinsurer for anyone else, the insurer included', async function () {
      const fixture = await loadFixture(deployCapitalFixture);
      const { treaty, insurer, secondReinsurer } = fixture;
      await twoPremiums(fixture);
      for (const caller of [insurer, secondReinsurer]) {
        await expect(treaty.connect(caller).withdrawPremium(usd(1)))
          .to.be.revertedWithCustomError(treaty, 'ReinsuranceTreatyOnlyReinsurer')
          .withArgs(caller.address);
      }
    });
  });

  describe('premium cession', function () {
    it('cedes 30 % of each premium at issue, less a 20 % commission, rounding down (PremiumCeded)', async function () {
      const fixture = await loadFixture(deployCapitalFixture);
      const { pool, treaty, stablecoin, client } = fixture;
      const premium = usd(33.333333);
      const balancesBefore = await Promise.all([client, pool, treaty].map((a) => stablecoin.balanceOf(a)));

      const { policyId, tx } = await issueFlight(fixture, client, 'Flight cover with an odd premium', { premium });

      // 30 % of 33.333333 is 9.9999999, ceded 9.999999; 20 % of that is 1.9999998, commission 1.999999.
      await expect(tx).to.emit(treaty, 'PremiumCeded').withArgs(policyId, premium, 9_999_999n, 1_999_999n);
      const balancesAfter = await Promise.all([client, pool, treaty].map((a) => stablecoin.balanceOf(a)));
      expect(balancesAfter.map((after, i) => after - balancesBefore[i]!)).to.deep.equal([
        -premium,
        premium - 8_000_000n,
        8_000_000n,
      ]);
      expect(await treaty.premiumBalance()).to.equal(8_000_000n);
    });

    it('returns the ceded share of a refund from the premium balance (PremiumReturned)', async function () {
      const fixture = await loadFixture(deployCapitalFixture);
      const { pool, flight, treaty, stablecoin, client } = fixture;
      const { policyId } = await issueFlight(fixture, client, 'Flight cover cancelled before departure');
      expect(await treaty.premiumBalance()).to.equal(usd(4.8));

      // The client cancels before cover starts: 90 % of the premium of 20 is refunded, and the treaty returns
      // 30 % of 18 less 20 % commission.
      const tx = flight.connect(client).cancel(policyId);

      await expect(tx).to.emit(treaty, 'PremiumReturned').withArgs(policyId, usd(18), usd(4.32));
      await expect(tx).to.emit(pool, 'PremiumRefunded').withArgs(policyId, client.address, usd(18), usd(250));
      await expect(tx).to.changeTokenBalances(
        ethers,
        stablecoin,
        [client, pool, treaty],
        [usd(18), -usd(18) + usd(4.32), -usd(4.32)],
      );
      expect(await treaty.premiumBalance()).to.equal(usd(0.48));
      expect(await treaty.collateral()).to.equal(TREATY_COLLATERAL);
    });

    it('returns it from collateral for what the premium balance no longer holds', async function () {
      const fixture = await loadFixture(deployCapitalFixture);
      const { flight, treaty, stablecoin, client, reinsurer } = fixture;
      const { policyId } = await issueFlight(fixture, client, 'Flight cover cancelled after the premium was drawn');
      await (await treaty.connect(reinsurer).withdrawPremium(usd(3))).wait();

      // 4.32 is owed: the 1.80 left of the premium first, then 2.52 from collateral.
      const tx = flight.connect(client).cancel(policyId);

      await expect(tx).to.emit(treaty, 'PremiumReturned').withArgs(policyId, usd(18), usd(4.32));
      await expect(tx).to.changeTokenBalance(ethers, stablecoin, treaty, -usd(4.32));
      expect(await treaty.premiumBalance()).to.equal(0);
      expect(await treaty.collateral()).to.equal(TREATY_COLLATERAL - usd(2.52));
    });
  });

  describe('loss cession on flight payouts', function () {
    it('cedes 30 % and the excess of loss above 2,000 per event, in settlement order (LossCeded)', async function () {
      const fixture = await loadFixture(deployFlightLossesFixture);
      const { treaty, flight, pool, feeds } = fixture;

      const tx = await finaliseFlight(fixture, feeds['196']);

      expect(await cessionsIn(treaty, tx)).to.deep.equal(ba196Cessions(feeds['196']));
      // Five policies settled (one paying nothing), 10,500.000001 paid, 3,150 + 5,000 recovered.
      await expect(tx)
        .to.emit(pool, 'ClaimsSettled')
        .withArgs(
          feeds['196'],
          await flight.getAddress(),
          5,
          usd(10_500) + 1n,
          usd(8_150),
          usd(2_000 + 200 + 1_500 + 3_000 + 4_000) + 1n,
        );
      const [retainedLoss, excessOfLossRecovered] = await treaty.eventTotals(feeds['196']);
      expect(retainedLoss).to.equal(usd(7_350) + 1n);
      expect(excessOfLossRecovered).to.equal(usd(5_000));
      expect(await treaty.aggregateExcessOfLossRecovered()).to.equal(usd(5_000));
      expect(await pool.exposure(feeds['196'])).to.equal(0);
    });

    it('records what computeCession gives for each loss and the event so far', async function () {
      const fixture = await loadFixture(deployFlightLossesFixture);
      const { treaty, feeds } = fixture;
      const records = await cessionsIn(treaty, await finaliseFlight(fixture, feeds['196']));

      let retained = 0n;
      let aggregate = 0n;
      for (const record of records) {
        const [quotaShare, excessOfLoss] = await treaty.computeCession(record.gross, retained, aggregate);
        expect([quotaShare, excessOfLoss]).to.deep.equal([record.cededQuotaShare, record.cededExcessOfLoss]);
        retained += record.gross - record.cededQuotaShare;
        aggregate += record.cededExcessOfLoss;
      }
      expect(await treaty.eventTotals(feeds['196'])).to.deep.equal([retained, aggregate]);
    });

    it('moves the recovery from the treaty’s collateral to the pool, and pays holders in full', async function () {
      const fixture = await loadFixture(deployFlightLossesFixture);
      const { treaty, pool, stablecoin, client, secondClient, feeds } = fixture;

      const tx = finaliseFlight(fixture, feeds['196']);

      // The client holds #1, #3, #5 (2,000 + 1,500.000001 + 4,000), the second client #2 and #4 (0 + 3,000).
      await expect(tx).to.changeTokenBalances(
        ethers,
        stablecoin,
        [client, secondClient, pool, treaty],
        [usd(7_500) + 1n, usd(3_000), -(usd(10_500) + 1n) + usd(8_150), -usd(8_150)],
      );
      expect(await treaty.collateral()).to.equal(TREATY_COLLATERAL - usd(8_150));
    });

    it('cedes an event settled in several batches exactly as in one', async function () {
      const fixture = await loadFixture(deployFlightLossesFixture);
      const { treaty, flight, feeds, govern, stranger } = fixture;
      await govern(await flight.getAddress(), flight.interface.encodeFunctionData('setSettlementBatchSize', [2]));

      // The finalisation settles #1 and #2; anyone pushes the rest, two at a time.
      const records = await cessionsIn(treaty, await finaliseFlight(fixture, feeds['196']));
      for (let batch = 0; batch < 2; ++batch) {
        const tx = await flight.connect(stranger).settle(feeds['196'], 10);
        records.push(...(await cessionsIn(treaty, tx)));
      }

      expect(records).to.deep.equal(ba196Cessions(feeds['196']));
      expect(await flight.feedProgress(feeds['196'])).to.deep.equal([5n, 5n]);
      expect(await treaty.eventTotals(feeds['196'])).to.deep.equal([usd(7_350) + 1n, usd(5_000)]);
    });

    it('stops the excess of loss at the 8,000 aggregate limit across events, the quota share going on', async function () {
      const fixture = await loadFixture(deployFlightLossesFixture);
      const { treaty, pool, feeds } = fixture;
      await finaliseFlight(fixture, feeds['196']);

      // BA197: #6 gross 6,000, QS 1,800, retention 4,200, layer 2,200. #7 gross 3,000, QS 900, retention 6,300,
      // layer 4,300, an increase of 2,100 of which only 800 is left in the aggregate.
      const ba197 = await finaliseFlight(fixture, feeds['197']);
      expect(await cessionsIn(treaty, ba197)).to.deep.equal(ba197Cessions(feeds['197']));
      await expect(ba197)
        .to.emit(pool, 'ClaimsSettled')
        .withArgs(feeds['197'], await fixture.flight.getAddress(), 2, usd(9_000), usd(5_700), usd(9_000));
      expect(await treaty.eventTotals(feeds['197'])).to.deep.equal([usd(6_300), usd(3_000)]);
      expect(await treaty.aggregateExcessOfLossRecovered()).to.equal(usd(8_000));

      // BA198: retention 3,500 is above the attachment, but the aggregate is spent.
      const ba198 = await finaliseFlight(fixture, feeds['198']);
      expect(await cessionsIn(treaty, ba198)).to.deep.equal([cession(8, feeds['198'], usd(5_000), usd(1_500), 0n)]);
      expect(await treaty.eventTotals(feeds['198'])).to.deep.equal([usd(3_500), 0n]);
      expect(await treaty.aggregateExcessOfLossRecovered()).to.equal(usd(8_000));
      expect(await treaty.collateral()).to.equal(TREATY_COLLATERAL - usd(8_150 + 5_700 + 1_500));
    });

    it('pays what collateral it has and emits CollateralShortfall(feedId, owed, paid)', async function () {
      const fixture = await loadFixture(deployShortfallFixture);
      const { treaty, pool, flight, stablecoin, client, secondClient, feeds } = fixture;
      expect(await treaty.collateral()).to.equal(usd(4_260));

      // BA197 owes 1,800 + 2,200 on #6 and 900 + 800 on #7: 5,700, of which 4,260 is left.
      const tx = await finaliseFlight(fixture, feeds['197']);

      await expect(tx).to.emit(treaty, 'CollateralShortfall').withArgs(feeds['197'], usd(5_700), usd(4_260));
      // The cession records still show what the treaty owes.
      expect(await cessionsIn(treaty, tx)).to.deep.equal(ba197Cessions(feeds['197']));
      await expect(tx)
        .to.emit(pool, 'ClaimsSettled')
        .withArgs(feeds['197'], await flight.getAddress(), 2, usd(9_000), usd(4_260), usd(9_000));
      await expect(tx).to.changeTokenBalances(
        ethers,
        stablecoin,
        [client, secondClient, pool, treaty],
        [usd(6_000), usd(3_000), -usd(9_000) + usd(4_260), -usd(4_260)],
      );
      expect(await treaty.collateral()).to.equal(0);
      expect(await pool.reinsuranceCapacity()).to.equal(0);
    });
  });

  describe('outstanding shortfall', function () {
    it('adds owed - paid of a short event to outstandingShortfall', async function () {
      const fixture = await loadFixture(deployShortfallFixture);
      const { treaty, feeds } = fixture;
      expect(await treaty.outstandingShortfall()).to.equal(0);

      await finaliseFlight(fixture, feeds['197']);

      expect(await treaty.outstandingShortfall()).to.equal(usd(5_700 - 4_260));
    });

    it('adds up the shortfalls of several events, paying nothing out of empty collateral', async function () {
      const fixture = await loadFixture(deployShortfallFixture);
      const { treaty, pool, stablecoin, client, feeds } = fixture;
      await finaliseFlight(fixture, feeds['197']);

      // BA198 owes its 1,500 quota share (the aggregate is spent) and finds no collateral at all.
      const tx = await finaliseFlight(fixture, feeds['198']);

      await expect(tx).to.emit(treaty, 'CollateralShortfall').withArgs(feeds['198'], usd(1_500), 0);
      await expect(tx).to.changeTokenBalances(ethers, stablecoin, [client, pool, treaty], [usd(5_000), -usd(5_000), 0]);
      expect(await treaty.outstandingShortfall()).to.equal(usd(1_440 + 1_500));
    });

    it('the next postCollateral pays the shortfall to the pool first (ShortfallPaid); the rest is collateral', async function () {
      const fixture = await loadFixture(deployShortfallFixture);
      const { treaty, pool, stablecoin, reinsurer, feeds } = fixture;
      await finaliseFlight(fixture, feeds['197']);
      await fund(stablecoin, reinsurer, await treaty.getAddress(), usd(2_000));
      const assetsBefore = await pool.assets();

      const tx = treaty.connect(reinsurer).postCollateral(usd(2_000));

      await expect(tx).to.emit(treaty, 'CollateralPosted').withArgs(reinsurer.address, usd(2_000));
      await expect(tx).to.emit(treaty, 'ShortfallPaid').withArgs(usd(1_440), 0);
      await expect(tx).to.changeTokenBalances(
        ethers,
        stablecoin,
        [reinsurer, pool, treaty],
        [-usd(2_000), usd(1_440), usd(560)],
      );
      expect(await pool.assets()).to.equal(assetsBefore + usd(1_440));
      expect(await treaty.outstandingShortfall()).to.equal(0);
      expect(await treaty.collateral()).to.equal(usd(560));
    });

    it('a post below the shortfall pays part of it and adds no collateral; the next one pays the rest', async function () {
      const fixture = await loadFixture(deployShortfallFixture);
      const { treaty, pool, stablecoin, reinsurer, feeds } = fixture;
      await finaliseFlight(fixture, feeds['197']);
      await fund(stablecoin, reinsurer, await treaty.getAddress(), usd(1_000) + usd(740));

      const first = treaty.connect(reinsurer).postCollateral(usd(1_000));
      await expect(first).to.emit(treaty, 'ShortfallPaid').withArgs(usd(1_000), usd(440));
      await expect(first).to.changeTokenBalances(
        ethers,
        stablecoin,
        [reinsurer, pool, treaty],
        [-usd(1_000), usd(1_000), 0],
      );
      expect(await treaty.outstandingShortfall()).to.equal(usd(440));
      expect(await treaty.collateral()).to.equal(0);

      const second = treaty.connect(reinsurer).postCollateral(usd(740));
      await expect(second).to.emit(treaty, 'ShortfallPaid').withArgs(usd(440), 0);
      await expect(second).to.changeTokenBalances(
        ethers,
        stablecoin,
        [reinsurer, pool, treaty],
        [-usd(740), usd(440), usd(300)],
      );
      expect(await treaty.outstandingShortfall()).to.equal(0);
      expect(await treaty.collateral()).to.equal(usd(300));

      // Nothing outstanding any more: a further post is all collateral.
      await fund(stablecoin, reinsurer, await treaty.getAddress(), usd(100));
      const third = treaty.connect(reinsurer).postCollateral(usd(100));
      await expect(third).not.to.emit(treaty, 'ShortfallPaid');
      await expect(third).to.changeTokenBalances(ethers, stablecoin, [pool, treaty], [0, usd(100)]);
      expect(await treaty.collateral()).to.equal(usd(400));
    });

    it('once the shortfall is paid the pool has recovered all the treaty owed, and the books balance', async function () {
      const fixture = await loadFixture(deployShortfallFixture);
      const { treaty, pool, stablecoin, client, secondClient, insurer, reinsurer, feeds } = fixture;
      const holders = [pool, treaty, client, secondClient, insurer, reinsurer];
      const total = async () => {
        let sum = 0n;
        for (const holder of holders) sum += await stablecoin.balanceOf(holder);
        return sum;
      };
      const totalBefore = await total();
      expect(totalBefore).to.equal(await stablecoin.totalSupply());
      const poolBefore = await pool.assets();
      let minted = 0n;

      const settlements = [await finaliseFlight(fixture, feeds['197']), await finaliseFlight(fixture, feeds['198'])];
      let owed = 0n;
      for (const tx of settlements) {
        for (const record of await cessionsIn(treaty, tx)) owed += record.cededQuotaShare + record.cededExcessOfLoss;
      }
      expect(owed).to.equal(usd(5_700 + 1_500));
      expect(await treaty.outstandingShortfall()).to.equal(owed - usd(4_260));

      await fund(stablecoin, reinsurer, await treaty.getAddress(), usd(5_000));
      minted += usd(5_000);
      await expect(treaty.connect(reinsurer).postCollateral(usd(5_000)))
        .to.emit(treaty, 'ShortfallPaid')
        .withArgs(owed - usd(4_260), 0);

      // The pool paid the gross of both events and got back exactly what the treaty owed on them.
      expect(await pool.assets()).to.equal(poolBefore - usd(9_000 + 5_000) + owed);
      expect(await treaty.collateral()).to.equal(usd(5_000) - (owed - usd(4_260)));
      expect(await total()).to.equal(totalBefore + minted);
      expect(await stablecoin.totalSupply()).to.equal(totalBefore + minted);
      expect(await stablecoin.balanceOf(treaty)).to.equal(
        (await treaty.collateral()) + (await treaty.premiumBalance()),
      );
      expect(await stablecoin.balanceOf(pool)).to.equal(await pool.assets());
      expect(await pool.totalLocked()).to.equal(0);
    });
  });

  describe('offsets', function () {
    it('draws losses on collateral, then on the premium held for the reinsurer (PremiumOffset)', async function () {
      const fixture = await loadFixture(deployPremiumHeldShortfallFixture);
      const { treaty, pool, stablecoin, feeds } = fixture;
      expect(await treaty.collateral()).to.equal(usd(4_260));
      expect(await treaty.premiumBalance()).to.equal(PREMIUM_HELD);

      const tx = await finaliseFlight(fixture, feeds['197']);

      const recovered = usd(4_260) + PREMIUM_HELD;
      await expect(tx).to.emit(treaty, 'PremiumOffset').withArgs(PREMIUM_HELD, 0);
      await expect(tx).to.emit(treaty, 'CollateralShortfall').withArgs(feeds['197'], usd(5_700), recovered);
      await expect(tx).to.changeTokenBalances(
        ethers,
        stablecoin,
        [pool, treaty],
        [-usd(9_000) + recovered, -recovered],
      );
      expect(await treaty.collateral()).to.equal(0);
      expect(await treaty.premiumBalance()).to.equal(0);
      expect(await treaty.outstandingShortfall()).to.equal(OFFSET_SHORTFALL);
    });

    it('takes nothing from the premium held while collateral pays the whole loss', async function () {
      const fixture = await loadFixture(deployFlightLossesFixture);
      const { treaty, feeds } = fixture;

      const tx = await finaliseFlight(fixture, feeds['196']);

      await expect(tx).not.to.emit(treaty, 'PremiumOffset');
      expect(await treaty.premiumBalance()).to.equal(PREMIUM_HELD);
    });

    it('withdrawPremium reverts with ReinsuranceTreatyShortfallOutstanding while a shortfall is outstanding', async function () {
      const { treaty, reinsurer } = await loadFixture(deployOffsetShortfallFixture);

      await expect(treaty.connect(reinsurer).withdrawPremium(1n))
        .to.be.revertedWithCustomError(treaty, 'ReinsuranceTreatyShortfallOutstanding')
        .withArgs(OFFSET_SHORTFALL);
    });

    it('withdrawCollateral reverts with ReinsuranceTreatyShortfallOutstanding while a shortfall is outstanding', async function () {
      const fixture = await loadFixture(deployOffsetShortfallFixture);
      const { treaty, stablecoin, reinsurer } = fixture;
      await expect(treaty.connect(reinsurer).withdrawCollateral(0))
        .to.be.revertedWithCustomError(treaty, 'ReinsuranceTreatyShortfallOutstanding')
        .withArgs(OFFSET_SHORTFALL);

      // Once posted collateral pays the shortfall, the rest may leave again.
      await fund(stablecoin, reinsurer, await treaty.getAddress(), OFFSET_SHORTFALL + usd(100));
      await (await treaty.connect(reinsurer).postCollateral(OFFSET_SHORTFALL + usd(100))).wait();
      expect(await treaty.outstandingShortfall()).to.equal(0);
      await expect(treaty.connect(reinsurer).withdrawCollateral(0))
        .to.emit(treaty, 'CollateralWithdrawn')
        .withArgs(reinsurer.address, 0);
    });

    it('pays an outstanding shortfall from premium ceded while it is outstanding (ShortfallPaid)', async function () {
      const fixture = await loadFixture(deployOffsetShortfallFixture);
      const { treaty, pool, stablecoin, product, client } = fixture;

      // 30 % of 100 less 20 %: 24 is ceded, and the pool keeps it against the shortfall.
      const { policyId, tx } = await openDirect(pool, product, {
        payer: client,
        holder: client,
        accumulationKey: OTHER_FLIGHT,
        premium: usd(100),
        maxPayout: usd(500),
      });

      await expect(tx).to.emit(treaty, 'PremiumCeded').withArgs(policyId, usd(100), usd(30), usd(6));
      await expect(tx)
        .to.emit(treaty, 'ShortfallPaid')
        .withArgs(usd(24), OFFSET_SHORTFALL - usd(24));
      await expect(tx).to.changeTokenBalances(ethers, stablecoin, [pool, treaty], [usd(100), 0]);
      expect(await treaty.premiumBalance()).to.equal(0);
      expect(await treaty.outstandingShortfall()).to.equal(OFFSET_SHORTFALL - usd(24));
    });

    it('records what neither premium nor collateral returns of a refund as a shortfall (PremiumReturnShortfall)', async function () {
      const fixture = await loadFixture(deployOffsetShortfallFixture);
      const { treaty, pool, stablecoin, product, client } = fixture;
      const { policyId } = await openDirect(pool, product, {
        payer: client,
        holder: client,
        accumulationKey: OTHER_FLIGHT,
        premium: usd(100),
        maxPayout: usd(500),
      });
      const outstanding = await treaty.outstandingShortfall();

      // The whole premium is refunded: the treaty owes back 24, and holds neither premium nor collateral.
      const tx = pool.connect(product).refund(policyId, client.address, OTHER_FLIGHT, usd(100), usd(500), usd(100));

      await expect(tx).to.emit(treaty, 'PremiumReturned').withArgs(policyId, usd(100), 0);
      await expect(tx).to.emit(treaty, 'PremiumReturnShortfall').withArgs(policyId, usd(24), 0);
      await expect(tx).to.changeTokenBalances(ethers, stablecoin, [client, pool, treaty], [usd(100), -usd(100), 0]);
      expect(await treaty.outstandingShortfall()).to.equal(outstanding + usd(24));
    });

    it('returns a premium from premium held, then collateral, and records only the rest as a shortfall', async function () {
      const fixture = await loadFixture(deployShortfallFixture);
      const { treaty, pool, product, client, reinsurer, stablecoin } = fixture;
      // 4,260 of collateral and no premium held: a refund owing 24 is paid from collateral alone.
      const { policyId } = await openDirect(pool, product, {
        payer: client,
        holder: client,
        accumulationKey: OTHER_FLIGHT,
        premium: usd(100),
        maxPayout: usd(500),
      });
      expect(await treaty.premiumBalance()).to.equal(usd(24));
      await expect(treaty.connect(reinsurer).withdrawPremium(usd(24))).to.emit(treaty, 'PremiumWithdrawn');

      const tx = pool.connect(product).refund(policyId, client.address, OTHER_FLIGHT, usd(100), usd(500), usd(100));

      await expect(tx).to.emit(treaty, 'PremiumReturned').withArgs(policyId, usd(100), usd(24));
      await expect(tx).not.to.emit(treaty, 'PremiumReturnShortfall');
      await expect(tx).to.changeTokenBalance(ethers, stablecoin, treaty, -usd(24));
      expect(await treaty.collateral()).to.equal(usd(4_260) - usd(24));
      expect(await treaty.outstandingShortfall()).to.equal(0);
    });
  });

  describe('computeCession', function () {
    it('rounds the quota share down, so a loss of one unit cedes nothing', async function () {
      const { treaty } = await loadFixture(deployCapitalFixture);
      expect(await treaty.computeCession(1, 0, 0)).to.deep.equal([0n, 0n]);
      expect(await treaty.computeCession(3, 0, 0)).to.deep.equal([0n, 0n]);
      expect(await treaty.computeCession(4, 0, 0)).to.deep.equal([1n, 0n]);
      expect(await treaty.computeCession(usd(1_234.567891), 0, 0)).to.deep.equal([usd(370.370367), 0n]);
    });

    it('pays the layer only on the part of the event’s retention between attachment and attachment + limit', async function () {
      const { treaty } = await loadFixture(deployCapitalFixture);
      // Retention goes from 1,000 to 3,100: 1,100 above the attachment.
      expect(await treaty.computeCession(usd(3_000), usd(1_000), 0)).to.deep.equal([usd(900), usd(1_100)]);
      // The event's layer is already used up to 6,500 of 7,000: 500 left.
      expect(await treaty.computeCession(usd(3_000), usd(6_500), 0)).to.deep.equal([usd(900), usd(500)]);
      // Above attachment + limit the layer pays nothing more.
      expect(await treaty.computeCession(usd(3_000), usd(7_000), 0)).to.deep.equal([usd(900), 0n]);
      // Only 300 left of the aggregate.
      expect(await treaty.computeCession(usd(3_000), usd(1_000), usd(7_700))).to.deep.equal([usd(900), usd(300)]);
      expect(await treaty.computeCession(usd(3_000), usd(1_000), usd(9_000))).to.deep.equal([usd(900), 0n]);
    });

    it('matches the treaty formula on 60 generated losses', async function () {
      const { treaty } = await loadFixture(deployCapitalFixture);
      const grosses = [...amounts(7, 60, usd(6_000))];
      const retentions = [...amounts(11, 60, usd(9_000))];
      const aggregates = [...amounts(13, 60, usd(9_000))];
      for (let i = 0; i < grosses.length; ++i) {
        const [gross, retainedBefore, aggregateBefore] = [grosses[i]!, retentions[i]!, aggregates[i]!];
        const expected = expectedCession(gross, retainedBefore, aggregateBefore);
        const [quotaShare, excessOfLoss] = await treaty.computeCession(gross, retainedBefore, aggregateBefore);
        expect(
          { quotaShare, excessOfLoss },
          `gross ${gross}, retained ${retainedBefore}, aggregate ${aggregateBefore}`,
        ).to.deep.equal(expected);
      }
    });
  });

  describe('cessions by others than the pool', function () {
    it('reverts with ReinsuranceTreatyOnlyPool, even for another risk pool', async function () {
      const { treaty, secondPool, insurer, reinsurer, stranger } = await loadFixture(deploySecondPoolFixture);
      const otherPool = await impersonate(await secondPool.getAddress());
      for (const caller of [insurer, reinsurer, stranger, otherPool]) {
        const asCaller = treaty.connect(caller);
        await expect(asCaller.cedePremium(1, usd(100)))
          .to.be.revertedWithCustomError(treaty, 'ReinsuranceTreatyOnlyPool')
          .withArgs(caller.address);
        await expect(asCaller.returnPremium(1, usd(100)))
          .to.be.revertedWithCustomError(treaty, 'ReinsuranceTreatyOnlyPool')
          .withArgs(caller.address);
        await expect(asCaller.cedeLosses(FLIGHT, [{ policyId: 1, gross: usd(100) }]))
          .to.be.revertedWithCustomError(treaty, 'ReinsuranceTreatyOnlyPool')
          .withArgs(caller.address);
      }
      expect(await treaty.collateral()).to.equal(TREATY_COLLATERAL);
      expect(await treaty.premiumBalance()).to.equal(0);
    });
  });

  describe('conservation', function () {
    it('moves stablecoin only between pool, treaty, clients, insurer and reinsurer; the total changes by mints only', async function () {
      const fixture = await loadFixture(deployCapitalFixture);
      const { pool, treaty, flight, stablecoin, client, secondClient, insurer, reinsurer } = fixture;
      const holders = [pool, treaty, client, secondClient, insurer, reinsurer];
      const total = async () => {
        let sum = 0n;
        for (const holder of holders) sum += await stablecoin.balanceOf(holder);
        return sum;
      };
      const totalBefore = await total();
      expect(totalBefore).to.equal(await stablecoin.totalSupply());
      let minted = 0n;

      // The insurer adds capital.
      await (await stablecoin.mint(insurer.address, usd(1_000))).wait();
      minted += usd(1_000);
      await (await stablecoin.connect(insurer).approve(await pool.getAddress(), usd(1_000))).wait();
      await (await pool.connect(insurer).depositCapital(usd(1_000))).wait();

      // Two covers on BA196 that pay on cancellation, one on BA197 that the client cancels.
      const { feedId } = await issueFlight(fixture, client, 'Conservation cover 1', {
        cancellationPayout: usd(2_500),
        sumInsured: usd(2_500),
        premium: usd(45),
      });
      await issueFlight(fixture, secondClient, 'Conservation cover 2', {
        cancellationPayout: usd(1_800),
        sumInsured: usd(1_800),
        premium: usd(31.5),
      });
      const { policyId: cancelled } = await issueFlight(fixture, client, 'Conservation cover 3', {
        flightNumber: '197',
      });
      await (await flight.connect(client).cancel(cancelled)).wait();

      // BA196 is cancelled: 4,300 paid, with quota share and excess of loss recovered.
      await time.increase(13 * 3600);
      const settlement = await finaliseFlight(fixture, feedId);
      await expect(settlement).to.emit(treaty, 'LossCeded');

      // Everyone takes out what they may.
      await (await treaty.connect(reinsurer).withdrawPremium(await treaty.premiumBalance())).wait();
      await (await treaty.connect(reinsurer).withdrawCollateral(usd(20_000))).wait();
      await (await pool.connect(insurer).withdrawCapital(usd(50_000))).wait();
      await (await stablecoin.mint(reinsurer.address, usd(500))).wait();
      minted += usd(500);
      await (await stablecoin.connect(reinsurer).approve(await treaty.getAddress(), usd(500))).wait();
      await (await treaty.connect(reinsurer).postCollateral(usd(500))).wait();

      expect(await total()).to.equal(totalBefore + minted);
      expect(await stablecoin.totalSupply()).to.equal(totalBefore + minted);
      // Each contract's books match its balance.
      expect(await stablecoin.balanceOf(treaty)).to.equal(
        (await treaty.collateral()) + (await treaty.premiumBalance()),
      );
      expect(await stablecoin.balanceOf(pool)).to.equal(await pool.assets());
      expect(await pool.totalLocked()).to.equal(0);
    });
  });
});
