import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { hkdfSync, randomBytes, scrypt as scryptCallback, type ScryptOptions } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { StorageError } from './errors.js';

/**
 * Members' encryption keys: X25519 key pairs, as HPKE's DHKEM(X25519, HKDF-SHA256) uses them (RFC 9180 §7.1.1).
 *
 * - Public key: the raw 32-byte X25519 public key; on chain (`Party.encryptionPublicKey`) as 0x-prefixed hex of those
 *   32 bytes. Older deployments registered 33- or 65-byte secp256k1 keys; those are refused by name
 *   (`ENCRYPTION_KEY_UNSUPPORTED`) and the party must register a new key.
 * - Private key: the raw 32-byte X25519 scalar (RFC 9180's SerializePrivateKey), kept in a password-protected key file
 *   (`saveEncryptionKeyFile`): scrypt (N=2^17, r=8, p=1, 16-byte salt) derives a key that seals the private key with
 *   AES-256-GCM; the public key is stored beside it, bound to it as additional data, and checked on load.
 * - The local demo parties derive theirs from their (publicly known) development wallet keys: `localEncryptionKeyPair`.
 */

export interface EncryptionKeyPair {
  /** Raw 32-byte X25519 public key. */
  publicKey: Uint8Array;
  /** Raw 32-byte X25519 private key. */
  privateKey: Uint8Array;
}

const X25519_KEY_BYTES = 32;

/** A fresh random X25519 key pair. */
export async function generateEncryptionKeyPair(): Promise<EncryptionKeyPair> {
  const { privateKey } = generateKeyPairSync('x25519');
  return Promise.resolve(keyPairOf(new Uint8Array(rawX25519PrivateKey(privateKey))));
}

/** The X25519 public key of a raw 32-byte private key. */
export function encryptionPublicKeyOf(privateKey: Uint8Array): Uint8Array {
  return new Uint8Array(rawX25519PublicKey(createPublicKey(x25519PrivateKey(privateKey))));
}

/**
 * Node's key object for a raw 32-byte X25519 private key, through PKCS #8 DER (a JWK private key would need its public
 * half too).
 */
export function x25519PrivateKey(raw: Uint8Array): KeyObject {
  requireKeyLength(raw, 'private');
  return createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' });
}

// Raw keys come out of Node through JWK: an export as JWK costs a twentieth of one as DER.

/** The raw 32 bytes of an X25519 private key object. */
export function rawX25519PrivateKey(key: KeyObject): Buffer {
  return Buffer.from(requireJwkField(key.export({ format: 'jwk' }).d, 'd'), 'base64url');
}

/** The raw 32 bytes of an X25519 public (or private) key object's public key. */
export function rawX25519PublicKey(key: KeyObject): Buffer {
  return Buffer.from(requireJwkField(key.export({ format: 'jwk' }).x, 'x'), 'base64url');
}

/** DER prefix of a PKCS#8 X25519 private key (RFC 8410 §7), followed by the 32-byte scalar. */
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/**
 * The deterministic encryption key pair of a local demo party, derived from its development wallet's private key with
 * HKDF-SHA256. The wallet keys come from a public mnemonic, so these keys protect nothing: they exist only so the
 * embedded stack's parties can open what is wrapped for them. Never use this for a real member's key.
 */
export function localEncryptionKeyPair(walletPrivateKey: string): EncryptionKeyPair {
  if (!/^0x[0-9a-fA-F]{64}$/.test(walletPrivateKey)) {
    throw new StorageError('STORAGE_INPUT_INVALID', 'a wallet private key is 0x-prefixed hex of 32 bytes');
  }
  const derived = hkdfSync(
    'sha256',
    Buffer.from(walletPrivateKey.slice(2), 'hex'),
    Buffer.from('PolicyLedger local demo parties', 'utf8'),
    Buffer.from('PolicyLedger encryption key v1 (public demo keys only)', 'utf8'),
    X25519_KEY_BYTES,
  );
  return keyPairOf(new Uint8Array(derived));
}

/**
 * Reads a registered encryption public key (0x-prefixed hex, as `readParty` returns it). Accepts only a 32-byte X25519
 * key; anything else throws `ENCRYPTION_KEY_UNSUPPORTED` naming its length.
 */
export function parseEncryptionPublicKey(hex: string): Uint8Array {
  if (!/^0x([0-9a-fA-F]{2})*$/.test(hex)) {
    throw new StorageError('ENCRYPTION_KEY_UNSUPPORTED', 'an encryption public key is 0x-prefixed hex of 32 bytes');
  }
  const bytes = Buffer.from(hex.slice(2), 'hex');
  if (bytes.byteLength !== X25519_KEY_BYTES) {
    const hint =
      bytes.byteLength === 33 || bytes.byteLength === 65
        ? ' (a secp256k1 key, as older deployments registered: the party must register an X25519 key)'
        : bytes.byteLength === 0
          ? ' (the party has registered no encryption key)'
          : '';
    throw new StorageError(
      'ENCRYPTION_KEY_UNSUPPORTED',
      `the encryption public key is ${bytes.byteLength} bytes${hint}; PolicyLedger needs a 32-byte X25519 key`,
    );
  }
  return new Uint8Array(bytes);
}

/** The on-disk format of a key file (JSON). */
interface EncryptionKeyFile {
  format: typeof KEY_FILE_FORMAT;
  /** Hex of the raw X25519 public key (no 0x), checked against the private key on load. */
  publicKey: string;
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string };
  cipher: { name: 'aes-256-gcm'; iv: string; tag: string };
  /** Hex of the AES-256-GCM ciphertext of the raw private key. */
  ciphertext: string;
}

const KEY_FILE_FORMAT = 'policyledger-encryption-key/1';
const SCRYPT = { N: 2 ** 17, r: 8, p: 1 } as const;

