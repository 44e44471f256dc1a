// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title IFeedConsumer
/// @notice A product contract that the oracle hub tells when one of its feeds has an outcome to pay on (finalised by
/// quorum with no dispute window, or resolved by hand) or has expired without one. A feed may have several consumers
/// (several products or insurers covering one flight or location-day); the hub calls each in turn.
interface IFeedConsumer {
    /// @notice Called by the oracle hub; the consumer reads the outcome from the hub and settles a first batch. The
    /// hub forwards at most `MAX_CONSUMER_GAS` (at least `MIN_CONSUMER_GAS`): the consumer stops its batch while gas
    /// remains and settles the rest through calls anyone can make. A revert is reported by the hub and never undoes
    /// the outcome.
    /// @param feedId The feed.
    function onFeedOutcome(bytes32 feedId) external;
}
