/**
 * Merkle batches: one root on chain for many documents. The tree is OpenZeppelin's `StandardMerkleTree` over
 * `['bytes32']` leaves (the registry's `batchLeaf` and `verifyBatchMember` use the same double-hashed leaf), so any
 * holder of a document checks its membership with the library or the contract from the proof alone. The manifest,
 * stored where documents are and named on chain as the batch's storage pointer, lists every member with its own
 * storage pointer, from which anyone can rebuild the tree and every proof.
 */
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';

export const BATCH_LEAF_ENCODING = ['bytes32'];

/** The manifest of a batch, as stored (JSON). */
export interface BatchManifest {
  format: 'policyledger-batch-v1';
  merkleRoot: string;
  leafEncoding: string[];
  /** Member hashes in the order they were accepted. */
  documentHashes: string[];
  /** Each member's own storage pointer, at the same index as its hash. */
  storagePointers: string[];
}

export interface ComposedBatch {
  merkleRoot: string;
  /** Each member's proof, at the same index as its hash. */
  proofs: string[][];
  manifest: BatchManifest;
}

/** The tree, root, proofs and manifest of a batch of distinct document hashes (lowercase hex). */
export function composeBatch(members: { documentHash: string; storagePointer: string }[]): ComposedBatch {
  if (members.length === 0) throw new Error('a batch needs at least one document');
  const tree = StandardMerkleTree.of(
    members.map((member) => [member.documentHash]),
    BATCH_LEAF_ENCODING,
  );
  return {
    merkleRoot: tree.root,
    proofs: members.map((_, index) => tree.getProof(index)),
    manifest: {
      format: 'policyledger-batch-v1',
      merkleRoot: tree.root,
      leafEncoding: BATCH_LEAF_ENCODING,
      documentHashes: members.map((member) => member.documentHash),
      storagePointers: members.map((member) => member.storagePointer),
    },
  };
}

/** The manifest's stored bytes. */
export function manifestBytes(manifest: BatchManifest): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(manifest));
}
