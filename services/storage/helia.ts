import path from 'node:path';
import type { AddOptions as PinAddOptions, Helia, RmOptions as PinRmOptions } from 'helia';
import type { UnixFS, AddFileOptions } from '@helia/unixfs';
import type { CID } from 'multiformats/cid';
import type { FsBlockstore } from 'blockstore-fs';
import {
  parseCid,
  requireCidVersion,
  type CidVersion,
  type ContentStore,
  type ContentStoreOptions,
} from './content-store.js';
import { StorageError } from './errors.js';

/**
 * The embedded IPFS content store: a Helia node with no libp2p, no routers and no block brokers — it never touches the
 * network; it only computes CIDs and keeps blocks on disk, exactly as Kubo would for the same bytes.
 *
 * - Blocks live under `<dir>/blocks` (`blockstore-fs`), Helia's pins and metadata under `<dir>/datastore`
 *   (`datastore-fs`); a reopened store, or another process opening the same directory, reads what was stored.
 * - CIDs: IPIP-499's `unixfs-v0-2015` profile, Kubo's default recipe (256 KiB chunks, balanced DAG, 174 links a node),
 *   with CIDv0 and dag-pb leaves (`ipfs add`) or CIDv1 and raw leaves (`ipfs add --cid-version=1`). Helia's own
 *   defaults (1 MiB chunks, 1024 links) give other CIDs for files over 256 KiB, so they are cleared here.
 * - Everything added is pinned; `remove` unpins and deletes the blocks no other pin holds, so erased content is gone
 *   from the disk, not only unpinned.
 * - Writes go through temporary files and renames without fsync: a process crash loses nothing written, a power loss
 *   may lose the last writes.
 */
export async function openHeliaContentStore(dir: string, options: ContentStoreOptions = {}): Promise<ContentStore> {
  const cidVersion = requireCidVersion(options.cidVersion ?? 0);
  // Loaded on first use: the `helia` package's entry point also loads libp2p (about a second), which the rest of the
  // API does not need.
  const [{ createHeliaLight }, { unixfs }, { FsBlockstore }, { FsDatastore }] = await Promise.all([
    import('helia'),
    import('@helia/unixfs'),
    import('blockstore-fs'),
    import('datastore-fs'),
  ]);
  const blockstore = new FsBlockstore(path.join(dir, 'blocks'));
  const datastore = new FsDatastore(path.join(dir, 'datastore'));
  await blockstore.open();
  await datastore.open();
  // No libp2p, routers or block brokers: this node has no way to reach the network.
  const helia = createHeliaLight({ blockstore, datastore, routers: [], blockBrokers: [] });
  await helia.start();
  return new HeliaContentStore(helia, unixfs(helia), blockstore, cidVersion);
}

/** Kubo's `ipfs add` recipe for `cidVersion`, clearing Helia's own chunker and layout defaults. */
function kuboImportOptions(cidVersion: CidVersion): AddFileOptions {
  return {
    profile: 'unixfs-v0-2015',
    cidVersion,
    rawLeaves: cidVersion === 1,
    // `undefined` overrides @helia/unixfs's 1 MiB chunker and 1024-link layout, so the profile's 256 KiB / 174 apply.
    chunker: undefined,
    layout: undefined,
  };
}

/** Reads and `get`s never reach for the network (Helia's `offline` option): a missing block is an error at once. */
const OFFLINE = { offline: true } as const;
/** The same for pinning and unpinning, which pass their options on to the block reads of their DAG walk. */
const OFFLINE_PINS: PinAddOptions & PinRmOptions & { offline: true } = OFFLINE;

class HeliaContentStore implements ContentStore {
  /** Adds share it; a removal holds it alone, so a removal never deletes blocks an add is about to pin. */
  private readonly gate = new ReadWriteGate();
  /** Serialises pinning per CID, so two adds of the same bytes pin once. */
  private readonly pinning = new Map<string, Promise<void>>();
  private readonly importOptions: AddFileOptions;

  constructor(
    private readonly helia: Helia,
    private readonly fs: UnixFS,
    /** The on-disk block store under Helia, for deletions. */
    private readonly disk: FsBlockstore,
    cidVersion: CidVersion,
  ) {
    this.importOptions = kuboImportOptions(cidVersion);
  }

  async add(bytes: Uint8Array): Promise<string> {
    return this.gate.shared(async () => {
      const cid = await this.fs.addBytes(bytes, this.importOptions);
      await this.pinOnce(cid);
      return cid.toString();
    });
  }

  async get(cid: string): Promise<Uint8Array> {
    const parsed = parseCid(cid);
    return this.gate.shared(async () => {
      if (!(await this.isHeld(parsed))) throw notFound(cid);
      const chunks: Uint8Array[] = [];
      try {
        for await (const chunk of this.fs.cat(parsed, OFFLINE)) chunks.push(chunk);
      } catch (error) {
        if (isNamed(error, 'BlockNotFoundWhileOfflineError', 'NotFoundError')) throw notFound(cid, error);
        throw error;
      }
      const bytes = Buffer.concat(chunks);
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    });
  }

