import { expect } from 'chai';
import { TypedDataEncoder, type ContractTransactionResponse } from 'ethers';
import type { HardhatEthersSigner } from '@nomicfoundation/hardhat-ethers/types';
import { OBSERVATION_TYPES, ObservationStatus } from '../../services/shared/eip712.js';
import { ethers, networkHelpers, ROLES } from '../helpers/consortium.js';
import {
  approvedHubProposal,
  deployOracleHubFixture,
  hubErrorData,
  landed,
  providerPayloadHash,
  signAs,
  type OracleHubFixture,
  type UnsignedObservation,
} from '../helpers/oracle.js';
import { anchorFlightDocument } from '../helpers/products.js';
import type { FeedConsumerMock } from '../../types/ethers-contracts/index.js';
import {
  FEED_STATE,
  FLIGHT_SETTINGS,
  HUB_SETTINGS,
  issueFlightPolicy,
  POLICY_STATUS,
  report,
  signObservation,
  usd,
} from '../helpers/parametric.js';

const { time } = networkHelpers;

const HOUR = 60 * 60;
/** The flight product's delay tolerance, which its feeds are registered with (minutes). */
const TOLERANCE = 5;
/** Mirrors the hub's constants; a test below checks they agree. */
const MIN_QUORUM = 3n;
const MAX_CLOCK_SKEW = 5 * 60;
const MAX_ABS_VALUE = 10n ** 30n;

/** Gas for relays that must reach the consumer: the hub wants MIN_CONSUMER_GAS (1,000,000) left for it. */
const GENEROUS_GAS = 3_000_000;
/** The per-transaction gas cap of current Ethereum clients (EIP-7825); the test chain enforces it too. */
const TX_GAS_CAP = 16_777_216;
/** Mirrors the hub's constants. */
const MAX_CONSUMERS_PER_FEED = 4;
const MAX_CONSUMER_GAS = 3_000_000n;
/** What a FeedConsumerMock does when notified. */
const BEHAVIOUR = { Record: 0, BurnAllGas: 1, RevertWithLargeReason: 2 } as const;
/** Why the hub did not call a consumer (IOracleHub.NotificationSkip). */
const SKIP = { DisputeWindow: 0, Disallowed: 1, InsufficientGas: 2 } as const;

/** The policy's payouts for the outcomes used below (flightTerms: 15/30/45-minute tiers). */
const PAYOUT = { landed35: usd(100), landed82: usd(200), cancelled: usd(250) } as const;

async function load(): Promise<OracleHubFixture> {
  return networkHelpers.loadFixture(deployOracleHubFixture);
}

/** Signs and submits an observation, and waits for it to be mined. */
async function submit(fixture: OracleHubFixture, oracle: HardhatEthersSigner, observation: UnsignedObservation) {
  return (await report(fixture.hub, oracle, observation)).wait();
}

/** The timestamp of the block that mined `tx`. */
async function minedAt(tx: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error('transaction not mined');
  const block = await ethers.provider.getBlock(receipt.blockNumber);
  if (block === null) throw new Error('block not found');
  return block.timestamp;
}

/** Runs a call on the hub through dual control (two ADMINs). */
async function governHub(fixture: OracleHubFixture, data: string): Promise<void> {
  await fixture.govern(await fixture.hub.getAddress(), data);
}

async function setHubSettings(fixture: OracleHubFixture, changes: Partial<typeof HUB_SETTINGS>): Promise<void> {
  await governHub(fixture, fixture.hub.interface.encodeFunctionData('setSettings', [{ ...HUB_SETTINGS, ...changes }]));
}

/** Runs a call on the consortium itself (roles, party records) through dual control. */
async function governAccess(fixture: OracleHubFixture, data: string): Promise<void> {
  await fixture.govern(await fixture.access.getAddress(), data);
}

/** Three oracles agree that the flight landed 82 minutes late (82, 82, 84); returns when the feed finalised. */
async function finaliseLanded82(fixture: OracleHubFixture): Promise<number> {
  const now = await time.latest();
  await submit(fixture, fixture.oracles[0], landed(fixture.feedId, 82, now));
  await submit(fixture, fixture.oracles[2], landed(fixture.feedId, 82, now, 'another provider'));
  return minedAt(report(fixture.hub, fixture.oracles[1], landed(fixture.feedId, 84, now)));
}

/** A feed registered by the product contract whose settlement always reverts. */
async function revertingConsumerFeed(fixture: OracleHubFixture, label: string): Promise<string> {
  const feedId = ethers.id(label);
  const dataDeadline = (await time.latest()) + 24 * HOUR;
  await (await fixture.revertingConsumer.registerFeed(feedId, dataDeadline, TOLERANCE)).wait();
  return feedId;
}

/** A product contract for tests, allowed on the hub, that behaves as told when notified. */
async function consumerMock(fixture: OracleHubFixture, behaviour: number): Promise<FeedConsumerMock> {
  const { hub } = fixture;
  const mock = await ethers.deployContract('FeedConsumerMock', [await hub.getAddress(), behaviour]);
  await governHub(fixture, hub.interface.encodeFunctionData('setConsumer', [await mock.getAddress(), true]));
  return mock;
}

/** Has `mock` register the fixture's flight feed as well, with the fixture's deadline and tolerance. */
async function share(fixture: OracleHubFixture, mock: FeedConsumerMock): Promise<void> {
  const feed = await fixture.hub.getFeed(fixture.feedId);
  await (await mock.registerFeed(fixture.feedId, feed.dataDeadline, feed.tolerance)).wait();
}

/** Two oracles report 82 minutes; the third report, relayed with `gasLimit`, completes the quorum. */
async function quorumReport(fixture: OracleHubFixture, gasLimit?: number) {
  const { hub, feedId, oracles } = fixture;
  const now = await time.latest();
  await submit(fixture, oracles[0], landed(feedId, 82, now));
  await submit(fixture, oracles[2], landed(feedId, 82, now, 'another provider'));
  const signed = await signObservation(hub, oracles[1], landed(feedId, 84, now));
  return hub.submitReport(signed.observation, signed.signature, gasLimit === undefined ? {} : { gasLimit });
}

/** Reports as plain tuples: oracle, status, observedAt, value, payloadHash. */
async function reportsOf(fixture: OracleHubFixture, feedId: string) {
  const reports = await fixture.hub.getReports(feedId);
  return reports.map((entry) => [entry.oracle, entry.status, entry.observedAt, entry.value, entry.payloadHash]);
}

function reportTuple(oracle: HardhatEthersSigner, observation: UnsignedObservation) {
  return [
    oracle.address,
    BigInt(observation.status),
    BigInt(observation.observedAt),
    BigInt(observation.value),
    observation.payloadHash,
  ];
}

