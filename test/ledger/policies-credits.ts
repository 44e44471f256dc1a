import { expect } from 'chai';
import type { Deployment } from '../../services/ledger/deploy.js';
import { claimCredit, creditOf } from '../../services/ledger/policies.js';
import { ObservationStatus } from '../../services/shared/eip712.js';
import { deployFreezablePoolFixture, finaliseFlight, issueFlight } from '../helpers/capital.js';
import { ethers, networkHelpers } from '../helpers/consortium.js';

/** A flight policy settled by a cancellation while its holder was frozen: its payout is owed as a credit. */
async function deployCreditOwedFixture() {
  const fixture = await deployFreezablePoolFixture();
  const { feedId } = await issueFlight(fixture, fixture.secondClient, 'BA196 policy of a frozen holder');
  await (await fixture.coin.setFrozen(fixture.secondClient.address, true)).wait();
  await finaliseFlight(fixture, feedId, ObservationStatus.Cancelled);
  await (await fixture.coin.setFrozen(fixture.secondClient.address, false)).wait();
  return fixture;
}

describe('ledger: policy credits', function () {
  it('reads a credit from a failed payout and claims it for the holder', async function () {
    const { pool, coin, secondClient } = await networkHelpers.loadFixture(deployCreditOwedFixture);
    const deployment = { riskPool: await pool.getAddress() } as Deployment;
    const client = { deployment, provider: ethers.provider, signer: secondClient };

    const owed = await creditOf(client, secondClient.address);
    expect(owed).to.be.greaterThan(0n);
    const before = await coin.balanceOf(secondClient.address);
    const claimed = await claimCredit(client);

    expect(claimed).to.include({ holder: secondClient.address, to: secondClient.address, amount: owed.toString() });
    expect(await coin.balanceOf(secondClient.address)).to.equal(before + owed);
    expect(await creditOf(client, secondClient.address)).to.equal(0n);
  });
});
