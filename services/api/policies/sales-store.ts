/**
 * Proposals in this API's database: a policy (or an endorsement) whose wording is anchored and co-signed by the
 * insurer, waiting for the holder's consent; then the policy it became. The chain is the record of what was issued;
 * this keeps what the chain does not: which offer, the terms in full, and what the holder still has to sign.
 */
import type { DatabaseSync } from 'node:sqlite';
import type { PolicyTerms, ProductKind } from '../../ledger/policies.js';
import { AppError } from '../errors.js';

export interface StoredProposal {
  documentHash: string;
  kind: ProductKind;
  purpose: 'issue' | 'endorse';
  status: 'awaiting-consent' | 'issued';
  insurer: string;
  holder: string;
  offerId: string;
  policyRef: string;
  termsHash: string;
  policy: PolicyTerms;
  /** What the holder pays at consent: the premium, or an endorsement's increase. */
  premiumDue: string;
  /** The API id of the policy an endorsement replaces. */
  previousPolicyId: string | null;
  /** The flight application as given (departure with its offset), for endorsements that keep it. */
  application: Record<string, unknown> | null;
  policyId: string | null;
  transactionHash: string | null;
  createdAt: string;
}

export function initProposalsSchema(db: DatabaseSync): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS sales_proposals (
      document_hash TEXT PRIMARY KEY,
      purpose TEXT NOT NULL,
      status TEXT NOT NULL,
      insurer TEXT NOT NULL,
      holder TEXT NOT NULL,
      offer_id TEXT NOT NULL,
      policy_ref TEXT NOT NULL,
      terms_hash TEXT NOT NULL,
      policy TEXT NOT NULL,
      premium_due TEXT NOT NULL,
      previous_policy_id TEXT,
      application TEXT,
      policy_id TEXT UNIQUE,
      transaction_hash TEXT,
      created_at TEXT NOT NULL
    );
  `);
}

interface ProposalRow {
  document_hash: string;
  purpose: string;
  status: string;
  insurer: string;
  holder: string;
  offer_id: string;
  policy_ref: string;
  terms_hash: string;
  policy: string;
  premium_due: string;
  previous_policy_id: string | null;
  application: string | null;
  policy_id: string | null;
  transaction_hash: string | null;
  created_at: string;
}

function fromRow(row: ProposalRow): StoredProposal {
  const policy = JSON.parse(row.policy) as PolicyTerms;
  return {
    documentHash: row.document_hash,
    kind: policy.kind,
    purpose: row.purpose as StoredProposal['purpose'],
    status: row.status as StoredProposal['status'],
    insurer: row.insurer,
    holder: row.holder,
    offerId: row.offer_id,
    policyRef: row.policy_ref,
    termsHash: row.terms_hash,
    policy,
    premiumDue: row.premium_due,
    previousPolicyId: row.previous_policy_id,
    application: row.application === null ? null : (JSON.parse(row.application) as Record<string, unknown>),
    policyId: row.policy_id,
    transactionHash: row.transaction_hash,
    createdAt: row.created_at,
  };
}

export function insertProposal(db: DatabaseSync, proposal: StoredProposal): void {
  db.prepare(
    `INSERT INTO sales_proposals (document_hash, purpose, status, insurer, holder, offer_id, policy_ref, terms_hash,
       policy, premium_due, previous_policy_id, application, policy_id, transaction_hash, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    proposal.documentHash,
    proposal.purpose,
    proposal.status,
    proposal.insurer,
    proposal.holder,
    proposal.offerId,
    proposal.policyRef,
    proposal.termsHash,
    JSON.stringify(proposal.policy),
    proposal.premiumDue,
    proposal.previousPolicyId,
    proposal.application === null ? null : JSON.stringify(proposal.application),
    proposal.policyId,
    proposal.transactionHash,
    proposal.createdAt,
  );
}

/** Proposal `documentHash`; 404 PROPOSAL_NOT_FOUND when this API made none. */
export function readProposal(db: DatabaseSync, documentHash: string): StoredProposal {
  const row = db.prepare('SELECT * FROM sales_proposals WHERE document_hash = ?').get(documentHash) as
    ProposalRow | undefined;
  if (row === undefined) {
    throw new AppError(404, 'PROPOSAL_NOT_FOUND', `No policy proposal for document ${documentHash}`, {
      details: { documentHash },
    });
  }
  return fromRow(row);
}

/** The proposal policy `policyId` (an API id) was issued on, or null when it was not sold through this API. */
export function proposalOfPolicy(db: DatabaseSync, policyId: string): StoredProposal | null {
  const row = db.prepare('SELECT * FROM sales_proposals WHERE policy_id = ?').get(policyId) as ProposalRow | undefined;
  return row === undefined ? null : fromRow(row);
}

export function markIssued(db: DatabaseSync, documentHash: string, policyId: string, transactionHash: string): void {
  // The chain just issued `policyId`: a proposal this API had marked issued under the same id lost its issue with those
  // blocks (the pool numbered the new policy as it had that one). It awaits consent again.
  db.prepare(
    "UPDATE sales_proposals SET status = 'awaiting-consent', policy_id = NULL, transaction_hash = NULL WHERE policy_id = ? AND document_hash <> ?",
  ).run(policyId, documentHash);
  db.prepare(
    "UPDATE sales_proposals SET status = 'issued', policy_id = ?, transaction_hash = ? WHERE document_hash = ?",
  ).run(policyId, transactionHash, documentHash);
}
