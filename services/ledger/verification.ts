/**
 * Public verification of an anchored document: a report of named steps, each with a stable code and a result, and a
 * verdict, in the manner of Blockcerts' verifier, but over HTTP and with every co-signer.
 *
 * The report is a pure function of a `DocumentEvidence` fact set. Two sources produce that evidence: the chain itself
 * (`evidenceFromChain`, `verification-chain.ts`: events and views, for the CLI, certificates and checks against a
 * member's node) and the API's chain index (`evidenceFromIndex`, `verification-index.ts`: no RPC call per request).
 * Both give the same evidence for the same chain, so the report does not depend on the path taken.
 *
 * What the report shows, and why:
 * - Parties appear by checksummed address and their consortium roles only. Legal names of members are public
 *   registry facts, but a CLIENT's identity is personal data, and the index does not carry names: no names at all.
 * - No content, no policy reference, no storage pointer: the report is public (no sign-in).
 * - An unknown hash is a normal answer (`verdict: 'unknown'`), never an error.
 */
import type { PartyRole } from './parties.js';
import type { ChainPosition, DocumentEvidence, PartyStanding, ReportOptions } from './verification-evidence.js';

export * from './verification-evidence.js';

/** The step codes, in the order a report lists them. Stable: clients key on them. */
export const VERIFICATION_STEP_CODES = [
  'HASH_COMPUTED',
  'ANCHOR_FOUND',
  'REGISTRANT_AUTHORISED',
  'COSIGNATURES',
  'VERSION_STATUS',
  'BATCH_MEMBERSHIP',
] as const;
export type VerificationStepCode = (typeof VERIFICATION_STEP_CODES)[number];

/** Titles a page can show before any step has run. */
export const VERIFICATION_STEP_TITLES: Record<VerificationStepCode, string> = {
  HASH_COMPUTED: 'Document hash computed from the bytes',
  ANCHOR_FOUND: 'Anchor found on the chain',
  REGISTRANT_AUTHORISED: 'Registrant was an authorised party when it anchored',
  COSIGNATURES: 'Required co-signatures',
  VERSION_STATUS: 'Version status',
  BATCH_MEMBERSHIP: 'Merkle batch membership',
};

export type StepStatus = 'passed' | 'failed' | 'skipped' | 'warning';

/** One step of a report; `details` holds the facts the step looked at (never personal data or content). */
export interface VerificationStep<Code extends string = VerificationStepCode> {
  code: Code;
  title: string;
  status: StepStatus;
  details: Record<string, unknown>;
}

/**
 * - `anchored-current`: anchored (alone or in a batch) and the current version of its chain.
 * - `superseded`: anchored, but a later version replaced it (the report names the current one).
 * - `revoked`: anchored, then revoked by its registrant (the report gives the reason and time).
 * - `unknown`: this chain has no anchor of the hash (nor a batch proof that leads to an anchored root).
 */
export type Verdict = 'anchored-current' | 'superseded' | 'revoked' | 'unknown';

export interface VerificationReport {
  documentHash: string;
  verdict: Verdict;
  checkedAt: string;
  chainId: string;
  /** The contracts the evidence was read from. */
  contracts: { evidenceRegistry: string; consortiumAccess: string };
  steps: VerificationStep[];
}

const REGISTRANT_ROLES: PartyRole[] = ['INSURER', 'REINSURER'];

function step(code: VerificationStepCode, status: StepStatus, details: Record<string, unknown>): VerificationStep {
  return { code, title: VERIFICATION_STEP_TITLES[code], status, details };
}

function positionDetails(position: ChainPosition): Record<string, unknown> {
  return {
    blockNumber: position.blockNumber,
    transactionHash: position.transactionHash,
    time: position.time,
  };
}

function hashStep(evidence: DocumentEvidence, options: ReportOptions): VerificationStep {
  if (options.hashedBytes === undefined) {
    return step('HASH_COMPUTED', 'skipped', { reason: 'no document bytes were given: the hash was taken as supplied' });
  }
  return step('HASH_COMPUTED', 'passed', {
    algorithm: 'SHA-256',
    documentHash: evidence.documentHash,
    size: options.hashedBytes.size,
  });
}

function anchorStep(evidence: DocumentEvidence): VerificationStep {
  if (evidence.anchor !== null)
    return step('ANCHOR_FOUND', 'passed', { via: 'anchor', ...positionDetails(evidence.anchor) });
  const batch = evidence.batch;
  if (batch?.anchor != null && batch.proofValid) {
    return step('ANCHOR_FOUND', 'passed', {
      via: 'batch',
      merkleRoot: batch.merkleRoot,
      ...positionDetails(batch.anchor),
    });
  }
  return step('ANCHOR_FOUND', 'failed', {
    reason:
      'no anchor of this hash on this chain' +
      (batch === null ? '' : ', and the batch proof leads to no anchored root'),
  });
}

function standingDetails(account: string, standing: PartyStanding, blockNumber: number): Record<string, unknown> {
  return {
    account,
    atBlock: blockNumber,
    registered: standing.registered,
    active: standing.active,
    roles: standing.roles,
  };
}

