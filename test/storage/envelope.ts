import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { hashAndSeal, openSealed, SEALED_FORMAT_VERSION } from '../../services/storage/envelope.js';
import { isStorageError, type StorageErrorCode } from '../../services/storage/errors.js';

/** `bytes` as a stream of chunks of at most `chunkSize` bytes, as a multipart upload arrives. */
async function* chunked(bytes: Uint8Array, chunkSize: number): AsyncIterable<Uint8Array> {
  for (let offset = 0; offset < bytes.byteLength; offset += chunkSize) {
    yield bytes.subarray(offset, Math.min(offset + chunkSize, bytes.byteLength));
    await Promise.resolve();
  }
}

function sha256Hex(bytes: Uint8Array): string {
  return `0x${createHash('sha256').update(bytes).digest('hex')}`;
}

function expectStorageError(action: () => unknown, code: StorageErrorCode): void {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(isStorageError(caught, code), `expected ${code}, got ${String(caught)}`).to.equal(true);
}

async function expectRejectsWith(promise: Promise<unknown>, code: StorageErrorCode): Promise<void> {
  const caught = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(isStorageError(caught, code), `expected ${code}, got ${String(caught)}`).to.equal(true);
}

const SIZES = [
  { label: '0 B', size: 0 },
  { label: '1 B', size: 1 },
  { label: '10 KiB', size: 10 * 1024 },
  { label: '3 MiB', size: 3 * 1024 * 1024 },
];

describe('storage envelope', function () {
  describe('hashAndSeal / openSealed (confidential)', function () {
    for (const { label, size } of SIZES) {
      it(`round-trips ${label} read as a multi-chunk stream, hashing the plain bytes`, async function () {
        const plain = randomBytes(size);
        const sealed = await hashAndSeal(chunked(plain, 64 * 1024), { confidential: true, maxBytes: 4 * 1024 * 1024 });

        expect(sealed.documentHash).to.equal(sha256Hex(plain));
        expect(sealed.documentHash).to.match(/^0x[0-9a-f]{64}$/);
        expect(sealed.size).to.equal(size);
        expect(sealed.contentKey).to.have.lengthOf(32);
        // version || IV(12) || ciphertext || tag(16)
        expect(sealed.stored).to.have.lengthOf(1 + 12 + size + 16);
        expect(sealed.stored[0]).to.equal(SEALED_FORMAT_VERSION);
        if (size >= 64) {
          expect(Buffer.from(sealed.stored).includes(plain.subarray(0, 64))).to.equal(false);
        }
        expect(Buffer.from(openSealed(sealed.stored, sealed.contentKey as Uint8Array)).equals(plain)).to.equal(true);
      });
    }

    it('uses a fresh content key and IV for each document, even for the same bytes', async function () {
      const plain = Buffer.from('the same policy schedule twice');
      const first = await hashAndSeal(chunked(plain, 7), { confidential: true, maxBytes: 1024 });
      const second = await hashAndSeal(chunked(plain, 7), { confidential: true, maxBytes: 1024 });
      expect(first.documentHash).to.equal(second.documentHash);
      expect(Buffer.from(first.contentKey as Uint8Array).equals(second.contentKey as Uint8Array)).to.equal(false);
      expect(Buffer.from(first.stored).equals(second.stored)).to.equal(false);
    });
  });

  describe('hashAndSeal (public)', function () {
    it('keeps the plain bytes and gives no content key', async function () {
      const plain = randomBytes(300 * 1024);
      const sealed = await hashAndSeal(chunked(plain, 10_000), { confidential: false, maxBytes: 1024 * 1024 });
      expect(sealed.documentHash).to.equal(sha256Hex(plain));
      expect(sealed.contentKey).to.equal(undefined);
      expect(Buffer.from(sealed.stored).equals(plain)).to.equal(true);
    });
  });

  describe('size limit', function () {
    it('accepts exactly maxBytes', async function () {
      const sealed = await hashAndSeal(chunked(randomBytes(1000), 100), { confidential: true, maxBytes: 1000 });
      expect(sealed.size).to.equal(1000);
    });

    it('refuses one byte more with DOCUMENT_TOO_LARGE and stops reading the stream', async function () {
      let chunksRead = 0;
      async function* endless(): AsyncIterable<Uint8Array> {
        for (;;) {
          chunksRead++;
          yield new Uint8Array(100);
          await Promise.resolve();
        }
      }
      await expectRejectsWith(hashAndSeal(endless(), { confidential: true, maxBytes: 1000 }), 'DOCUMENT_TOO_LARGE');
      expect(chunksRead).to.equal(11);
      await expectRejectsWith(
        hashAndSeal(chunked(randomBytes(1001), 1001), { confidential: false, maxBytes: 1000 }),
        'DOCUMENT_TOO_LARGE',
      );
    });
  });

  describe('tampering', function () {
    let sealed: Awaited<ReturnType<typeof hashAndSeal>>;
    let contentKey: Uint8Array;
    before(async function () {
      sealed = await hashAndSeal(chunked(randomBytes(10 * 1024), 1024), { confidential: true, maxBytes: 1 << 20 });
      contentKey = sealed.contentKey as Uint8Array;
    });

    const flipAt = (stored: Uint8Array, index: number) => {
      const copy = Uint8Array.from(stored);
      copy[index] = (copy[index] as number) ^ 0x01;
      return copy;
    };

    it('detects a flipped bit in the ciphertext, the IV or the tag (CIPHERTEXT_TAMPERED)', function () {
      for (const index of [1, 5, 13, 500, sealed.stored.byteLength - 1]) {
        expectStorageError(() => openSealed(flipAt(sealed.stored, index), contentKey), 'CIPHERTEXT_TAMPERED');
      }
    });

    it('detects truncation and a wrong key', function () {
      expectStorageError(
        () => openSealed(sealed.stored.subarray(0, sealed.stored.byteLength - 1), contentKey),
        'CIPHERTEXT_TAMPERED',
      );
      expectStorageError(() => openSealed(sealed.stored.subarray(0, 20), contentKey), 'CIPHERTEXT_TAMPERED');
      expectStorageError(() => openSealed(sealed.stored, randomBytes(32)), 'CIPHERTEXT_TAMPERED');
    });

    it('names an unknown format version and refuses a content key that is not 32 bytes', function () {
      const otherVersion = Uint8Array.from(sealed.stored);
      otherVersion[0] = 0x02;
      expectStorageError(() => openSealed(otherVersion, contentKey), 'CIPHERTEXT_VERSION_UNSUPPORTED');
      expectStorageError(() => openSealed(sealed.stored, contentKey.subarray(0, 16)), 'CONTENT_KEY_INVALID');
    });
  });
});
