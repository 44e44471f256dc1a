/**
 * Merkle batches: one root on chain for many documents. The tree is OpenZeppelin's `StandardMerkleTree` over
 * `['bytes32']` leaves (the registry's `batchLeaf` and `verifyBatchMember` use the same double-hashed leaf), so any
 * holder of a document checks its membership with that library or the contract from the proof alone. The manifest,
 * stored where documents are and named on chain as the batch's storage pointer, lists every member with its own
 * storage pointer, from which anyone can rebuild the tree and every proof, and with the public fields a single anchor
 * records on chain (document type, retention class, policy reference), from which a chain index lists the members
 * as it lists single anchors (the manifest's CID, on chain, fixes those fields as the event would).
 *
 * The tree is built here with the library's algorithm rather than by the library: its generic ABI encoder and per-proof
 * re-verification cost about a millisecond per document on a loaded machine, on the event loop that also answers
 * registrations. For `bytes32` leaves the encoding is the hash itself, so the algorithm is short; the tests check
 * roots and proofs against `StandardMerkleTree.of` and `StandardMerkleTree.verify` for many sizes.
 */
import { concat, keccak256 } from 'ethers';

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
  /** Each member's `IEvidenceRegistry.DocumentType`, retention class and policy reference, at the same index. */
  documentTypes: number[];
  retentionClasses: number[];
  policyRefs: string[];
}

/** What the manifest records of a member: the public fields of its anchor. */
export interface BatchMemberInput {
  documentHash: string;
  storagePointer: string;
  documentType: number;
  retentionClass: number;
  policyRef: string;
}

export interface ComposedBatch {
  merkleRoot: string;
  /** Each member's proof, at the same index as its hash. */
  proofs: string[][];
  manifest: BatchManifest;
}

/** The tree, root, proofs and manifest of a batch of distinct document hashes (lowercase hex). */
export function composeBatch(members: BatchMemberInput[]): ComposedBatch {
  const documentHashes = members.map((member) => member.documentHash);
  const { root, proofs } = standardBytes32Tree(documentHashes);
  return {
    merkleRoot: root,
    proofs,
    manifest: {
      format: 'policyledger-batch-v1',
      merkleRoot: root,
      leafEncoding: BATCH_LEAF_ENCODING,
      documentHashes,
      storagePointers: members.map((member) => member.storagePointer),
      documentTypes: members.map((member) => member.documentType),
      retentionClasses: members.map((member) => member.retentionClass),
      policyRefs: members.map((member) => member.policyRef),
    },
  };
}

/**
 * `StandardMerkleTree.of(hashes.map((hash) => [hash]), ['bytes32'])`'s root and each value's proof: leaves
 * `keccak256(keccak256(abi.encode(hash)))` sorted ascending, laid out in an array with the root at 0, the children
 * of node `i` at `2i + 1` and `2i + 2`, the sorted leaves from the end backwards, each inner node the keccak256 of
 * its children in ascending order; a proof is the siblings from the leaf up.
 */
export function standardBytes32Tree(hashes: string[]): { root: string; proofs: string[][] } {
  if (hashes.length === 0) throw new Error('a batch needs at least one document');
  const leaves = hashes.map((hash, index) => ({ index, leaf: keccak256(keccak256(hash)) }));
  // Lowercase hex strings of equal length sort as the numbers they spell.
  leaves.sort((a, b) => (a.leaf < b.leaf ? -1 : a.leaf > b.leaf ? 1 : 0));
  const nodes = new Array<string>(2 * leaves.length - 1);
  const treeIndexOf = new Array<number>(hashes.length);
  leaves.forEach(({ index, leaf }, position) => {
    nodes[nodes.length - 1 - position] = leaf;
    treeIndexOf[index] = nodes.length - 1 - position;
  });
  for (let node = nodes.length - 1 - leaves.length; node >= 0; node--) {
    const left = nodes[2 * node + 1]!;
    const right = nodes[2 * node + 2]!;
    nodes[node] = keccak256(left < right ? concat([left, right]) : concat([right, left]));
  }
  const proofs = treeIndexOf.map((treeIndex) => {
    const proof: string[] = [];
    for (let node = treeIndex; node > 0; node = Math.floor((node - 1) / 2)) {
      proof.push(nodes[node % 2 === 1 ? node + 1 : node - 1]!);
    }
    return proof;
  });
  return { root: nodes[0]!, proofs };
}

/** The manifest's stored bytes. */
export function manifestBytes(manifest: BatchManifest): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(manifest));
}
