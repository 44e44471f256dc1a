// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {ConsortiumGoverned} from "../access/ConsortiumGoverned.sol";
import {IConsortiumAccess} from "../interfaces/IConsortiumAccess.sol";
import {IFeedConsumer} from "../interfaces/IFeedConsumer.sol";
import {IOracleHub} from "../interfaces/IOracleHub.sol";
import {Roles} from "../libraries/Roles.sol";

/// @title OracleHub
/// @notice Quorum of independent oracles over flight and weather feeds, with dispute, manual resolution and expiry.
contract OracleHub is IOracleHub, ConsortiumGoverned, EIP712 {
    /// @notice EIP-712 type of an observation.
    bytes32 public constant OBSERVATION_TYPEHASH = keccak256(
        "Observation(bytes32 feedId,address oracle,uint8 status,int256 value,uint64 observedAt,bytes32 payloadHash)"
    );

    /// @notice Smallest quorum allowed: 3 = 2f + 1 with f = 1, so one faulty oracle can neither decide a feed nor move
    /// its outcome outside the range of the honest reports.
    uint8 public constant MIN_QUORUM = 3;

    /// @notice How far ahead of the chain's clock an observation time may be (clocks of oracles and validators drift).
    uint256 public constant MAX_CLOCK_SKEW = 5 minutes;

    /// @notice Largest magnitude of a reported value; bounds keep the agreement arithmetic from overflowing.
    int256 public constant MAX_ABS_VALUE = 1e30;

    /// @notice Most consumers (product contracts) one feed notifies; together with `MAX_CONSUMER_GAS` it bounds the
    /// gas of any transaction that notifies them.
    uint256 public constant MAX_CONSUMERS_PER_FEED = 4;

    /// @notice Most gas one consumer is given per notification: a consumer settles what this pays for (products stop
    /// their batch when gas runs low) and the rest with its public `settle`. With `MAX_CONSUMERS_PER_FEED` consumers
    /// the notifications need at most 12,000,000 gas plus the hub's own work, well under the per-transaction cap of
    /// 16,777,216 (EIP-7825), whatever the consumers do.
    uint256 public constant MAX_CONSUMER_GAS = 3_000_000;

    /// @notice Least gas each consumer is given to settle its first batch. Below it the transaction reverts rather than
    /// finalise without paying, so gas estimation gives relayers a limit that pays at least part of every batch.
    uint256 public constant MIN_CONSUMER_GAS = 1_000_000;

    /// @notice Gas kept back per consumer for the hub's own bookkeeping around each call, so a failing consumer never
    /// undoes a finalisation.
    uint256 private constant NOTIFY_GAS_RESERVE = 50_000;

    /// @notice Most bytes of a consumer's revert data the hub copies into `ConsumerNotificationFailed`: a consumer
    /// returning megabytes cannot make the hub pay for copying them.
    uint256 private constant MAX_REASON_BYTES = 256;

    Settings private _settings;
    mapping(address consumer => bool allowed) private _consumers;
    mapping(bytes32 feedId => Feed) private _feeds;
    /// @dev Every consumer that registered the feed, first registrant first; at most `MAX_CONSUMERS_PER_FEED`.
    mapping(bytes32 feedId => address[] consumers) private _feedConsumers;
    mapping(bytes32 feedId => Report[]) private _reports;
    /// @dev Index + 1 of an oracle's report in `_reports[feedId]`; zero when it has not reported.
    mapping(bytes32 feedId => mapping(address oracle => uint256 position)) private _reportPositions;

    /// @param consortium_ The consortium whose ORACLE parties report and whose ADMINs govern the hub.
    /// @param initialSettings Quorum, freshness, dispute and resolution windows.
    constructor(
        IConsortiumAccess consortium_,
        Settings memory initialSettings
    ) ConsortiumGoverned(consortium_) EIP712("PolicyLedger OracleHub", "1") {
        _setSettings(initialSettings);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Feeds and reports
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IOracleHub
    function registerFeed(bytes32 feedId, uint40 dataDeadline, uint64 tolerance) external {
        if (!_consumers[msg.sender]) revert OracleHubUnknownConsumer(msg.sender);
        if (feedId == bytes32(0)) revert OracleHubFeedConflict(feedId, msg.sender);
        Feed storage feed = _feeds[feedId];
        address[] storage consumers = _feedConsumers[feedId];
        if (feed.state == FeedState.None) {
            feed.consumer = msg.sender;
            feed.state = FeedState.Open;
            feed.dataDeadline = dataDeadline;
            feed.tolerance = tolerance;
            consumers.push(msg.sender);
            emit FeedRegistered(feedId, msg.sender, dataDeadline, tolerance);
            return;
        }
        if (feed.state != FeedState.Open) revert OracleHubFeedNotOpen(feedId, feed.state);
        bool isNew = !_contains(consumers, msg.sender);
        if (isNew) {
            if (consumers.length >= MAX_CONSUMERS_PER_FEED) {
                revert OracleHubTooManyConsumers(feedId, MAX_CONSUMERS_PER_FEED);
            }
            consumers.push(msg.sender);
        }
        // The first registration's tolerance stands; the deadline is the latest any consumer needs.
        bool later = dataDeadline > feed.dataDeadline;
        if (later) feed.dataDeadline = dataDeadline;
        if (isNew || later) emit FeedRegistered(feedId, msg.sender, feed.dataDeadline, feed.tolerance);
    }

    /// @inheritdoc IOracleHub
    function submitReport(Observation calldata observation, bytes calldata signature) external {
        bytes32 feedId = observation.feedId;
        Feed storage feed = _feeds[feedId];
        uint256 oldestAccepted = _checkObservation(feed, observation, signature);

        Report memory report = Report({
            oracle: observation.oracle,
            status: observation.status,
            observedAt: observation.observedAt,
            value: observation.status == ObservationStatus.Landed || observation.status == ObservationStatus.Observed
                ? observation.value
                : int256(0),
            payloadHash: observation.payloadHash
        });
        _storeReport(feedId, report);
        emit ObservationReported(
            feedId,
            observation.oracle,
            observation.status,
            report.value,
            observation.observedAt,
            observation.payloadHash
        );

        if (!_tryFinalise(feedId, feed, observation.status, oldestAccepted)) return;
        if (feed.disputeWindow == 0) {
            _notifyConsumers(feedId);
        } else {
            // Nobody is called when the window closes: each consumer is told now, and settles itself afterwards.
            address[] storage consumers = _feedConsumers[feedId];
            for (uint256 i = 0; i < consumers.length; ++i) {
                emit ConsumerNotNotified(feedId, consumers[i], NotificationSkip.DisputeWindow);
            }
        }
    }

    /// @inheritdoc IOracleHub
    function dispute(bytes32 feedId) external onlyDualControl {
        Feed storage feed = _requireFeed(feedId);
        if (feed.state != FeedState.Finalised) revert OracleHubFeedNotOpen(feedId, feed.state);
        uint256 closesAt = uint256(feed.finalisedAt) + feed.disputeWindow;
        if (block.timestamp >= closesAt) revert OracleHubDisputeWindowClosed(feedId, closesAt);
        feed.state = FeedState.Disputed;
        feed.disputedAt = uint40(block.timestamp);
        emit FeedDisputed(feedId);
    }

    /// @inheritdoc IOracleHub
    function resolve(bytes32 feedId, ObservationStatus status, int256 value) external onlyDualControl {
        Feed storage feed = _requireFeed(feedId);
        if (status == ObservationStatus.None) revert OracleHubInvalidStatus(status);
        if (feed.state == FeedState.Open) {
            if (block.timestamp <= feed.dataDeadline) revert OracleHubNotYetDue(feedId, feed.dataDeadline);
        } else if (feed.state != FeedState.Disputed) {
            revert OracleHubFeedNotOpen(feedId, feed.state);
        }
        feed.state = FeedState.Resolved;
        feed.status = status;
        feed.value = value;
        feed.finalisedAt = uint40(block.timestamp);
        emit FeedResolved(feedId, status, value);
        _notifyConsumers(feedId);
    }

    /// @inheritdoc IOracleHub
    function expire(bytes32 feedId) external {
        Feed storage feed = _requireFeed(feedId);
        uint256 dueAt;
        if (feed.state == FeedState.Open) {
            dueAt = uint256(feed.dataDeadline) + _settings.resolutionPeriod;
        } else if (feed.state == FeedState.Disputed) {
            dueAt = uint256(feed.disputedAt) + _settings.resolutionPeriod;
        } else {
            revert OracleHubFeedNotOpen(feedId, feed.state);
        }
        if (block.timestamp <= dueAt) revert OracleHubNotYetDue(feedId, dueAt);
        feed.state = FeedState.Expired;
        emit FeedExpired(feedId);
        _notifyConsumers(feedId);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Settings
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IOracleHub
    function setSettings(Settings calldata newSettings) external onlyDualControl {
        _setSettings(newSettings);
    }

    /// @inheritdoc IOracleHub
    function setConsumer(address consumer, bool allowed) external onlyDualControl {
        _consumers[consumer] = allowed;
        emit ConsumerSet(consumer, allowed);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IOracleHub
    function getFeed(bytes32 feedId) external view returns (Feed memory) {
        return _feeds[feedId];
    }

    /// @inheritdoc IOracleHub
    function feedConsumers(bytes32 feedId) external view returns (address[] memory) {
        return _feedConsumers[feedId];
    }

    /// @inheritdoc IOracleHub
    function getReports(bytes32 feedId) external view returns (Report[] memory) {
        return _reports[feedId];
    }

    /// @inheritdoc IOracleHub
    function settledOutcome(
        bytes32 feedId
    ) external view returns (bool settleable, ObservationStatus status, int256 value) {
        Feed storage feed = _feeds[feedId];
        if (feed.state == FeedState.Resolved) return (true, feed.status, feed.value);
        if (feed.state == FeedState.Finalised && block.timestamp >= uint256(feed.finalisedAt) + feed.disputeWindow) {
            return (true, feed.status, feed.value);
        }
        return (false, ObservationStatus.None, 0);
    }

    /// @inheritdoc IOracleHub
    function settings() external view returns (Settings memory) {
        return _settings;
    }

    /// @inheritdoc IOracleHub
    function faultTolerance() external view returns (uint8) {
        return (_settings.quorum - 1) / 2;
    }

    /// @inheritdoc IOracleHub
    function isConsumer(address consumer) external view returns (bool) {
        return _consumers[consumer];
    }

    /// @inheritdoc IOracleHub
    function observationDigest(Observation calldata observation) external view returns (bytes32) {
        return _observationDigest(observation);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev Rejects what must not count: closed or unknown feeds, unknown oracles, bad signatures, values out of
    /// range, stale or future reports. Returns the oldest observation time still fresh.
    function _checkObservation(
        Feed storage feed,
        Observation calldata observation,
        bytes calldata signature
    ) private view returns (uint256 oldestAccepted) {
        if (feed.state == FeedState.None) revert OracleHubUnknownFeed(observation.feedId);
        if (feed.state != FeedState.Open) revert OracleHubFeedNotOpen(observation.feedId, feed.state);
        if (observation.status == ObservationStatus.None) revert OracleHubInvalidStatus(observation.status);
        if (observation.value > MAX_ABS_VALUE || observation.value < -MAX_ABS_VALUE) {
            revert OracleHubValueOutOfRange(observation.value);
        }
        if (!_hasActiveRole(Roles.ORACLE, observation.oracle)) revert OracleHubUnknownOracle(observation.oracle);
        if (observation.observedAt > block.timestamp + MAX_CLOCK_SKEW) {
            revert OracleHubReportFromFuture(observation.observedAt, block.timestamp);
        }
        oldestAccepted = _oldestFresh();
        if (observation.observedAt < oldestAccepted)
            revert OracleHubStaleReport(observation.observedAt, oldestAccepted);
        if (!SignatureChecker.isValidSignatureNow(observation.oracle, _observationDigest(observation), signature)) {
            revert OracleHubInvalidSignature(observation.oracle);
        }
    }

    /// @dev Keeps one report per oracle and feed; an oracle may correct itself only with a newer observation (a
    /// flight first seen delayed, then landed), so the same signed report can never count twice.
    function _storeReport(bytes32 feedId, Report memory report) private {
        uint256 position = _reportPositions[feedId][report.oracle];
        if (position == 0) {
            _reports[feedId].push(report);
            _reportPositions[feedId][report.oracle] = _reports[feedId].length;
            return;
        }
        Report storage previous = _reports[feedId][position - 1];
        if (report.observedAt <= previous.observedAt) {
            revert OracleHubReplayedReport(feedId, report.oracle, report.observedAt);
        }
        _reports[feedId][position - 1] = report;
    }

    /// @dev Finalises `feed` when a quorum of fresh reports by still-active oracles agree on `status` (and, for numeric
    /// statuses, on values within the tolerance). Returns whether it finalised.
    function _tryFinalise(
        bytes32 feedId,
        Feed storage feed,
        ObservationStatus status,
        uint256 oldestAccepted
    ) private returns (bool) {
        uint8 quorum = _settings.quorum;
        (Report[] memory candidates, uint256 count) = _candidates(feedId, status, oldestAccepted);
        if (count < quorum) return false;
        (uint256 start, uint256 length) = _largestAgreement(candidates, count, feed.tolerance);
        if (length < quorum) return false;

        address[] memory oracles = new address[](length);
        bytes32[] memory payloadHashes = new bytes32[](length);
        for (uint256 k = 0; k < length; ++k) {
            oracles[k] = candidates[start + k].oracle;
            payloadHashes[k] = candidates[start + k].payloadHash;
        }
        // Lower median of the agreeing run: always a value some oracle actually reported, and never outside the honest
        // values. Let the run hold n >= quorum values sorted ascending, at most f = (quorum - 1) / 2 of them faulty, so
        // n >= 2f + 1, and let m = (n - 1) / 2 (rounded down). Positions 0..m hold m + 1 >= f + 1 values, so at least
        // one is honest and value[m] >= that honest value >= the smallest honest value. Positions m..n-1 hold
        // n - m >= m + 1 >= f + 1 values, so at least one is honest and value[m] <= the largest honest value. Hence
        // min honest <= value[m] <= max honest, whichever values and positions the faulty oracles chose.
        int256 median = candidates[start + (length - 1) / 2].value;

        feed.state = FeedState.Finalised;
        feed.status = status;
        feed.value = median;
        feed.finalisedAt = uint40(block.timestamp);
        feed.disputeWindow = _settings.disputeWindow;
        emit ObservationFinalised(feedId, status, median, oracles, payloadHashes);
        return true;
    }

    /// @dev The feed's reports with `status`, still fresh, by oracles still active, sorted by value (insertion sort:
    /// there are only as many reports as oracles).
    function _candidates(
        bytes32 feedId,
        ObservationStatus status,
        uint256 oldestAccepted
    ) private view returns (Report[] memory candidates, uint256 count) {
        Report[] storage reports = _reports[feedId];
        uint256 reportCount = reports.length;
        candidates = new Report[](reportCount);
        for (uint256 i = 0; i < reportCount; ++i) {
            Report memory report = reports[i];
            if (report.status != status || report.observedAt < oldestAccepted) continue;
            if (!_hasActiveRole(Roles.ORACLE, report.oracle)) continue;
            uint256 j = count++;
            while (j > 0 && candidates[j - 1].value > report.value) {
                candidates[j] = candidates[j - 1];
                --j;
            }
            candidates[j] = report;
        }
    }

    /// @dev The longest run of sorted values spanning at most `tolerance`; the first such run wins a tie.
    function _largestAgreement(
        Report[] memory sorted,
        uint256 count,
        uint64 tolerance
    ) private pure returns (uint256 bestStart, uint256 bestLength) {
        uint256 end = 0;
        for (uint256 start = 0; start < count; ++start) {
            if (end < start) end = start;
            while (end + 1 < count && _span(sorted[start].value, sorted[end + 1].value) <= tolerance) ++end;
            if (end - start + 1 > bestLength) {
                bestLength = end - start + 1;
                bestStart = start;
            }
        }
    }

    /// @dev Calls every consumer of the feed, each with at most `MAX_CONSUMER_GAS` and at least `MIN_CONSUMER_GAS`,
    /// and reports each one that was not called or failed. Reverts when the transaction cannot give every consumer its
    /// minimum, so an estimated gas limit always reaches all of them.
    function _notifyConsumers(bytes32 feedId) private {
        address[] memory consumers = _feedConsumers[feedId];
        uint256 waiting = 0;
        for (uint256 i = 0; i < consumers.length; ++i) {
            if (_consumers[consumers[i]] && consumers[i].code.length > 0) ++waiting;
        }
        uint256 perConsumer = MIN_CONSUMER_GAS + NOTIFY_GAS_RESERVE;
        uint256 required = NOTIFY_GAS_RESERVE + waiting * perConsumer;
        if (gasleft() < required) revert OracleHubInsufficientGas(gasleft(), required);

        for (uint256 i = 0; i < consumers.length; ++i) {
            address consumer = consumers[i];
            if (!_consumers[consumer]) {
                emit ConsumerNotNotified(feedId, consumer, NotificationSkip.Disallowed);
                continue;
            }
            // An account without code cannot be called; the outcome stands and the consumer can read it later.
            if (consumer.code.length == 0) {
                emit ConsumerNotificationFailed(feedId, consumer, "");
                continue;
            }
            --waiting;
            // Keep each later consumer's minimum (and this call's bookkeeping) out of this consumer's allowance.
            uint256 kept = NOTIFY_GAS_RESERVE + waiting * perConsumer;
            uint256 available = gasleft();
            if (available < kept + MIN_CONSUMER_GAS) {
                emit ConsumerNotNotified(feedId, consumer, NotificationSkip.InsufficientGas);
                continue;
            }
            uint256 allowance = available - kept;
            if (allowance > MAX_CONSUMER_GAS) allowance = MAX_CONSUMER_GAS;
            (bool success, bytes memory reason) = _callConsumer(consumer, feedId, allowance);
            if (!success) emit ConsumerNotificationFailed(feedId, consumer, reason);
        }
    }

    /// @dev Calls `onFeedOutcome` with `allowance` gas; returns at most `MAX_REASON_BYTES` of revert data (empty when
    /// the consumer ran out of gas).
    function _callConsumer(
        address consumer,
        bytes32 feedId,
        uint256 allowance
    ) private returns (bool success, bytes memory reason) {
        bytes memory data = abi.encodeCall(IFeedConsumer.onFeedOutcome, (feedId));
        uint256 maxReason = MAX_REASON_BYTES;
        assembly ("memory-safe") {
            success := call(allowance, consumer, 0, add(data, 0x20), mload(data), 0, 0)
            let size := returndatasize()
            if gt(size, maxReason) {
                size := maxReason
            }
            reason := mload(0x40)
            mstore(reason, size)
            returndatacopy(add(reason, 0x20), 0, size)
            mstore(0x40, add(add(reason, 0x20), and(add(size, 0x1f), not(0x1f))))
        }
        if (success) reason = "";
    }

    function _contains(address[] storage accounts, address account) private view returns (bool) {
        for (uint256 i = 0; i < accounts.length; ++i) {
            if (accounts[i] == account) return true;
        }
        return false;
    }

    function _setSettings(Settings memory newSettings) private {
        if (newSettings.quorum < MIN_QUORUM || newSettings.freshnessWindow == 0) revert OracleHubInvalidSettings();
        _settings = newSettings;
        emit SettingsChanged(
            newSettings.quorum,
            newSettings.freshnessWindow,
            newSettings.disputeWindow,
            newSettings.resolutionPeriod
        );
    }

    function _requireFeed(bytes32 feedId) private view returns (Feed storage feed) {
        feed = _feeds[feedId];
        if (feed.state == FeedState.None) revert OracleHubUnknownFeed(feedId);
    }

    function _oldestFresh() private view returns (uint256) {
        uint256 window = _settings.freshnessWindow;
        return block.timestamp > window ? block.timestamp - window : 0;
    }

    function _observationDigest(Observation calldata observation) private view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(
                        OBSERVATION_TYPEHASH,
                        observation.feedId,
                        observation.oracle,
                        observation.status,
                        observation.value,
                        observation.observedAt,
                        observation.payloadHash
                    )
                )
            );
    }

    function _span(int256 low, int256 high) private pure returns (uint256) {
        return uint256(high - low);
    }
}
