/**
 * SHA-256 of a file in the browser, in chunks: WebCrypto's digest takes one whole buffer, so a large file would have
 * to sit in memory at once; the incremental hash of @noble/hashes reads it 4 MiB at a time. The bytes never leave the
 * browser.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

const CHUNK_BYTES = 4 * 1024 * 1024;

/** The file's SHA-256 as 0x lowercase hex; `onProgress(hashedBytes)` after each chunk. */
export async function hashFile(file: Blob, onProgress: (hashedBytes: number) => void): Promise<string> {
  const hash = sha256.create();
  for (let offset = 0; offset < file.size; offset += CHUNK_BYTES) {
    const chunk = new Uint8Array(await file.slice(offset, offset + CHUNK_BYTES).arrayBuffer());
    hash.update(chunk);
    onProgress(Math.min(file.size, offset + chunk.byteLength));
  }
  onProgress(file.size);
  return `0x${bytesToHex(hash.digest())}`;
}
