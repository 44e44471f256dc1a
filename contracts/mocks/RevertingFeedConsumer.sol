// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IFeedConsumer} from "../interfaces/IFeedConsumer.sol";
import {IOracleHub} from "../interfaces/IOracleHub.sol";

/// @title RevertingFeedConsumer
/// @notice A product contract for tests whose settlement always fails, to show that a broken consumer can neither
/// undo nor block a feed's finalisation.
contract RevertingFeedConsumer is IFeedConsumer {
    /// @notice Thrown whenever the hub notifies this consumer.
    error RevertingFeedConsumerRefused(bytes32 feedId);

    IOracleHub private immutable _hub;

    /// @param hub The oracle hub this consumer registers feeds with.
    constructor(IOracleHub hub) {
        _hub = hub;
    }

    /// @notice Registers a feed with the hub, as a product does when it issues a policy.
    function registerFeed(bytes32 feedId, uint40 dataDeadline, uint64 tolerance) external {
        _hub.registerFeed(feedId, dataDeadline, tolerance);
    }

    /// @inheritdoc IFeedConsumer
    function onFeedOutcome(bytes32 feedId) external pure {
        revert RevertingFeedConsumerRefused(feedId);
    }
}
