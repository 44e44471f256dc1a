// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IParametricProduct} from "./IParametricProduct.sol";

/// @title IWeatherIndexProduct
/// @notice Weather index cover on one location and metric over a window of days: the daily values are aggregated
/// (sum, maximum, or count of days beyond a threshold) into an index, which pays linearly between a trigger and an
/// exit, or in steps.
/// @dev A location is a point at 1e-4 degree (latitude and longitude times 10,000) or a station id (then the point
/// may be zero). The feed of one day is the EIP-712 struct hash of `WeatherFeed(int32 latitudeE4,int32 longitudeE4,
/// string stationId,uint8 metric,uint32 date)`, `date` as yyyymmdd in UTC. Values are scaled integers: daily
/// precipitation sum in hundredths of a millimetre, daily maximum temperature in hundredths of a degree Celsius,
/// daily maximum wind speed in hundredths of a kilometre per hour. A count of days is a plain number.
interface IWeatherIndexProduct is IParametricProduct {
    /// @notice The daily value observed.
    enum WeatherMetric {
        PrecipitationSum,
        TemperatureMax,
        WindSpeedMax
    }

    /// @notice How the window's daily values make the index.
    enum Aggregation {
        Sum,
        Maximum,
        DaysAbove,
        DaysBelow
    }

    /// @notice The executable terms; their EIP-712 struct hash is the anchored document's termsHash.
    /// @param policyholder The client covered and paid.
    /// @param latitudeE4 Latitude times 10,000.
    /// @param longitudeE4 Longitude times 10,000.
    /// @param stationId A weather station id, or empty for a grid point.
    /// @param metric The daily value observed.
    /// @param startDate First day of cover (yyyymmdd, UTC); it starts at least the start cut-off after issue.
    /// @param endDate Last day of cover (yyyymmdd, UTC), at most `MAX_COVERAGE_DAYS` after the first.
    /// @param aggregation How daily values make the index.
    /// @param dayThreshold For DaysAbove / DaysBelow: a day counts when its value is above / below this.
    /// @param trigger Index at which payouts begin.
    /// @param exit Index at which the sum insured is paid in full; below the trigger, the index pays as it falls.
    /// @param stepThresholds When not empty, the payout is stepped: thresholds in the trigger-to-exit direction.
    /// @param stepPayouts Payout of each step; the furthest step reached pays.
    /// @param sumInsured No payout exceeds it.
    /// @param premium Paid by the policyholder at issue.
    /// @param cancellationRefundBps Share of the premium refunded on cancellation before cover starts.
    struct WeatherIndexTerms {
        address policyholder;
        int32 latitudeE4;
        int32 longitudeE4;
        string stationId;
        WeatherMetric metric;
        uint32 startDate;
        uint32 endDate;
        Aggregation aggregation;
        int256 dayThreshold;
        int256 trigger;
        int256 exit;
        int256[] stepThresholds;
        uint256[] stepPayouts;
        uint256 sumInsured;
        uint256 premium;
        uint16 cancellationRefundBps;
    }

    /// @notice Emitted the first time a day of a location and metric is insured, so oracles learn what to observe.
    event WeatherFeedRegistered(
        bytes32 indexed feedId,
        bytes32 indexed locationKey,
        int32 latitudeE4,
        int32 longitudeE4,
        string stationId,
        WeatherMetric metric,
        uint32 date,
        uint40 dataDeadline
    );

    /// @notice Emitted when the feed settings change.
    event WeatherFeedSettingsSet(uint32 dataGracePeriod, uint64[3] tolerances);

    /// @notice Emitted when the issuance settings change.
    event WeatherIssuanceSettingsSet(uint32 startCutoff);

    /// @notice Thrown when a policy's window starts earlier than the start cut-off after issue: nobody buys cover
    /// on days already (partly) observed.
    error WeatherIndexProductIssueClosed(uint32 startDate, uint256 closedAt);

    /// @notice Thrown when the start cut-off exceeds `MAX_START_CUTOFF`.
    error WeatherIndexProductInvalidIssuanceSettings(uint32 startCutoff);

    /// @notice Thrown when a policy's index cannot be computed yet because a day has no final value.
    error WeatherIndexProductDataPending(bytes32 feedId);

    /// @notice Issues a policy against its anchored, co-signed document. Active INSURER only; the premium is taken
    /// from the policyholder, who must have approved the risk pool.
    function issue(WeatherIndexTerms calldata terms, bytes32 documentHash) external returns (uint256 policyId);

    /// @notice Changes the data grace period after a day ends and the tolerance per metric. Only through dual
    /// control.
    function setFeedSettings(uint32 dataGracePeriod, uint64[3] calldata tolerances) external;

    /// @notice Changes how long before its first day starts a policy may still be issued. Only through dual control.
    function setIssuanceSettings(uint32 startCutoff) external;

    /// @notice The start cut-off (seconds).
    function issuanceSettings() external view returns (uint32 startCutoff);

    /// @notice EIP-712 struct hash of the terms: what the document's termsHash must be.
    function hashTerms(WeatherIndexTerms calldata terms) external pure returns (bytes32);

    /// @notice The feed id of one day of a location and metric.
    function weatherFeedId(
        int32 latitudeE4,
        int32 longitudeE4,
        string calldata stationId,
        WeatherMetric metric,
        uint32 date
    ) external pure returns (bytes32);

    /// @notice The policy's index over its window, when every day has a final value.
    function indexOf(uint256 policyId) external view returns (bool complete, int256 index);

    /// @notice What a policy pays for an index value.
    function payoutForIndex(uint256 policyId, int256 index) external view returns (uint256);

    /// @notice Amends policy `policyId` with its endorsement: `newDocumentHash` is a later version of the policy's
    /// document, anchored with `newTerms`' hash and co-signed by the insurer and the holder (the same holder). The
    /// policy ends `Endorsed`, its collateral released, and a new policy is issued on the new terms; the holder pays
    /// the premium increase or is refunded the decrease (the treaty's share follows). The pool's insurer only, while
    /// active, before the policy's `insurerCancellationDeadline`.
    /// @return newPolicyId The replacing policy's id.
    function endorse(
        uint256 policyId,
        WeatherIndexTerms calldata newTerms,
        bytes32 newDocumentHash
    ) external returns (uint256 newPolicyId);
}
