// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IConsortiumGoverned} from "./IConsortiumGoverned.sol";

/// @title IOracleHub
/// @notice Collects EIP-712 observations signed by the consortium's ORACLE parties and finalises a feed (one flight,
/// or one location and metric on one day) when a quorum of them agree: the same status and, for numeric statuses,
/// values within the feed's tolerance; the finalised value is the lower median of the agreeing values. Reports must
/// be fresh.
/// Byzantine robustness: a quorum q tolerates f = floor((q - 1) / 2) faulty oracles (`faultTolerance`), and q is at
/// least `MIN_QUORUM` = 3, so f >= 1. The outcome is the lower median of at least q >= 2f + 1 agreeing reports, so
/// up to f faulty oracles, whatever they report and in whatever order, can neither decide a feed on their own (f < q)
/// nor move its value outside the range of the honest reports among the agreeing ones. With N oracles and quorum q,
/// feeds still finalise while N - q of them are silent (e.g. 4 oracles, quorum 3: one faulty or silent node).
/// Shared feeds: several allowed product contracts (consumers) may register the same feed — several products or
/// insurers covering one flight or location-day — up to `MAX_CONSUMERS_PER_FEED`. Every consumer still allowed is
/// notified, each with bounded gas, when the feed's outcome is known or it expires; every consumer the hub did not
/// call, or whose call failed, is named in an event (`ConsumerNotNotified`, `ConsumerNotificationFailed`) and settles
/// itself through its public `settle`. After finalisation an optional dispute window lets ADMINs (dual control) set the feed aside; a feed
/// with no quorum by its data deadline can be resolved manually (dual control) during the resolution period, after
/// which anyone may expire it so that its policies are refunded. Nothing is left hanging forever.
/// @dev Values are scaled integers documented by each product: arrival delay in whole minutes (negative when early);
/// precipitation in hundredths of a millimetre; temperature in hundredths of a degree Celsius; wind speed in
/// hundredths of a kilometre per hour.
interface IOracleHub is IConsortiumGoverned {
    /// @notice What an oracle saw.
    /// @dev `Landed`: the flight arrived; value is the arrival delay in minutes. `Cancelled` and `Diverted`: value is
    /// ignored (sign 0). `Observed`: a weather value for the feed's day and metric.
    enum ObservationStatus {
        None,
        Landed,
        Cancelled,
        Diverted,
        Observed
    }

    /// @notice Where a feed stands.
    enum FeedState {
        None,
        Open,
        Finalised,
        Disputed,
        Resolved,
        Expired
    }

    /// @notice A signed observation. `payloadHash` is the SHA-256 of the raw provider responses the oracle used.
    struct Observation {
        bytes32 feedId;
        address oracle;
        ObservationStatus status;
        int256 value;
        uint64 observedAt;
        bytes32 payloadHash;
    }

    /// @notice An accepted report, kept as evidence.
    struct Report {
        address oracle;
        ObservationStatus status;
        uint64 observedAt;
        int256 value;
        bytes32 payloadHash;
    }

    /// @notice Why the hub did not call a consumer of a feed whose outcome is known (or that expired).
    /// @dev `DisputeWindow`: the outcome becomes payable only when the dispute window closes, and nobody is called
    /// then. `Disallowed`: the consumer was disallowed (`setConsumer`) after it registered the feed.
    /// `InsufficientGas`: the transaction's gas ran out before this consumer's turn.
    enum NotificationSkip {
        DisputeWindow,
        Disallowed,
        InsufficientGas
    }

    /// @notice A feed's registration and outcome.
    /// @param consumer The first product contract that registered the feed (its tolerance stands); `feedConsumers`
    /// lists every consumer.
    /// @param state Where the feed stands.
    /// @param dataDeadline After this time a feed without quorum can be resolved manually or expired: the latest
    /// deadline any of its consumers registered.
    /// @param finalisedAt When the quorum (or the manual resolution) fixed the outcome.
    /// @param status The outcome's status.
    /// @param tolerance Largest difference between agreeing values, in the feed's value unit.
    /// @param disputedAt When the outcome was set aside (zero if never).
    /// @param disputeWindow The dispute window in force when the quorum finalised the feed: later changes of the
    /// setting never reopen an outcome already paid on.
    /// @param value The outcome's value.
    struct Feed {
        address consumer;
        FeedState state;
        uint40 dataDeadline;
        uint40 finalisedAt;
        ObservationStatus status;
        uint64 tolerance;
        uint40 disputedAt;
        uint32 disputeWindow;
        int256 value;
    }

