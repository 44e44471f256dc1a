import { expect } from 'chai';
import { flightFeedId, ObservationStatus, TermsType } from '../../services/shared/eip712.js';
import type { IFlightDelayProduct } from '../../types/ethers-contracts/index.js';
import { ethers, networkHelpers, ROLES } from '../helpers/consortium.js';
import { coSign, coSignAsParty, coSignTerms, relayCoSignature, relayTermsCoSignature } from '../helpers/cosign.js';
import {
  DOCUMENT_TYPE,
  FEED_STATE,
  FLIGHT_SETTINGS,
  HUB_SETTINGS,
  deployParametricFixture,
  flightTermsHash,
  POLICY_STATUS,
  report,
  usd,
  type ParametricFixture,
} from '../helpers/parametric.js';
import {
  anchorDocument,
  anchorFlightDocument,
  flightCover,
  HOUR,
  RECORDED_FLIGHTS,
  reportQuorum,
  settledPolicies,
  startOfDate,
  utcDate,
  type RecordedFlightOutcome,
} from '../helpers/products.js';

const { time } = networkHelpers;

type Terms = IFlightDelayProduct.FlightDelayTermsStruct;

/** The treaty's quota share and ceding commission (fixture TREATY), as shares of a premium or a loss. */
const QUOTA_SHARE = 3_000n;
const CEDING_COMMISSION = 2_000n;
const BPS = 10_000n;

/** What the pool pays the treaty on a premium: the ceded share less the commission (30 % x 80 % = 24 %). */
function cededNet(premium: bigint): bigint {
  const ceded = (premium * QUOTA_SHARE) / BPS;
  return ceded - (ceded * CEDING_COMMISSION) / BPS;
}

/** Terms for BA196 departing today, held by the fixture's client. */
async function defaultTerms(fixture: ParametricFixture, overrides: Partial<Terms> = {}): Promise<Terms> {
  return flightCover(fixture.client.address, await time.latest(), 'BA', '196', overrides);
}

/** Anchors the document for `terms` and issues the policy; returns its id and feed. */
async function issue(fixture: ParametricFixture, terms: Terms, holder = fixture.client) {
  const documentHash = await anchorFlightDocument(fixture, terms, holder);
  await (await fixture.flight.connect(fixture.insurer).issue(terms, documentHash)).wait();
  const policyId = await fixture.flight.policyOfDocument(documentHash);
  const { feedId } = await fixture.flight.getPolicy(policyId);
  return { policyId, documentHash, feedId };
}

/** Longest cover after the scheduled arrival (the product's default). */
const MAX_COVER_AFTER_ARRIVAL = 24 * HOUR;

/** The flight's data deadline: scheduled arrival, plus the longest cover after it, plus the data grace period. */
function flightDeadline(terms: Terms): number {
  return Number(terms.scheduledArrival) + MAX_COVER_AFTER_ARRIVAL + FLIGHT_SETTINGS.dataGracePeriod;
}

/** Moves past the flight's scheduled arrival, when oracles look for its outcome. */
async function afterArrival(terms: Terms): Promise<void> {
  await time.increaseTo(Number(terms.scheduledArrival) + HOUR);
}

