// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IFeedConsumer} from "../../contracts/interfaces/IFeedConsumer.sol";
import {IFlightDelayProduct} from "../../contracts/interfaces/IFlightDelayProduct.sol";
import {IOracleHub} from "../../contracts/interfaces/IOracleHub.sol";
import {IParametricProduct} from "../../contracts/interfaces/IParametricProduct.sol";
import {CHEATS} from "../helpers/Cheats.sol";
import {ParametricSetup} from "../helpers/ParametricSetup.sol";

/// @title OracleHubTest
/// @notice Fuzzed Byzantine robustness of the oracle hub: four oracles, quorum 3 (one faulty oracle tolerated). For
/// any honest values that agree within the tolerance and any single faulty report — any value, any status, at any
/// position in the reporting order — the feed finalises on the honest status with a value inside the honest range.
/// And the report that completes a quorum fits the per-transaction gas cap even when its consumer has a large batch.
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

    /// @dev The per-transaction gas cap of current Ethereum clients (EIP-7825).
    uint256 private constant TX_GAS_CAP = 16_777_216;

    /// @dev Intrinsic gas of a transaction, and per byte of (non-zero) calldata.
    uint256 private constant TX_BASE_GAS = 21_000;
    uint256 private constant CALLDATA_GAS_PER_BYTE = 16;

    /// @dev Bound on the hub's own work in a quorum-completing report (checks, storage, finalisation, events).
    uint256 private constant HUB_WORK_GAS = 500_000;

    /// @dev Policies on one flight, and the product's settlement batch: a batch this large needs more gas than the cap.
    uint256 private constant LARGE_BATCH = 400;

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

    function _min(int256[3] memory values) private pure returns (int256 low) {
        low = values[0];
        for (uint256 i = 1; i < 3; ++i) if (values[i] < low) low = values[i];
    }

    function _max(int256[3] memory values) private pure returns (int256 high) {
        high = values[0];
        for (uint256 i = 1; i < 3; ++i) if (values[i] > high) high = values[i];
    }

    /// @notice 400 policies on one flight and a settlement batch of 400 (about 18 million gas to settle at once): the
    /// report that completes the quorum, relayed with all the gas the test has, needs no more than the consumer's
    /// allowance (`MAX_CONSUMER_GAS`) plus the hub's own work — far below the 16,777,216 gas cap — and pays a first
    /// batch; later calls settle the rest.
    function test_quorumReportOverALargeBatchFitsTheGasCap() public {
        _govern(address(_flight), abi.encodeCall(IParametricProduct.setSettlementBatchSize, (LARGE_BATCH)));
        for (uint256 i = 0; i < LARGE_BATCH; ++i) {
            _issue(_smallFlightTerms(_clients[i % MAX_POLICIES], i), i % MAX_POLICIES);
        }
        bytes32 feedId = _feedOf("196");
        CHEATS.warp(block.timestamp + 13 hours);
        _report(0, feedId, IOracleHub.ObservationStatus.Landed, 82);
        _report(1, feedId, IOracleHub.ObservationStatus.Landed, 82);
        IOracleHub.Observation memory last = _observation(2, feedId, IOracleHub.ObservationStatus.Landed, 82);
        bytes memory signature = _signObservation(_oracleKey(2), last);
        uint256 calldataGas = abi.encodeCall(IOracleHub.submitReport, (last, signature)).length * CALLDATA_GAS_PER_BYTE;

        uint256 before = gasleft();
        _hub.submitReport(last, signature);
        uint256 used = before - gasleft();

        uint256 transactionGas = TX_BASE_GAS + calldataGas + used;
        _assertAtMost(transactionGas, TX_GAS_CAP, "the quorum-completing report fits the gas cap");
        // The runner itself caps a call at 16,777,216: the hub must not merely fit, it must hand the product no more
        // than its allowance, whatever gas the relayer sends.
        _assertAtMost(transactionGas, _hub.MAX_CONSUMER_GAS() + HUB_WORK_GAS, "the consumer gets its allowance only");
        (uint256 listed, uint256 settled) = _flight.feedProgress(feedId);
        _assertEq(listed, LARGE_BATCH, "every policy is listed under the flight");
        _assertTrue(settled > 0, "the quorum-completing report pays a first batch");
        while (settled < listed) {
            _flight.settle(feedId, LARGE_BATCH);
            (, settled) = _flight.feedProgress(feedId);
        }
    }

    /// @dev Landed most of the time (a lie on the value), else another status.
    function _lieStatus(uint8 choice) private pure returns (IOracleHub.ObservationStatus) {
        if (choice % 2 == 0) return IOracleHub.ObservationStatus.Landed;
        return IOracleHub.ObservationStatus(2 + ((choice / 2) % 3));
    }

    /// @dev Valid terms on flight 196 with a 100-dollar sum insured, so that 400 policies fit the pool's capital.
    function _smallFlightTerms(
        address holder,
        uint256 entropy
    ) private view returns (IFlightDelayProduct.FlightDelayTerms memory terms) {
        terms = _flightTerms(holder, "196", entropy);
        terms.sumInsured = 100 * USD;
        terms.premium = 5 * USD;
        terms.cancellationPayout = 100 * USD;
        terms.diversionPayout = 100 * USD;
        for (uint256 t = 0; t < terms.delayTierPayouts.length; ++t) terms.delayTierPayouts[t] = 1 + (t * 10 * USD);
    }
}
