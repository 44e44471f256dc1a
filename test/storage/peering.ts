/**
 * The embedded content store's peering (services/storage/peering.ts): stores that list each other fetch content by
 * CID over bitswap on loopback TCP; a node that lists no one, or that no one lists, gets nothing; a fetch no peer
 * answers ends at its timeout and leaves nothing behind; the identity is kept on disk.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as dagPb from '@ipld/dag-pb';
import { CID } from 'multiformats/cid';
import { SqliteBlockstore } from '../../services/storage/block-db.js';
import { isStorageError, type StorageErrorCode } from '../../services/storage/errors.js';
import { openHeliaContentStore } from '../../services/storage/helia.js';
import { peerIdentity } from '../../services/storage/peering.js';
import type { ContentStore } from '../../services/storage/content-store.js';
import { freePort } from '../helpers/ports.js';
import { storedBlocks } from './helpers/blocks.js';

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

function expectCode(error: unknown, code: StorageErrorCode): void {
  expect(isStorageError(error, code), `expected ${code}, got ${String(error)}`).to.equal(true);
}

/** A node's directory, identity and loopback address, before it starts. */
interface Member {
  dir: string;
  peerId: string;
  listen: string;
  address: string;
}

describe('Helia content store peering', function () {
  this.timeout(60_000);
  const root = mkdtempSync(path.join(os.tmpdir(), 'policyledger-peering-'));
  const opened: ContentStore[] = [];
  let counter = 0;

  async function member(): Promise<Member> {
    const dir = path.join(root, `node-${++counter}`);
    mkdirSync(dir, { recursive: true });
    const peerId = await peerIdentity(dir);
    const listen = `/ip4/127.0.0.1/tcp/${await freePort()}`;
    return { dir, peerId, listen, address: `${listen}/p2p/${peerId}` };
  }

  async function start(node: Member, peers: Member[], cidVersion: 0 | 1 = 0): Promise<ContentStore> {
    const store = await openHeliaContentStore(node.dir, {
      cidVersion,
      peering: { listen: [node.listen], peers: peers.map((peer) => peer.address) },
    });
    opened.push(store);
    return store;
  }

  let a: Member;
  let b: Member;
  let storeA: ContentStore;
  let storeB: ContentStore;

  before(async () => {
    [a, b] = [await member(), await member()];
    [storeA, storeB] = await Promise.all([start(a, [b]), start(b, [a])]);
  });

  after(async () => {
    for (const store of opened) await store.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('fetches a multi-block document by CID from the peer, pins it, and serves it offline from then on', async () => {
    // 600 KiB: three chunks under a dag-pb root, so the fetch walks links.
    const bytes = new Uint8Array(randomBytes(600 * 1024));
    const cid = await storeA.add(bytes);
    expect(await storeB.has(cid)).to.equal(false);
    expectCode(await rejection(storeB.get(cid)), 'CONTENT_NOT_FOUND');

    const blocksBefore = storedBlocks(b.dir);
    const fetched = await storeB.fetch(cid, { timeoutMs: 10_000, maxBytes: 600 * 1024 });
    expect(Buffer.from(fetched).equals(Buffer.from(bytes))).to.equal(true);
    expect(await storeB.has(cid)).to.equal(true);
    expect(storedBlocks(b.dir)).to.equal(blocksBefore + 4);
    await storeA.remove(cid);
    expect(Buffer.from(await storeB.get(cid)).equals(Buffer.from(bytes))).to.equal(true);
  });

  it('refuses content larger than allowed once its root block tells the size, keeping nothing of it', async () => {
    const cid = await storeA.add(new Uint8Array(randomBytes(300 * 1024)));
    const blocksBefore = storedBlocks(b.dir);
    const error = await rejection(storeB.fetch(cid, { timeoutMs: 10_000, maxBytes: 300 * 1024 - 1 }));
    expectCode(error, 'DOCUMENT_TOO_LARGE');
    expect((error as Error).message).to.include(`holds ${300 * 1024} bytes`);
    expect(storedBlocks(b.dir)).to.equal(blocksBefore);
    expect(await storeB.has(cid)).to.equal(false);
  });

  it('ends a fetch no peer can answer in full at its timeout, leaving nothing on disk', async () => {
    // A holds the root and two of the three leaves: B gets those, waits for the third, and gives up.
    const cid = await storeA.add(new Uint8Array(randomBytes(600 * 1024)));
    const disk = SqliteBlockstore.open(a.dir);
    const rootBlock = [...disk.get(CID.parse(cid))];
    disk.delete(dagPb.decode(Buffer.concat(rootBlock)).Links[2]!.Hash);
    disk.close();
    const before = storedBlocks(b.dir);
    const started = Date.now();
    const error = await rejection(storeB.fetch(cid, { timeoutMs: 1500 }));
    expectCode(error, 'CONTENT_UNREACHABLE');
    expect((error as Error).message).to.include('1 of 1 peers connected');
    expect(Date.now() - started).to.be.within(1400, 4000);
    expect(await storeB.has(cid)).to.equal(false);
    expect(storedBlocks(b.dir)).to.equal(before);
  });

  it('serves nothing to a node it does not list, and a node without peering fetches nothing', async () => {
    const cid = await storeA.add(new Uint8Array(randomBytes(2048)));
    // C lists A, but A does not list C: A's gater refuses the connection.
    const c = await member();
    const storeC = await start(c, [a]);
    const refused = await rejection(storeC.fetch(cid, { timeoutMs: 1500 }));
    expectCode(refused, 'CONTENT_UNREACHABLE');
    expect((refused as Error).message).to.include('0 of 1 peers connected');

    const offline = await openHeliaContentStore(path.join(root, 'offline'));
    opened.push(offline);
    expect(await offline.identity()).to.equal(null);
    expectCode(await rejection(offline.fetch(cid, { timeoutMs: 1500 })), 'CONTENT_STORE_OFFLINE');
    const own = await offline.add(new Uint8Array([1, 2, 3]));
    expect([...(await offline.fetch(own, { timeoutMs: 1 }))]).to.deep.equal([1, 2, 3]);
  });

  it('keeps its identity in peer-key.json (mode 0600), refuses a damaged one, and names a listen address taken', async () => {
    expect((await storeA.identity())?.peerId).to.equal(a.peerId);
    expect((await storeA.identity())?.addresses).to.deep.equal([a.address]);
    expect(await peerIdentity(a.dir)).to.equal(a.peerId);
    expect(statSync(path.join(a.dir, 'peer-key.json')).mode & 0o777).to.equal(0o600);

    const taken = await member();
    const busy = await rejection(
      openHeliaContentStore(taken.dir, { peering: { listen: [a.listen], peers: [a.address] } }),
    );
    expectCode(busy, 'CONTENT_STORE_CONFIG_INVALID');
    expect((busy as Error).message)
      .to.include(a.listen)
      .and.include('EADDRINUSE');

    const damaged = await member();
    writeFileSync(path.join(damaged.dir, 'peer-key.json'), '{"format":"policyledger-ipfs-peer-key/1"}');
    expectCode(await rejection(start(damaged, [a])), 'CONTENT_STORE_CONFIG_INVALID');
    expectCode(
      await rejection(openHeliaContentStore(damaged.dir, { peering: { listen: [], peers: ['/ip4/1.1.1.1/tcp/1'] } })),
      'CONTENT_STORE_CONFIG_INVALID',
    );
  });
});
