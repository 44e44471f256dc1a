/**
 * The API answers the client page reads, as far as it uses them (the OpenAPI document has them in full: `Policy`,
 * `PolicyTimeline`, `PolicyProposal`, `PolicyProposalAnswer`, `IssuedPolicy`, `Document`, `Credit`).
 */
import type { TypedData } from '../lib/wallet.js';

export interface FlightTerms {
  carrier: string;
  flightNumber: string;
  scheduledDeparture: number;
  scheduledArrival: number;
  coverageStart: number;
  coverageEnd: number;
  delayTierMinutes: number[];
  delayTierPayouts: string[];
  cancellationPayout: string;
  diversionPayout: string;
  sumInsured: string;
  premium: string;
  cancellationRefundBps: number;
}

export interface WeatherTerms {
  latitudeE4: number;
  longitudeE4: number;
  stationId: string;
  metric: number;
  startDate: number;
  endDate: number;
  aggregation: number;
  dayThreshold: string;
  trigger: string;
  exit: string;
  stepThresholds: string[];
  stepPayouts: string[];
  sumInsured: string;
  premium: string;
  cancellationRefundBps: number;
}

export interface Proposal {
  documentHash: string;
  kind: 'flight' | 'weather';
  purpose: 'issue' | 'endorse';
  status: 'awaiting-consent' | 'issued';
  policyRef: string;
  terms: Record<string, unknown>;
  premium: string;
  premiumDue: string;
  previousPolicyId: string | null;
  policyId: string | null;
  transactionHash: string | null;
}

export interface ProposalAnswer {
  proposal: Proposal;
  consent: { termsCoSignature: TypedData; permit: TypedData | null; href: string } | null;
}

export interface IssuedPolicy {
  policy: {
    id: string;
    premium: string;
    maxPayout: string;
    transactionHash: string;
    blockNumber: number;
  };
}

export interface PolicyView {
  id: string;
  product: 'flight' | 'weather';
  status: string;
  premium: string;
  maxPayout: string;
  cover: { start: string | null; end: string | null };
  feedId: string | null;
  documentHash: string | null;
  terms: Record<string, unknown> | null;
  insured:
    | { kind: 'flight'; carrier: string; flightNumber: string; departureDate: number; scheduledArrival: string }
    | { kind: 'weather'; latitudeE4: number; longitudeE4: number; stationId: string; metric: string }
    | null;
  issuedAt: string;
  issue: { blockNumber: number; transactionHash: string };
  payout: string | null;
}

export interface TimelineStep {
  step: string;
  state: 'done' | 'current' | 'pending' | 'skipped';
  at: string | null;
  transactionHash: string | null;
  reason?: string;
  evidence: Record<string, unknown>;
}

export interface Timeline {
  policy: string;
  status: string;
  asOf: string | null;
  steps: TimelineStep[];
}

export interface OracleReport {
  oracle: string;
  status: string;
  value: string | null;
  observedAt: string | null;
  payloadHash: string;
  reportedAt: string;
  transactionHash: string;
}

export interface DocumentView {
  documentHash: string;
  status: string;
  documentType: string;
  policyRef: string;
  anchor: { transactionHash: string | null; anchoredAt: string | null } | null;
  signatures: { signer: string; state: string }[];
  fullySigned: boolean;
}

/** One delivered event (`GET /v1/events`), as the stream sends it. */
export interface LedgerEvent {
  id: string;
  type: string;
  blockNumber: number;
  /** The block's time: the ledger's clock. */
  blockTime: string;
  transactionHash: string;
  about: { policyId: string | null; feedId: string | null; documentHash: string | null };
}