function registrantStep(evidence: DocumentEvidence): VerificationStep {
  const anchored =
    evidence.anchor ?? (evidence.batch?.anchor != null && evidence.batch.proofValid ? evidence.batch.anchor : null);
  if (anchored === null) return step('REGISTRANT_AUTHORISED', 'skipped', { reason: 'no anchor' });
  const { registrant, registrantStanding: standing } = anchored;
  const authorised = standing.active && standing.roles.some((role) => REGISTRANT_ROLES.includes(role));
  return step('REGISTRANT_AUTHORISED', authorised ? 'passed' : 'failed', {
    ...standingDetails(registrant, standing, anchored.blockNumber),
    requiredRoles: REGISTRANT_ROLES,
  });
}

function coSignaturesStep(evidence: DocumentEvidence): VerificationStep {
  if (evidence.anchor === null) {
    const reason = evidence.batch === null ? 'no anchor' : 'a batch root records no co-signatures';
    return step('COSIGNATURES', 'skipped', { reason });
  }
  const signers = evidence.coSignatures.map((coSignature) => {
    if (coSignature.state === 'pending' || coSignature.recorded === null || coSignature.signerStanding === null) {
      return { signer: coSignature.signer, state: 'pending' };
    }
    return {
      signer: coSignature.signer,
      state: 'signed',
      signedAt: coSignature.recorded.time,
      blockNumber: coSignature.recorded.blockNumber,
      transactionHash: coSignature.recorded.transactionHash,
      over: coSignature.over,
      termsType: coSignature.termsType,
      activePartyThen: coSignature.signerStanding.active,
      rolesThen: coSignature.signerStanding.roles,
    };
  });
  const signed = signers.filter((signer) => signer.state === 'signed');
  const inactive = signed.filter((signer) => signer.activePartyThen !== true);
  const status: StepStatus = inactive.length > 0 ? 'failed' : signed.length < signers.length ? 'warning' : 'passed';
  return step('COSIGNATURES', status, {
    required: signers.length,
    signed: signed.length,
    fullySigned: signed.length === signers.length,
    signers,
  });
}

function versionStep(evidence: DocumentEvidence): VerificationStep {
  const version = evidence.version;
  if (version === null) {
    if (evidence.batch?.anchor != null && evidence.batch.proofValid) {
      return step('VERSION_STATUS', 'passed', {
        state: 'current',
        reason: 'a batch member has no version chain and cannot be revoked on chain',
      });
    }
    return step('VERSION_STATUS', 'skipped', { reason: 'no anchor' });
  }
  const chain = {
    version: version.version,
    chainRoot: version.chainRoot,
    previousVersion: version.previousVersion,
  };
  if (version.status === 'current') return step('VERSION_STATUS', 'passed', { state: 'current', ...chain });
  if (version.status === 'superseded') {
    return step('VERSION_STATUS', 'warning', {
      state: 'superseded',
      ...chain,
      nextVersion: version.nextVersion,
      currentVersion: version.currentVersion,
      latestVersion: version.head,
    });
  }
  const revocation = version.revocation;
  return step('VERSION_STATUS', 'failed', {
    state: 'revoked',
    ...chain,
    reason: revocation?.reason ?? null,
    revokedAt: revocation?.time ?? null,
    revokedBy: revocation?.revokedBy ?? null,
  });
}

function batchStep(evidence: DocumentEvidence): VerificationStep {
  const batch = evidence.batch;
  if (batch === null) {
    return step('BATCH_MEMBERSHIP', 'skipped', { reason: 'no batch proof was supplied or is known for this hash' });
  }
  const details = { merkleRoot: batch.merkleRoot, proof: batch.proof, proofValid: batch.proofValid };
  if (!batch.proofValid)
    return step('BATCH_MEMBERSHIP', 'failed', { ...details, reason: 'the proof does not lead to the root' });
  if (batch.anchor === null) {
    return step('BATCH_MEMBERSHIP', 'failed', { ...details, reason: 'this chain has no anchor of the root' });
  }
  return step('BATCH_MEMBERSHIP', 'passed', {
    ...details,
    documentCount: batch.anchor.documentCount,
    registrant: batch.anchor.registrant,
    ...positionDetails(batch.anchor),
  });
}

/** The verdict the evidence supports; the document's own anchor takes precedence over a batch membership. */
export function verdictOf(evidence: DocumentEvidence): Verdict {
  if (evidence.version !== null) {
    if (evidence.version.status === 'current') return 'anchored-current';
    return evidence.version.status;
  }
  if (evidence.batch?.anchor != null && evidence.batch.proofValid) return 'anchored-current';
  return 'unknown';
}

/** The verification report of `evidence`: every step, in `VERIFICATION_STEP_CODES` order, and the verdict. */
export function buildVerificationReport(evidence: DocumentEvidence, options: ReportOptions = {}): VerificationReport {
  return {
    documentHash: evidence.documentHash,
    verdict: verdictOf(evidence),
    checkedAt: options.checkedAt ?? new Date().toISOString(),
    chainId: evidence.chainId,
    contracts: { ...evidence.contracts },
    steps: [
      hashStep(evidence, options),
      anchorStep(evidence),
      registrantStep(evidence),
      coSignaturesStep(evidence),
      versionStep(evidence),
      batchStep(evidence),
    ],
  };
}

export { evidenceFromChain, type ChainEvidenceOptions } from './verification-chain.js';
export { evidenceFromIndex, type IndexEvidenceOptions } from './verification-index.js';
