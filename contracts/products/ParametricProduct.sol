// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {ConsortiumGoverned} from "../access/ConsortiumGoverned.sol";
import {IConsortiumAccess} from "../interfaces/IConsortiumAccess.sol";
import {IEvidenceRegistry} from "../interfaces/IEvidenceRegistry.sol";
import {IFeedConsumer} from "../interfaces/IFeedConsumer.sol";
import {IOracleHub} from "../interfaces/IOracleHub.sol";
import {IParametricProduct} from "../interfaces/IParametricProduct.sol";
import {IRiskPool} from "../interfaces/IRiskPool.sol";
import {Roles} from "../libraries/Roles.sol";

/// @title ParametricProduct
/// @notice Issuance checks, policy storage, cancellation and batched settlement shared by the parametric products.
/// A product decides what a policy pays for an outcome (`_evaluate`).
abstract contract ParametricProduct is IParametricProduct, ConsortiumGoverned, ReentrancyGuard {
    /// @notice Basis points in one whole.
    uint256 internal constant BPS = 10_000;

    /// @notice The largest amount a policy field holds (uint48: over 281 million units of a 6-decimal coin... times
    /// a million; far above any single policy).
    uint256 internal constant MAX_AMOUNT = type(uint48).max;

    /// @notice Gas the pool and treaty need per policy in a batch (a payout to a new balance and its cession record).
    uint256 internal constant POOL_GAS_PER_POLICY = 45_000;

    /// @notice Gas kept back for the cost of the evaluation self-call itself.
    uint256 internal constant EVALUATION_CALL_OVERHEAD = 10_000;

    /// @notice Gas kept for the pool and treaty calls and the bookkeeping after the loop.
    uint256 internal constant SETTLEMENT_GAS_RESERVE = 200_000;

    IOracleHub internal immutable _hub;
    IEvidenceRegistry internal immutable _registry;
    IRiskPool internal immutable _pool;

    /// @notice Settlement gas budget of a new product, until changed under dual control, and its bounds: what one
    /// call may spend on policies, leaving room under the 16,777,216 per-transaction cap (EIP-7825) for the hub's
    /// report, one evaluation beyond the budget and the pool's batch.
    uint256 public constant DEFAULT_SETTLEMENT_GAS_BUDGET = 12_000_000;
    uint256 public constant MIN_SETTLEMENT_GAS_BUDGET = 500_000;
    uint256 public constant MAX_SETTLEMENT_GAS_BUDGET = 14_000_000;

    uint256 private _settlementBatchSize;
    uint256 private _settlementGasBudget;
    mapping(uint256 policyId => Policy) internal _policies;
    mapping(bytes32 documentHash => uint256 policyId) private _policyOfDocument;
    mapping(bytes32 feedId => uint256[] policyIds) private _feedPolicies;
    mapping(bytes32 feedId => uint256 settled) private _feedCursors;

    /// @dev Reverts unless the caller is the insurer whose pool the product writes into, still an active INSURER.
    modifier onlyPoolInsurer() {
        if (msg.sender != _pool.insurer() || !_hasActiveRole(Roles.INSURER, msg.sender)) {
            revert ParametricProductNotPoolInsurer(msg.sender);
        }
        _;
    }

    modifier onlyHub() {
        if (msg.sender != address(_hub)) revert ParametricProductOnlyOracleHub(msg.sender);
        _;
    }

    constructor(
        IConsortiumAccess consortium_,
        IOracleHub hub,
        IEvidenceRegistry registry,
        IRiskPool pool,
        uint256 settlementBatchSize_
    ) ConsortiumGoverned(consortium_) {
        _hub = hub;
        _registry = registry;
        _pool = pool;
        _setSettlementBatchSize(settlementBatchSize_);
        _setSettlementGasBudget(DEFAULT_SETTLEMENT_GAS_BUDGET);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Settlement and cancellation
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IFeedConsumer
    function onFeedOutcome(bytes32 feedId) external onlyHub nonReentrant {
        _settle(feedId, _settlementBatchSize, false);
    }

    /// @inheritdoc IParametricProduct
    function settle(bytes32 feedId, uint256 maxPolicies) external nonReentrant returns (uint256 settled) {
        uint256 limit = maxPolicies < _settlementBatchSize ? maxPolicies : _settlementBatchSize;
        settled = _settle(feedId, limit, true);
    }

    /// @inheritdoc IParametricProduct
    function cancel(uint256 policyId) external nonReentrant {
        Policy storage policy = _requirePolicy(policyId);
        bool isHolder = msg.sender == policy.holder && _isActiveParty(msg.sender);
        bool isInsurer = msg.sender == _pool.insurer() && _hasActiveRole(Roles.INSURER, msg.sender);
        if (!isHolder && !isInsurer) revert ParametricProductNotPolicyParty(policyId, msg.sender);
        if (policy.status != PolicyStatus.Issued || block.timestamp >= policy.coverageStart) {
            revert ParametricProductNotCancellable(policyId);
        }
        policy.status = PolicyStatus.Cancelled;
        uint256 refund = (uint256(policy.premium) * policy.cancellationRefundBps) / BPS;
        emit PolicyCancelled(policyId, msg.sender, refund);
        _pool.refund(policyId, policy.holder, _accumulationKeyOf(policyId), refund, policy.maxPayout, policy.premium);
    }

    /// @inheritdoc IParametricProduct
    function resolveParked(uint256 policyId, uint256 payout) external onlyDualControl nonReentrant {
        Policy storage policy = _requirePolicy(policyId);
        if (policy.status != PolicyStatus.Parked) revert ParametricProductNotParked(policyId, policy.status);
        if (payout > policy.maxPayout) revert ParametricProductPayoutAboveMaximum(policyId, payout, policy.maxPayout);
        bytes32 accumulationKey = _accumulationKeyOf(policyId);
        if (payout == 0) {
            policy.status = PolicyStatus.Refunded;
            emit ParkedPolicyResolved(policyId, PolicyStatus.Refunded, 0);
            _pool.refund(policyId, policy.holder, accumulationKey, policy.premium, policy.maxPayout, policy.premium);
            return;
        }
        policy.status = PolicyStatus.Paid;
        emit ParkedPolicyResolved(policyId, PolicyStatus.Paid, payout);
        IRiskPool.Settlement[] memory batch = new IRiskPool.Settlement[](1);
        batch[0] = IRiskPool.Settlement({
            policyId: policyId,
            holder: policy.holder,
            gross: payout,
            locked: policy.maxPayout,
            premium: policy.premium
        });
        _pool.settle(policy.feedId, accumulationKey, batch);
    }

    /// @inheritdoc IParametricProduct
    function evaluate(uint256 policyId, FeedOutcome calldata outcome) external view returns (Verdict, uint256) {
        return _evaluate(policyId, _policies[policyId], outcome);
    }

    /// @inheritdoc IParametricProduct
    function setSettlementBatchSize(uint256 batchSize) external onlyDualControl {
        _setSettlementBatchSize(batchSize);
    }

    /// @inheritdoc IParametricProduct
    function setSettlementGasBudget(uint256 gasBudget) external onlyDualControl {
        _setSettlementGasBudget(gasBudget);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IParametricProduct
    function getPolicy(uint256 policyId) external view returns (Policy memory) {
        return _policies[policyId];
    }

    /// @inheritdoc IParametricProduct
    function isActive(uint256 policyId) external view returns (bool) {
        Policy storage policy = _policies[policyId];
        return
            policy.status == PolicyStatus.Issued &&
            block.timestamp >= policy.coverageStart &&
            block.timestamp <= policy.coverageEnd;
    }

    /// @inheritdoc IParametricProduct
    function policyOfDocument(bytes32 documentHash) external view returns (uint256) {
        return _policyOfDocument[documentHash];
    }

    /// @inheritdoc IParametricProduct
    function feedProgress(bytes32 feedId) external view returns (uint256 policies, uint256 settled) {
        return (_feedPolicies[feedId].length, _feedCursors[feedId]);
    }

    /// @inheritdoc IParametricProduct
    function feedPolicies(bytes32 feedId, uint256 offset, uint256 limit) external view returns (uint256[] memory ids) {
        uint256[] storage all = _feedPolicies[feedId];
        uint256 end = offset + limit < all.length ? offset + limit : all.length;
        ids = new uint256[](end > offset ? end - offset : 0);
        for (uint256 i = offset; i < end; ++i) ids[i - offset] = all[i];
    }

    /// @inheritdoc IParametricProduct
    function settlementBatchSize() external view returns (uint256) {
        return _settlementBatchSize;
    }

    /// @inheritdoc IParametricProduct
    function settlementGasBudget() external view returns (uint256) {
        return _settlementGasBudget;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // For products
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev Checks the document behind a new policy: anchored, current, a policy, carrying `termsHash`, co-signed by
    /// the issuing insurer and the client, and not used before.
    function _checkPolicyDocument(bytes32 documentHash, bytes32 termsHash, address holder) internal view {
        IEvidenceRegistry.Anchor memory record = _registry.getAnchor(documentHash);
        if (
            record.status != IEvidenceRegistry.DocumentStatus.Current ||
            (record.documentType != IEvidenceRegistry.DocumentType.Policy &&
                record.documentType != IEvidenceRegistry.DocumentType.Endorsement)
        ) revert ParametricProductDocumentNotValid(documentHash);
        if (record.termsHash != termsHash) {
            revert ParametricProductTermsMismatch(documentHash, record.termsHash, termsHash);
        }
        if (_registry.signerState(documentHash, msg.sender) != IEvidenceRegistry.SignerState.Signed) {
            revert ParametricProductNotCoSigned(documentHash, msg.sender);
        }
        if (_registry.signerState(documentHash, holder) != IEvidenceRegistry.SignerState.Signed) {
            revert ParametricProductNotCoSigned(documentHash, holder);
        }
        uint256 existing = _policyOfDocument[documentHash];
        if (existing != 0) revert ParametricProductDocumentAlreadyUsed(documentHash, existing);
        if (!_hasActiveRole(Roles.CLIENT, holder)) revert ParametricProductInvalidHolder(holder);
    }

    /// @dev Opens the policy in the pool (premium in, collateral locked) and records it under `feedId`.
    function _recordPolicy(
        Policy memory policy,
        bytes32 accumulationKey,
        bytes32 termsHash
    ) internal returns (uint256 policyId) {
        policyId = _pool.openPolicy(policy.holder, policy.holder, accumulationKey, policy.premium, policy.maxPayout);
        _policies[policyId] = policy;
        _policyOfDocument[policy.documentHash] = policyId;
        _feedPolicies[policy.feedId].push(policyId);
        emit PolicyIssued(
            policyId,
            policy.holder,
            policy.feedId,
            policy.documentHash,
            termsHash,
            policy.premium,
            policy.maxPayout
        );
    }

    /// @dev Reads a feed's outcome from the hub.
    function _feedOutcome(bytes32 feedId) internal view returns (FeedOutcome memory outcome) {
        (bool payable_, IOracleHub.ObservationStatus status, int256 value) = _hub.settledOutcome(feedId);
        outcome.payable_ = payable_;
        outcome.status = status;
        outcome.value = value;
        outcome.expired = !payable_ && _hub.getFeed(feedId).state == IOracleHub.FeedState.Expired;
    }

    /// @dev What settling `policyId` comes to, given the outcome of the feed it is listed under.
    function _evaluate(
        uint256 policyId,
        Policy storage policy,
        FeedOutcome memory outcome
    ) internal view virtual returns (Verdict verdict, uint256 payout);

    /// @dev Gas one policy's evaluation may use; more parks the policy. Generous: a valid evaluation never needs it.
    function _evaluationGas() internal pure virtual returns (uint256);

    /// @dev Lists `policyId` under a further feed, whose outcome also settles it (a weather policy under each day).
    function _listPolicy(bytes32 feedId, uint256 policyId) internal {
        _feedPolicies[feedId].push(policyId);
    }

    /// @dev The accumulation key a policy's exposure counts against.
    function _accumulationKeyOf(uint256 policyId) internal view virtual returns (bytes32);

    /// @dev Checks an amount fits the policy record.
    function _toAmount(uint256 amount, string memory field) internal pure returns (uint48) {
        if (amount > MAX_AMOUNT) revert ParametricProductInvalidTerms(field);
        return uint48(amount);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev Settles up to `limit` policies of the feed from its cursor, within the settlement gas budget. Policies paid or expired untriggered go to the
    /// pool in one batch (so the treaty cedes the event's losses together); refunds go one by one. A policy still
    /// pending (a weather day without a final value) is passed over: it is listed under that day too and settles
    /// when the day resolves. A policy that cannot be evaluated is parked. With `strict`, a call that can settle
    /// nothing reverts.
    function _settle(bytes32 feedId, uint256 limit, bool strict) private returns (uint256 processed) {
        FeedOutcome memory outcome = _feedOutcome(feedId);
        uint256[] storage ids = _feedPolicies[feedId];
        uint256 cursor = _feedCursors[feedId];
        uint256 end = cursor + limit < ids.length ? cursor + limit : ids.length;
        if (!outcome.payable_ && !outcome.expired) {
            if (strict) revert ParametricProductOutcomeNotFinal(feedId);
            return 0;
        }

        IRiskPool.Settlement[] memory batch = new IRiskPool.Settlement[](end - cursor);
        uint256 batchLength = 0;
        uint256 index = cursor;
        // The gas left at which the budget is spent.
        uint256 budgetEnd = gasleft();
        budgetEnd = budgetEnd > _settlementGasBudget ? budgetEnd - _settlementGasBudget : 0;
        for (; index < end; ++index) {
            // The batch ends where the gas budget does, whatever the caller sent: the rest is for the next call.
            uint256 needed = SETTLEMENT_GAS_RESERVE + (batchLength + 1) * POOL_GAS_PER_POLICY;
            if (budgetEnd > 0 && gasleft() < budgetEnd + needed) break;
            // Within the budget but short of gas: the hub's notification pays what its gas allows; a direct call
            // reverts, so that gas estimation gives it what its budgeted batch needs.
            bool outOfGas = gasleft() < needed;
            bool batched;
            if (!outOfGas) (batched, outOfGas) = _settleOne(feedId, ids[index], outcome, batch, batchLength);
            if (outOfGas) {
                if (strict) revert ParametricProductOutOfGas(feedId);
                break;
            }
            if (batched) ++batchLength;
        }
        processed = index - cursor;
        if (processed == 0) {
            if (!strict) return 0;
            if (cursor == end) revert ParametricProductNothingToSettle(feedId);
            revert ParametricProductOutOfGas(feedId);
        }
        _feedCursors[feedId] = index;
        if (batchLength > 0) {
            // Trim the batch to the policies actually in it.
            assembly ("memory-safe") {
                mstore(batch, batchLength)
            }
            _pool.settle(feedId, _accumulationKeyOf(batch[0].policyId), batch);
        }
    }

    /// @dev Settles one policy of the feed: refunds go to the pool at once; payouts and expiries are written into
    /// `batch` at `position` for the pool to pay together (`batched`). Passes over policies already closed
    /// (cancelled before cover, settled under another feed) and policies still pending. The evaluation runs through
    /// a self-call capped at `_evaluationGas()`, so that terms that revert or exhaust it park the policy instead of
    /// stopping the feed; when the transaction had less gas left than the cap, a failure without revert data may be
    /// the caller's want of gas, so the batch ends there (`outOfGas`) and the policy waits for the next call.
    function _settleOne(
        bytes32 feedId,
        uint256 policyId,
        FeedOutcome memory outcome,
        IRiskPool.Settlement[] memory batch,
        uint256 position
    ) private returns (bool batched, bool outOfGas) {
        Policy storage policy = _policies[policyId];
        if (policy.status != PolicyStatus.Issued) return (false, false);
        (bool evaluated, bool capped, bytes memory result) = _evaluateCapped(policyId, outcome, position);
        // A revert with data is the terms' doing; a bare failure short of the cap may be the caller's want of gas.
        if (!evaluated && !capped && result.length == 0) return (false, true);
        if (!evaluated || result.length != 64) {
            _park(policy, policyId, feedId, result);
            return (false, false);
        }
        (uint256 verdict, uint256 payout) = abi.decode(result, (uint256, uint256));
        if (verdict == uint256(Verdict.Pending)) return (false, false);
        if (verdict > uint256(Verdict.Refund) || payout > policy.maxPayout) {
            _park(policy, policyId, feedId, result);
            return (false, false);
        }
        if (verdict == uint256(Verdict.Refund)) {
            _refundPremium(feedId, policyId, policy);
            return (false, false);
        }
        PolicyStatus status = payout > 0 ? PolicyStatus.Paid : PolicyStatus.Expired;
        policy.status = status;
        emit PolicySettled(policyId, feedId, status, payout);
        batch[position] = IRiskPool.Settlement({
            policyId: policyId,
            holder: policy.holder,
            gross: payout,
            locked: policy.maxPayout,
            premium: policy.premium
        });
        return (true, false);
    }

    /// @dev Calls `evaluate` with at most `_evaluationGas()`, keeping back what the rest of the batch (`position`
    /// policies before this one) needs; `capped` when the call was given the whole cap.
    function _evaluateCapped(
        uint256 policyId,
        FeedOutcome memory outcome,
        uint256 position
    ) private view returns (bool evaluated, bool capped, bytes memory result) {
        uint256 reserve = SETTLEMENT_GAS_RESERVE + (position + 1) * POOL_GAS_PER_POLICY;
        uint256 available = gasleft();
        uint256 allowance = available > reserve ? available - reserve : 0;
        // What the call may be given under EIP-150, with a margin for the call's own cost.
        allowance -= allowance / 64 + (allowance > EVALUATION_CALL_OVERHEAD ? EVALUATION_CALL_OVERHEAD : allowance);
        uint256 cap = _evaluationGas();
        capped = allowance >= cap;
        (evaluated, result) = address(this).staticcall{gas: capped ? cap : allowance}(
            abi.encodeCall(this.evaluate, (policyId, outcome))
        );
    }

    /// @dev Settles a policy without data: the whole premium goes back and its collateral is released.
    function _refundPremium(bytes32 feedId, uint256 policyId, Policy storage policy) private {
        policy.status = PolicyStatus.Refunded;
        emit PolicySettled(policyId, feedId, PolicyStatus.Refunded, 0);
        _pool.refund(
            policyId,
            policy.holder,
            _accumulationKeyOf(policyId),
            policy.premium,
            policy.maxPayout,
            policy.premium
        );
    }

    /// @dev Sets a policy aside: its collateral stays locked until ADMINs resolve it (`resolveParked`).
    function _park(Policy storage policy, uint256 policyId, bytes32 feedId, bytes memory reason) private {
        policy.status = PolicyStatus.Parked;
        emit PolicyParked(policyId, feedId, reason);
    }

    function _requirePolicy(uint256 policyId) private view returns (Policy storage policy) {
        policy = _policies[policyId];
        if (policy.status == PolicyStatus.None) revert ParametricProductUnknownPolicy(policyId);
    }

    function _setSettlementGasBudget(uint256 gasBudget) private {
        if (gasBudget < MIN_SETTLEMENT_GAS_BUDGET || gasBudget > MAX_SETTLEMENT_GAS_BUDGET) {
            revert ParametricProductInvalidGasBudget(gasBudget);
        }
        _settlementGasBudget = gasBudget;
        emit SettlementGasBudgetSet(gasBudget);
    }

    function _setSettlementBatchSize(uint256 batchSize) private {
        if (batchSize == 0) revert ParametricProductInvalidBatchSize(batchSize);
        _settlementBatchSize = batchSize;
        emit SettlementBatchSizeSet(batchSize);
    }
}
