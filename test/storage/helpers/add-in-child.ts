/**
 * Run as a separate process by the content store tests: opens the Helia store in `argv[2]`, adds the bytes of the
 * file `argv[3]` in CID mode `argv[4]`, prints the CID and exits.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { openHeliaContentStore } from '../../../services/storage/helia.js';

/** Adds the file as the arguments say; runs only as the child's entry point (mocha also loads every file here). */
async function addInChild(): Promise<void> {
  const [dir, file, version] = process.argv.slice(2);
  if (dir === undefined || file === undefined || (version !== '0' && version !== '1')) {
    throw new Error('usage: add-in-child <dir> <file> <0|1>');
  }
  const store = await openHeliaContentStore(dir, { cidVersion: version === '0' ? 0 : 1 });
  process.stdout.write(`${await store.add(readFileSync(file))}\n`);
  await store.close();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await addInChild();
