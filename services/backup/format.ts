/**
 * The backup archive, format `policyledger-backup/1`: one file, a single gzip stream (RFC 1952) that holds, in order,
 *
 * 1. the line `policyledger-backup/1` and a line feed;
 * 2. for each file, a header line, the JSON `{"path":"api/api.sqlite","size":28672,"mode":420}` and a line feed, then
 *    exactly `size` bytes: the file's content. `path` is relative to the data directory, `/`-separated, without `.`
 *    or `..` segments; `mode` is the file's permission bits (keystores are 0600, i.e. 384);
 * 3. the manifest: the header line `{"manifest":true,"size":N}` and a line feed, then N bytes of JSON (`BackupManifest`
 *    below: format version, time taken, chain ids, and every file with its size and SHA-256); nothing follows it.
 *
 * Ours rather than tar because no maintained tar package is among the project's dependencies; `gunzip` and a text
 * viewer show it. The manifest comes last because the files' hashes are known only once they have been read: the
 * archive is written in one pass, without a second copy of the data on disk. A restore extracts into a staging folder
 * and checks every file against the manifest before anything replaces the data directory.
 */
import { BackupError } from './errors.js';

export const ARCHIVE_MAGIC = 'policyledger-backup/1';
export const MANIFEST_FORMAT = 'policyledger-backup';
export const MANIFEST_VERSION = 1;

/** A header line longer than this is not one of ours. */
const MAX_HEADER_BYTES = 64 * 1024;
/** Nor is a manifest larger than this (about a million files). */
const MAX_MANIFEST_BYTES = 256 * 1024 * 1024;

/** One file saved in the archive. */
export interface ManifestFile {
  path: string;
  size: number;
  /** SHA-256 of the content, lowercase hex. */
  sha256: string;
  mode: number;
}

export interface BackupManifest {
  format: typeof MANIFEST_FORMAT;
  version: typeof MANIFEST_VERSION;
  /** When the backup was taken, ISO-8601 UTC. */
  createdAt: string;
  /** The chain ids of the deployment records saved (`deployments/<chainId>.json`). */
  chainIds: string[];
  /** What ran on the data directory while the backup was taken (empty when the stack was stopped). */
  running: string[];
  files: ManifestFile[];
  /** What was deliberately not saved, and why (rebuildable, or describing a process that runs now). */
  leftOut: { path: string; reason: string }[];
}

export type FileHeader = { path: string; size: number; mode: number };
type Header = FileHeader | { manifest: true; size: number };

/** The archive's first bytes. */
export function magicLine(): Buffer {
  return Buffer.from(`${ARCHIVE_MAGIC}\n`);
}

/** The header line that precedes a file's bytes. */
export function fileHeader(header: FileHeader): Buffer {
  return Buffer.from(`${JSON.stringify({ path: header.path, size: header.size, mode: header.mode })}\n`);
}

/** The manifest record that ends the archive. */
export function manifestRecord(manifest: BackupManifest): Buffer {
  const body = Buffer.from(JSON.stringify(manifest, null, 2));
  return Buffer.concat([Buffer.from(`${JSON.stringify({ manifest: true, size: body.length })}\n`), body]);
}