    /// @notice Hub-wide settings, changed under dual control.
    /// @param quorum Reports that must agree (M of the N active oracles); at least `MIN_QUORUM` (3). It tolerates
    /// f = floor((quorum - 1) / 2) faulty oracles: 3 or 4 tolerate one, 5 or 6 two.
    /// @param freshnessWindow Oldest age, in seconds, of a report that still counts.
    /// @param disputeWindow Seconds after finalisation during which the outcome can be set aside; 0 pays at once.
    /// @param resolutionPeriod Seconds after the data deadline (or a dispute) for a manual resolution.
    struct Settings {
        uint8 quorum;
        uint32 freshnessWindow;
        uint32 disputeWindow;
        uint32 resolutionPeriod;
    }

    /// @notice Emitted when a consumer registers a feed for the first time, and whenever a registration moves the
    /// feed's data deadline later; carries the feed's deadline and tolerance after the registration, so oracle nodes
    /// always know the latest ones.
    event FeedRegistered(bytes32 indexed feedId, address indexed consumer, uint40 dataDeadline, uint64 tolerance);

    /// @notice Emitted for each accepted report.
    event ObservationReported(
        bytes32 indexed feedId,
        address indexed oracle,
        ObservationStatus status,
        int256 value,
        uint64 observedAt,
        bytes32 payloadHash
    );

    /// @notice Emitted when a quorum agrees; lists the agreeing oracles and their payload hashes as evidence.
    event ObservationFinalised(
        bytes32 indexed feedId,
        ObservationStatus status,
        int256 value,
        address[] oracles,
        bytes32[] payloadHashes
    );

    /// @notice Emitted when ADMINs set a finalised outcome aside during the dispute window.
    event FeedDisputed(bytes32 indexed feedId);

    /// @notice Emitted when ADMINs resolve a disputed or late feed by hand.
    event FeedResolved(bytes32 indexed feedId, ObservationStatus status, int256 value);

    /// @notice Emitted when a feed without outcome is expired after the resolution period.
    event FeedExpired(bytes32 indexed feedId);

    /// @notice Emitted when notifying a consumer failed: it reverted (`reason` holds at most the first 256 bytes of its
    /// revert data), ran out of its gas allowance (empty `reason`) or has no code (empty `reason`). The outcome
    /// stands; anyone can push the consumer's settlement later.
    event ConsumerNotificationFailed(bytes32 indexed feedId, address indexed consumer, bytes reason);

    /// @notice Emitted when the hub does not call a consumer of a feed whose outcome is known (or that expired), and
    /// why; anyone can push the consumer's settlement once the outcome is payable.
    event ConsumerNotNotified(bytes32 indexed feedId, address indexed consumer, NotificationSkip reason);

    /// @notice Emitted when the settings change.
    event SettingsChanged(uint8 quorum, uint32 freshnessWindow, uint32 disputeWindow, uint32 resolutionPeriod);

    /// @notice Emitted when a product contract is allowed or disallowed to register feeds.
    event ConsumerSet(address indexed consumer, bool allowed);

    /// @notice Thrown when a caller that is not an allowed product registers a feed.
    error OracleHubUnknownConsumer(address caller);

    /// @notice Thrown when a feed is registered with a zero id.
    error OracleHubFeedConflict(bytes32 feedId, address consumer);

    /// @notice Thrown when a new consumer registers a feed that already has `MAX_CONSUMERS_PER_FEED` consumers.
    error OracleHubTooManyConsumers(bytes32 feedId, uint256 maxConsumers);

    /// @notice Thrown when a feed id was never registered.
    error OracleHubUnknownFeed(bytes32 feedId);

    /// @notice Thrown when a report or action needs an open feed; a second report for a finalised feed lands here.
    error OracleHubFeedNotOpen(bytes32 feedId, FeedState state);

    /// @notice Thrown when the signing account is not a registered, active ORACLE.
    error OracleHubUnknownOracle(address oracle);

    /// @notice Thrown when the signature does not verify for the named oracle.
    error OracleHubInvalidSignature(address oracle);

    /// @notice Thrown when the very same signed report is submitted again, or an oracle's report is not newer than
    /// the one it already made for the feed.
    error OracleHubReplayedReport(bytes32 feedId, address oracle, uint64 observedAt);

    /// @notice Thrown when a report is older than the freshness window.
    error OracleHubStaleReport(uint64 observedAt, uint256 oldestAccepted);

