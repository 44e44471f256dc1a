/**
 * The parametric products' actions: the terms of flight delay and weather index policies and their struct hash (the
 * policy document's termsHash), the premium's EIP-2612 permit (typed data and relay), issuing, endorsing and
 * cancelling policies, the issuance cut-offs, and the risk pool's credits from payouts whose transfer failed.
 *
 * - Terms are plain JSON (amounts and signed integers as decimal strings), exactly the fields of the products'
 *   `FlightDelayTerms` / `WeatherIndexTerms`, so that the same object feeds the wallet's typed data, the document
 *   store and the contract call.
 * - Every sending action waits for its confirmation and answers where it was mined plus what its event says; reverts
 *   come back as `LedgerError`s named after our custom errors (`transactions.ts`).
 */
import { getAddress, Signature, TypedDataEncoder, type BigNumberish, type LogDescription } from 'ethers';
import {
  FlightDelayProduct__factory,
  MockStablecoin__factory,
  RiskPool__factory,
  WeatherIndexProduct__factory,
} from '../../types/ethers-contracts/index.js';
import { FLIGHT_DELAY_TERMS_TYPES, WEATHER_INDEX_TERMS_TYPES, type TypedDataTypes } from '../shared/eip712.js';
import { requireSigner, type LedgerClient } from './client.js';
import type { CoSignatureTypedData, TermsTypeName } from './documents.js';
import type { ProductKind } from './policy-ids.js';
import { eventIn, minedAt, sendAndConfirm, type MinedTransaction, type SendOptions } from './transactions.js';

// ---------------------------------------------------------------------------------------------------------------------
// Terms
// ---------------------------------------------------------------------------------------------------------------------