  async has(cid: string): Promise<boolean> {
    const parsed = parseCid(cid);
    return this.gate.shared(() => this.isHeld(parsed));
  }

  async remove(cid: string): Promise<void> {
    const parsed = parseCid(cid);
    await this.gate.exclusive(async () => {
      if (!(await this.isPinnedRoot(parsed))) return;
      // Unpinning walks the DAG and yields each of its blocks.
      const candidates = new Map<string, CID>();
      for await (const block of this.helia.pins.rm(parsed, OFFLINE_PINS)) candidates.set(blockKey(block), block);
      // Helia 7.1's per-block pin counts go wrong once a block shared by two pinned DAGs is unpinned (`pins.rm` keeps
      // the wrong `pinnedBy` entry, so pinning that content again does not count, and a later unpin drives the count
      // below zero). So they decide nothing here: a block is deleted when no remaining pinned DAG links to it, checked
      // by reading the other pinned DAGs' nodes, and straight from the disk store, past Helia's (wrong) pin check.
      await this.dropBlocksStillReferenced(candidates);
      for (const block of candidates.values()) {
        try {
          await this.disk.delete(block);
        } catch (error) {
          if (!isNamed(error, 'NotFoundError')) throw error;
        }
      }
    });
  }

  async close(): Promise<void> {
    await this.gate.exclusive(() => this.helia.stop());
  }

  private async pinOnce(cid: CID): Promise<void> {
    const key = cid.toV1().toString();
    const previous = this.pinning.get(key) ?? Promise.resolve();
    const pinned = previous.then(async () => {
      if (await this.isPinnedRoot(cid)) return;
      // Pinning walks the DAG (offline) and records a pin on each block it yields.
      const blocks: CID[] = [];
      for await (const block of this.helia.pins.add(cid, OFFLINE_PINS)) blocks.push(block);
    });
    const settled = pinned.catch(() => undefined);
    this.pinning.set(key, settled);
    try {
      await pinned;
    } finally {
      if (this.pinning.get(key) === settled) this.pinning.delete(key);
    }
  }

  /** Removes from `candidates` every block some pinned DAG still links to. */
  private async dropBlocksStillReferenced(candidates: Map<string, CID>): Promise<void> {
    const visited = new Set<string>();
    for await (const pin of this.helia.pins.ls()) {
      const pending: CID[] = [pin.cid];
      while (pending.length > 0 && candidates.size > 0) {
        const block = pending.pop() as CID;
        const key = blockKey(block);
        candidates.delete(key);
        if (visited.has(key)) continue;
        visited.add(key);
        if (block.code !== DAG_PB_CODE) continue; // a raw leaf links to nothing
        const codec = await this.helia.getCodec<{ Links: { Hash: CID }[] }>(block.code);
        const node = codec.decode(await this.readBlock(block));
        for (const link of node.Links) pending.push(link.Hash);
      }
      if (candidates.size === 0) return;
    }
  }

  private async readBlock(cid: CID): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    for await (const chunk of this.helia.blockstore.get(cid, OFFLINE)) chunks.push(chunk);
    return chunks.length === 1 ? (chunks[0] as Uint8Array) : new Uint8Array(Buffer.concat(chunks));
  }

  private async isHeld(cid: CID): Promise<boolean> {
    return (await this.isPinnedRoot(cid)) && (await this.helia.blockstore.has(cid));
  }

  private async isPinnedRoot(cid: CID): Promise<boolean> {
    try {
      await this.helia.pins.get(cid);
      return true;
    } catch (error) {
      if (isNamed(error, 'NotFoundError')) return false;
      throw error;
    }
  }
}

/** A minimal shared/exclusive lock: shared holders run together; an exclusive holder waits for them and runs alone. */
class ReadWriteGate {
  private sharedHolders = 0;
  private exclusiveTail: Promise<void> = Promise.resolve();
  private drained: (() => void) | undefined;

  async shared<T>(task: () => Promise<T>): Promise<T> {
    await this.exclusiveTail;
    this.sharedHolders++;
    try {
      return await task();
    } finally {
      if (--this.sharedHolders === 0) this.drained?.();
    }
  }

  async exclusive<T>(task: () => Promise<T>): Promise<T> {
    const previous = this.exclusiveTail;
    let release!: () => void;
    this.exclusiveTail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    try {
      if (this.sharedHolders > 0) await new Promise<void>((resolve) => (this.drained = resolve));
      this.drained = undefined;
      return await task();
    } finally {
      release();
    }
  }
}

/** dag-pb's multicodec code (0x70): UnixFS files' inner nodes, and their leaves in CIDv0 mode. */
const DAG_PB_CODE = 0x70;

/** Blocks are stored by multihash, so a CIDv0 and a CIDv1 of the same node are the same block. */
function blockKey(cid: CID): string {
  return Buffer.from(cid.multihash.bytes).toString('base64');
}

function notFound(cid: string, cause?: unknown): StorageError {
  return new StorageError('CONTENT_NOT_FOUND', `the content store holds no content ${cid}`, { cause });
}

function isNamed(error: unknown, ...names: string[]): boolean {
  return error instanceof Error && names.includes(error.name);
}
