import { expect } from 'chai';
import { flightFeedId, ObservationStatus } from '../../services/shared/eip712.js';
import type { ReinsuranceTreaty, RiskPool } from '../../types/ethers-contracts/index.js';
import {
  anchorSecondTreatyDocument,
  consentToWiring,
  countEvents,
  deployCapitalFixture,
  deployFreezablePoolFixture,
  deployReinsuredSecondPoolFixture,
  deploySecondPoolFixture,
  finaliseFlight,
  FREEZABLE_POOL_CAPITAL,
  fund,
  issueFlight,
  openDirect,
  proposeApproved,
  SECOND_POOL_CAPITAL,
  SECOND_TREATY_COLLATERAL,
  treatyTermsHash,
  type CapitalFixture,
  type FreezablePoolFixture,
} from '../helpers/capital.js';
import { ethers, networkHelpers, ROLES } from '../helpers/consortium.js';
import { anchorSigned, DOCUMENT_TYPE, POLICY_STATUS, usd } from '../helpers/parametric.js';

const loadFixture = networkHelpers.loadFixture.bind(networkHelpers);

/** Two accumulation keys: the flight feeds of two different flights. */
const FLIGHT = flightFeedId('BA', '196', 20261120);
const OTHER_FLIGHT = flightFeedId('LH', '400', 20261120);

/** Capital the parametric fixture deposits in the main pool, and collateral it posts to the main treaty. */
const POOL_CAPITAL = usd(200_000);
const TREATY_COLLATERAL = usd(100_000);

/** The data `ConsortiumAccessExecutionFailed` carries when the pool refuses a treaty. */
function invalidTreaty(pool: RiskPool, treaty: string): string {
  return pool.interface.encodeErrorResult('RiskPoolInvalidTreaty', [treaty]);
}

/** The data `ConsortiumAccessExecutionFailed` carries when a party has not consented to wiring `target`. */
function consentMissing(pool: RiskPool, target: string, party: string): string {
  return pool.interface.encodeErrorResult('RiskPoolConsentMissing', [target, party]);
}

/** An address with no code: the "product" two ADMINs would plug into a pool to drain it. */
const ROGUE_PRODUCT = ethers.getAddress(ethers.dataSlice(ethers.id('a product nobody consented to'), 12));

/** Opens a policy on `FLIGHT` paid and held by the client. */
async function openForClient(fixture: CapitalFixture, premium: bigint, maxPayout: bigint, key = FLIGHT) {
  return openDirect(fixture.pool, fixture.product, {
    payer: fixture.client,
    holder: fixture.client,
    accumulationKey: key,
    premium,
    maxPayout,
  });
}

/** Collateral the thinly reinsured second pool's treaty holds: less than one loss event costs it. */
const THIN_COLLATERAL = usd(100);

/**
 * The second pool with its treaty activated and attached but only 100 of collateral posted, and 1,000 more capital,
 * so that the pool can carry exposure the treaty cannot fully pay for.
 */
async function deployThinlyReinsuredSecondPoolFixture() {
  const fixture = await deploySecondPoolFixture();
  const { secondPool, secondTreaty, stablecoin, insurer, reinsurer, secondClient, govern } = fixture;
  const secondPoolAddress = await secondPool.getAddress();
  await (await stablecoin.connect(secondClient).approve(secondPoolAddress, ethers.MaxUint256)).wait();
  await (await secondTreaty.connect(reinsurer).activate(await anchorSecondTreatyDocument(fixture))).wait();
  await consentToWiring(secondPool, await secondTreaty.getAddress(), [insurer]);
  await govern(
    secondPoolAddress,
    secondPool.interface.encodeFunctionData('setTreaty', [await secondTreaty.getAddress()]),
  );
  await (await secondTreaty.connect(reinsurer).postCollateral(THIN_COLLATERAL)).wait();
  await fund(stablecoin, insurer, secondPoolAddress, usd(1_000));
  await (await secondPool.connect(insurer).depositCapital(usd(1_000))).wait();
  return fixture;
}

/** An address no test signer holds: where a frozen holder has its credit paid. */
const NAMED_ADDRESS = ethers.getAddress(ethers.dataSlice(ethers.id('the holder’s other wallet'), 12));

/** Premium and cancellation payout of each flight policy in the freezable pool. */
const FLIGHT_PREMIUM = usd(20);
const CANCELLATION_PAYOUT = usd(250);

/**
 * Three flight policies on BA196 in the freezable pool, held by the client, the second client and the third client,
 * each paying 250 on cancellation; returns their ids (in that order) and the feed.
 */
async function threeFlightPolicies(fixture: FreezablePoolFixture) {
  const holders = [fixture.client, fixture.secondClient, fixture.thirdClient] as const;
  const policyIds: bigint[] = [];
  let feedId = '';
  for (const [index, holder] of holders.entries()) {
    const issued = await issueFlight(fixture, holder, `BA196 policy ${index + 1} in the freezable pool`);
    policyIds.push(issued.policyId);
    feedId = issued.feedId;
  }
  return { policyIds, feedId };
}

/** Three policies on BA196 with the second holder frozen, settled by a cancellation: one credit of 250 owed. */
async function deployCreditOwedFixture() {
  const fixture = await deployFreezablePoolFixture();
  const { policyIds, feedId } = await threeFlightPolicies(fixture);
  await (await fixture.coin.setFrozen(fixture.secondClient.address, true)).wait();
  const settlement = await finaliseFlight(fixture, feedId, ObservationStatus.Cancelled);
  return { ...fixture, policyIds, feedId, settlement };
}

