// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IConsortiumAccess} from "../interfaces/IConsortiumAccess.sol";
import {IEvidenceRegistry} from "../interfaces/IEvidenceRegistry.sol";
import {IFlightDelayProduct} from "../interfaces/IFlightDelayProduct.sol";
import {IOracleHub} from "../interfaces/IOracleHub.sol";
import {IRiskPool} from "../interfaces/IRiskPool.sol";
import {CalendarDate} from "../libraries/CalendarDate.sol";
import {ParametricProduct} from "./ParametricProduct.sol";

/// @title FlightDelayProduct
/// @notice Flight delay cover: tiers by arrival delay, cancellation and diversion payouts.
contract FlightDelayProduct is IFlightDelayProduct, ParametricProduct {
    /// @notice EIP-712 type of the terms.
    bytes32 public constant FLIGHT_DELAY_TERMS_TYPEHASH = keccak256(
        "FlightDelayTerms(address policyholder,string carrier,string flightNumber,uint32 departureDate,"
        "uint64 scheduledDeparture,uint64 scheduledArrival,uint64 coverageStart,uint64 coverageEnd,uint16[] delayTierMinutes,"
        "uint256[] delayTierPayouts,uint256 cancellationPayout,uint256 diversionPayout,uint256 sumInsured,"
        "uint256 premium,uint16 cancellationRefundBps)"
    );

    /// @notice EIP-712 type of a flight feed; a feed id is its struct hash.
    bytes32 public constant FLIGHT_FEED_TYPEHASH = keccak256(
        "FlightFeed(string carrier,string flightNumber,uint32 departureDate)"
    );

    /// @notice Most payout tiers a policy may have.
    uint256 public constant MAX_TIERS = 4;

    /// @notice Longest time from scheduled departure to scheduled arrival (the longest scheduled flights take about
    /// 19 hours).
    uint256 public constant MAX_FLIGHT_DURATION = 1 days;

    /// @notice Departure cut-off and longest cover after arrival of a new product, until changed under dual control.
    uint32 public constant DEFAULT_DEPARTURE_CUTOFF = 2 hours;
    uint32 public constant DEFAULT_MAX_COVER_AFTER_ARRIVAL = 1 days;

    /// @notice Bounds of the issuance settings.
    uint32 public constant MAX_DEPARTURE_CUTOFF = 7 days;
    uint32 public constant MAX_COVER_AFTER_ARRIVAL = 7 days;

    /// @notice Longest carrier or flight number accepted (IATA designators are 2-3, flight numbers 1-4 plus a suffix).
    uint256 private constant MAX_CODE_LENGTH = 8;

    /// @dev Cancellation and diversion payouts of a policy.
    struct SpecialPayouts {
        uint48 cancellation;
        uint48 diversion;
    }

    uint32 private _dataGracePeriod;
    uint64 private _delayToleranceMinutes;
    uint32 private _departureCutoff;
    uint32 private _maxCoverAfterArrival;
    /// @dev Tiers packed in one word: minutes of tier i in bits [16i, 16i+16), payout of tier i in [64+48i, 112+48i).
    mapping(uint256 policyId => uint256 packedTiers) private _tiers;
    mapping(uint256 policyId => SpecialPayouts) private _specialPayouts;
    mapping(bytes32 feedId => bool registered) private _flightRegistered;

    /// @param consortium_ The consortium.
    /// @param hub The oracle hub.
    /// @param registry The evidence registry with the policy documents.
    /// @param pool The risk pool.
    /// @param settlementBatchSize_ Most policies settled in one transaction.
    /// @param dataGracePeriod_ Seconds after cover ends for the outcome to come in before manual resolution.
    /// @param delayToleranceMinutes_ Largest difference in reported delays that still counts as agreement.
    constructor(
        IConsortiumAccess consortium_,
        IOracleHub hub,
        IEvidenceRegistry registry,
        IRiskPool pool,
        uint256 settlementBatchSize_,
        uint32 dataGracePeriod_,
        uint64 delayToleranceMinutes_
    ) ParametricProduct(consortium_, hub, registry, pool, settlementBatchSize_) {
        _setFeedSettings(dataGracePeriod_, delayToleranceMinutes_);
        _setIssuanceSettings(DEFAULT_DEPARTURE_CUTOFF, DEFAULT_MAX_COVER_AFTER_ARRIVAL);
    }

    /// @inheritdoc IFlightDelayProduct
    function issue(
        FlightDelayTerms calldata terms,
        bytes32 documentHash
    ) public nonReentrant onlyPoolInsurer returns (uint256 policyId) {
        bytes32 termsHash = hashTerms(terms);
        _checkPolicyDocument(documentHash, termsHash, terms.policyholder);
        (uint256 packedTiers, uint48 maxPayout) = _checkTerms(terms);

        bytes32 feedId = _flightFeedId(terms.carrier, terms.flightNumber, terms.departureDate);
        // The flight's deadline, the same for every policy on it: no policy's own cover postpones the others'.
        uint40 dataDeadline = uint40(terms.scheduledArrival) + _maxCoverAfterArrival + _dataGracePeriod;
        _hub.registerFeed(feedId, dataDeadline, _delayToleranceMinutes);
        if (!_flightRegistered[feedId]) {
            _flightRegistered[feedId] = true;
            emit FlightFeedRegistered(
                feedId,
                terms.carrier,
                terms.flightNumber,
                terms.departureDate,
                terms.scheduledArrival,
                dataDeadline
            );
        }

        policyId = _recordPolicy(
            Policy({
                holder: terms.policyholder,
                status: PolicyStatus.Issued,
                coverageEnd: uint40(terms.coverageEnd),
                maxPayout: maxPayout,
                coverageStart: uint40(terms.coverageStart),
                premium: _toAmount(terms.premium, "premium"),
                cancellationRefundBps: terms.cancellationRefundBps,
                feedId: feedId,
                documentHash: documentHash
            }),
            feedId,
            termsHash
        );
        _tiers[policyId] = packedTiers;
        _specialPayouts[policyId] = SpecialPayouts({
            cancellation: uint48(terms.cancellationPayout),
            diversion: uint48(terms.diversionPayout)
        });
    }

    /// @inheritdoc IFlightDelayProduct
    function setFeedSettings(uint32 dataGracePeriod, uint64 delayToleranceMinutes) external onlyDualControl {
        _setFeedSettings(dataGracePeriod, delayToleranceMinutes);
    }

    /// @inheritdoc IFlightDelayProduct
    function setIssuanceSettings(uint32 departureCutoff, uint32 maxCoverAfterArrival) external onlyDualControl {
        _setIssuanceSettings(departureCutoff, maxCoverAfterArrival);
    }

    /// @inheritdoc IFlightDelayProduct
    function issuanceSettings() external view returns (uint32 departureCutoff, uint32 maxCoverAfterArrival) {
        return (_departureCutoff, _maxCoverAfterArrival);
    }

    /// @inheritdoc IFlightDelayProduct
    function hashTerms(FlightDelayTerms calldata terms) public pure returns (bytes32) {
        // Encoded in parts to stay within the stack.
        bytes memory head = abi.encode(
            FLIGHT_DELAY_TERMS_TYPEHASH,
            terms.policyholder,
            keccak256(bytes(terms.carrier)),
            keccak256(bytes(terms.flightNumber)),
            terms.departureDate
        );
        bytes memory times = abi.encode(
            terms.scheduledDeparture,
            terms.scheduledArrival,
            terms.coverageStart,
            terms.coverageEnd
        );
        bytes memory tail = abi.encode(
            keccak256(abi.encodePacked(terms.delayTierMinutes)),
            keccak256(abi.encodePacked(terms.delayTierPayouts)),
            terms.cancellationPayout,
            terms.diversionPayout,
            terms.sumInsured,
            terms.premium,
            terms.cancellationRefundBps
        );
        return keccak256(bytes.concat(head, times, tail));
    }

    /// @inheritdoc IFlightDelayProduct
    function flightFeedId(
        string calldata carrier,
        string calldata flightNumber,
        uint32 departureDate
    ) external pure returns (bytes32) {
        return _flightFeedId(carrier, flightNumber, departureDate);
    }

    /// @inheritdoc IFlightDelayProduct
    function payoutFor(
        uint256 policyId,
        IOracleHub.ObservationStatus status,
        int256 arrivalDelayMinutes
    ) public view returns (uint256) {
        if (status == IOracleHub.ObservationStatus.Landed) {
            if (arrivalDelayMinutes <= 0) return 0;
            uint256 packed = _tiers[policyId];
            uint256 payout = 0;
            for (uint256 i = 0; i < MAX_TIERS; ++i) {
                uint256 tierPayout = uint48(packed >> (64 + 48 * i));
                if (tierPayout == 0) break;
                if (uint256(arrivalDelayMinutes) < uint16(packed >> (16 * i))) break;
                payout = tierPayout;
            }
            return payout;
        }
        if (status == IOracleHub.ObservationStatus.Cancelled) return _specialPayouts[policyId].cancellation;
        if (status == IOracleHub.ObservationStatus.Diverted) return _specialPayouts[policyId].diversion;
        return 0;
    }

    /// @notice The data grace period and delay tolerance.
    function feedSettings() external view returns (uint32 dataGracePeriod, uint64 delayToleranceMinutes) {
        return (_dataGracePeriod, _delayToleranceMinutes);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------------------------

    function _evaluate(
        uint256 policyId,
        Policy storage,
        FeedOutcome memory outcome
    ) internal view override returns (Verdict verdict, uint256 payout) {
        // A flight with no data by the end of the resolution period: the premium goes back.
        if (outcome.expired) return (Verdict.Refund, 0);
        return (Verdict.Pay, payoutFor(policyId, outcome.status, outcome.value));
    }

    /// @dev A flight policy's evaluation reads two packed words: far below this.
    function _evaluationGas() internal pure override returns (uint256) {
        return 100_000;
    }

    function _accumulationKeyOf(uint256 policyId) internal view override returns (bytes32) {
        return _policies[policyId].feedId;
    }

    /// @dev Checks the terms and packs the tiers; returns the most the policy can pay (the collateral to lock).
    function _checkTerms(FlightDelayTerms calldata terms) private view returns (uint256 packed, uint48 maxPayout) {
        uint256 tierCount = terms.delayTierMinutes.length;
        if (tierCount == 0 || tierCount > MAX_TIERS || tierCount != terms.delayTierPayouts.length) {
            revert ParametricProductInvalidTerms("delayTiers");
        }
        uint256 sumInsured = _toAmount(terms.sumInsured, "sumInsured");
        uint256 highest = 0;
        for (uint256 i = 0; i < tierCount; ++i) {
            uint256 minutes_ = terms.delayTierMinutes[i];
            uint256 payout = terms.delayTierPayouts[i];
            if (minutes_ == 0 || (i > 0 && minutes_ <= terms.delayTierMinutes[i - 1])) {
                revert ParametricProductInvalidTerms("delayTierMinutes");
            }
            if (payout == 0 || payout > sumInsured) revert ParametricProductInvalidTerms("delayTierPayouts");
            packed |= (minutes_ << (16 * i)) | (payout << (64 + 48 * i));
            if (payout > highest) highest = payout;
        }
        if (terms.cancellationPayout > sumInsured) revert ParametricProductInvalidTerms("cancellationPayout");
        if (terms.diversionPayout > sumInsured) revert ParametricProductInvalidTerms("diversionPayout");
        if (terms.cancellationPayout > highest) highest = terms.cancellationPayout;
        if (terms.diversionPayout > highest) highest = terms.diversionPayout;
        if (terms.cancellationRefundBps > BPS) revert ParametricProductInvalidTerms("cancellationRefundBps");
        if (!_isCode(terms.carrier)) revert ParametricProductInvalidTerms("carrier");
        if (!_isCode(terms.flightNumber)) revert ParametricProductInvalidTerms("flightNumber");
        if (!CalendarDate.isValid(terms.departureDate)) revert ParametricProductInvalidTerms("departureDate");
        _checkSchedule(terms);
        maxPayout = uint48(highest);
    }

    /// @dev No cover on a flight already over or about to leave, and cover bounded by the flight: the departure at
    /// least the cut-off after now and on `departureDate` (UTC); departure and arrival inside the cover, which ends
    /// at most `maxCoverAfterArrival` after the arrival.
    function _checkSchedule(FlightDelayTerms calldata terms) private view {
        uint256 departure = terms.scheduledDeparture;
        uint256 closedAt = departure > _departureCutoff ? departure - _departureCutoff : 0;
        if (block.timestamp > closedAt) revert FlightDelayProductIssueClosed(terms.scheduledDeparture, closedAt);
        uint256 dayStart = CalendarDate.startOf(terms.departureDate);
        if (departure < dayStart || departure >= dayStart + 1 days)
            revert ParametricProductInvalidTerms("departureDate");
        if (terms.coverageStart > departure) revert ParametricProductInvalidTerms("coverage");
        uint256 arrival = terms.scheduledArrival;
        if (arrival <= departure || arrival > departure + MAX_FLIGHT_DURATION) {
            revert ParametricProductInvalidTerms("scheduledArrival");
        }
        if (terms.coverageEnd < arrival || terms.coverageEnd > arrival + _maxCoverAfterArrival) {
            revert ParametricProductInvalidTerms("coverage");
        }
    }

    function _flightFeedId(
        string calldata carrier,
        string calldata flightNumber,
        uint32 departureDate
    ) private pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    FLIGHT_FEED_TYPEHASH,
                    keccak256(bytes(carrier)),
                    keccak256(bytes(flightNumber)),
                    departureDate
                )
            );
    }

    /// @dev Canonical codes only (upper-case letters and digits), so one flight has exactly one feed id.
    function _isCode(string calldata code) private pure returns (bool) {
        bytes calldata raw = bytes(code);
        if (raw.length == 0 || raw.length > MAX_CODE_LENGTH) return false;
        for (uint256 i = 0; i < raw.length; ++i) {
            bytes1 c = raw[i];
            if (!((c >= "0" && c <= "9") || (c >= "A" && c <= "Z"))) return false;
        }
        return true;
    }

    function _setIssuanceSettings(uint32 departureCutoff, uint32 maxCoverAfterArrival) private {
        if (
            departureCutoff > MAX_DEPARTURE_CUTOFF ||
            maxCoverAfterArrival == 0 ||
            maxCoverAfterArrival > MAX_COVER_AFTER_ARRIVAL
        ) revert FlightDelayProductInvalidIssuanceSettings(departureCutoff, maxCoverAfterArrival);
        _departureCutoff = departureCutoff;
        _maxCoverAfterArrival = maxCoverAfterArrival;
        emit FlightIssuanceSettingsSet(departureCutoff, maxCoverAfterArrival);
    }

    function _setFeedSettings(uint32 dataGracePeriod, uint64 delayToleranceMinutes) private {
        _dataGracePeriod = dataGracePeriod;
        _delayToleranceMinutes = delayToleranceMinutes;
        emit FlightFeedSettingsSet(dataGracePeriod, delayToleranceMinutes);
    }

    /// @inheritdoc IFlightDelayProduct
    function endorse(
        uint256 policyId,
        FlightDelayTerms calldata newTerms,
        bytes32 newDocumentHash
    ) external returns (uint256 newPolicyId) {
        _endForEndorsement(policyId, newTerms.policyholder, newDocumentHash);
        newPolicyId = issue(newTerms, newDocumentHash);
        _recordEndorsement(policyId, newPolicyId);
    }
}
