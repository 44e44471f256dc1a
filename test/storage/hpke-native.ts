import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { Aes128Gcm, Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import { nodeHpkeSuite } from '../../services/storage/hpke-native.js';

const hex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));
const toHex = (bytes: ArrayBuffer | Uint8Array) => Buffer.from(new Uint8Array(bytes)).toString('hex');

function stockSuite(aeadKeySize: 16 | 32): CipherSuite {
  return new CipherSuite({
    kem: new DhkemX25519HkdfSha256(),
    kdf: new HkdfSha256(),
    aead: aeadKeySize === 16 ? new Aes128Gcm() : new Aes256Gcm(),
  });
}

/** A recipient key pair of `suite`, from 32 bytes of input keying material. */
async function recipient(suite: CipherSuite, ikm: Uint8Array) {
  const pair = await suite.kem.deriveKeyPair(ikm.slice().buffer);
  const publicKey = new Uint8Array(await suite.kem.serializePublicKey(pair.publicKey));
  const privateKey = new Uint8Array(await suite.kem.serializePrivateKey(pair.privateKey));
  return { pair, publicKey, privateKey };
}

describe('HPKE on node:crypto (the suite content keys are wrapped with)', function () {
  it("matches RFC 9180's test vector A.1 (DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, base mode)", async function () {
    // RFC 9180, Appendix A.1.1: the base-mode setup and its first encryption (sequence number 0).
    const suite = nodeHpkeSuite(16);
    const receiver = await recipient(suite, hex('6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037'));
    expect(toHex(receiver.publicKey)).to.equal('3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d');
    expect(toHex(receiver.privateKey)).to.equal('4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8');
    const sender = await suite.createSenderContext({
      recipientPublicKey: receiver.pair.publicKey,
      info: hex('4f6465206f6e2061204772656369616e2055726e').buffer,
      ekm: hex('7268600d403fce431561aef583ee1613527cff655c1343f29812e66706df3234').buffer,
    });
    expect(toHex(sender.enc)).to.equal('37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431');
    const ciphertext = await sender.seal(
      hex('4265617574792069732074727574682c20747275746820626561757479').buffer,
      hex('436f756e742d30').buffer,
    );
    expect(toHex(ciphertext)).to.equal(
      'f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a',
    );
  });

  it('seals byte for byte as @hpke/core does, given the same ephemeral key material', async function () {
    for (let round = 0; round < 8; round++) {
      const stock = stockSuite(32);
      const native = nodeHpkeSuite(32);
      const receiver = await recipient(stock, randomBytes(32));
      const recipientPublicKey = await native.kem.deserializePublicKey(receiver.publicKey);
      const ekm = randomBytes(32);
      const info = randomBytes(27);
      const aad = randomBytes(52);
      const plaintext = randomBytes(32);
      const fromStock = await stock.seal(
        { recipientPublicKey: receiver.pair.publicKey, info, ekm: ekm.buffer.slice(0) },
        plaintext,
        aad,
      );
      const fromNative = await native.seal({ recipientPublicKey, info, ekm: ekm.buffer.slice(0) }, plaintext, aad);
      expect(toHex(fromNative.enc)).to.equal(toHex(fromStock.enc));
      expect(toHex(fromNative.ct)).to.equal(toHex(fromStock.ct));
    }
  });

  it('opens what @hpke/core sealed, and @hpke/core opens what it sealed; a wrong key, aad or byte fails', async function () {
    const stock = stockSuite(32);
    const native = nodeHpkeSuite(32);
    const receiver = await recipient(stock, randomBytes(32));
    const info = new TextEncoder().encode('PolicyLedger content key v1');
    const aad = randomBytes(52);
    const plaintext = randomBytes(32);

    const toNative = await stock.seal({ recipientPublicKey: receiver.pair.publicKey, info }, plaintext, aad);
    const nativeKey = await native.kem.deserializePrivateKey(receiver.privateKey);
    const opened = await native.open({ recipientKey: nativeKey, enc: toNative.enc, info }, toNative.ct, aad);
    expect(toHex(opened)).to.equal(toHex(plaintext));

    const nativePublic = await native.kem.deserializePublicKey(receiver.publicKey);
    const toStock = await native.seal({ recipientPublicKey: nativePublic, info }, plaintext, aad);
    const stockKey = await stock.kem.deserializePrivateKey(receiver.privateKey);
    const back = await stock.open({ recipientKey: stockKey, enc: toStock.enc, info }, toStock.ct, aad);
    expect(toHex(back)).to.equal(toHex(plaintext));

    const other = await recipient(native, randomBytes(32));
    const refusals = [
      native.open({ recipientKey: other.pair.privateKey, enc: toStock.enc, info }, toStock.ct, aad),
      native.open({ recipientKey: nativeKey, enc: toStock.enc, info }, toStock.ct, randomBytes(52)),
      native.open(
        { recipientKey: nativeKey, enc: toStock.enc, info },
        Buffer.concat([Buffer.from(toStock.ct).subarray(0, 10), Buffer.from([~toStock.ct.byteLength & 0xff])]),
        aad,
      ),
    ];
    for (const refusal of refusals) {
      const failed = await refusal.then(
        () => false,
        () => true,
      );
      expect(failed).to.equal(true);
    }
  });
});
