import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/** How many blocks the content store at `dir` keeps on disk, read through a connection of the test's own. */
export function storedBlocks(dir: string): number {
  const db = new DatabaseSync(path.join(dir, 'blocks.sqlite'), { readOnly: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS count FROM blocks').get() as { count: number }).count;
  } finally {
    db.close();
  }
}
