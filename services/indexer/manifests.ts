/**
 * Batch members from batch manifests. A batch root on chain names only its root, its member count and a storage
 * pointer: the CID of its manifest (`services/api/anchoring/batch.ts`), which lists every member's hash with the public
 * fields a single anchor records on chain. The index lists a batch's members from that manifest once it can be read
 * (from the API's own content store: its own batches always, other members' when the store reaches them, e.g. a Kubo
 * node peering with theirs), and only when the manifest is the batch's: its root and count are the anchored ones and
 * the `StandardMerkleTree` rebuilt from its hashes has the anchored root, so every listed member is provably in the
 * batch. The other fields are fixed by the manifest's CID, which the chain records.
 */
import { standardBytes32Tree } from '../ledger/verification-proofs.js';
import { DOCUMENT_TYPES, type BatchManifestMember, type IndexedBatch } from './types.js';

/** Reads a manifest by its CID; null when it cannot be had (yet). */
export type ManifestSource = (storagePointer: string) => Promise<Uint8Array | null>;

const HASH = /^0x[0-9a-f]{64}$/;

/** The members `bytes` lists for `batch`, or why they cannot be taken as the batch's. */
export function batchMembersOf(
  batch: Pick<IndexedBatch, 'merkleRoot' | 'documentCount'>,
  bytes: Uint8Array,
): { members: BatchManifestMember[] } | { invalid: string } {
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  } catch {
    return { invalid: 'not JSON' };
  }
  if (manifest.format !== 'policyledger-batch-v1') return { invalid: `unknown format ${String(manifest.format)}` };
  if (manifest.merkleRoot !== batch.merkleRoot.toLowerCase()) return { invalid: 'names another root' };
  const hashes = manifest.documentHashes;
  const columns = [manifest.storagePointers, manifest.documentTypes, manifest.retentionClasses, manifest.policyRefs];
  if (!Array.isArray(hashes) || hashes.length !== batch.documentCount) return { invalid: 'not the anchored count' };
  if (!columns.every((column) => Array.isArray(column) && column.length === hashes.length)) {
    return { invalid: 'lacks the members’ storage pointers, types, retention classes or policy references' };
  }
  const [pointers, types, classes, refs] = columns as unknown[][];
  const members: BatchManifestMember[] = [];
  for (const [i, hash] of hashes.entries()) {
    const documentType = DOCUMENT_TYPES[types![i] as number];
    const retentionClass = classes![i];
    if (typeof hash !== 'string' || !HASH.test(hash)) return { invalid: `member ${i} is not a document hash` };
    if (typeof pointers![i] !== 'string' || typeof refs![i] !== 'string' || documentType === undefined) {
      return { invalid: `member ${i} has no usable storage pointer, type or policy reference` };
    }
    if (!Number.isSafeInteger(retentionClass)) return { invalid: `member ${i} has no retention class` };
    members.push({
      documentHash: hash,
      storagePointer: pointers![i],
      documentType,
      retentionClass: retentionClass as number,
      policyRef: refs![i],
    });
  }
  if (new Set(hashes).size !== hashes.length) return { invalid: 'lists a hash twice' };
  if (standardBytes32Tree(hashes as string[]).root !== batch.merkleRoot.toLowerCase()) {
    return { invalid: 'its hashes do not make the anchored root' };
  }
  return { members };
}
