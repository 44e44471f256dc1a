// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IConsortiumAccess} from "../interfaces/IConsortiumAccess.sol";
import {IEvidenceRegistry} from "../interfaces/IEvidenceRegistry.sol";
import {IOracleHub} from "../interfaces/IOracleHub.sol";
import {IRiskPool} from "../interfaces/IRiskPool.sol";
import {IWeatherIndexProduct} from "../interfaces/IWeatherIndexProduct.sol";
import {CalendarDate} from "../libraries/CalendarDate.sol";
import {ParametricProduct} from "./ParametricProduct.sol";

/// @title WeatherIndexProduct
/// @notice Weather index cover over a window of days at one location, paid linearly or in steps.
contract WeatherIndexProduct is IWeatherIndexProduct, ParametricProduct {
    /// @notice EIP-712 type of the terms.
    bytes32 public constant WEATHER_INDEX_TERMS_TYPEHASH = keccak256(
        "WeatherIndexTerms(address policyholder,int32 latitudeE4,int32 longitudeE4,string stationId,uint8 metric,"
        "uint32 startDate,uint32 endDate,uint8 aggregation,int256 dayThreshold,int256 trigger,int256 exit,"
        "int256[] stepThresholds,uint256[] stepPayouts,uint256 sumInsured,uint256 premium,"
        "uint16 cancellationRefundBps)"
    );

    /// @notice EIP-712 type of one day's feed; a feed id is its struct hash.
    bytes32 public constant WEATHER_FEED_TYPEHASH = keccak256(
        "WeatherFeed(int32 latitudeE4,int32 longitudeE4,string stationId,uint8 metric,uint32 date)"
    );

    /// @notice Longest window of cover, in days.
    uint256 public constant MAX_COVERAGE_DAYS = 31;

    /// @notice Most payout steps a policy may have.
    uint256 public constant MAX_STEPS = 4;

    /// @notice Largest magnitude of a daily value (the oracle hub's `MAX_ABS_VALUE`): a missing day's value is taken
    /// to lie within it (and, for precipitation and wind speed, to be at least zero).
    int256 public constant MAX_ABS_DAILY_VALUE = 1e30;

    /// @notice Largest magnitude of a trigger, exit or step threshold: the most any index over `MAX_COVERAGE_DAYS`
    /// days can reach, so payout arithmetic cannot overflow.
    int256 public constant MAX_ABS_INDEX = 31e30;

    /// @notice Start cut-off of a new product, until changed under dual control, and its bound.
    uint32 public constant DEFAULT_START_CUTOFF = 2 hours;
    uint32 public constant MAX_START_CUTOFF = 7 days;

    uint256 private constant SECONDS_PER_DAY = 86_400;
    int32 private constant MAX_LATITUDE_E4 = 900_000;
    int32 private constant MAX_LONGITUDE_E4 = 1_800_000;

    /// @dev What a policy keeps of its terms to compute its index and payout.
    struct IndexTerms {
        int32 latitudeE4;
        int32 longitudeE4;
        WeatherMetric metric;
        Aggregation aggregation;
        uint32 startDate;
        uint32 endDate;
        bytes32 stationIdHash;
        int256 dayThreshold;
        int256 trigger;
        int256 exit;
        uint256 sumInsured;
        int256[] stepThresholds;
        uint256[] stepPayouts;
    }

    /// @dev Whether an index can be computed yet.
    enum IndexState {
        Complete,
        Pending,
        Missing
    }

    uint32 private _dataGracePeriod;
    uint64[3] private _tolerances;
    uint32 private _startCutoff;
    mapping(uint256 policyId => IndexTerms) private _indexTerms;
    mapping(bytes32 feedId => bool registered) private _dayRegistered;

    /// @param consortium_ The consortium.
    /// @param hub The oracle hub.
    /// @param registry The evidence registry with the policy documents.
    /// @param pool The risk pool.
    /// @param settlementBatchSize_ Most policies settled in one transaction.
    /// @param dataGracePeriod_ Seconds after a day ends for its value to come in (the providers' lag included).
    /// @param tolerances_ Largest difference between agreeing oracle values, per metric, in its scaled unit.
    constructor(
        IConsortiumAccess consortium_,
        IOracleHub hub,
        IEvidenceRegistry registry,
        IRiskPool pool,
        uint256 settlementBatchSize_,
        uint32 dataGracePeriod_,
        uint64[3] memory tolerances_
    ) ParametricProduct(consortium_, hub, registry, pool, settlementBatchSize_) {
        _setFeedSettings(dataGracePeriod_, tolerances_);
        _setIssuanceSettings(DEFAULT_START_CUTOFF);
    }

    /// @inheritdoc IWeatherIndexProduct
    function issue(
        WeatherIndexTerms calldata terms,
        bytes32 documentHash
    ) public nonReentrant onlyPoolInsurer returns (uint256 policyId) {
        bytes32 termsHash = hashTerms(terms);
        _checkPolicyDocument(documentHash, termsHash, terms.policyholder);
        uint48 maxPayout = _checkTerms(terms);
        bytes32[] memory dayFeeds = _registerDays(terms);
        bytes32 lastDayFeed = dayFeeds[dayFeeds.length - 1];

        policyId = _recordPolicy(
            Policy({
                holder: terms.policyholder,
                status: PolicyStatus.Issued,
                coverageEnd: uint40(CalendarDate.startOf(terms.endDate) + SECONDS_PER_DAY - 1),
                maxPayout: maxPayout,
                coverageStart: uint40(CalendarDate.startOf(terms.startDate)),
                premium: _toAmount(terms.premium, "premium"),
                cancellationRefundBps: terms.cancellationRefundBps,
                feedId: lastDayFeed,
                documentHash: documentHash
            }),
            _locationKey(terms.latitudeE4, terms.longitudeE4, keccak256(bytes(terms.stationId)), terms.metric),
            termsHash
        );
        // Listed under every day of its window, so that whichever day resolves last settles it.
        for (uint256 i = 0; i + 1 < dayFeeds.length; ++i) _listPolicy(dayFeeds[i], policyId);
        IndexTerms storage stored = _indexTerms[policyId];
        stored.latitudeE4 = terms.latitudeE4;
        stored.longitudeE4 = terms.longitudeE4;
        stored.metric = terms.metric;
        stored.aggregation = terms.aggregation;
        stored.startDate = terms.startDate;
        stored.endDate = terms.endDate;
        stored.stationIdHash = keccak256(bytes(terms.stationId));
        stored.dayThreshold = terms.dayThreshold;
        stored.trigger = terms.trigger;
        stored.exit = terms.exit;
        stored.sumInsured = terms.sumInsured;
        stored.stepThresholds = terms.stepThresholds;
        stored.stepPayouts = terms.stepPayouts;
    }

    /// @inheritdoc IWeatherIndexProduct
    function setFeedSettings(uint32 dataGracePeriod, uint64[3] calldata tolerances) external onlyDualControl {
        _setFeedSettings(dataGracePeriod, tolerances);
    }

    /// @inheritdoc IWeatherIndexProduct
    function setIssuanceSettings(uint32 startCutoff) external onlyDualControl {
        _setIssuanceSettings(startCutoff);
    }

    /// @inheritdoc IWeatherIndexProduct
    function issuanceSettings() external view returns (uint32 startCutoff) {
        return _startCutoff;
    }

    /// @inheritdoc IWeatherIndexProduct
    function hashTerms(WeatherIndexTerms calldata terms) public pure returns (bytes32) {
        // Encoded in two halves to stay within the stack.
        bytes memory head = abi.encode(
            WEATHER_INDEX_TERMS_TYPEHASH,
            terms.policyholder,
            terms.latitudeE4,
            terms.longitudeE4,
            keccak256(bytes(terms.stationId)),
            uint8(terms.metric),
            terms.startDate,
            terms.endDate,
            uint8(terms.aggregation)
        );
        bytes memory tail = abi.encode(
            terms.dayThreshold,
            terms.trigger,
            terms.exit,
            keccak256(abi.encodePacked(terms.stepThresholds)),
            keccak256(abi.encodePacked(terms.stepPayouts)),
            terms.sumInsured,
            terms.premium,
            terms.cancellationRefundBps
        );
        return keccak256(bytes.concat(head, tail));
    }

    /// @inheritdoc IWeatherIndexProduct
    function weatherFeedId(
        int32 latitudeE4,
        int32 longitudeE4,
        string calldata stationId,
        WeatherMetric metric,
        uint32 date
    ) external pure returns (bytes32) {
        return _dayFeedId(latitudeE4, longitudeE4, keccak256(bytes(stationId)), metric, date);
    }

    /// @inheritdoc IWeatherIndexProduct
    function indexOf(uint256 policyId) external view returns (bool complete, int256 index) {
        (IndexState state, int256 low, ) = _indexRange(_indexTerms[policyId]);
        complete = state == IndexState.Complete;
        index = complete ? low : int256(0);
    }

    /// @inheritdoc IWeatherIndexProduct
    function payoutForIndex(uint256 policyId, int256 index) public view returns (uint256) {
        IndexTerms storage terms = _indexTerms[policyId];
        bool rising = terms.exit > terms.trigger;
        uint256 steps = terms.stepThresholds.length;
        if (steps == 0) {
            int256 distance = rising ? index - terms.trigger : terms.trigger - index;
            if (distance <= 0) return 0;
            uint256 span = uint256(rising ? terms.exit - terms.trigger : terms.trigger - terms.exit);
            if (uint256(distance) >= span) return terms.sumInsured;
            return (terms.sumInsured * uint256(distance)) / span;
        }
        uint256 payout = 0;
        for (uint256 i = 0; i < steps; ++i) {
            int256 threshold = terms.stepThresholds[i];
            if (rising ? index < threshold : index > threshold) break;
            payout = terms.stepPayouts[i];
        }
        return payout;
    }

    /// @notice The data grace period and the tolerance per metric.
    function feedSettings() external view returns (uint32 dataGracePeriod, uint64[3] memory tolerances) {
        return (_dataGracePeriod, _tolerances);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev Computed over the whole window, whichever day's feed the policy is settled under.
    function _evaluate(
        uint256 policyId,
        Policy storage,
        FeedOutcome memory
    ) internal view override returns (Verdict verdict, uint256 payout) {
        (IndexState state, int256 low, int256 high) = _indexRange(_indexTerms[policyId]);
        if (state == IndexState.Pending) return (Verdict.Pending, 0);
        payout = payoutForIndex(policyId, low);
        if (state == IndexState.Complete) return (Verdict.Pay, payout);
        // Days without data: pay only what every index they leave possible pays; otherwise the premium goes back.
        if (_isCertain(policyId, low, high, payout)) return (Verdict.Pay, payout);
        return (Verdict.Refund, 0);
    }

    /// @dev A 31-day window reads at most 62 feed records from the hub (about 15,000 gas a day): well below this.
    function _evaluationGas() internal pure override returns (uint256) {
        return 1_500_000;
    }

    function _accumulationKeyOf(uint256 policyId) internal view override returns (bytes32) {
        IndexTerms storage terms = _indexTerms[policyId];
        return _locationKey(terms.latitudeE4, terms.longitudeE4, terms.stationIdHash, terms.metric);
    }

    /// @dev Aggregates the window's final daily values. Pending if a day may still get one; Complete with `low` ==
    /// `high` the index when every day has one; Missing when some day expired (or resolved without a value), with
    /// the range [`low`, `high`] the index could have had.
    function _indexRange(IndexTerms storage terms) private view returns (IndexState state, int256 low, int256 high) {
        uint256 first = CalendarDate.toDayNumber(terms.startDate);
        uint256 last = CalendarDate.toDayNumber(terms.endDate);
        Aggregation aggregation = terms.aggregation;
        uint256 known = 0;
        uint256 missing = 0;
        for (uint256 day = first; day <= last; ++day) {
            bytes32 feedId = _dayFeedId(
                terms.latitudeE4,
                terms.longitudeE4,
                terms.stationIdHash,
                terms.metric,
                CalendarDate.fromDayNumber(day)
            );
            (bool final_, IOracleHub.ObservationStatus status, int256 value) = _hub.settledOutcome(feedId);
            if (!final_) {
                if (_hub.getFeed(feedId).state != IOracleHub.FeedState.Expired) return (IndexState.Pending, 0, 0);
                ++missing;
            } else if (status != IOracleHub.ObservationStatus.Observed) {
                ++missing;
            } else {
                low = _aggregate(aggregation, terms.dayThreshold, low, known, value);
                ++known;
            }
        }
        if (missing == 0) return (IndexState.Complete, low, low);
        (low, high) = _widen(terms, low, known, missing);
        return (IndexState.Missing, low, high);
    }

    /// @dev Adds one day's value to the index of the `known` days before it.
    function _aggregate(
        Aggregation aggregation,
        int256 dayThreshold,
        int256 index,
        uint256 known,
        int256 value
    ) private pure returns (int256) {
        if (aggregation == Aggregation.Sum) return index + value;
        if (aggregation == Aggregation.Maximum) return known == 0 || value > index ? value : index;
        if (aggregation == Aggregation.DaysAbove) return value > dayThreshold ? index + 1 : index;
        return value < dayThreshold ? index + 1 : index;
    }

    /// @dev The range of the index when `missing` days could have had any value of the metric.
    function _widen(
        IndexTerms storage terms,
        int256 index,
        uint256 known,
        uint256 missing
    ) private view returns (int256 low, int256 high) {
        // Precipitation and wind speed are never negative; temperature may be.
        int256 dayLow = terms.metric == WeatherMetric.TemperatureMax ? -MAX_ABS_DAILY_VALUE : int256(0);
        int256 count = int256(missing);
        Aggregation aggregation = terms.aggregation;
        if (aggregation == Aggregation.Sum) return (index + count * dayLow, index + count * MAX_ABS_DAILY_VALUE);
        if (aggregation == Aggregation.Maximum) {
            low = known == 0 || index < dayLow ? dayLow : index;
            return (low, low > MAX_ABS_DAILY_VALUE ? low : MAX_ABS_DAILY_VALUE);
        }
        return (index, index + count);
    }

    /// @dev Whether every index in [`low`, `high`] pays `payout`. Linear payouts are monotone, so the ends decide;
    /// stepped payouts change only at thresholds, so those inside the range are checked too.
    function _isCertain(uint256 policyId, int256 low, int256 high, uint256 payout) private view returns (bool) {
        if (payoutForIndex(policyId, high) != payout) return false;
        int256[] storage thresholds = _indexTerms[policyId].stepThresholds;
        for (uint256 i = 0; i < thresholds.length; ++i) {
            int256 threshold = thresholds[i];
            if (threshold >= low && threshold <= high && payoutForIndex(policyId, threshold) != payout) return false;
        }
        return true;
    }

    /// @dev Registers each day of the window with the hub (its deadline is the day's end plus the grace period,
    /// whatever the policy); returns the days' feeds in order.
    function _registerDays(WeatherIndexTerms calldata terms) private returns (bytes32[] memory feedIds) {
        bytes32 stationIdHash = keccak256(bytes(terms.stationId));
        uint256 first = CalendarDate.toDayNumber(terms.startDate);
        feedIds = new bytes32[](CalendarDate.toDayNumber(terms.endDate) - first + 1);
        for (uint256 i = 0; i < feedIds.length; ++i) feedIds[i] = _registerDay(terms, stationIdHash, first + i);
    }

    /// @dev Registers one day with the hub, announcing it the first time it is insured.
    function _registerDay(
        WeatherIndexTerms calldata terms,
        bytes32 stationIdHash,
        uint256 day
    ) private returns (bytes32 feedId) {
        uint32 date = CalendarDate.fromDayNumber(day);
        feedId = _dayFeedId(terms.latitudeE4, terms.longitudeE4, stationIdHash, terms.metric, date);
        uint40 dataDeadline = uint40((day + 1) * SECONDS_PER_DAY + _dataGracePeriod);
        _hub.registerFeed(feedId, dataDeadline, _tolerances[uint8(terms.metric)]);
        if (_dayRegistered[feedId]) return feedId;
        _dayRegistered[feedId] = true;
        emit WeatherFeedRegistered(
            feedId,
            _locationKey(terms.latitudeE4, terms.longitudeE4, stationIdHash, terms.metric),
            terms.latitudeE4,
            terms.longitudeE4,
            terms.stationId,
            terms.metric,
            date,
            dataDeadline
        );
    }

    /// @dev Checks the terms; returns the most the policy can pay (the collateral to lock).
    function _checkTerms(WeatherIndexTerms calldata terms) private view returns (uint48 maxPayout) {
        if (
            terms.latitudeE4 > MAX_LATITUDE_E4 ||
            terms.latitudeE4 < -MAX_LATITUDE_E4 ||
            terms.longitudeE4 > MAX_LONGITUDE_E4 ||
            terms.longitudeE4 < -MAX_LONGITUDE_E4
        ) revert ParametricProductInvalidTerms("location");
        if (!CalendarDate.isValid(terms.startDate) || !CalendarDate.isValid(terms.endDate)) {
            revert ParametricProductInvalidTerms("dates");
        }
        uint256 first = CalendarDate.toDayNumber(terms.startDate);
        uint256 last = CalendarDate.toDayNumber(terms.endDate);
        if (last < first || last - first + 1 > MAX_COVERAGE_DAYS) revert ParametricProductInvalidTerms("dates");
        uint256 startsAt = first * SECONDS_PER_DAY;
        uint256 closedAt = startsAt > _startCutoff ? startsAt - _startCutoff : 0;
        if (block.timestamp > closedAt) revert WeatherIndexProductIssueClosed(terms.startDate, closedAt);
        if (_abs(terms.dayThreshold) > uint256(MAX_ABS_DAILY_VALUE))
            revert ParametricProductInvalidTerms("dayThreshold");
        if (_abs(terms.trigger) > uint256(MAX_ABS_INDEX)) revert ParametricProductInvalidTerms("trigger");
        if (_abs(terms.exit) > uint256(MAX_ABS_INDEX)) revert ParametricProductInvalidTerms("exit");
        if (terms.trigger == terms.exit) revert ParametricProductInvalidTerms("exit");
        if (terms.cancellationRefundBps > BPS) revert ParametricProductInvalidTerms("cancellationRefundBps");
        uint256 sumInsured = _toAmount(terms.sumInsured, "sumInsured");

        uint256 steps = terms.stepThresholds.length;
        if (steps == 0) return uint48(sumInsured);
        if (steps > MAX_STEPS || steps != terms.stepPayouts.length) revert ParametricProductInvalidTerms("steps");
        bool rising = terms.exit > terms.trigger;
        uint256 highest = 0;
        for (uint256 i = 0; i < steps; ++i) {
            uint256 payout = terms.stepPayouts[i];
            if (payout == 0 || payout > sumInsured) revert ParametricProductInvalidTerms("stepPayouts");
            if (_abs(terms.stepThresholds[i]) > uint256(MAX_ABS_INDEX))
                revert ParametricProductInvalidTerms("stepThresholds");
            if (i > 0) {
                int256 previous = terms.stepThresholds[i - 1];
                int256 current = terms.stepThresholds[i];
                if (rising ? current <= previous : current >= previous) {
                    revert ParametricProductInvalidTerms("stepThresholds");
                }
            }
            if (payout > highest) highest = payout;
        }
        return uint48(highest);
    }

    /// @dev The magnitude of `value`, without overflow for `type(int256).min`.
    function _abs(int256 value) private pure returns (uint256) {
        return value >= 0 ? uint256(value) : uint256(-(value + 1)) + 1;
    }

    function _dayFeedId(
        int32 latitudeE4,
        int32 longitudeE4,
        bytes32 stationIdHash,
        WeatherMetric metric,
        uint32 date
    ) private pure returns (bytes32) {
        return
            keccak256(abi.encode(WEATHER_FEED_TYPEHASH, latitudeE4, longitudeE4, stationIdHash, uint8(metric), date));
    }

    function _locationKey(
        int32 latitudeE4,
        int32 longitudeE4,
        bytes32 stationIdHash,
        WeatherMetric metric
    ) private pure returns (bytes32) {
        return keccak256(abi.encode(latitudeE4, longitudeE4, stationIdHash, uint8(metric)));
    }

    function _setIssuanceSettings(uint32 startCutoff) private {
        if (startCutoff > MAX_START_CUTOFF) revert WeatherIndexProductInvalidIssuanceSettings(startCutoff);
        _startCutoff = startCutoff;
        emit WeatherIssuanceSettingsSet(startCutoff);
    }

    function _setFeedSettings(uint32 dataGracePeriod, uint64[3] memory tolerances) private {
        _dataGracePeriod = dataGracePeriod;
        _tolerances = tolerances;
        emit WeatherFeedSettingsSet(dataGracePeriod, tolerances);
    }

    /// @inheritdoc IWeatherIndexProduct
    function endorse(
        uint256 policyId,
        WeatherIndexTerms calldata newTerms,
        bytes32 newDocumentHash
    ) external returns (uint256 newPolicyId) {
        _endForEndorsement(policyId, newTerms.policyholder, newDocumentHash);
        newPolicyId = issue(newTerms, newDocumentHash);
        _recordEndorsement(policyId, newPolicyId);
    }
}