describe('OracleHub', function () {
  describe('constants and settings view', function () {
    it('declares the limits the tests rely on and starts with the deployed settings', async function () {
      const { hub } = await load();

      expect(await hub.MIN_QUORUM()).to.equal(MIN_QUORUM);
      // Quorum 3 of the fixture's four oracles tolerates one faulty oracle.
      expect(await hub.faultTolerance()).to.equal(1n);
      expect(await hub.MAX_CLOCK_SKEW()).to.equal(BigInt(MAX_CLOCK_SKEW));
      expect(await hub.MAX_ABS_VALUE()).to.equal(MAX_ABS_VALUE);
      const settings = await hub.settings();
      expect([
        settings.quorum,
        settings.freshnessWindow,
        settings.disputeWindow,
        settings.resolutionPeriod,
      ]).to.deep.equal([
        BigInt(HUB_SETTINGS.quorum),
        BigInt(HUB_SETTINGS.freshnessWindow),
        BigInt(HUB_SETTINGS.disputeWindow),
        BigInt(HUB_SETTINGS.resolutionPeriod),
      ]);
    });
  });

  describe('observationDigest (EIP-712)', function () {
    it('equals the digest ethers computes for the PolicyLedger OracleHub domain', async function () {
      const { hub, feedId, oracles } = await load();
      const { chainId } = await ethers.provider.getNetwork();
      const domain = {
        name: 'PolicyLedger OracleHub',
        version: '1',
        chainId,
        verifyingContract: await hub.getAddress(),
      };
      const observation = { ...landed(feedId, -7, await time.latest()), oracle: oracles[1].address };

      expect(await hub.observationDigest(observation)).to.equal(
        TypedDataEncoder.hash(domain, OBSERVATION_TYPES, observation),
      );
      const onChainDomain = await hub.eip712Domain();
      expect([
        onChainDomain.name,
        onChainDomain.version,
        onChainDomain.chainId,
        onChainDomain.verifyingContract,
      ]).to.deep.equal([domain.name, domain.version, chainId, domain.verifyingContract]);
    });

    it('accepts a report signed with signTypedData and relayed by a stranger', async function () {
      const fixture = await load();
      const { hub, feedId, oracles, stranger } = fixture;
      const observation = landed(feedId, 82, await time.latest());
      const signed = await signObservation(hub, oracles[0], observation);

      await expect(hub.connect(stranger).submitReport(signed.observation, signed.signature))
        .to.emit(hub, 'ObservationReported')
        .withArgs(
          feedId,
          oracles[0].address,
          ObservationStatus.Landed,
          82,
          observation.observedAt,
          observation.payloadHash,
        );
      expect(await reportsOf(fixture, feedId)).to.deep.equal([reportTuple(oracles[0], observation)]);
    });
  });

  describe('quorum', function () {
    it('keeps a feed open on fewer agreeing reports than the quorum', async function () {
      const fixture = await load();
      const { hub, feedId, oracles, flight, policyId } = fixture;

      await expect(report(hub, oracles[0], landed(feedId, 82, await time.latest()))).not.to.emit(
        hub,
        'ObservationFinalised',
      );
      await expect(report(hub, oracles[1], landed(feedId, 82, await time.latest()))).not.to.emit(
        hub,
        'ObservationFinalised',
      );
      expect((await hub.getFeed(feedId)).state).to.equal(FEED_STATE.Open);
      expect(await hub.settledOutcome(feedId)).to.deep.equal([false, 0n, 0n]);
      expect((await flight.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Issued);
    });

    it('emits ObservationFinalised with the median, the agreeing oracles and their payload hashes', async function () {
      const fixture = await load();
      const { hub, feedId, oracles } = fixture;
      const now = await time.latest();
      const latest = landed(feedId, 86, now, 'aeroapi');
      const middle = landed(feedId, 84, now, 'aviationstack');
      const earliest = landed(feedId, 82, now, 'flightstats');
      await submit(fixture, oracles[1], latest);
      await submit(fixture, oracles[2], middle);

      const tx = report(hub, oracles[0], earliest);
      await expect(tx)
        .to.emit(hub, 'ObservationFinalised')
        .withArgs(
          feedId,
          ObservationStatus.Landed,
          84,
          [oracles[0].address, oracles[2].address, oracles[1].address],
          [earliest.payloadHash, middle.payloadHash, latest.payloadHash],
        );
      const feed = await hub.getFeed(feedId);
      expect(feed.state).to.equal(FEED_STATE.Finalised);
      expect(feed.status).to.equal(ObservationStatus.Landed);
      expect(feed.value).to.equal(84n);
      expect(feed.finalisedAt).to.equal(await minedAt(tx));
      expect(await hub.settledOutcome(feedId)).to.deep.equal([true, BigInt(ObservationStatus.Landed), 84n]);
      expect(await reportsOf(fixture, feedId)).to.deep.equal([
        reportTuple(oracles[1], latest),
        reportTuple(oracles[2], middle),
        reportTuple(oracles[0], earliest),
      ]);
    });

    it('notifies the consumer at once when there is no dispute window, so the policy is paid', async function () {
      const fixture = await load();
      const { flight, policyId, stablecoin, client } = fixture;
      const before = await stablecoin.balanceOf(client.address);

      await finaliseLanded82(fixture);

      expect((await flight.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Paid);
      expect((await stablecoin.balanceOf(client.address)) - before).to.equal(PAYOUT.landed82);
    });

    it('finalises on values exactly the tolerance apart', async function () {
      const fixture = await load();
      const { hub, feedId, oracles } = fixture;
      const now = await time.latest();
      await submit(fixture, oracles[0], landed(feedId, 82 + TOLERANCE, now));
      await submit(fixture, oracles[2], landed(feedId, 84, now));

      await expect(report(hub, oracles[1], landed(feedId, 82, now)))
        .to.emit(hub, 'ObservationFinalised')
        .withArgs(
          feedId,
          ObservationStatus.Landed,
          84,
          [oracles[1].address, oracles[2].address, oracles[0].address],
          [
            landed(feedId, 82, now).payloadHash,
            landed(feedId, 84, now).payloadHash,
            landed(feedId, 82 + TOLERANCE, now).payloadHash,
          ],
        );
    });

    it('waits, when values differ by more than the tolerance, for a quorum that agrees within it', async function () {
      const fixture = await load();
      const { hub, feedId, oracles } = fixture;
      const now = await time.latest();
      const first = landed(feedId, 82, now, 'aviationstack');
      const second = landed(feedId, 82 + TOLERANCE + 1, now, 'aeroapi');
      const third = landed(feedId, 90, now, 'flightstats');
      const fourth = landed(feedId, 89, now, 'aeroapi');
      await submit(fixture, oracles[0], first);

      await expect(report(hub, oracles[1], second)).not.to.emit(hub, 'ObservationFinalised');
      await expect(report(hub, oracles[2], third)).not.to.emit(hub, 'ObservationFinalised');
      expect((await hub.getFeed(feedId)).state).to.equal(FEED_STATE.Open);

      await expect(report(hub, oracles[3], fourth))
        .to.emit(hub, 'ObservationFinalised')
        .withArgs(
          feedId,
          ObservationStatus.Landed,
          89,
          [oracles[1].address, oracles[3].address, oracles[2].address],
          [second.payloadHash, fourth.payloadHash, third.payloadHash],
        );
      // The outlier stays on record as evidence.
      expect(await reportsOf(fixture, feedId)).to.deep.equal([
        reportTuple(oracles[0], first),
        reportTuple(oracles[1], second),
        reportTuple(oracles[2], third),
        reportTuple(oracles[3], fourth),
      ]);
    });

    it('does not count a Landed and a Cancelled report as agreeing', async function () {
      const fixture = await load();
      const { hub, feedId, oracles } = fixture;
      const now = await time.latest();
      const cancelled = { ...landed(feedId, 0, now), status: ObservationStatus.Cancelled };
      await submit(fixture, oracles[0], landed(feedId, 0, now));

      await expect(report(hub, oracles[1], cancelled)).not.to.emit(hub, 'ObservationFinalised');
      await expect(report(hub, oracles[2], cancelled)).not.to.emit(hub, 'ObservationFinalised');
      expect((await hub.getFeed(feedId)).state).to.equal(FEED_STATE.Open);

      await expect(report(hub, oracles[3], cancelled))
        .to.emit(hub, 'ObservationFinalised')
        .withArgs(
          feedId,
          ObservationStatus.Cancelled,
          0,
          [oracles[1].address, oracles[2].address, oracles[3].address],
          [cancelled.payloadHash, cancelled.payloadHash, cancelled.payloadHash],
        );
    });

    it('stores the value of Cancelled and Diverted reports as 0, so they agree whatever value was sent', async function () {
      const fixture = await load();
      const { hub, feedId, oracles } = fixture;
      const now = await time.latest();
      const cancelled = { ...landed(feedId, 999, now), status: ObservationStatus.Cancelled };
      const diverted = { ...landed(feedId, 999, now), status: ObservationStatus.Diverted };
      const divertedAgain = { ...landed(feedId, -45, now), status: ObservationStatus.Diverted };

      await expect(report(hub, oracles[0], cancelled))
        .to.emit(hub, 'ObservationReported')
        .withArgs(feedId, oracles[0].address, ObservationStatus.Cancelled, 0, now, cancelled.payloadHash);
      await submit(fixture, oracles[1], diverted);
      await submit(fixture, oracles[2], diverted);
      await expect(report(hub, oracles[3], divertedAgain))
        .to.emit(hub, 'ObservationFinalised')
        .withArgs(
          feedId,
          ObservationStatus.Diverted,
          0,
          [oracles[1].address, oracles[2].address, oracles[3].address],
          [diverted.payloadHash, diverted.payloadHash, divertedAgain.payloadHash],
        );
      const values = (await hub.getReports(feedId)).map((entry) => entry.value);
      expect(values).to.deep.equal([0n, 0n, 0n, 0n]);
    });

    it('stops counting an oracle deactivated after it reported', async function () {
      const fixture = await load();
      const { hub, access, feedId, oracles } = fixture;
      const now = await time.latest();
      await submit(fixture, oracles[0], landed(feedId, 82, now));
      await governAccess(fixture, access.interface.encodeFunctionData('setPartyActive', [oracles[0].address, false]));

      await expect(report(hub, oracles[1], landed(feedId, 83, now))).not.to.emit(hub, 'ObservationFinalised');
      await expect(report(hub, oracles[2], landed(feedId, 84, now))).not.to.emit(hub, 'ObservationFinalised');
      await expect(report(hub, oracles[3], landed(feedId, 85, now)))
        .to.emit(hub, 'ObservationFinalised')
        .withArgs(
          feedId,
          ObservationStatus.Landed,
          84,
          [oracles[1].address, oracles[2].address, oracles[3].address],
          [
            landed(feedId, 83, now).payloadHash,
            landed(feedId, 84, now).payloadHash,
            landed(feedId, 85, now).payloadHash,
          ],
        );
    });

    it('stops counting an oracle whose ORACLE role was revoked after it reported', async function () {
      const fixture = await load();
      const { hub, access, feedId, oracles } = fixture;
      const now = await time.latest();
      await submit(fixture, oracles[0], landed(feedId, 82, now));
      await governAccess(
        fixture,
        access.interface.encodeFunctionData('revokeRole', [ROLES.ORACLE, oracles[0].address]),
      );

      await expect(report(hub, oracles[1], landed(feedId, 83, now))).not.to.emit(hub, 'ObservationFinalised');
      await expect(report(hub, oracles[2], landed(feedId, 84, now))).not.to.emit(hub, 'ObservationFinalised');
      expect((await hub.getFeed(feedId)).state).to.equal(FEED_STATE.Open);
      await expect(report(hub, oracles[3], landed(feedId, 85, now))).to.emit(hub, 'ObservationFinalised');
    });

    it('requires four agreeing reports when the quorum is 4, and takes their lower median', async function () {
      const fixture = await load();
      const { hub, feedId, oracles } = fixture;
      await setHubSettings(fixture, { quorum: 4 });
      expect(await hub.faultTolerance()).to.equal(1n);
      const now = await time.latest();
      await submit(fixture, oracles[0], landed(feedId, 80, now));
      await submit(fixture, oracles[1], landed(feedId, 84, now));

      await expect(report(hub, oracles[2], landed(feedId, 82, now))).not.to.emit(hub, 'ObservationFinalised');
      expect((await hub.getFeed(feedId)).state).to.equal(FEED_STATE.Open);
      await expect(report(hub, oracles[3], landed(feedId, 83, now)))
        .to.emit(hub, 'ObservationFinalised')
        .withArgs(
          feedId,
          ObservationStatus.Landed,
          82,
          [oracles[0].address, oracles[2].address, oracles[3].address, oracles[1].address],
          [
            landed(feedId, 80, now).payloadHash,
            landed(feedId, 82, now).payloadHash,
            landed(feedId, 83, now).payloadHash,
            landed(feedId, 84, now).payloadHash,
          ],
        );
    });
  });

  // With f faulty oracles tolerated, the outcome is the median of at least 2f + 1 agreeing reports: one lying node,
  // wherever it reports and whatever it claims within the tolerance, never moves the outcome out of the honest range.
  describe('one faulty oracle among four (quorum 3)', function () {
    /** Honest arrival delays all inside one payout tier, and a lie within the tolerance that would cross into another. */
    const scenarios = [
      {
        name: 'lying low',
        honest: [30, 31, 32],
        lie: { status: ObservationStatus.Landed, value: 27 },
        payout: usd(100),
      },
      {
        name: 'lying high',
        honest: [42, 43, 44],
        lie: { status: ObservationStatus.Landed, value: 47 },
        payout: usd(100),
      },
      {
        name: 'reporting a cancellation',
        honest: [30, 31, 32],
        lie: { status: ObservationStatus.Cancelled, value: 0 },
        payout: usd(100),
      },
    ] as const;

    for (const { name, honest, lie, payout } of scenarios) {
      for (const position of [0, 1, 2, 3]) {
        it(`pays the honest tier when the ${['first', 'second', 'third', 'fourth'][position]} node is ${name}`, async function () {
          const fixture = await load();
          const { hub, feedId, oracles, flight, policyId, stablecoin, client } = fixture;
          const now = await time.latest();
          const honestReports = honest.map((value) => landed(feedId, value, now, 'honest'));
          const liarReport = { ...landed(feedId, lie.value, now, 'lie'), status: lie.status };
          const order = [...honestReports];
          order.splice(position, 0, liarReport);
          const before = await stablecoin.balanceOf(client.address);

          for (const [index, observation] of order.entries()) {
            if ((await hub.getFeed(feedId)).state !== BigInt(FEED_STATE.Open)) {
              // Three honest reports already decided: a late lie is refused.
              await expect(report(hub, oracles[index]!, observation))
                .to.be.revertedWithCustomError(hub, 'OracleHubFeedNotOpen')
                .withArgs(feedId, FEED_STATE.Finalised);
              continue;
            }
            await submit(fixture, oracles[index]!, observation);
          }

          const feed = await hub.getFeed(feedId);
          expect(feed.state).to.equal(FEED_STATE.Finalised);
          expect(feed.status).to.equal(ObservationStatus.Landed);
          expect(feed.value).to.be.within(Math.min(...honest), Math.max(...honest));
          expect((await flight.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Paid);
          expect((await stablecoin.balanceOf(client.address)) - before).to.equal(payout);
        });
      }
    }
  });

  describe('submitReport rejections', function () {
    it('reverts when the feed was never registered', async function () {
      const { hub, oracles } = await load();
      const unknownFeed = ethers.id('no product registered this feed');

      await expect(report(hub, oracles[0], landed(unknownFeed, 82, await time.latest())))
        .to.be.revertedWithCustomError(hub, 'OracleHubUnknownFeed')
        .withArgs(unknownFeed);
    });

    it('reverts when an oracle of the quorum reports again after finalisation', async function () {
      const fixture = await load();
      const { hub, feedId, oracles } = fixture;
      await finaliseLanded82(fixture);

      await expect(report(hub, oracles[0], landed(feedId, 120, await time.latest())))
        .to.be.revertedWithCustomError(hub, 'OracleHubFeedNotOpen')
        .withArgs(feedId, FEED_STATE.Finalised);
    });

    it('reverts when the fourth oracle reports after finalisation', async function () {
      const fixture = await load();
      const { hub, feedId, oracles } = fixture;
      await finaliseLanded82(fixture);

      await expect(report(hub, oracles[3], landed(feedId, 83, await time.latest())))
        .to.be.revertedWithCustomError(hub, 'OracleHubFeedNotOpen')
        .withArgs(feedId, FEED_STATE.Finalised);
    });

    it('reverts when the status is None', async function () {
      const { hub, feedId, oracles } = await load();
      const observation = { ...landed(feedId, 82, await time.latest()), status: ObservationStatus.None };

      await expect(report(hub, oracles[0], observation))
        .to.be.revertedWithCustomError(hub, 'OracleHubInvalidStatus')
        .withArgs(ObservationStatus.None);
    });

    it('reverts when the value is beyond MAX_ABS_VALUE either way, and accepts it at the bound', async function () {
      const fixture = await load();
      const { hub, feedId, oracles } = fixture;
      const now = await time.latest();

      for (const value of [MAX_ABS_VALUE + 1n, -MAX_ABS_VALUE - 1n]) {
        await expect(report(hub, oracles[0], { ...landed(feedId, 0, now), value }))
          .to.be.revertedWithCustomError(hub, 'OracleHubValueOutOfRange')
          .withArgs(value);
      }
      await submit(fixture, oracles[0], { ...landed(feedId, 0, now), value: MAX_ABS_VALUE });
      await submit(fixture, oracles[1], { ...landed(feedId, 0, now), value: -MAX_ABS_VALUE });
      expect((await hub.getReports(feedId)).map((entry) => entry.value)).to.deep.equal([MAX_ABS_VALUE, -MAX_ABS_VALUE]);
      expect((await hub.getFeed(feedId)).state).to.equal(FEED_STATE.Open);
    });

    it('reverts when a stranger signs', async function () {
      const { hub, feedId, stranger } = await load();

      await expect(report(hub, stranger, landed(feedId, 82, await time.latest())))
        .to.be.revertedWithCustomError(hub, 'OracleHubUnknownOracle')
        .withArgs(stranger.address);
    });

    it('reverts when a CLIENT signs', async function () {
      const { hub, feedId, client } = await load();

      await expect(report(hub, client, landed(feedId, 82, await time.latest())))
        .to.be.revertedWithCustomError(hub, 'OracleHubUnknownOracle')
        .withArgs(client.address);
    });

    it('reverts when a deactivated oracle signs', async function () {
      const fixture = await load();
      const { hub, access, feedId, oracles } = fixture;
      await governAccess(fixture, access.interface.encodeFunctionData('setPartyActive', [oracles[2].address, false]));

      await expect(report(hub, oracles[2], landed(feedId, 82, await time.latest())))
        .to.be.revertedWithCustomError(hub, 'OracleHubUnknownOracle')
        .withArgs(oracles[2].address);
    });

    it('reverts when another key signed for the named oracle', async function () {
      const { hub, feedId, oracles } = await load();
      const forged = await signAs(
        oracles[1],
        oracles[0].address,
        landed(feedId, 82, await time.latest()),
        await hub.getAddress(),
      );

      await expect(hub.submitReport(forged.observation, forged.signature))
        .to.be.revertedWithCustomError(hub, 'OracleHubInvalidSignature')
        .withArgs(oracles[0].address);
    });

    it('reverts when the signature is for another verifying contract', async function () {
      const { hub, flight, feedId, oracles } = await load();
      const signed = await signAs(
        oracles[0],
        oracles[0].address,
        landed(feedId, 82, await time.latest()),
        await flight.getAddress(),
      );

      await expect(hub.submitReport(signed.observation, signed.signature))
        .to.be.revertedWithCustomError(hub, 'OracleHubInvalidSignature')
        .withArgs(oracles[0].address);
    });

    it('reverts when any signed field was changed', async function () {
      const { hub, feedId, oracles, feedOwner } = await load();
      const otherFeed = ethers.id('another open feed');
      await (await hub.connect(feedOwner).registerFeed(otherFeed, (await time.latest()) + HOUR, TOLERANCE)).wait();
      const now = await time.latest();
      const signed = await signObservation(hub, oracles[0], landed(feedId, 82, now));
      const changes: Partial<UnsignedObservation>[] = [
        { feedId: otherFeed },
        { status: ObservationStatus.Diverted },
        { value: 14 },
        { observedAt: now - 1 },
        { payloadHash: providerPayloadHash('another response') },
      ];

      for (const change of changes) {
        await expect(hub.submitReport({ ...signed.observation, ...change }, signed.signature))
          .to.be.revertedWithCustomError(hub, 'OracleHubInvalidSignature')
          .withArgs(oracles[0].address);
      }
      await expect(hub.submitReport(signed.observation, signed.signature)).to.emit(hub, 'ObservationReported');
    });

    it('reverts when the same signed report is submitted twice', async function () {
      const { hub, feedId, oracles, stranger } = await load();
      const observation = landed(feedId, 82, await time.latest());
      const signed = await signObservation(hub, oracles[0], observation);
      await (await hub.submitReport(signed.observation, signed.signature)).wait();

      await expect(hub.connect(stranger).submitReport(signed.observation, signed.signature))
        .to.be.revertedWithCustomError(hub, 'OracleHubReplayedReport')
        .withArgs(feedId, oracles[0].address, observation.observedAt);
    });

    it('reverts when an oracle reports an older or equal observation time than its last report', async function () {
      const fixture = await load();
      const { hub, feedId, oracles } = fixture;
      const now = await time.latest();
      await submit(fixture, oracles[0], landed(feedId, 82, now));

      await expect(report(hub, oracles[0], landed(feedId, 90, now - 60)))
        .to.be.revertedWithCustomError(hub, 'OracleHubReplayedReport')
        .withArgs(feedId, oracles[0].address, now - 60);
      await expect(report(hub, oracles[0], landed(feedId, 90, now)))
        .to.be.revertedWithCustomError(hub, 'OracleHubReplayedReport')
        .withArgs(feedId, oracles[0].address, now);
    });

    it('replaces an oracle report when the oracle corrects itself with a newer observation', async function () {
      const fixture = await load();
      const { hub, feedId, oracles } = fixture;
      const now = await time.latest();
      const enRoute = landed(feedId, 20, now - 600, 'estimate');
      const arrived = landed(feedId, 82, now, 'actual');
      await submit(fixture, oracles[0], enRoute);
      await submit(fixture, oracles[0], arrived);

      expect(await reportsOf(fixture, feedId)).to.deep.equal([reportTuple(oracles[0], arrived)]);
      // The replaced 20 minutes no longer counts...
      await expect(report(hub, oracles[1], landed(feedId, 21, now))).not.to.emit(hub, 'ObservationFinalised');
      await expect(report(hub, oracles[2], landed(feedId, 83, now))).not.to.emit(hub, 'ObservationFinalised');
      // ...the correction does.
      await expect(report(hub, oracles[3], landed(feedId, 84, now)))
        .to.emit(hub, 'ObservationFinalised')
        .withArgs(
          feedId,
          ObservationStatus.Landed,
          83,
          [oracles[0].address, oracles[2].address, oracles[3].address],
          [arrived.payloadHash, landed(feedId, 83, now).payloadHash, landed(feedId, 84, now).payloadHash],
        );
    });

    it('reverts with OracleHubStaleReport when the report is older than the freshness window', async function () {
      const fixture = await load();
      const { hub, feedId, oracles } = fixture;
      const window = HUB_SETTINGS.freshnessWindow;
      const at = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(at);

      await expect(report(hub, oracles[0], landed(feedId, 82, at - window - 1)))
        .to.be.revertedWithCustomError(hub, 'OracleHubStaleReport')
        .withArgs(at - window - 1, at - window);

      const next = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(next);
      await expect(report(hub, oracles[0], landed(feedId, 82, next - window))).to.emit(hub, 'ObservationReported');
    });

    it('reverts with OracleHubReportFromFuture when the report is ahead of the chain beyond MAX_CLOCK_SKEW', async function () {
      const fixture = await load();
      const { hub, feedId, oracles } = fixture;
      const at = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(at);

      await expect(report(hub, oracles[0], landed(feedId, 82, at + MAX_CLOCK_SKEW + 1)))
        .to.be.revertedWithCustomError(hub, 'OracleHubReportFromFuture')
        .withArgs(at + MAX_CLOCK_SKEW + 1, at);

      const next = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(next);
      await expect(report(hub, oracles[0], landed(feedId, 82, next + MAX_CLOCK_SKEW))).to.emit(
        hub,
        'ObservationReported',
      );
    });

    it('does not count reports that went stale before the quorum completed', async function () {
      const fixture = await load();
      const { hub, feedId, oracles } = fixture;
      const first = await time.latest();
      await submit(fixture, oracles[0], landed(feedId, 82, first));
      await time.increase(HUB_SETTINGS.freshnessWindow + 1);
      const now = await time.latest();

      await expect(report(hub, oracles[1], landed(feedId, 83, now))).not.to.emit(hub, 'ObservationFinalised');
      expect((await hub.getFeed(feedId)).state).to.equal(FEED_STATE.Open);
      // A fresh observation from the first oracle counts again, and a third completes the quorum.
      await expect(report(hub, oracles[0], landed(feedId, 82, now))).not.to.emit(hub, 'ObservationFinalised');
      await expect(report(hub, oracles[2], landed(feedId, 84, now))).to.emit(hub, 'ObservationFinalised');
    });
  });

  describe('registerFeed', function () {
    it('reverts when the caller is not an allowed consumer', async function () {
      const fixture = await load();
      const { hub, stranger, feedOwner } = fixture;
      const feedId = ethers.id('a weather day');
      const deadline = (await time.latest()) + HOUR;

      await expect(hub.connect(stranger).registerFeed(feedId, deadline, TOLERANCE))
        .to.be.revertedWithCustomError(hub, 'OracleHubUnknownConsumer')
        .withArgs(stranger.address);

      await governHub(fixture, hub.interface.encodeFunctionData('setConsumer', [feedOwner.address, false]));
      expect(await hub.isConsumer(feedOwner.address)).to.equal(false);
      await expect(hub.connect(feedOwner).registerFeed(feedId, deadline, TOLERANCE))
        .to.be.revertedWithCustomError(hub, 'OracleHubUnknownConsumer')
        .withArgs(feedOwner.address);
    });

    it('reverts when the feed id is zero', async function () {
      const { hub, feedOwner } = await load();

      await expect(hub.connect(feedOwner).registerFeed(ethers.ZeroHash, (await time.latest()) + HOUR, TOLERANCE))
        .to.be.revertedWithCustomError(hub, 'OracleHubFeedConflict')
        .withArgs(ethers.ZeroHash, feedOwner.address);
    });

    it('emits FeedRegistered with the consumer, data deadline and tolerance', async function () {
      const { hub, feedOwner } = await load();
      const feedId = ethers.id('a weather day');
      const deadline = (await time.latest()) + HOUR;

      await expect(hub.connect(feedOwner).registerFeed(feedId, deadline, 200))
        .to.emit(hub, 'FeedRegistered')
        .withArgs(feedId, feedOwner.address, deadline, 200);
      const feed = await hub.getFeed(feedId);
      expect([feed.consumer, feed.state, feed.dataDeadline, feed.tolerance]).to.deep.equal([
        feedOwner.address,
        BigInt(FEED_STATE.Open),
        BigInt(deadline),
        200n,
      ]);
    });

    it('only extends the data deadline when the feed is registered again', async function () {
      const { hub, feedOwner } = await load();
      const feedId = ethers.id('a weather day');
      const deadline = (await time.latest()) + HOUR;
      await (await hub.connect(feedOwner).registerFeed(feedId, deadline, 200)).wait();

      await expect(hub.connect(feedOwner).registerFeed(feedId, deadline + HOUR, 1))
        .to.emit(hub, 'FeedRegistered')
        .withArgs(feedId, feedOwner.address, deadline + HOUR, 200);
      await expect(hub.connect(feedOwner).registerFeed(feedId, deadline, 1)).not.to.emit(hub, 'FeedRegistered');
      const feed = await hub.getFeed(feedId);
      expect(feed.dataDeadline).to.equal(deadline + HOUR);
      expect(feed.tolerance).to.equal(200n);
    });

    it('reverts when the feed is registered again after finalisation', async function () {
      const fixture = await load();
      const { hub, revertingConsumer, oracles } = fixture;
      const feedId = await revertingConsumerFeed(fixture, 'a finalised weather day');
      const now = await time.latest();
      await submit(fixture, oracles[0], landed(feedId, 10, now));
      await submit(fixture, oracles[1], landed(feedId, 10, now));
      await submit(fixture, oracles[2], landed(feedId, 10, now));

      await expect(revertingConsumer.registerFeed(feedId, now + 30 * 24 * HOUR, TOLERANCE))
        .to.be.revertedWithCustomError(hub, 'OracleHubFeedNotOpen')
        .withArgs(feedId, FEED_STATE.Finalised);
    });
  });

  // Several products and insurers may cover one flight or location-day: the feed belongs to none of them.
  describe('shared feeds', function () {
    it('lets a second consumer register the feed, emits FeedRegistered for it and lists both consumers', async function () {
      const fixture = await load();
      const { hub, flight, feedId } = fixture;
      const second = await consumerMock(fixture, BEHAVIOUR.Record);
      const feed = await hub.getFeed(feedId);

      await expect(second.registerFeed(feedId, feed.dataDeadline, feed.tolerance))
        .to.emit(hub, 'FeedRegistered')
        .withArgs(feedId, await second.getAddress(), feed.dataDeadline, feed.tolerance);
      expect(await hub.feedConsumers(feedId)).to.deep.equal([await flight.getAddress(), await second.getAddress()]);
      // Registering again adds no second entry and, with the same deadline, emits nothing.
      await expect(second.registerFeed(feedId, feed.dataDeadline, feed.tolerance)).not.to.emit(hub, 'FeedRegistered');
      expect(await hub.feedConsumers(feedId)).to.have.lengthOf(2);
    });

    it('keeps the first registration tolerance: a later consumer can neither loosen nor tighten it', async function () {
      const fixture = await load();
      const { hub, feedId } = fixture;
      const feed = await hub.getFeed(feedId);
      const loose = await consumerMock(fixture, BEHAVIOUR.Record);
      const tight = await consumerMock(fixture, BEHAVIOUR.Record);

      await expect(loose.registerFeed(feedId, feed.dataDeadline, 500))
        .to.emit(hub, 'FeedRegistered')
        .withArgs(feedId, await loose.getAddress(), feed.dataDeadline, TOLERANCE);
      await expect(tight.registerFeed(feedId, feed.dataDeadline, 0))
        .to.emit(hub, 'FeedRegistered')
        .withArgs(feedId, await tight.getAddress(), feed.dataDeadline, TOLERANCE);
      expect((await hub.getFeed(feedId)).tolerance).to.equal(BigInt(TOLERANCE));
    });

    it('keeps the latest data deadline across consumers and emits FeedRegistered whenever it moves', async function () {
      const fixture = await load();
      const { hub, flight, feedId } = fixture;
      const deadline = Number((await hub.getFeed(feedId)).dataDeadline);
      const second = await consumerMock(fixture, BEHAVIOUR.Record);
      const secondAddress = await second.getAddress();

      // An earlier deadline never shortens the one the first consumer relies on.
      await expect(second.registerFeed(feedId, deadline - HOUR, TOLERANCE))
        .to.emit(hub, 'FeedRegistered')
        .withArgs(feedId, secondAddress, deadline, TOLERANCE);
      await expect(second.registerFeed(feedId, deadline + HOUR, TOLERANCE))
        .to.emit(hub, 'FeedRegistered')
        .withArgs(feedId, secondAddress, deadline + HOUR, TOLERANCE);
      await expect(second.registerFeed(feedId, deadline, TOLERANCE)).not.to.emit(hub, 'FeedRegistered');
      expect((await hub.getFeed(feedId)).dataDeadline).to.equal(BigInt(deadline + HOUR));
      expect((await hub.getFeed(feedId)).consumer).to.equal(await flight.getAddress());
    });

    it('reverts with OracleHubTooManyConsumers when a new consumer would exceed MAX_CONSUMERS_PER_FEED', async function () {
      const fixture = await load();
      const { hub, feedId } = fixture;
      expect(await hub.MAX_CONSUMERS_PER_FEED()).to.equal(BigInt(MAX_CONSUMERS_PER_FEED));
      for (let count = 1; count < MAX_CONSUMERS_PER_FEED; ++count) {
        await share(fixture, await consumerMock(fixture, BEHAVIOUR.Record));
      }
      const oneTooMany = await consumerMock(fixture, BEHAVIOUR.Record);

      await expect(oneTooMany.registerFeed(feedId, (await time.latest()) + HOUR, TOLERANCE))
        .to.be.revertedWithCustomError(hub, 'OracleHubTooManyConsumers')
        .withArgs(feedId, MAX_CONSUMERS_PER_FEED);
      expect(await hub.feedConsumers(feedId)).to.have.lengthOf(MAX_CONSUMERS_PER_FEED);
    });

    it('pays the policies of two flight products on the same flight when the quorum completes', async function () {
      const fixture = await load();
      const { hub, access, registry, pool, govern, insurer, secondClient, client, stablecoin, flight, policyId } =
        fixture;
      const rival = await ethers.deployContract('FlightDelayProduct', [
        await access.getAddress(),
        await hub.getAddress(),
        await registry.getAddress(),
        await pool.getAddress(),
        FLIGHT_SETTINGS.batchSize,
        FLIGHT_SETTINGS.dataGracePeriod,
        FLIGHT_SETTINGS.delayToleranceMinutes,
      ]);
      const rivalAddress = await rival.getAddress();
      await govern(await hub.getAddress(), hub.interface.encodeFunctionData('setConsumer', [rivalAddress, true]));
      // The pool's insurer and its treaty's reinsurer consent to the second product drawing on them.
      await (await pool.connect(insurer).consentToWiring(rivalAddress, true)).wait();
      await (await pool.connect(fixture.reinsurer).consentToWiring(rivalAddress, true)).wait();
      await govern(await pool.getAddress(), pool.interface.encodeFunctionData('setProduct', [rivalAddress, true]));
      const terms = { ...fixture.terms, policyholder: secondClient.address };
      const documentHash = await anchorFlightDocument(fixture, terms, secondClient);
      await (await rival.connect(insurer).issue(terms, documentHash)).wait();
      const rivalPolicyId = await rival.policyOfDocument(documentHash);
      const before = [await stablecoin.balanceOf(client.address), await stablecoin.balanceOf(secondClient.address)];

      await (await quorumReport(fixture)).wait();

      expect((await flight.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Paid);
      expect((await rival.getPolicy(rivalPolicyId)).status).to.equal(POLICY_STATUS.Paid);
      expect((await stablecoin.balanceOf(client.address)) - before[0]!).to.equal(PAYOUT.landed82);
      expect((await stablecoin.balanceOf(secondClient.address)) - before[1]!).to.equal(PAYOUT.landed82);
    });

    it('notifies every consumer when the feed is resolved by hand', async function () {
      const fixture = await load();
      const { hub, feedId, flight, policyId } = fixture;
      const second = await consumerMock(fixture, BEHAVIOUR.Record);
      await share(fixture, second);
      await time.increaseTo(Number((await hub.getFeed(feedId)).dataDeadline) + 1);

      await governHub(fixture, hub.interface.encodeFunctionData('resolve', [feedId, ObservationStatus.Cancelled, 0]));

      expect(await second.notifications(feedId)).to.equal(1n);
      expect((await flight.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Paid);
    });

    it('notifies every consumer when the feed expires', async function () {
      const fixture = await load();
      const { hub, feedId, flight, policyId, stranger } = fixture;
      const second = await consumerMock(fixture, BEHAVIOUR.Record);
      await share(fixture, second);
      await time.increaseTo(Number((await hub.getFeed(feedId)).dataDeadline) + HUB_SETTINGS.resolutionPeriod + 1);

      await (await hub.connect(stranger).expire(feedId)).wait();

      expect(await second.notifications(feedId)).to.equal(1n);
      expect((await flight.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Refunded);
    });
  });

  describe('setConsumer', function () {
    it('emits ConsumerSet and allows the consumer to register feeds', async function () {
      const fixture = await load();
      const { hub, access, admin1, stranger } = fixture;
      const proposalId = await approvedHubProposal(
        fixture,
        hub.interface.encodeFunctionData('setConsumer', [stranger.address, true]),
      );

      await expect(access.connect(admin1).execute(proposalId))
        .to.emit(hub, 'ConsumerSet')
        .withArgs(stranger.address, true);
      expect(await hub.isConsumer(stranger.address)).to.equal(true);
      await expect(
        hub.connect(stranger).registerFeed(ethers.id('a weather day'), (await time.latest()) + HOUR, 1),
      ).to.emit(hub, 'FeedRegistered');
    });
  });

  describe('consumer notification', function () {
    it('emits ObservationFinalised and ConsumerNotificationFailed when the consumer reverts, and stays finalised', async function () {
      const fixture = await load();
      const { hub, revertingConsumer, oracles } = fixture;
      const feedId = await revertingConsumerFeed(fixture, 'a weather day');
      const now = await time.latest();
      await submit(fixture, oracles[0], landed(feedId, 10, now));
      await submit(fixture, oracles[2], landed(feedId, 11, now));
      const reason = revertingConsumer.interface.encodeErrorResult('RevertingFeedConsumerRefused', [feedId]);

      const signed = await signObservation(hub, oracles[1], landed(feedId, 12, now));

      const tx = hub.submitReport(signed.observation, signed.signature, { gasLimit: GENEROUS_GAS });
      await expect(tx)
        .to.emit(hub, 'ObservationFinalised')
        .withArgs(
          feedId,
          ObservationStatus.Landed,
          11,
          [oracles[0].address, oracles[2].address, oracles[1].address],
          [
            landed(feedId, 10, now).payloadHash,
            landed(feedId, 11, now).payloadHash,
            landed(feedId, 12, now).payloadHash,
          ],
        );
      await expect(tx)
        .to.emit(hub, 'ConsumerNotificationFailed')
        .withArgs(feedId, await revertingConsumer.getAddress(), reason);
      expect((await hub.getFeed(feedId)).state).to.equal(FEED_STATE.Finalised);
      expect(await hub.settledOutcome(feedId)).to.deep.equal([true, BigInt(ObservationStatus.Landed), 11n]);
    });

    it('expires the feed of a reverting consumer and emits ConsumerNotificationFailed', async function () {
      const fixture = await load();
      const { hub, revertingConsumer, stranger } = fixture;
      const feedId = await revertingConsumerFeed(fixture, 'a weather day without data');
      const dueAt = Number((await hub.getFeed(feedId)).dataDeadline) + HUB_SETTINGS.resolutionPeriod;
      await time.increaseTo(dueAt + 1);

      const tx = hub.connect(stranger).expire(feedId, { gasLimit: GENEROUS_GAS });
      await expect(tx).to.emit(hub, 'FeedExpired').withArgs(feedId);
      await expect(tx)
        .to.emit(hub, 'ConsumerNotificationFailed')
        .withArgs(
          feedId,
          await revertingConsumer.getAddress(),
          revertingConsumer.interface.encodeErrorResult('RevertingFeedConsumerRefused', [feedId]),
        );
      expect((await hub.getFeed(feedId)).state).to.equal(FEED_STATE.Expired);
    });

    it('reverts with OracleHubInsufficientGas when the relayer leaves too little gas for the consumer to pay', async function () {
      const fixture = await load();
      const { hub, feedId, oracles, flight, policyId, stranger, stablecoin, client } = fixture;
      const now = await time.latest();
      await submit(fixture, oracles[0], landed(feedId, 82, now));
      await submit(fixture, oracles[2], landed(feedId, 82, now, 'another provider'));
      const signed = await signObservation(hub, oracles[1], landed(feedId, 84, now));
      const before = await stablecoin.balanceOf(client.address);

      // Enough for the hub's own work, not for the flight product's settlement: the report is refused whole.
      await expect(
        hub.connect(stranger).submitReport(signed.observation, signed.signature, { gasLimit: 260_000 }),
      ).to.be.revertedWithCustomError(hub, 'OracleHubInsufficientGas');
      expect((await hub.getFeed(feedId)).state).to.equal(FEED_STATE.Open);

      // The same signed report relayed with an estimated gas limit finalises and pays.
      await expect(hub.connect(stranger).submitReport(signed.observation, signed.signature)).to.emit(
        hub,
        'ObservationFinalised',
      );
      expect((await flight.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Paid);
      expect((await stablecoin.balanceOf(client.address)) - before).to.equal(PAYOUT.landed82);
    });

    // A high-level call to an account without code reverts before `try` can catch it; the hub checks first, so such a
    // consumer can never hold its feeds hostage.
    it('finalises the feed of a consumer without code and emits ConsumerNotificationFailed', async function () {
      const fixture = await load();
      const { hub, feedOwner, oracles } = fixture;
      const feedId = ethers.id('a feed of an account consumer');
      const now = await time.latest();
      await (await hub.connect(feedOwner).registerFeed(feedId, now + HOUR, TOLERANCE)).wait();
      await submit(fixture, oracles[0], landed(feedId, 10, now));
      await submit(fixture, oracles[2], landed(feedId, 10, now));

      await expect(report(hub, oracles[1], landed(feedId, 10, now)))
        .to.emit(hub, 'ConsumerNotificationFailed')
        .withArgs(feedId, feedOwner.address, '0x');
      expect((await hub.getFeed(feedId)).state).to.equal(FEED_STATE.Finalised);
    });
  });

  // Every consumer the hub does not tell, or whose notification fails, is named in an event.
  describe('notification of several consumers', function () {
    it('emits ConsumerNotNotified (Disallowed) for a consumer disallowed after it registered, and notifies the others', async function () {
      const fixture = await load();
      const { hub, feedId, flight, policyId } = fixture;
      const dropped = await consumerMock(fixture, BEHAVIOUR.Record);
      const kept = await consumerMock(fixture, BEHAVIOUR.Record);
      await share(fixture, dropped);
      await share(fixture, kept);
      await governHub(fixture, hub.interface.encodeFunctionData('setConsumer', [await dropped.getAddress(), false]));

      await expect(quorumReport(fixture))
        .to.emit(hub, 'ConsumerNotNotified')
        .withArgs(feedId, await dropped.getAddress(), SKIP.Disallowed);
      expect(await dropped.notifications(feedId)).to.equal(0n);
      expect(await kept.notifications(feedId)).to.equal(1n);
      expect((await flight.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Paid);
    });

    it('emits ConsumerNotificationFailed with an empty reason for a consumer that runs out of gas, and notifies the next', async function () {
      const fixture = await load();
      const { hub, feedId, flight, policyId } = fixture;
      const burner = await consumerMock(fixture, BEHAVIOUR.BurnAllGas);
      const next = await consumerMock(fixture, BEHAVIOUR.Record);
      await share(fixture, burner);
      await share(fixture, next);

      const tx = quorumReport(fixture);
      await expect(tx)
        .to.emit(hub, 'ConsumerNotificationFailed')
        .withArgs(feedId, await burner.getAddress(), '0x');
      expect((await hub.getFeed(feedId)).state).to.equal(FEED_STATE.Finalised);
      expect(await next.notifications(feedId)).to.equal(1n);
      expect((await flight.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Paid);
    });

    it('copies at most 256 bytes of a failing consumer revert reason into ConsumerNotificationFailed', async function () {
      const fixture = await load();
      const { hub, feedId } = fixture;
      const loud = await consumerMock(fixture, BEHAVIOUR.RevertWithLargeReason);
      await share(fixture, loud);
      const fullReason = loud.interface.encodeErrorResult('FeedConsumerMockRefused', [
        feedId,
        new Uint8Array(Number(await loud.LARGE_REASON_BYTES())),
      ]);

      await expect(quorumReport(fixture))
        .to.emit(hub, 'ConsumerNotificationFailed')
        .withArgs(feedId, await loud.getAddress(), ethers.dataSlice(fullReason, 0, 256));
    });

    it('emits ConsumerNotificationFailed when a consumer reverts on a manual resolution, which stands', async function () {
      const fixture = await load();
      const { hub, revertingConsumer } = fixture;
      const feedId = await revertingConsumerFeed(fixture, 'a weather day resolved by hand');
      await time.increaseTo(Number((await hub.getFeed(feedId)).dataDeadline) + 1);
      const proposalId = await approvedHubProposal(
        fixture,
        hub.interface.encodeFunctionData('resolve', [feedId, ObservationStatus.Observed, 120]),
      );

      await expect(fixture.access.connect(fixture.admin1).execute(proposalId))
        .to.emit(hub, 'ConsumerNotificationFailed')
        .withArgs(
          feedId,
          await revertingConsumer.getAddress(),
          revertingConsumer.interface.encodeErrorResult('RevertingFeedConsumerRefused', [feedId]),
        );
      expect(await hub.settledOutcome(feedId)).to.deep.equal([true, BigInt(ObservationStatus.Observed), 120n]);
    });
  });

  // EIP-7825: no transaction may need more than 16,777,216 gas, whatever the consumers do.
  describe('gas of the notifying transaction', function () {
    it('forwards at most MAX_CONSUMER_GAS to a consumer, however much gas the relayer sends', async function () {
      const fixture = await load();
      const { oracles } = fixture;
      const recorder = await consumerMock(fixture, BEHAVIOUR.Record);
      const feedId = ethers.id('a feed of a recording consumer');
      const now = await time.latest();
      await (await recorder.registerFeed(feedId, now + 24 * HOUR, TOLERANCE)).wait();
      await submit(fixture, oracles[0], landed(feedId, 10, now));
      await submit(fixture, oracles[1], landed(feedId, 10, now));
      const signed = await signObservation(fixture.hub, oracles[2], landed(feedId, 10, now));

      await (await fixture.hub.submitReport(signed.observation, signed.signature, { gasLimit: TX_GAS_CAP })).wait();

      expect(await recorder.notifications(feedId)).to.equal(1n);
      expect(await recorder.gasReceived(feedId)).to.be.at.most(MAX_CONSUMER_GAS);
      expect(await fixture.hub.MAX_CONSUMER_GAS()).to.equal(MAX_CONSUMER_GAS);
    });

    it('keeps the quorum-completing report under the cap with every consumer burning all its gas', async function () {
      const fixture = await load();
      const { hub, feedId, flight, policyId } = fixture;
      const burners: FeedConsumerMock[] = [];
      for (let count = 1; count < MAX_CONSUMERS_PER_FEED; ++count) {
        const burner = await consumerMock(fixture, BEHAVIOUR.BurnAllGas);
        await share(fixture, burner);
        burners.push(burner);
      }

      const tx = await quorumReport(fixture, TX_GAS_CAP);
      const receipt = await tx.wait();

      // Four consumers at MAX_CONSUMER_GAS each, plus the hub's own work: far from the cap.
      expect(receipt?.gasUsed).to.be.at.most(BigInt(MAX_CONSUMERS_PER_FEED) * MAX_CONSUMER_GAS + 600_000n);
      for (const burner of burners) {
        await expect(tx)
          .to.emit(hub, 'ConsumerNotificationFailed')
          .withArgs(feedId, await burner.getAddress(), '0x');
      }
      expect((await flight.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Paid);
    });
  });

  describe('dispute window', function () {
    const DISPUTE_WINDOW = 2 * HOUR;

    it('finalises without notifying the consumer, and makes the outcome settleable only once the window passed', async function () {
      const fixture = await load();
      const { hub, feedId, flight, policyId, stablecoin, client, stranger } = fixture;
      await setHubSettings(fixture, { disputeWindow: DISPUTE_WINDOW });
      const before = await stablecoin.balanceOf(client.address);
      const now = await time.latest();
      await submit(fixture, fixture.oracles[0], landed(feedId, 82, now));
      await submit(fixture, fixture.oracles[2], landed(feedId, 82, now, 'another provider'));

      const tx = report(hub, fixture.oracles[1], landed(feedId, 84, now));
      await expect(tx).to.emit(hub, 'ObservationFinalised');
      await expect(tx).not.to.emit(flight, 'PolicySettled');
      const finalisedAt = await minedAt(tx);
      expect((await hub.getFeed(feedId)).state).to.equal(FEED_STATE.Finalised);
      expect((await flight.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Issued);
      expect(await hub.settledOutcome(feedId)).to.deep.equal([false, 0n, 0n]);

      await time.increaseTo(finalisedAt + DISPUTE_WINDOW - 1);
      expect(await hub.settledOutcome(feedId)).to.deep.equal([false, 0n, 0n]);
      await time.increaseTo(finalisedAt + DISPUTE_WINDOW);
      expect(await hub.settledOutcome(feedId)).to.deep.equal([true, BigInt(ObservationStatus.Landed), 82n]);
      // Nobody was notified: anyone pushes the settlement.
      await (await flight.connect(stranger).settle(feedId, 10)).wait();
      expect((await flight.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Paid);
      expect((await stablecoin.balanceOf(client.address)) - before).to.equal(PAYOUT.landed82);
    });

    it('does not call the consumer at finalisation when there is a dispute window, and says so', async function () {
      const fixture = await load();
      const { hub, oracles, revertingConsumer } = fixture;
      await setHubSettings(fixture, { disputeWindow: DISPUTE_WINDOW });
      // This consumer always reverts, so any call to it would show as ConsumerNotificationFailed.
      const feedId = await revertingConsumerFeed(fixture, 'a weather day under a dispute window');
      const now = await time.latest();
      await submit(fixture, oracles[0], landed(feedId, 10, now));
      await submit(fixture, oracles[2], landed(feedId, 10, now));
      const signed = await signObservation(hub, oracles[1], landed(feedId, 10, now));

      const tx = hub.submitReport(signed.observation, signed.signature, { gasLimit: GENEROUS_GAS });
      await expect(tx).to.emit(hub, 'ObservationFinalised');
      await expect(tx).not.to.emit(hub, 'ConsumerNotificationFailed');
      await expect(tx)
        .to.emit(hub, 'ConsumerNotNotified')
        .withArgs(feedId, await revertingConsumer.getAddress(), SKIP.DisputeWindow);
    });

    it('names every consumer of the feed in ConsumerNotNotified when the dispute window defers payment', async function () {
      const fixture = await load();
      const { hub, flight, feedId } = fixture;
      await setHubSettings(fixture, { disputeWindow: DISPUTE_WINDOW });
      const second = await consumerMock(fixture, BEHAVIOUR.Record);
      await share(fixture, second);

      const tx = quorumReport(fixture);
      await expect(tx)
        .to.emit(hub, 'ConsumerNotNotified')
        .withArgs(feedId, await flight.getAddress(), SKIP.DisputeWindow);
      await expect(tx)
        .to.emit(hub, 'ConsumerNotNotified')
        .withArgs(feedId, await second.getAddress(), SKIP.DisputeWindow);
      expect(await second.notifications(feedId)).to.equal(0n);
    });

    it('emits FeedDisputed when ADMINs dispute within the window, after which the outcome is never settleable', async function () {
      const fixture = await load();
      const { hub, access, admin1, feedId, flight, policyId, stranger } = fixture;
      await setHubSettings(fixture, { disputeWindow: DISPUTE_WINDOW });
      const finalisedAt = await finaliseLanded82(fixture);
      const proposalId = await approvedHubProposal(fixture, hub.interface.encodeFunctionData('dispute', [feedId]));

      const tx = access.connect(admin1).execute(proposalId);
      await expect(tx).to.emit(hub, 'FeedDisputed').withArgs(feedId);
      const feed = await hub.getFeed(feedId);
      expect(feed.state).to.equal(FEED_STATE.Disputed);
      expect(feed.disputedAt).to.equal(await minedAt(tx));

      await time.increaseTo(finalisedAt + DISPUTE_WINDOW + HOUR);
      expect(await hub.settledOutcome(feedId)).to.deep.equal([false, 0n, 0n]);
      await expect(flight.connect(stranger).settle(feedId, 10))
        .to.be.revertedWithCustomError(flight, 'ParametricProductOutcomeNotFinal')
        .withArgs(feedId);
      expect((await flight.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Issued);
    });

    it('reverts with OracleHubDisputeWindowClosed, wrapped by dual control, when the dispute comes as the window closes', async function () {
      const fixture = await load();
      const { hub, access, admin1, feedId } = fixture;
      await setHubSettings(fixture, { disputeWindow: DISPUTE_WINDOW });
      const finalisedAt = await finaliseLanded82(fixture);
      const proposalId = await approvedHubProposal(fixture, hub.interface.encodeFunctionData('dispute', [feedId]));
      const closesAt = finalisedAt + DISPUTE_WINDOW;
      await time.setNextBlockTimestamp(closesAt);

      await expect(access.connect(admin1).execute(proposalId))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessExecutionFailed')
        .withArgs(proposalId, hubErrorData(hub, 'OracleHubDisputeWindowClosed', [feedId, closesAt]));
      expect((await hub.getFeed(feedId)).state).to.equal(FEED_STATE.Finalised);
    });

    it('reverts with OracleHubDisputeWindowClosed when there is no dispute window', async function () {
      const fixture = await load();
      const { hub, access, admin1, feedId } = fixture;
      const finalisedAt = await finaliseLanded82(fixture);
      const proposalId = await approvedHubProposal(fixture, hub.interface.encodeFunctionData('dispute', [feedId]));

      await expect(access.connect(admin1).execute(proposalId))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessExecutionFailed')
        .withArgs(proposalId, hubErrorData(hub, 'OracleHubDisputeWindowClosed', [feedId, finalisedAt]));
    });

    it('reverts with OracleHubFeedNotOpen when the feed is not finalised', async function () {
      const fixture = await load();
      const { hub, access, admin1, feedId } = fixture;
      await setHubSettings(fixture, { disputeWindow: DISPUTE_WINDOW });
      const proposalId = await approvedHubProposal(fixture, hub.interface.encodeFunctionData('dispute', [feedId]));

      await expect(access.connect(admin1).execute(proposalId))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessExecutionFailed')
        .withArgs(proposalId, hubErrorData(hub, 'OracleHubFeedNotOpen', [feedId, FEED_STATE.Open]));
    });

    it('emits FeedResolved when ADMINs resolve a disputed feed, and the consumer pays the policy', async function () {
      const fixture = await load();
      const { hub, access, admin1, feedId, flight, policyId, stablecoin, client } = fixture;
      await setHubSettings(fixture, { disputeWindow: DISPUTE_WINDOW });
      await finaliseLanded82(fixture);
      await governHub(fixture, hub.interface.encodeFunctionData('dispute', [feedId]));
      const before = await stablecoin.balanceOf(client.address);
      const proposalId = await approvedHubProposal(
        fixture,
        hub.interface.encodeFunctionData('resolve', [feedId, ObservationStatus.Cancelled, 0]),
      );

      const tx = access.connect(admin1).execute(proposalId);
      await expect(tx).to.emit(hub, 'FeedResolved').withArgs(feedId, ObservationStatus.Cancelled, 0);
      await expect(tx)
        .to.emit(flight, 'PolicySettled')
        .withArgs(policyId, feedId, POLICY_STATUS.Paid, PAYOUT.cancelled);
      const feed = await hub.getFeed(feedId);
      expect(feed.state).to.equal(FEED_STATE.Resolved);
      expect(feed.finalisedAt).to.equal(await minedAt(tx));
      expect(await hub.settledOutcome(feedId)).to.deep.equal([true, BigInt(ObservationStatus.Cancelled), 0n]);
      expect((await flight.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Paid);
      expect((await stablecoin.balanceOf(client.address)) - before).to.equal(PAYOUT.cancelled);
    });

    // The dispute window is fixed when the feed finalises: lengthening it later must not reopen an outcome already
    // paid on (otherwise the rest of a large flight could be paid on a different, hand-resolved outcome).
    it('keeps a feed finalised and paid with no dispute window settled when the window is later lengthened', async function () {
      const fixture = await load();
      const { hub, access, admin1, feedId, flight, policyId } = fixture;
      const finalisedAt = await finaliseLanded82(fixture);
      expect((await flight.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Paid);

      await setHubSettings(fixture, { disputeWindow: 24 * HOUR });

      expect(await hub.settledOutcome(feedId)).to.deep.equal([true, BigInt(ObservationStatus.Landed), 82n]);
      const proposalId = await approvedHubProposal(fixture, hub.interface.encodeFunctionData('dispute', [feedId]));
      await expect(access.connect(admin1).execute(proposalId))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessExecutionFailed')
        .withArgs(proposalId, hubErrorData(hub, 'OracleHubDisputeWindowClosed', [feedId, finalisedAt]));
    });
  });

  describe('dual control', function () {
    it('reverts with ConsortiumGovernedDualControlRequired when dispute is called directly', async function () {
      const fixture = await load();
      const { hub, admin1, feedId } = fixture;
      await setHubSettings(fixture, { disputeWindow: HOUR });
      await finaliseLanded82(fixture);

      await expect(hub.connect(admin1).dispute(feedId))
        .to.be.revertedWithCustomError(hub, 'ConsortiumGovernedDualControlRequired')
        .withArgs(admin1.address);
    });

    it('reverts with ConsortiumGovernedDualControlRequired when resolve is called directly', async function () {
      const { hub, admin1, feedId } = await load();
      await time.increaseTo(Number((await hub.getFeed(feedId)).dataDeadline) + 1);

      await expect(hub.connect(admin1).resolve(feedId, ObservationStatus.Cancelled, 0))
        .to.be.revertedWithCustomError(hub, 'ConsortiumGovernedDualControlRequired')
        .withArgs(admin1.address);
    });

    it('reverts with ConsortiumGovernedDualControlRequired when setSettings is called directly', async function () {
      const { hub, admin1 } = await load();

      await expect(hub.connect(admin1).setSettings({ ...HUB_SETTINGS, quorum: 4 }))
        .to.be.revertedWithCustomError(hub, 'ConsortiumGovernedDualControlRequired')
        .withArgs(admin1.address);
    });

    it('reverts with ConsortiumGovernedDualControlRequired when setConsumer is called directly', async function () {
      const { hub, admin1, stranger } = await load();

      await expect(hub.connect(admin1).setConsumer(stranger.address, true))
        .to.be.revertedWithCustomError(hub, 'ConsortiumGovernedDualControlRequired')
        .withArgs(admin1.address);
    });
  });

  describe('resolve before and after the data deadline', function () {
    it('reverts with OracleHubNotYetDue, wrapped by dual control, until the data deadline has passed', async function () {
      const fixture = await load();
      const { hub, access, admin1, feedId } = fixture;
      const deadline = Number((await hub.getFeed(feedId)).dataDeadline);
      await time.increaseTo(deadline - HOUR);
      const proposalId = await approvedHubProposal(
        fixture,
        hub.interface.encodeFunctionData('resolve', [feedId, ObservationStatus.Landed, 35]),
      );
      await time.setNextBlockTimestamp(deadline);

      await expect(access.connect(admin1).execute(proposalId))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessExecutionFailed')
        .withArgs(proposalId, hubErrorData(hub, 'OracleHubNotYetDue', [feedId, deadline]));
    });

    it('emits FeedResolved for an open feed past its data deadline, and the consumer pays the policy', async function () {
      const fixture = await load();
      const { hub, access, admin1, feedId, flight, policyId, stablecoin, client } = fixture;
      const deadline = Number((await hub.getFeed(feedId)).dataDeadline);
      await time.increaseTo(deadline - HOUR);
      const proposalId = await approvedHubProposal(
        fixture,
        hub.interface.encodeFunctionData('resolve', [feedId, ObservationStatus.Landed, 35]),
      );
      await time.setNextBlockTimestamp(deadline + 1);
      const before = await stablecoin.balanceOf(client.address);

      await expect(access.connect(admin1).execute(proposalId))
        .to.emit(hub, 'FeedResolved')
        .withArgs(feedId, ObservationStatus.Landed, 35);
      expect((await hub.getFeed(feedId)).state).to.equal(FEED_STATE.Resolved);
      expect((await flight.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Paid);
      expect((await stablecoin.balanceOf(client.address)) - before).to.equal(PAYOUT.landed35);
    });

    it('reverts with OracleHubInvalidStatus when resolving with status None', async function () {
      const fixture = await load();
      const { hub, access, admin1, feedId } = fixture;
      await time.increaseTo(Number((await hub.getFeed(feedId)).dataDeadline) + 1);
      const proposalId = await approvedHubProposal(
        fixture,
        hub.interface.encodeFunctionData('resolve', [feedId, ObservationStatus.None, 0]),
      );

      await expect(access.connect(admin1).execute(proposalId))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessExecutionFailed')
        .withArgs(proposalId, hubErrorData(hub, 'OracleHubInvalidStatus', [ObservationStatus.None]));
    });

    it('reverts with OracleHubFeedNotOpen when resolving a finalised feed that was not disputed', async function () {
      const fixture = await load();
      const { hub, access, admin1, feedId } = fixture;
      await finaliseLanded82(fixture);
      const proposalId = await approvedHubProposal(
        fixture,
        hub.interface.encodeFunctionData('resolve', [feedId, ObservationStatus.Cancelled, 0]),
      );

      await expect(access.connect(admin1).execute(proposalId))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessExecutionFailed')
        .withArgs(proposalId, hubErrorData(hub, 'OracleHubFeedNotOpen', [feedId, FEED_STATE.Finalised]));
    });
  });

  describe('expire', function () {
    it('reverts with OracleHubNotYetDue until the resolution period after the data deadline has passed', async function () {
      const { hub, feedId, stranger } = await load();
      const dueAt = Number((await hub.getFeed(feedId)).dataDeadline) + HUB_SETTINGS.resolutionPeriod;
      await time.setNextBlockTimestamp(dueAt);

      await expect(hub.connect(stranger).expire(feedId))
        .to.be.revertedWithCustomError(hub, 'OracleHubNotYetDue')
        .withArgs(feedId, dueAt);
    });

    it('emits FeedExpired after the resolution period, and the consumer refunds the premium', async function () {
      const { hub, feedId, stranger, flight, policyId, stablecoin, client, clientBalanceBeforeIssue, terms } =
        await load();
      const dueAt = Number((await hub.getFeed(feedId)).dataDeadline) + HUB_SETTINGS.resolutionPeriod;
      const before = await stablecoin.balanceOf(client.address);
      await time.setNextBlockTimestamp(dueAt + 1);

      const tx = hub.connect(stranger).expire(feedId);
      await expect(tx).to.emit(hub, 'FeedExpired').withArgs(feedId);
      await expect(tx).to.emit(flight, 'PolicySettled').withArgs(policyId, feedId, POLICY_STATUS.Refunded, 0);
      expect((await hub.getFeed(feedId)).state).to.equal(FEED_STATE.Expired);
      expect(await hub.settledOutcome(feedId)).to.deep.equal([false, 0n, 0n]);
      expect((await flight.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Refunded);
      expect((await stablecoin.balanceOf(client.address)) - before).to.equal(terms.premium);
      expect(await stablecoin.balanceOf(client.address)).to.equal(clientBalanceBeforeIssue);
    });

    it('expires a disputed feed left unresolved a resolution period after the dispute', async function () {
      const fixture = await load();
      const { hub, feedId, stranger, flight, policyId } = fixture;
      await setHubSettings(fixture, { disputeWindow: HOUR });
      await finaliseLanded82(fixture);
      await governHub(fixture, hub.interface.encodeFunctionData('dispute', [feedId]));
      const feed = await hub.getFeed(feedId);
      const dueAt = Number(feed.disputedAt) + HUB_SETTINGS.resolutionPeriod;
      // Earlier than an open feed would expire: the clock starts at the dispute.
      expect(dueAt).to.be.lessThan(Number(feed.dataDeadline) + HUB_SETTINGS.resolutionPeriod);

      await time.setNextBlockTimestamp(dueAt);
      await expect(hub.connect(stranger).expire(feedId))
        .to.be.revertedWithCustomError(hub, 'OracleHubNotYetDue')
        .withArgs(feedId, dueAt);
      // The rejected call was never mined, so the next block is still due at `dueAt` unless moved on.
      await time.setNextBlockTimestamp(dueAt + 1);
      await expect(hub.connect(stranger).expire(feedId)).to.emit(hub, 'FeedExpired').withArgs(feedId);
      expect((await hub.getFeed(feedId)).state).to.equal(FEED_STATE.Expired);
      expect((await flight.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Refunded);
    });

    it('reverts with OracleHubFeedNotOpen when the feed has an outcome, however late it is', async function () {
      const fixture = await load();
      const { hub, feedId, stranger, flight, policyId } = fixture;
      await finaliseLanded82(fixture);
      const lateAt = Number((await hub.getFeed(feedId)).dataDeadline) + HUB_SETTINGS.resolutionPeriod + 1;
      await time.increaseTo(lateAt);

      await expect(hub.connect(stranger).expire(feedId))
        .to.be.revertedWithCustomError(hub, 'OracleHubFeedNotOpen')
        .withArgs(feedId, FEED_STATE.Finalised);
      expect((await flight.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Paid);
    });

    it('reverts on every action once the feed has expired', async function () {
      const fixture = await load();
      const { hub, access, admin1, feedId, stranger, oracles, client } = fixture;
      const dueAt = Number((await hub.getFeed(feedId)).dataDeadline) + HUB_SETTINGS.resolutionPeriod;
      await time.increaseTo(dueAt + 1);
      await (await hub.connect(stranger).expire(feedId)).wait();

      await expect(report(hub, oracles[0], landed(feedId, 82, await time.latest())))
        .to.be.revertedWithCustomError(hub, 'OracleHubFeedNotOpen')
        .withArgs(feedId, FEED_STATE.Expired);
      await expect(hub.connect(stranger).expire(feedId))
        .to.be.revertedWithCustomError(hub, 'OracleHubFeedNotOpen')
        .withArgs(feedId, FEED_STATE.Expired);
      for (const data of [
        hub.interface.encodeFunctionData('resolve', [feedId, ObservationStatus.Landed, 82]),
        hub.interface.encodeFunctionData('dispute', [feedId]),
      ]) {
        const proposalId = await approvedHubProposal(fixture, data);
        await expect(access.connect(admin1).execute(proposalId))
          .to.be.revertedWithCustomError(access, 'ConsortiumAccessExecutionFailed')
          .withArgs(proposalId, hubErrorData(hub, 'OracleHubFeedNotOpen', [feedId, FEED_STATE.Expired]));
      }
      // No new policy is written on that flight: it left long ago.
      const sameFlight = { ...fixture.terms, policyholder: client.address };
      await expect(
        issueFlightPolicy(fixture, sameFlight, client, 'A second policy on the expired flight'),
      ).to.be.revertedWithCustomError(fixture.flight, 'FlightDelayProductIssueClosed');
    });
  });

  describe('setSettings', function () {
    it('emits SettingsChanged and settings() returns the new settings', async function () {
      const fixture = await load();
      const { hub, access, admin1 } = fixture;
      const next = { quorum: 4, freshnessWindow: HOUR, disputeWindow: 600, resolutionPeriod: 24 * HOUR };
      const proposalId = await approvedHubProposal(fixture, hub.interface.encodeFunctionData('setSettings', [next]));

      await expect(access.connect(admin1).execute(proposalId))
        .to.emit(hub, 'SettingsChanged')
        .withArgs(next.quorum, next.freshnessWindow, next.disputeWindow, next.resolutionPeriod);
      const settings = await hub.settings();
      expect([
        settings.quorum,
        settings.freshnessWindow,
        settings.disputeWindow,
        settings.resolutionPeriod,
      ]).to.deep.equal([4n, BigInt(HOUR), 600n, BigInt(24 * HOUR)]);
    });

    it('reverts with OracleHubInvalidSettings when the quorum is below MIN_QUORUM', async function () {
      const fixture = await load();
      const { hub, access, admin1 } = fixture;

      for (const quorum of [0, Number(MIN_QUORUM) - 1]) {
        const proposalId = await approvedHubProposal(
          fixture,
          hub.interface.encodeFunctionData('setSettings', [{ ...HUB_SETTINGS, quorum }]),
        );
        await expect(access.connect(admin1).execute(proposalId))
          .to.be.revertedWithCustomError(access, 'ConsortiumAccessExecutionFailed')
          .withArgs(proposalId, hubErrorData(hub, 'OracleHubInvalidSettings', []));
      }
      expect((await hub.settings()).quorum).to.equal(BigInt(HUB_SETTINGS.quorum));
    });

    it('reverts with OracleHubInvalidSettings when the freshness window is zero', async function () {
      const fixture = await load();
      const { hub, access, admin1 } = fixture;
      const proposalId = await approvedHubProposal(
        fixture,
        hub.interface.encodeFunctionData('setSettings', [{ ...HUB_SETTINGS, freshnessWindow: 0 }]),
      );

      await expect(access.connect(admin1).execute(proposalId))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessExecutionFailed')
        .withArgs(proposalId, hubErrorData(hub, 'OracleHubInvalidSettings', []));
    });
  });

  describe('collusion', function () {
    it('never finalises on one oracle, however many observations it reports', async function () {
      const fixture = await load();
      const { hub, feedId, oracles } = fixture;
      const now = await time.latest();

      for (const seconds of [-40, -30, -20, -10, 0]) {
        await expect(report(hub, oracles[0], landed(feedId, 82, now + seconds))).not.to.emit(
          hub,
          'ObservationFinalised',
        );
      }
      expect(await hub.getReports(feedId)).to.have.lengthOf(1);
      expect((await hub.getFeed(feedId)).state).to.equal(FEED_STATE.Open);
      // Two more, independent oracles are what it takes.
      await expect(report(hub, oracles[1], landed(feedId, 82, now))).not.to.emit(hub, 'ObservationFinalised');
      await expect(report(hub, oracles[2], landed(feedId, 82, now))).to.emit(hub, 'ObservationFinalised');
    });

    it('never finalises on two colluding oracles when the quorum is 3', async function () {
      const fixture = await load();
      const { hub, feedId, oracles } = fixture;
      const now = await time.latest();

      for (const seconds of [-30, -20, -10, 0]) {
        for (const colluder of [oracles[0], oracles[1]]) {
          await expect(report(hub, colluder, landed(feedId, 250, now + seconds))).not.to.emit(
            hub,
            'ObservationFinalised',
          );
        }
      }
      expect(await hub.getReports(feedId)).to.have.lengthOf(2);
      expect((await hub.getFeed(feedId)).state).to.equal(FEED_STATE.Open);
      await expect(report(hub, oracles[2], landed(feedId, 250, now))).to.emit(hub, 'ObservationFinalised');
    });
  });
});
