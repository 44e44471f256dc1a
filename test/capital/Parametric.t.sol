// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IFlightDelayProduct} from "../../contracts/interfaces/IFlightDelayProduct.sol";
import {IOracleHub} from "../../contracts/interfaces/IOracleHub.sol";
import {IParametricProduct} from "../../contracts/interfaces/IParametricProduct.sol";
import {IReinsuranceTreaty} from "../../contracts/interfaces/IReinsuranceTreaty.sol";
import {IRiskPool} from "../../contracts/interfaces/IRiskPool.sol";
import {CHEATS} from "../helpers/Cheats.sol";
import {ParametricSetup} from "../helpers/ParametricSetup.sol";

/// @title ParametricTest
/// @notice Fuzzed invariants of the parametric ledger, from issuance through the oracle quorum to the pool and the
/// treaty: no policy is paid twice, the stablecoin is conserved, a payout never exceeds the sum insured, the pool stays
/// within its solvency rule, cessions follow the treaty formula, and fewer oracles than the quorum decide nothing.
contract ParametricTest is ParametricSetup {
    /// @dev The policies a test wrote, one per client: client `i` holds `policyIds[i]` on `terms[i]`.
    struct Book {
        IFlightDelayProduct.FlightDelayTerms[] terms;
        uint256[] policyIds;
        bool[] issued;
        bool[] cancelled;
        uint256 count;
    }

    /// @dev A flight outcome as two oracles report it; their values agree within the delay tolerance.
    struct Outcome {
        IOracleHub.ObservationStatus status;
        int256 first;
        int256 second;
    }

    /// @dev Quorum − 1 colluding oracles (indices 0 .. colluders − 1) trying to settle one flight policy.
    struct Collusion {
        bytes32 feedId;
        uint256 policyId;
        uint256 clientBalance;
        uint8 quorum;
        uint256 colluders;
        IOracleHub.ObservationStatus favoured;
        int256 value;
        IOracleHub.Observation[] sent;
        bytes[] signatures;
    }

    /// @dev The treaty's excess of loss, replayed by the test one loss at a time.
    struct CessionModel {
        uint256 quotaShareBps;
        uint256 commissionBps;
        uint256 capital;
        uint256 collateral;
        uint256 attachment;
        uint256 limit;
        uint256 aggregateLimit;
        uint256 aggregate;
        uint256 retained;
        uint256 eventRecovered;
        uint256 owed;
        uint256 gross;
        uint256 shortfall;
    }

    /// @notice Thrown when a call that must succeed reverts; `reason` is its revert data.
    error CallReverted(string what, bytes reason);

    uint256 private constant BPS = 10_000;
    uint256 private constant OBSERVATION_STATUS_COUNT = 4;
    string private constant FLIGHT = "196";

    /// @dev 19:00 UTC, an hour after the scheduled arrival and within cover: the oracles report how the flights went.
    uint256 private constant REPORT_TIME = START_TIME + 13 hours;
    /// @dev Past every feed's data deadline (the flight lands 12 hours after issue; its deadline is a day of cover
    /// after arrival plus the grace period later).
    uint256 private constant PAST_DATA_DEADLINE = START_TIME + 12 hours + 1 days + DATA_GRACE_PERIOD + 1;
    /// @dev Past every feed's data deadline and resolution period: feeds without data may expire.
    uint256 private constant PAST_RESOLUTION = PAST_DATA_DEADLINE + RESOLUTION_PERIOD;

    /// @dev Whether `_checkStep` also checks the solvency rule (set by the solvency test for its run).
    bool private _checkingSolvency;

    // ---------------------------------------------------------------------------------------------------------------
    // Invariant 1: no policy is paid twice
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice 1-6 policies with fuzzed terms on one flight, settled in batches of a fuzzed size. One oracle report
    /// moves nothing; the second, agreeing one finalises the feed and settles the first batch; further `settle` calls
    /// finish the rest. After every step each client's balance has risen by its policy's payout once its policy is
    /// settled, and not at all before. Once all are settled, another `settle`, a replayed hub callback and a third
    /// (finalising) report change nothing: the report is rejected with `OracleHubFeedNotOpen`.
    function testFuzz_noPolicyIsPaidTwice(
        uint256 seed,
        uint8 policyCount,
        uint8 statusChoice,
        int16 delay,
        uint8 spread,
        uint8 batchChoice
    ) public {
        uint256 count = 1 + (policyCount % MAX_POLICIES);
        uint256 batchSize = 1 + (batchChoice % count);
        _govern(address(_flight), abi.encodeCall(IParametricProduct.setSettlementBatchSize, (batchSize)));
        Book memory book = _writeBook(seed, count, 1);
        bytes32 feedId = _feedOf(FLIGHT);
        uint256[] memory before = _clientBalances();
        Outcome memory outcome = _outcome(statusChoice, delay, spread);

        CHEATS.warp(REPORT_TIME);
        _report(0, feedId, outcome.status, outcome.first);
        _assertFeedState(feedId, IOracleHub.FeedState.Open, "one report leaves the feed open");
        _assertPaidOnce(book, before, outcome, "after one report");

        _report(1, feedId, outcome.status, outcome.second);
        _report(2, feedId, outcome.status, _agreedValue(outcome));
        _assertFeedState(feedId, IOracleHub.FeedState.Finalised, "three agreeing reports finalise the feed");
        (, uint256 settled) = _flight.feedProgress(feedId);
        _assertEq(settled, batchSize < count ? batchSize : count, "the quorum's callback settles one batch");
        _assertPaidOnce(book, before, outcome, "after the quorum");

        for (uint256 round = 0; settled < count; ++round) {
            _assertTrue(round < count, "settlement finishes within one call per policy");
            uint256 processed = _flight.settle(feedId, count);
            _assertTrue(processed > 0 && processed <= batchSize, "a settle call works through at most one batch");
            (, settled) = _flight.feedProgress(feedId);
            _assertPaidOnce(book, before, outcome, "after a settle call");
        }
        _assertEq(_pool.totalLocked(), 0, "every policy's collateral is released");
        _assertEq(_pool.exposure(feedId), 0, "the flight carries no exposure once settled");
        _attemptSecondPayment(feedId, count, outcome);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Invariants 2 and 4: funds are conserved and the pool stays solvent, through issue, cancellation, withdrawals,
    // settlement and refunds
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Invariant 2 over the whole life of a fuzzed ledger (see `_runLedgerLifecycle`): after every step the
    /// stablecoin held by pool, treaty, insurer, reinsurer and clients equals all that was minted.
    function testFuzz_fundsAreConserved(
        uint256 seed,
        uint8 policyCount,
        uint8 pathChoice,
        uint16 quotaShareBps,
        uint16 cedingCommissionBps,
        uint32 capitalChoice,
        uint32 collateralChoice
    ) public {
        _runLedgerLifecycle(
            seed,
            policyCount,
            pathChoice,
            quotaShareBps,
            cedingCommissionBps,
            capitalChoice,
            collateralChoice
        );
    }

    /// @notice Invariant 4 over the same fuzzed lives: after every step the pool's locked collateral is within its
    /// assets plus the reinsurance capacity (and the funds stay conserved).
    function testFuzz_poolStaysSolvent(
        uint256 seed,
        uint8 policyCount,
        uint8 pathChoice,
        uint16 quotaShareBps,
        uint16 cedingCommissionBps,
        uint32 capitalChoice,
        uint32 collateralChoice
    ) public {
        _checkingSolvency = true;
        _runLedgerLifecycle(
            seed,
            policyCount,
            pathChoice,
            quotaShareBps,
            cedingCommissionBps,
            capitalChoice,
            collateralChoice
        );
    }

    /// @dev A fresh pool and treaty with fuzzed quota share, commission, excess of loss, capital (often none or a
    /// few dollars) and collateral; 1-6 policies with fuzzed premiums and payouts (issues the solvency rule refuses
    /// must revert with `RiskPoolInsolvent`); the reinsurer withdrawing premium and collateral and the insurer capital,
    /// often as much as the rules allow; fuzzed cancellations by holder or insurer; then the feed settles by oracle
    /// quorum, by manual resolution under dual control, or expires and refunds. The invariants are checked after
    /// every step (`_checkStep`). Settlement may stop only at the pool's own shortfall: for refunds
    /// (`testFuzz_refundsArePaidWhenDue` covers those), or for payouts when solvency is not being checked; payouts
    /// stay within each policy's locked maximum.
    function _runLedgerLifecycle(
        uint256 seed,
        uint8 policyCount,
        uint8 pathChoice,
        uint16 quotaShareBps,
        uint16 cedingCommissionBps,
        uint32 capitalChoice,
        uint32 collateralChoice
    ) private {
        Book memory book = _openBook(
            seed,
            policyCount,
            quotaShareBps,
            cedingCommissionBps,
            capitalChoice,
            collateralChoice
        );
        _moveCapital(seed);
        _cancelSome(book, seed, false);

        bytes32 feedId = _feedOf(FLIGHT);
        if (_hub.getFeed(feedId).state == IOracleHub.FeedState.None) return; // the pool took no policy
        uint256[] memory before = _clientBalances();
        uint256 path = pathChoice % 3;
        _reachOutcome(feedId, path, seed);
        _checkStep("after the outcome");

        (uint256 listed, uint256 settled) = _flight.feedProgress(feedId);
        if (settled < listed && (path == 2 || !_checkingSolvency)) {
            // The pool may lack the cash for refunds, and for payouts once a refund has broken the solvency rule.
            try _flight.settle(feedId, listed) {
                revert AssertionFailed("the hub's callback settles whatever can be settled");
            } catch (bytes memory reason) {
                _assertPoolShortfall(reason);
            }
            return;
        }
        _assertEq(settled, listed, "the hub's callback settles every policy");
        _assertSettledWithinTerms(book, before);
    }

    /// @notice Regression for the solvency rule on cancellation: 90 % quota share with 30 % commission, ample
    /// collateral, $1,000 capital. A ($100 premium, $300 most payout, 100 % refundable) and B ($10, $1,000) are issued;
    /// the insurer withdraws all the rule allows, leaving the pool exactly at its limit. Cancelling A refunds $100
    /// while the treaty returns only $63 and the capacity falls by $270 with the $300 released: locked exposure and
    /// premium reserve must still be within assets plus capacity (the reserve is what makes this hold).
    function test_cancellationRefundKeepsPoolSolvent() public {
        _deployCapital(_plan(9_000, 3_000, 1_000 * USD, 100_000 * USD));
        uint256 policyA = _issue(_simpleTerms(_clients[0], 300 * USD, 100 * USD), 0);
        _issue(_simpleTerms(_clients[1], 1_000 * USD, 10 * USD), 1);
        _withdrawAllCapitalAllowed();
        _assertSolvent("after the capital withdrawal");

        CHEATS.prank(_clients[0]);
        _flight.cancel(policyA);
        _assertSolvent("after cancelling a policy whose cover has not started");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Refunds: what the terms promise is paid
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice The same fuzzed ledgers as above, with premium, collateral and capital withdrawn as the rules allow;
    /// then cancellations before cover starts and, for the rest, a feed that expires without data. Every cancellation
    /// goes through and pays the holder premium × cancellationRefundBps / 10,000; the expiry settles every remaining
    /// policy as Refunded and pays back its whole premium.
    function testFuzz_refundsArePaidWhenDue(
        uint256 seed,
        uint8 policyCount,
        uint16 quotaShareBps,
        uint16 cedingCommissionBps,
        uint32 capitalChoice,
        uint32 collateralChoice
    ) public {
        Book memory book = _openBook(
            seed,
            policyCount,
            quotaShareBps,
            cedingCommissionBps,
            capitalChoice,
            collateralChoice
        );
        _moveCapital(seed);
        uint256[] memory before = _clientBalances();
        _cancelSome(book, seed, true);
        for (uint256 i = 0; i < book.count; ++i) {
            if (!book.cancelled[i]) continue;
            _assertEq(
                _stablecoin.balanceOf(_clients[i]) - before[i],
                (book.terms[i].premium * book.terms[i].cancellationRefundBps) / BPS,
                "a cancellation refunds its share of the premium"
            );
        }

        bytes32 feedId = _feedOf(FLIGHT);
        if (_hub.getFeed(feedId).state == IOracleHub.FeedState.None) return; // the pool took no policy
        before = _clientBalances();
        CHEATS.warp(PAST_RESOLUTION);
        _hub.expire(feedId);
        _checkStep("after the expiry");
        (uint256 listed, uint256 settled) = _flight.feedProgress(feedId);
        _assertEq(settled, listed, "an expired feed refunds every policy");
        for (uint256 i = 0; i < book.count; ++i) {
            if (!book.issued[i] || book.cancelled[i]) continue;
            _assertEq(
                uint256(_flight.getPolicy(book.policyIds[i]).status),
                uint256(IParametricProduct.PolicyStatus.Refunded),
                "a policy without data is refunded"
            );
            _assertEq(
                _stablecoin.balanceOf(_clients[i]) - before[i],
                book.terms[i].premium,
                "a refund returns the whole premium"
            );
        }
        _assertEq(_pool.totalLocked(), 0, "every policy's collateral is released");
    }

    /// @notice Regression for refunds under a 100 % quota share with 20 % commission: the collateral covers all the
    /// locked exposure, yet the insurer cannot withdraw the premium reserve. A client then cancels before cover
    /// starts; the treaty returns $80 of its $100 premium and the pool pays the rest: the cancellation goes through
    /// and refunds the client's premium as its terms say.
    function test_cancellationIsRefundedAfterCapitalWithdrawal() public {
        _deployCapital(_plan(10_000, 2_000, 1_000 * USD, 100_000 * USD));
        uint256 policyId = _issue(_simpleTerms(_clients[0], 500 * USD, 100 * USD), 0);
        _withdrawAllCapitalAllowed();
        // Even with the treaty covering every locked dollar, the premium reserve stays in the pool.
        _assertAtMost(_pool.premiumReserve(), _pool.assets(), "the insurer cannot withdraw the premium reserve");

        uint256 before = _stablecoin.balanceOf(_clients[0]);
        CHEATS.prank(_clients[0]);
        try _flight.cancel(policyId) {
            _assertEq(_stablecoin.balanceOf(_clients[0]) - before, 100 * USD, "the whole premium is refunded");
        } catch (bytes memory reason) {
            revert CallReverted("a cancellation before cover starts", reason);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Invariant 3: a payout never exceeds the sum insured
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Terms with fuzzed tiers and payouts, where one payout may be pushed above the sum insured: such terms
    /// are refused with `ParametricProductInvalidTerms` naming the field. Otherwise the policy locks the largest
    /// payout its terms can make, which is within the sum insured; `payoutFor` stays within it for every status at the
    /// fuzzed delay and at every tier boundary, matching the tier table; and the settled payout is that amount.
    function testFuzz_payoutNeverExceedsSumInsured(
        uint256 seed,
        uint8 statusChoice,
        int16 delay,
        uint8 spread,
        uint8 excessChoice
    ) public {
        IFlightDelayProduct.FlightDelayTerms memory terms = _flightTerms(_clients[0], FLIGHT, seed);
        string memory refusedField = _pushPayoutAboveSumInsured(terms, excessChoice, seed);
        bytes32 documentHash = _policyDocument(terms, 0);
        if (bytes(refusedField).length > 0) {
            CHEATS.expectRevert(
                abi.encodeWithSelector(IParametricProduct.ParametricProductInvalidTerms.selector, refusedField)
            );
            CHEATS.prank(_insurer);
            _flight.issue(terms, documentHash);
            return;
        }
        CHEATS.prank(_insurer);
        uint256 policyId = _flight.issue(terms, documentHash);

        uint256 maxPayout = _flight.getPolicy(policyId).maxPayout;
        _assertEq(maxPayout, _largestPayout(terms), "the policy locks its largest possible payout");
        _assertAtMost(maxPayout, terms.sumInsured, "the locked maximum is within the sum insured");
        for (uint256 s = 1; s <= OBSERVATION_STATUS_COUNT; ++s) {
            IOracleHub.ObservationStatus status = IOracleHub.ObservationStatus(s);
            _checkPayoutFor(policyId, terms, status, delay, maxPayout);
            for (uint256 t = 0; t < terms.delayTierMinutes.length; ++t) {
                int256 boundary = int256(uint256(terms.delayTierMinutes[t]));
                _checkPayoutFor(policyId, terms, status, boundary - 1, maxPayout);
                _checkPayoutFor(policyId, terms, status, boundary, maxPayout);
            }
        }

        Outcome memory outcome = _outcome(statusChoice, delay, spread);
        uint256 before = _stablecoin.balanceOf(_clients[0]);
        CHEATS.warp(REPORT_TIME);
        _report(0, _feedOf(FLIGHT), outcome.status, outcome.first);
        _report(1, _feedOf(FLIGHT), outcome.status, outcome.second);
        _report(2, _feedOf(FLIGHT), outcome.status, _agreedValue(outcome));
        uint256 received = _stablecoin.balanceOf(_clients[0]) - before;
        _assertEq(received, _expectedPayout(terms, outcome.status, _agreedValue(outcome)), "the settled payout");
        _assertAtMost(received, maxPayout, "the settled payout is within the locked maximum");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Invariant 5: cessions follow the treaty formula
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice A fresh treaty with fuzzed quota share, commission, attachment, limit, aggregate limit and collateral
    /// (zeros and shortfalls included); 1-6 policies over 1-3 flights, each flight finalised in turn with its own
    /// fuzzed outcome and settled in batches of a fuzzed size. The test replays the formula — quota share =
    /// gross × bps / 10,000 rounded down; excess of loss = the layer (above the attachment, up to the limit) on the
    /// event's cumulative retention after quota share, capped by what is left of the aggregate — and checks the
    /// treaty's premium balance, each event's totals, the aggregate recovered, the collateral that moved (all owed, or
    /// what collateral there was), the shortfall left owed and the pool's assets after each event.
    function testFuzz_cededAmountsFollowTreatyFormula(
        uint256 seed,
        uint16 quotaShareBps,
        uint16 cedingCommissionBps,
        uint8 policyCount,
        uint8 flightCount
    ) public {
        CessionModel memory model = _deployFuzzedTreaty(seed, quotaShareBps, cedingCommissionBps);
        uint256 count = 1 + (policyCount % MAX_POLICIES);
        uint256 flights = 1 + (flightCount % 3);
        if (flights > count) flights = count;
        uint256 batchSize = 1 + _draw(seed, "batch", count);
        _govern(address(_flight), abi.encodeCall(IParametricProduct.setSettlementBatchSize, (batchSize)));
        Book memory book = _writeBook(seed, count, flights);
        _assertPremiumCeded(book, model);

        CHEATS.warp(REPORT_TIME);
        for (uint256 f = 0; f < flights; ++f) {
            _settleFlightAndCompare(book, model, f, flights, uint256(keccak256(abi.encode(seed, "flight", f))));
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Invariant 6: fewer oracles than the quorum decide nothing
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice With quorum 3, or 4 set under dual control, quorum − 1 colluding oracles send up to 12 reports with
    /// fuzzed statuses and values, correct themselves, replay their own signed reports (rejected with
    /// `OracleHubReplayedReport`) and sign in an honest oracle's name (rejected with `OracleHubInvalidSignature`). The
    /// feed stays Open, the policy Issued and the client unpaid throughout, even when all colluders finally agree. One
    /// honest report agreeing with them then finalises the feed, which shows their reports were valid and counted.
    function testFuzz_colludingOraclesCannotFinalise(
        uint256 seed,
        bool quorumOfFour,
        uint8 reportCount,
        uint8 statusChoice,
        int16 value
    ) public {
        Collusion memory collusion;
        collusion.quorum = quorumOfFour ? 4 : QUORUM;
        if (collusion.quorum != QUORUM) _setQuorum(collusion.quorum);
        collusion.colluders = collusion.quorum - 1;
        collusion.policyId = _issue(_flightTerms(_clients[0], FLIGHT, seed), 0);
        collusion.feedId = _feedOf(FLIGHT);
        collusion.clientBalance = _stablecoin.balanceOf(_clients[0]);
        collusion.favoured = _status(statusChoice);
        collusion.value = value;
        collusion.sent = new IOracleHub.Observation[](collusion.colluders);
        collusion.signatures = new bytes[](collusion.colluders);

        uint256 rounds = 1 + (reportCount % 12);
        for (uint256 r = 0; r < rounds; ++r) {
            _colluderRound(collusion, uint256(keccak256(abi.encode(seed, "round", r))));
            _assertUndecided(collusion);
        }

        // Every colluder now reports the same outcome, freshly: still short of the quorum.
        CHEATS.warp(block.timestamp + 1);
        for (uint256 c = 0; c < collusion.colluders; ++c) {
            _report(c, collusion.feedId, collusion.favoured, collusion.value);
        }
        _assertUndecided(collusion);

        _report(collusion.colluders, collusion.feedId, collusion.favoured, collusion.value);
        _assertFeedState(
            collusion.feedId,
            IOracleHub.FeedState.Finalised,
            "one honest agreeing report completes the quorum"
        );
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Scenario steps
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev Issues `count` policies with fuzzed terms, policy `i` to client `i` on flight `i % flights`.
    function _writeBook(uint256 seed, uint256 count, uint256 flights) private returns (Book memory book) {
        book = _newBook(count);
        for (uint256 i = 0; i < count; ++i) {
            book.terms[i] = _flightTerms(
                _clients[i],
                _flightNumber(i % flights),
                uint256(keccak256(abi.encode(seed, i)))
            );
            book.policyIds[i] = _issue(book.terms[i], i);
            book.issued[i] = true;
        }
    }

    /// @dev Issues policy `i` if the solvency rule allows it; a refusal must be `RiskPoolInsolvent` and take nothing.
    function _tryIssue(Book memory book, uint256 i) private {
        bytes32 documentHash = _policyDocument(book.terms[i], i);
        uint256 clientBalance = _stablecoin.balanceOf(_clients[i]);
        CHEATS.prank(_insurer);
        try _flight.issue(book.terms[i], documentHash) returns (uint256 policyId) {
            book.policyIds[i] = policyId;
            book.issued[i] = true;
        } catch (bytes memory reason) {
            _assertSelector(reason, IRiskPool.RiskPoolInsolvent.selector, "only insolvency refuses a policy");
            _assertEq(_stablecoin.balanceOf(_clients[i]), clientBalance, "a refused policy takes no premium");
        }
    }

    /// @dev Settles the feed by oracle quorum (path 0), manual resolution under dual control (1) or expiry (2), with
    /// an outcome drawn from `seed`.
    function _reachOutcome(bytes32 feedId, uint256 path, uint256 seed) private {
        Outcome memory outcome = _outcome(uint8(seed >> 8), int16(uint16(seed >> 16)), uint8(seed >> 32));
        if (path == 0) {
            CHEATS.warp(REPORT_TIME);
            _report(0, feedId, outcome.status, outcome.first);
            _checkStep("after one report");
            _report(1, feedId, outcome.status, outcome.second);
            _report(2, feedId, outcome.status, _agreedValue(outcome));
        } else if (path == 1) {
            CHEATS.warp(PAST_DATA_DEADLINE);
            _govern(address(_hub), abi.encodeCall(IOracleHub.resolve, (feedId, outcome.status, outcome.first)));
        } else {
            CHEATS.warp(PAST_RESOLUTION);
            _hub.expire(feedId);
        }
    }

    /// @dev Every written policy is settled; a refund returns the whole premium, a payout stays within the policy's
    /// locked maximum, itself within the sum insured; all collateral is released.
    function _assertSettledWithinTerms(Book memory book, uint256[] memory before) private view {
        for (uint256 i = 0; i < book.count; ++i) {
            if (!book.issued[i]) continue;
            IParametricProduct.Policy memory policy = _flight.getPolicy(book.policyIds[i]);
            _assertTrue(policy.status != IParametricProduct.PolicyStatus.Issued, "no policy is left unsettled");
            if (policy.status == IParametricProduct.PolicyStatus.Cancelled) continue;
            uint256 received = _stablecoin.balanceOf(_clients[i]) - before[i];
            if (policy.status == IParametricProduct.PolicyStatus.Refunded) {
                _assertEq(received, policy.premium, "an expired feed refunds the whole premium");
            } else {
                _assertAtMost(received, policy.maxPayout, "a payout stays within the locked maximum");
                _assertAtMost(
                    policy.maxPayout,
                    book.terms[i].sumInsured,
                    "the locked maximum is within the sum insured"
                );
            }
        }
        _assertEq(_pool.totalLocked(), 0, "every policy's collateral is released");
    }

    /// @dev Once a feed is fully settled: a further `settle` settles nothing (or reverts with
    /// `ParametricProductNothingToSettle`), a replayed hub callback does nothing, and a third oracle's report is
    /// rejected; no client balance and not the pool's assets move.
    function _attemptSecondPayment(bytes32 feedId, uint256 count, Outcome memory outcome) private {
        uint256[] memory paid = _clientBalances();
        uint256 poolAssets = _pool.assets();
        try _flight.settle(feedId, count) returns (uint256 again) {
            _assertEq(again, 0, "a settled feed settles nothing more");
        } catch (bytes memory reason) {
            _assertEq(
                uint256(keccak256(reason)),
                uint256(
                    keccak256(
                        abi.encodeWithSelector(IParametricProduct.ParametricProductNothingToSettle.selector, feedId)
                    )
                ),
                "a further settle may only revert for having nothing left to settle"
            );
        }
        _assertUnchanged(paid, poolAssets, "after a further settle");

        CHEATS.prank(address(_hub));
        _flight.onFeedOutcome(feedId);
        _assertUnchanged(paid, poolAssets, "after a replayed hub callback");

        IOracleHub.Observation memory late = _observation(2, feedId, outcome.status, outcome.first);
        bytes memory signature = _signObservation(_oracleKey(2), late);
        CHEATS.expectRevert(
            abi.encodeWithSelector(IOracleHub.OracleHubFeedNotOpen.selector, feedId, IOracleHub.FeedState.Finalised)
        );
        _hub.submitReport(late, signature);
        _assertUnchanged(paid, poolAssets, "after a third report");
        _assertFundsConserved("after settlement");
    }

    /// @dev Deploys a capital stack on fuzzed treaty terms, capital and collateral and offers 1-6 policies with fuzzed
    /// terms on one flight, each issued if the solvency rule allows it.
    function _openBook(
        uint256 seed,
        uint8 policyCount,
        uint16 quotaShareBps,
        uint16 cedingCommissionBps,
        uint32 capitalChoice,
        uint32 collateralChoice
    ) private returns (Book memory book) {
        _deployCapital(
            CapitalPlan({
                quotaShareBps: uint16(quotaShareBps % (BPS + 1)),
                cedingCommissionBps: uint16(cedingCommissionBps % (BPS + 1)),
                attachment: _edgeBiased(seed, "attachment", 3_000 * USD),
                limit: _edgeBiased(seed, "limit", 6_000 * USD),
                aggregateLimit: _edgeBiased(seed, "aggregate", 10_000 * USD),
                capital: _scarce(capitalChoice, 20_000) * USD,
                collateral: _scarce(collateralChoice, 20_000) * USD
            })
        );
        _checkStep("after deployment");
        book = _newBook(1 + (policyCount % MAX_POLICIES));
        for (uint256 i = 0; i < book.count; ++i) {
            book.terms[i] = _flightTerms(_clients[i], FLIGHT, uint256(keccak256(abi.encode(seed, i))));
            _tryIssue(book, i);
            _checkStep("after an issue");
        }
    }

    /// @dev Cancels about half of the issued policies before cover starts, by their holders. Unless
    /// `mustRefund`, a cancellation may revert only because the pool cannot fund the refund.
    function _cancelSome(Book memory book, uint256 seed, bool mustRefund) private {
        for (uint256 i = 0; i < book.count; ++i) {
            if (!book.issued[i]) continue;
            uint256 choice = _draw(seed, abi.encode("cancel", i), 4);
            if (choice >= 2) continue;
            // Cover starts within the insurer's notice, so the holders cancel (on their terms).
            CHEATS.prank(_clients[i]);
            try _flight.cancel(book.policyIds[i]) {
                book.cancelled[i] = true;
            } catch (bytes memory reason) {
                if (mustRefund) revert CallReverted("a cancellation before cover starts", reason);
                _assertPoolShortfall(reason);
            }
            _checkStep("after a cancellation");
        }
    }

    /// @dev The reinsurer withdraws part of its premium, then collateral, and the insurer capital: half of the time
    /// as much as the rules allow, otherwise a random amount that the contracts may refuse (for the rule's reason).
    function _moveCapital(uint256 seed) private {
        uint256 premium = _draw(seed, "premium withdrawal", _treaty.premiumBalance() + 1);
        CHEATS.prank(_reinsurer);
        _treaty.withdrawPremium(premium);
        _checkStep("after a premium withdrawal");

        // Asking for all the collateral is refused with what may be withdrawn, which is then taken.
        uint256 collateral = _treaty.collateral();
        if (_draw(seed, "collateral all", 2) == 1) collateral = _draw(seed, "collateral withdrawal", collateral + 1);
        CHEATS.prank(_reinsurer);
        try _treaty.withdrawCollateral(collateral) {
            _checkStep("after a collateral withdrawal");
        } catch (bytes memory reason) {
            _assertSelector(
                reason,
                IReinsuranceTreaty.ReinsuranceTreatyCollateralLocked.selector,
                "collateral refusal"
            );
            (, uint256 withdrawable) = abi.decode(_arguments(reason), (uint256, uint256));
            CHEATS.prank(_reinsurer);
            _treaty.withdrawCollateral(withdrawable);
            _checkStep("after withdrawing the withdrawable collateral");
        }

        uint256 locked = _pool.totalLocked();
        uint256 held = _pool.assets();
        uint256 capacity = _pool.reinsuranceCapacity();
        uint256 capital =
            _draw(seed, "capital all", 2) == 0
                ? (held + capacity > locked ? (held + capacity - locked < held ? held + capacity - locked : held) : 0)
                : _draw(seed, "capital withdrawal", held + 1);
        CHEATS.prank(_insurer);
        try _pool.withdrawCapital(capital) {
            _checkStep("after a capital withdrawal");
        } catch (bytes memory reason) {
            if (capital == 0) {
                _assertSelector(reason, IRiskPool.RiskPoolInvalidAmount.selector, "a zero withdrawal is refused");
            } else {
                _assertSelector(reason, IRiskPool.RiskPoolInsolvent.selector, "only the solvency rule refuses capital");
            }
        }
    }

    /// @dev Accepts only the pool running out of stablecoin for a refund: the token's own insufficient-balance error.
    function _assertPoolShortfall(bytes memory reason) private view {
        _assertSelector(
            reason,
            IERC20Errors.ERC20InsufficientBalance.selector,
            "only a pool shortfall blocks a refund"
        );
        address sender;
        assembly ("memory-safe") {
            sender := mload(add(reason, 36))
        }
        _assertEq(uint160(sender), uint160(address(_pool)), "the shortfall is the pool's");
    }

    /// @dev Deploys a capital stack on fuzzed treaty terms and collateral, with ample capital; returns the model of it.
    function _deployFuzzedTreaty(
        uint256 seed,
        uint16 quotaShareBps,
        uint16 cedingCommissionBps
    ) private returns (CessionModel memory model) {
        model.quotaShareBps = quotaShareBps % (BPS + 1);
        model.commissionBps = cedingCommissionBps % (BPS + 1);
        // Layers of the size of a few payouts, so that attachment, limit and aggregate all come into play.
        model.attachment = _edgeBiased(seed, "attachment", 2_000 * USD);
        model.limit = _edgeBiased(seed, "limit", 3_000 * USD);
        model.aggregateLimit = _edgeBiased(
            seed,
            "aggregate",
            (_draw(seed, "aggregate scale", 2) == 0 ? 1 : 3) * model.limit
        );
        model.capital = 1_000_000 * USD;
        model.collateral = _edgeBiased(seed, "collateral", 10_000 * USD);
        _deployCapital(
            CapitalPlan({
                quotaShareBps: uint16(model.quotaShareBps),
                cedingCommissionBps: uint16(model.commissionBps),
                attachment: model.attachment,
                limit: model.limit,
                aggregateLimit: model.aggregateLimit,
                capital: model.capital,
                collateral: model.collateral
            })
        );
    }

    /// @dev Each premium cedes its quota share less the commission on it, both rounded down.
    function _assertPremiumCeded(Book memory book, CessionModel memory model) private view {
        uint256 premiums = 0;
        uint256 netCeded = 0;
        for (uint256 i = 0; i < book.count; ++i) {
            uint256 ceded = (book.terms[i].premium * model.quotaShareBps) / BPS;
            netCeded += ceded - (ceded * model.commissionBps) / BPS;
            premiums += book.terms[i].premium;
        }
        _assertEq(_treaty.premiumBalance(), netCeded, "ceded premium less commission");
        _assertEq(_pool.assets(), model.capital + premiums - netCeded, "pool keeps the retained premium");
        _assertEq(
            _stablecoin.balanceOf(address(_treaty)),
            model.collateral + netCeded,
            "treaty holds collateral and premium"
        );
    }

    /// @dev Finalises flight `f`, settles it, and compares the treaty's records with the formula replayed here.
    function _settleFlightAndCompare(
        Book memory book,
        CessionModel memory model,
        uint256 f,
        uint256 flights,
        uint256 entropy
    ) private {
        bytes32 feedId = _feedOf(_flightNumber(f));
        Outcome memory outcome = _outcome(uint8(entropy), int16(uint16(entropy >> 8)), uint8(entropy >> 24));
        int256 value = _agreedValue(outcome);
        model.retained = 0;
        model.eventRecovered = 0;
        model.owed = 0;
        model.gross = 0;
        for (uint256 i = f; i < book.count; i += flights) {
            _cede(model, _expectedPayout(book.terms[i], outcome.status, value));
        }
        uint256 collateralBefore = _treaty.collateral();
        uint256 premiumBefore = _treaty.premiumBalance();
        uint256 poolBefore = _pool.assets();

        _report(0, feedId, outcome.status, outcome.first);
        _report(1, feedId, outcome.status, outcome.second);
        _report(2, feedId, outcome.status, value);
        (uint256 listed, uint256 settled) = _flight.feedProgress(feedId);
        for (uint256 round = 0; settled < listed && round < listed; ++round) {
            _flight.settle(feedId, listed);
            (, settled) = _flight.feedProgress(feedId);
        }
        _assertEq(settled, listed, "the flight's policies are all settled");

        {
            (uint256 retained, uint256 recovered) = _treaty.eventTotals(feedId);
            _assertEq(retained, model.retained, "event retention after quota share");
            _assertEq(recovered, model.eventRecovered, "event excess of loss recovered");
            _assertAtMost(recovered, model.limit, "event excess of loss within the limit");
        }
        _assertEq(_treaty.aggregateExcessOfLossRecovered(), model.aggregate, "aggregate excess of loss recovered");
        _assertAtMost(model.aggregate, model.aggregateLimit, "aggregate within its limit");
        uint256 paid = _assertRecovery(model, collateralBefore, premiumBefore);
        model.shortfall += model.owed - paid;
        _assertEq(_treaty.outstandingShortfall(), model.shortfall, "what neither could pay stays owed");
        _assertEq(_pool.assets() + model.gross, poolBefore + paid, "pool pays gross and receives the recovery");
        _assertFundsConserved("after an event");
    }

    /// @dev What the treaty paid on an event: collateral first, then the premium held for the reinsurer.
    function _assertRecovery(
        CessionModel memory model,
        uint256 collateralBefore,
        uint256 premiumBefore
    ) private view returns (uint256 paid) {
        uint256 fromCollateral = model.owed < collateralBefore ? model.owed : collateralBefore;
        uint256 rest = model.owed - fromCollateral;
        uint256 fromPremium = rest < premiumBefore ? rest : premiumBefore;
        _assertEq(collateralBefore - _treaty.collateral(), fromCollateral, "collateral moved to the pool");
        _assertEq(premiumBefore - _treaty.premiumBalance(), fromPremium, "premium held offsets the rest");
        return fromCollateral + fromPremium;
    }

    /// @dev One loss through the treaty formula, written from the treaty's description rather than its code.
    function _cede(CessionModel memory model, uint256 gross) private pure {
        if (gross == 0) return;
        uint256 quotaShare = (gross * model.quotaShareBps) / BPS;
        uint256 retainedAfter = model.retained + gross - quotaShare;
        uint256 excess = _layer(model, retainedAfter) - _layer(model, model.retained);
        uint256 aggregateLeft = model.aggregate >= model.aggregateLimit ? 0 : model.aggregateLimit - model.aggregate;
        if (excess > aggregateLeft) excess = aggregateLeft;
        model.retained = retainedAfter;
        model.eventRecovered += excess;
        model.aggregate += excess;
        model.owed += quotaShare + excess;
        model.gross += gross;
    }

    /// @dev What the excess of loss layer pays on an event retention of `retained`.
    function _layer(CessionModel memory model, uint256 retained) private pure returns (uint256) {
        if (retained <= model.attachment) return 0;
        uint256 excess = retained - model.attachment;
        return excess < model.limit ? excess : model.limit;
    }

    /// @dev Sets the hub's quorum under dual control, keeping the other settings.
    function _setQuorum(uint8 quorum) private {
        IOracleHub.Settings memory settings = IOracleHub.Settings({
            quorum: quorum,
            freshnessWindow: FRESHNESS_WINDOW,
            disputeWindow: 0,
            resolutionPeriod: RESOLUTION_PERIOD
        });
        _govern(address(_hub), abi.encodeCall(IOracleHub.setSettings, (settings)));
    }

    /// @dev A pause, then one colluder's move drawn from `entropy`: a (corrected) report, mostly of the favoured status
    /// and near the favoured value; a report signed in an honest oracle's name; or a replay of its last report.
    function _colluderRound(Collusion memory collusion, uint256 entropy) private {
        CHEATS.warp(block.timestamp + 1 + _draw(entropy, "pause", 20 minutes));
        uint256 colluder = _draw(entropy, "colluder", collusion.colluders);
        IOracleHub.ObservationStatus status =
            _draw(entropy, "agree", 2) == 0 ? collusion.favoured : _status(uint8(entropy >> 8));
        int256 jitter = int256(_draw(entropy, "jitter", 2 * DELAY_TOLERANCE_MINUTES + 1)) - 5;
        uint256 move = _draw(entropy, "move", 4);
        IOracleHub.Observation memory last = collusion.sent[colluder];

        if (move == 1) {
            // The honest oracles are those above the colluders' indices.
            uint256 victim = collusion.colluders + _draw(entropy, "victim", ORACLE_COUNT - collusion.colluders);
            _impersonate(colluder, victim, collusion.feedId, status, collusion.value + jitter);
        } else if (move == 2 && last.oracle != address(0)) {
            CHEATS.expectRevert(
                abi.encodeWithSelector(
                    IOracleHub.OracleHubReplayedReport.selector,
                    collusion.feedId,
                    last.oracle,
                    last.observedAt
                )
            );
            _hub.submitReport(last, collusion.signatures[colluder]);
        } else {
            last = _observation(colluder, collusion.feedId, status, collusion.value + jitter);
            collusion.sent[colluder] = last;
            collusion.signatures[colluder] = _signObservation(_oracleKey(colluder), last);
            _hub.submitReport(last, collusion.signatures[colluder]);
        }
    }

    /// @dev Oracle `colluder` signs an observation claiming to come from oracle `victim`; the hub must refuse it.
    function _impersonate(
        uint256 colluder,
        uint256 victim,
        bytes32 feedId,
        IOracleHub.ObservationStatus status,
        int256 value
    ) private {
        IOracleHub.Observation memory forged = _observation(victim, feedId, status, value);
        bytes memory signature = _signObservation(_oracleKey(colluder), forged);
        CHEATS.expectRevert(abi.encodeWithSelector(IOracleHub.OracleHubInvalidSignature.selector, _oracles[victim]));
        _hub.submitReport(forged, signature);
    }

    /// @dev Pushes one payout above the sum insured for `excessChoice` below 6 (a tier if it exists, the cancellation
    /// or the diversion payout); returns the field the product must name, or "" when the terms stay valid.
    function _pushPayoutAboveSumInsured(
        IFlightDelayProduct.FlightDelayTerms memory terms,
        uint8 excessChoice,
        uint256 seed
    ) private pure returns (string memory field) {
        uint256 choice = excessChoice % 8;
        uint256 excessive = terms.sumInsured + 1 + _draw(seed, "excess", 1_000 * USD);
        if (choice < terms.delayTierPayouts.length) {
            terms.delayTierPayouts[choice] = excessive;
            return "delayTierPayouts";
        }
        if (choice == 4) {
            terms.cancellationPayout = excessive;
            return "cancellationPayout";
        }
        if (choice == 5) {
            terms.diversionPayout = excessive;
            return "diversionPayout";
        }
        return "";
    }

    function _checkPayoutFor(
        uint256 policyId,
        IFlightDelayProduct.FlightDelayTerms memory terms,
        IOracleHub.ObservationStatus status,
        int256 delay,
        uint256 maxPayout
    ) private view {
        uint256 payout = _flight.payoutFor(policyId, status, delay);
        _assertEq(payout, _expectedPayout(terms, status, delay), "payoutFor follows the tier table");
        _assertAtMost(payout, maxPayout, "payoutFor stays within the locked maximum");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Checks
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev Conservation after every step; the solvency rule too when the test is about it.
    function _checkStep(string memory step) private view {
        _assertFundsConserved(step);
        if (_checkingSolvency) _assertSolvent(step);
    }

    /// @dev Each client has received its policy's payout if the policy is settled, and nothing otherwise.
    function _assertPaidOnce(
        Book memory book,
        uint256[] memory before,
        Outcome memory outcome,
        string memory step
    ) private view {
        int256 value = _agreedValue(outcome);
        for (uint256 i = 0; i < book.count; ++i) {
            IParametricProduct.PolicyStatus status = _flight.getPolicy(book.policyIds[i]).status;
            uint256 received = _stablecoin.balanceOf(_clients[i]) - before[i];
            if (status == IParametricProduct.PolicyStatus.Issued) {
                _assertEq(received, 0, string.concat("an unsettled policy has paid nothing, ", step));
                continue;
            }
            uint256 payout = _expectedPayout(book.terms[i], outcome.status, value);
            _assertEq(received, payout, string.concat("a settled policy has paid its payout once, ", step));
            _assertEq(
                uint256(status),
                uint256(payout > 0 ? IParametricProduct.PolicyStatus.Paid : IParametricProduct.PolicyStatus.Expired),
                string.concat("a settled policy's status, ", step)
            );
        }
        _assertFundsConserved(step);
    }

    function _assertUnchanged(uint256[] memory balances, uint256 poolAssets, string memory step) private view {
        for (uint256 i = 0; i < MAX_POLICIES; ++i) {
            _assertEq(_stablecoin.balanceOf(_clients[i]), balances[i], string.concat("client balance, ", step));
        }
        _assertEq(_pool.assets(), poolAssets, string.concat("pool assets, ", step));
    }

    function _assertUndecided(Collusion memory collusion) private view {
        _assertFeedState(
            collusion.feedId,
            IOracleHub.FeedState.Open,
            "fewer oracles than the quorum leave the feed open"
        );
        (bool settleable, , ) = _hub.settledOutcome(collusion.feedId);
        _assertTrue(!settleable, "fewer oracles than the quorum give no settleable outcome");
        _assertEq(
            uint256(_flight.getPolicy(collusion.policyId).status),
            uint256(IParametricProduct.PolicyStatus.Issued),
            "the policy stays issued"
        );
        _assertEq(_stablecoin.balanceOf(_clients[0]), collusion.clientBalance, "the client is not paid");
    }

    /// @dev The ABI-encoded arguments of a custom error: its revert data after the selector.
    function _arguments(bytes memory reason) private pure returns (bytes memory arguments) {
        arguments = new bytes(reason.length - 4);
        for (uint256 i = 0; i < arguments.length; ++i) arguments[i] = reason[i + 4];
    }

    /// @dev The revert data starts with `selector`, i.e. the call failed for the expected reason.
    function _assertSelector(bytes memory reason, bytes4 selector, string memory what) private pure {
        _assertEq(uint32(bytes4(reason)), uint32(selector), what);
    }

    function _assertFeedState(bytes32 feedId, IOracleHub.FeedState expected, string memory what) private view {
        _assertEq(uint256(_hub.getFeed(feedId).state), uint256(expected), what);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Models and inputs
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev What `terms` pay for an outcome, from the terms alone: the highest tier whose minutes the delay reached.
    function _expectedPayout(
        IFlightDelayProduct.FlightDelayTerms memory terms,
        IOracleHub.ObservationStatus status,
        int256 delay
    ) private pure returns (uint256 payout) {
        if (status == IOracleHub.ObservationStatus.Cancelled) return terms.cancellationPayout;
        if (status == IOracleHub.ObservationStatus.Diverted) return terms.diversionPayout;
        if (status != IOracleHub.ObservationStatus.Landed || delay <= 0) return 0;
        for (uint256 t = 0; t < terms.delayTierMinutes.length; ++t) {
            if (uint256(delay) >= terms.delayTierMinutes[t]) payout = terms.delayTierPayouts[t];
        }
    }

    function _largestPayout(IFlightDelayProduct.FlightDelayTerms memory terms) private pure returns (uint256 largest) {
        largest = terms.cancellationPayout > terms.diversionPayout ? terms.cancellationPayout : terms.diversionPayout;
        for (uint256 t = 0; t < terms.delayTierPayouts.length; ++t) {
            if (terms.delayTierPayouts[t] > largest) largest = terms.delayTierPayouts[t];
        }
    }

    /// @dev The value the hub settles on: the lower of the two agreeing delays, which a third oracle then reports (so it
    /// is the median of the three); none for cancellation or diversion.
    function _agreedValue(Outcome memory outcome) private pure returns (int256) {
        if (
            outcome.status != IOracleHub.ObservationStatus.Landed &&
            outcome.status != IOracleHub.ObservationStatus.Observed
        ) return 0;
        return outcome.first < outcome.second ? outcome.first : outcome.second;
    }

    /// @dev Two reports of the same status, with delays (early arrivals included) within the tolerance of each other.
    function _outcome(uint8 statusChoice, int16 delay, uint8 spread) private pure returns (Outcome memory outcome) {
        outcome.status = _status(statusChoice);
        outcome.first = int256(delay) % 720;
        outcome.second = outcome.first + int256(uint256(spread % (DELAY_TOLERANCE_MINUTES + 1)));
        if (spread >= 128) (outcome.first, outcome.second) = (outcome.second, outcome.first);
    }

    function _status(uint8 choice) private pure returns (IOracleHub.ObservationStatus) {
        return IOracleHub.ObservationStatus(1 + (choice % OBSERVATION_STATUS_COUNT));
    }

    /// @dev A fuzzed amount below `bound`, zero a quarter of the time and `bound` an eighth, so limits and
    /// attachments at their edges come up often.
    function _edgeBiased(uint256 seed, bytes memory label, uint256 bound) private pure returns (uint256) {
        uint256 choice = _draw(seed, abi.encode(label, "edge"), 8);
        if (choice < 2 || bound == 0) return 0;
        if (choice == 2) return bound;
        return _draw(seed, label, bound);
    }

    /// @dev A treaty with no excess of loss, and the pool's capital and collateral.
    function _plan(
        uint16 quotaShareBps,
        uint16 cedingCommissionBps,
        uint256 capital,
        uint256 collateral
    ) private pure returns (CapitalPlan memory) {
        return
            CapitalPlan({
                quotaShareBps: quotaShareBps,
                cedingCommissionBps: cedingCommissionBps,
                attachment: 0,
                limit: 0,
                aggregateLimit: 0,
                capital: capital,
                collateral: collateral
            });
    }

    /// @dev One 30-minute tier paying `maxPayout` (the sum insured), no cancellation or diversion payout, fully
    /// refundable on cancellation.
    function _simpleTerms(
        address holder,
        uint256 maxPayout,
        uint256 premium
    ) private view returns (IFlightDelayProduct.FlightDelayTerms memory terms) {
        terms = _flightTerms(holder, FLIGHT, 0);
        terms.delayTierMinutes = new uint16[](1);
        terms.delayTierMinutes[0] = 30;
        terms.delayTierPayouts = new uint256[](1);
        terms.delayTierPayouts[0] = maxPayout;
        terms.cancellationPayout = 0;
        terms.diversionPayout = 0;
        terms.sumInsured = maxPayout;
        terms.premium = premium;
        terms.cancellationRefundBps = uint16(BPS);
    }

    /// @dev The insurer withdraws the most the solvency rule allows: down to the locked exposure less capacity.
    function _withdrawAllCapitalAllowed() private {
        uint256 held = _pool.assets();
        // The solvency rule: locked exposure plus the premium reserve within assets plus reinsurance capacity.
        uint256 liabilities = _pool.totalLocked() + _pool.premiumReserve();
        uint256 capacity = _pool.reinsuranceCapacity();
        uint256 floor = liabilities > capacity ? liabilities - capacity : 0;
        if (floor >= held) return;
        CHEATS.prank(_insurer);
        _pool.withdrawCapital(held - floor);
    }

    /// @dev A fuzzed number of dollars up to `bound`: none a quarter of the time and a few dollars another quarter,
    /// so pools that lean on premiums and reinsurance come up often.
    function _scarce(uint32 choice, uint256 bound) private pure returns (uint256) {
        if (choice % 4 == 0) return 0;
        if (choice % 4 == 1) return (choice >> 2) % 100;
        return (choice >> 2) % (bound + 1);
    }

    function _flightNumber(uint256 index) private pure returns (string memory) {
        if (index == 0) return FLIGHT;
        return index == 1 ? "197" : "198";
    }

    function _newBook(uint256 count) private pure returns (Book memory book) {
        book.terms = new IFlightDelayProduct.FlightDelayTerms[](count);
        book.policyIds = new uint256[](count);
        book.issued = new bool[](count);
        book.cancelled = new bool[](count);
        book.count = count;
    }

    function _clientBalances() private view returns (uint256[] memory balances) {
        balances = new uint256[](MAX_POLICIES);
        for (uint256 i = 0; i < MAX_POLICIES; ++i) {
            balances[i] = _stablecoin.balanceOf(_clients[i]);
        }
    }
}
