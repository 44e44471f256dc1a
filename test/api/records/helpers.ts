/**
 * Test doubles used until the storage and anchoring modules are merged: a content store in memory and an anchoring
 * "service" that anchors at once through the registry (no outbox).
 */
import { createHash } from 'node:crypto';
import type { Signer } from 'ethers';
import { sharedContracts, type LedgerClient } from '../../../services/ledger/client.js';
import type { HeadAnchoring } from '../../../services/api/records/access-log.js';

export function memoryContent() {
  const blocks = new Map<string, Uint8Array>();
  return {
    blocks,
    add(bytes: Uint8Array): Promise<string> {
      const cid = `mem-${createHash('sha256').update(bytes).digest('hex')}`;
      blocks.set(cid, bytes);
      return Promise.resolve(cid);
    },
    get(cid: string): Promise<Uint8Array> {
      const bytes = blocks.get(cid);
      return bytes === undefined ? Promise.reject(new Error(`no ${cid}`)) : Promise.resolve(bytes);
    },
    has: (cid: string) => Promise.resolve(blocks.has(cid)),
    remove(cid: string): Promise<void> {
      blocks.delete(cid);
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
}

export function directAnchoring(client: LedgerClient, signer: Signer): HeadAnchoring {
  const operations = new Map<string, { state: string }>();
  return {
    async accept(request) {
      const { registry } = sharedContracts(client, signer);
      await (await registry.anchor(request.input)).wait();
      const id = `op-${operations.size + 1}`;
      operations.set(id, { state: 'anchored' });
      return { id, state: 'anchored' };
    },
    operation: (id) => operations.get(id) ?? null,
  };
}
