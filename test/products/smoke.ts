import { expect } from 'chai';
import { ObservationStatus } from '../../services/shared/eip712.js';
import { networkHelpers } from '../helpers/consortium.js';
import {
  deployParametricFixture,
  flightTerms,
  flightTermsHash,
  issueFlightPolicy,
  POLICY_STATUS,
  report,
  usd,
} from '../helpers/parametric.js';

describe('parametric smoke', function () {
  it('pays a flight 82 minutes late', async function () {
    const fixture = await networkHelpers.loadFixture(deployParametricFixture);
    const { flight, hub, oracles, stablecoin, client, treaty } = fixture;
    const now = await networkHelpers.time.latest();
    const terms = flightTerms(client.address, now);
    expect(await flight.hashTerms(terms)).to.equal(flightTermsHash(terms));
    const { policyId } = await issueFlightPolicy(fixture, terms);
    const feedId = (await flight.getPolicy(policyId)).feedId;
    const before = await stablecoin.balanceOf(client.address);
    await networkHelpers.time.increase(13 * 3600);
    const observedAt = await networkHelpers.time.latest();
    const obs = {
      feedId,
      status: ObservationStatus.Landed,
      value: 82,
      observedAt,
      payloadHash: '0x' + '11'.repeat(32),
    };
    await (await report(hub, oracles[0], obs)).wait();
    const tx = await report(hub, oracles[1], { ...obs, value: 83, payloadHash: '0x' + '22'.repeat(32) });
    const receipt = await tx.wait();
    console.log('quorum tx gas', receipt?.gasUsed);
    await expect(tx).to.emit(treaty, 'LossCeded');
    expect((await flight.getPolicy(policyId)).status).to.equal(POLICY_STATUS.Paid);
    expect((await stablecoin.balanceOf(client.address)) - before).to.equal(usd(200));
  });
});
