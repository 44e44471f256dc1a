/**
 * The parametric side of the chain index: the events of the oracle hub, the two products, the risk pool and the
 * treaty of a deployment, and the query records built from them (policies, feeds, oracle reports, settlements,
 * cessions). Conventions as in `types.ts`: amounts and uint256 ids decimal strings, times ISO-8601 UTC, hashes
 * lowercase hex, addresses checksummed, enums by their Solidity names.
 *
 * A policy is named `<kind>-<policyId>` (`flight-3`, `weather-4`): the pool issues policy ids, unique across its
 * products, and a deployment has one product of each kind, so the name is unique in the deployment while telling the
 * reader which terms apply without a lookup — and it stays short in URLs and event filters.
 */

export const OBSERVATION_STATUSES = ['None', 'Landed', 'Cancelled', 'Diverted', 'Observed'] as const;
export type ObservationStatusName = (typeof OBSERVATION_STATUSES)[number];

export const FEED_STATES = ['None', 'Open', 'Finalised', 'Disputed', 'Resolved', 'Expired'] as const;
export type FeedStateName = (typeof FEED_STATES)[number];

export const NOTIFICATION_SKIPS = ['DisputeWindow', 'Disallowed', 'InsufficientGas'] as const;

import type { PolicyStatusName } from '../ledger/policies.js';

export { POLICY_STATUSES, type PolicyStatusName } from '../ledger/policies.js';

export const WEATHER_METRICS = ['PrecipitationSum', 'TemperatureMax', 'WindSpeedMax'] as const;
export type WeatherMetricName = (typeof WEATHER_METRICS)[number];

import type { ProductKind } from '../ledger/policy-ids.js';

export { PRODUCT_KINDS, type ProductKind } from '../ledger/policy-ids.js';

/** The contracts of the parametric side, as `ChainEvent.contract` names them. */
export type ParametricContract =
  'OracleHub' | 'FlightDelayProduct' | 'WeatherIndexProduct' | 'RiskPool' | 'ReinsuranceTreaty';

/** What `PolicyIssued` adds from the product's policy record and, when the insurer called `issue` directly, its terms. */
export interface IssuedPolicyDetails {
  coverageStart: string;
  coverageEnd: string;
  cancellationRefundBps: number;
  /** The terms as the `issue` (or `endorse`) calldata gave them, uint256 as decimal strings; null otherwise. */
  terms: Record<string, unknown> | null;
}

/** Arguments of the parametric events, normalised. */
export interface ParametricEventArgs {
  // OracleHub
  FeedRegistered: { feedId: string; consumer: string; dataDeadline: string; tolerance: string };
  ObservationReported: {
    feedId: string;
    oracle: string;
    status: ObservationStatusName;
    value: string;
    observedAt: string;
    payloadHash: string;
  };
  ObservationFinalised: {
    feedId: string;
    status: ObservationStatusName;
    value: string;
    oracles: string[];
    payloadHashes: string[];
  };
  FeedDisputed: { feedId: string };
  FeedResolved: { feedId: string; status: ObservationStatusName; value: string };
  FeedExpired: { feedId: string };
  ConsumerNotificationFailed: { feedId: string; consumer: string; reason: string };
  ConsumerNotNotified: { feedId: string; consumer: string; reason: (typeof NOTIFICATION_SKIPS)[number] };
  SettingsChanged: { quorum: number; freshnessWindow: number; disputeWindow: number; resolutionPeriod: number };
  // FlightDelayProduct and WeatherIndexProduct
  PolicyIssued: {
    policyId: string;
    holder: string;
    feedId: string;
    documentHash: string;
    termsHash: string;
    premium: string;
    maxPayout: string;
  } & IssuedPolicyDetails;
  PolicySettled: { policyId: string; feedId: string; status: PolicyStatusName; payout: string };
  PolicyParked: { policyId: string; feedId: string; reason: string };
  ParkedPolicyResolved: { policyId: string; status: PolicyStatusName; payout: string };
  PolicyCancelled: { policyId: string; cancelledBy: string; refund: string };
  PolicyVoided: { policyId: string; reason: string; voidedBy: string; refund: string };
  PolicyEndorsed: {
    policyId: string;
    newPolicyId: string;
    newDocumentHash: string;
    previousPremium: string;
    newPremium: string;
  };
  FlightFeedRegistered: {
    feedId: string;
    carrier: string;
    flightNumber: string;
    departureDate: number;
    scheduledArrival: string;
    dataDeadline: string;
  };
  WeatherFeedRegistered: {
    feedId: string;
    locationKey: string;
    latitudeE4: number;
    longitudeE4: number;
    stationId: string;
    metric: WeatherMetricName;
    date: number;
    dataDeadline: string;
  };
  // RiskPool
  CapitalDeposited: { insurer: string; amount: string };
  CapitalWithdrawn: { insurer: string; amount: string };
  PolicyOpened: {
    policyId: string;
    product: string;
    holder: string;
    accumulationKey: string;
    premium: string;
    locked: string;
  };
  ClaimsSettled: {
    feedId: string;
    product: string;
    policies: string;
    grossPaid: string;
    recovered: string;
    released: string;
  };
  PremiumRefunded: { policyId: string; holder: string; refund: string; released: string };
  PaymentCredited: { policyId: string; holder: string; amount: string };
  CreditClaimed: { holder: string; to: string; amount: string };
  ProductSet: { product: string; allowed: boolean };
  TreatySet: { treaty: string };
  AccumulationCapSet: { cap: string };
  // ReinsuranceTreaty
  TreatyActivated: { documentHash: string; termsHash: string };
  CollateralPosted: { reinsurer: string; amount: string };
  CollateralWithdrawn: { reinsurer: string; amount: string };
  PremiumWithdrawn: { reinsurer: string; amount: string };
  LossCeded: {
    policyId: string;
    feedId: string;
    gross: string;
    cededQuotaShare: string;
    cededExcessOfLoss: string;
    net: string;
  };
  PremiumCeded: { policyId: string; premium: string; cededPremium: string; cedingCommission: string };
  PremiumReturned: { policyId: string; refund: string; returned: string };
  CollateralShortfall: { feedId: string; owed: string; paid: string };
  ShortfallPaid: { amount: string; outstanding: string };
  PremiumOffset: { amount: string; premiumBalance: string };
  PremiumReturnShortfall: { policyId: string; owed: string; paid: string };
}

