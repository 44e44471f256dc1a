/**
 * The reader parties' encryption public keys, read from their on-chain party records. A registration wraps the content
 * key for every reader, so the keys are cached for a short time (about a block) rather than read for every upload; a
 * party that rotates its key is re-wrapped by the records module, so a key a few seconds stale loses nothing. The
 * read itself is shared: when the cached key expires under load, one chain read serves every registration waiting.
 */
import { readParty } from '../../ledger/parties.js';
import type { LedgerClient } from '../../ledger/client.js';
import { parseEncryptionPublicKey } from '../../storage/index.js';
import { AppError } from '../errors.js';

const CACHE_MS = 2_000;

export class ReaderKeys {
  /** The read of each reader's key, shared by every registration in the same ~2 s (one chain read, not one each). */
  readonly #cache = new Map<string, { publicKey: Promise<Uint8Array>; until: number }>();

  constructor(private readonly ledger: LedgerClient) {}

  /**
   * The X25519 public key `reader` registered; 422 READER_NOT_A_PARTY when it is not an active party, 422
   * READER_KEY_UNSUPPORTED when its registered key is not a raw X25519 key.
   */
  async publicKeyOf(reader: string): Promise<Uint8Array> {
    const cached = this.#cache.get(reader);
    if (cached !== undefined && cached.until > Date.now()) return cached.publicKey;
    const publicKey = this.#read(reader);
    const entry = { publicKey, until: Date.now() + CACHE_MS };
    this.#cache.set(reader, entry);
    // A failed read is not kept: the next registration reads again.
    publicKey.catch(() => this.#cache.get(reader) === entry && this.#cache.delete(reader));
    return publicKey;
  }

  async #read(reader: string): Promise<Uint8Array> {
    const party = await readParty(this.ledger, reader);
    if (!party.active) {
      throw new AppError(422, 'READER_NOT_A_PARTY', `Reader ${reader} is not an active party`, {
        details: { reader },
      });
    }
    try {
      return parseEncryptionPublicKey(party.encryptionPublicKey);
    } catch (error) {
      throw new AppError(
        422,
        'READER_KEY_UNSUPPORTED',
        `Reader ${reader} has no usable X25519 encryption key registered on chain: ${(error as Error).message}`,
        { cause: error, details: { reader } },
      );
    }
  }
}
