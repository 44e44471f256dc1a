// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title IFeedConsumer
/// @notice A product contract that the oracle hub tells when one of its feeds has an outcome to pay on (finalised by
/// quorum with no dispute window, or resolved by hand) or has expired without one.
interface IFeedConsumer {
    /// @notice Called by the oracle hub; the consumer reads the outcome from the hub and settles a first batch.
    /// @param feedId The feed.
    function onFeedOutcome(bytes32 feedId) external;
}
