// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IFeedConsumer} from "../../contracts/interfaces/IFeedConsumer.sol";
import {IOracleHub} from "../../contracts/interfaces/IOracleHub.sol";
import {ParametricSetup} from "../helpers/ParametricSetup.sol";

/// @title OracleHubTest
/// @notice Fuzzed Byzantine robustness of the oracle hub: four oracles, quorum 3 (one faulty oracle tolerated). For
/// any honest values that agree within the tolerance and any single faulty report — any value, any status, at any
/// position in the reporting order — the feed finalises on the honest status with a value inside the honest range.
contract OracleHubTest is ParametricSetup, IFeedConsumer {
    /// @dev What one fuzz run reports.
    struct Round {
        bytes32 feedId;
        uint64 tolerance;
        int256[3] honest;
        IOracleHub.Observation lie;
        uint256 liarPosition;
    }

    /// @dev Largest tolerance the fuzz draws (in the feed's value unit).
    uint64 private constant MAX_TOLERANCE = 10_000;

    /// @dev Feeds notified to this test, which registers its feeds itself and has nothing to settle.
    mapping(bytes32 feedId => bool notified) private _notified;

    function setUp() public override {
        super.setUp();
        _govern(address(_hub), abi.encodeCall(IOracleHub.setConsumer, (address(this), true)));
    }

    /// @inheritdoc IFeedConsumer
    function onFeedOutcome(bytes32 feedId) external {
        _notified[feedId] = true;
    }

    /// @notice One liar among four oracles at any position, with any value (near the honest ones or anywhere in the
    /// hub's range) and any status: the outcome is the honest status with a value within [min honest, max honest].
    function testFuzz_oneFaultyOracleNeverMovesTheOutcomeOutsideTheHonestRange(
        int64 base,
        uint16[3] calldata offsets,
        uint64 toleranceChoice,
        int256 lieChoice,
        bool lieNearHonest,
        uint8 lieStatusChoice,
        uint8 liarPosition
    ) public {
        Round memory round;
        round.tolerance = toleranceChoice % (MAX_TOLERANCE + 1);
        round.feedId = keccak256(abi.encode("a fuzzed feed", base, toleranceChoice));
        round.liarPosition = liarPosition % ORACLE_COUNT;
        _hub.registerFeed(round.feedId, uint40(block.timestamp + 1 days), round.tolerance);

        for (uint256 i = 0; i < 3; ++i) {
            round.honest[i] = int256(base) + int256(uint256(offsets[i]) % (uint256(round.tolerance) + 1));
        }
        int256 lie =
            lieNearHonest
                ? int256(base) -
                    int256(uint256(round.tolerance)) +
                    (lieChoice % int256(3 * uint256(round.tolerance) + 1))
                : lieChoice % (_hub.MAX_ABS_VALUE() + 1);
        round.lie = _observation(round.liarPosition, round.feedId, _lieStatus(lieStatusChoice), lie);

        uint256 nextHonest = 0;
        for (uint256 oracle = 0; oracle < ORACLE_COUNT; ++oracle) {
            if (_hub.getFeed(round.feedId).state != IOracleHub.FeedState.Open) break;
            if (oracle == round.liarPosition) {
                _hub.submitReport(round.lie, _signObservation(_oracleKey(oracle), round.lie));
            } else {
                _report(oracle, round.feedId, IOracleHub.ObservationStatus.Landed, round.honest[nextHonest++]);
            }
        }

        IOracleHub.Feed memory feed = _hub.getFeed(round.feedId);
        _assertTrue(feed.state == IOracleHub.FeedState.Finalised, "three honest agreeing reports finalise the feed");
        _assertTrue(feed.status == IOracleHub.ObservationStatus.Landed, "the outcome has the honest status");
        _assertTrue(feed.value >= _min(round.honest), "the outcome is at least the smallest honest value");
        _assertTrue(feed.value <= _max(round.honest), "the outcome is at most the largest honest value");
        _assertTrue(_notified[round.feedId], "the consumer was notified of the outcome");
    }

    /// @dev Landed most of the time (a lie on the value), else another status.
    function _lieStatus(uint8 choice) private pure returns (IOracleHub.ObservationStatus) {
        if (choice % 2 == 0) return IOracleHub.ObservationStatus.Landed;
        return IOracleHub.ObservationStatus(2 + ((choice / 2) % 3));
    }

    function _min(int256[3] memory values) private pure returns (int256 low) {
        low = values[0];
        for (uint256 i = 1; i < 3; ++i) if (values[i] < low) low = values[i];
    }

    function _max(int256[3] memory values) private pure returns (int256 high) {
        high = values[0];
        for (uint256 i = 1; i < 3; ++i) if (values[i] > high) high = values[i];
    }
}
