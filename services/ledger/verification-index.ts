/**
 * Verification evidence read from the chain index (services/indexer): the same facts as `evidenceFromChain`, without
 * a single RPC call, so the API's verify route answers at the rate of its index. The index is read through the
 * part of INDEX's `ChainIndex` this needs (declared structurally below, so the ledger layer does not depend on the
 * indexer's module).
 */
import { getAddress } from 'ethers';
import type { PartyRole } from './parties.js';
import { PARTY_ROLES } from './parties.js';
import {
  normaliseDocumentHash,
  type CoSignatureEvidence,
  type DocumentEvidence,
  type DocumentTypeName,
  type PartyStanding,
  type RevocationReasonName,
  type SuppliedBatchProof,
  type TermsTypeName,
  type VersionEvidence,
} from './verification-evidence.js';
import { batchRootOf } from './verification-proofs.js';

/** The facts of `IndexedDocument` (services/indexer/types.ts) this reads. */
export interface IndexedDocumentFacts {
  documentHash: string;
  registrant: string;
  termsHash: string;
  documentType: DocumentTypeName;
  retentionClass: number;
  requiredSigners: string[];
  anchoredAt: string;
  blockNumber: number;
  transactionHash: string;
  status: 'current' | 'superseded' | 'revoked';
  version: number;
  chainRoot: string;
  previousHash: string | null;
  supersededBy: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
  revocationReason: RevocationReasonName | null;
}

/** The facts of `IndexedCoSignature` this reads. */
export interface IndexedCoSignatureFacts {
  signer: string;
  signedAt: string;
  blockNumber: number;
  transactionHash: string;
  termsType: TermsTypeName | null;
  nonce: string | null;
  deadline: string | null;
  signature: string | null;
}

/** The facts of `IndexedBatch` this reads. */
export interface IndexedBatchFacts {
  merkleRoot: string;
  registrant: string;
  documentCount: number;
  anchoredAt: string;
  blockNumber: number;
  transactionHash: string;
}

/** The part of INDEX's `ChainIndex` verification reads. */
export interface VerificationIndex {
  headBlock(): Promise<number | null>;
  deployment(): Promise<{ chainId: string; evidenceRegistry: string; consortiumAccess: string } | null>;
  document(documentHash: string): Promise<IndexedDocumentFacts | null>;
  coSignatures(documentHash: string): Promise<IndexedCoSignatureFacts[]>;
  versionChain(chainRoot: string): Promise<IndexedDocumentFacts[]>;
  batch(merkleRoot: string): Promise<IndexedBatchFacts | null>;
  partyAt(account: string, blockNumber: number): Promise<{ registered: boolean; active: boolean; roles: PartyRole[] }>;
}

export interface IndexEvidenceOptions {
  /** A batch proof to check (from the caller or the anchoring service). */
  batchProof?: SuppliedBatchProof | null;
}

/** Thrown when the index has not yet recorded which deployment it follows (it has not synced once). */
export class IndexNotReadyError extends Error {
  readonly code = 'INDEX_NOT_READY';
  constructor() {
    super('the chain index has not synced its deployment yet');
    this.name = 'IndexNotReadyError';
  }
}

async function standingAt(index: VerificationIndex, account: string, blockNumber: number): Promise<PartyStanding> {
  const standing = await index.partyAt(account, blockNumber);
  return {
    registered: standing.registered,
    active: standing.active,
    roles: PARTY_ROLES.filter((role) => standing.roles.includes(role)),
  };
}

async function coSignaturesOf(
  index: VerificationIndex,
  document: IndexedDocumentFacts,
): Promise<CoSignatureEvidence[]> {
  const recorded = await index.coSignatures(document.documentHash);
  return Promise.all(
    document.requiredSigners.map(async (required): Promise<CoSignatureEvidence> => {
      const signer = getAddress(required);
      const signed = recorded.find((coSignature) => getAddress(coSignature.signer) === signer);
      if (signed === undefined) {
        return {
          signer,
          state: 'pending',
          recorded: null,
          signerStanding: null,
          over: null,
          termsType: null,
          nonce: null,
          deadline: null,
          signature: null,
        };
      }
      return {
        signer,
        state: 'signed',
        recorded: {
          blockNumber: signed.blockNumber,
          transactionHash: signed.transactionHash.toLowerCase(),
          time: signed.signedAt,
        },
        signerStanding: await standingAt(index, signer, signed.blockNumber),
        over: signed.termsType === null ? 'hash' : 'terms',
        termsType: signed.termsType,
        nonce: signed.nonce,
        deadline: signed.deadline,
        signature: signed.signature?.toLowerCase() ?? null,
      };
    }),
  );
}

