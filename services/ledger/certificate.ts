/**
 * Evidence certificates: a JSON file holding everything needed to check an anchored document later without the API
 * that issued it: the hash, the chain and contracts, where the anchor (or the batch root) was recorded, the Merkle
 * proof, and every co-signature with the EIP-712 message fields it signed.
 *
 * A certificate is checked in two ways:
 * - offline (`verifyCertificateOffline`): the document's bytes against the hash, the Merkle proof against the root,
 *   each EOA co-signature by recovering its signer from the EIP-712 digest. A contract wallet's (EIP-1271)
 *   signature cannot be checked without its wallet's code: it is reported as needing a chain.
 * - against chain endpoints the caller chooses (`verifyCertificateAgainstChains`), e.g. each consortium member's own
 *   node: chain id, anchor, batch root, revocation status and co-signature state, per endpoint, flagging endpoints
 *   that disagree with the others.
 *
 * This module imports no `node:` module, so the verify web page bundles it to check certificates in the browser;
 * reading certificate files is `certificate-file.ts`.
 */
import { FetchRequest, getAddress, JsonRpcProvider, Network, sha256, ZeroAddress, type Provider } from 'ethers';
import { z } from 'zod';
import type { LedgerClient } from './client.js';
import type { Deployment } from './deploy.js';
import { EVIDENCE_DOMAIN_NAME } from '../shared/eip712.js';
import { evidenceFromChain } from './verification-chain.js';
import {
  DOCUMENT_TYPES,
  REVOCATION_REASONS,
  TERMS_TYPES,
  type DocumentEvidence,
  type SuppliedBatchProof,
} from './verification-evidence.js';
import { buildVerificationReport, type StepStatus, type Verdict, type VerificationStep } from './verification.js';
import {
  batchLeaf,
  coSignatureDigest,
  evidenceDomain,
  recoverSigner,
  verifyBatchProof,
} from './verification-proofs.js';

export const CERTIFICATE_FORMAT = 'policyledger-evidence-certificate';
export const CERTIFICATE_FORMAT_VERSION = 1;

const hash32 = z.string().regex(/^0x[0-9a-f]{64}$/, 'a 0x-prefixed lowercase 32-byte hex hash');
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'a 0x-prefixed 20-byte hex address');
const decimal = z.string().regex(/^[0-9]{1,78}$/, 'a decimal integer string');
const isoTime = z.iso.datetime();
const blockNumber = z.number().int().nonnegative();

const StatusSchema = z.enum(['current', 'superseded', 'revoked']);

/** The zod schema of a certificate (format version 1): what `verifyCertificateOffline` accepts. */
export const EvidenceCertificateSchema = z.object({
  format: z.literal(CERTIFICATE_FORMAT),
  formatVersion: z.literal(CERTIFICATE_FORMAT_VERSION),
  issuedAt: isoTime,
  documentHash: hash32,
  chainId: decimal,
  contracts: z.object({ evidenceRegistry: address, consortiumAccess: address }),
  eip712Domain: z.object({ name: z.string(), version: z.string(), chainId: decimal, verifyingContract: address }),
  anchor: z
    .object({
      blockNumber,
      blockHash: hash32,
      transactionHash: hash32,
      anchoredAt: isoTime,
      registrant: address,
      termsHash: hash32,
      documentType: z.enum(DOCUMENT_TYPES),
      retentionClass: z.number().int().min(0).max(255),
      requiredSigners: z.array(address).max(8),
    })
    .nullable(),
  versionChain: z
    .object({
      version: z.number().int().positive(),
      chainRoot: hash32,
      previousVersion: hash32.nullable(),
      nextVersion: hash32.nullable(),
      currentVersion: hash32.nullable(),
      statusAtIssue: StatusSchema,
      revocation: z.object({ reason: z.enum(REVOCATION_REASONS), revokedBy: address, revokedAt: isoTime }).nullable(),
    })
    .nullable(),
  batch: z
    .object({
      merkleRoot: hash32,
      leaf: hash32,
      proof: z.array(hash32).max(64),
      blockNumber,
      blockHash: hash32,
      transactionHash: hash32,
      anchoredAt: isoTime,
      registrant: address,
      documentCount: z.number().int().positive(),
    })
    .nullable(),
  coSignatures: z
    .array(
      z.object({
        signer: address,
        state: z.enum(['signed', 'pending']),
        /** How the signature verifies: recovered from the digest (an EOA) or by the wallet contract (EIP-1271). */
        scheme: z.enum(['ecdsa', 'erc1271']).nullable(),
        over: z.enum(['hash', 'terms']).nullable(),
        termsType: z.enum(TERMS_TYPES).nullable(),
        nonce: decimal.nullable(),
        deadline: decimal.nullable(),
        signature: z
          .string()
          .regex(/^0x([0-9a-f]{2})*$/)
          .nullable(),
        signedAt: isoTime.nullable(),
        blockNumber: blockNumber.nullable(),
        transactionHash: hash32.nullable(),
      }),
    )
    .max(8),
});
export type EvidenceCertificate = z.infer<typeof EvidenceCertificateSchema>;

