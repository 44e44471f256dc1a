import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { BaseBlockstore } from 'blockstore-core';
import type { Pair } from 'interface-blockstore';
import { NotFoundError } from 'interface-store';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import * as Digest from 'multiformats/hashes/digest';
import { statement } from '../shared/sqlite.js';

/**
 * The embedded content store's blocks, in a SQLite file beside its pins (`<dir>/blocks.sqlite`), keyed by multihash
 * like the file block store it replaces, so that a CIDv0 and a CIDv1 of the same node are one block.
 *
 * Why not one file per block: creating a file is the costliest step of storing a document on ext4 (about half a
 * millisecond of kernel time per file on the machines we measure on, allocating its inode), where a row in a
 * write-ahead log costs a few tens of microseconds. Durability matches the pin index's: WAL with `synchronous=NORMAL`,
 * so a process crash loses no stored block and a power loss may lose the last ones.
 *
 * A store written before this file kept its blocks as files under `<dir>/blocks/`; `adoptBlockFiles` moves them in.
 */
export class SqliteBlockstore extends BaseBlockstore {
  private constructor(private readonly db: DatabaseSync) {
    super();
  }

  /** Opens (creating when needed) the block database of the store at `dir`. */
  static open(dir: string): SqliteBlockstore {
    const db = new DatabaseSync(path.join(dir, 'blocks.sqlite'), { timeout: 5000 });
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec('PRAGMA wal_autocheckpoint = 10000');
    db.exec('CREATE TABLE IF NOT EXISTS blocks (multihash BLOB PRIMARY KEY, bytes BLOB NOT NULL)');
    return new SqliteBlockstore(db);
  }

  override put(key: CID, value: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>): CID | Promise<CID> {
    if (value instanceof Uint8Array) return this.write(key, value);
    if (Symbol.asyncIterator in value) return collect(value).then((bytes) => this.write(key, bytes));
    return this.write(key, Buffer.concat([...value]));
  }

  override *get(key: CID): Generator<Uint8Array> {
    const row = this.statement('SELECT bytes FROM blocks WHERE multihash = ?').get(key.multihash.bytes) as
      { bytes: Uint8Array } | undefined;
    if (row === undefined) throw new NotFoundError(`block ${key.toString()} is not in the store`);
    yield row.bytes;
  }

  override has(key: CID): boolean {
    return this.statement('SELECT 1 FROM blocks WHERE multihash = ?').get(key.multihash.bytes) !== undefined;
  }

  override delete(key: CID): void {
    this.statement('DELETE FROM blocks WHERE multihash = ?').run(key.multihash.bytes);
  }

  /** Every block, each under the CIDv1 of a raw node with its multihash (the store keeps no codec). */
  override *getAll(): Generator<Pair> {
    for (const row of this.statement('SELECT multihash, bytes FROM blocks').iterate()) {
      const { multihash, bytes } = row as { multihash: Uint8Array; bytes: Uint8Array };
      yield { cid: CID.createV1(raw.code, Digest.decode(multihash)), bytes: only(bytes) };
    }
  }

  /** How many blocks the store holds. */
  count(): number {
    return (this.statement('SELECT COUNT(*) AS count FROM blocks').get() as { count: number }).count;
  }

  /**
   * Moves in the blocks a file block store keeps under `blocksDir` (each file named by its multihash in base32, as
   * blockstore-fs lays them out), in one transaction, then deletes the files. Interrupted, it is simply run again on
   * the next open: a block already here is kept as it is.
   */
  async adoptBlockFiles(blocksDir: string): Promise<void> {
    if (!existsSync(blocksDir)) return;
    const { FsBlockstore } = await import('blockstore-fs');
    const files = new FsBlockstore(blocksDir);
    await files.open();
    // Nothing else uses this database while the store opens, so the transaction may span the reads.
    this.db.exec('BEGIN IMMEDIATE');
    try {
      for await (const { cid, bytes } of files.getAll()) {
        this.write(cid, await collect(bytes));
      }
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    } finally {
      await files.close();
    }
    await rm(blocksDir, { recursive: true, force: true });
  }

  close(): void {
    this.db.close();
  }

  /** Stores one block (a block already here is kept as it is). */
  write(key: CID, bytes: Uint8Array): CID {
    this.statement('INSERT OR IGNORE INTO blocks (multihash, bytes) VALUES (?, ?)').run(key.multihash.bytes, bytes);
    return key;
  }

  private statement(sql: string): StatementSync {
    return statement(this.db, sql);
  }
}

function* only(bytes: Uint8Array): Generator<Uint8Array> {
  yield bytes;
}

async function collect(chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return parts.length === 1 ? parts[0]! : new Uint8Array(Buffer.concat(parts));
}