/** Whether `relative` is a path a restore may write: relative, `/`-separated, no empty, `.` or `..` segment. */
export function isSafeArchivePath(relative: string): boolean {
  if (relative === '' || relative.startsWith('/') || relative.includes('\\') || relative.includes('\0')) return false;
  return relative.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

function invalid(message: string): BackupError {
  return new BackupError('ARCHIVE_INVALID', `the archive is not a readable PolicyLedger backup: ${message}`);
}

/** The records of an archive's (gunzipped) byte stream, read in order: files, then the manifest. */
export class ArchiveReader {
  private buffered: Buffer = Buffer.alloc(0);
  private readonly chunks: AsyncIterator<Buffer>;

  constructor(source: AsyncIterable<Buffer>) {
    this.chunks = source[Symbol.asyncIterator]();
  }

  /** Checks the first line names this format and version. */
  async readMagic(): Promise<void> {
    const line = await this.line();
    if (line === null || !line.startsWith('policyledger-backup/'))
      throw invalid('it does not start with our format line');
    if (line !== ARCHIVE_MAGIC) {
      throw new BackupError('ARCHIVE_INVALID', `the archive is in format ${line}; this version reads ${ARCHIVE_MAGIC}`);
    }
  }

  /** The next record's header: a file (its bytes follow: read them with `body`), or the manifest. */
  async next(): Promise<{ kind: 'file'; header: FileHeader } | { kind: 'manifest'; manifest: BackupManifest }> {
    const line = await this.line();
    if (line === null) throw invalid('it ends before its manifest (truncated?)');
    const header = parseHeader(line);
    if (!('manifest' in header)) return { kind: 'file', header };
    if (header.size > MAX_MANIFEST_BYTES) throw invalid(`its manifest claims ${header.size} bytes`);
    const parts: Buffer[] = [];
    for await (const part of this.body(header.size)) parts.push(Buffer.from(part));
    let manifest: unknown;
    try {
      manifest = JSON.parse(Buffer.concat(parts).toString('utf8'));
    } catch {
      throw invalid('its manifest is not JSON');
    }
    return { kind: 'manifest', manifest: checkManifest(manifest) };
  }

  /** The next `size` bytes, in pieces (valid until the next piece is asked for). */
  async *body(size: number): AsyncGenerator<Buffer> {
    let left = size;
    while (left > 0) {
      if (this.buffered.length === 0 && !(await this.fill())) throw invalid('it ends inside a file (truncated?)');
      const take = Math.min(left, this.buffered.length);
      yield this.buffered.subarray(0, take);
      this.buffered = this.buffered.subarray(take);
      left -= take;
    }
  }

  /** Fails when anything follows the manifest. */
  async expectEnd(): Promise<void> {
    if (this.buffered.length > 0 || (await this.fill())) throw invalid('data follows its manifest');
  }

  private async fill(): Promise<boolean> {
    const next = await this.chunks.next();
    if (next.done === true) return false;
    this.buffered = this.buffered.length === 0 ? next.value : Buffer.concat([this.buffered, next.value]);
    return true;
  }

  /** The next line without its line feed; null at the very end of the stream. */
  private async line(): Promise<string | null> {
    for (;;) {
      const end = this.buffered.indexOf(0x0a);
      if (end >= 0) {
        const line = this.buffered.subarray(0, end).toString('utf8');
        this.buffered = this.buffered.subarray(end + 1);
        return line;
      }
      if (this.buffered.length > MAX_HEADER_BYTES) throw invalid('a header line is too long');
      if (!(await this.fill())) {
        if (this.buffered.length === 0) return null;
        throw invalid('it ends inside a header (truncated?)');
      }
    }
  }
}

function parseHeader(line: string): Header {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw invalid('a record header is not JSON');
  }
  const record = (value ?? {}) as Record<string, unknown>;
  const { size } = record;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw invalid('a record has no valid size');
  if (record.manifest === true) return { manifest: true, size };
  const { path, mode } = record;
  if (typeof path !== 'string' || !isSafeArchivePath(path)) {
    throw invalid(`a file record names the unsafe or invalid path ${JSON.stringify(path)}`);
  }
  if (typeof mode !== 'number' || !Number.isInteger(mode) || mode < 0 || mode > 0o777) {
    throw invalid(`${path} has no valid mode`);
  }
  return { path, size, mode };
}

function checkManifest(value: unknown): BackupManifest {
  const manifest = (value ?? {}) as Partial<BackupManifest>;
  if (manifest.format !== MANIFEST_FORMAT) throw invalid('its manifest is not a PolicyLedger backup manifest');
  if (manifest.version !== MANIFEST_VERSION) {
    throw new BackupError(
      'ARCHIVE_INVALID',
      `the archive's manifest is version ${String(manifest.version)}; this version reads ${MANIFEST_VERSION}`,
    );
  }
  const files = manifest.files;
  const wellFormed =
    Array.isArray(files) &&
    files.every(
      (file) =>
        typeof file.path === 'string' &&
        typeof file.size === 'number' &&
        typeof file.sha256 === 'string' &&
        /^[0-9a-f]{64}$/.test(file.sha256),
    ) &&
    typeof manifest.createdAt === 'string' &&
    Array.isArray(manifest.chainIds);
  if (!wellFormed) throw invalid('its manifest lacks the files, their SHA-256, the time or the chain ids');
  return manifest as BackupManifest;
}
