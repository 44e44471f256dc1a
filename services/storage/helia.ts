import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Helia } from 'helia';
import type { UnixFS, AddFileOptions } from '@helia/unixfs';
import * as dagPb from '@ipld/dag-pb';
import { UnixFS as UnixFSData } from 'ipfs-unixfs';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import {
  KUBO_CHUNK_SIZE,
  parseCid,
  requireCidVersion,
  type CidVersion,
  type ContentStore,
  type ContentStoreOptions,
  type FetchOptions,
  type NodeIdentity,
} from './content-store.js';
import { StorageError } from './errors.js';
import { addPeering, type PeerNetwork, type PeeringOptions } from './peering.js';
import { SqliteBlockstore } from './block-db.js';
import { blockKey, PinIndex } from './pins.js';

/**
 * The embedded IPFS content store: a Helia node that keeps blocks on disk and computes CIDs exactly as Kubo would for
 * the same bytes. Without `peering` it has no libp2p, no routers and no block brokers — it never touches the network.
 * With `peering` (`peering.ts`) it also runs libp2p and bitswap towards the other members' nodes only: it serves them
 * the blocks it holds, and `fetch` asks them by CID for content it does not hold.
 *
 * - Blocks live in `<dir>/blocks.sqlite` (`block-db.ts`), pins in `<dir>/pins.sqlite` (`pins.ts`), Helia's metadata
 *   under `<dir>/datastore` (`datastore-fs`); a reopened store, or another process opening the same directory, reads
 *   what was stored. A store from before these files is taken over once: its block files (`<dir>/blocks/`) are moved
 *   into `blocks.sqlite`, and the pins Helia recorded in its datastore are copied into `pins.sqlite`.
 * - CIDs: IPIP-499's `unixfs-v0-2015` profile, Kubo's default recipe (256 KiB chunks, balanced DAG, 174 links a node),
 *   with CIDv0 and dag-pb leaves (`ipfs add`) or CIDv1 and raw leaves (`ipfs add --cid-version=1`). Helia's own
 *   defaults (1 MiB chunks, 1024 links) give other CIDs for files over 256 KiB, so they are cleared here. Content of
 *   one chunk (most documents) is one block, built here directly as the importer would build it (`singleBlock`): the
 *   importer's streaming machinery costs more than the hashing itself for a 10 KiB document.
 * - Everything added is pinned; `remove` unpins and deletes the blocks no other pin holds, so erased content is gone
 *   from the disk, not only unpinned.
 * - Writes are SQLite commits in WAL mode without fsync: a process crash loses nothing written, a power loss may lose
 *   the last writes.
 */