/** Thrown when a certificate is asked for a hash this chain has no anchor of. */
export class DocumentNotFoundError extends Error {
  readonly code = 'DOCUMENT_NOT_FOUND';
  constructor(readonly documentHash: string) {
    super(`no anchor of document ${documentHash} on this chain`);
    this.name = 'DocumentNotFoundError';
  }
}

/** The hashes of the blocks a certificate names (anchor, batch root), which the index does not keep. */
export async function certificateBlockHashes(
  provider: Provider,
  evidence: DocumentEvidence,
): Promise<Map<number, string>> {
  const blocks = [evidence.anchor?.blockNumber, evidence.batch?.anchor?.blockNumber].filter(
    (block): block is number => block !== undefined,
  );
  const hashes = new Map<number, string>();
  for (const block of new Set(blocks)) {
    const found = await provider.getBlock(block);
    if (found?.hash == null) throw new Error(`block ${block} is not known to the node`);
    hashes.set(block, found.hash.toLowerCase());
  }
  return hashes;
}

function blockHashOf(blockHashes: Map<number, string>, block: number): string {
  const hash = blockHashes.get(block);
  if (hash === undefined) throw new Error(`the hash of block ${block} is needed for the certificate`);
  return hash;
}

/**
 * The certificate of `evidence`. `blockHashes` gives the hash of each block it names (`certificateBlockHashes`).
 * Throws `DocumentNotFoundError` when the evidence holds neither an anchor nor a proven batch membership.
 */
