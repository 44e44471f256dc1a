/** The API answers the reinsurer dashboard reads (see services/api/treaties/). Amounts: base units, decimal strings. */

export interface TreatySummary {
  address: string;
  pool: string;
  insurer: string;
  reinsurer: string;
  active: boolean;
  terms: {
    quotaShareBps: number;
    cedingCommissionBps: number;
    excessOfLossAttachment: string;
    excessOfLossLimit: string;
    excessOfLossAggregateLimit: string;
  };
}

export interface StatementLine {
  id: string;
  kind: string;
  blockNumber: number;
  logIndex: number;
  transactionHash: string;
  time: string;
  policyId: string | null;
  feedId: string | null;
  amounts: Record<string, string>;
}

export interface StatementEvent {
  feedId: string;
  losses: number;
  gross: string;
  cededQuotaShare: string;
  cededExcessOfLoss: string;
  retained: string;
  shortfall: string;
}

export interface TreatyStatement {
  chainId: string;
  treaty: string;
  period: { from: string | null; to: string | null; fromBlock: number; toBlock: number };
  lines: StatementLine[];
  events: StatementEvent[];
  totals: Record<string, string | number>;
}

export interface SignedStatement {
  statement: TreatyStatement;
  signature: { signer: string; statementHash: string; signature: string };
}

export interface TreatyHistory {
  points: {
    time: string;
    openLimits: string;
    quotaShareExposure: string;
    premiumCeded: string;
    grossLosses: string;
    lossesCeded: string;
  }[];
  exposureByKey: { accumulationKey: string; policies: number; openLimits: string; quotaShareExposure: string }[];
}

export interface TreatyAudit {
  verdict: 'matches' | 'differs';
  linesRederived: number;
  signature: { valid: boolean; signer: string | null; problems: string[] } | null;
  differences: { kind: string; where: string; message: string }[];
}
