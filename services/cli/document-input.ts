/**
 * A document as the CLI takes it: a file, hashed here with SHA-256 as it streams (never held whole, never sent when
 * only its hash is needed), or a hash given as it is.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { CliError, UsageError } from './errors.js';

const HASH_PATTERN = /^0x[0-9a-fA-F]{64}$/;

export interface HashedFile {
  file: string;
  documentHash: string;
  size: number;
}

/** The SHA-256 of `file`, streamed. */
export async function sha256File(file: string): Promise<HashedFile> {
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of createReadStream(file)) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).byteLength;
    }
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
  }
  return { file, documentHash: `0x${hash.digest('hex')}`, size };
}

/** The size of `file`, refusing what is not a readable regular file (a usage error: the user named it). */
export async function fileSize(file: string): Promise<number> {
  try {
    const stats = await stat(file);
    if (!stats.isFile()) throw new UsageError(`${file} is not a file`);
    return stats.size;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`no file ${file}`);
  }
}

/** `value` as a document: a file when one exists at that path, else a 0x hash (lowercased). */
export async function documentOf(value: string): Promise<{ documentHash: string; hashed: HashedFile | null }> {
  const exists = await stat(value).then(
    (stats) => stats.isFile(),
    () => false,
  );
  if (exists) {
    const hashed = await sha256File(value);
    return { documentHash: hashed.documentHash, hashed };
  }
  if (HASH_PATTERN.test(value)) return { documentHash: value.toLowerCase(), hashed: null };
  throw new UsageError(`"${value}" is neither a file nor a document hash (0x and 64 hex digits)`);
}