export function buildCertificate(
  evidence: DocumentEvidence,
  options: { blockHashes: Map<number, string>; issuedAt?: string },
): EvidenceCertificate {
  const { anchor, version, batch } = evidence;
  const batchAnchor = batch?.proofValid === true ? batch.anchor : null;
  if (anchor === null && batchAnchor === null) throw new DocumentNotFoundError(evidence.documentHash);
  const domain = evidenceDomain(evidence.chainId, evidence.contracts.evidenceRegistry);
  const termsHash = anchor?.termsHash ?? `0x${'0'.repeat(64)}`;
  return {
    format: CERTIFICATE_FORMAT,
    formatVersion: CERTIFICATE_FORMAT_VERSION,
    issuedAt: options.issuedAt ?? new Date().toISOString(),
    documentHash: evidence.documentHash,
    chainId: evidence.chainId,
    contracts: { ...evidence.contracts },
    eip712Domain: {
      name: EVIDENCE_DOMAIN_NAME,
      version: '1',
      chainId: evidence.chainId,
      verifyingContract: evidence.contracts.evidenceRegistry,
    },
    anchor:
      anchor === null
        ? null
        : {
            blockNumber: anchor.blockNumber,
            blockHash: blockHashOf(options.blockHashes, anchor.blockNumber),
            transactionHash: anchor.transactionHash,
            anchoredAt: anchor.time,
            registrant: anchor.registrant,
            termsHash: anchor.termsHash,
            documentType: anchor.documentType,
            retentionClass: anchor.retentionClass,
            requiredSigners: anchor.requiredSigners,
          },
    versionChain:
      version === null
        ? null
        : {
            version: version.version,
            chainRoot: version.chainRoot,
            previousVersion: version.previousVersion,
            nextVersion: version.nextVersion,
            currentVersion: version.currentVersion,
            statusAtIssue: version.status,
            revocation:
              version.revocation === null
                ? null
                : {
                    reason: version.revocation.reason,
                    revokedBy: version.revocation.revokedBy,
                    revokedAt: version.revocation.time,
                  },
          },
    batch:
      batch === null || batchAnchor === null
        ? null
        : {
            merkleRoot: batch.merkleRoot,
            leaf: batchLeaf(evidence.documentHash),
            proof: batch.proof,
            blockNumber: batchAnchor.blockNumber,
            blockHash: blockHashOf(options.blockHashes, batchAnchor.blockNumber),
            transactionHash: batchAnchor.transactionHash,
            anchoredAt: batchAnchor.time,
            registrant: batchAnchor.registrant,
            documentCount: batchAnchor.documentCount,
          },
    coSignatures: evidence.coSignatures.map((coSignature) => {
      const signed =
        coSignature.nonce !== null && coSignature.deadline !== null && coSignature.signature !== null
          ? { nonce: coSignature.nonce, deadline: coSignature.deadline, signature: coSignature.signature }
          : null;
      // The registry accepted the signature: when ECDSA recovery does not give the signer, its wallet verified it.
      const scheme =
        signed === null
          ? null
          : recoverSigner(
                coSignatureDigest(domain, {
                  documentHash: evidence.documentHash,
                  termsHash,
                  signer: coSignature.signer,
                  nonce: signed.nonce,
                  deadline: signed.deadline,
                  termsType: coSignature.termsType,
                }),
                signed.signature,
              ) === coSignature.signer
            ? 'ecdsa'
            : 'erc1271';
      return {
        signer: coSignature.signer,
        state: coSignature.state,
        scheme,
        over: coSignature.over,
        termsType: coSignature.termsType,
        nonce: signed?.nonce ?? null,
        deadline: signed?.deadline ?? null,
        signature: signed?.signature ?? null,
        signedAt: coSignature.recorded?.time ?? null,
        blockNumber: coSignature.recorded?.blockNumber ?? null,
        transactionHash: coSignature.recorded?.transactionHash ?? null,
      };
    }),
  };
}