/** `IFlightDelayProduct.FlightDelayTerms`, amounts as decimal strings. */
export interface FlightDelayTerms {
  policyholder: string;
  carrier: string;
  flightNumber: string;
  /** yyyymmdd, the UTC date of `scheduledDeparture`. */
  departureDate: number;
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

/** `IWeatherIndexProduct.WeatherIndexTerms`; metric and aggregation as the contract numbers them. */
export interface WeatherIndexTerms {
  policyholder: string;
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

export type { ProductKind };

export type PolicyTerms = { kind: 'flight'; terms: FlightDelayTerms } | { kind: 'weather'; terms: WeatherIndexTerms };

/** The registry's `TermsType` of a product's terms (which co-signature message nests them). */
export function termsTypeOf(kind: ProductKind): TermsTypeName {
  return kind === 'flight' ? 'FlightDelay' : 'WeatherIndex';
}

function termsTypesOf(kind: ProductKind): { primaryType: string; types: TypedDataTypes } {
  return kind === 'flight'
    ? { primaryType: 'FlightDelayTerms', types: FLIGHT_DELAY_TERMS_TYPES }
    : { primaryType: 'WeatherIndexTerms', types: WEATHER_INDEX_TERMS_TYPES };
}

/**
 * The EIP-712 struct hash of the terms (what the products' `hashTerms` computes): the termsHash the policy document
 * is anchored with, and what the holder's terms co-signature nests.
 */
export function policyTermsHash(policy: PolicyTerms): string {
  const { primaryType, types } = termsTypesOf(policy.kind);
  return TypedDataEncoder.hashStruct(primaryType, types, policy.terms).toLowerCase();
}

/** The UTC calendar date (yyyymmdd) of a unix time, as the products name days. */
export function utcDateOf(unixSeconds: number): number {
  const day = new Date(unixSeconds * 1000);
  return day.getUTCFullYear() * 10_000 + (day.getUTCMonth() + 1) * 100 + day.getUTCDate();
}

/** Unix time of 00:00 UTC on a yyyymmdd date. */
export function startOfUtcDate(date: number): number {
  return Date.UTC(Math.floor(date / 10_000), (Math.floor(date / 100) % 100) - 1, date % 100) / 1000;
}

// ---------------------------------------------------------------------------------------------------------------------
// Reads
// ---------------------------------------------------------------------------------------------------------------------

function productAddress(client: LedgerClient, kind: ProductKind): string {
  const address = kind === 'flight' ? client.deployment.flightDelayProduct : client.deployment.weatherIndexProduct;
  if (address === undefined) throw new Error(`the deployment has no ${kind} product`);
  return address;
}

function flightProduct(client: LedgerClient, runner = client.signer ?? client.provider) {
  return FlightDelayProduct__factory.connect(productAddress(client, 'flight'), runner);
}

function weatherProduct(client: LedgerClient, runner = client.signer ?? client.provider) {
  return WeatherIndexProduct__factory.connect(productAddress(client, 'weather'), runner);
}

function riskPool(client: LedgerClient, runner = client.signer ?? client.provider) {
  if (client.deployment.riskPool === undefined) throw new Error('the deployment has no risk pool');
  return RiskPool__factory.connect(client.deployment.riskPool, runner);
}

function stablecoin(client: LedgerClient, runner = client.signer ?? client.provider) {
  if (client.deployment.stablecoin === undefined) throw new Error('the deployment has no stablecoin');
  return MockStablecoin__factory.connect(client.deployment.stablecoin, runner);
}

/** How close to its start a policy may still be issued (seconds), read from the product contract. */
export interface IssuanceSettings {
  /** Flight: issue closes this long before the scheduled departure; weather: before the first day starts. */
  cutoffSeconds: number;
  /** Flight only: the longest cover after the scheduled arrival. */
  maxCoverAfterArrivalSeconds?: number;
}

export async function readIssuanceSettings(client: LedgerClient, kind: ProductKind): Promise<IssuanceSettings> {
  if (kind === 'flight') {
    const [cutoff, maxCover] = await flightProduct(client, client.provider).issuanceSettings();
    return { cutoffSeconds: Number(cutoff), maxCoverAfterArrivalSeconds: Number(maxCover) };
  }
  return { cutoffSeconds: Number(await weatherProduct(client, client.provider).issuanceSettings()) };
}

/** `IParametricProduct.PolicyStatus`, in the contract's order. */
export const POLICY_STATUSES = [
  'None',
  'Issued',
  'Paid',
  'Expired',
  'Cancelled',
  'Refunded',
  'Parked',
  'Voided',
  'Endorsed',
] as const;
export type PolicyStatusName = (typeof POLICY_STATUSES)[number];

/** A policy as its product keeps it. */
export interface PolicyRecord {
  kind: ProductKind;
  policyId: number;
  holder: string;
  status: PolicyStatusName;
  coverageStart: number;
  coverageEnd: number;
  premium: string;
  maxPayout: string;
  cancellationRefundBps: number;
  feedId: string;
  documentHash: string;
}

/** Policy `policyId` of `kind`'s product, or null when the product never issued it. */
export async function readPolicy(
  client: LedgerClient,
  kind: ProductKind,
  policyId: BigNumberish,
): Promise<PolicyRecord | null> {
  const product = kind === 'flight' ? flightProduct(client, client.provider) : weatherProduct(client, client.provider);
  const policy = await product.getPolicy(policyId);
  const status = POLICY_STATUSES[Number(policy.status)] ?? 'None';
  if (status === 'None') return null;
  return {
    kind,
    policyId: Number(policyId),
    holder: getAddress(policy.holder),
    status,
    coverageStart: Number(policy.coverageStart),
    coverageEnd: Number(policy.coverageEnd),
    premium: policy.premium.toString(),
    maxPayout: policy.maxPayout.toString(),
    cancellationRefundBps: Number(policy.cancellationRefundBps),
    feedId: policy.feedId.toLowerCase(),
    documentHash: policy.documentHash.toLowerCase(),
  };
}

/** The first block time at which the pool's insurer can no longer cancel (or endorse) `policyId` on its own. */
export async function insurerCancellationDeadline(
  client: LedgerClient,
  kind: ProductKind,
  policyId: BigNumberish,
): Promise<number> {
  const product = kind === 'flight' ? flightProduct(client, client.provider) : weatherProduct(client, client.provider);
  return Number(await product.insurerCancellationDeadline(policyId));
}

/** The insurer whose pool the products issue into. */
export async function poolInsurer(client: LedgerClient): Promise<string> {
  return getAddress(await riskPool(client, client.provider).insurer());
}

/** What `holder` may take from the pool: payouts and refunds whose transfer failed. */
export async function creditOf(client: LedgerClient, holder: string): Promise<bigint> {
  return riskPool(client, client.provider).creditOf(holder);
}

/** `owner`'s stablecoin balance and what the risk pool may take of it. */
export async function premiumFunds(
  client: LedgerClient,
  owner: string,
): Promise<{ balance: bigint; allowance: bigint }> {
  const coin = stablecoin(client, client.provider);
  const [balance, allowance] = await Promise.all([
    coin.balanceOf(owner),
    coin.allowance(owner, riskPool(client, client.provider).target as string),
  ]);
  return { balance, allowance };
}

// ---------------------------------------------------------------------------------------------------------------------
// The premium's permit (EIP-2612)
// ---------------------------------------------------------------------------------------------------------------------

const PERMIT_TYPES: TypedDataTypes = {
  Permit: [
    { name: 'owner', type: 'address' },
    { name: 'spender', type: 'address' },
    { name: 'value', type: 'uint256' },
    { name: 'nonce', type: 'uint256' },
    { name: 'deadline', type: 'uint256' },
  ],
};

/**
 * The EIP-2612 permit `owner` signs to let the risk pool take `value` of its stablecoin until `deadline`, as
 * `eth_signTypedData_v4` takes it (domain read from the token's EIP-5267 `eip712Domain`, nonce its next one).
 */
export async function premiumPermitTypedData(
  client: LedgerClient,
  request: { owner: string; value: BigNumberish; deadline: BigNumberish },
): Promise<CoSignatureTypedData> {
  const coin = stablecoin(client, client.provider);
  const [domain, nonce] = await Promise.all([coin.eip712Domain(), coin.nonces(request.owner)]);
  const spender = getAddress(riskPool(client, client.provider).target as string);
  return {
    domain: {
      name: domain.name,
      version: domain.version,
      chainId: Number(domain.chainId),
      verifyingContract: getAddress(domain.verifyingContract),
    },
    types: {
      EIP712Domain: [
        { name: 'name', type: 'string' },
        { name: 'version', type: 'string' },
        { name: 'chainId', type: 'uint256' },
        { name: 'verifyingContract', type: 'address' },
      ],
      ...PERMIT_TYPES,
    },
    primaryType: 'Permit',
    message: {
      owner: getAddress(request.owner),
      spender,
      value: BigInt(request.value).toString(),
      nonce: nonce.toString(),
      deadline: BigInt(request.deadline).toString(),
    },
  };
}

/** Relays `owner`'s permit signature to the stablecoin (anyone may; the insurer's API does). */
export async function relayPremiumPermit(
  client: LedgerClient,
  permit: { owner: string; value: BigNumberish; deadline: BigNumberish; signature: string },
  options?: SendOptions,
): Promise<MinedTransaction> {
  const coin = stablecoin(client);
  const { v, r, s } = Signature.from(permit.signature);
  const receipt = await sendAndConfirm(
    client,
    'relayPremiumPermit',
    coin.permit.populateTransaction(
      permit.owner,
      riskPool(client, client.provider).target,
      permit.value,
      permit.deadline,
      v,
      r,
      s,
    ),
    options,
  );
  return minedAt(receipt);
}

// ---------------------------------------------------------------------------------------------------------------------
// Issue, endorse, cancel
// ---------------------------------------------------------------------------------------------------------------------

export interface IssuedPolicy extends MinedTransaction {
  kind: ProductKind;
  policyId: number;
  holder: string;
  feedId: string;
  documentHash: string;
  premium: string;
  maxPayout: string;
}

/**
 * Issues a policy on `documentHash` (anchored with the terms' hash, co-signed by the insurer and, over the terms, by
 * the holder, who approved the pool for the premium). The pool's insurer only.
 */
export async function issuePolicy(
  client: LedgerClient,
  policy: PolicyTerms & { documentHash: string },
  options?: SendOptions,
): Promise<IssuedPolicy> {
  const request =
    policy.kind === 'flight'
      ? flightProduct(client).issue.populateTransaction(policy.terms, policy.documentHash)
      : weatherProduct(client).issue.populateTransaction(policy.terms, policy.documentHash);
  const receipt = await sendAndConfirm(client, 'issuePolicy', request, options);
  const issued = eventIn(receipt, productEvents(client, policy.kind), 'PolicyIssued', 'issuePolicy').event;
  return { ...minedAt(receipt), ...issuedPolicyOf(policy.kind, issued) };
}

/** The product's events, as `eventIn` reads them from a receipt. */
function productEvents(client: LedgerClient, kind: ProductKind): Parameters<typeof eventIn>[1] {
  const product = kind === 'flight' ? flightProduct(client) : weatherProduct(client);
  return { address: product.target as string, iface: product.interface };
}

/** What a `PolicyIssued` event says of the policy. */
function issuedPolicyOf(kind: ProductKind, issued: LogDescription): Omit<IssuedPolicy, keyof MinedTransaction> {
  return {
    kind,
    policyId: Number(issued.args.policyId),
    holder: getAddress(String(issued.args.holder)),
    feedId: String(issued.args.feedId).toLowerCase(),
    documentHash: String(issued.args.documentHash).toLowerCase(),
    premium: String(issued.args.premium),
    maxPayout: String(issued.args.maxPayout),
  };
}

export interface EndorsedPolicy extends IssuedPolicy {
  previousPolicyId: number;
  previousPremium: string;
}

/**
 * Replaces `policyId` by a policy on `newTerms`, whose document `documentHash` is a co-signed later version of the
 * policy's document; the holder pays a premium increase (approved to the pool) or is refunded a decrease. The pool's
 * insurer only, before the policy's insurer cancellation deadline.
 */
export async function endorsePolicy(
  client: LedgerClient,
  endorsement: PolicyTerms & { policyId: BigNumberish; documentHash: string },
  options?: SendOptions,
): Promise<EndorsedPolicy> {
  const request =
    endorsement.kind === 'flight'
      ? flightProduct(client).endorse.populateTransaction(
          endorsement.policyId,
          endorsement.terms,
          endorsement.documentHash,
        )
      : weatherProduct(client).endorse.populateTransaction(
          endorsement.policyId,
          endorsement.terms,
          endorsement.documentHash,
        );
  const receipt = await sendAndConfirm(client, 'endorsePolicy', request, options);
  const events = productEvents(client, endorsement.kind);
  const issued = eventIn(receipt, events, 'PolicyIssued', 'endorsePolicy').event;
  const endorsed = eventIn(receipt, events, 'PolicyEndorsed', 'endorsePolicy').event;
  return {
    ...minedAt(receipt),
    ...issuedPolicyOf(endorsement.kind, issued),
    previousPolicyId: Number(endorsed.args.policyId),
    previousPremium: String(endorsed.args.previousPremium),
  };
}

export interface CancelledPolicy extends MinedTransaction {
  kind: ProductKind;
  policyId: number;
  cancelledBy: string;
  refund: string;
}

/**
 * Cancels `policyId` as the client's signer: the holder before its cover starts (refunded as its terms say), or the
 * pool's insurer before its cancellation deadline (the whole premium refunded).
 */
export async function cancelPolicy(
  client: LedgerClient,
  policy: { kind: ProductKind; policyId: BigNumberish },
  options?: SendOptions,
): Promise<CancelledPolicy> {
  const product = policy.kind === 'flight' ? flightProduct(client) : weatherProduct(client);
  const receipt = await sendAndConfirm(
    client,
    'cancelPolicy',
    product.cancel.populateTransaction(policy.policyId),
    options,
  );
  const { event } = eventIn(
    receipt,
    { address: product.target as string, iface: product.interface },
    'PolicyCancelled',
    'cancelPolicy',
  );
  return {
    ...minedAt(receipt),
    kind: policy.kind,
    policyId: Number(event.args.policyId),
    cancelledBy: getAddress(String(event.args.cancelledBy)),
    refund: String(event.args.refund),
  };
}

export interface ClaimedCredit extends MinedTransaction {
  holder: string;
  to: string;
  amount: string;
}

/** Pays the client signer's credits (failed payouts and refunds) to `to` (itself by default). The holder only. */
export async function claimCredit(client: LedgerClient, to?: string, options?: SendOptions): Promise<ClaimedCredit> {
  const pool = riskPool(client);
  const recipient = to ?? (await requireSigner(client, 'claimCredit').getAddress());
  const receipt = await sendAndConfirm(client, 'claimCredit', pool.claimCredit.populateTransaction(recipient), options);
  const { event } = eventIn(
    receipt,
    { address: pool.target as string, iface: pool.interface },
    'CreditClaimed',
    'claimCredit',
  );
  return {
    ...minedAt(receipt),
    holder: getAddress(String(event.args.holder)),
    to: getAddress(String(event.args.to)),
    amount: String(event.args.amount),
  };
}

/** One `PolicySettled` event of a product: what the chain paid (or released) for a policy, and where. */
export interface PolicySettlement {
  kind: ProductKind;
  policyId: number;
  feedId: string;
  status: PolicyStatusName;
  payout: string;
  transactionHash: string;
  blockNumber: number;
}

/**
 * Every `PolicySettled` event of `kind`'s product from block `fromBlock` on, in chain order: read from the chain's
 * logs, not from an index, so that a check of "paid once" relies on nothing but the chain.
 */
export async function policySettlements(
  client: LedgerClient,
  kind: ProductKind,
  fromBlock = client.deployment.blockNumber,
): Promise<PolicySettlement[]> {
  const product = kind === 'flight' ? flightProduct(client, client.provider) : weatherProduct(client, client.provider);
  const events = await product.queryFilter(product.filters.PolicySettled(), fromBlock, 'latest');
  return events.map((event) => ({
    kind,
    policyId: Number(event.args.policyId),
    feedId: event.args.feedId.toLowerCase(),
    status: POLICY_STATUSES[Number(event.args.status)] ?? 'None',
    payout: event.args.payout.toString(),
    transactionHash: event.transactionHash,
    blockNumber: event.blockNumber,
  }));
}