describe('RiskPool', function () {
  describe('depositCapital', function () {
    it('moves the insurer’s stablecoin into the pool and emits CapitalDeposited', async function () {
      const { pool, stablecoin, insurer } = await loadFixture(deployCapitalFixture);
      await fund(stablecoin, insurer, await pool.getAddress(), usd(5_000));

      const tx = pool.connect(insurer).depositCapital(usd(5_000));

      await expect(tx).to.emit(pool, 'CapitalDeposited').withArgs(insurer.address, usd(5_000));
      await expect(tx).to.changeTokenBalances(ethers, stablecoin, [insurer, pool], [-usd(5_000), usd(5_000)]);
      expect(await pool.assets()).to.equal(POOL_CAPITAL + usd(5_000));
    });

    it('reverts with RiskPoolNotInsurer for a reinsurer, a client, an auditor, an ADMIN and a stranger', async function () {
      const { pool, stablecoin, reinsurer, client, auditor, admin1, stranger } =
        await loadFixture(deployCapitalFixture);
      for (const caller of [reinsurer, client, auditor, admin1, stranger]) {
        await fund(stablecoin, caller, await pool.getAddress(), usd(100));
        await expect(pool.connect(caller).depositCapital(usd(100)))
          .to.be.revertedWithCustomError(pool, 'RiskPoolNotInsurer')
          .withArgs(caller.address);
      }
      expect(await pool.assets()).to.equal(POOL_CAPITAL);
    });

    it('reverts with RiskPoolNotInsurer for an active INSURER that is not the pool’s insurer', async function () {
      const { pool, stablecoin, secondInsurer } = await loadFixture(deployCapitalFixture);
      await fund(stablecoin, secondInsurer, await pool.getAddress(), usd(100));

      await expect(pool.connect(secondInsurer).depositCapital(usd(100)))
        .to.be.revertedWithCustomError(pool, 'RiskPoolNotInsurer')
        .withArgs(secondInsurer.address);
      expect(await pool.assets()).to.equal(POOL_CAPITAL);
    });

    it('reverts with RiskPoolNotInsurer for the pool’s insurer once deactivated', async function () {
      const { access, pool, stablecoin, insurer, govern } = await loadFixture(deployCapitalFixture);
      await govern(
        await access.getAddress(),
        access.interface.encodeFunctionData('setPartyActive', [insurer.address, false]),
      );
      await fund(stablecoin, insurer, await pool.getAddress(), usd(100));

      await expect(pool.connect(insurer).depositCapital(usd(100)))
        .to.be.revertedWithCustomError(pool, 'RiskPoolNotInsurer')
        .withArgs(insurer.address);
    });

    it('reverts with RiskPoolNotInsurer for the pool’s insurer once its INSURER role is revoked', async function () {
      const { access, pool, stablecoin, insurer, govern } = await loadFixture(deployCapitalFixture);
      await govern(
        await access.getAddress(),
        access.interface.encodeFunctionData('revokeRole', [ROLES.INSURER, insurer.address]),
      );
      await fund(stablecoin, insurer, await pool.getAddress(), usd(100));

      await expect(pool.connect(insurer).depositCapital(usd(100)))
        .to.be.revertedWithCustomError(pool, 'RiskPoolNotInsurer')
        .withArgs(insurer.address);
    });

    it('takes capital from the insurer the pool was deployed for, and only from it', async function () {
      const { access, stablecoin, insurer, secondInsurer } = await loadFixture(deployCapitalFixture);
      const otherPool: RiskPool = await ethers.deployContract('RiskPool', [
        await access.getAddress(),
        secondInsurer.address,
        await stablecoin.getAddress(),
        usd(1_000_000),
      ]);
      const otherPoolAddress = await otherPool.getAddress();
      await fund(stablecoin, secondInsurer, otherPoolAddress, usd(1_000));
      await fund(stablecoin, insurer, otherPoolAddress, usd(1_000));

      await expect(otherPool.connect(secondInsurer).depositCapital(usd(1_000)))
        .to.emit(otherPool, 'CapitalDeposited')
        .withArgs(secondInsurer.address, usd(1_000));
      await expect(otherPool.connect(insurer).depositCapital(usd(1_000)))
        .to.be.revertedWithCustomError(otherPool, 'RiskPoolNotInsurer')
        .withArgs(insurer.address);
      await expect(otherPool.connect(insurer).withdrawCapital(usd(1_000)))
        .to.be.revertedWithCustomError(otherPool, 'RiskPoolNotInsurer')
        .withArgs(insurer.address);
      await expect(otherPool.connect(secondInsurer).withdrawCapital(usd(1_000)))
        .to.emit(otherPool, 'CapitalWithdrawn')
        .withArgs(secondInsurer.address, usd(1_000));
      expect(await otherPool.assets()).to.equal(0);
    });

    it('reverts with RiskPoolInvalidAmount for zero', async function () {
      const { pool, insurer } = await loadFixture(deployCapitalFixture);
      await expect(pool.connect(insurer).depositCapital(0))
        .to.be.revertedWithCustomError(pool, 'RiskPoolInvalidAmount')
        .withArgs(0);
    });
  });

  describe('withdrawCapital', function () {
    it('pays the insurer and emits CapitalWithdrawn', async function () {
      const { pool, stablecoin, insurer } = await loadFixture(deployCapitalFixture);

      const tx = pool.connect(insurer).withdrawCapital(usd(50_000));

      await expect(tx).to.emit(pool, 'CapitalWithdrawn').withArgs(insurer.address, usd(50_000));
      await expect(tx).to.changeTokenBalances(ethers, stablecoin, [pool, insurer], [-usd(50_000), usd(50_000)]);
      expect(await pool.assets()).to.equal(POOL_CAPITAL - usd(50_000));
    });

    it('lets the insurer withdraw everything while nothing is locked', async function () {
      const { pool, insurer } = await loadFixture(deployCapitalFixture);
      await (await pool.connect(insurer).withdrawCapital(POOL_CAPITAL)).wait();
      expect(await pool.assets()).to.equal(0);
    });

    it('reverts with RiskPoolNotInsurer for anyone but the pool’s insurer, another INSURER included', async function () {
      const { pool, reinsurer, client, admin1, stranger, secondInsurer } = await loadFixture(deployCapitalFixture);
      for (const caller of [reinsurer, client, admin1, stranger, secondInsurer]) {
        await expect(pool.connect(caller).withdrawCapital(usd(1)))
          .to.be.revertedWithCustomError(pool, 'RiskPoolNotInsurer')
          .withArgs(caller.address);
      }
      expect(await pool.assets()).to.equal(POOL_CAPITAL);
    });

    it('reverts with RiskPoolNotInsurer for the pool’s insurer once deactivated', async function () {
      const { access, pool, insurer, govern } = await loadFixture(deployCapitalFixture);
      await govern(
        await access.getAddress(),
        access.interface.encodeFunctionData('setPartyActive', [insurer.address, false]),
      );

      await expect(pool.connect(insurer).withdrawCapital(usd(1)))
        .to.be.revertedWithCustomError(pool, 'RiskPoolNotInsurer')
        .withArgs(insurer.address);
      expect(await pool.assets()).to.equal(POOL_CAPITAL);
    });

    it('reverts with RiskPoolInvalidAmount for zero and for more than the pool holds', async function () {
      const { pool, insurer } = await loadFixture(deployCapitalFixture);
      await expect(pool.connect(insurer).withdrawCapital(0))
        .to.be.revertedWithCustomError(pool, 'RiskPoolInvalidAmount')
        .withArgs(0);
      await expect(pool.connect(insurer).withdrawCapital(POOL_CAPITAL + 1n))
        .to.be.revertedWithCustomError(pool, 'RiskPoolInvalidAmount')
        .withArgs(POOL_CAPITAL + 1n);
    });

    it('reverts with RiskPoolInsolvent(liabilities, assets, capacity) one unit beyond what solvency allows', async function () {
      const fixture = await loadFixture(deployCapitalFixture);
      const { pool, insurer } = fixture;
      // Premium 1,000: 300 ceded less 60 commission leaves the pool 760. Locked 100,000 plus the reserved premium
      // of 1,000; the treaty lends min(collateral 100,000, 30 % of 100,000) = 30,000 on the locked exposure only,
      // so the pool must keep 101,000 - 30,000 = 71,000 of its 200,760.
      await openForClient(fixture, usd(1_000), usd(100_000));
      expect(await pool.assets()).to.equal(usd(200_760));
      expect(await pool.premiumReserve()).to.equal(usd(1_000));
      expect(await pool.reinsuranceCapacity()).to.equal(usd(30_000));

      await expect(pool.connect(insurer).withdrawCapital(usd(129_760) + 1n))
        .to.be.revertedWithCustomError(pool, 'RiskPoolInsolvent')
        .withArgs(usd(101_000), usd(71_000) - 1n, usd(30_000));

      await expect(pool.connect(insurer).withdrawCapital(usd(129_760)))
        .to.emit(pool, 'CapitalWithdrawn')
        .withArgs(insurer.address, usd(129_760));
      expect(await pool.assets()).to.equal(usd(71_000));
      expect(await pool.totalLocked()).to.equal(usd(100_000));
      expect(await pool.premiumReserve()).to.equal(usd(1_000));
    });

    it('counts the premium reserve as a liability no reinsurance covers', async function () {
      const fixture = await loadFixture(deployCapitalFixture);
      const { pool, insurer } = fixture;
      await openForClient(fixture, usd(1_000), usd(100_000));
      // Under the old rule (locked <= assets + capacity) the insurer could have taken 130,760; the reserved
      // premium of 1,000 now has to stay, without reinsurance: 101,000 > 70,000 + 30,000.
      await expect(pool.connect(insurer).withdrawCapital(usd(130_760)))
        .to.be.revertedWithCustomError(pool, 'RiskPoolInsolvent')
        .withArgs(usd(101_000), usd(70_000), usd(30_000));
      expect(await pool.assets()).to.equal(usd(200_760));
    });

    it('keeps the premium reserve in a pool without a treaty', async function () {
      const fixture = await loadFixture(deploySecondPoolFixture);
      const { secondPool, product, client, insurer } = fixture;
      // 1,000 of capital and a premium of 100: assets 1,100, liabilities 500 locked + 100 reserved.
      await openDirect(secondPool, product, {
        payer: client,
        holder: client,
        accumulationKey: FLIGHT,
        premium: usd(100),
        maxPayout: usd(500),
      });
      expect(await secondPool.premiumReserve()).to.equal(usd(100));

      await expect(secondPool.connect(insurer).withdrawCapital(usd(500) + 1n))
        .to.be.revertedWithCustomError(secondPool, 'RiskPoolInsolvent')
        .withArgs(usd(600), usd(600) - 1n, 0);
      await expect(secondPool.connect(insurer).withdrawCapital(usd(500)))
        .to.emit(secondPool, 'CapitalWithdrawn')
        .withArgs(insurer.address, usd(500));
      expect(await secondPool.assets()).to.equal(usd(600));
    });
  });

  describe('openPolicy', function () {
    it('reverts with RiskPoolUnknownProduct for a caller that is not an allowed product', async function () {
      const { pool, insurer, client, stranger } = await loadFixture(deployCapitalFixture);
      for (const caller of [insurer, stranger]) {
        await expect(pool.connect(caller).openPolicy(client.address, client.address, FLIGHT, usd(10), usd(100)))
          .to.be.revertedWithCustomError(pool, 'RiskPoolUnknownProduct')
          .withArgs(caller.address);
      }
      expect(await pool.policyCount()).to.equal(0);
    });

    it('pulls the premium from the payer, cedes its share and emits PolicyOpened', async function () {
      const { pool, treaty, stablecoin, product, client, secondClient } = await loadFixture(deployCapitalFixture);
      await (await stablecoin.connect(secondClient).approve(await pool.getAddress(), usd(100))).wait();

      // The second client pays for a policy the client holds. Premium 100: 30 ceded, 6 commission kept.
      const tx = pool.connect(product).openPolicy(secondClient.address, client.address, FLIGHT, usd(100), usd(500));

      await expect(tx)
        .to.emit(pool, 'PolicyOpened')
        .withArgs(1, product.address, client.address, FLIGHT, usd(100), usd(500));
      await expect(tx).to.changeTokenBalances(
        ethers,
        stablecoin,
        [secondClient, client, pool, treaty],
        [-usd(100), 0, usd(76), usd(24)],
      );
    });

    it('reserves each policy’s whole premium, the ceded share included, until the policy closes', async function () {
      const fixture = await loadFixture(deployCapitalFixture);
      const { pool } = fixture;
      expect(await pool.premiumReserve()).to.equal(0);
      await openForClient(fixture, usd(100), usd(500), FLIGHT);
      expect(await pool.premiumReserve()).to.equal(usd(100));
      await openForClient(fixture, usd(25), usd(300), OTHER_FLIGHT);
      expect(await pool.premiumReserve()).to.equal(usd(125));
      // The pool holds only 76 % of the premiums; the reserve counts them in full.
      expect(await pool.assets()).to.equal(POOL_CAPITAL + usd(95));
    });

    it('numbers policies 1, 2, 3 and returns the id', async function () {
      const fixture = await loadFixture(deployCapitalFixture);
      const ids: bigint[] = [];
      for (let i = 0; i < 3; ++i) {
        const { policyId, tx } = await openForClient(fixture, usd(10), usd(100));
        await expect(tx)
          .to.emit(fixture.pool, 'PolicyOpened')
          .withArgs(policyId, fixture.product.address, fixture.client.address, FLIGHT, usd(10), usd(100));
        ids.push(policyId);
      }
      expect(ids).to.deep.equal([1n, 2n, 3n]);
      expect(await fixture.pool.policyCount()).to.equal(3);
    });

    it('adds each policy’s maximum payout to its accumulation key and to the total locked', async function () {
      const fixture = await loadFixture(deployCapitalFixture);
      const { pool } = fixture;
      await openForClient(fixture, usd(10), usd(500), FLIGHT);
      await openForClient(fixture, usd(10), usd(300), OTHER_FLIGHT);
      await openForClient(fixture, usd(10), usd(200), FLIGHT);

      expect(await pool.exposure(FLIGHT)).to.equal(usd(700));
      expect(await pool.exposure(OTHER_FLIGHT)).to.equal(usd(300));
      expect(await pool.totalLocked()).to.equal(usd(1_000));
      expect(await pool.premiumReserve()).to.equal(usd(30));
      // The treaty lends 30 % of the locked exposure, well within its collateral.
      expect(await pool.reinsuranceCapacity()).to.equal(usd(300));
    });

    it('reverts with RiskPoolAccumulationCapExceeded(key, exposure, cap) above the cap of one key only', async function () {
      const fixture = await loadFixture(deployCapitalFixture);
      const { pool, product, client, govern } = fixture;
      await govern(await pool.getAddress(), pool.interface.encodeFunctionData('setAccumulationCap', [usd(1_000)]));
      await openForClient(fixture, usd(10), usd(600), FLIGHT);

      await expect(pool.connect(product).openPolicy(client.address, client.address, FLIGHT, usd(10), usd(500)))
        .to.be.revertedWithCustomError(pool, 'RiskPoolAccumulationCapExceeded')
        .withArgs(FLIGHT, usd(1_100), usd(1_000));
      await expect(pool.connect(product).openPolicy(client.address, client.address, FLIGHT, usd(10), usd(400) + 1n))
        .to.be.revertedWithCustomError(pool, 'RiskPoolAccumulationCapExceeded')
        .withArgs(FLIGHT, usd(1_000) + 1n, usd(1_000));

      // Up to the cap exactly is fine, and another flight has its own cap.
      await openForClient(fixture, usd(10), usd(400), FLIGHT);
      await openForClient(fixture, usd(10), usd(1_000), OTHER_FLIGHT);
      expect(await pool.exposure(FLIGHT)).to.equal(usd(1_000));
      expect(await pool.exposure(OTHER_FLIGHT)).to.equal(usd(1_000));
      expect(await pool.policyCount()).to.equal(3);
    });

    it('reverts with RiskPoolInsolvent(liabilities, assets, 0) when a pool without a treaty would owe more than it holds', async function () {
      const { secondPool, product, client } = await loadFixture(deploySecondPoolFixture);
      // 1,000 of capital and a premium of 100: the pool holds 1,100, of which the premium stays reserved, so it may
      // lock 1,000 and no more.
      await expect(secondPool.connect(product).openPolicy(client.address, client.address, FLIGHT, usd(100), usd(1_500)))
        .to.be.revertedWithCustomError(secondPool, 'RiskPoolInsolvent')
        .withArgs(usd(1_600), usd(1_100), 0);
      await expect(
        secondPool.connect(product).openPolicy(client.address, client.address, FLIGHT, usd(100), usd(1_000) + 1n),
      )
        .to.be.revertedWithCustomError(secondPool, 'RiskPoolInsolvent')
        .withArgs(usd(1_100) + 1n, usd(1_100), 0);
      await (
        await secondPool.connect(product).openPolicy(client.address, client.address, FLIGHT, usd(100), usd(1_000))
      ).wait();
      expect(await secondPool.totalLocked()).to.equal(usd(1_000));
      expect(await secondPool.premiumReserve()).to.equal(usd(100));
    });

    it('locks beyond its assets when the treaty’s quota share capacity covers the rest', async function () {
      const { secondPool, secondTreaty, product, client } = await loadFixture(deployReinsuredSecondPoolFixture);
      // Premium 100 leaves the pool 76 after the cession: assets 1,076. Locking 1,300 with 100 reserved needs 324
      // more; the treaty lends 30 % of 1,300 = 390.
      await expect(
        secondPool.connect(product).openPolicy(client.address, client.address, FLIGHT, usd(100), usd(1_300)),
      ).to.emit(secondPool, 'PolicyOpened');
      expect(await secondPool.assets()).to.equal(usd(1_076));
      expect(await secondPool.totalLocked()).to.equal(usd(1_300));
      expect(await secondPool.premiumReserve()).to.equal(usd(100));
      expect(await secondPool.reinsuranceCapacity()).to.equal(usd(390));
      expect(await secondTreaty.solvencyCapacity(usd(1_300))).to.equal(usd(390));
    });

    it('reverts with RiskPoolInsolvent(liabilities, assets, capacity) one unit beyond assets plus quota share', async function () {
      const { secondPool, product, client } = await loadFixture(deployReinsuredSecondPoolFixture);
      // L + 100 <= 1,076 + floor(0.3 L) holds up to L = 1,394.285714 (with equality).
      const limit = 1_394_285_714n;
      await expect(secondPool.connect(product).openPolicy(client.address, client.address, FLIGHT, usd(100), limit + 1n))
        .to.be.revertedWithCustomError(secondPool, 'RiskPoolInsolvent')
        .withArgs(limit + 1n + usd(100), usd(1_076), 418_285_714n);
      await expect(
        secondPool.connect(product).openPolicy(client.address, client.address, FLIGHT, usd(100), limit),
      ).to.emit(secondPool, 'PolicyOpened');
      expect(await secondPool.totalLocked()).to.equal(limit);
      expect((await secondPool.totalLocked()) + (await secondPool.premiumReserve())).to.equal(
        (await secondPool.assets()) + (await secondPool.reinsuranceCapacity()),
      );
    });

    it('counts no more reinsurance capacity than the treaty’s collateral', async function () {
      const { secondPool, secondTreaty, product, client, reinsurer } = await loadFixture(
        deployReinsuredSecondPoolFixture,
      );
      // Nothing is locked yet, so the reinsurer may take back all but 200.
      await (await secondTreaty.connect(reinsurer).withdrawCollateral(SECOND_TREATY_COLLATERAL - usd(200))).wait();

      await expect(secondPool.connect(product).openPolicy(client.address, client.address, FLIGHT, usd(100), usd(1_500)))
        .to.be.revertedWithCustomError(secondPool, 'RiskPoolInsolvent')
        .withArgs(usd(1_600), usd(1_076), usd(200));
      // 1,176 locked + 100 reserved = 1,076 + 200 exactly; one unit more does not fit.
      await expect(
        secondPool.connect(product).openPolicy(client.address, client.address, FLIGHT, usd(100), usd(1_176) + 1n),
      )
        .to.be.revertedWithCustomError(secondPool, 'RiskPoolInsolvent')
        .withArgs(usd(1_276) + 1n, usd(1_076), usd(200));
      await (
        await secondPool.connect(product).openPolicy(client.address, client.address, FLIGHT, usd(100), usd(1_176))
      ).wait();
      expect(await secondPool.reinsuranceCapacity()).to.equal(usd(200));
    });
  });

  describe('settle', function () {
    /** Three policies on one flight: 500 and 300 held by the client, 400 by the second client. */
    async function threePolicies(fixture: CapitalFixture, pool: RiskPool = fixture.pool) {
      const { product, client, secondClient } = fixture;
      const open = (holder: typeof client, maxPayout: bigint) =>
        openDirect(pool, product, { payer: holder, holder, accumulationKey: FLIGHT, premium: usd(10), maxPayout });
      return [
        (await open(client, usd(500))).policyId,
        (await open(secondClient, usd(400))).policyId,
        (await open(client, usd(300))).policyId,
      ] as const;
    }

    it('pays each holder its gross, moves the recovery in and emits ClaimsSettled', async function () {
      const fixture = await loadFixture(deployCapitalFixture);
      const { pool, treaty, stablecoin, product, client, secondClient } = fixture;
      const [first, second, third] = await threePolicies(fixture);
      expect(await pool.premiumReserve()).to.equal(usd(30));

      const tx = await pool.connect(product).settle(FLIGHT, FLIGHT, [
        { policyId: first, holder: client.address, gross: usd(200), locked: usd(500), premium: usd(10) },
        { policyId: second, holder: secondClient.address, gross: 0, locked: usd(400), premium: usd(10) },
        { policyId: third, holder: client.address, gross: usd(300), locked: usd(300), premium: usd(10) },
      ]);

      // 30 % of 200 and of 300 is recovered; the event's retention (350) stays below the 2,000 attachment.
      await expect(tx)
        .to.emit(pool, 'ClaimsSettled')
        .withArgs(FLIGHT, product.address, 3, usd(500), usd(150), usd(1_200));
      await expect(tx).to.changeTokenBalances(
        ethers,
        stablecoin,
        [client, secondClient, pool, treaty],
        [usd(500), 0, -usd(350), -usd(150)],
      );
      await expect(tx).to.emit(treaty, 'LossCeded').withArgs(first, FLIGHT, usd(200), usd(60), 0, usd(140));
      await expect(tx).to.emit(treaty, 'LossCeded').withArgs(third, FLIGHT, usd(300), usd(90), 0, usd(210));
      expect(await countEvents(treaty, tx, 'LossCeded')).to.equal(2);
      expect(await pool.exposure(FLIGHT)).to.equal(0);
      expect(await pool.totalLocked()).to.equal(0);
      expect(await pool.premiumReserve()).to.equal(0);
      expect(await treaty.collateral()).to.equal(TREATY_COLLATERAL - usd(150));
    });

    it('cedes the whole batch to the treaty in one cession', async function () {
      const fixture = await loadFixture(deployThinlyReinsuredSecondPoolFixture);
      const { secondPool, secondTreaty, stablecoin, product, client } = fixture;
      const [first, , third] = await threePolicies(fixture, secondPool);
      // With only 100 of collateral and 7.20 of premium held (2.40 on each of three premiums of 10), one cession of
      // the batch owes 150 and reports one shortfall.
      expect(await secondTreaty.collateral()).to.equal(THIN_COLLATERAL);
      expect(await secondTreaty.premiumBalance()).to.equal(usd(7.2));

      const tx = await secondPool.connect(product).settle(FLIGHT, FLIGHT, [
        { policyId: first, holder: client.address, gross: usd(200), locked: usd(500), premium: usd(10) },
        { policyId: third, holder: client.address, gross: usd(300), locked: usd(300), premium: usd(10) },
      ]);

      await expect(tx).to.emit(secondTreaty, 'CollateralShortfall').withArgs(FLIGHT, usd(150), usd(107.2));
      expect(await countEvents(secondTreaty, tx, 'CollateralShortfall')).to.equal(1);
      expect(await countEvents(secondTreaty, tx, 'LossCeded')).to.equal(2);
      await expect(tx)
        .to.emit(secondPool, 'ClaimsSettled')
        .withArgs(FLIGHT, product.address, 2, usd(500), usd(107.2), usd(800));
      await expect(tx).to.changeTokenBalances(
        ethers,
        stablecoin,
        [client, secondPool, secondTreaty],
        [usd(500), -usd(392.8), -usd(107.2)],
      );
      expect(await secondPool.exposure(FLIGHT)).to.equal(usd(400));
      expect(await secondPool.premiumReserve()).to.equal(usd(10));
      expect(await secondTreaty.collateral()).to.equal(0);
      expect(await secondTreaty.premiumBalance()).to.equal(0);
      expect(await secondTreaty.outstandingShortfall()).to.equal(usd(42.8));
    });

    it('only releases collateral for policies that expire untriggered', async function () {
      const fixture = await loadFixture(deployCapitalFixture);
      const { pool, treaty, stablecoin, product, client, secondClient } = fixture;
      const [first, second] = await threePolicies(fixture);
      await openForClient(fixture, usd(10), usd(250), OTHER_FLIGHT);

      const tx = await pool.connect(product).settle(FLIGHT, FLIGHT, [
        { policyId: first, holder: client.address, gross: 0, locked: usd(500), premium: usd(10) },
        { policyId: second, holder: secondClient.address, gross: 0, locked: usd(400), premium: usd(10) },
      ]);

      await expect(tx).to.emit(pool, 'ClaimsSettled').withArgs(FLIGHT, product.address, 2, 0, 0, usd(900));
      await expect(tx).not.to.emit(treaty, 'LossCeded');
      await expect(tx).to.changeTokenBalances(ethers, stablecoin, [client, secondClient, pool, treaty], [0, 0, 0, 0]);
      // The third policy on the flight and the other flight stay locked.
      expect(await pool.exposure(FLIGHT)).to.equal(usd(300));
      expect(await pool.exposure(OTHER_FLIGHT)).to.equal(usd(250));
      expect(await pool.totalLocked()).to.equal(usd(550));
      // Only the two settled policies' premiums are released: 10 + 10 of 40.
      expect(await pool.premiumReserve()).to.equal(usd(20));
    });

    it('reverts with RiskPoolUnknownProduct for a caller that is not an allowed product', async function () {
      const fixture = await loadFixture(deployCapitalFixture);
      const { pool, client, insurer } = fixture;
      const [first] = await threePolicies(fixture);
      await expect(
        pool
          .connect(insurer)
          .settle(FLIGHT, FLIGHT, [
            { policyId: first, holder: client.address, gross: usd(500), locked: usd(500), premium: usd(10) },
          ]),
      )
        .to.be.revertedWithCustomError(pool, 'RiskPoolUnknownProduct')
        .withArgs(insurer.address);
    });
  });

  describe('refund', function () {
    it('refunds the holder, takes back the treaty’s ceded share and emits PremiumRefunded', async function () {
      const fixture = await loadFixture(deployCapitalFixture);
      const { pool, treaty, stablecoin, product, client } = fixture;
      const { policyId } = await openForClient(fixture, usd(100), usd(500));
      expect(await treaty.premiumBalance()).to.equal(usd(24));
      expect(await pool.premiumReserve()).to.equal(usd(100));

      // Refund 90 of the premium of 100: the treaty returns 30 % of it less the 20 % commission, 21.6.
      const tx = pool.connect(product).refund(policyId, client.address, FLIGHT, usd(90), usd(500), usd(100));

      await expect(tx).to.emit(pool, 'PremiumRefunded').withArgs(policyId, client.address, usd(90), usd(500));
      await expect(tx).to.emit(treaty, 'PremiumReturned').withArgs(policyId, usd(90), usd(21.6));
      await expect(tx).to.changeTokenBalances(
        ethers,
        stablecoin,
        [client, pool, treaty],
        [usd(90), -usd(68.4), -usd(21.6)],
      );
      expect(await treaty.premiumBalance()).to.equal(usd(2.4));
      expect(await pool.exposure(FLIGHT)).to.equal(0);
      expect(await pool.totalLocked()).to.equal(0);
      // The whole premium leaves the reserve, the 10 kept included.
      expect(await pool.premiumReserve()).to.equal(0);
    });

    it('only releases the collateral when nothing is refunded', async function () {
      const fixture = await loadFixture(deployCapitalFixture);
      const { pool, treaty, stablecoin, product, client } = fixture;
      const { policyId } = await openForClient(fixture, usd(100), usd(500));

      const tx = pool.connect(product).refund(policyId, client.address, FLIGHT, 0, usd(500), usd(100));

      await expect(tx).to.emit(pool, 'PremiumRefunded').withArgs(policyId, client.address, 0, usd(500));
      await expect(tx).not.to.emit(treaty, 'PremiumReturned');
      await expect(tx).to.changeTokenBalances(ethers, stablecoin, [client, pool, treaty], [0, 0, 0]);
      expect(await pool.totalLocked()).to.equal(0);
      expect(await pool.premiumReserve()).to.equal(0);
    });

    it('releases only the refunded policy’s premium from the reserve', async function () {
      const fixture = await loadFixture(deployCapitalFixture);
      const { pool, product, client } = fixture;
      const { policyId } = await openForClient(fixture, usd(100), usd(500));
      await openForClient(fixture, usd(40), usd(200), OTHER_FLIGHT);
      expect(await pool.premiumReserve()).to.equal(usd(140));

      await (await pool.connect(product).refund(policyId, client.address, FLIGHT, usd(100), usd(500), usd(100))).wait();

      expect(await pool.premiumReserve()).to.equal(usd(40));
      expect(await pool.totalLocked()).to.equal(usd(200));
    });

    it('reverts with RiskPoolInvalidAmount(refund) for a refund above the premium', async function () {
      const fixture = await loadFixture(deployCapitalFixture);
      const { pool, stablecoin, product, client } = fixture;
      const { policyId } = await openForClient(fixture, usd(100), usd(500));
      const clientBefore = await stablecoin.balanceOf(client.address);

      await expect(pool.connect(product).refund(policyId, client.address, FLIGHT, usd(100) + 1n, usd(500), usd(100)))
        .to.be.revertedWithCustomError(pool, 'RiskPoolInvalidAmount')
        .withArgs(usd(100) + 1n);
      expect(await stablecoin.balanceOf(client.address)).to.equal(clientBefore);
      expect(await pool.totalLocked()).to.equal(usd(500));
      expect(await pool.premiumReserve()).to.equal(usd(100));

      // The whole premium, and no more, may be refunded.
      await expect(pool.connect(product).refund(policyId, client.address, FLIGHT, usd(100), usd(500), usd(100)))
        .to.emit(pool, 'PremiumRefunded')
        .withArgs(policyId, client.address, usd(100), usd(500));
    });

    it('can always pay a cancellation refund, even after the insurer withdrew all the capital it could', async function () {
      const fixture = await loadFixture(deploySecondPoolFixture);
      const { access, registry, secondPool, secondTreatyTerms, stablecoin, product, client, insurer, reinsurer } =
        fixture;
      const { govern } = fixture;
      // A 90 % quota share treaty lends 90 % of the locked exposure, so the pool itself keeps little cash.
      const terms = { ...secondTreatyTerms, quotaShareBps: 9_000 };
      const heavy: ReinsuranceTreaty = await ethers.deployContract('ReinsuranceTreaty', [
        await access.getAddress(),
        await registry.getAddress(),
        terms,
      ]);
      const heavyAddress = await heavy.getAddress();
      await (
        await heavy
          .connect(reinsurer)
          .activate(
            await anchorSigned(
              registry,
              insurer,
              '90 % quota share treaty',
              treatyTermsHash(terms),
              DOCUMENT_TYPE.Treaty,
              [insurer, reinsurer],
            ),
          )
      ).wait();
      const poolAddress = await secondPool.getAddress();
      await consentToWiring(secondPool, heavyAddress, [insurer]);
      await govern(poolAddress, secondPool.interface.encodeFunctionData('setTreaty', [heavyAddress]));
      await fund(stablecoin, reinsurer, heavyAddress, SECOND_TREATY_COLLATERAL);
      await (await heavy.connect(reinsurer).postCollateral(SECOND_TREATY_COLLATERAL)).wait();

      // Premium 100 on a payout of 100: 90 ceded less an 18 commission, so the pool keeps 28 of it. A second policy
      // stays open throughout.
      const open = (premium: bigint, maxPayout: bigint, key: string) =>
        openDirect(secondPool, product, { payer: client, holder: client, accumulationKey: key, premium, maxPayout });
      const { policyId } = await open(usd(100), usd(100), FLIGHT);
      await open(usd(50), usd(500), OTHER_FLIGHT);
      // Assets 1,000 + 28 + 14 = 1,042; liabilities 600 locked + 150 reserved; capacity 90 % of 600 = 540.
      expect(await secondPool.assets()).to.equal(usd(1_042));
      expect(await secondPool.premiumReserve()).to.equal(usd(150));
      expect(await secondPool.reinsuranceCapacity()).to.equal(usd(540));

      // The insurer takes out everything the solvency rule allows: the pool keeps 750 - 540 = 210.
      await expect(secondPool.connect(insurer).withdrawCapital(usd(832) + 1n))
        .to.be.revertedWithCustomError(secondPool, 'RiskPoolInsolvent')
        .withArgs(usd(750), usd(210) - 1n, usd(540));
      await (await secondPool.connect(insurer).withdrawCapital(usd(832))).wait();
      expect(await secondPool.assets()).to.equal(usd(210));

      // The policy is cancelled with its whole premium refunded: the treaty returns its 72 first, the pool pays 100.
      const tx = secondPool.connect(product).refund(policyId, client.address, FLIGHT, usd(100), usd(100), usd(100));
      await expect(tx).to.emit(secondPool, 'PremiumRefunded').withArgs(policyId, client.address, usd(100), usd(100));
      await expect(tx).to.emit(heavy, 'PremiumReturned').withArgs(policyId, usd(100), usd(72));
      await expect(tx).to.changeTokenBalances(
        ethers,
        stablecoin,
        [client, secondPool, heavy],
        [usd(100), -usd(28), -usd(72)],
      );

      // The pool stays solvent: 500 locked + 50 reserved <= 182 + 450.
      expect(await secondPool.assets()).to.equal(usd(182));
      expect(await secondPool.totalLocked()).to.equal(usd(500));
      expect(await secondPool.premiumReserve()).to.equal(usd(50));
      expect(await secondPool.reinsuranceCapacity()).to.equal(usd(450));
      expect((await secondPool.totalLocked()) + (await secondPool.premiumReserve())).to.be.at.most(
        (await secondPool.assets()) + (await secondPool.reinsuranceCapacity()),
      );
    });

    it('reverts with RiskPoolUnknownProduct for a caller that is not an allowed product', async function () {
      const fixture = await loadFixture(deployCapitalFixture);
      const { pool, client } = fixture;
      const { policyId } = await openForClient(fixture, usd(100), usd(500));
      await expect(pool.connect(client).refund(policyId, client.address, FLIGHT, usd(100), usd(500), usd(100)))
        .to.be.revertedWithCustomError(pool, 'RiskPoolUnknownProduct')
        .withArgs(client.address);
    });
  });

  describe('settings', function () {
    it('reverts with ConsortiumGovernedDualControlRequired when called directly, even by an ADMIN', async function () {
      const { pool, treaty, admin1, insurer, product } = await loadFixture(deployCapitalFixture);
      for (const caller of [admin1, insurer]) {
        await expect(pool.connect(caller).setProduct(caller.address, true))
          .to.be.revertedWithCustomError(pool, 'ConsortiumGovernedDualControlRequired')
          .withArgs(caller.address);
        await expect(pool.connect(caller).setAccumulationCap(usd(1)))
          .to.be.revertedWithCustomError(pool, 'ConsortiumGovernedDualControlRequired')
          .withArgs(caller.address);
        await expect(pool.connect(caller).setTreaty(await treaty.getAddress()))
          .to.be.revertedWithCustomError(pool, 'ConsortiumGovernedDualControlRequired')
          .withArgs(caller.address);
      }
      expect(await pool.isProduct(product.address)).to.equal(true);
      expect(await pool.isProduct(admin1.address)).to.equal(false);
    });

    it('setProduct allows and disallows a product through dual control and emits ProductSet', async function () {
      const fixture = await loadFixture(deployCapitalFixture);
      const { access, pool, product, client } = fixture;
      const proposalId = await proposeApproved(
        fixture,
        await pool.getAddress(),
        pool.interface.encodeFunctionData('setProduct', [product.address, false]),
      );

      await expect(access.connect(fixture.admin1).execute(proposalId))
        .to.emit(pool, 'ProductSet')
        .withArgs(product.address, false);

      expect(await pool.isProduct(product.address)).to.equal(false);
      await expect(pool.connect(product).openPolicy(client.address, client.address, FLIGHT, usd(10), usd(100)))
        .to.be.revertedWithCustomError(pool, 'RiskPoolUnknownProduct')
        .withArgs(product.address);
    });

    it('setAccumulationCap changes the cap through dual control and emits AccumulationCapSet', async function () {
      const fixture = await loadFixture(deployCapitalFixture);
      const { access, pool, product, client } = fixture;
      const proposalId = await proposeApproved(
        fixture,
        await pool.getAddress(),
        pool.interface.encodeFunctionData('setAccumulationCap', [usd(250)]),
      );

      await expect(access.connect(fixture.admin1).execute(proposalId))
        .to.emit(pool, 'AccumulationCapSet')
        .withArgs(usd(250));

      expect(await pool.accumulationCap()).to.equal(usd(250));
      await expect(pool.connect(product).openPolicy(client.address, client.address, FLIGHT, usd(10), usd(251)))
        .to.be.revertedWithCustomError(pool, 'RiskPoolAccumulationCapExceeded')
        .withArgs(FLIGHT, usd(251), usd(250));
    });

    it('setTreaty attaches an active treaty written for the pool and emits TreatySet', async function () {
      const fixture = await loadFixture(deploySecondPoolFixture);
      const { access, secondPool, secondTreaty, stablecoin, insurer, reinsurer } = fixture;
      const treatyAddress = await secondTreaty.getAddress();
      await (await secondTreaty.connect(reinsurer).activate(await anchorSecondTreatyDocument(fixture))).wait();
      await consentToWiring(secondPool, treatyAddress, [insurer]);
      const proposalId = await proposeApproved(
        fixture,
        await secondPool.getAddress(),
        secondPool.interface.encodeFunctionData('setTreaty', [treatyAddress]),
      );

      await expect(access.connect(fixture.admin1).execute(proposalId))
        .to.emit(secondPool, 'TreatySet')
        .withArgs(treatyAddress);

      expect(await secondPool.treaty()).to.equal(treatyAddress);
      // The treaty pulls ceded premiums from the pool.
      expect(await stablecoin.allowance(await secondPool.getAddress(), treatyAddress)).to.equal(ethers.MaxUint256);
      expect(await secondPool.assets()).to.equal(SECOND_POOL_CAPITAL);
    });

    it('setTreaty rejects a second treaty (RiskPoolInvalidTreaty inside ConsortiumAccessExecutionFailed)', async function () {
      const fixture = await loadFixture(deployCapitalFixture);
      const { access, registry, pool, treaty, insurer, reinsurer } = fixture;
      const terms = { ...fixture.treatyTerms, excessOfLossAttachment: usd(3_000) };
      const replacement = await ethers.deployContract('ReinsuranceTreaty', [
        await access.getAddress(),
        await registry.getAddress(),
        terms,
      ]);
      await (
        await replacement
          .connect(reinsurer)
          .activate(
            await anchorSigned(registry, insurer, 'Replacement treaty', treatyTermsHash(terms), DOCUMENT_TYPE.Treaty, [
              insurer,
              reinsurer,
            ]),
          )
      ).wait();
      const replacementAddress = await replacement.getAddress();
      const proposalId = await proposeApproved(
        fixture,
        await pool.getAddress(),
        pool.interface.encodeFunctionData('setTreaty', [replacementAddress]),
      );

      await expect(access.connect(fixture.admin1).execute(proposalId))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessExecutionFailed')
        .withArgs(proposalId, invalidTreaty(pool, replacementAddress));
      expect(await pool.treaty()).to.equal(await treaty.getAddress());
    });

    it('setTreaty rejects a treaty once policies have been written', async function () {
      const fixture = await loadFixture(deploySecondPoolFixture);
      const { access, secondPool, secondTreaty, product, client, reinsurer } = fixture;
      await (
        await secondPool.connect(product).openPolicy(client.address, client.address, FLIGHT, usd(10), usd(500))
      ).wait();
      await (await secondTreaty.connect(reinsurer).activate(await anchorSecondTreatyDocument(fixture))).wait();
      const treatyAddress = await secondTreaty.getAddress();
      const proposalId = await proposeApproved(
        fixture,
        await secondPool.getAddress(),
        secondPool.interface.encodeFunctionData('setTreaty', [treatyAddress]),
      );

      await expect(access.connect(fixture.admin1).execute(proposalId))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessExecutionFailed')
        .withArgs(proposalId, invalidTreaty(secondPool, treatyAddress));
      expect(await secondPool.treaty()).to.equal(ethers.ZeroAddress);
    });

    it('setTreaty rejects a treaty that is not active', async function () {
      const fixture = await loadFixture(deploySecondPoolFixture);
      const { access, secondPool, secondTreaty } = fixture;
      const treatyAddress = await secondTreaty.getAddress();
      expect(await secondTreaty.isActive()).to.equal(false);
      const proposalId = await proposeApproved(
        fixture,
        await secondPool.getAddress(),
        secondPool.interface.encodeFunctionData('setTreaty', [treatyAddress]),
      );

      await expect(access.connect(fixture.admin1).execute(proposalId))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessExecutionFailed')
        .withArgs(proposalId, invalidTreaty(secondPool, treatyAddress));
      expect(await secondPool.treaty()).to.equal(ethers.ZeroAddress);
    });

    it('setTreaty rejects an active treaty written for another pool', async function () {
      const fixture = await loadFixture(deploySecondPoolFixture);
      const { access, secondPool, treaty } = fixture;
      // The main treaty is active, but its terms name the main pool.
      const treatyAddress = await treaty.getAddress();
      expect(await treaty.isActive()).to.equal(true);
      const proposalId = await proposeApproved(
        fixture,
        await secondPool.getAddress(),
        secondPool.interface.encodeFunctionData('setTreaty', [treatyAddress]),
      );

      await expect(access.connect(fixture.admin1).execute(proposalId))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessExecutionFailed')
        .withArgs(proposalId, invalidTreaty(secondPool, treatyAddress));
      expect(await secondPool.treaty()).to.equal(ethers.ZeroAddress);
    });

    it('setTreaty rejects an active treaty for the pool that names another insurer', async function () {
      const fixture = await loadFixture(deploySecondPoolFixture);
      const { access, registry, secondPool, secondTreatyTerms, secondInsurer, reinsurer } = fixture;
      // Written for the second pool, signed and activated by its parties, but the cedent is another INSURER.
      const terms = { ...secondTreatyTerms, insurer: secondInsurer.address };
      const foreign = await ethers.deployContract('ReinsuranceTreaty', [
        await access.getAddress(),
        await registry.getAddress(),
        terms,
      ]);
      const documentHash = await anchorSigned(
        registry,
        secondInsurer,
        'Treaty for the second pool ceded by another insurer',
        treatyTermsHash(terms),
        DOCUMENT_TYPE.Treaty,
        [secondInsurer, reinsurer],
      );
      await (await foreign.connect(secondInsurer).activate(documentHash)).wait();
      expect(await foreign.isActive()).to.equal(true);
      expect((await foreign.terms()).pool).to.equal(await secondPool.getAddress());
      const treatyAddress = await foreign.getAddress();
      const proposalId = await proposeApproved(
        fixture,
        await secondPool.getAddress(),
        secondPool.interface.encodeFunctionData('setTreaty', [treatyAddress]),
      );

      await expect(access.connect(fixture.admin1).execute(proposalId))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessExecutionFailed')
        .withArgs(proposalId, invalidTreaty(secondPool, treatyAddress));
      expect(await secondPool.treaty()).to.equal(ethers.ZeroAddress);
    });
  });

  describe('credits', function () {
    it('pays the first and third holders in the settlement that credits the frozen second one', async function () {
      const fixture = await loadFixture(deployFreezablePoolFixture);
      const { pool, flight, coin, client, secondClient, thirdClient } = fixture;
      const { policyIds, feedId } = await threeFlightPolicies(fixture);
      await (await coin.setFrozen(secondClient.address, true)).wait();
      expect(await pool.totalLocked()).to.equal(3n * CANCELLATION_PAYOUT);

      const tx = await finaliseFlight(fixture, feedId, ObservationStatus.Cancelled);

      await expect(tx)
        .to.emit(pool, 'PaymentCredited')
        .withArgs(policyIds[1], secondClient.address, CANCELLATION_PAYOUT);
      await expect(tx).to.changeTokenBalances(
        ethers,
        coin,
        [client, secondClient, thirdClient, pool],
        [CANCELLATION_PAYOUT, 0, CANCELLATION_PAYOUT, -2n * CANCELLATION_PAYOUT],
      );
      for (const policyId of policyIds) {
        expect((await flight.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Paid);
      }
      // The collateral of all three is released, and the premiums are earned.
      expect(await pool.totalLocked()).to.equal(0);
      expect(await pool.exposure(feedId)).to.equal(0);
      expect(await pool.premiumReserve()).to.equal(0);
      expect(await pool.creditOf(secondClient.address)).to.equal(CANCELLATION_PAYOUT);
      expect(await pool.totalCredits()).to.equal(CANCELLATION_PAYOUT);
    });

    it('goes on past a holder whose token transfer burns all its gas, spending a bounded amount on it', async function () {
      const fixture = await loadFixture(deployFreezablePoolFixture);
      const { pool, coin, client, secondClient, thirdClient } = fixture;
      const { policyIds, feedId } = await threeFlightPolicies(fixture);
      await (await coin.setGasTrap(secondClient.address, true)).wait();

      const tx = await finaliseFlight(fixture, feedId, ObservationStatus.Cancelled);

      await expect(tx)
        .to.emit(pool, 'PaymentCredited')
        .withArgs(policyIds[1], secondClient.address, CANCELLATION_PAYOUT);
      await expect(tx).to.changeTokenBalances(
        ethers,
        coin,
        [client, thirdClient],
        [CANCELLATION_PAYOUT, CANCELLATION_PAYOUT],
      );
      const receipt = await tx.wait();
      // The trapped transfer costs at most the payment gas limit, far below the 10,000,000 the report was given.
      expect(receipt!.gasUsed).to.be.lessThan(1_000_000n + (await pool.PAYMENT_GAS_LIMIT()));
      expect(await pool.totalLocked()).to.equal(0);
    });

    it('credits a refund the holder cannot receive and releases the policy', async function () {
      const fixture = await loadFixture(deployFreezablePoolFixture);
      const { pool, coin, product, client } = fixture;
      const { policyId } = await openDirect(pool, product, {
        payer: client,
        holder: client,
        accumulationKey: FLIGHT,
        premium: usd(100),
        maxPayout: usd(500),
      });
      await (await coin.setFrozen(client.address, true)).wait();

      const tx = pool.connect(product).refund(policyId, client.address, FLIGHT, usd(90), usd(500), usd(100));

      await expect(tx).to.emit(pool, 'PaymentCredited').withArgs(policyId, client.address, usd(90));
      await expect(tx).to.emit(pool, 'PremiumRefunded').withArgs(policyId, client.address, usd(90), usd(500));
      await expect(tx).to.changeTokenBalances(ethers, coin, [client, pool], [0, 0]);
      expect(await pool.creditOf(client.address)).to.equal(usd(90));
      expect(await pool.totalLocked()).to.equal(0);
      expect(await pool.premiumReserve()).to.equal(0);
      // The 10 kept is capital; the 90 owed is not.
      expect(await pool.assets()).to.equal(FREEZABLE_POOL_CAPITAL + usd(10));
    });

    it('counts a credit as owed, not as capital: the insurer cannot withdraw it', async function () {
      const { pool, coin, insurer, secondClient } = await loadFixture(deployCreditOwedFixture);
      const held = await coin.balanceOf(await pool.getAddress());
      // Capital and three premiums, less the two payouts made; the third payout is held for the frozen holder.
      expect(held).to.equal(FREEZABLE_POOL_CAPITAL + 3n * FLIGHT_PREMIUM - 2n * CANCELLATION_PAYOUT);
      expect(await pool.assets()).to.equal(held - CANCELLATION_PAYOUT);

      await expect(pool.connect(insurer).withdrawCapital(held - CANCELLATION_PAYOUT + 1n))
        .to.be.revertedWithCustomError(pool, 'RiskPoolInvalidAmount')
        .withArgs(held - CANCELLATION_PAYOUT + 1n);
      await (await pool.connect(insurer).withdrawCapital(held - CANCELLATION_PAYOUT)).wait();

      expect(await coin.balanceOf(await pool.getAddress())).to.equal(CANCELLATION_PAYOUT);
      await expect(pool.connect(secondClient).claimCredit(NAMED_ADDRESS))
        .to.emit(pool, 'CreditClaimed')
        .withArgs(secondClient.address, NAMED_ADDRESS, CANCELLATION_PAYOUT);
    });

    it('counts credits owed in the solvency rule', async function () {
      const { pool, product, client } = await loadFixture(deployCreditOwedFixture);
      const assets = await pool.assets();
      // A policy locking everything the pool holds for itself fits; one unit more would lean on the credit.
      await expect(pool.connect(product).openPolicy(client.address, client.address, FLIGHT, 0, assets + 1n))
        .to.be.revertedWithCustomError(pool, 'RiskPoolInsolvent')
        .withArgs(assets + 1n, assets, 0);
      await (await pool.connect(product).openPolicy(client.address, client.address, FLIGHT, 0, assets)).wait();
    });

    it('lets the frozen holder claim its credit to an address it names and emits CreditClaimed', async function () {
      const { pool, coin, secondClient } = await loadFixture(deployCreditOwedFixture);
      const assets = await pool.assets();

      const tx = pool.connect(secondClient).claimCredit(NAMED_ADDRESS);

      await expect(tx)
        .to.emit(pool, 'CreditClaimed')
        .withArgs(secondClient.address, NAMED_ADDRESS, CANCELLATION_PAYOUT);
      await expect(tx).to.changeTokenBalances(
        ethers,
        coin,
        [NAMED_ADDRESS, pool],
        [CANCELLATION_PAYOUT, -CANCELLATION_PAYOUT],
      );
      expect(await pool.creditOf(secondClient.address)).to.equal(0);
      expect(await pool.totalCredits()).to.equal(0);
      expect(await pool.assets()).to.equal(assets);
    });

    it('lets the holder claim its credit to itself once unfrozen, and only once', async function () {
      const { pool, coin, secondClient } = await loadFixture(deployCreditOwedFixture);
      await expect(pool.connect(secondClient).claimCredit(secondClient.address))
        .to.be.revertedWithCustomError(coin, 'FreezableStablecoinFrozen')
        .withArgs(secondClient.address);
      expect(await pool.creditOf(secondClient.address)).to.equal(CANCELLATION_PAYOUT);
      await (await coin.setFrozen(secondClient.address, false)).wait();

      await expect(pool.connect(secondClient).claimCredit(secondClient.address)).to.changeTokenBalance(
        ethers,
        coin,
        secondClient,
        CANCELLATION_PAYOUT,
      );

      await expect(pool.connect(secondClient).claimCredit(secondClient.address))
        .to.be.revertedWithCustomError(pool, 'RiskPoolNoCredit')
        .withArgs(secondClient.address);
    });

    it('reverts with RiskPoolNoCredit for anyone else, and RiskPoolInvalidRecipient for the zero address', async function () {
      const { pool, client, thirdClient, secondClient, insurer } = await loadFixture(deployCreditOwedFixture);
      for (const caller of [client, thirdClient, insurer]) {
        await expect(pool.connect(caller).claimCredit(caller.address))
          .to.be.revertedWithCustomError(pool, 'RiskPoolNoCredit')
          .withArgs(caller.address);
      }
      await expect(pool.connect(secondClient).claimCredit(ethers.ZeroAddress))
        .to.be.revertedWithCustomError(pool, 'RiskPoolInvalidRecipient')
        .withArgs(ethers.ZeroAddress);
    });

    it('reverts with RiskPoolNotActiveParty for a holder that is deactivated or was never registered', async function () {
      const fixture = await loadFixture(deployCreditOwedFixture);
      const { access, pool, secondClient, stranger, govern } = fixture;
      await expect(pool.connect(stranger).claimCredit(stranger.address))
        .to.be.revertedWithCustomError(pool, 'RiskPoolNotActiveParty')
        .withArgs(stranger.address);
      await govern(
        await access.getAddress(),
        access.interface.encodeFunctionData('setPartyActive', [secondClient.address, false]),
      );

      await expect(pool.connect(secondClient).claimCredit(NAMED_ADDRESS))
        .to.be.revertedWithCustomError(pool, 'RiskPoolNotActiveParty')
        .withArgs(secondClient.address);
      expect(await pool.creditOf(secondClient.address)).to.equal(CANCELLATION_PAYOUT);
    });
  });

  describe('consent to wiring', function () {
    it('two ADMINs alone cannot allow a product: RiskPoolConsentMissing(product, insurer)', async function () {
      const fixture = await loadFixture(deploySecondPoolFixture);
      const { access, secondPool, insurer } = fixture;
      const proposalId = await proposeApproved(
        fixture,
        await secondPool.getAddress(),
        secondPool.interface.encodeFunctionData('setProduct', [ROGUE_PRODUCT, true]),
      );

      await expect(access.connect(fixture.admin1).execute(proposalId))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessExecutionFailed')
        .withArgs(proposalId, consentMissing(secondPool, ROGUE_PRODUCT, insurer.address));
      expect(await secondPool.isProduct(ROGUE_PRODUCT)).to.equal(false);
    });

    it('allows a product once the insurer consented, and uses the consent up', async function () {
      const fixture = await loadFixture(deploySecondPoolFixture);
      const { access, secondPool, insurer } = fixture;
      const poolAddress = await secondPool.getAddress();
      await expect(secondPool.connect(insurer).consentToWiring(ROGUE_PRODUCT, true))
        .to.emit(secondPool, 'WiringConsentSet')
        .withArgs(ROGUE_PRODUCT, insurer.address, true);
      expect(await secondPool.wiringConsent(ROGUE_PRODUCT, insurer.address)).to.equal(true);
      const allow = secondPool.interface.encodeFunctionData('setProduct', [ROGUE_PRODUCT, true]);
      const proposalId = await proposeApproved(fixture, poolAddress, allow);

      await expect(access.connect(fixture.admin1).execute(proposalId))
        .to.emit(secondPool, 'ProductSet')
        .withArgs(ROGUE_PRODUCT, true);
      expect(await secondPool.isProduct(ROGUE_PRODUCT)).to.equal(true);
      expect(await secondPool.wiringConsent(ROGUE_PRODUCT, insurer.address)).to.equal(false);

      // Disallowed and allowed again: the first consent does not carry over.
      await fixture.govern(poolAddress, secondPool.interface.encodeFunctionData('setProduct', [ROGUE_PRODUCT, false]));
      const again = await proposeApproved(fixture, poolAddress, allow);
      await expect(access.connect(fixture.admin1).execute(again))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessExecutionFailed')
        .withArgs(again, consentMissing(secondPool, ROGUE_PRODUCT, insurer.address));
    });

    it('lets the insurer withdraw its consent before the proposal executes', async function () {
      const fixture = await loadFixture(deploySecondPoolFixture);
      const { access, secondPool, insurer } = fixture;
      await (await secondPool.connect(insurer).consentToWiring(ROGUE_PRODUCT, true)).wait();
      const proposalId = await proposeApproved(
        fixture,
        await secondPool.getAddress(),
        secondPool.interface.encodeFunctionData('setProduct', [ROGUE_PRODUCT, true]),
      );

      await expect(secondPool.connect(insurer).consentToWiring(ROGUE_PRODUCT, false))
        .to.emit(secondPool, 'WiringConsentSet')
        .withArgs(ROGUE_PRODUCT, insurer.address, false);

      await expect(access.connect(fixture.admin1).execute(proposalId))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessExecutionFailed')
        .withArgs(proposalId, consentMissing(secondPool, ROGUE_PRODUCT, insurer.address));
      expect(await secondPool.isProduct(ROGUE_PRODUCT)).to.equal(false);
    });

    it('needs the treaty’s reinsurer too for a product added while a treaty is attached', async function () {
      const fixture = await loadFixture(deployCapitalFixture);
      const { access, pool, insurer, reinsurer } = fixture;
      await (await pool.connect(insurer).consentToWiring(ROGUE_PRODUCT, true)).wait();
      const allow = pool.interface.encodeFunctionData('setProduct', [ROGUE_PRODUCT, true]);
      const refused = await proposeApproved(fixture, await pool.getAddress(), allow);

      await expect(access.connect(fixture.admin1).execute(refused))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessExecutionFailed')
        .withArgs(refused, consentMissing(pool, ROGUE_PRODUCT, reinsurer.address));

      await expect(pool.connect(reinsurer).consentToWiring(ROGUE_PRODUCT, true))
        .to.emit(pool, 'WiringConsentSet')
        .withArgs(ROGUE_PRODUCT, reinsurer.address, true);
      const proposalId = await proposeApproved(fixture, await pool.getAddress(), allow);
      await expect(access.connect(fixture.admin1).execute(proposalId))
        .to.emit(pool, 'ProductSet')
        .withArgs(ROGUE_PRODUCT, true);
      expect(await pool.wiringConsent(ROGUE_PRODUCT, reinsurer.address)).to.equal(false);
    });

    it('two ADMINs alone cannot attach a treaty: RiskPoolConsentMissing(treaty, insurer)', async function () {
      const fixture = await loadFixture(deploySecondPoolFixture);
      const { access, secondPool, secondTreaty, insurer, reinsurer } = fixture;
      await (await secondTreaty.connect(reinsurer).activate(await anchorSecondTreatyDocument(fixture))).wait();
      const treatyAddress = await secondTreaty.getAddress();
      const attach = secondPool.interface.encodeFunctionData('setTreaty', [treatyAddress]);
      const refused = await proposeApproved(fixture, await secondPool.getAddress(), attach);

      await expect(access.connect(fixture.admin1).execute(refused))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessExecutionFailed')
        .withArgs(refused, consentMissing(secondPool, treatyAddress, insurer.address));
      expect(await secondPool.treaty()).to.equal(ethers.ZeroAddress);

      await (await secondPool.connect(insurer).consentToWiring(treatyAddress, true)).wait();
      const proposalId = await proposeApproved(fixture, await secondPool.getAddress(), attach);
      await expect(access.connect(fixture.admin1).execute(proposalId))
        .to.emit(secondPool, 'TreatySet')
        .withArgs(treatyAddress);
    });

    it('reverts with RiskPoolNotConsentingParty for anyone but the pool’s insurer and its treaty’s reinsurer', async function () {
      const fixture = await loadFixture(deploySecondPoolFixture);
      const { pool, secondPool, admin1, client, auditor, stranger, secondInsurer, reinsurer, secondReinsurer } =
        fixture;
      for (const caller of [admin1, client, auditor, stranger, secondInsurer, secondReinsurer]) {
        await expect(pool.connect(caller).consentToWiring(ROGUE_PRODUCT, true))
          .to.be.revertedWithCustomError(pool, 'RiskPoolNotConsentingParty')
          .withArgs(caller.address);
      }
      // The second pool has no treaty yet, so no reinsurer of its own.
      await expect(secondPool.connect(reinsurer).consentToWiring(ROGUE_PRODUCT, true))
        .to.be.revertedWithCustomError(secondPool, 'RiskPoolNotConsentingParty')
        .withArgs(reinsurer.address);
    });

    it('reverts with RiskPoolNotConsentingParty for the pool’s insurer once deactivated', async function () {
      const fixture = await loadFixture(deployCapitalFixture);
      const { access, pool, insurer, govern } = fixture;
      await govern(
        await access.getAddress(),
        access.interface.encodeFunctionData('setPartyActive', [insurer.address, false]),
      );
      await expect(pool.connect(insurer).consentToWiring(ROGUE_PRODUCT, true))
        .to.be.revertedWithCustomError(pool, 'RiskPoolNotConsentingParty')
        .withArgs(insurer.address);
    });
  });

  describe('views', function () {
    it('names its stablecoin, consortium and insurer and reports no capacity without locked exposure', async function () {
      const { pool, access, stablecoin, insurer } = await loadFixture(deployCapitalFixture);
      expect(await pool.asset()).to.equal(await stablecoin.getAddress());
      expect(await pool.consortium()).to.equal(await access.getAddress());
      expect(await pool.insurer()).to.equal(insurer.address);
      expect(await pool.reinsuranceCapacity()).to.equal(0);
      expect(await pool.totalLocked()).to.equal(0);
      expect(await pool.premiumReserve()).to.equal(0);
    });
  });
});
