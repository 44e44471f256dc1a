/**
 * HPKE (RFC 9180) base mode with DHKEM(X25519, HKDF-SHA256), HKDF-SHA256 and AES-256-GCM, as `@hpke/core` builds it
 * (its cipher suite, key schedule and KEM, with their labels and suite ids), on Node's synchronous `node:crypto`
 * primitives instead of WebCrypto.
 *
 * Why: `@hpke/core`'s own primitives call WebCrypto some twenty times per seal, and each WebCrypto call is a job on
 * libuv's thread pool. Under load, wrapping a content key waited some 80 ms for those jobs (the largest share of a
 * registration's time) for about 1.5 ms of work; here the same seal is a few synchronous calls of well under a
 * millisecond. Only the primitives are ours: X25519 key generation and Diffie-Hellman, HMAC and HKDF, AES-GCM. The
 * tests check that a seal with the same ephemeral key gives byte for byte what the stock suite gives, and that each
 * opens the other's.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { CipherSuite, type AeadEncryptionContext, type AeadInterface } from '@hpke/core';
import {
  AeadId,
  Dhkem,
  EMPTY,
  HkdfSha256Native,
  KemId,
  LABEL_DKP_PRK,
  LABEL_SK,
  type DhkemPrimitives,
  type KdfInterface,
} from '@hpke/common';
import { rawX25519PrivateKey, rawX25519PublicKey, x25519PrivateKey } from './keys.js';

type Bytes = ArrayBufferLike | ArrayBufferView;

/** A copy of `bytes` as a Buffer. */
function buffer(bytes: Bytes): Buffer {
  return ArrayBuffer.isView(bytes)
    ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    : Buffer.from(new Uint8Array(bytes));
}

/** `bytes` as an ArrayBuffer of their own (the library's interfaces return ArrayBuffers). */
function arrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy.buffer;
}

/** HKDF-SHA256 with the library's labelled extract and expand, computed by `node:crypto`. */
class NodeHkdfSha256 extends HkdfSha256Native {
  override extract(salt: Bytes, ikm: Bytes): Promise<ArrayBuffer> {
    const given = buffer(salt);
    const key = given.byteLength === 0 ? Buffer.alloc(this.hashSize) : given;
    return Promise.resolve(arrayBuffer(createHmac('sha256', key).update(buffer(ikm)).digest()));
  }

  override expand(prk: Bytes, info: Bytes, length: number): Promise<ArrayBuffer> {
    if (length > 255 * this.hashSize) throw new Error('Entropy limit reached');
    const key = buffer(prk);
    const label = buffer(info);
    const output = Buffer.alloc(length);
    let previous: Buffer = Buffer.alloc(0);
    for (let counter = 1, filled = 0; filled < length; counter++) {
      previous = createHmac('sha256', key).update(previous).update(label).update(Buffer.of(counter)).digest();
      filled += previous.copy(output, filled);
    }
    return Promise.resolve(arrayBuffer(output));
  }

  override async extractAndExpand(salt: Bytes, ikm: Bytes, info: Bytes, length: number): Promise<ArrayBuffer> {
    // Node's hkdfSync runs as a crypto job and costs several times the two HMACs it stands for.
    return this.expand(await this.extract(salt, ikm), info, length);
  }
}

/**
 * An X25519 key as these primitives keep it: Node's key object and, for a public key, its raw 32 bytes, so that
 * serialising it (the KEM does for every seal) costs nothing. The library only hands keys back to the primitives.
 */
interface NodeKey {
  object: KeyObject;
  raw?: Buffer;
}

function nodeKey(key: CryptoKey): NodeKey {
  return key as unknown as NodeKey;
}

function cryptoKey(key: NodeKey): CryptoKey {
  return key as unknown as CryptoKey;
}

/** The X25519 primitives of DHKEM on `node:crypto` (key derivation as RFC 9180 §7.1.3, through the library's KDF). */
class NodeX25519 implements DhkemPrimitives {
  constructor(private readonly kdf: KdfInterface) {}

  serializePublicKey(key: CryptoKey): Promise<ArrayBuffer> {
    const { object, raw } = nodeKey(key);
    return Promise.resolve(arrayBuffer(raw ?? rawX25519PublicKey(object)));
  }

  deserializePublicKey(key: Bytes): Promise<CryptoKey> {
    return Promise.resolve(cryptoKey(publicKeyOf(buffer(key))));
  }

  serializePrivateKey(key: CryptoKey): Promise<ArrayBuffer> {
    return Promise.resolve(arrayBuffer(rawX25519PrivateKey(nodeKey(key).object)));
  }

  deserializePrivateKey(key: Bytes): Promise<CryptoKey> {
    return Promise.resolve(cryptoKey({ object: x25519PrivateKey(buffer(key)) }));
  }

  importKey(format: 'raw' | 'jwk', key: ArrayBuffer | JsonWebKey, isPublic: boolean): Promise<CryptoKey> {
    if (format !== 'raw') return Promise.reject(new Error('this suite imports raw X25519 keys only'));
    const raw = buffer(key as ArrayBuffer);
    return Promise.resolve(cryptoKey(isPublic ? publicKeyOf(raw) : { object: x25519PrivateKey(raw) }));
  }

