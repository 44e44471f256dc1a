import { expect } from 'chai';
import { deployConsortiumFixture, networkHelpers, policyDocument } from '../helpers/consortium.js';

describe('smoke', function () {
  it('anchors', async function () {
    const { registry, insurer, client } = await networkHelpers.loadFixture(deployConsortiumFixture);
    const doc = policyDocument('hello', [client.address]);
    await expect(registry.connect(insurer).anchor(doc.input)).to.emit(registry, 'DocumentAnchored');
    expect(await registry.isAnchored(doc.input.documentHash)).to.equal(true);
  });
});
