/**
 * Logs of the parametric contracts (oracle hub, products, risk pool, treaty) as index events. The arguments are
 * normalised from the ABI's types — addresses checksummed, bytes32 lowercase, uint256 decimal strings — with the few
 * named exceptions below: enums by name, unix times as ISO-8601, and small numbers (dates, coordinates, settings) as
 * numbers. Governance settings and wiring consents are left to the chain: the index keeps what policies, feeds and
 * money do.
 */
import { policyIdOf } from '../ledger/policy-ids.js';
import { getAddress, hexlify, type Interface, type Log, type LogDescription, type ParamType } from 'ethers';
import {
  FlightDelayProduct__factory,
  OracleHub__factory,
  ReinsuranceTreaty__factory,
  RiskPool__factory,
  WeatherIndexProduct__factory,
} from '../../types/ethers-contracts/index.js';
import { REVOCATION_REASONS } from '../ledger/documents.js';
import {
  NOTIFICATION_SKIPS,
  OBSERVATION_STATUSES,
  POLICY_STATUSES,
  WEATHER_METRICS,
  type EventSubjects,
  type IssuedPolicyDetails,
  type ParametricContract,
  type ParametricEventName,
  type ProductKind,
} from './parametric-types.js';

/** The parametric contracts of a deployment, where deployed. */
export interface ParametricContracts {
  oracleHub: string;
  flightDelayProduct?: string;
  weatherIndexProduct?: string;
  riskPool?: string;
  reinsuranceTreaty?: string;
}

const PRODUCT_EVENTS: ParametricEventName[] = [
  'PolicyIssued',
  'PolicySettled',
  'PolicyParked',
  'ParkedPolicyResolved',
  'PolicyCancelled',
  'PolicyVoided',
  'PolicyEndorsed',
];

const KEPT: Record<ParametricContract, { abi: Interface; events: Set<string> }> = {
  OracleHub: {
    abi: OracleHub__factory.createInterface(),
    events: new Set([
      'FeedRegistered',
      'ObservationReported',
      'ObservationFinalised',
      'FeedDisputed',
      'FeedResolved',
      'FeedExpired',
      'ConsumerNotificationFailed',
      'ConsumerNotNotified',
      'SettingsChanged',
    ]),
  },
  FlightDelayProduct: {
    abi: FlightDelayProduct__factory.createInterface(),
    events: new Set([...PRODUCT_EVENTS, 'FlightFeedRegistered']),
  },
  WeatherIndexProduct: {
    abi: WeatherIndexProduct__factory.createInterface(),
    events: new Set([...PRODUCT_EVENTS, 'WeatherFeedRegistered']),
  },
  RiskPool: {
    abi: RiskPool__factory.createInterface(),
    events: new Set([
      'CapitalDeposited',
      'CapitalWithdrawn',
      'PolicyOpened',
      'ClaimsSettled',
      'PremiumRefunded',
      'PaymentCredited',
      'CreditClaimed',
      'ProductSet',
      'TreatySet',
      'AccumulationCapSet',
    ]),
  },
  ReinsuranceTreaty: {
    abi: ReinsuranceTreaty__factory.createInterface(),
    events: new Set([
      'TreatyActivated',
      'CollateralPosted',
      'CollateralWithdrawn',
      'PremiumWithdrawn',
      'LossCeded',
      'PremiumCeded',
      'PremiumReturned',
      'CollateralShortfall',
      'ShortfallPaid',
      'PremiumOffset',
      'PremiumReturnShortfall',
    ]),
  },
};

/** Enum-typed parameters (`<event>.<param>`) and their names. */
const ENUMS: Record<string, readonly string[]> = {
  'ObservationReported.status': OBSERVATION_STATUSES,
  'ObservationFinalised.status': OBSERVATION_STATUSES,
  'FeedResolved.status': OBSERVATION_STATUSES,
  'ConsumerNotNotified.reason': NOTIFICATION_SKIPS,
  'PolicySettled.status': POLICY_STATUSES,
  'ParkedPolicyResolved.status': POLICY_STATUSES,
  'PolicyVoided.reason': REVOCATION_REASONS,
  'WeatherFeedRegistered.metric': WEATHER_METRICS,
  'terms.metric': WEATHER_METRICS,
};
/** Unix-seconds parameters, answered as ISO-8601. */
const TIMES = new Set(['dataDeadline', 'observedAt', 'scheduledArrival']);
/** Small integers, answered as numbers. */
const SMALL = new Set([
  'departureDate',
  'latitudeE4',
  'longitudeE4',
  'date',
  'quorum',
  'freshnessWindow',
  'disputeWindow',
  'resolutionPeriod',
  'startDate',
  'endDate',
  'aggregation',
  'cancellationRefundBps',
  'delayTierMinutes',
]);

/** The contract name of a parametric address of the deployment, or null. */
export function parametricContractAt(address: string, contracts: ParametricContracts): ParametricContract | null {
  const lower = address.toLowerCase();
  const names: [ParametricContract, string | undefined][] = [
    ['OracleHub', contracts.oracleHub],
    ['FlightDelayProduct', contracts.flightDelayProduct],
    ['WeatherIndexProduct', contracts.weatherIndexProduct],
    ['RiskPool', contracts.riskPool],
    ['ReinsuranceTreaty', contracts.reinsuranceTreaty],
  ];
  return names.find(([, at]) => at?.toLowerCase() === lower)?.[0] ?? null;
}