async function versionOf(index: VerificationIndex, document: IndexedDocumentFacts): Promise<VersionEvidence> {
  const chain = await index.versionChain(document.chainRoot);
  const latest = chain.reduce<IndexedDocumentFacts>(
    (best, version) => (version.version > best.version ? version : best),
    document,
  );
  return {
    status: document.status,
    version: document.version,
    chainRoot: document.chainRoot.toLowerCase(),
    previousVersion: document.previousHash?.toLowerCase() ?? null,
    nextVersion: document.supersededBy?.toLowerCase() ?? null,
    head: latest.documentHash.toLowerCase(),
    currentVersion: latest.status === 'current' ? latest.documentHash.toLowerCase() : null,
    revocation:
      document.status === 'revoked'
        ? {
            reason: document.revocationReason ?? 'Unspecified',
            revokedBy: getAddress(document.revokedBy ?? document.registrant),
            time: document.revokedAt ?? document.anchoredAt,
          }
        : null,
  };
}

async function batchOf(
  index: VerificationIndex,
  documentHash: string,
  supplied: SuppliedBatchProof,
): Promise<DocumentEvidence['batch']> {
  const proof = supplied.proof.map((node) => normaliseDocumentHash(node));
  const reached = batchRootOf(documentHash, proof);
  const merkleRoot = supplied.merkleRoot === undefined ? reached : normaliseDocumentHash(supplied.merkleRoot);
  const batch = await index.batch(merkleRoot);
  if (batch === null) return { merkleRoot, proof, proofValid: reached === merkleRoot, anchor: null };
  const registrant = getAddress(batch.registrant);
  return {
    merkleRoot,
    proof,
    proofValid: reached === merkleRoot,
    anchor: {
      blockNumber: batch.blockNumber,
      transactionHash: batch.transactionHash.toLowerCase(),
      time: batch.anchoredAt,
      registrant,
      registrantStanding: await standingAt(index, registrant, batch.blockNumber),
      documentCount: batch.documentCount,
    },
  };
}

/**
 * The verification evidence of `documentHash` as the index holds it at its head block: the same as
 * `evidenceFromChain` gives for that block. A batch proof, when given, is checked against the indexed batch roots.
 */
export async function evidenceFromIndex(
  index: VerificationIndex,
  documentHash: string,
  options: IndexEvidenceOptions = {},
): Promise<DocumentEvidence> {
  const hash = normaliseDocumentHash(documentHash);
  const batchProof = options.batchProof;
  const [deployment, document, batch] = await Promise.all([
    index.deployment(),
    index.document(hash),
    batchProof == null ? Promise.resolve(null) : batchOf(index, hash, batchProof),
  ]);
  if (deployment === null) throw new IndexNotReadyError();
  const evidence: DocumentEvidence = {
    documentHash: hash,
    chainId: deployment.chainId,
    contracts: {
      evidenceRegistry: getAddress(deployment.evidenceRegistry),
      consortiumAccess: getAddress(deployment.consortiumAccess),
    },
    anchor: null,
    version: null,
    coSignatures: [],
    batch,
  };
  if (document === null) return evidence;
  const registrant = getAddress(document.registrant);
  const [registrantStanding, version, coSignatures] = await Promise.all([
    standingAt(index, registrant, document.blockNumber),
    versionOf(index, document),
    coSignaturesOf(index, document),
  ]);
  evidence.anchor = {
    blockNumber: document.blockNumber,
    transactionHash: document.transactionHash.toLowerCase(),
    time: document.anchoredAt,
    registrant,
    registrantStanding,
    termsHash: document.termsHash.toLowerCase(),
    documentType: document.documentType,
    retentionClass: document.retentionClass,
    requiredSigners: document.requiredSigners.map((signer) => getAddress(signer)),
  };
  evidence.version = version;
  evidence.coSignatures = coSignatures;
  return evidence;
}