/** The certificate of `documentHash`, read from the chain `client` reads. */
export async function certificateFromChain(
  client: LedgerClient,
  documentHash: string,
  options: { batchProof?: SuppliedBatchProof | null; issuedAt?: string } = {},
): Promise<EvidenceCertificate> {
  const evidence = await evidenceFromChain(client, documentHash, { batchProof: options.batchProof ?? null });
  const blockHashes = await certificateBlockHashes(client.provider, evidence);
  return buildCertificate(evidence, {
    blockHashes,
    ...(options.issuedAt === undefined ? {} : { issuedAt: options.issuedAt }),
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Offline check
// ---------------------------------------------------------------------------------------------------------------

/** Step codes of a certificate check, in order; the chain-dependent ones are those of the verification report. */
export const CERTIFICATE_STEP_CODES = [
  'CERTIFICATE_FORMAT',
  'HASH_COMPUTED',
  'SIGNATURE_DOMAIN',
  'CHAIN_ID',
  'ANCHOR_FOUND',
  'REGISTRANT_AUTHORISED',
  'BATCH_MEMBERSHIP',
  'VERSION_STATUS',
  'COSIGNATURES',
] as const;
export type CertificateStepCode = (typeof CERTIFICATE_STEP_CODES)[number];

const CERTIFICATE_STEP_TITLES: Record<CertificateStepCode, string> = {
  CERTIFICATE_FORMAT: 'Certificate is well formed',
  HASH_COMPUTED: 'Document bytes hash to the certified hash',
  SIGNATURE_DOMAIN: 'EIP-712 domain is the certified registry on the certified chain',
  CHAIN_ID: 'Endpoint serves the certified chain',
  ANCHOR_FOUND: 'Anchor recorded where the certificate says',
  REGISTRANT_AUTHORISED: 'Registrant was an authorised party when it anchored',
  BATCH_MEMBERSHIP: 'Merkle proof leads to the batch root',
  VERSION_STATUS: 'Version status',
  COSIGNATURES: 'Co-signatures',
};

export type CertificateStep = VerificationStep<CertificateStepCode>;

function certificateStep(
  code: CertificateStepCode,
  status: StepStatus,
  details: Record<string, unknown>,
): CertificateStep {
  return { code, title: CERTIFICATE_STEP_TITLES[code], status, details };
}

export interface CertificateCheck {
  documentHash: string | null;
  checkedAt: string;
  /** No step failed. */
  valid: boolean;
  steps: CertificateStep[];
}

function offlineCoSignatures(certificate: EvidenceCertificate): CertificateStep {
  const domain = evidenceDomain(certificate.chainId, certificate.contracts.evidenceRegistry);
  const termsHash = certificate.anchor?.termsHash ?? `0x${'0'.repeat(64)}`;
  const signers = certificate.coSignatures.map((coSignature) => {
    const signer = getAddress(coSignature.signer);
    if (coSignature.state === 'pending') return { signer, result: 'pending' };
    if (coSignature.nonce === null || coSignature.deadline === null || coSignature.signature === null) {
      return { signer, result: 'needs chain', reason: 'the certificate carries no signed message for this signer' };
    }
    if (coSignature.scheme === 'erc1271') {
      return { signer, result: 'needs chain', reason: 'a contract wallet signature is checked by the wallet on chain' };
    }
    const digest = coSignatureDigest(domain, {
      documentHash: certificate.documentHash,
      termsHash,
      signer,
      nonce: coSignature.nonce,
      deadline: coSignature.deadline,
      termsType: coSignature.over === 'terms' ? coSignature.termsType : null,
    });
    const recovered = recoverSigner(digest, coSignature.signature);
    return recovered === signer
      ? { signer, result: 'valid', digest }
      : { signer, result: 'invalid', digest, recovered, reason: 'the signature does not recover to the signer' };
  });
  if (certificate.anchor === null) {
    return certificateStep('COSIGNATURES', 'skipped', { reason: 'a batch root records no co-signatures' });
  }
  const certified = new Set(certificate.coSignatures.map((coSignature) => getAddress(coSignature.signer)));
  const listed = certificate.anchor.requiredSigners.map((signer) => getAddress(signer));
  const listMatches = listed.length === certified.size && listed.every((signer) => certified.has(signer));
  const status: StepStatus =
    !listMatches || signers.some((signer) => signer.result === 'invalid')
      ? 'failed'
      : signers.some((signer) => signer.result !== 'valid')
        ? 'warning'
        : 'passed';
  return certificateStep('COSIGNATURES', status, {
    required: listed.length,
    ...(listMatches ? {} : { reason: 'the co-signatures are not those of the required signers' }),
    signers,
  });
}

/**
 * Checks `certificate` without any chain: its form, the document's bytes (when given) against its hash, the EIP-712
 * domain, the Merkle proof against the batch root, and every EOA co-signature. Chain facts (the anchor, statuses) are
 * left to `verifyCertificateAgainstChains`.
 */
export function verifyCertificateOffline(
  certificate: unknown,
  options: { documentBytes?: Uint8Array; checkedAt?: string } = {},
): CertificateCheck {
  const checkedAt = options.checkedAt ?? new Date().toISOString();
  const parsed = EvidenceCertificateSchema.safeParse(certificate);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
    return {
      documentHash: null,
      checkedAt,
      valid: false,
      steps: [certificateStep('CERTIFICATE_FORMAT', 'failed', { issues })],
    };
  }
  const cert = parsed.data;
  const steps: CertificateStep[] = [
    certificateStep('CERTIFICATE_FORMAT', 'passed', { format: cert.format, formatVersion: cert.formatVersion }),
  ];

  if (options.documentBytes === undefined) {
    steps.push(certificateStep('HASH_COMPUTED', 'skipped', { reason: 'no document bytes were given' }));
  } else {
    const computed = sha256(options.documentBytes);
    steps.push(
      certificateStep('HASH_COMPUTED', computed === cert.documentHash ? 'passed' : 'failed', {
        algorithm: 'SHA-256',
        computed,
        certified: cert.documentHash,
        size: options.documentBytes.byteLength,
      }),
    );
  }

  const domain = cert.eip712Domain;
  const domainMatches =
    domain.name === EVIDENCE_DOMAIN_NAME &&
    domain.version === '1' &&
    domain.chainId === cert.chainId &&
    getAddress(domain.verifyingContract) === getAddress(cert.contracts.evidenceRegistry);
  steps.push(certificateStep('SIGNATURE_DOMAIN', domainMatches ? 'passed' : 'failed', { domain }));

  if (cert.batch === null) {
    steps.push(certificateStep('BATCH_MEMBERSHIP', 'skipped', { reason: 'not anchored in a batch' }));
  } else {
    const { merkleRoot, proof, leaf } = cert.batch;
    const valid = leaf === batchLeaf(cert.documentHash) && verifyBatchProof(merkleRoot, cert.documentHash, proof);
    steps.push(certificateStep('BATCH_MEMBERSHIP', valid ? 'passed' : 'failed', { merkleRoot, leaf, proof }));
  }

  steps.push(offlineCoSignatures(cert));
  return {
    documentHash: cert.documentHash,
    checkedAt,
    valid: steps.every((item) => item.status !== 'failed'),
    steps,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Check against chain endpoints
// ---------------------------------------------------------------------------------------------------------------

export interface EndpointCheck {
  rpcUrl: string;
  reachable: boolean;
  /** The chain id the endpoint answered; null when unreachable. */
  chainId: string | null;
  /** The endpoint's verdict on the document today; null when it could not be read. */
  verdict: Verdict | null;
  /** Every fact the certificate states was found as stated (its status may have changed since: see VERSION_STATUS). */
  matchesCertificate: boolean;
  steps: CertificateStep[];
  error?: string;
}

export interface ChainsCheck {
  documentHash: string;
  checkedAt: string;
  endpoints: EndpointCheck[];
  agreement: {
    /** Every reachable endpoint reported the same facts. */
    unanimous: boolean;
    /** Endpoints whose facts differ from the majority's (on a tie, from those that match the certificate). */
    disagreeing: string[];
    unreachable: string[];
  };
}

/** Thrown when a certificate does not have the certificate form. */
export class InvalidCertificateError extends Error {
  readonly code = 'INVALID_CERTIFICATE';
  constructor(readonly issues: { path: string; message: string }[]) {
    super(
      `not a ${CERTIFICATE_FORMAT} (version ${CERTIFICATE_FORMAT_VERSION}): ${issues[0]?.path ?? ''} ${issues[0]?.message ?? ''}`.trim(),
    );
    this.name = 'InvalidCertificateError';
  }
}

/** `value` as a certificate, or an `InvalidCertificateError` listing what is wrong. */
export function parseCertificate(value: unknown): EvidenceCertificate {
  const parsed = EvidenceCertificateSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new InvalidCertificateError(
    parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
  );
}

/** A deployment to read the certificate's contracts with (evidence reads need no other contract). */
function deploymentOf(certificate: EvidenceCertificate): Deployment {
  return {
    chainId: certificate.chainId,
    consortiumAccess: certificate.contracts.consortiumAccess,
    evidenceRegistry: certificate.contracts.evidenceRegistry,
    oracleHub: ZeroAddress,
    deployer: ZeroAddress,
    blockNumber: 0,
    deployedAt: certificate.issuedAt,
  };
}

/** The facts two endpoints must agree on, as a comparable string. */
function fingerprintOf(chainId: string, evidence: DocumentEvidence, blockHashes: Map<number, string>): string {
  return JSON.stringify({
    chainId,
    anchor:
      evidence.anchor === null
        ? null
        : [evidence.anchor.blockNumber, blockHashes.get(evidence.anchor.blockNumber), evidence.anchor.transactionHash],
    batch:
      evidence.batch?.anchor == null
        ? null
        : [
            evidence.batch.merkleRoot,
            blockHashes.get(evidence.batch.anchor.blockNumber),
            evidence.batch.anchor.transactionHash,
          ],
    version:
      evidence.version === null
        ? null
        : [evidence.version.status, evidence.version.head, evidence.version.revocation?.reason ?? null],
    coSignatures: evidence.coSignatures.map((coSignature) => [
      coSignature.signer,
      coSignature.state,
      coSignature.recorded?.transactionHash ?? null,
    ]),
  });
}

function chainSteps(
  certificate: EvidenceCertificate,
  evidence: DocumentEvidence,
  blockHashes: Map<number, string>,
): CertificateStep[] {
  const steps: CertificateStep[] = [];
  const report = buildVerificationReport(evidence);
  const reportStep = (code: string) => report.steps.find((item) => item.code === code);

  const certifiedAnchor = certificate.anchor;
  if (certifiedAnchor === null) {
    steps.push(certificateStep('ANCHOR_FOUND', 'skipped', { reason: 'the certificate names a batch root only' }));
  } else {
    const observed = evidence.anchor;
    const observedBlockHash = observed === null ? null : (blockHashes.get(observed.blockNumber) ?? null);
    const matches =
      observed !== null &&
      observed.blockNumber === certifiedAnchor.blockNumber &&
      observedBlockHash === certifiedAnchor.blockHash &&
      observed.transactionHash === certifiedAnchor.transactionHash &&
      observed.registrant === getAddress(certifiedAnchor.registrant) &&
      observed.termsHash === certifiedAnchor.termsHash;
    steps.push(
      certificateStep('ANCHOR_FOUND', matches ? 'passed' : 'failed', {
        certified: {
          blockNumber: certifiedAnchor.blockNumber,
          blockHash: certifiedAnchor.blockHash,
          transactionHash: certifiedAnchor.transactionHash,
        },
        observed:
          observed === null
            ? null
            : {
                blockNumber: observed.blockNumber,
                blockHash: observedBlockHash,
                transactionHash: observed.transactionHash,
                registrant: observed.registrant,
                termsHash: observed.termsHash,
              },
      }),
    );
  }

  const registrant = reportStep('REGISTRANT_AUTHORISED');
  if (registrant !== undefined) {
    steps.push(certificateStep('REGISTRANT_AUTHORISED', registrant.status, registrant.details));
  }

  const certifiedBatch = certificate.batch;
  if (certifiedBatch === null) {
    steps.push(certificateStep('BATCH_MEMBERSHIP', 'skipped', { reason: 'not anchored in a batch' }));
  } else {
    const observed = evidence.batch?.anchor ?? null;
    const observedBlockHash = observed === null ? null : (blockHashes.get(observed.blockNumber) ?? null);
    const matches =
      observed !== null &&
      evidence.batch?.proofValid === true &&
      observed.blockNumber === certifiedBatch.blockNumber &&
      observedBlockHash === certifiedBatch.blockHash &&
      observed.transactionHash === certifiedBatch.transactionHash;
    steps.push(
      certificateStep('BATCH_MEMBERSHIP', matches ? 'passed' : 'failed', {
        merkleRoot: certifiedBatch.merkleRoot,
        rootAnchored: observed !== null,
        observed:
          observed === null
            ? null
            : {
                blockNumber: observed.blockNumber,
                blockHash: observedBlockHash,
                transactionHash: observed.transactionHash,
              },
      }),
    );
  }

  const versionStep = reportStep('VERSION_STATUS');
  if (versionStep !== undefined) {
    const certifiedVersion = certificate.versionChain;
    const chainMatches =
      certifiedVersion === null ||
      (evidence.version !== null &&
        evidence.version.version === certifiedVersion.version &&
        evidence.version.chainRoot === certifiedVersion.chainRoot);
    steps.push(
      certificateStep('VERSION_STATUS', chainMatches ? versionStep.status : 'failed', {
        ...versionStep.details,
        statusAtIssue: certifiedVersion?.statusAtIssue ?? null,
        ...(chainMatches ? {} : { reason: 'the version chain position differs from the certificate' }),
      }),
    );
  }

  if (certifiedAnchor !== null) {
    const signers = certificate.coSignatures.map((certified) => {
      const signer = getAddress(certified.signer);
      const observed = evidence.coSignatures.find((coSignature) => coSignature.signer === signer);
      if (observed === undefined)
        return { signer, certified: certified.state, observed: 'not required', result: 'mismatch' };
      if (certified.state === 'signed') {
        const same = observed.state === 'signed' && observed.recorded?.transactionHash === certified.transactionHash;
        return { signer, certified: 'signed', observed: observed.state, result: same ? 'confirmed' : 'mismatch' };
      }
      return {
        signer,
        certified: 'pending',
        observed: observed.state,
        result: observed.state === 'signed' ? 'signed since issue' : 'pending',
      };
    });
    const status: StepStatus = signers.some((signer) => signer.result === 'mismatch')
      ? 'failed'
      : signers.some((signer) => signer.result === 'pending')
        ? 'warning'
        : 'passed';
    steps.push(certificateStep('COSIGNATURES', status, { signers }));
  } else {
    steps.push(certificateStep('COSIGNATURES', 'skipped', { reason: 'a batch root records no co-signatures' }));
  }
  return steps;
}

async function checkEndpoint(
  certificate: EvidenceCertificate,
  rpcUrl: string,
  timeoutMs: number,
): Promise<{ check: EndpointCheck; fingerprint: string | null }> {
  const request = new FetchRequest(rpcUrl);
  request.timeout = timeoutMs;
  const provider = new JsonRpcProvider(request, Network.from(BigInt(certificate.chainId)), {
    staticNetwork: true,
    batchMaxCount: 1,
  });
  try {
    const chainId = BigInt(String(await provider.send('eth_chainId', []))).toString();
    if (chainId !== certificate.chainId) {
      const steps = [certificateStep('CHAIN_ID', 'failed', { certified: certificate.chainId, observed: chainId })];
      return {
        check: { rpcUrl, reachable: true, chainId, verdict: null, matchesCertificate: false, steps },
        fingerprint: JSON.stringify({ chainId }),
      };
    }
    const client: LedgerClient = { deployment: deploymentOf(certificate), provider };
    const batchProof =
      certificate.batch === null ? null : { merkleRoot: certificate.batch.merkleRoot, proof: certificate.batch.proof };
    const evidence = await evidenceFromChain(client, certificate.documentHash, { batchProof });
    const blockHashes = await certificateBlockHashes(provider, evidence);
    const steps = [
      certificateStep('CHAIN_ID', 'passed', { chainId }),
      ...chainSteps(certificate, evidence, blockHashes),
    ];
    // The document's status may have changed since issue (a warning or a revocation): that is news, not a mismatch.
    const matchesCertificate = steps.every((item) => item.status !== 'failed' || item.code === 'VERSION_STATUS');
    return {
      check: {
        rpcUrl,
        reachable: true,
        chainId,
        verdict: buildVerificationReport(evidence).verdict,
        matchesCertificate,
        steps,
      },
      fingerprint: fingerprintOf(chainId, evidence, blockHashes),
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      check: {
        rpcUrl,
        reachable: false,
        chainId: null,
        verdict: null,
        matchesCertificate: false,
        steps: [certificateStep('CHAIN_ID', 'failed', { reason: 'the endpoint did not answer' })],
        error: message.slice(0, 300),
      },
      fingerprint: null,
    };
  } finally {
    provider.destroy();
  }
}

/**
 * Checks `certificate` against each endpoint in `rpcUrls` (e.g. each consortium member's own node): chain id, the
 * anchor where the certificate says, the batch root, the document's status today and each co-signature. Endpoints
 * that report other facts than the majority of the endpoints are listed in `agreement.disagreeing`.
 */
export async function verifyCertificateAgainstChains(
  certificate: unknown,
  rpcUrls: string[],
  options: { timeoutMs?: number; checkedAt?: string } = {},
): Promise<ChainsCheck> {
  const cert = parseCertificate(certificate);
  const results = await Promise.all(rpcUrls.map((url) => checkEndpoint(cert, url, options.timeoutMs ?? 10_000)));
  const groups = new Map<string, { urls: string[]; matchCertificate: boolean }>();
  for (const { check, fingerprint } of results) {
    if (fingerprint === null) continue;
    const group = groups.get(fingerprint) ?? { urls: [], matchCertificate: check.matchesCertificate };
    group.urls.push(check.rpcUrl);
    groups.set(fingerprint, group);
  }
  const ranked = [...groups.values()].sort(
    (a, b) => b.urls.length - a.urls.length || Number(b.matchCertificate) - Number(a.matchCertificate),
  );
  const majority = new Set(ranked[0]?.urls ?? []);
  return {
    documentHash: cert.documentHash,
    checkedAt: options.checkedAt ?? new Date().toISOString(),
    endpoints: results.map((result) => result.check),
    agreement: {
      unanimous: groups.size <= 1,
      disagreeing: results
        .filter((result) => result.fingerprint !== null && !majority.has(result.check.rpcUrl))
        .map((result) => result.check.rpcUrl),
      unreachable: results.filter((result) => !result.check.reachable).map((result) => result.check.rpcUrl),
    },
  };
}
