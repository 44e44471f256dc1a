import { expect } from 'chai';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { hexlify } from 'ethers';
import { isStorageError, type StorageErrorCode } from '../../services/storage/errors.js';
import {
  encryptionPublicKeyOf,
  generateEncryptionKeyPair,
  loadEncryptionKeyFile,
  localEncryptionKeyPair,
  parseEncryptionPublicKey,
  saveEncryptionKeyFile,
} from '../../services/storage/keys.js';
import { localParties, localEncryptionKeysOf, registrationOf } from '../../scripts/lib/local-parties.js';

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

function expectCode(error: unknown, code: StorageErrorCode): void {
  expect(isStorageError(error, code), `expected ${code}, got ${String(error)}`).to.equal(true);
}

describe('storage encryption keys', function () {
  // RFC 7748 §6.1: Alice's X25519 private and public keys.
  const RFC7748_PRIVATE = '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a';
  const RFC7748_PUBLIC = '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a';

  it('derives the X25519 public key of a private key (RFC 7748 test vector)', function () {
    const publicKey = encryptionPublicKeyOf(new Uint8Array(Buffer.from(RFC7748_PRIVATE, 'hex')));
    expect(Buffer.from(publicKey).toString('hex')).to.equal(RFC7748_PUBLIC);
  });

  it('generates distinct 32-byte key pairs', async function () {
    const first = await generateEncryptionKeyPair();
    const second = await generateEncryptionKeyPair();
    expect(first.publicKey).to.have.lengthOf(32);
    expect(first.privateKey).to.have.lengthOf(32);
    expect(Buffer.from(encryptionPublicKeyOf(first.privateKey)).equals(first.publicKey)).to.equal(true);
    expect(Buffer.from(first.privateKey).equals(second.privateKey)).to.equal(false);
  });

  describe('local demo parties', function () {
    it('derive the same key pair from the same wallet key, and different ones for different parties', function () {
      const [operator, , insurer] = localParties();
      if (operator === undefined || insurer === undefined) throw new Error('missing local parties');
      const once = localEncryptionKeyPair(operator.wallet.privateKey);
      const again = localEncryptionKeyPair(operator.wallet.privateKey);
      expect(Buffer.from(once.privateKey).equals(again.privateKey)).to.equal(true);
      expect(Buffer.from(once.privateKey).equals(localEncryptionKeysOf(insurer).privateKey)).to.equal(false);
      expect(Buffer.from(once.privateKey).toString('hex')).to.not.equal(operator.wallet.privateKey.slice(2));
    });

    it('register their raw 32-byte X25519 public key', function () {
      for (const party of localParties()) {
        const registered = hexlify(registrationOf(party).encryptionPublicKey);
        expect(registered).to.match(/^0x[0-9a-f]{64}$/);
        expect(registered).to.equal(hexlify(localEncryptionKeysOf(party).publicKey));
        expect(Buffer.from(parseEncryptionPublicKey(registered)).toString('hex')).to.equal(registered.slice(2));
      }
    });
  });

  describe('parseEncryptionPublicKey', function () {
    it('accepts 32 bytes of hex in any case', function () {
      const key = parseEncryptionPublicKey(`0x${RFC7748_PUBLIC.toUpperCase()}`);
      expect(Buffer.from(key).toString('hex')).to.equal(RFC7748_PUBLIC);
    });

    for (const [length, why] of [
      [33, 'a compressed secp256k1 key'],
      [65, 'an uncompressed secp256k1 key'],
      [0, 'no key'],
      [31, 'a short key'],
    ] as const) {
      it(`refuses ${why} with ENCRYPTION_KEY_UNSUPPORTED naming its ${length}-byte length`, function () {
        let caught: unknown;
        try {
          parseEncryptionPublicKey(hexlify(randomBytes(length)));
        } catch (error) {
          caught = error;
        }
        expectCode(caught, 'ENCRYPTION_KEY_UNSUPPORTED');
        expect((caught as Error).message).to.contain(`${length} bytes`);
      });
    }

    it('refuses text that is not hex', function () {
      expect(() => parseEncryptionPublicKey('not a key')).to.throw('0x-prefixed hex');
    });
  });

  describe('key files', function () {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'policyledger-keys-'));
    let keyPair: Awaited<ReturnType<typeof generateEncryptionKeyPair>>;
    const file = path.join(dir, 'member', 'encryption-key.json');

    before(async function () {
      keyPair = await generateEncryptionKeyPair();
      await saveEncryptionKeyFile(file, keyPair.privateKey, 'correct horse battery staple');
    });

    it('writes a file only its owner can read, without the private key in clear', function () {
      expect(statSync(file).mode & 0o777).to.equal(0o600);
      const text = readFileSync(file, 'utf8');
      expect(text).to.not.contain(Buffer.from(keyPair.privateKey).toString('hex'));
      expect(JSON.parse(text)).to.include({ publicKey: Buffer.from(keyPair.publicKey).toString('hex') });
    });

    it('loads the key pair back with the password', async function () {
      const loaded = await loadEncryptionKeyFile(file, 'correct horse battery staple');
      expect(Buffer.from(loaded.privateKey).equals(keyPair.privateKey)).to.equal(true);
      expect(Buffer.from(loaded.publicKey).equals(keyPair.publicKey)).to.equal(true);
    });

    it('refuses a wrong password', async function () {
      expectCode(await rejection(loadEncryptionKeyFile(file, 'wrong password')), 'ENCRYPTION_KEY_PASSWORD_INCORRECT');
    });

    it('refuses to overwrite an existing key file', async function () {
      const other = await generateEncryptionKeyPair();
      expectCode(await rejection(saveEncryptionKeyFile(file, other.privateKey, 'x')), 'ENCRYPTION_KEY_FILE_EXISTS');
      const loaded = await loadEncryptionKeyFile(file, 'correct horse battery staple');
      expect(Buffer.from(loaded.privateKey).equals(keyPair.privateKey)).to.equal(true);
    });

    it('detects an altered file: a swapped public key, or a file that is not a key file', async function () {
      const altered = path.join(dir, 'altered.json');
      const contents = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      writeFileSync(
        altered,
        JSON.stringify({
          ...contents,
          publicKey: Buffer.from((await generateEncryptionKeyPair()).publicKey).toString('hex'),
        }),
      );
      expectCode(
        await rejection(loadEncryptionKeyFile(altered, 'correct horse battery staple')),
        'ENCRYPTION_KEY_PASSWORD_INCORRECT',
      );
      const garbage = path.join(dir, 'garbage.json');
      writeFileSync(garbage, '{"format":"something else"}');
      expectCode(await rejection(loadEncryptionKeyFile(garbage, 'x')), 'ENCRYPTION_KEY_FILE_INVALID');
    });
  });
});