/**
 * Writes `privateKey` to `file`, encrypted under `password` (format above), readable by its owner only (mode 0600).
 * Refuses to overwrite an existing file (`ENCRYPTION_KEY_FILE_EXISTS`): losing a member's key loses its documents.
 */
export async function saveEncryptionKeyFile(file: string, privateKey: Uint8Array, password: string): Promise<void> {
  requireKeyLength(privateKey, 'private');
  if (password.length === 0) throw new StorageError('STORAGE_INPUT_INVALID', 'the key file password is empty');
  const publicKey = Buffer.from(encryptionPublicKeyOf(privateKey)).toString('hex');
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', await passwordKey(password, salt, SCRYPT), iv).setAAD(
    keyFileAad(publicKey),
  );
  const ciphertext = Buffer.concat([cipher.update(privateKey), cipher.final()]);
  const contents: EncryptionKeyFile = {
    format: KEY_FILE_FORMAT,
    publicKey,
    kdf: { name: 'scrypt', ...SCRYPT, salt: salt.toString('hex') },
    cipher: { name: 'aes-256-gcm', iv: iv.toString('hex'), tag: cipher.getAuthTag().toString('hex') },
    ciphertext: ciphertext.toString('hex'),
  };

  await mkdir(path.dirname(file), { recursive: true });
  let handle;
  try {
    handle = await open(file, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new StorageError('ENCRYPTION_KEY_FILE_EXISTS', `the encryption key file ${file} already exists`, {
        cause: error,
      });
    }
    throw error;
  }
  try {
    await handle.writeFile(`${JSON.stringify(contents, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Reads and decrypts a key file written by `saveEncryptionKeyFile`. */
export async function loadEncryptionKeyFile(file: string, password: string): Promise<EncryptionKeyPair> {
  const contents = parseKeyFile(await readFile(file, 'utf8'), file);
  const key = await passwordKey(password, Buffer.from(contents.kdf.salt, 'hex'), contents.kdf);
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(contents.cipher.iv, 'hex'))
    .setAAD(keyFileAad(contents.publicKey))
    .setAuthTag(Buffer.from(contents.cipher.tag, 'hex'));
  let privateKey: Uint8Array;
  try {
    privateKey = new Uint8Array(
      Buffer.concat([decipher.update(Buffer.from(contents.ciphertext, 'hex')), decipher.final()]),
    );
  } catch (error) {
    throw new StorageError(
      'ENCRYPTION_KEY_PASSWORD_INCORRECT',
      `the encryption key file ${file} did not open: wrong password, or the file was altered`,
      { cause: error },
    );
  }
  const pair = keyPairOf(privateKey);
  if (Buffer.from(pair.publicKey).toString('hex') !== contents.publicKey) {
    throw new StorageError('ENCRYPTION_KEY_FILE_INVALID', `the encryption key file ${file} holds a mismatched key`);
  }
  return pair;
}

function keyPairOf(privateKey: Uint8Array): EncryptionKeyPair {
  return { publicKey: encryptionPublicKeyOf(privateKey), privateKey };
}

function requireJwkField(value: string | undefined, field: string): string {
  if (value === undefined) throw new Error(`Node exported an X25519 JWK without "${field}"`);
  return value;
}

function requireKeyLength(key: Uint8Array, kind: 'private' | 'public'): void {
  if (key.byteLength !== X25519_KEY_BYTES) {
    throw new StorageError(
      'ENCRYPTION_KEY_UNSUPPORTED',
      `an X25519 ${kind} key is ${X25519_KEY_BYTES} bytes, got ${key.byteLength}`,
    );
  }
}

function keyFileAad(publicKeyHex: string): Buffer {
  return Buffer.from(`${KEY_FILE_FORMAT}:${publicKeyHex}`, 'utf8');
}

function passwordKey(
  password: string,
  salt: Buffer,
  { N, r, p }: { N: number; r: number; p: number },
): Promise<Buffer> {
  const options: ScryptOptions = { N, r, p, maxmem: 256 * N * r };
  return new Promise((resolve, reject) => {
    scryptCallback(password.normalize('NFKC'), salt, 32, options, (error, key) =>
      error === null ? resolve(key) : reject(error),
    );
  });
}

function parseKeyFile(text: string, file: string): EncryptionKeyFile {
  const invalid = (why: string) =>
    new StorageError('ENCRYPTION_KEY_FILE_INVALID', `the encryption key file ${file} is invalid: ${why}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid('not JSON');
  }
  const value = parsed as Partial<EncryptionKeyFile>;
  if (value.format !== KEY_FILE_FORMAT) throw invalid(`format is not ${KEY_FILE_FORMAT}`);
  const hex = (field: unknown, bytes?: number) =>
    typeof field === 'string' && /^([0-9a-f]{2})*$/.test(field) && (bytes === undefined || field.length === 2 * bytes);
  const { kdf, cipher } = value;
  const kdfOk =
    kdf?.name === 'scrypt' &&
    [kdf.N, kdf.r, kdf.p].every((n) => Number.isSafeInteger(n) && n > 0) &&
    kdf.N <= 2 ** 20 &&
    kdf.r <= 32 &&
    kdf.p <= 16 &&
    hex(kdf.salt);
  if (!kdfOk) throw invalid('unsupported key derivation');
  if (cipher?.name !== 'aes-256-gcm' || !hex(cipher.iv, 12) || !hex(cipher.tag, 16))
    throw invalid('unsupported cipher');
  if (!hex(value.publicKey, X25519_KEY_BYTES) || !hex(value.ciphertext, X25519_KEY_BYTES))
    throw invalid('bad key data');
  return value as EncryptionKeyFile;
}
