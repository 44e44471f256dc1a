import { TypedDataEncoder, type TypedDataDomain, type TypedDataField } from 'ethers';

/**
 * The EIP-712 types of PolicyLedger, field for field as the contracts spell their type hashes. Wallets show these
 * to the person signing; the contracts recompute the same hashes on chain.
 */
export type TypedDataTypes = Record<string, TypedDataField[]>;

/** A party's co-signature of an anchored document (EvidenceRegistry). */
export const CO_SIGNATURE_TYPES: TypedDataTypes = {
  CoSignature: [
    { name: 'documentHash', type: 'bytes32' },
    { name: 'termsHash', type: 'bytes32' },
    { name: 'signer', type: 'address' },
    { name: 'nonce', type: 'uint256' },
    { name: 'deadline', type: 'uint256' },
  ],
};

/** An oracle's signed observation of a feed (OracleHub). */
export const OBSERVATION_TYPES: TypedDataTypes = {
  Observation: [
    { name: 'feedId', type: 'bytes32' },
    { name: 'oracle', type: 'address' },
    { name: 'status', type: 'uint8' },
    { name: 'value', type: 'int256' },
    { name: 'observedAt', type: 'uint64' },
    { name: 'payloadHash', type: 'bytes32' },
  ],
};

/** The executable terms of a flight delay policy: their struct hash is the policy document's termsHash. */
export const FLIGHT_DELAY_TERMS_TYPES: TypedDataTypes = {
  FlightDelayTerms: [
    { name: 'policyholder', type: 'address' },
    { name: 'carrier', type: 'string' },
    { name: 'flightNumber', type: 'string' },
    { name: 'departureDate', type: 'uint32' },
    { name: 'scheduledDeparture', type: 'uint64' },
    { name: 'scheduledArrival', type: 'uint64' },
    { name: 'coverageStart', type: 'uint64' },
    { name: 'coverageEnd', type: 'uint64' },
    { name: 'delayTierMinutes', type: 'uint16[]' },
    { name: 'delayTierPayouts', type: 'uint256[]' },
    { name: 'cancellationPayout', type: 'uint256' },
    { name: 'diversionPayout', type: 'uint256' },
    { name: 'sumInsured', type: 'uint256' },
    { name: 'premium', type: 'uint256' },
    { name: 'cancellationRefundBps', type: 'uint16' },
  ],
};

/** The executable terms of a weather index policy. */
export const WEATHER_INDEX_TERMS_TYPES: TypedDataTypes = {
  WeatherIndexTerms: [
    { name: 'policyholder', type: 'address' },
    { name: 'latitudeE4', type: 'int32' },
    { name: 'longitudeE4', type: 'int32' },
    { name: 'stationId', type: 'string' },
    { name: 'metric', type: 'uint8' },
    { name: 'startDate', type: 'uint32' },
    { name: 'endDate', type: 'uint32' },
    { name: 'aggregation', type: 'uint8' },
    { name: 'dayThreshold', type: 'int256' },
    { name: 'trigger', type: 'int256' },
    { name: 'exit', type: 'int256' },
    { name: 'stepThresholds', type: 'int256[]' },
    { name: 'stepPayouts', type: 'uint256[]' },
    { name: 'sumInsured', type: 'uint256' },
    { name: 'premium', type: 'uint256' },
    { name: 'cancellationRefundBps', type: 'uint16' },
  ],
};

/** The terms of a reinsurance treaty: their struct hash is the treaty document's termsHash. */
export const TREATY_TERMS_TYPES: TypedDataTypes = {
  TreatyTerms: [
    { name: 'insurer', type: 'address' },
    { name: 'reinsurer', type: 'address' },
    { name: 'pool', type: 'address' },
    { name: 'quotaShareBps', type: 'uint16' },
    { name: 'cedingCommissionBps', type: 'uint16' },
    { name: 'excessOfLossAttachment', type: 'uint256' },
    { name: 'excessOfLossLimit', type: 'uint256' },
    { name: 'excessOfLossAggregateLimit', type: 'uint256' },
  ],
};

/** One flight: its struct hash is the flight's feed id. */
export const FLIGHT_FEED_TYPES: TypedDataTypes = {
  FlightFeed: [
    { name: 'carrier', type: 'string' },
    { name: 'flightNumber', type: 'string' },
    { name: 'departureDate', type: 'uint32' },
  ],
};

/** One day of one location and metric: its struct hash is the day's feed id. */
export const WEATHER_FEED_TYPES: TypedDataTypes = {
  WeatherFeed: [
    { name: 'latitudeE4', type: 'int32' },
    { name: 'longitudeE4', type: 'int32' },
    { name: 'stationId', type: 'string' },
    { name: 'metric', type: 'uint8' },
    { name: 'date', type: 'uint32' },
  ],
};

/** The observation statuses, as `IOracleHub.ObservationStatus` numbers them. */
export const ObservationStatus = { None: 0, Landed: 1, Cancelled: 2, Diverted: 3, Observed: 4 } as const;
export type ObservationStatusName = keyof typeof ObservationStatus;

/** The weather metrics, as `IWeatherIndexProduct.WeatherMetric` numbers them. */
export const WeatherMetric = { PrecipitationSum: 0, TemperatureMax: 1, WindSpeedMax: 2 } as const;

/** The weather aggregations, as `IWeatherIndexProduct.Aggregation` numbers them. */
export const Aggregation = { Sum: 0, Maximum: 1, DaysAbove: 2, DaysBelow: 3 } as const;

/** The domain of a PolicyLedger contract that verifies typed signatures. */
export function domainOf(name: string, chainId: bigint, verifyingContract: string): TypedDataDomain {
  return { name, version: '1', chainId, verifyingContract };
}

export const EVIDENCE_DOMAIN_NAME = 'PolicyLedger Evidence';
export const ORACLE_HUB_DOMAIN_NAME = 'PolicyLedger OracleHub';

/** The feed id of a flight: carrier and flight number upper case, departure date as yyyymmdd (UTC). */
export function flightFeedId(carrier: string, flightNumber: string, departureDate: number): string {
  return TypedDataEncoder.hashStruct('FlightFeed', FLIGHT_FEED_TYPES, { carrier, flightNumber, departureDate });
}

/** The feed id of one day of a weather location and metric. */
export function weatherFeedId(
  latitudeE4: number,
  longitudeE4: number,
  stationId: string,
  metric: number,
  date: number,
): string {
  return TypedDataEncoder.hashStruct('WeatherFeed', WEATHER_FEED_TYPES, {
    latitudeE4,
    longitudeE4,
    stationId,
    metric,
    date,
  });
}
