// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IFeedConsumer} from "../interfaces/IFeedConsumer.sol";
import {IOracleHub} from "../interfaces/IOracleHub.sol";

/// @title FeedConsumerMock
/// @notice A product contract for tests that shares feeds with others and behaves as told when the hub notifies it:
/// it records the notification, burns all the gas it is given, or reverts with a very large reason.
contract FeedConsumerMock is IFeedConsumer {
    /// @notice What the consumer does when notified.
    enum Behaviour {
        Record,
        BurnAllGas,
        RevertWithLargeReason
    }

    /// @notice Thrown when told to revert with a large reason; `padding` makes the revert data large.
    error FeedConsumerMockRefused(bytes32 feedId, bytes padding);

    /// @notice Size of the padding in `FeedConsumerMockRefused`.
    uint256 public constant LARGE_REASON_BYTES = 100_000;

    IOracleHub private immutable _hub;
    Behaviour private _behaviour;

    /// @notice Notifications received per feed.
    mapping(bytes32 feedId => uint256 count) public notifications;

    /// @notice The gas left when the last notification of the feed began.
    mapping(bytes32 feedId => uint256 gas) public gasReceived;

    /// @param hub The oracle hub this consumer registers feeds with.
    /// @param behaviour What it does when notified.
    constructor(IOracleHub hub, Behaviour behaviour) {
        _hub = hub;
        _behaviour = behaviour;
    }

    /// @notice Registers a feed with the hub, as a product does when it issues a policy.
    function registerFeed(bytes32 feedId, uint40 dataDeadline, uint64 tolerance) external {
        _hub.registerFeed(feedId, dataDeadline, tolerance);
    }

    /// @inheritdoc IFeedConsumer
    function onFeedOutcome(bytes32 feedId) external {
        uint256 gas = gasleft();
        if (_behaviour == Behaviour.BurnAllGas) {
            // Spins until the gas it was given runs out.
            uint256 spins = 0;
            while (gasleft() > 0) ++spins;
        }
        if (_behaviour == Behaviour.RevertWithLargeReason) {
            revert FeedConsumerMockRefused(feedId, new bytes(LARGE_REASON_BYTES));
        }
        gasReceived[feedId] = gas;
        ++notifications[feedId];
    }
}
