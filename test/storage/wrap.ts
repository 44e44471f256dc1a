import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Wallet } from 'ethers';
import { hashAndSeal, openSealed } from '../../services/storage/envelope.js';
import { isStorageError, type StorageErrorCode } from '../../services/storage/errors.js';
import { generateEncryptionKeyPair, type EncryptionKeyPair } from '../../services/storage/keys.js';
import { unwrapContentKey, wrapContentKey } from '../../services/storage/wrap.js';
import { wrapContentKeyInWorker } from '../../services/storage/wrap-pool.js';

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

function expectCode(error: unknown, code: StorageErrorCode): void {
  expect(isStorageError(error, code), `expected ${code}, got ${String(error)}`).to.equal(true);
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield await Promise.resolve(bytes);
}

describe('storage key wrapping (HPKE)', function () {
  interface Reader {
    account: string;
    keys: EncryptionKeyPair;
  }
  let reinsurer: Reader;
  let client: Reader;
  let documentHash: string;
  let stored: Uint8Array;
  let contentKey: Uint8Array;
  const plain = Buffer.from('Claim file 2026-117: flight LH 400 delayed 4 h 12 min; payout 250.00 EUR.');

  before(async function () {
    reinsurer = { account: Wallet.createRandom().address, keys: await generateEncryptionKeyPair() };
    client = { account: Wallet.createRandom().address, keys: await generateEncryptionKeyPair() };
    const sealed = await hashAndSeal(once(plain), { confidential: true, maxBytes: 1024 });
    ({ documentHash, stored } = sealed);
    contentKey = sealed.contentKey as Uint8Array;
  });

  const wrapFor = (reader: Reader) =>
    wrapContentKey(contentKey, reader.keys.publicKey, { documentHash, recipient: reader.account });

  it('lets each reader party open the key wrapped for it, and so the document', async function () {
    for (const reader of [reinsurer, client]) {
      const wrapped = await wrapFor(reader);
      // enc (32) || AES-256-GCM(content key (32) + tag (16))
      expect(wrapped).to.have.lengthOf(32 + 32 + 16);
      const opened = await unwrapContentKey(wrapped, reader.keys.privateKey, {
        documentHash,
        recipient: reader.account,
      });
      expect(Buffer.from(openSealed(stored, opened)).equals(plain)).to.equal(true);
    }
  });

  it('accepts the recipient address in any case', async function () {
    const wrapped = await wrapFor(client);
    const opened = await unwrapContentKey(wrapped, client.keys.privateKey, {
      documentHash: documentHash.toUpperCase().replace('0X', '0x'),
      recipient: client.account.toLowerCase(),
    });
    expect(Buffer.from(opened).equals(contentKey)).to.equal(true);
  });

  it("does not open one reader's wrapped key with the other reader's private key", async function () {
    const forReinsurer = await wrapFor(reinsurer);
    expectCode(
      await rejection(
        unwrapContentKey(forReinsurer, client.keys.privateKey, { documentHash, recipient: reinsurer.account }),
      ),
      'CONTENT_KEY_UNWRAP_FAILED',
    );
  });

  it('does not open for another recipient address, even with the right private key', async function () {
    const forReinsurer = await wrapFor(reinsurer);
    expectCode(
      await rejection(
        unwrapContentKey(forReinsurer, reinsurer.keys.privateKey, { documentHash, recipient: client.account }),
      ),
      'CONTENT_KEY_UNWRAP_FAILED',
    );
  });

  it('does not open for another document', async function () {
    const forClient = await wrapFor(client);
    const otherDocument = `0x${randomBytes(32).toString('hex')}`;
    expectCode(
      await rejection(
        unwrapContentKey(forClient, client.keys.privateKey, { documentHash: otherDocument, recipient: client.account }),
      ),
      'CONTENT_KEY_UNWRAP_FAILED',
    );
  });

  it('detects an altered wrapped key', async function () {
    const forClient = await wrapFor(client);
    for (const index of [0, 40, forClient.byteLength - 1]) {
      const altered = Uint8Array.from(forClient);
      altered[index] = (altered[index] as number) ^ 0x80;
      expectCode(
        await rejection(unwrapContentKey(altered, client.keys.privateKey, { documentHash, recipient: client.account })),
        'CONTENT_KEY_UNWRAP_FAILED',
      );
    }
  });

  it('wraps afresh each time (a new ephemeral key per wrap)', async function () {
    const first = await wrapFor(client);
    const second = await wrapFor(client);
    expect(Buffer.from(first).equals(second)).to.equal(false);
  });

  it('refuses a recipient key that is not a 32-byte X25519 key, and malformed context values', async function () {
    expectCode(
      await rejection(wrapContentKey(contentKey, randomBytes(33), { documentHash, recipient: client.account })),
      'ENCRYPTION_KEY_UNSUPPORTED',
    );
    expectCode(
      await rejection(
        wrapContentKey(contentKey, client.keys.publicKey, { documentHash: '0x1234', recipient: client.account }),
      ),
      'STORAGE_INPUT_INVALID',
    );
    expectCode(
      await rejection(wrapContentKey(contentKey, client.keys.publicKey, { documentHash, recipient: 'client' })),
      'STORAGE_INPUT_INVALID',
    );
  });

  it("wraps in a worker thread what opens here, and reports the worker's refusals with their code", async function () {
    const wrapped = await Promise.all(
      [client, reinsurer].map((reader) =>
        wrapContentKeyInWorker(contentKey, reader.keys.publicKey, { documentHash, recipient: reader.account }),
      ),
    );
    for (const [index, reader] of [client, reinsurer].entries()) {
      const opened = await unwrapContentKey(wrapped[index]!, reader.keys.privateKey, {
        documentHash,
        recipient: reader.account,
      });
      expect(Buffer.from(opened).equals(contentKey)).to.equal(true);
    }
    expectCode(
      await rejection(
        wrapContentKeyInWorker(contentKey, client.keys.publicKey, {
          documentHash: '0x1234',
          recipient: client.account,
        }),
      ),
      'STORAGE_INPUT_INVALID',
    );
  });

  it('lets a process that wrapped keys in workers exit on its own (idle workers stop)', async function () {
    this.timeout(60_000);
    const pool = new URL('../../services/storage/wrap-pool.ts', import.meta.url).href;
    const script = `
      const { wrapContentKeyInWorker } = await import(${JSON.stringify(pool)});
      const { generateEncryptionKeyPair } = await import(${JSON.stringify(new URL('../../services/storage/keys.ts', import.meta.url).href)});
      const reader = await generateEncryptionKeyPair();
      await wrapContentKeyInWorker(new Uint8Array(32), reader.publicKey, { documentHash: '0x' + '11'.repeat(32), recipient: '0x' + '22'.repeat(20) });
      console.log('wrapped');`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('exit', (exitCode) => {
        clearTimeout(killer);
        resolve(exitCode);
      });
    });
    expect(output.trim()).to.equal('wrapped');
    expect(code, 'the process should exit by itself, not be killed').to.equal(0);
  });
});