describe('FlightDelayProduct', function () {
  describe('hashTerms', function () {
    it('equals the EIP-712 struct hash a wallet computes off chain', async function () {
      const fixture = await networkHelpers.loadFixture(deployParametricFixture);
      const terms = await defaultTerms(fixture);
      expect(await fixture.flight.hashTerms(terms)).to.equal(flightTermsHash(terms));
    });

    it('binds every field: changing any one changes the hash, still as computed off chain', async function () {
      const fixture = await networkHelpers.loadFixture(deployParametricFixture);
      const base = await defaultTerms(fixture);
      const changes: Partial<Terms>[] = [
        { policyholder: fixture.secondClient.address },
        { carrier: 'QF' },
        { flightNumber: '197' },
        { departureDate: Number(base.departureDate) + 1 },
        { scheduledDeparture: Number(base.scheduledDeparture) + 60 },
        { scheduledArrival: Number(base.scheduledArrival) + 60 },
        { coverageStart: Number(base.coverageStart) + 1 },
        { coverageEnd: Number(base.coverageEnd) + 1 },
        { delayTierMinutes: [15, 30, 46] },
        { delayTierPayouts: [usd(50), usd(100), usd(201)] },
        { cancellationPayout: usd(249) },
        { diversionPayout: usd(151) },
        { sumInsured: usd(300) },
        { premium: usd(21) },
        { cancellationRefundBps: 8_000 },
      ];
      const hashes = new Set([flightTermsHash(base)]);
      for (const change of changes) {
        const terms = { ...base, ...change };
        const onChain = await fixture.flight.hashTerms(terms);
        expect(onChain).to.equal(flightTermsHash(terms));
        hashes.add(onChain);
      }
      expect(hashes.size).to.equal(changes.length + 1);
    });
  });

  describe('flightFeedId', function () {
    it('equals the feed id the oracle service computes', async function () {
      const { flight } = await networkHelpers.loadFixture(deployParametricFixture);
      for (const { carrier, flightNumber, flownOn } of Object.values(RECORDED_FLIGHTS)) {
        expect(await flight.flightFeedId(carrier, flightNumber, flownOn)).to.equal(
          flightFeedId(carrier, flightNumber, flownOn),
        );
      }
    });

    it('is the feed a policy on that flight settles on', async function () {
      const fixture = await networkHelpers.loadFixture(deployParametricFixture);
      const terms = await defaultTerms(fixture);
      const { feedId } = await issue(fixture, terms);
      expect(feedId).to.equal(flightFeedId('BA', '196', Number(terms.departureDate)));
    });
  });

  describe('issue: the policy document', function () {
    it('reverts with ParametricProductTermsMismatch when the premium changed after signing', async function () {
      const fixture = await networkHelpers.loadFixture(deployParametricFixture);
      const signed = await defaultTerms(fixture);
      const documentHash = await anchorFlightDocument(fixture, signed);
      const changed = { ...signed, premium: usd(15) };
      await expect(fixture.flight.connect(fixture.insurer).issue(changed, documentHash))
        .to.be.revertedWithCustomError(fixture.flight, 'ParametricProductTermsMismatch')
        .withArgs(documentHash, flightTermsHash(signed), flightTermsHash(changed));
    });

    it('reverts with ParametricProductNotCoSigned when the client has not co-signed', async function () {
      const fixture = await networkHelpers.loadFixture(deployParametricFixture);
      const { flight, insurer, client } = fixture;
      const terms = await defaultTerms(fixture);
      const documentHash = await anchorDocument(fixture, {
        text: 'BA196 policy awaiting the client signature',
        termsHash: flightTermsHash(terms),
        required: [insurer, client],
        signing: [insurer],
      });
      await expect(flight.connect(insurer).issue(terms, documentHash))
        .to.be.revertedWithCustomError(flight, 'ParametricProductNotCoSigned')
        .withArgs(documentHash, client.address);
    });

    it('reverts with ParametricProductNotCoSigned when the issuing insurer has not co-signed', async function () {
      const fixture = await networkHelpers.loadFixture(deployParametricFixture);
      const { flight, insurer, client } = fixture;
      const terms = await defaultTerms(fixture);
      const documentHash = await anchorDocument(fixture, {
        text: 'BA196 policy awaiting the insurer signature',
        termsHash: flightTermsHash(terms),
        required: [insurer, client],
        signing: [client],
      });
      await expect(flight.connect(insurer).issue(terms, documentHash))
        .to.be.revertedWithCustomError(flight, 'ParametricProductNotCoSigned')
        .withArgs(documentHash, insurer.address);
    });

    it('reverts with ParametricProductTermsNotSignedByHolder when the client co-signed the hash only', async function () {
      const fixture = await networkHelpers.loadFixture(deployParametricFixture);
      const { flight, registry, insurer, client } = fixture;
      const terms = await defaultTerms(fixture);
      const documentHash = await anchorDocument(fixture, {
        text: 'BA196 policy the client signed blind',
        termsHash: flightTermsHash(terms),
        required: [insurer, client],
        signing: [insurer],
      });
      const deadline = BigInt(await time.latest()) + BigInt(HOUR);
      const overHash = await coSign(registry, client, { documentHash, deadline });
      await (await relayCoSignature(registry, documentHash, overHash)).wait();
      expect(await registry.isFullySigned(documentHash)).to.equal(true);

      await expect(flight.connect(insurer).issue(terms, documentHash))
        .to.be.revertedWithCustomError(flight, 'ParametricProductTermsNotSignedByHolder')
        .withArgs(documentHash, client.address);
    });

    it('issues when the client co-signed over the terms themselves and the insurer over the hash', async function () {
      const fixture = await networkHelpers.loadFixture(deployParametricFixture);
      const { flight, registry, insurer, client } = fixture;
      const terms = await defaultTerms(fixture);
      const documentHash = await anchorDocument(fixture, {
        text: 'BA196 policy whose tiers the client saw in its wallet',
        termsHash: flightTermsHash(terms),
        required: [insurer, client],
        signing: [insurer],
      });
      const deadline = BigInt(await time.latest()) + BigInt(HOUR);
      const overTerms = await coSignTerms(registry, client, {
        documentHash,
        deadline,
        termsType: TermsType.FlightDelay,
        terms,
      });
      await (await relayTermsCoSignature(registry, documentHash, overTerms)).wait();
      expect(await registry.signedTerms(documentHash, client.address)).to.equal(true);
      expect(await registry.signedTerms(documentHash, insurer.address)).to.equal(false);

      const expectedId = (await fixture.pool.policyCount()) + 1n;
      await expect(flight.connect(insurer).issue(terms, documentHash))
        .to.emit(flight, 'PolicyIssued')
        .withArgs(
          expectedId,
          client.address,
          flightFeedId('BA', '196', Number(terms.departureDate)),
          documentHash,
          flightTermsHash(terms),
          usd(20),
          usd(250),
        );
    });

    it('reverts with ParametricProductDocumentNotValid for a document never anchored', async function () {
      const fixture = await networkHelpers.loadFixture(deployParametricFixture);
      const terms = await defaultTerms(fixture);
      const documentHash = ethers.sha256(ethers.toUtf8Bytes('a policy nobody anchored'));
      await expect(fixture.flight.connect(fixture.insurer).issue(terms, documentHash))
        .to.be.revertedWithCustomError(fixture.flight, 'ParametricProductDocumentNotValid')
        .withArgs(documentHash);
    });

    it('reverts with ParametricProductDocumentNotValid for a revoked document', async function () {
      const fixture = await networkHelpers.loadFixture(deployParametricFixture);
      const terms = await defaultTerms(fixture);
      const documentHash = await anchorFlightDocument(fixture, terms);
      await (await fixture.registry.connect(fixture.insurer).revoke(documentHash, 1)).wait();
      await expect(fixture.flight.connect(fixture.insurer).issue(terms, documentHash))
        .to.be.revertedWithCustomError(fixture.flight, 'ParametricProductDocumentNotValid')
        .withArgs(documentHash);
    });

    it('reverts with ParametricProductDocumentNotValid for a superseded document; its endorsement issues', async function () {
      const fixture = await networkHelpers.loadFixture(deployParametricFixture);
      const { flight, registry, insurer, client } = fixture;
      const terms = await defaultTerms(fixture);
      const original = await anchorFlightDocument(fixture, terms);
      const endorsement = ethers.sha256(ethers.toUtf8Bytes('BA196 policy, endorsement 1: same terms, new wording'));
      await (
        await registry.connect(insurer).supersede(original, {
          documentHash: endorsement,
          termsHash: flightTermsHash(terms),
          documentType: DOCUMENT_TYPE.Endorsement,
          retentionClass: 2,
          policyRef: 'PL-BA196-E1',
          storagePointer: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
          requiredSigners: [insurer.address, client.address],
        })
      ).wait();
      await expect(flight.connect(insurer).issue(terms, original))
        .to.be.revertedWithCustomError(flight, 'ParametricProductDocumentNotValid')
        .withArgs(original);

      const deadline = BigInt(await time.latest()) + BigInt(HOUR);
      for (const signer of [insurer, client]) await coSignAsParty(registry, signer, endorsement, deadline);
      await expect(flight.connect(insurer).issue(terms, endorsement)).to.emit(flight, 'PolicyIssued');
    });

    it('reverts with ParametricProductDocumentNotValid for a Treaty-type document', async function () {
      const fixture = await networkHelpers.loadFixture(deployParametricFixture);
      const { flight, insurer, client } = fixture;
      const terms = await defaultTerms(fixture);
      const documentHash = await anchorDocument(fixture, {
        text: 'BA196 terms filed as a treaty',
        termsHash: flightTermsHash(terms),
        documentType: DOCUMENT_TYPE.Treaty,
        required: [insurer, client],
      });
      await expect(flight.connect(insurer).issue(terms, documentHash))
        .to.be.revertedWithCustomError(flight, 'ParametricProductDocumentNotValid')
        .withArgs(documentHash);
    });

    it('reverts with ParametricProductDocumentAlreadyUsed for a second issue against the same document', async function () {
      const fixture = await networkHelpers.loadFixture(deployParametricFixture);
      const terms = await defaultTerms(fixture);
      const { policyId, documentHash } = await issue(fixture, terms);
      await expect(fixture.flight.connect(fixture.insurer).issue(terms, documentHash))
        .to.be.revertedWithCustomError(fixture.flight, 'ParametricProductDocumentAlreadyUsed')
        .withArgs(documentHash, policyId);
    });

    it('reverts with ParametricProductInvalidHolder when the holder is not a CLIENT', async function () {
      const fixture = await networkHelpers.loadFixture(deployParametricFixture);
      const { flight, insurer, reinsurer } = fixture;
      const terms = flightCover(reinsurer.address, await time.latest(), 'BA', '196');
      const documentHash = await anchorFlightDocument(fixture, terms, reinsurer);
      await expect(flight.connect(insurer).issue(terms, documentHash))
        .to.be.revertedWithCustomError(flight, 'ParametricProductInvalidHolder')
        .withArgs(reinsurer.address);
    });

    it('reverts with ParametricProductInvalidHolder when the client lost its role after signing', async function () {
      const fixture = await networkHelpers.loadFixture(deployParametricFixture);
      const { flight, access, insurer, client, govern } = fixture;
      const terms = await defaultTerms(fixture);
      const documentHash = await anchorFlightDocument(fixture, terms);
      await govern(
        await access.getAddress(),
        access.interface.encodeFunctionData('revokeRole', [ROLES.CLIENT, client.address]),
      );
      await expect(flight.connect(insurer).issue(terms, documentHash))
        .to.be.revertedWithCustomError(flight, 'ParametricProductInvalidHolder')
        .withArgs(client.address);
    });
  });

  describe('issue: who may issue', function () {
    it('reverts with ParametricProductNotPoolInsurer for a client issuing its own policy', async function () {
      const fixture = await networkHelpers.loadFixture(deployParametricFixture);
      const terms = await defaultTerms(fixture);
      const documentHash = await anchorFlightDocument(fixture, terms);
      await expect(fixture.flight.connect(fixture.client).issue(terms, documentHash))
        .to.be.revertedWithCustomError(fixture.flight, 'ParametricProductNotPoolInsurer')
        .withArgs(fixture.client.address);
    });

    it('reverts with ParametricProductNotPoolInsurer for a deactivated insurer', async function () {
      const fixture = await networkHelpers.loadFixture(deployParametricFixture);
      const { flight, access, insurer, govern } = fixture;
      const terms = await defaultTerms(fixture);
      const documentHash = await anchorFlightDocument(fixture, terms);
      await govern(
        await access.getAddress(),
        access.interface.encodeFunctionData('setPartyActive', [insurer.address, false]),
      );
      await expect(flight.connect(insurer).issue(terms, documentHash))
        .to.be.revertedWithCustomError(flight, 'ParametricProductNotPoolInsurer')
        .withArgs(insurer.address);
    });

    it('reverts with ParametricProductNotPoolInsurer for the pool’s insurer once its INSURER role is revoked', async function () {
      const fixture = await networkHelpers.loadFixture(deployParametricFixture);
      const { flight, access, insurer, govern } = fixture;
      const terms = await defaultTerms(fixture);
      const documentHash = await anchorFlightDocument(fixture, terms);
      await govern(
        await access.getAddress(),
        access.interface.encodeFunctionData('revokeRole', [ROLES.INSURER, insurer.address]),
      );
      await expect(flight.connect(insurer).issue(terms, documentHash))
        .to.be.revertedWithCustomError(flight, 'ParametricProductNotPoolInsurer')
        .withArgs(insurer.address);
    });

    it('reverts with ParametricProductNotPoolInsurer for another INSURER, even on a document it co-signed', async function () {
      const fixture = await networkHelpers.loadFixture(deployParametricFixture);
      const { flight, pool, client, secondInsurer } = fixture;
      const terms = await defaultTerms(fixture);
      const documentHash = await anchorDocument(fixture, {
        text: 'BA196 policy signed by another insurer and the client',
        termsHash: flightTermsHash(terms),
        required: [secondInsurer, client],
      });
      await expect(flight.connect(secondInsurer).issue(terms, documentHash))
        .to.be.revertedWithCustomError(flight, 'ParametricProductNotPoolInsurer')
        .withArgs(secondInsurer.address);
      expect(await pool.policyCount()).to.equal(0);
    });

    it('checks the issuer before the document: a stranger with a document never anchored gets NotPoolInsurer', async function () {
      const fixture = await networkHelpers.loadFixture(deployParametricFixture);
      const { flight, secondInsurer, stranger } = fixture;
      const terms = await defaultTerms(fixture);
      const documentHash = ethers.sha256(ethers.toUtf8Bytes('a policy nobody anchored'));
      for (const caller of [stranger, secondInsurer]) {
        await expect(flight.connect(caller).issue(terms, documentHash))
          .to.be.revertedWithCustomError(flight, 'ParametricProductNotPoolInsurer')
          .withArgs(caller.address);
      }
    });

    it('follows the pool: a product on another insurer’s pool issues for that insurer only', async function () {
      const fixture = await networkHelpers.loadFixture(deployParametricFixture);
      const { access, registry, hub, stablecoin, insurer, client, secondInsurer, govern } = fixture;
      const accessAddress = await access.getAddress();
      const otherPool = await ethers.deployContract('RiskPool', [
        accessAddress,
        secondInsurer.address,
        await stablecoin.getAddress(),
        usd(1_000_000),
      ]);
      const otherPoolAddress = await otherPool.getAddress();
      const otherFlight = await ethers.deployContract('FlightDelayProduct', [
        accessAddress,
        await hub.getAddress(),
        await registry.getAddress(),
        otherPoolAddress,
        FLIGHT_SETTINGS.batchSize,
        FLIGHT_SETTINGS.dataGracePeriod,
        FLIGHT_SETTINGS.delayToleranceMinutes,
      ]);
      const otherFlightAddress = await otherFlight.getAddress();
      await govern(await hub.getAddress(), hub.interface.encodeFunctionData('setConsumer', [otherFlightAddress, true]));
      await (await otherPool.connect(secondInsurer).consentToWiring(otherFlightAddress, true)).wait();
      await govern(otherPoolAddress, otherPool.interface.encodeFunctionData('setProduct', [otherFlightAddress, true]));
      await (await stablecoin.mint(secondInsurer.address, usd(10_000))).wait();
      await (await stablecoin.connect(secondInsurer).approve(otherPoolAddress, usd(10_000))).wait();
      await (await otherPool.connect(secondInsurer).depositCapital(usd(10_000))).wait();
      await (await stablecoin.connect(client).approve(otherPoolAddress, ethers.MaxUint256)).wait();

      const terms = await defaultTerms(fixture);
      const signedByBoth = (text: string) =>
        anchorDocument(fixture, {
          text,
          termsHash: flightTermsHash(terms),
          required: [insurer, secondInsurer, client],
        });
      const refused = await signedByBoth('BA196 policy offered to the fixture insurer on another pool');
      await expect(otherFlight.connect(insurer).issue(terms, refused))
        .to.be.revertedWithCustomError(otherFlight, 'ParametricProductNotPoolInsurer')
        .withArgs(insurer.address);

      const accepted = await signedByBoth('BA196 policy issued by the other pool’s insurer');
      await expect(otherFlight.connect(secondInsurer).issue(terms, accepted)).to.emit(otherFlight, 'PolicyIssued');
      const policyId = await otherFlight.policyOfDocument(accepted);
      expect(policyId).to.equal(1);
      expect((await otherFlight.getPolicy(policyId)).holder).to.equal(client.address);
      expect(await otherPool.totalLocked()).to.equal(usd(250));
    });
  });

  describe('issue: a flight whose outcome is known', function () {
    it('reverts with FlightDelayProductIssueClosed: nobody buys cover on a flight that has landed', async function () {
      const fixture = await networkHelpers.loadFixture(deployParametricFixture);
      const { flight, insurer, secondClient } = fixture;
      const terms = await defaultTerms(fixture);
      const { feedId } = await issue(fixture, terms);
      await afterArrival(terms);
      await (await reportQuorum(fixture, feedId, ObservationStatus.Landed, [82, 82, 82])).wait();

      const late = { ...terms, policyholder: secondClient.address };
      const documentHash = await anchorFlightDocument(fixture, late, secondClient);
      await expect(flight.connect(insurer).issue(late, documentHash))
        .to.be.revertedWithCustomError(flight, 'FlightDelayProductIssueClosed')
        .withArgs(terms.scheduledDeparture, Number(terms.scheduledDeparture) - 2 * HOUR);
    });
  });

  describe('issue: no cover on a flight already over or about to leave', function () {
    const CUTOFF = 2 * HOUR;

    /** Terms for a flight leaving at `departure`, covered from an hour before it to a day after its arrival. */
    function leavingAt(fixture: ParametricFixture, departure: number, overrides: Partial<Terms> = {}): Terms {
      return flightCover(fixture.client.address, departure - 6 * HOUR, 'BA', '196', {
        coverageStart: departure - HOUR,
        ...overrides,
      });
    }

    it('starts with a two-hour departure cut-off and at most a day of cover after arrival', async function () {
      const { flight } = await networkHelpers.loadFixture(deployParametricFixture);
      expect(await flight.issuanceSettings()).to.deep.equal([BigInt(CUTOFF), BigInt(24 * HOUR)]);
    });

    it('reverts with FlightDelayProductIssueClosed for a flight that landed long ago: a known loss is never written', async function () {
      const fixture = await networkHelpers.loadFixture(deployParametricFixture);
      const departure = (await time.latest()) - 2 * 24 * HOUR;
      const terms = leavingAt(fixture, departure, { coverageEnd: (await time.latest()) + HOUR });
      const documentHash = await anchorFlightDocument(fixture, terms);
      await expect(fixture.flight.connect(fixture.insurer).issue(terms, documentHash))
        .to.be.revertedWithCustomError(fixture.flight, 'FlightDelayProductIssueClosed')
        .withArgs(departure, departure - CUTOFF);
    });

    it('issues up to the cut-off before departure and reverts one second later', async function () {
      const fixture = await networkHelpers.loadFixture(deployParametricFixture);
      const { flight, insurer, secondClient } = fixture;
      const departure = (await time.latest()) + 6 * HOUR;
      const terms = leavingAt(fixture, departure);
      const lateTerms = { ...terms, policyholder: secondClient.address };
      const onTime = await anchorFlightDocument(fixture, terms);
      const late = await anchorFlightDocument(fixture, lateTerms, secondClient);

      await time.setNextBlockTimestamp(departure - CUTOFF);
      await expect(flight.connect(insurer).issue(terms, onTime)).to.emit(flight, 'PolicyIssued');
      await expect(flight.connect(insurer).issue(lateTerms, late))
        .to.be.revertedWithCustomError(flight, 'FlightDelayProductIssueClosed')
        .withArgs(departure, departure - CUTOFF);
    });

    it('follows the cut-off set under dual control: eight hours refuses a flight six hours away', async function () {
      const fixture = await networkHelpers.loadFixture(deployParametricFixture);
      const { flight, insurer, govern } = fixture;
      const data = flight.interface.encodeFunctionData('setIssuanceSettings', [8 * HOUR, 12 * HOUR]);
      await expect(flight.connect(fixture.admin1).setIssuanceSettings(8 * HOUR, 12 * HOUR))
        .to.be.revertedWithCustomError(flight, 'ConsortiumGovernedDualControlRequired')
        .withArgs(fixture.admin1.address);
      await govern(await flight.getAddress(), data);
      expect(await flight.issuanceSettings()).to.deep.equal([BigInt(8 * HOUR), BigInt(12 * HOUR)]);
      const terms = await defaultTerms(fixture);
      const documentHash = await anchorFlightDocument(fixture, terms);
      await expect(flight.connect(insurer).issue(terms, documentHash)).to.be.revertedWithCustomError(
        flight,
        'FlightDelayProductIssueClosed',
      );
    });

    it('reverts with FlightDelayProductInvalidIssuanceSettings for settings out of bounds', async function () {
      const { flight, access, admin1, admin2 } = await networkHelpers.loadFixture(deployParametricFixture);
      for (const [cutoff, afterArrival] of [
        [8 * 24 * HOUR, HOUR],
        [HOUR, 0],
        [HOUR, 8 * 24 * HOUR],
      ] as const) {
        const data = flight.interface.encodeFunctionData('setIssuanceSettings', [cutoff, afterArrival]);
        await (await access.connect(admin1).propose(await flight.getAddress(), data)).wait();
        const proposalId = await access.proposalCount();
        await (await access.connect(admin2).approve(proposalId)).wait();
        const reason = flight.interface.encodeErrorResult('FlightDelayProductInvalidIssuanceSettings', [
          cutoff,
          afterArrival,
        ]);
        await expect(access.connect(admin1).execute(proposalId))
          .to.be.revertedWithCustomError(access, 'ConsortiumAccessExecutionFailed')
          .withArgs(proposalId, reason);
      }
    });

    const cases: [string, string, (departure: number) => Partial<Terms>][] = [
      [
        'a departure date that is not the UTC date of the departure',
        'departureDate',
        (d) => ({ departureDate: utcDate(d + 24 * HOUR) }),
      ],
      ['cover starting after the departure', 'coverage', (d) => ({ coverageStart: d + 60 })],
      ['an arrival before the departure', 'scheduledArrival', (d) => ({ scheduledArrival: d - 60 })],
      [
        'an arrival more than a day after the departure',
        'scheduledArrival',
        (d) => ({ scheduledArrival: d + 24 * HOUR + 1, coverageEnd: d + 30 * HOUR }),
      ],
      [
        'cover ending before the arrival',
        'coverage',
        (d) => ({ scheduledArrival: d + 6 * HOUR, coverageEnd: d + 6 * HOUR - 1 }),
      ],
      [
        'cover running more than a day after the arrival',
        'coverage',
        (d) => ({ scheduledArrival: d + 6 * HOUR, coverageEnd: d + 30 * HOUR + 1 }),
      ],
    ];
    for (const [description, field, change] of cases) {
      it(`reverts with ParametricProductInvalidTerms("${field}") for ${description}`, async function () {
        const fixture = await networkHelpers.loadFixture(deployParametricFixture);
        const departure = (await time.latest()) + 6 * HOUR;
        const terms = leavingAt(fixture, departure, change(departure));
        const documentHash = await anchorFlightDocument(fixture, terms);
        await expect(fixture.flight.connect(fixture.insurer).issue(terms, documentHash))
          .to.be.revertedWithCustomError(fixture.flight, 'ParametricProductInvalidTerms')
          .withArgs(field);
      });
    }

    it('accepts cover from the departure to exactly a day after the arrival', async function () {
      const fixture = await networkHelpers.loadFixture(deployParametricFixture);
      const departure = (await time.latest()) + 6 * HOUR;
      const terms = leavingAt(fixture, departure, {
        coverageStart: departure,
        scheduledArrival: departure + 6 * HOUR,
        coverageEnd: departure + 30 * HOUR,
      });
      const { policyId } = await issue(fixture, terms);
      expect((await fixture.flight.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Issued);
    });
  });

  describe('issue: invalid terms', function () {
    const longAgo = -30 * 24 * HOUR;
    const cases: [string, string, (now: number) => Partial<Terms>][] = [
      ['no tiers', 'delayTiers', () => ({ delayTierMinutes: [], delayTierPayouts: [] })],
      [
        'five tiers',
        'delayTiers',
        () => ({
          delayTierMinutes: [15, 30, 45, 60, 90],
          delayTierPayouts: [usd(10), usd(20), usd(30), usd(40), usd(50)],
        }),
      ],
      ['more payouts than tiers', 'delayTiers', () => ({ delayTierMinutes: [15, 30] })],
      ['tiers not ascending', 'delayTierMinutes', () => ({ delayTierMinutes: [30, 15, 45] })],
      ['two tiers at the same minute', 'delayTierMinutes', () => ({ delayTierMinutes: [15, 15, 45] })],
      ['a tier at zero minutes', 'delayTierMinutes', () => ({ delayTierMinutes: [0, 30, 45] })],
      ['a tier paying nothing', 'delayTierPayouts', () => ({ delayTierPayouts: [usd(50), 0n, usd(200)] })],
      [
        'a tier paying more than the sum insured',
        'delayTierPayouts',
        () => ({ delayTierPayouts: [usd(50), usd(100), usd(251)] }),
      ],
      ['a cancellation payout above the sum insured', 'cancellationPayout', () => ({ cancellationPayout: usd(251) })],
      ['a diversion payout above the sum insured', 'diversionPayout', () => ({ diversionPayout: usd(251) })],
      [
        'cover ending when it starts',
        'coverage',
        (now) => ({ coverageStart: now + 2 * HOUR, coverageEnd: now + 2 * HOUR }),
      ],
      [
        'cover ending before it starts',
        'coverage',
        (now) => ({ coverageStart: now + 3 * HOUR, coverageEnd: now + 2 * HOUR }),
      ],
      ['cover already over', 'coverage', (now) => ({ coverageStart: now + longAgo, coverageEnd: now - HOUR })],
      ['a refund above 100 %', 'cancellationRefundBps', () => ({ cancellationRefundBps: 10_001 })],
      ['a lower-case carrier', 'carrier', () => ({ carrier: 'ba' })],
      ['an empty carrier', 'carrier', () => ({ carrier: '' })],
      ['a carrier with a space', 'carrier', () => ({ carrier: 'B A' })],
      ['a flight number with a dash', 'flightNumber', () => ({ flightNumber: '19-6' })],
      ['an empty flight number', 'flightNumber', () => ({ flightNumber: '' })],
      ['a flight number longer than eight characters', 'flightNumber', () => ({ flightNumber: '123456789' })],
      ['a lower-case suffix letter', 'flightNumber', () => ({ flightNumber: '196a' })],
      ['30 February', 'departureDate', () => ({ departureDate: 20260230 })],
      ['month 13', 'departureDate', () => ({ departureDate: 20261301 })],
      ['a date before 1970', 'departureDate', () => ({ departureDate: 19691231 })],
      ['a sum insured beyond the policy record', 'sumInsured', () => ({ sumInsured: 2n ** 48n })],
      ['a premium beyond the policy record', 'premium', () => ({ premium: 2n ** 48n })],
    ];
    for (const [description, field, change] of cases) {
      it(`reverts with ParametricProductInvalidTerms("${field}") for ${description}`, async function () {
        const fixture = await networkHelpers.loadFixture(deployParametricFixture);
        const terms = await defaultTerms(fixture, change(await time.latest()));
        const documentHash = await anchorFlightDocument(fixture, terms);
        await expect(fixture.flight.connect(fixture.insurer).issue(terms, documentHash))
          .to.be.revertedWithCustomError(fixture.flight, 'ParametricProductInvalidTerms')
          .withArgs(field);
      });
    }

    it('accepts four tiers, a suffix letter and 29 February of a leap year', async function () {
      const fixture = await networkHelpers.loadFixture(deployParametricFixture);
      // Three hours before 29 February 2028 (UTC): the flight leaves six hours later, at 03:00 that day.
      await time.increaseTo(startOfDate(20280229) - 3 * HOUR);
      const terms = await defaultTerms(fixture, {
        flightNumber: '196A',
        delayTierMinutes: [15, 30, 45, 180],
        delayTierPayouts: [usd(50), usd(100), usd(200), usd(250)],
      });
      expect(terms.departureDate).to.equal(20280229);
      const { policyId } = await issue(fixture, terms);
      expect((await fixture.flight.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Issued);
    });
  });

  describe('issue: effects', function () {
    it('emits PolicyIssued with the policy, holder, feed, document, terms hash, premium and max payout', async function () {
      const fixture = await networkHelpers.loadFixture(deployParametricFixture);
      const { flight, pool, insurer, client } = fixture;
      const terms = await defaultTerms(fixture);
      const documentHash = await anchorFlightDocument(fixture, terms);
      const expectedId = (await pool.policyCount()) + 1n;
      await expect(flight.connect(insurer).issue(terms, documentHash))
        .to.emit(flight, 'PolicyIssued')
        .withArgs(
          expectedId,
          client.address,
          flightFeedId('BA', '196', Number(terms.departureDate)),
          documentHash,
          flightTermsHash(terms),
          usd(20),
          usd(250),
        );
      expect(await flight.policyOfDocument(documentHash)).to.equal(expectedId);
    });

    it('records the policy', async function () {
      const fixture = await networkHelpers.loadFixture(deployParametricFixture);
      const terms = await defaultTerms(fixture);
      const { policyId, documentHash, feedId } = await issue(fixture, terms);
      const policy = await fixture.flight.getPolicy(policyId);
      expect(policy.holder).to.equal(fixture.client.address);
      expect(policy.status).to.equal(POLICY_STATUS.Issued);
      expect(policy.coverageStart).to.equal(terms.coverageStart);
      expect(policy.coverageEnd).to.equal(terms.coverageEnd);
      expect(policy.maxPayout).to.equal(usd(250));
      expect(policy.premium).to.equal(usd(20));
      expect(policy.cancellationRefundBps).to.equal(9_000);
      expect(policy.feedId).to.equal(flightFeedId('BA', '196', Number(terms.departureDate)));
      expect(policy.documentHash).to.equal(documentHash);
      expect(await fixture.flight.feedPolicies(feedId, 0, 10)).to.deep.equal([policyId]);
      expect(await fixture.flight.feedProgress(feedId)).to.deep.equal([1n, 0n]);
    });

    it('emits FlightFeedRegistered with the data deadline arrival + 1 day + 3 days, once per flight', async function () {
      const fixture = await networkHelpers.loadFixture(deployParametricFixture);
      const { flight, insurer, secondClient } = fixture;
      const terms = await defaultTerms(fixture);
      const documentHash = await anchorFlightDocument(fixture, terms);
      const feedId = flightFeedId('BA', '196', Number(terms.departureDate));
      const dataDeadline = flightDeadline(terms);
      await expect(flight.connect(insurer).issue(terms, documentHash))
        .to.emit(flight, 'FlightFeedRegistered')
        .withArgs(feedId, 'BA', '196', terms.departureDate, terms.scheduledArrival, dataDeadline);

      const second = { ...terms, policyholder: secondClient.address };
      const secondDocument = await anchorFlightDocument(fixture, second, secondClient);
      const tx = flight.connect(insurer).issue(second, secondDocument);
      await expect(tx).to.emit(flight, 'PolicyIssued');
      await expect(tx).not.to.emit(flight, 'FlightFeedRegistered');
      expect(await flight.feedProgress(feedId)).to.deep.equal([2n, 0n]);
    });

    it('registers the flight with the hub: this product, data deadline arrival + 1 day + 3 days, tolerance 5 minutes', async function () {
      const fixture = await networkHelpers.loadFixture(deployParametricFixture);
      const { flight, hub, insurer } = fixture;
      const terms = await defaultTerms(fixture);
      const documentHash = await anchorFlightDocument(fixture, terms);
      const feedId = flightFeedId('BA', '196', Number(terms.departureDate));
      const dataDeadline = Number(terms.scheduledArrival) + 24 * HOUR + 3 * 24 * HOUR;
      await expect(flight.connect(insurer).issue(terms, documentHash))
        .to.emit(hub, 'FeedRegistered')
        .withArgs(feedId, await flight.getAddress(), dataDeadline, 5);
      const feed = await hub.getFeed(feedId);
      expect(feed.consumer).to.equal(await flight.getAddress());
      expect(feed.state).to.equal(FEED_STATE.Open);
      expect(feed.dataDeadline).to.equal(dataDeadline);
      expect(feed.tolerance).to.equal(5n);
    });

    it('moves the premium from the client to the pool, which pays the treaty 24 % of it (PremiumCeded)', async function () {
      const fixture = await networkHelpers.loadFixture(deployParametricFixture);
      const { flight, stablecoin, pool, treaty, insurer, client } = fixture;
      const terms = await defaultTerms(fixture);
      const documentHash = await anchorFlightDocument(fixture, terms);
      const policyId = (await pool.policyCount()) + 1n;
      const premium = usd(20);
      const tx = flight.connect(insurer).issue(terms, documentHash);
      await expect(tx).to.changeTokenBalances(
        ethers,
        stablecoin,
        [client, pool, treaty],
        [-premium, premium - cededNet(premium), cededNet(premium)],
      );
      // 30 % ceded (6.00), 20 % of that back as commission (1.20): the treaty receives 4.80.
      await expect(tx).to.emit(treaty, 'PremiumCeded').withArgs(policyId, premium, usd(6), usd(1.2));
      expect(cededNet(premium)).to.equal(usd(4.8));
    });

    it('locks the max payout (the largest of tiers, cancellation and diversion) in the pool', async function () {
      const fixture = await networkHelpers.loadFixture(deployParametricFixture);
      const { pool } = fixture;
      const layouts: [Partial<Terms>, bigint][] = [
        [{}, usd(250)], // cancellation
        [{ cancellationPayout: usd(100), diversionPayout: usd(220) }, usd(220)], // diversion
        [{ cancellationPayout: 0n, diversionPayout: 0n }, usd(200)], // highest tier
      ];
      for (const [index, [change, maxPayout]] of layouts.entries()) {
        const terms = await defaultTerms(fixture, { flightNumber: String(100 + index), ...change });
        const feedId = flightFeedId('BA', String(100 + index), Number(terms.departureDate));
        const lockedBefore = await pool.totalLocked();
        const { policyId } = await issue(fixture, terms);
        expect((await fixture.flight.getPolicy(policyId)).maxPayout).to.equal(maxPayout);
        expect(await pool.exposure(feedId)).to.equal(maxPayout);
        expect((await pool.totalLocked()) - lockedBefore).to.equal(maxPayout);
      }
    });

    it('is not active before coverageStart, active during cover, not active after coverageEnd', async function () {
      const fixture = await networkHelpers.loadFixture(deployParametricFixture);
      const terms = await defaultTerms(fixture);
      const { policyId } = await issue(fixture, terms);
      expect(await fixture.flight.isActive(policyId)).to.equal(false);
      await time.increaseTo(Number(terms.coverageStart) - 1);
      expect(await fixture.flight.isActive(policyId)).to.equal(false);
      await time.increaseTo(Number(terms.coverageStart));
      expect(await fixture.flight.isActive(policyId)).to.equal(true);
      await time.increaseTo(Number(terms.coverageEnd));
      expect(await fixture.flight.isActive(policyId)).to.equal(true);
      await time.increaseTo(Number(terms.coverageEnd) + 1);
      expect(await fixture.flight.isActive(policyId)).to.equal(false);
    });
  });

  describe('settlement on real flight outcomes', function () {
    interface OutcomeCase {
      name: string;
      /** The flight and what happened to it (recorded, or made up where the recordings have no such case). */
      outcome: Pick<RecordedFlightOutcome, 'carrier' | 'flightNumber' | 'status'>;
      /** What the three oracles report (a quorum of 3; the lower median wins). */
      values: number[];
      payout: bigint;
      status: number;
    }
    const cases: OutcomeCase[] = [
      {
        name: 'QF2957 landing 2 minutes early (AviationStack, 2022-04-22)',
        outcome: RECORDED_FLIGHTS.QF2957,
        values: [
          RECORDED_FLIGHTS.QF2957.arrivalDelayMinutes,
          RECORDED_FLIGHTS.QF2957.arrivalDelayMinutes,
          RECORDED_FLIGHTS.QF2957.arrivalDelayMinutes,
        ],
        payout: 0n,
        status: POLICY_STATUS.Expired,
      },
      {
        name: 'BA196 arriving a minute early after a 16-minute late departure (AeroAPI, 2022-06-27)',
        outcome: RECORDED_FLIGHTS.BA196,
        values: [
          RECORDED_FLIGHTS.BA196.arrivalDelayMinutes,
          RECORDED_FLIGHTS.BA196.arrivalDelayMinutes,
          RECORDED_FLIGHTS.BA196.arrivalDelayMinutes,
        ],
        payout: 0n,
        status: POLICY_STATUS.Expired,
      },
      {
        name: 'MF1541 cancelled (AviationStack, 2022-04-22)',
        outcome: RECORDED_FLIGHTS.MF1541,
        values: [0, 0, 0],
        payout: usd(250),
        status: POLICY_STATUS.Paid,
      },
      {
        name: 'a flight landing 82 minutes late',
        outcome: {
          carrier: 'LH',
          flightNumber: '400',
          status: ObservationStatus.Landed,
        },
        values: [82, 83, 82],
        payout: usd(200),
        status: POLICY_STATUS.Paid,
      },
      {
        name: 'a diverted flight',
        outcome: {
          carrier: 'KL',
          flightNumber: '1001',
          status: ObservationStatus.Diverted,
        },
        values: [0, 0, 0],
        payout: usd(150),
        status: POLICY_STATUS.Paid,
      },
    ];

    for (const { name, outcome, values, payout, status } of cases) {
      describe(name, function () {
        /**
         * The recorded outcome happened on `flownOn`, which the simulated chain has long passed; the same flight
         * number is insured on the chain's today and the recorded outcome replayed on it.
         */
        async function settledFixture() {
          const fixture = await deployParametricFixture();
          const terms = flightCover(fixture.client.address, await time.latest(), outcome.carrier, outcome.flightNumber);
          const issued = await issue(fixture, terms);
          await afterArrival(terms);
          const lockedBefore = await fixture.pool.totalLocked();
          const balanceBefore = await fixture.stablecoin.balanceOf(fixture.client.address);
          const tx = await reportQuorum(fixture, issued.feedId, outcome.status, values);
          return { ...fixture, ...issued, terms, tx, lockedBefore, balanceBefore };
        }

        it(`settles in the quorum transaction: ${status === POLICY_STATUS.Paid ? 'Paid' : 'Expired'}, PolicySettled with the payout`, async function () {
          const { flight, hub, tx, policyId, feedId } = await networkHelpers.loadFixture(settledFixture);
          await expect(tx).to.emit(hub, 'ObservationFinalised');
          await expect(tx).to.emit(flight, 'PolicySettled').withArgs(policyId, feedId, status, payout);
          expect((await flight.getPolicy(policyId)).status).to.equal(status);
          expect(await flight.feedProgress(feedId)).to.deep.equal([1n, 1n]);
        });

        it('pays the client exactly the payout and releases the collateral', async function () {
          const { stablecoin, pool, client, feedId, lockedBefore, balanceBefore } =
            await networkHelpers.loadFixture(settledFixture);
          expect((await stablecoin.balanceOf(client.address)) - balanceBefore).to.equal(payout);
          expect(await pool.exposure(feedId)).to.equal(0n);
          expect(lockedBefore - (await pool.totalLocked())).to.equal(usd(250));
        });

        if (payout > 0n) {
          it('cedes the loss to the treaty: 30 % quota share, no excess of loss below the attachment', async function () {
            const { treaty, tx, policyId, feedId } = await networkHelpers.loadFixture(settledFixture);
            const quotaShare = (payout * QUOTA_SHARE) / BPS;
            await expect(tx)
              .to.emit(treaty, 'LossCeded')
              .withArgs(policyId, feedId, payout, quotaShare, 0n, payout - quotaShare);
          });
        } else {
          it('cedes no loss to the treaty', async function () {
            const { treaty, tx } = await networkHelpers.loadFixture(settledFixture);
            await expect(tx).not.to.emit(treaty, 'LossCeded');
          });
        }

        it('payoutFor answers the same for the outcome', async function () {
          const { flight, policyId } = await networkHelpers.loadFixture(settledFixture);
          expect(await flight.payoutFor(policyId, outcome.status, Math.min(...values))).to.equal(payout);
        });
      });
    }

    describe('tier boundaries', function () {
      const boundaries: [number, bigint][] = [
        [14, 0n],
        [15, usd(50)],
        [29, usd(50)],
        [30, usd(100)],
        [44, usd(100)],
        [45, usd(200)],
      ];
      for (const [minutes, payout] of boundaries) {
        it(`pays ${ethers.formatUnits(payout, 6)} USD for an arrival ${minutes} minutes late`, async function () {
          const fixture = await networkHelpers.loadFixture(deployParametricFixture);
          const { flight, stablecoin, client } = fixture;
          const terms = await defaultTerms(fixture, { flightNumber: String(900 + minutes) });
          const { policyId, feedId } = await issue(fixture, terms);
          await afterArrival(terms);
          const tx = reportQuorum(fixture, feedId, ObservationStatus.Landed, [minutes, minutes, minutes]);
          await expect(tx).to.changeTokenBalance(ethers, stablecoin, client, payout);
          await expect(tx)
            .to.emit(flight, 'PolicySettled')
            .withArgs(policyId, feedId, payout > 0n ? POLICY_STATUS.Paid : POLICY_STATUS.Expired, payout);
        });
      }

      it('payoutFor reads the tiers: early, on time, each boundary, far beyond the top tier, other statuses', async function () {
        const fixture = await networkHelpers.loadFixture(deployParametricFixture);
        const { policyId } = await issue(fixture, await defaultTerms(fixture));
        const { flight } = fixture;
        const landed: [number, bigint][] = [
          [-30, 0n],
          [0, 0n],
          [1, 0n],
          ...boundaries,
          [600, usd(200)],
          [100_000, usd(200)],
        ];
        for (const [minutes, payout] of landed) {
          expect(await flight.payoutFor(policyId, ObservationStatus.Landed, minutes)).to.equal(payout);
        }
        expect(await flight.payoutFor(policyId, ObservationStatus.Cancelled, 0)).to.equal(usd(250));
        expect(await flight.payoutFor(policyId, ObservationStatus.Diverted, 0)).to.equal(usd(150));
        expect(await flight.payoutFor(policyId, ObservationStatus.Observed, 500)).to.equal(0n);
        expect(await flight.payoutFor(policyId, ObservationStatus.None, 500)).to.equal(0n);
      });
    });
  });

  describe('settle', function () {
    /** A small settlement gas budget, so that a dozen policies need several calls. */
    const GAS_BUDGET = 500_000;
    /** EIP-7825's per-transaction gas cap. */
    const TRANSACTION_GAS_CAP = 16_777_216;
    const POLICIES = 12;
    const BATCH = 5;
    const CANCELLED_INDEX = 2;

    /** Twelve policies on BA196 for two clients, the third cancelled; batch size lowered to 5; the flight landed. */
    async function crowdedFlightFixture() {
      const fixture = await deployParametricFixture();
      const { flight, client, secondClient, govern } = fixture;
      await govern(await flight.getAddress(), flight.interface.encodeFunctionData('setSettlementBatchSize', [BATCH]));
      const now = await time.latest();
      const base = flightCover(client.address, now, 'BA', '196');
      const policies: { policyId: bigint; holder: string }[] = [];
      let feedId = '';
      for (let index = 0; index < POLICIES; index += 1) {
        const holder = index % 2 === 0 ? client : secondClient;
        const issued = await issue(
          fixture,
          { ...base, policyholder: holder.address, premium: usd(20 + index) },
          holder,
        );
        policies.push({ policyId: issued.policyId, holder: holder.address });
        feedId = issued.feedId;
      }
      const cancelled = policies[CANCELLED_INDEX]!;
      await (await flight.connect(client).cancel(cancelled.policyId)).wait();
      await afterArrival(base);
      const balancesBefore = {
        [client.address]: await fixture.stablecoin.balanceOf(client.address),
        [secondClient.address]: await fixture.stablecoin.balanceOf(secondClient.address),
      };
      return { ...fixture, policies, cancelled, feedId, balancesBefore };
    }

    it('a call short of gas settles what it can or reverts with ParametricProductOutOfGas, never with a panic', async function () {
      const fixture = await networkHelpers.loadFixture(crowdedFlightFixture);
      const { flight, stranger, feedId } = fixture;
      await (await reportQuorum(fixture, feedId, ObservationStatus.Landed, [82, 82, 82])).wait();
      const outOfGas = flight.interface.getError('ParametricProductOutOfGas')!.selector;
      // Every gas limit from too little for one policy to enough for several, finely enough to meet each boundary.
      const outcomes = new Set<string>();
      for (let gasLimit = 200_000; gasLimit <= 1_500_000; gasLimit += 1_000) {
        try {
          await flight.connect(stranger).settle.staticCall(feedId, BATCH, { gasLimit });
          outcomes.add('settled');
        } catch (error) {
          // The simulated network's revert error carries the revert data.
          outcomes.add((error as { data?: string }).data?.slice(0, 10) ?? 'no revert data');
        }
      }
      expect([...outcomes].sort()).to.deep.equal([outOfGas, 'settled'].sort());
    });

    it('lowering the batch size needs dual control', async function () {
      const { flight, admin1 } = await networkHelpers.loadFixture(deployParametricFixture);
      await expect(flight.connect(admin1).setSettlementBatchSize(BATCH))
        .to.be.revertedWithCustomError(flight, 'ConsortiumGovernedDualControlRequired')
        .withArgs(admin1.address);
      expect(await flight.settlementBatchSize()).to.equal(FLIGHT_SETTINGS.batchSize);
    });

    it('the quorum transaction settles the first batch, anyone pushes the rest, each policy paid exactly once', async function () {
      const fixture = await networkHelpers.loadFixture(crowdedFlightFixture);
      const { flight, stablecoin, stranger, policies, cancelled, feedId, balancesBefore } = fixture;
      expect(await flight.settlementBatchSize()).to.equal(BATCH);

      const quorum = await reportQuorum(fixture, feedId, ObservationStatus.Landed, [82, 82, 82]);
      const settled = settledPolicies(fixture, await quorum.wait());
      // The first five listed, less the cancelled one, which is skipped.
      expect(settled.map((s) => s.policyId)).to.deep.equal(
        policies
          .slice(0, BATCH)
          .filter((p) => p !== cancelled)
          .map((p) => p.policyId),
      );
      expect(await flight.feedProgress(feedId)).to.deep.equal([BigInt(POLICIES), BigInt(BATCH)]);

      // A push settles at most what is asked for, and never more than the batch size.
      expect(await flight.connect(stranger).settle.staticCall(feedId, 2)).to.equal(2n);
      const second = await (await flight.connect(stranger).settle(feedId, 2)).wait();
      settled.push(...settledPolicies(fixture, second));
      expect(await flight.feedProgress(feedId)).to.deep.equal([BigInt(POLICIES), 7n]);

      expect(await flight.connect(stranger).settle.staticCall(feedId, 100)).to.equal(BigInt(BATCH));
      const third = await (await flight.connect(stranger).settle(feedId, 100)).wait();
      settled.push(...settledPolicies(fixture, third));
      expect(await flight.feedProgress(feedId)).to.deep.equal([BigInt(POLICIES), BigInt(POLICIES)]);

      const paidIds = settled.map((s) => s.policyId);
      expect(new Set(paidIds).size).to.equal(paidIds.length);
      expect(paidIds).to.deep.equal(policies.filter((p) => p !== cancelled).map((p) => p.policyId));
      for (const entry of settled) {
        expect(entry.status).to.equal(BigInt(POLICY_STATUS.Paid));
        expect(entry.payout).to.equal(usd(200));
      }
      for (const { policyId } of policies) {
        const expected = policyId === cancelled.policyId ? POLICY_STATUS.Cancelled : POLICY_STATUS.Paid;
        expect((await flight.getPolicy(policyId)).status).to.equal(expected);
      }
      for (const [holder, before] of Object.entries(balancesBefore)) {
        const paidPolicies = policies.filter((p) => p.holder === holder && p !== cancelled).length;
        expect((await stablecoin.balanceOf(holder)) - before).to.equal(usd(200) * BigInt(paidPolicies));
      }
      expect(await fixture.pool.exposure(feedId)).to.equal(0n);
    });

    it('sizes batches by gas: each call spends at most the gas budget on policies and leaves the rest', async function () {
      const fixture = await networkHelpers.loadFixture(crowdedFlightFixture);
      const { flight, stranger, feedId, govern } = fixture;
      await govern(await flight.getAddress(), flight.interface.encodeFunctionData('setSettlementBatchSize', [100]));
      await govern(
        await flight.getAddress(),
        flight.interface.encodeFunctionData('setSettlementGasBudget', [GAS_BUDGET]),
      );
      expect(await flight.settlementGasBudget()).to.equal(GAS_BUDGET);

      // Whatever gas a call carries (pushes below send the whole EIP-7825 cap), the budget decides what it settles.
      const quorum = await (
        await reportQuorum(fixture, feedId, ObservationStatus.Landed, Array(HUB_SETTINGS.quorum).fill(82))
      ).wait();
      const [, first] = await flight.feedProgress(feedId);
      expect(first).to.be.greaterThan(0n).and.lessThan(BigInt(POLICIES));
      expect(quorum!.gasUsed).to.be.lessThan(BigInt(GAS_BUDGET) + 400_000n);

      let done = first;
      for (let call = 0; done < BigInt(POLICIES); call += 1) {
        expect(call).to.be.lessThan(POLICIES);
        const receipt = await (
          await flight.connect(stranger).settle(feedId, 100, { gasLimit: TRANSACTION_GAS_CAP })
        ).wait();
        expect(receipt!.gasUsed).to.be.lessThan(BigInt(GAS_BUDGET) + 100_000n);
        const [, now] = await flight.feedProgress(feedId);
        expect(now).to.be.greaterThan(done);
        done = now;
      }
      expect(await fixture.pool.exposure(feedId)).to.equal(0n);
    });

    it('starts with a 14,000,000 gas budget, changed only under dual control and within its bounds', async function () {
      const { flight, admin1, access, govern } = await networkHelpers.loadFixture(deployParametricFixture);
      expect(await flight.settlementGasBudget()).to.equal(14_000_000n);
      await expect(flight.connect(admin1).setSettlementGasBudget(GAS_BUDGET))
        .to.be.revertedWithCustomError(flight, 'ConsortiumGovernedDualControlRequired')
        .withArgs(admin1.address);
      for (const budget of [499_999, 14_000_001]) {
        await expect(
          govern(await flight.getAddress(), flight.interface.encodeFunctionData('setSettlementGasBudget', [budget])),
        ).to.be.revertedWithCustomError(access, 'ConsortiumAccessExecutionFailed');
      }
    });

    it('a further settle once every policy is done reverts with ParametricProductNothingToSettle', async function () {
      const fixture = await networkHelpers.loadFixture(crowdedFlightFixture);
      const { flight, stranger, feedId } = fixture;
      await (await reportQuorum(fixture, feedId, ObservationStatus.Landed, [82, 82, 82])).wait();
      await (await flight.connect(stranger).settle(feedId, 100)).wait();
      await (await flight.connect(stranger).settle(feedId, 100)).wait();
      expect(await flight.feedProgress(feedId)).to.deep.equal([BigInt(POLICIES), BigInt(POLICIES)]);
      await expect(flight.connect(stranger).settle(feedId, 100))
        .to.be.revertedWithCustomError(flight, 'ParametricProductNothingToSettle')
        .withArgs(feedId);
    });

    it('settle(feedId, 0) settles nothing and reverts with ParametricProductNothingToSettle', async function () {
      const fixture = await networkHelpers.loadFixture(crowdedFlightFixture);
      const { flight, stranger, feedId } = fixture;
      await (await reportQuorum(fixture, feedId, ObservationStatus.Landed, [82, 82, 82])).wait();
      await expect(flight.connect(stranger).settle(feedId, 0))
        .to.be.revertedWithCustomError(flight, 'ParametricProductNothingToSettle')
        .withArgs(feedId);
      expect(await flight.feedProgress(feedId)).to.deep.equal([BigInt(POLICIES), BigInt(BATCH)]);
    });

    it('reverts with ParametricProductOutcomeNotFinal before the flight has an outcome', async function () {
      const fixture = await networkHelpers.loadFixture(crowdedFlightFixture);
      const { flight, hub, oracles, stranger, feedId } = fixture;
      await expect(flight.connect(stranger).settle(feedId, 5))
        .to.be.revertedWithCustomError(flight, 'ParametricProductOutcomeNotFinal')
        .withArgs(feedId);
      // One oracle is not a quorum.
      await (
        await report(hub, oracles[0], {
          feedId,
          status: ObservationStatus.Landed,
          value: 82,
          observedAt: await time.latest(),
          payloadHash: ethers.ZeroHash,
        })
      ).wait();
      await expect(flight.connect(stranger).settle(feedId, 5))
        .to.be.revertedWithCustomError(flight, 'ParametricProductOutcomeNotFinal')
        .withArgs(feedId);
    });

    it('onFeedOutcome from anyone but the hub reverts with ParametricProductOnlyOracleHub', async function () {
      const fixture = await networkHelpers.loadFixture(crowdedFlightFixture);
      const { flight, stranger, admin1, feedId } = fixture;
      await (await reportQuorum(fixture, feedId, ObservationStatus.Landed, [82, 82, 82])).wait();
      for (const caller of [stranger, admin1]) {
        await expect(flight.connect(caller).onFeedOutcome(feedId))
          .to.be.revertedWithCustomError(flight, 'ParametricProductOnlyOracleHub')
          .withArgs(caller.address);
      }
    });
  });

  describe('cancel', function () {
    async function issuedFixture() {
      const fixture = await deployParametricFixture();
      const terms = flightCover(fixture.client.address, await time.latest(), 'BA', '196');
      return { ...fixture, terms, ...(await issue(fixture, terms)) };
    }

    it('by the holder before cover starts refunds 90 % of the premium and releases the collateral', async function () {
      const { flight, stablecoin, pool, treaty, client, policyId, feedId } =
        await networkHelpers.loadFixture(issuedFixture);
      const refund = usd(18);
      const returned = cededNet(refund); // 4.32: the treaty gives back its share of what the client gets back
      const lockedBefore = await pool.totalLocked();
      const tx = flight.connect(client).cancel(policyId);
      await expect(tx).to.emit(flight, 'PolicyCancelled').withArgs(policyId, client.address, refund);
      await expect(tx).to.emit(treaty, 'PremiumReturned').withArgs(policyId, refund, returned);
      await expect(tx).to.changeTokenBalances(
        ethers,
        stablecoin,
        [client, pool, treaty],
        [refund, returned - refund, -returned],
      );
      expect((await flight.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Cancelled);
      expect(await pool.exposure(feedId)).to.equal(0n);
      expect(lockedBefore - (await pool.totalLocked())).to.equal(usd(250));
    });

    it('by the pool’s insurer within its notice reverts with ParametricProductInsurerCancellationClosed', async function () {
      const { flight, insurer, policyId } = await networkHelpers.loadFixture(issuedFixture);
      await expect(flight.connect(insurer).cancel(policyId))
        .to.be.revertedWithCustomError(flight, 'ParametricProductInsurerCancellationClosed')
        .withArgs(policyId, await flight.insurerCancellationDeadline(policyId));
    });

    it('reverts with ParametricProductNotPolicyParty for an INSURER other than the pool’s', async function () {
      const { flight, secondInsurer, policyId } = await networkHelpers.loadFixture(issuedFixture);
      await expect(flight.connect(secondInsurer).cancel(policyId))
        .to.be.revertedWithCustomError(flight, 'ParametricProductNotPolicyParty')
        .withArgs(policyId, secondInsurer.address);
      expect((await flight.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Issued);
    });

    it('reverts with ParametricProductNotPolicyParty for the holder or the pool’s insurer once deactivated', async function () {
      const { flight, access, client, insurer, govern, policyId } = await networkHelpers.loadFixture(issuedFixture);
      for (const party of [client, insurer]) {
        await govern(
          await access.getAddress(),
          access.interface.encodeFunctionData('setPartyActive', [party.address, false]),
        );
        await expect(flight.connect(party).cancel(policyId))
          .to.be.revertedWithCustomError(flight, 'ParametricProductNotPolicyParty')
          .withArgs(policyId, party.address);
      }
      expect((await flight.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Issued);

      // Reactivated, the holder may cancel again.
      await govern(
        await access.getAddress(),
        access.interface.encodeFunctionData('setPartyActive', [client.address, true]),
      );
      await expect(flight.connect(client).cancel(policyId)).to.emit(flight, 'PolicyCancelled');
    });

    it('one second before cover starts is still possible', async function () {
      const { flight, client, terms, policyId } = await networkHelpers.loadFixture(issuedFixture);
      await time.setNextBlockTimestamp(Number(terms.coverageStart) - 1);
      await expect(flight.connect(client).cancel(policyId)).to.emit(flight, 'PolicyCancelled');
    });

    it('reverts with ParametricProductNotCancellable once cover has started', async function () {
      const { flight, client, terms, policyId } = await networkHelpers.loadFixture(issuedFixture);
      await time.setNextBlockTimestamp(Number(terms.coverageStart));
      await expect(flight.connect(client).cancel(policyId))
        .to.be.revertedWithCustomError(flight, 'ParametricProductNotCancellable')
        .withArgs(policyId);
    });

    it('reverts with ParametricProductNotCancellable the second time', async function () {
      const { flight, client, policyId } = await networkHelpers.loadFixture(issuedFixture);
      await (await flight.connect(client).cancel(policyId)).wait();
      await expect(flight.connect(client).cancel(policyId))
        .to.be.revertedWithCustomError(flight, 'ParametricProductNotCancellable')
        .withArgs(policyId);
    });

    it('reverts with ParametricProductNotPolicyParty for a stranger or another client', async function () {
      const { flight, stranger, secondClient, policyId } = await networkHelpers.loadFixture(issuedFixture);
      for (const caller of [stranger, secondClient]) {
        await expect(flight.connect(caller).cancel(policyId))
          .to.be.revertedWithCustomError(flight, 'ParametricProductNotPolicyParty')
          .withArgs(policyId, caller.address);
      }
    });

    it('reverts with ParametricProductUnknownPolicy for a policy never issued', async function () {
      const { flight, client } = await networkHelpers.loadFixture(issuedFixture);
      await expect(flight.connect(client).cancel(999))
        .to.be.revertedWithCustomError(flight, 'ParametricProductUnknownPolicy')
        .withArgs(999);
    });
  });

  describe('data deadline', function () {
    it('is the flight’s: a long-dated second policy on the flight postpones neither the deadline nor the refunds', async function () {
      const fixture = await networkHelpers.loadFixture(deployParametricFixture);
      const { flight, hub, stablecoin, secondClient, client, stranger } = fixture;
      const short = await defaultTerms(fixture, {
        coverageEnd: Number((await defaultTerms(fixture)).scheduledArrival) + HOUR,
      });
      const first = await issue(fixture, short);
      const deadline = flightDeadline(short);
      expect((await hub.getFeed(first.feedId)).dataDeadline).to.equal(deadline);

      const long = {
        ...short,
        policyholder: secondClient.address,
        coverageEnd: Number(short.scheduledArrival) + MAX_COVER_AFTER_ARRIVAL,
      };
      const second = await issue(fixture, long, secondClient);
      expect(second.feedId).to.equal(first.feedId);
      expect((await hub.getFeed(first.feedId)).dataDeadline).to.equal(deadline);

      // Without data, both are refunded right after the one resolution period that follows the flight's deadline.
      await time.setNextBlockTimestamp(deadline + HUB_SETTINGS.resolutionPeriod + 1);
      const tx = hub.connect(stranger).expire(first.feedId);
      await expect(tx).to.changeTokenBalances(ethers, stablecoin, [client, secondClient], [usd(20), usd(20)]);
      expect((await flight.getPolicy(first.policyId)).status).to.equal(POLICY_STATUS.Refunded);
      expect((await flight.getPolicy(second.policyId)).status).to.equal(POLICY_STATUS.Refunded);
    });
  });

  describe('no data', function () {
    async function silentFlightFixture() {
      const fixture = await deployParametricFixture();
      const terms = flightCover(fixture.client.address, await time.latest(), 'BA', '196');
      const issued = await issue(fixture, terms);
      const dueAt = flightDeadline(terms) + HUB_SETTINGS.resolutionPeriod;
      return { ...fixture, ...issued, terms, dueAt };
    }

    it('cannot be settled while the feed may still be resolved', async function () {
      const { flight, hub, stranger, feedId, dueAt } = await networkHelpers.loadFixture(silentFlightFixture);
      await time.increaseTo(dueAt - 1);
      await expect(hub.connect(stranger).expire(feedId)).to.be.revertedWithCustomError(hub, 'OracleHubNotYetDue');
      await expect(flight.connect(stranger).settle(feedId, 10))
        .to.be.revertedWithCustomError(flight, 'ParametricProductOutcomeNotFinal')
        .withArgs(feedId);
    });

    it('refunds the full premium when the hub expires the feed (dataDeadline + 7 days)', async function () {
      const { flight, hub, stablecoin, pool, treaty, client, stranger, policyId, feedId, dueAt } =
        await networkHelpers.loadFixture(silentFlightFixture);
      await time.setNextBlockTimestamp(dueAt + 1);
      const premium = usd(20);
      const tx = hub.connect(stranger).expire(feedId);
      await expect(tx).to.emit(hub, 'FeedExpired').withArgs(feedId);
      await expect(tx).to.emit(flight, 'PolicySettled').withArgs(policyId, feedId, POLICY_STATUS.Refunded, 0n);
      await expect(tx).to.emit(treaty, 'PremiumReturned').withArgs(policyId, premium, cededNet(premium));
      await expect(tx).to.changeTokenBalance(ethers, stablecoin, client, premium);
      expect((await flight.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Refunded);
      expect(await pool.exposure(feedId)).to.equal(0n);
      expect(await flight.feedProgress(feedId)).to.deep.equal([1n, 1n]);
    });
  });

  describe('accumulation and solvency', function () {
    it('a further policy on a flight at the lowered accumulation cap reverts with RiskPoolAccumulationCapExceeded', async function () {
      const fixture = await networkHelpers.loadFixture(deployParametricFixture);
      const { flight, pool, insurer, secondClient, govern } = fixture;
      await govern(await pool.getAddress(), pool.interface.encodeFunctionData('setAccumulationCap', [usd(500)]));
      const terms = await defaultTerms(fixture);
      const { feedId } = await issue(fixture, terms);
      await issue(fixture, { ...terms, premium: usd(21) });
      expect(await pool.exposure(feedId)).to.equal(usd(500));

      const third = { ...terms, policyholder: secondClient.address };
      const documentHash = await anchorFlightDocument(fixture, third, secondClient);
      await expect(flight.connect(insurer).issue(third, documentHash))
        .to.be.revertedWithCustomError(pool, 'RiskPoolAccumulationCapExceeded')
        .withArgs(feedId, usd(750), usd(500));

      // The cap is per flight: another flight still has room.
      await issue(fixture, { ...third, flightNumber: '197' }, secondClient);
    });

    it('a policy the pool and treaty cannot cover reverts with RiskPoolInsolvent', async function () {
      const fixture = await networkHelpers.loadFixture(deployParametricFixture);
      const { flight, pool, insurer } = fixture;
      const huge = usd(300_000);
      const premium = usd(5_000);
      const terms = await defaultTerms(fixture, {
        delayTierMinutes: [15],
        delayTierPayouts: [huge],
        cancellationPayout: 0n,
        diversionPayout: 0n,
        sumInsured: huge,
        premium,
      });
      const documentHash = await anchorFlightDocument(fixture, terms);
      // Liabilities: the locked exposure plus the reserved premium. Assets: 200,000 capital + the premium less what
      // the treaty took; capacity: 30 % of the locked exposure.
      const assets = usd(200_000) + premium - cededNet(premium);
      await expect(flight.connect(insurer).issue(terms, documentHash))
        .to.be.revertedWithCustomError(pool, 'RiskPoolInsolvent')
        .withArgs(huge + premium, assets, (huge * QUOTA_SHARE) / BPS);
    });
  });
});
