import { CID } from 'multiformats/cid';
import { StorageError } from './errors.js';

/**
 * Where documents' bytes (sealed or public) live, addressed by IPFS CID. Two implementations: an embedded Helia node
 * with its blocks on disk (`helia.ts`, the default) and a Kubo node through its RPC API (`kubo.ts`).
 */
export interface ContentStore {
  /** Stores and pins `bytes`; resolves with their CID, the one Kubo's `ipfs add` gives in the same CID mode. */
  add(bytes: Uint8Array): Promise<string>;
  /** The bytes of `cid`; throws `CONTENT_NOT_FOUND` when the store does not hold them. */
  get(cid: string): Promise<Uint8Array>;
  /**
   * The bytes of `cid`: held here, else fetched by CID from the node's IPFS peers (verified block by block against the
   * CID by the node) and pinned. Throws `DOCUMENT_TOO_LARGE` for content over `maxBytes`, `CONTENT_STORE_OFFLINE` at once when the node has no network (the embedded node
   * without peering) and `CONTENT_UNREACHABLE` when no peer delivered within `timeoutMs`; what a failed fetch left
   * behind is deleted again.
   */
  fetch(cid: string, options: FetchOptions): Promise<Uint8Array>;
  /** The node's IPFS identity, for other members to peer with; null when it has no network. */
  identity(): Promise<NodeIdentity | null>;
  /** Whether the store holds (has pinned) `cid`. */
  has(cid: string): Promise<boolean>;
  /** Unpins `cid` and deletes its blocks that no other pinned content uses; nothing when it is not held. */
  remove(cid: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * The CID mode: 0 = Kubo's `ipfs add` default (CIDv0, dag-pb leaves), 1 = `ipfs add --cid-version=1` (CIDv1, raw
 * leaves). Both use Kubo's default DAG recipe: 256 KiB fixed-size chunks, balanced layout, at most 174 links a node
 * (IPIP-499's `unixfs-v0-2015` profile, which Kubo's defaults match).
 */
export type CidVersion = 0 | 1;

export interface ContentStoreOptions {
  /** Default 0 (Kubo's default CIDs). */
  cidVersion?: CidVersion;
}

export interface FetchOptions {
  /** How long the node's peers have to deliver the whole content. */
  timeoutMs: number;
  /**
   * The most bytes the content may have: larger content is refused with `DOCUMENT_TOO_LARGE` as soon as its root
   * block (which records the size) arrives, before the rest is fetched.
   */
  maxBytes?: number;
}

/** Who a node is on its IPFS network: what another member puts in its peering list. */
export interface NodeIdentity {
  peerId: string;
  /** The addresses it listens on, each ending in `/p2p/<peerId>`. */
  addresses: string[];
}

/** Kubo's default chunk size (`--chunker=size-262144`). */
export const KUBO_CHUNK_SIZE = 262_144;

/** Parses `cid`, throwing `CID_INVALID` when it is not one. */
export function parseCid(cid: string): CID {
  try {
    return CID.parse(cid);
  } catch (error) {
    throw new StorageError('CID_INVALID', `"${cid}" is not a valid CID`, { cause: error });
  }
}

export function requireCidVersion(cidVersion: unknown): CidVersion {
  if (cidVersion !== 0 && cidVersion !== 1) {
    throw new StorageError('CONTENT_STORE_CONFIG_INVALID', `the CID version must be 0 or 1, got ${String(cidVersion)}`);
  }
  return cidVersion;
}