/** The addresses whose logs the index reads. */
export function parametricAddresses(contracts: ParametricContracts): string[] {
  return [
    contracts.oracleHub,
    contracts.flightDelayProduct,
    contracts.weatherIndexProduct,
    contracts.riskPool,
    contracts.reinsuranceTreaty,
  ].filter((address): address is string => address !== undefined);
}

/** The parsed log when it is a kept parametric event, else null. */
export function parseParametric(
  log: Log,
  contracts: ParametricContracts,
): { contract: ParametricContract; description: LogDescription } | null {
  const contract = parametricContractAt(log.address, contracts);
  if (contract === null) return null;
  const kept = KEPT[contract];
  const description = kept.abi.parseLog(log);
  return description !== null && kept.events.has(description.name) ? { contract, description } : null;
}

/** The policy id of a `PolicyIssued` log (whose details the indexer then reads), else null. */
export function issuedPolicyId(log: Log, contracts: ParametricContracts): bigint | null {
  const parsed = parseParametric(log, contracts);
  return parsed?.description.name === 'PolicyIssued' ? (parsed.description.args.policyId as bigint) : null;
}

/** The normalised arguments of a parametric event; `PolicyIssued` gets `details` merged in. */
export function parametricArgs(
  description: LogDescription,
  details: IssuedPolicyDetails | undefined,
): Record<string, unknown> {
  const args = Object.fromEntries(
    description.fragment.inputs.map((param, position) => [
      param.name,
      normalise(description.name, param, description.args[position]),
    ]),
  );
  if (description.name !== 'PolicyIssued') return args;
  if (details === undefined) throw new Error('PolicyIssued needs the policy record read from its product');
  return { ...args, ...details };
}

/**
 * The terms of a policy from the calldata of its transaction, when it called the product's `issue` or `endorse`
 * directly for `holder`; null otherwise (a call through another contract).
 */
export function termsFromCalldata(
  contract: ParametricContract,
  productAddress: string,
  transaction: { to: string | null; data: string } | null | undefined,
  holder: string,
): Record<string, unknown> | null {
  if (transaction === null || transaction === undefined) return null;
  if (transaction.to?.toLowerCase() !== productAddress.toLowerCase()) return null;
  const call = KEPT[contract].abi.parseTransaction({ data: transaction.data });
  if (call === null || (call.name !== 'issue' && call.name !== 'endorse')) return null;
  const position = call.name === 'issue' ? 0 : 1;
  const terms = normalise('terms', call.fragment.inputs[position]!, call.args[position]) as Record<string, unknown>;
  return terms.policyholder === holder ? terms : null;
}

function normalise(event: string, param: ParamType, value: unknown): unknown {
  const names = ENUMS[`${event}.${param.name}`];
  if (names !== undefined) {
    const name = names[Number(value)];
    if (name === undefined) throw new Error(`unknown ${event}.${param.name} ${String(value)}`);
    return name;
  }
  if (param.baseType === 'array') {
    const child = param.arrayChildren!;
    return (value as unknown[]).map((item) =>
      normalise(event, child.name === '' ? ({ ...child, name: param.name } as ParamType) : child, item),
    );
  }
  if (param.baseType === 'tuple') {
    const fields = value as unknown[];
    return Object.fromEntries(
      param.components!.map((component, position) => [component.name, normalise('terms', component, fields[position])]),
    );
  }
  if (param.type === 'address') return getAddress(String(value));
  if (param.type === 'bytes32') return String(value).toLowerCase();
  if (param.type === 'bytes') return hexlify(value as string);
  if (param.type === 'string') return String(value);
  if (param.type === 'bool') return Boolean(value);
  if (TIMES.has(param.name)) return new Date(Number(value) * 1000).toISOString();
  if (SMALL.has(param.name)) return Number(value);
  return BigInt(value as bigint).toString();
}

const PRODUCT_KINDS_BY_CONTRACT: Partial<Record<string, ProductKind>> = {
  FlightDelayProduct: 'flight',
  WeatherIndexProduct: 'weather',
};

/**
 * What an event is about, as far as its own arguments tell: a product's policy, the feed and the document it names.
 * Pool and treaty events name the pool's policy id only: the index resolves those (`PolicyOpened` names its product).
 */
export function subjectsOf(
  contract: string,
  args: Record<string, unknown>,
  contracts: ParametricContracts,
): EventSubjects {
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  const productKind =
    contract === 'RiskPool' && typeof args.product === 'string'
      ? PRODUCT_KINDS_BY_CONTRACT[parametricContractAt(args.product, contracts) ?? '']
      : PRODUCT_KINDS_BY_CONTRACT[contract];
  const policyId = text(args.policyId);
  return {
    policyId: productKind !== undefined && policyId !== null ? policyIdOf(productKind, policyId) : null,
    feedId: text(args.feedId),
    documentHash: text(args.documentHash) ?? text(args.newDocumentHash),
  };
}
