// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {ConsortiumGoverned} from "../access/ConsortiumGoverned.sol";
import {IConsortiumAccess} from "../interfaces/IConsortiumAccess.sol";
import {IEvidenceRegistry} from "../interfaces/IEvidenceRegistry.sol";
import {IFeedConsumer} from "../interfaces/IFeedConsumer.sol";
import {IOracleHub} from "../interfaces/IOracleHub.sol";
import {IParametricProduct} from "../interfaces/IParametricProduct.sol";
import {IRiskPool} from "../interfaces/IRiskPool.sol";
import {Roles} from "../libraries/Roles.sol";

/// @title ParametricProduct
/// @notice Issuance checks, policy storage, cancellation, voiding and batched settlement shared by the parametric
/// products.
/// A product decides what a policy pays for an outcome (`_evaluate`).
abstract contract ParametricProduct is IParametricProduct, ConsortiumGoverned, EIP712, ReentrancyGuard {
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

    /// @notice How long before cover starts the pool's insurer can no longer cancel a policy on its own, until dual
    /// control sets another notice.
    uint256 public constant DEFAULT_INSURER_CANCELLATION_NOTICE = 48 hours;

    /// @notice The longest cancellation notice dual control may set.
    uint256 public constant MAX_INSURER_CANCELLATION_NOTICE = 90 days;

    /// @notice EIP-712 type of a holder's consent to void its policy.
    bytes32 public constant VOID_CONSENT_TYPEHASH = keccak256(
        "VoidConsent(uint256 policyId,bytes32 documentHash,uint8 reason,uint256 deadline)"
    );

    IOracleHub internal immutable _hub;
    IEvidenceRegistry internal immutable _registry;
    IRiskPool internal immutable _pool;

    /// @notice Settlement gas budget of a new product, until changed under dual control, and its bounds: what one
    /// call may spend on policies, leaving room under the 16,777,216 per-transaction cap (EIP-7825) for the hub's
    /// report, one evaluation beyond the budget and the pool's batch.
    uint256 public constant DEFAULT_SETTLEMENT_GAS_BUDGET = 14_000_000;
    uint256 public constant MIN_SETTLEMENT_GAS_BUDGET = 500_000;
    uint256 public constant MAX_SETTLEMENT_GAS_BUDGET = 14_000_000;

    uint256 private _settlementBatchSize;
    uint256 private _insurerCancellationNotice;
    uint256 private _settlementGasBudget;
    mapping(uint256 policyId => Policy) internal _policies;
    mapping(bytes32 documentHash => uint256 policyId) private _policyOfDocument;
    mapping(bytes32 chainRoot => bytes32 documentHash) private _lastPolicyDocumentOfChain;
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
    ) ConsortiumGoverned(consortium_) EIP712("PolicyLedger Parametric Product", "1") {
        _hub = hub;
        _registry = registry;
        _pool = pool;
        _setSettlementBatchSize(settlementBatchSize_);
        _setInsurerCancellationNotice(DEFAULT_INSURER_CANCELLATION_NOTICE);
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
        if (policy.status != PolicyStatus.Issued) revert ParametricProductNotCancellable(policyId);
        uint256 refund;
        if (isHolder) {
            // The client's own choice: what its terms promise, until its cover starts.
            if (block.timestamp >= policy.coverageStart) revert ParametricProductNotCancellable(policyId);
            refund = (uint256(policy.premium) * policy.cancellationRefundBps) / BPS;
        } else {
            // The insurer's alone: the whole premium back, and only with notice, so that it cannot drop a cover once
            // the insured event looks likely (an airline announcing a cancellation before the oracles report it).
            uint256 deadline = _insurerCancellationDeadline(policyId);
            if (block.timestamp >= deadline) revert ParametricProductInsurerCancellationClosed(policyId, deadline);
            refund = policy.premium;
        }
        policy.status = PolicyStatus.Cancelled;
        emit PolicyCancelled(policyId, msg.sender, refund);
        _releaseWithRefund(policyId, policy, refund);
    }

    /// @inheritdoc IParametricProduct
    function voidPolicy(uint256 policyId) external nonReentrant {
        Policy storage policy = _requirePolicy(policyId);
        if (msg.sender != policy.holder || !_isActiveParty(msg.sender)) {
            revert ParametricProductNotPolicyHolder(policyId, msg.sender);
        }
        _voidWithHolder(policyId, policy);
    }

    /// @inheritdoc IParametricProduct
    function voidPolicyWithConsent(uint256 policyId, uint256 deadline, bytes calldata signature) external nonReentrant {
        Policy storage policy = _requirePolicy(policyId);
        if (block.timestamp > deadline) revert ParametricProductConsentExpired(deadline, block.timestamp);
        if (
            !_isActiveParty(policy.holder) ||
            !SignatureChecker.isValidSignatureNow(
                policy.holder,
                _voidConsentDigest(policyId, policy, deadline),
                signature
            )
        ) revert ParametricProductInvalidConsent(policyId, policy.holder);
        _voidWithHolder(policyId, policy);
    }

    /// @inheritdoc IParametricProduct
    function voidPolicyUnderDualControl(uint256 policyId) external onlyDualControl nonReentrant {
        Policy storage policy = _requirePolicy(policyId);
        IEvidenceRegistry.RevocationReason reason = _revocationReason(policy.documentHash);
        if (
            reason != IEvidenceRegistry.RevocationReason.Fraud &&
            reason != IEvidenceRegistry.RevocationReason.RegulatoryOrder
        ) {
            revert ParametricProductNotVoidable(policyId, reason);
        }
        _requireLive(policyId, policy);
        // Fraud forfeits the premium to the pool (and the treaty keeps its share); an order of the regulator does not.
        _void(policyId, policy, reason, reason == IEvidenceRegistry.RevocationReason.Fraud ? 0 : policy.premium);
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
    function setInsurerCancellationNotice(uint256 notice) external onlyDualControl {
        _setInsurerCancellationNotice(notice);
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
    function policyOfVersionChain(bytes32 documentHash) external view returns (uint256) {
        if (!_registry.isAnchored(documentHash)) return 0;
        return _policyOfDocument[_lastPolicyDocumentOfChain[_registry.chainRoot(documentHash)]];
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
    function voidConsentDigest(uint256 policyId, uint256 deadline) external view returns (bytes32) {
        return _voidConsentDigest(policyId, _requirePolicy(policyId), deadline);
    }

    /// @inheritdoc IParametricProduct
    function insurerCancellationNotice() external view returns (uint256) {
        return _insurerCancellationNotice;
    }

    /// @inheritdoc IParametricProduct
    function insurerCancellationDeadline(uint256 policyId) external view returns (uint256) {
        _requirePolicy(policyId);
        return _insurerCancellationDeadline(policyId);
    }

    /// @inheritdoc IParametricProduct
    function settlementGasBudget() external view returns (uint256) {
        return _settlementGasBudget;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // For products
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev Checks the document behind a new policy: anchored, current, a policy, carrying `termsHash`, co-signed by
    /// the issuing insurer and by the client over the terms themselves, not used before, and on a version chain with
    /// no live policy; then claims the chain for the policy about to be recorded on it.
    function _checkPolicyDocument(bytes32 documentHash, bytes32 termsHash, address holder) internal {
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
        // The client must have seen the terms in its wallet; the insurer, which wrote them, may sign the hash.
        if (!_registry.signedTerms(documentHash, holder)) {
            revert ParametricProductTermsNotSignedByHolder(documentHash, holder);
        }
        uint256 existing = _policyOfDocument[documentHash];
        if (existing != 0) revert ParametricProductDocumentAlreadyUsed(documentHash, existing);
        if (!_hasActiveRole(Roles.CLIENT, holder)) revert ParametricProductInvalidHolder(holder);
        // One live policy per version chain: an endorsement amends the policy through `endorse`.
        bytes32 chainRoot = _registry.chainRoot(documentHash);
        uint256 last = _policyOfDocument[_lastPolicyDocumentOfChain[chainRoot]];
        if (last != 0 && _isLive(_policies[last].status)) revert ParametricProductChainHasLivePolicy(chainRoot, last);
        _lastPolicyDocumentOfChain[chainRoot] = documentHash;
    }

    /// @dev Ends a live policy for its endorsement `newDocumentHash` (a later version of its document, for the same
    /// holder) before the insurer's cancellation deadline: the policy becomes `Endorsed` and its premium goes back to
    /// the holder (the treaty returning its share) with its collateral released, so that the policy issued next on
    /// the endorsement takes the new premium and the holder's balance moves by the difference only.
    function _endForEndorsement(
        uint256 policyId,
        address holder,
        bytes32 newDocumentHash
    ) internal nonReentrant onlyPoolInsurer {
        Policy storage policy = _requirePolicy(policyId);
        _requireLive(policyId, policy);
        uint256 deadline = _insurerCancellationDeadline(policyId);
        if (block.timestamp >= deadline) revert ParametricProductEndorsementClosed(policyId, deadline);
        if (
            !_registry.isAnchored(newDocumentHash) ||
            newDocumentHash == policy.documentHash ||
            _registry.chainRoot(newDocumentHash) != _registry.chainRoot(policy.documentHash)
        ) revert ParametricProductNotAnEndorsement(policyId, newDocumentHash);
        if (holder != policy.holder) revert ParametricProductHolderChanged(policyId, holder);
        policy.status = PolicyStatus.Endorsed;
        _releaseWithRefund(policyId, policy, policy.premium);
    }

    /// @dev Records that `newPolicyId` replaced the endorsed `policyId`.
    function _recordEndorsement(uint256 policyId, uint256 newPolicyId) internal {
        Policy storage replacement = _policies[newPolicyId];
        emit PolicyEndorsed(
            policyId,
            newPolicyId,
            replacement.documentHash,
            _policies[policyId].premium,
            replacement.premium
        );
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

    /// @dev The first block time at which the pool's insurer can no longer cancel a policy on its own: its cover start
    /// less the notice. A product may count back from another moment of the insured event (a scheduled departure).
    function _insurerCancellationDeadline(uint256 policyId) internal view virtual returns (uint256) {
        uint256 coverageStart = _policies[policyId].coverageStart;
        uint256 notice = _insurerCancellationNotice;
        return coverageStart > notice ? coverageStart - notice : 0;
    }

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
        // What the call may be given under EIP-150, with a margin for the call's own cost (none when that is all).
        uint256 margin = allowance / 64 + EVALUATION_CALL_OVERHEAD;
        allowance = allowance > margin ? allowance - margin : 0;
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

    /// @dev Voids a live policy, before its cover starts, whose document was revoked for a reason the holder agrees
    /// to (`IssuedInError`, `Rescinded`): the whole premium back. After cover starts the parties may know the outcome
    /// before the oracles do, and a mutual voiding would hand back the treaty's premium on a risk already run.
    function _voidWithHolder(uint256 policyId, Policy storage policy) private {
        IEvidenceRegistry.RevocationReason reason = _revocationReason(policy.documentHash);
        if (
            reason != IEvidenceRegistry.RevocationReason.IssuedInError &&
            reason != IEvidenceRegistry.RevocationReason.Rescinded
        ) {
            revert ParametricProductNotVoidable(policyId, reason);
        }
        _requireLive(policyId, policy);
        if (block.timestamp >= policy.coverageStart)
            revert ParametricProductVoidingClosed(policyId, policy.coverageStart);
        _void(policyId, policy, reason, policy.premium);
    }

    function _void(
        uint256 policyId,
        Policy storage policy,
        IEvidenceRegistry.RevocationReason reason,
        uint256 refund
    ) private {
        policy.status = PolicyStatus.Voided;
        emit PolicyVoided(policyId, reason, msg.sender, refund);
        _releaseWithRefund(policyId, policy, refund);
    }

    /// @dev Whether a policy may still pay or be refunded: issued, or parked until it can be evaluated.
    function _isLive(PolicyStatus status) private pure returns (bool) {
        return status == PolicyStatus.Issued || status == PolicyStatus.Parked;
    }

    function _requireLive(uint256 policyId, Policy storage policy) private view {
        if (policy.status != PolicyStatus.Issued) revert ParametricProductPolicyNotLive(policyId, policy.status);
    }

    /// @dev Why a document was revoked; `Unspecified` while it is not.
    function _revocationReason(bytes32 documentHash) private view returns (IEvidenceRegistry.RevocationReason) {
        IEvidenceRegistry.Anchor memory record = _registry.getAnchor(documentHash);
        return
            record.status == IEvidenceRegistry.DocumentStatus.Revoked
                ? record.revocationReason
                : IEvidenceRegistry.RevocationReason.Unspecified;
    }

    function _voidConsentDigest(
        uint256 policyId,
        Policy storage policy,
        uint256 deadline
    ) private view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(
                        VOID_CONSENT_TYPEHASH,
                        policyId,
                        policy.documentHash,
                        _revocationReason(policy.documentHash),
                        deadline
                    )
                )
            );
    }

    /// @dev Has the pool refund `refund` of the policy's premium to its holder and release its collateral and reserve.
    function _releaseWithRefund(uint256 policyId, Policy storage policy, uint256 refund) private {
        _pool.refund(policyId, policy.holder, _accumulationKeyOf(policyId), refund, policy.maxPayout, policy.premium);
    }

    function _setInsurerCancellationNotice(uint256 notice) private {
        if (notice > MAX_INSURER_CANCELLATION_NOTICE) revert ParametricProductInvalidNotice(notice);
        _insurerCancellationNotice = notice;
        emit InsurerCancellationNoticeSet(notice);
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
