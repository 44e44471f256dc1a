/**
 * Merkle batches: one root on chain for many documents. The tree is OpenZeppelin's `StandardMerkleTree` over
 * `['bytes32']` leaves (the registry's `batchLeaf` and `verifyBatchMember` use the same double-hashed leaf), so any
 * holder of a document checks its membership with that library or the contract from the proof alone. The manifest,
 * stored where documents are and named on chain as the batch's storage pointer, lists every member with its own
 * storage pointer, from which anyone can rebuild the tree and every proof, and with the public fields a single anchor
 * records on chain (document type, retention class, policy reference), from which a chain index lists the members
 * as it lists single anchors (the manifest's CID, on chain, fixes those fields as the event would).
 * The tree is built by `standardBytes32Tree` (services/ledger/verification-proofs.ts).
 */
import { standardBytes32Tree } from '../../ledger/verification-proofs.js';

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

/** The manifest's stored bytes. */
export function manifestBytes(manifest: BatchManifest): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(manifest));
}
