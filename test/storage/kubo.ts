import { expect } from 'chai';
import { isStorageError } from '../../services/storage/errors.js';
import { openKuboContentStore } from '../../services/storage/kubo.js';

/**
 * The Kubo content store is NOT tested against a Kubo node: none can run where this project is built, and a stand-in
 * would prove nothing about Kubo. Only its construction is tested here; see services/storage/kubo.ts.
 */
describe('Kubo content store (construction only; untested against a live node)', function () {
  it('constructs for an http(s) RPC URL without contacting it', async function () {
    const store = openKuboContentStore('http://127.0.0.1:5001', { cidVersion: 1 });
    expect(store).to.respondTo('add').and.respondTo('get').and.respondTo('has').and.respondTo('remove');
    await store.close();
    openKuboContentStore('https://ipfs.member.example:5001/');
  });

  for (const [url, why] of [
    ['127.0.0.1:5001', 'no scheme'],
    ['not a url', 'not a URL'],
    ['ftp://127.0.0.1:5001', 'not http(s)'],
    ['http://user:secret@127.0.0.1:5001', 'credentials in the URL'],
  ] as const) {
    it(`refuses a URL with ${why} (CONTENT_STORE_CONFIG_INVALID)`, function () {
      let caught: unknown;
      try {
        openKuboContentStore(url);
      } catch (error) {
        caught = error;
      }
      expect(isStorageError(caught, 'CONTENT_STORE_CONFIG_INVALID'), String(caught)).to.equal(true);
    });
  }

  it('refuses a CID version other than 0 or 1', function () {
    expect(() => openKuboContentStore('http://127.0.0.1:5001', { cidVersion: 3 as unknown as 1 })).to.throw(
      'CID version must be 0 or 1',
    );
  });
});
