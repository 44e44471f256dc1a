import path from 'node:path';
import { statement } from '../shared/sqlite.js';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { CID } from 'multiformats/cid';

/**
 * The embedded content store's pins, in a small SQLite file beside its blocks (`<dir>/pins.sqlite`): which roots are
 * pinned and which blocks each root's DAG holds. Helia's own pin records cost several datastore files per block (about
 * 2.5 ms of CPU for each 10 KiB document added); a row here costs a few microseconds, and it tells a removal at once
 * which blocks no other pinned root still holds, where Helia's per-block counts had to be checked by reading every
 * other pinned DAG.
 *
 * Durability matches the block files': WAL with `synchronous=NORMAL`, so a process crash loses no committed pin (the
 * WAL is in the OS's cache) and a power loss may lose the last ones. Other processes opening the same directory read
 * the same pins.
 */
export class PinIndex {
  private constructor(private readonly db: DatabaseSync) {}

  /** Opens (creating when needed) the pin index of the store at `dir`; `fresh` tells whether it was just created. */
  static open(dir: string): { pins: PinIndex; fresh: boolean } {
    const db = new DatabaseSync(path.join(dir, 'pins.sqlite'), { timeout: 5000 });
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec('PRAGMA wal_autocheckpoint = 10000');
    const { user_version: version } = db.prepare('PRAGMA user_version').get() as { user_version: number };
    db.exec(`
      CREATE TABLE IF NOT EXISTS pins (root TEXT PRIMARY KEY, cid TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS pin_blocks (
        root TEXT NOT NULL,
        block TEXT NOT NULL,
        cid TEXT NOT NULL,
        PRIMARY KEY (root, block)
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS pin_blocks_block ON pin_blocks (block);
      PRAGMA user_version = 1;
    `);
    return { pins: new PinIndex(db), fresh: version === 0 };
  }

  /** Pins `root` with the blocks of its DAG (the root among them), in one transaction; pinning again changes nothing. */
  add(root: CID, blocks: CID[]): void {
    const key = blockKey(root);
    this.db.exec('BEGIN IMMEDIATE');
    try {
      this.statement('INSERT OR IGNORE INTO pins (root, cid) VALUES (?, ?)').run(key, root.toString());
      const addBlock = this.statement('INSERT OR IGNORE INTO pin_blocks (root, block, cid) VALUES (?, ?, ?)');
      for (const block of blocks) addBlock.run(key, blockKey(block), block.toString());
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  /** Whether `root` (in either CID version) is pinned. */
  has(root: CID): boolean {
    return this.statement('SELECT 1 FROM pins WHERE root = ?').get(blockKey(root)) !== undefined;
  }

  /** Whether any pinned root's DAG holds `block`. */
  holdsBlock(block: CID): boolean {
    return this.statement('SELECT 1 FROM pin_blocks WHERE block = ?').get(blockKey(block)) !== undefined;
  }

  /**
   * Unpins `root` and returns the blocks of its DAG that no other pinned root holds (to be deleted); none when `root`
   * was not pinned.
   */
  remove(root: CID): CID[] {
    const key = blockKey(root);
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const orphans = this.statement(
        `SELECT mine.cid AS cid FROM pin_blocks AS mine WHERE mine.root = ?
           AND NOT EXISTS (SELECT 1 FROM pin_blocks AS other WHERE other.block = mine.block AND other.root <> mine.root)`,
      ).all(key) as { cid: string }[];
      this.statement('DELETE FROM pin_blocks WHERE root = ?').run(key);
      this.statement('DELETE FROM pins WHERE root = ?').run(key);
      this.db.exec('COMMIT');
      return orphans.map((row) => CID.parse(row.cid));
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  close(): void {
    this.db.close();
  }

  private statement(sql: string): StatementSync {
    return statement(this.db, sql);
  }
}

/** Blocks are stored by multihash, so a CIDv0 and a CIDv1 of the same node are the same block. */
export function blockKey(cid: CID): string {
  return Buffer.from(cid.multihash.bytes).toString('base64');
}
