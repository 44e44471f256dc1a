/**
 * The cryptography a verifier redoes without the chain: Merkle batch proofs exactly as OpenZeppelin's
 * `StandardMerkleTree` with leaf encoding `['bytes32']` (what `EvidenceRegistry.verifyBatchMember` checks), and the
 * EIP-712 digests of co-signatures (what `EvidenceRegistry._coSignatureDigest` hashes).
 */
import { keccak_256 } from '@noble/hashes/sha3.js';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import {
  AbiCoder,
  concat,
  keccak256,
  recoverAddress,
  toUtf8Bytes,
  TypedDataEncoder,
  type TypedDataDomain,
} from 'ethers';
import {
  CO_SIGNATURE_TYPES,
  domainOf,
  EVIDENCE_DOMAIN_NAME,
  FLIGHT_DELAY_CO_SIGNATURE_TYPES,
  WEATHER_INDEX_CO_SIGNATURE_TYPES,
} from '../shared/eip712.js';
import type { TermsTypeName } from './verification-evidence.js';

const abi = AbiCoder.defaultAbiCoder();

/** The batch leaf of a document: the double hash StandardMerkleTree uses (guards against second preimages). */
export function batchLeaf(documentHash: string): string {
  return keccak256(keccak256(abi.encode(['bytes32'], [documentHash])));
}

/** The root `proof` leads to from `documentHash`'s leaf (sorted pairs, as OpenZeppelin's MerkleProof). */
export function batchRootOf(documentHash: string, proof: readonly string[]): string {
  let node = batchLeaf(documentHash);
  for (const sibling of proof) {
    const [low, high] = BigInt(node) < BigInt(sibling) ? [node, sibling] : [sibling, node];
    node = keccak256(concat([low, high]));
  }
  return node;
}

/** Whether `proof` proves `documentHash` a member of the tree of `merkleRoot` (OpenZeppelin's own check). */
export function verifyBatchProof(merkleRoot: string, documentHash: string, proof: readonly string[]): boolean {
  try {
    return StandardMerkleTree.verify(merkleRoot, ['bytes32'], [documentHash], [...proof]);
  } catch {
    return false;
  }
}

/** The EIP-712 domain of the evidence registry at `evidenceRegistry` on chain `chainId`. */
export function evidenceDomain(chainId: string | bigint, evidenceRegistry: string): TypedDataDomain {
  return domainOf(EVIDENCE_DOMAIN_NAME, BigInt(chainId), evidenceRegistry);
}

const PRIMARY_TYPES = {
  hash: ['CoSignature', CO_SIGNATURE_TYPES],
  FlightDelay: ['FlightDelayCoSignature', FLIGHT_DELAY_CO_SIGNATURE_TYPES],
  WeatherIndex: ['WeatherIndexCoSignature', WEATHER_INDEX_CO_SIGNATURE_TYPES],
} as const;

/**
 * The type hash of a co-signature over the document hash (`termsType` null) or over terms of `termsType`. Every one of
 * them has `termsHash` (or the nested terms, which EIP-712 encodes as their struct hash) as its second member, so the
 * digest needs only the termsHash, never the terms.
 */
function coSignatureTypeHash(termsType: TermsTypeName | null): string {
  const [primaryType, types] = PRIMARY_TYPES[termsType ?? 'hash'];
  return keccak256(toUtf8Bytes(TypedDataEncoder.from(types).encodeType(primaryType)));
}

export interface CoSignatureMessage {
  documentHash: string;
  termsHash: string;
  signer: string;
  nonce: string;
  deadline: string;
  /** Null for a co-signature over the document hash. */
  termsType: TermsTypeName | null;
}

/** The EIP-712 digest a co-signer signed. */
export function coSignatureDigest(domain: TypedDataDomain, message: CoSignatureMessage): string {
  const structHash = keccak256(
    abi.encode(
      ['bytes32', 'bytes32', 'bytes32', 'address', 'uint256', 'uint256'],
      [
        coSignatureTypeHash(message.termsType),
        message.documentHash,
        message.termsHash,
        message.signer,
        BigInt(message.nonce),
        BigInt(message.deadline),
      ],
    ),
  );
  return keccak256(concat(['0x1901', TypedDataEncoder.hashDomain(domain), structHash]));
}

/** The EOA that made `signature` over `digest`, or null when it is no ECDSA signature (e.g. a contract wallet's). */
export function recoverSigner(digest: string, signature: string): string | null {
  try {
    return recoverAddress(digest, signature);
  } catch {
    return null;
  }
}

/**
 * Built here with the library's algorithm rather than by the library: its generic ABI encoder and per-proof
 * re-verification cost about a millisecond per document on a loaded machine, on the event loop that also answers
 * registrations. For `bytes32` leaves the encoding is the hash itself, so the algorithm is short; the tests check
 * roots and proofs against `StandardMerkleTree.of` and `StandardMerkleTree.verify` for many sizes.
 *
 * `StandardMerkleTree.of(hashes.map((hash) => [hash]), ['bytes32'])`'s root and each value's proof: leaves
 * `keccak256(keccak256(abi.encode(hash)))` sorted ascending, laid out in an array with the root at 0, the children
 * of node `i` at `2i + 1` and `2i + 2`, the sorted leaves from the end backwards, each inner node the keccak256 of
 * its children in ascending order; a proof is the siblings from the leaf up.
 */
export function standardBytes32Tree(hashes: string[]): { root: string; proofs: string[][] } {
  if (hashes.length === 0) throw new Error('a batch needs at least one document');
  // On bytes with @noble/hashes' keccak, a third of the cost of ethers' hex-string keccak256; hex only at the end.
  const leaves = hashes.map((hash, index) => ({ index, leaf: keccak_256(keccak_256(hexBytes(hash))) }));
  leaves.sort((a, b) => Buffer.compare(a.leaf, b.leaf));
  const nodes = new Array<Uint8Array>(2 * leaves.length - 1);
  const treeIndexOf = new Array<number>(hashes.length);
  leaves.forEach(({ index, leaf }, position) => {
    nodes[nodes.length - 1 - position] = leaf;
    treeIndexOf[index] = nodes.length - 1 - position;
  });
  const pair = new Uint8Array(64);
  for (let node = nodes.length - 1 - leaves.length; node >= 0; node--) {
    const left = nodes[2 * node + 1]!;
    const right = nodes[2 * node + 2]!;
    const [low, high] = Buffer.compare(left, right) < 0 ? [left, right] : [right, left];
    pair.set(low, 0);
    pair.set(high, 32);
    nodes[node] = keccak_256(pair);
  }
  const hex = nodes.map((node) => `0x${Buffer.from(node).toString('hex')}`);
  const proofs = treeIndexOf.map((treeIndex) => {
    const proof: string[] = [];
    for (let node = treeIndex; node > 0; node = Math.floor((node - 1) / 2)) {
      proof.push(hex[node % 2 === 1 ? node + 1 : node - 1]!);
    }
    return proof;
  });
  return { root: hex[0]!, proofs };
}

/** The 32 bytes a 0x-prefixed hash spells; throws on anything else. */
function hexBytes(hash: string): Uint8Array {
  if (!/^0x[0-9a-fA-F]{64}$/.test(hash)) throw new Error(`"${hash}" is not a 32-byte hash`);
  return Buffer.from(hash.slice(2), 'hex');
}
