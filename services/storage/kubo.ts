import { create, type KuboRPCClient } from 'kubo-rpc-client';
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

/**
 * The content store on a Kubo node, through its RPC API (`kubo-rpc-client`), for a member that runs its own IPFS node.
 *
 * UNTESTED AGAINST A LIVE NODE: no Kubo daemon can run where this project is built, and the project does not test it
 * against a stand-in. Only the construction (URL and option checks) is tested. What each call does in Kubo's terms:
 * - `add`: `ipfs add --cid-version=<0|1> --raw-leaves=<false|true> --chunker=size-262144 --pin=true` (the same CIDs as
 *   the embedded store, unless the node's `Import.UnixFSFileMaxLinks` was changed from 174);
 * - `get`: `ipfs cat` of pinned content only;
 * - `fetch`: with a size bound `ipfs files stat /ipfs/<cid>` first (the root's recorded size), then `ipfs pin add <cid>` (Kubo fetches from its peers — bitswap, with `Peering.Peers` listing the other
 *   members' nodes — what it does not hold, checking each block against its CID), aborted after the timeout, then
 *   `ipfs cat`;
 * - `identity`: `ipfs id`;
 * - `has`: `ipfs pin ls --type=recursive <cid>`;
 * - `remove`: `ipfs pin rm <cid>` then `ipfs repo gc`, which deletes every unpinned block of that node.
 */
export function openKuboContentStore(url: string, options: ContentStoreOptions = {}): ContentStore {
  const cidVersion = requireCidVersion(options.cidVersion ?? 0);
  return new KuboContentStore(create({ url: requireRpcUrl(url) }), cidVersion);
}

function requireRpcUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new StorageError('CONTENT_STORE_CONFIG_INVALID', `the Kubo RPC URL "${url}" is not a URL`, { cause: error });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new StorageError(
      'CONTENT_STORE_CONFIG_INVALID',
      `the Kubo RPC URL must be http(s), got ${parsed.protocol.replace(/:$/, '')}`,
    );
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new StorageError(
      'CONTENT_STORE_CONFIG_INVALID',
      'the Kubo RPC URL must not carry credentials (they would appear in logs)',
    );
  }
  return parsed;
}

class KuboContentStore implements ContentStore {
  constructor(
    private readonly client: KuboRPCClient,
    private readonly cidVersion: CidVersion,
  ) {}

  async add(bytes: Uint8Array): Promise<string> {
    const { cid } = await this.client.add(bytes, {
      cidVersion: this.cidVersion,
      rawLeaves: this.cidVersion === 1,
      chunker: `size-${KUBO_CHUNK_SIZE}`,
      pin: true,
    });
    return cid.toString();
  }

  async get(cid: string): Promise<Uint8Array> {
    const parsed = parseCid(cid);
    if (!(await this.has(cid))) {
      throw new StorageError('CONTENT_NOT_FOUND', `the Kubo node holds no content ${cid}`);
    }
    const chunks: Uint8Array[] = [];
    for await (const chunk of this.client.cat(parsed)) chunks.push(chunk);
    const bytes = Buffer.concat(chunks);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  async fetch(cid: string, { timeoutMs, maxBytes }: FetchOptions): Promise<Uint8Array> {
    const parsed = parseCid(cid);
    if (!(await this.has(cid))) {
      const signal = AbortSignal.timeout(timeoutMs);
      try {
        if (maxBytes !== undefined) {
          const { size } = await this.client.files.stat(`/ipfs/${cid}`, { signal });
          if (size > maxBytes) {
            throw new StorageError('DOCUMENT_TOO_LARGE', `${cid} holds ${size} bytes, more than ${maxBytes}`);
          }
        }
        await this.client.pin.add(parsed, { signal });
      } catch (error) {
        if (!signal.aborted) throw error;
        throw new StorageError(
          'CONTENT_UNREACHABLE',
          `the Kubo node's peers did not deliver ${cid} within ${timeoutMs} ms`,
          {
            cause: error,
          },
        );
      }
    }
    return this.get(cid);
  }

  async identity(): Promise<NodeIdentity> {
    const { id, addresses } = await this.client.id();
    return { peerId: id.toString(), addresses: addresses.map(String) };
  }

  async has(cid: string): Promise<boolean> {
    const parsed = parseCid(cid);
    try {
      for await (const pin of this.client.pin.ls({ paths: [parsed], type: 'recursive' })) {
        if (pin.cid.equals(parsed)) return true;
      }
      return false;
    } catch (error) {
      // Kubo answers a CID it has not pinned with an error ("… is not pinned").
      if (error instanceof Error && /not pinned/i.test(error.message)) return false;
      throw error;
    }
  }

  async remove(cid: string): Promise<void> {
    const parsed = parseCid(cid);
    if (!(await this.has(cid))) return;
    await this.client.pin.rm(parsed);
    for await (const result of this.client.repo.gc()) {
      if (result.err !== undefined && result.err !== null) throw result.err;
    }
  }

  async close(): Promise<void> {
    // The client holds no connection of its own between calls.
  }
}