    /// @notice Thrown when a report claims a time ahead of the chain's clock (beyond `MAX_CLOCK_SKEW`).
    error OracleHubReportFromFuture(uint64 observedAt, uint256 timestamp);

    /// @notice Thrown when a report's status is `None`.
    error OracleHubInvalidStatus(ObservationStatus status);

    /// @notice Thrown when a transaction that must notify consumers carries too little gas to give each of them
    /// `MIN_CONSUMER_GAS` for its first batch; the relayer should send it with more gas.
    error OracleHubInsufficientGas(uint256 available, uint256 required);

    /// @notice Thrown when a reported value's magnitude exceeds `MAX_ABS_VALUE`.
    error OracleHubValueOutOfRange(int256 value);

    /// @notice Thrown when settings break a rule (quorum below `MIN_QUORUM`, zero freshness window).
    error OracleHubInvalidSettings();

    /// @notice Thrown when a dispute comes after the dispute window.
    error OracleHubDisputeWindowClosed(bytes32 feedId, uint256 closedAt);

    /// @notice Thrown when a manual resolution or expiry comes at the wrong time.
    error OracleHubNotYetDue(bytes32 feedId, uint256 dueAt);

    /// @notice Registers a feed, or adds the caller as one more consumer of a feed already registered (up to
    /// `MAX_CONSUMERS_PER_FEED`), or extends the feed's data deadline. Allowed product contracts only.
    /// @dev Products compute the deadline from the event (a flight's scheduled arrival, the end of a weather day,
    /// plus a grace period), so one policy cannot postpone the deadline others rely on; across consumers the latest
    /// deadline is kept. The first registration's tolerance stands: a later consumer's `tolerance` is ignored (the
    /// event carries the one in force), so no consumer can loosen or tighten the agreement rule under another.
    /// @param feedId The feed.
    /// @param dataDeadline When data must be in; registrations only ever move it later.
    /// @param tolerance Largest difference between agreeing values; used by the first registration only.
    function registerFeed(bytes32 feedId, uint40 dataDeadline, uint64 tolerance) external;

    /// @notice Submits a signed observation; anyone may relay it. Finalises the feed when it completes a quorum and
    /// then, with no dispute window, notifies every consumer, each of which settles a first batch of policies with at
    /// most `MAX_CONSUMER_GAS` (so the transaction stays under the per-transaction gas cap).
    /// @param observation The observation.
    /// @param signature The oracle's EIP-712 signature (EOA or EIP-1271).
    function submitReport(Observation calldata observation, bytes calldata signature) external;

    /// @notice Sets a finalised outcome aside during the dispute window. Only through dual control.
    function dispute(bytes32 feedId) external;

    /// @notice Resolves by hand a disputed feed, or an open feed past its data deadline. Only through dual control.
    function resolve(bytes32 feedId, ObservationStatus status, int256 value) external;

    /// @notice Expires a feed that has no outcome once the resolution period after its deadline (or dispute) has
    /// passed; its consumers are notified and refund the premiums. Anyone.
    function expire(bytes32 feedId) external;

    /// @notice Changes the settings. Only through dual control.
    function setSettings(Settings calldata settings) external;

    /// @notice Allows or disallows a product contract to register feeds. Only through dual control.
    function setConsumer(address consumer, bool allowed) external;

    /// @notice The feed's registration and outcome.
    function getFeed(bytes32 feedId) external view returns (Feed memory);

    /// @notice Every consumer that registered the feed, the first registrant first.
    function feedConsumers(bytes32 feedId) external view returns (address[] memory);

    /// @notice The accepted reports of a feed (the evidence behind its outcome).
    function getReports(bytes32 feedId) external view returns (Report[] memory);

    /// @notice Whether the feed's outcome is final and may be paid on: finalised with the dispute window passed, or
    /// resolved by hand. Returns the outcome.
    function settledOutcome(
        bytes32 feedId
    ) external view returns (bool settleable, ObservationStatus status, int256 value);

    /// @notice The current settings.
    function settings() external view returns (Settings memory);

    /// @notice How many faulty oracles the quorum tolerates: f = floor((quorum - 1) / 2). With at most f faulty
    /// oracles an outcome lies within the range of the honest reports.
    function faultTolerance() external view returns (uint8);

    /// @notice Whether `consumer` may register feeds.
    function isConsumer(address consumer) external view returns (bool);

    /// @notice The EIP-712 digest an oracle signs for `observation`.
    function observationDigest(Observation calldata observation) external view returns (bytes32);
}
