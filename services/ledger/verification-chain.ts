/**
 * Verification evidence read from the chain itself: the registry's views for the state, its events for where and
 * when each fact was recorded, and the consortium's views at past blocks for each party's standing then. Slower than
 * the index (several calls per document) but needs nothing but a node: the CLI, certificates and the checks of a
 * certificate against each member's own node use it.
 */
import { getAddress, type Log, type Provider } from 'ethers';
import { EvidenceRegistry__factory } from '../../types/ethers-contracts/index.js';
import type { EvidenceRegistry } from '../../types/ethers-contracts/index.js';
import { sharedContracts, type LedgerClient } from './client.js';
import { PARTY_ROLES, readParty } from './parties.js';
import {
  DOCUMENT_TYPES,
  isoTime,
  normaliseDocumentHash,
  REVOCATION_REASONS,
  TERMS_TYPES,
  type ChainPosition,
  type CoSignatureEvidence,
  type DocumentEvidence,
  type PartyStanding,
  type SuppliedBatchProof,
  type VersionEvidence,
} from './verification-evidence.js';
import { batchRootOf } from './verification-proofs.js';

export interface ChainEvidenceOptions {
  /** A batch proof to check (from the caller, a certificate or the anchoring service). */
  batchProof?: SuppliedBatchProof | null;
}

/** Document statuses as `IEvidenceRegistry.DocumentStatus` numbers them. */
const STATUS = { None: 0n, Current: 1n, Superseded: 2n, Revoked: 3n } as const;

const registryInterface = EvidenceRegistry__factory.createInterface();

/** An account's standing at `blockNumber` (end of that block), from `ConsortiumAccess`. */
async function standingAt(client: LedgerClient, account: string, blockNumber: number): Promise<PartyStanding> {
  const party = await readParty(client, account, blockNumber);
  return {
    registered: party.registered,
    active: party.active,
    roles: PARTY_ROLES.filter((role) => party.roles.includes(role)),
  };
}

/** Where a log was recorded, with its block's time. */
async function positionOf(provider: Provider, log: Log): Promise<ChainPosition> {
  const block = await provider.getBlock(log.blockNumber);
  if (block === null) throw new Error(`block ${log.blockNumber} is not known to the node`);
  return {
    blockNumber: log.blockNumber,
    transactionHash: log.transactionHash.toLowerCase(),
    time: isoTime(block.timestamp),
  };
}

/**
 * The signed message's nonce, deadline and signature, from the relaying transaction's calldata when it called the
 * registry directly (what the API and the scripts do); null fields when it came through another contract.
 */
async function signedMessageOf(
  client: LedgerClient,
  transactionHash: string,
  documentHash: string,
  signer: string,
): Promise<Pick<CoSignatureEvidence, 'nonce' | 'deadline' | 'signature'>> {
  const unknown = { nonce: null, deadline: null, signature: null };
  const transaction = await client.provider.getTransaction(transactionHash);
  if (transaction?.to == null || getAddress(transaction.to) !== getAddress(client.deployment.evidenceRegistry)) {
    return unknown;
  }
  const call = registryInterface.parseTransaction({ data: transaction.data });
  if (call === null || (call.name !== 'cosign' && call.name !== 'cosignTerms')) return unknown;
  const args = call.args.toObject() as {
    documentHash: string;
    signer: string;
    nonce: bigint;
    deadline: bigint;
    signature: string;
  };
  if (args.documentHash.toLowerCase() !== documentHash || getAddress(args.signer) !== signer) return unknown;
  return { nonce: args.nonce.toString(), deadline: args.deadline.toString(), signature: args.signature.toLowerCase() };
}

async function coSignaturesOf(
  client: LedgerClient,
  registry: EvidenceRegistry,
  documentHash: string,
  requiredSigners: string[],
  fromBlock: number,
): Promise<CoSignatureEvidence[]> {
  const [signedEvents, termsEvents] = await Promise.all([
    registry.queryFilter(registry.filters.DocumentCoSigned(documentHash), fromBlock),
    registry.queryFilter(registry.filters.TermsCoSigned(documentHash), fromBlock),
  ]);
  return Promise.all(
    requiredSigners.map(async (signer): Promise<CoSignatureEvidence> => {
      const signed = signedEvents.find((event) => getAddress(event.args.signer) === signer);
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
      const terms = termsEvents.find((event) => getAddress(event.args.signer) === signer);
      const [recorded, signerStanding, message] = await Promise.all([
        positionOf(client.provider, signed),
        standingAt(client, signer, signed.blockNumber),
        signedMessageOf(client, signed.transactionHash, documentHash, signer),
      ]);
      return {
        signer,
        state: 'signed',
        recorded,
        signerStanding,
        over: terms === undefined ? 'hash' : 'terms',
        termsType: terms === undefined ? null : (TERMS_TYPES[Number(terms.args.termsType)] ?? null),
        ...message,
      };
    }),
  );
}