  generateKeyPair(): Promise<CryptoKeyPair> {
    const { publicKey, privateKey } = generateKeyPairSync('x25519');
    return Promise.resolve({
      publicKey: cryptoKey({ object: publicKey, raw: rawX25519PublicKey(publicKey) }),
      privateKey: cryptoKey({ object: privateKey }),
    });
  }

  async deriveKeyPair(ikm: Bytes): Promise<CryptoKeyPair> {
    const prk = await this.kdf.labeledExtract(EMPTY.buffer, LABEL_DKP_PRK, new Uint8Array(buffer(ikm)));
    const secret = await this.kdf.labeledExpand(prk, LABEL_SK, EMPTY, 32);
    const privateKey = x25519PrivateKey(buffer(secret));
    return {
      privateKey: cryptoKey({ object: privateKey }),
      publicKey: cryptoKey({ object: createPublicKey(privateKey) }),
    };
  }

  derivePublicKey(key: CryptoKey): Promise<CryptoKey> {
    return Promise.resolve(cryptoKey({ object: createPublicKey(nodeKey(key).object) }));
  }

  dh(privateKey: CryptoKey, publicKey: CryptoKey): Promise<ArrayBuffer> {
    const shared = diffieHellman({ privateKey: nodeKey(privateKey).object, publicKey: nodeKey(publicKey).object });
    // RFC 9180 §7.1.4: an all-zero X25519 output (a small-order public key) must be refused.
    if (shared.every((byte) => byte === 0)) throw new Error('X25519 gave the all-zero shared secret');
    return Promise.resolve(arrayBuffer(shared));
  }
}

/** A raw public key imported as JWK: a third of the cost of a DER import. */
function publicKeyOf(raw: Buffer): NodeKey {
  if (raw.byteLength !== 32) throw new Error(`an X25519 public key is 32 bytes, got ${raw.byteLength}`);
  const jwk = { kty: 'OKP', crv: 'X25519', x: raw.toString('base64url') };
  return { object: createPublicKey({ key: jwk, format: 'jwk' }), raw };
}

/** AES-GCM with a 16-byte tag on `node:crypto`; `keySize` 16 (AES-128-GCM) or 32 (AES-256-GCM). */
class NodeAesGcm implements AeadInterface {
  readonly id: AeadId;
  readonly nonceSize = 12;
  readonly tagSize = 16;

  constructor(readonly keySize: 16 | 32) {
    this.id = keySize === 16 ? AeadId.Aes128Gcm : AeadId.Aes256Gcm;
  }

  createEncryptionContext(key: Bytes): AeadEncryptionContext {
    const secret = buffer(key);
    const algorithm = this.keySize === 16 ? 'aes-128-gcm' : 'aes-256-gcm';
    return {
      seal(iv, data, aad) {
        const cipher = createCipheriv(algorithm, secret, buffer(iv)).setAAD(buffer(aad));
        const sealed = Buffer.concat([cipher.update(buffer(data)), cipher.final(), cipher.getAuthTag()]);
        return Promise.resolve(arrayBuffer(sealed));
      },
      open(iv, data, aad) {
        try {
          const bytes = buffer(data);
          if (bytes.byteLength < 16) throw new Error('an AES-GCM ciphertext has at least its 16-byte tag');
          const decipher = createDecipheriv(algorithm, secret, buffer(iv)).setAAD(buffer(aad));
          decipher.setAuthTag(bytes.subarray(bytes.byteLength - 16));
          const opened = Buffer.concat([decipher.update(bytes.subarray(0, bytes.byteLength - 16)), decipher.final()]);
          return Promise.resolve(arrayBuffer(opened));
        } catch (error) {
          return Promise.reject(error instanceof Error ? error : new Error(String(error)));
        }
      },
    };
  }
}

/** DHKEM(X25519, HKDF-SHA256) on the primitives above: the library's KEM, with the sizes its own X25519 KEM sets. */
class NodeDhkemX25519 extends Dhkem {
  constructor() {
    const kdf = new NodeHkdfSha256();
    super(KemId.DhkemX25519HkdfSha256, new NodeX25519(kdf), kdf);
  }

  override readonly secretSize = 32;
  override readonly encSize = 32;
  override readonly publicKeySize = 32;
  override readonly privateKeySize = 32;
}

/**
 * The suite on Node's primitives. `aeadKeySize` 32 is the suite PolicyLedger wraps keys with; 16 (AES-128-GCM) exists
 * for RFC 9180's published test vectors of DHKEM(X25519, HKDF-SHA256).
 */
export function nodeHpkeSuite(aeadKeySize: 16 | 32 = 32): CipherSuite {
  return new CipherSuite({
    kem: new NodeDhkemX25519(),
    kdf: new NodeHkdfSha256(),
    aead: new NodeAesGcm(aeadKeySize),
  });
}