export type ParametricEventName = keyof ParametricEventArgs;

/** A policy as the index knows it. */
export interface IndexedPolicy {
  /** `<kind>-<policyId>`. */
  id: string;
  kind: ProductKind;
  product: string;
  /** The pool's policy id (decimal). */
  policyId: string;
  holder: string;
  status: PolicyStatusName;
  premium: string;
  maxPayout: string;
  coverageStart: string | null;
  coverageEnd: string | null;
  cancellationRefundBps: number | null;
  /** The feed the policy settles on (a weather policy: the last day of its window). */
  feedId: string | null;
  documentHash: string | null;
  termsHash: string | null;
  terms: Record<string, unknown> | null;
  accumulationKey: string;
  issuedAt: string;
  blockNumber: number;
  logIndex: number;
  transactionHash: string;
  /** Paid, credited or refunded amount once closed (decimal), else null. */
  payout: string | null;
  refund: string | null;
  /** A payout or refund the stablecoin refused to deliver, held by the pool for the holder to claim. */
  credited: string | null;
  closedAt: string | null;
  /** The policy that replaced this one after an endorsement, or the one it replaced. */
  replacedBy: string | null;
  replaces: string | null;
  /** Whether the pool ceded its premium to a treaty. */
  ceded: boolean;
}

/** An oracle feed: one flight, or one day of one location and metric. */
export interface IndexedFeed {
  feedId: string;
  kind: ProductKind | null;
  state: FeedStateName;
  dataDeadline: string | null;
  registeredAt: string;
  /** Flights. */
  carrier: string | null;
  flightNumber: string | null;
  departureDate: number | null;
  scheduledArrival: string | null;
  /** Weather days. */
  locationKey: string | null;
  latitudeE4: number | null;
  longitudeE4: number | null;
  stationId: string | null;
  metric: WeatherMetricName | null;
  date: number | null;
  /** The outcome once final (or resolved by hand). */
  outcome: {
    status: ObservationStatusName;
    value: string;
    at: string;
    transactionHash: string;
    oracles: string[];
    payloadHashes: string[];
    disputeWindowEndsAt: string | null;
    resolvedByHand: boolean;
  } | null;
  disputedAt: string | null;
  expiredAt: string | null;
}

/** One oracle's report on a feed. */
export interface IndexedFeedReport {
  feedId: string;
  oracle: string;
  status: ObservationStatusName;
  value: string;
  observedAt: string;
  payloadHash: string;
  reportedAt: string;
  blockNumber: number;
  logIndex: number;
  transactionHash: string;
}

/** A policy's settlement by its product: paid, expired or refunded on its feed, or a parked policy resolved. */
export interface IndexedSettlement {
  policyId: string;
  feedId: string | null;
  status: PolicyStatusName;
  payout: string;
  settledAt: string;
  blockNumber: number;
  logIndex: number;
  transactionHash: string;
}

/** A treaty cession record: a premium ceded, a premium's ceded share returned, or a loss ceded. */
export interface IndexedCession {
  kind: 'premium' | 'premium-return' | 'loss';
  /** The policy's name; null for a pool id the index has no policy for. */
  policyId: string | null;
  poolPolicyId: string;
  feedId: string | null;
  gross: string | null;
  cededQuotaShare: string | null;
  cededExcessOfLoss: string | null;
  net: string | null;
  premium: string | null;
  cededPremium: string | null;
  cedingCommission: string | null;
  refund: string | null;
  returned: string | null;
  cededAt: string;
  blockNumber: number;
  logIndex: number;
  transactionHash: string;
}

/** Filters of `listPolicies`; all given ones must hold. */
export interface PolicyFilter {
  kind?: ProductKind;
  status?: PolicyStatusName;
  holder?: string;
  feedId?: string;
  documentHash?: string;
  /** ISO bounds on the issue block time, both inclusive. */
  issuedFrom?: string;
  issuedTo?: string;
  /** Only policies whose premium was ceded (the reinsurer's view). */
  cededOnly?: boolean;
}

/**
 * What an event is about, for filtering: the policy (`flight-3`), the feed and the document it names. Every event read
 * from the index carries it; a pool or treaty event, which names the pool's policy id only, gets the policy's name
 * from the index.
 */
export interface EventSubjects {
  policyId: string | null;
  feedId: string | null;
  documentHash: string | null;
}

/** Filters of `ChainIndex.events`: what an event is about. A policy's events include those of its feeds. */
export interface EventFilter {
  sinceId?: string;
  policyId?: string;
  feedId?: string;
  documentHash?: string;
  limit: number;
}