async function versionOf(
  client: LedgerClient,
  registry: EvidenceRegistry,
  documentHash: string,
  anchor: Awaited<ReturnType<EvidenceRegistry['getAnchor']>>,
  fromBlock: number,
): Promise<VersionEvidence> {
  const [chainRoot, previousVersion, currentVersion] = await Promise.all([
    registry.chainRoot(documentHash),
    registry.previousVersion(documentHash),
    registry.currentVersion(documentHash),
  ]);
  const root = chainRoot.toLowerCase();
  const [successors, revocations] = await Promise.all([
    registry.queryFilter(registry.filters.DocumentSuperseded(undefined, undefined, root), fromBlock),
    anchor.status === STATUS.Revoked
      ? registry.queryFilter(registry.filters.DocumentRevoked(documentHash), fromBlock)
      : Promise.resolve([]),
  ]);
  const next = successors.find((event) => event.args.previousHash.toLowerCase() === documentHash);
  const latest = successors.reduce<(typeof successors)[number] | undefined>(
    (best, event) => (best === undefined || event.args.version > best.args.version ? event : best),
    undefined,
  );
  const revoked = revocations.at(-1);
  const status =
    anchor.status === STATUS.Current ? 'current' : anchor.status === STATUS.Superseded ? 'superseded' : 'revoked';
  return {
    status,
    version: Number(anchor.version),
    chainRoot: root,
    previousVersion: BigInt(previousVersion) === 0n ? null : previousVersion.toLowerCase(),
    nextVersion: next === undefined ? null : next.args.documentHash.toLowerCase(),
    head: latest === undefined ? root : latest.args.documentHash.toLowerCase(),
    currentVersion: BigInt(currentVersion) === 0n ? null : currentVersion.toLowerCase(),
    revocation:
      revoked === undefined
        ? null
        : {
            time: isoTime(anchor.revokedAt),
            reason: REVOCATION_REASONS[Number(revoked.args.reason)] ?? 'Unspecified',
            revokedBy: getAddress(revoked.args.revokedBy),
          },
  };
}

async function batchOf(
  client: LedgerClient,
  registry: EvidenceRegistry,
  documentHash: string,
  supplied: SuppliedBatchProof,
  fromBlock: number,
): Promise<DocumentEvidence['batch']> {
  const proof = supplied.proof.map((node) => normaliseDocumentHash(node));
  const reached = batchRootOf(documentHash, proof);
  const merkleRoot = supplied.merkleRoot === undefined ? reached : normaliseDocumentHash(supplied.merkleRoot);
  const batch = await registry.getBatch(merkleRoot);
  if (BigInt(batch.registrant) === 0n) return { merkleRoot, proof, proofValid: reached === merkleRoot, anchor: null };
  const events = await registry.queryFilter(registry.filters.BatchAnchored(merkleRoot), fromBlock);
  const anchored = events.at(-1);
  if (anchored === undefined) throw new Error(`batch ${merkleRoot} is stored but its BatchAnchored event is missing`);
  const registrant = getAddress(batch.registrant);
  const [position, registrantStanding] = await Promise.all([
    positionOf(client.provider, anchored),
    standingAt(client, registrant, anchored.blockNumber),
  ]);
  return {
    merkleRoot,
    proof,
    proofValid: reached === merkleRoot,
    anchor: { ...position, registrant, registrantStanding, documentCount: Number(batch.documentCount) },
  };
}

/**
 * The verification evidence of `documentHash` on the chain `client` reads, at its latest block. A batch proof, when
 * given, is checked against the registry's batch roots.
 */
export async function evidenceFromChain(
  client: LedgerClient,
  documentHash: string,
  options: ChainEvidenceOptions = {},
): Promise<DocumentEvidence> {
  const hash = normaliseDocumentHash(documentHash);
  const { registry } = sharedContracts(client, client.provider);
  const fromBlock = client.deployment.blockNumber;
  const evidence: DocumentEvidence = {
    documentHash: hash,
    chainId: client.deployment.chainId,
    contracts: {
      evidenceRegistry: getAddress(client.deployment.evidenceRegistry),
      consortiumAccess: getAddress(client.deployment.consortiumAccess),
    },
    anchor: null,
    version: null,
    coSignatures: [],
    batch: null,
  };
  const batchProof = options.batchProof;
  const [anchor, batch] = await Promise.all([
    registry.getAnchor(hash),
    batchProof == null ? Promise.resolve(null) : batchOf(client, registry, hash, batchProof, fromBlock),
  ]);
  evidence.batch = batch;
  if (anchor.status === STATUS.None) return evidence;

  const anchoredEvents = await registry.queryFilter(registry.filters.DocumentAnchored(hash), fromBlock);
  const anchored = anchoredEvents.at(-1);
  if (anchored === undefined) throw new Error(`document ${hash} is stored but its DocumentAnchored event is missing`);
  const registrant = getAddress(anchor.registrant);
  const requiredSigners = anchored.args.requiredSigners.map((signer) => getAddress(signer));
  const [position, registrantStanding, version, coSignatures] = await Promise.all([
    positionOf(client.provider, anchored),
    standingAt(client, registrant, anchored.blockNumber),
    versionOf(client, registry, hash, anchor, fromBlock),
    coSignaturesOf(client, registry, hash, requiredSigners, fromBlock),
  ]);
  evidence.anchor = {
    ...position,
    time: isoTime(anchor.anchoredAt),
    registrant,
    registrantStanding,
    termsHash: anchor.termsHash.toLowerCase(),
    documentType: DOCUMENT_TYPES[Number(anchor.documentType)] ?? 'Other',
    retentionClass: Number(anchor.retentionClass),
    requiredSigners,
  };
  evidence.version = version;
  evidence.coSignatures = coSignatures;
  return evidence;
}