export async function openHeliaContentStore(
  dir: string,
  options: ContentStoreOptions & { peering?: PeeringOptions } = {},
): Promise<ContentStore> {
  const cidVersion = requireCidVersion(options.cidVersion ?? 0);
  // Loaded on first use: the `helia` package's entry point also loads libp2p (about a second), which the rest of the
  // API does not need.
  const [{ createHeliaLight }, { unixfs }, { FsDatastore }] = await Promise.all([
    import('helia'),
    import('@helia/unixfs'),
    import('datastore-fs'),
  ]);
  mkdirSync(dir, { recursive: true });
  const blockstore = SqliteBlockstore.open(dir);
  await blockstore.adoptBlockFiles(path.join(dir, 'blocks'));
  const datastore = new FsDatastore(path.join(dir, 'datastore'));
  await datastore.open();
  // No routers or block brokers; libp2p and bitswap only with peering: else this node has no way to reach the network.
  const helia = createHeliaLight({ blockstore, datastore, routers: [], blockBrokers: [] });
  const network = options.peering === undefined ? null : await addPeering(helia, dir, options.peering);
  await helia.start().catch(async (error: unknown) => {
    if (options.peering === undefined) throw error;
    await helia.stop().catch(() => undefined); // what did start (libp2p's other parts) must not keep the process up
    // Most often the listen port is taken: name the addresses and the system's reason, not libp2p's whole report.
    const reason = /E[A-Z]+: [^\n]*/.exec(String(error))?.[0] ?? (error as Error).name;
    const listen = options.peering.listen.join(', ');
    throw new StorageError('CONTENT_STORE_CONFIG_INVALID', `the IPFS node cannot listen on ${listen}: ${reason}`, {
      cause: error,
    });
  });
  network?.start();
  const { pins, fresh } = PinIndex.open(dir);
  const store = new HeliaContentStore(helia, unixfs(helia), blockstore, pins, cidVersion, network);
  if (fresh) await store.adoptHeliaPins();
  return store;
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

/**
 * The one block Kubo's recipe makes of 1 to 256 KiB of content, as ipfs-unixfs-importer makes it: in CIDv1 mode a raw
 * leaf (CIDv1, raw codec), in CIDv0 mode a dag-pb node holding a UnixFS `file` with the bytes and no links (the
 * importer's single leaf, reduced to the root). Multi-chunk content goes through the importer.
 */
async function singleBlock(bytes: Uint8Array, cidVersion: CidVersion): Promise<{ cid: CID; block: Uint8Array }> {
  if (cidVersion === 1) return { cid: CID.createV1(raw.code, await sha256.digest(bytes)), block: bytes };
  const block = dagPb.encode({ Data: new UnixFSData({ type: 'file', data: bytes }).marshal(), Links: [] });
  return { cid: CID.createV0(await sha256.digest(block)), block };
}

/** Reads and `get`s never reach for the network (Helia's `offline` option): a missing block is an error at once. */
const OFFLINE = { offline: true } as const;

/** A fetch from peers in progress: its deadline, and the blocks it wrote to the disk (to delete should it fail). */
interface Fetching {
  signal: AbortSignal;
  written: CID[];
}

class HeliaContentStore implements ContentStore {
  /** Adds share it; a removal holds it alone, so a removal never deletes blocks an add is about to pin. */
  private readonly gate = new ReadWriteGate();
  private readonly importOptions: AddFileOptions;
  /** Aborted by `close`, so that fetches waiting on peers end at once. */
  private readonly closing = new AbortController();

  constructor(
    private readonly helia: Helia,
    private readonly fs: UnixFS,
    /** The on-disk block store under Helia: single blocks are written, and removed blocks deleted, here directly. */
    private readonly disk: SqliteBlockstore,
    private readonly pins: PinIndex,
    private readonly cidVersion: CidVersion,
    /** The node's network with peering, else null (no libp2p at all). */
    private readonly network: PeerNetwork | null,
  ) {
    this.importOptions = kuboImportOptions(cidVersion);
  }

  async add(bytes: Uint8Array): Promise<string> {
    return this.gate.shared(async () => {
      if (bytes.byteLength > 0 && bytes.byteLength <= KUBO_CHUNK_SIZE) {
        const { cid, block } = await singleBlock(bytes, this.cidVersion);
        // With peering, through Helia, which tells peers already waiting for the block that it is here.
        if (this.network === null) this.disk.write(cid, block);
        else await this.helia.blockstore.put(cid, block);
        this.pins.add(cid, [cid]);
        return cid.toString();
      }
      const cid = await this.fs.addBytes(bytes, this.importOptions);
      this.pins.add(cid, await this.dagBlocks(cid));
      return cid.toString();
    });
  }

  async get(cid: string): Promise<Uint8Array> {
    const parsed = parseCid(cid);
    return this.gate.shared(async () => {
      if (!(await this.isHeld(parsed))) throw notFound(cid);
      return this.readHeld(parsed);
    });
  }

  async fetch(cid: string, { timeoutMs, maxBytes }: FetchOptions): Promise<Uint8Array> {
    const parsed = parseCid(cid);
    const held = await this.gate.shared(async () => ((await this.isHeld(parsed)) ? this.readHeld(parsed) : null));
    if (held !== null) return held;
    if (this.network === null) {
      throw new StorageError('CONTENT_STORE_OFFLINE', `this IPFS node has no peers to fetch ${cid} from (no peering)`);
    }
    if (parsed.code !== dagPb.code && parsed.code !== raw.code) {
      throw new StorageError('CID_INVALID', `${cid} does not name UnixFS content (dag-pb or raw)`);
    }
    this.network.connectPeers();
    const fetching: Fetching = {
      signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), this.closing.signal]),
      written: [],
    };
    try {
      // The slow part, outside the gate: a removal waiting for the gate must not stall every read behind a fetch.
      if (maxBytes !== undefined) await this.refuseOver(parsed, maxBytes, fetching);
      await this.dagBlocks(parsed, fetching);
      return await this.gate.shared(async () => {
        // Walked again under the gate, from the disk: a block a concurrent removal deleted meanwhile is fetched again.
        this.pins.add(parsed, await this.dagBlocks(parsed, fetching));
        return this.readHeld(parsed);
      });
    } catch (error) {
      await this.gate.exclusive(() => this.deleteUnpinned(fetching.written));
      if (!fetching.signal.aborted) throw error;
      const peers = this.network.peers();
      throw new StorageError(
        'CONTENT_UNREACHABLE',
        `no IPFS peer delivered ${cid} within ${timeoutMs} ms (${peers.filter((peer) => peer.connected).length} of ` +
          `${peers.length} peers connected)`,
        { cause: error },
      );
    }
  }

  identity(): Promise<NodeIdentity | null> {
    return Promise.resolve(this.network?.identity() ?? null);
  }

  async has(cid: string): Promise<boolean> {
    const parsed = parseCid(cid);
    return this.gate.shared(() => this.isHeld(parsed));
  }

  async remove(cid: string): Promise<void> {
    const parsed = parseCid(cid);
    await this.gate.exclusive(() => {
      for (const block of this.pins.remove(parsed)) this.disk.delete(block);
      return Promise.resolve();
    });
  }

  async close(): Promise<void> {
    this.closing.abort();
    this.network?.stop();
    await this.gate.exclusive(() => this.helia.stop());
    this.pins.close();
    this.disk.close();
  }

  /** Copies the pins Helia recorded in its datastore (a store from before `pins.sqlite`) into the pin index. */
  async adoptHeliaPins(): Promise<void> {
    for await (const pin of this.helia.pins.ls()) this.pins.add(pin.cid, await this.dagBlocks(pin.cid));
  }

  /**
   * Every block of the DAG under `root`, the root among them, read from the disk — or, `fetching`, from the node's
   * peers when not on the disk (each block checked against its CID by Helia), noting in `written` the blocks it wrote.
   */
  private async dagBlocks(root: CID, fetching?: Fetching): Promise<CID[]> {
    const blocks = new Map<string, CID>();
    const pending: CID[] = [root];
    while (pending.length > 0) {
      const block = pending.pop() as CID;
      const key = blockKey(block);
      if (blocks.has(key)) continue;
      blocks.set(key, block);
      if (block.code !== dagPb.code) {
        if (fetching !== undefined) await this.readBlock(block, fetching);
        continue; // a raw leaf links to nothing
      }
      for (const link of dagPb.decode(await this.readBlock(block, fetching)).Links) pending.push(link.Hash);
    }
    return [...blocks.values()];
  }

  private async readBlock(cid: CID, fetching?: Fetching): Promise<Uint8Array> {
    if (fetching !== undefined && !this.disk.has(cid)) fetching.written.push(cid);
    const chunks: Uint8Array[] = [];
    for await (const chunk of this.helia.blockstore.get(cid, fetching ?? OFFLINE)) chunks.push(chunk);
    return chunks.length === 1 ? (chunks[0] as Uint8Array) : new Uint8Array(Buffer.concat(chunks));
  }

  /** Throws `DOCUMENT_TOO_LARGE` when the content under `root` (its root block fetched) has more than `maxBytes`. */
  private async refuseOver(root: CID, maxBytes: number, fetching: Fetching): Promise<void> {
    const block = await this.readBlock(root, fetching);
    const size =
      root.code === dagPb.code
        ? Number(UnixFSData.unmarshal(dagPb.decode(block).Data ?? new Uint8Array()).fileSize())
        : block.byteLength;
    if (size > maxBytes) {
      throw new StorageError('DOCUMENT_TOO_LARGE', `${root.toString()} holds ${size} bytes, more than ${maxBytes}`);
    }
  }

  /** The bytes of held content, read from the disk only. */
  private async readHeld(cid: CID): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    try {
      for await (const chunk of this.fs.cat(cid, OFFLINE)) chunks.push(chunk);
    } catch (error) {
      if (isNamed(error, 'BlockNotFoundWhileOfflineError', 'NotFoundError')) throw notFound(cid.toString(), error);
      throw error;
    }
    const bytes = Buffer.concat(chunks);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Deletes the blocks a failed fetch wrote that no pinned content holds (called holding the gate alone). */
  private deleteUnpinned(blocks: CID[]): Promise<void> {
    for (const block of blocks) if (!this.pins.holdsBlock(block)) this.disk.delete(block);
    return Promise.resolve();
  }

  private async isHeld(cid: CID): Promise<boolean> {
    return this.pins.has(cid) && (await this.helia.blockstore.has(cid));
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

function notFound(cid: string, cause?: unknown): StorageError {
  return new StorageError('CONTENT_NOT_FOUND', `the content store holds no content ${cid}`, { cause });
}

function isNamed(error: unknown, ...names: string[]): boolean {
  return error instanceof Error && names.includes(error.name);
}
