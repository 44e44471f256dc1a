import { JsonRpcProvider, Wallet } from 'ethers';
import { AnchoringService } from '../../../services/api/anchoring/index.js';
import { documentInput, openTestDatabase, scratchDir, ManifestStore } from './setup.js';
describe('prof', function () {
  this.timeout(60000);
  it('accept only', async function () {
    const s = scratchDir();
    const db = openTestDatabase(s.file('a.sqlite'));
    const w = Wallet.createRandom();
    const provider = new JsonRpcProvider('http://127.0.0.1:1');
    const service = new AnchoringService(
      db,
      { deployment: {} as never, provider },
      new Map([[w.address, w.connect(provider)]]),
      { batchWindowMs: 200, batchMaxSize: 500, storeBatchManifest: new ManifestStore().store },
    );
    const inputs = Array.from({ length: 2000 }, () => documentInput());
    const t = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (next < inputs.length) {
          await service.accept({ kind: 'anchor', mode: 'batch', sender: w.address, input: inputs[next++]! });
        }
      }),
    );
    console.log('accept/s', 2000 / ((performance.now() - t) / 1000));
    provider.destroy();
  });
});
