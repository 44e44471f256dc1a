// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IConsortiumGoverned} from "./IConsortiumGoverned.sol";
import {IEvidenceRegistry} from "./IEvidenceRegistry.sol";
import {IFeedConsumer} from "./IFeedConsumer.sol";
import {IOracleHub} from "./IOracleHub.sol";

/// @title IParametricProduct
/// @notice What every parametric product shares: policies issued against an anchored, co-signed policy document
/// whose `termsHash` is the EIP-712 struct hash of the policy's on-chain terms; premium paid into the risk pool;
/// settlement without a claim once the oracle hub has an outcome, exactly once per policy, in bounded batches that
/// anyone may push; refunds when cover is cancelled before it starts or when no data ever comes.
interface IParametricProduct is IFeedConsumer, IConsortiumGoverned {
    /// @notice Where a policy stands. A policy is active while `Issued` and its cover has started (`isActive`).
    /// @dev `Parked`: its terms could not be evaluated on the outcome; it waits for resolution and blocks no other
    /// policy. `Voided`: its document was revoked for a reason that voids the contract, and the voiding was agreed by
    /// the holder or by dual control. `Endorsed`: replaced by the policy issued on the endorsement of its document.
    enum PolicyStatus {
        None,
        Issued,
        Paid,
        Expired,
        Cancelled,
        Refunded,
        Parked,
        Voided,
        Endorsed
    }

    /// @notice What settling a policy comes to: nothing yet (a day of its window has no final value), a payout (zero
    /// when untriggered), or the premium back (no data).
    enum Verdict {
        Pending,
        Pay,
        Refund
    }

    /// @notice A feed's outcome as a product reads it from the hub.
    /// @param payable_ Final and past any dispute window.
    /// @param expired Expired without an outcome.
    /// @param status The outcome's status.
    /// @param value The outcome's value.
    struct FeedOutcome {
        bool payable_;
        bool expired;
        IOracleHub.ObservationStatus status;
        int256 value;
    }

    /// @notice A policy as the product keeps it.
    /// @param holder The policyholder, who receives payouts and refunds.
    /// @param status Where it stands.
    /// @param coverageEnd End of cover (unix seconds).
    /// @param maxPayout Collateral locked in the pool: the most the terms can pay.
    /// @param coverageStart Start of cover (unix seconds); cancellation is possible before it.
    /// @param premium The premium paid.
    /// @param cancellationRefundBps Share of the premium refunded on cancellation before cover starts.
    /// @param feedId The feed whose outcome settles the policy.
    /// @param documentHash The anchored policy document.
    struct Policy {
        address holder;
        PolicyStatus status;
        uint40 coverageEnd;
        uint48 maxPayout;
        uint40 coverageStart;
        uint48 premium;
        uint16 cancellationRefundBps;
        bytes32 feedId;
        bytes32 documentHash;
    }

    /// @notice Emitted when a policy is issued.
    event PolicyIssued(
        uint256 indexed policyId,
        address indexed holder,
        bytes32 indexed feedId,
        bytes32 documentHash,
        bytes32 termsHash,
        uint256 premium,
        uint256 maxPayout
    );

    /// @notice Emitted when a policy is settled: `Paid` with its payout, `Expired` untriggered (payout 0), or
    /// `Refunded` because its feed expired without data.
    event PolicySettled(uint256 indexed policyId, bytes32 indexed feedId, PolicyStatus status, uint256 payout);

    /// @notice Emitted when a policy whose terms could not be evaluated on a final outcome is set aside, so that the
    /// feed's other policies are settled; `reason` is the evaluation's revert data (empty when it ran out of gas).
    event PolicyParked(uint256 indexed policyId, bytes32 indexed feedId, bytes reason);

    /// @notice Emitted when ADMINs settle a parked policy by hand: `Paid` with its payout, or `Refunded`.
    event ParkedPolicyResolved(uint256 indexed policyId, PolicyStatus status, uint256 payout);

    /// @notice Emitted when a policy is cancelled before its cover started.
    event PolicyCancelled(uint256 indexed policyId, address indexed cancelledBy, uint256 refund);

    /// @notice Emitted when a policy is voided because its document was revoked for `reason`; `voidedBy` is the
    /// holder, the relayer of its consent, or the consortium (dual control).
    event PolicyVoided(
        uint256 indexed policyId,
        IEvidenceRegistry.RevocationReason reason,
        address indexed voidedBy,
        uint256 refund
    );

    /// @notice Emitted when `policyId` is replaced by `newPolicyId`, issued on the endorsement `newDocumentHash` of
    /// its document; the holder paid the premium increase or was refunded the decrease.
    event PolicyEndorsed(
        uint256 indexed policyId,
        uint256 indexed newPolicyId,
        bytes32 newDocumentHash,
        uint256 previousPremium,
        uint256 newPremium
    );

    /// @notice Emitted when the settlement batch size changes.
    event SettlementBatchSizeSet(uint256 batchSize);

    /// @notice Emitted when the notice the pool's insurer must give to cancel a policy on its own changes.
    event InsurerCancellationNoticeSet(uint256 notice);
    /// @notice Emitted when the settlement gas budget changes.
    event SettlementGasBudgetSet(uint256 gasBudget);

    /// @notice Thrown when the policy document is not anchored, not the current version, or not a policy.
    error ParametricProductDocumentNotValid(bytes32 documentHash);

    /// @notice Thrown when the document's termsHash is not the struct hash of the terms given.
    error ParametricProductTermsMismatch(bytes32 documentHash, bytes32 anchoredTermsHash, bytes32 termsHash);

    /// @notice Thrown when the insurer or the client has not co-signed the document.
    error ParametricProductNotCoSigned(bytes32 documentHash, address signer);

    /// @notice Thrown when the policyholder co-signed the document over its hash only, not with a message carrying
    /// the terms themselves (`IEvidenceRegistry.cosignTerms`), so its wallet never displayed what it agreed to.
    error ParametricProductTermsNotSignedByHolder(bytes32 documentHash, address holder);

    /// @notice Thrown when a document has already been used to issue a policy.
    error ParametricProductDocumentAlreadyUsed(bytes32 documentHash, uint256 policyId);

    /// @notice Thrown when issuing on a document whose version chain (first version `chainRoot`) already carries a
    /// live policy: an endorsement amends that policy through `endorse`.
    error ParametricProductChainHasLivePolicy(bytes32 chainRoot, uint256 policyId);

    /// @notice Thrown when endorsing a policy with a document that is not a later version of the policy's document.
    error ParametricProductNotAnEndorsement(uint256 policyId, bytes32 documentHash);

    /// @notice Thrown when an endorsement's terms name another policyholder.
    error ParametricProductHolderChanged(uint256 policyId, address holder);

    /// @notice Thrown when endorsing a policy at or after `deadline` (its `insurerCancellationDeadline`).
    error ParametricProductEndorsementClosed(uint256 policyId, uint256 deadline);

    /// @notice Thrown when terms break a rule; `field` names it.
    error ParametricProductInvalidTerms(string field);

    /// @notice Thrown when the policyholder is not an active CLIENT.
    error ParametricProductInvalidHolder(address holder);

    /// @notice Thrown for a policy id this product did not issue.
    error ParametricProductUnknownPolicy(uint256 policyId);

    /// @notice Thrown when cancelling a policy that is not issued or whose cover has started.
    error ParametricProductNotCancellable(uint256 policyId);

    /// @notice Thrown when the pool's insurer cancels a policy at or after its deadline (see
    /// `insurerCancellationDeadline`).
    error ParametricProductInsurerCancellationClosed(uint256 policyId, uint256 deadline);

    /// @notice Thrown when a cancellation notice is longer than `MAX_INSURER_CANCELLATION_NOTICE`.
    error ParametricProductInvalidNotice(uint256 notice);

    /// @notice Thrown when voiding or endorsing a policy that is no longer live (settled, cancelled, voided or
    /// endorsed).
    error ParametricProductPolicyNotLive(uint256 policyId, PolicyStatus status);

    /// @notice Thrown when voiding a policy whose document is not revoked for a reason this route voids (`reason` is
    /// the document's revocation reason, `Unspecified` when it is not revoked).
    error ParametricProductNotVoidable(uint256 policyId, IEvidenceRegistry.RevocationReason reason);

    /// @notice Thrown when the holder's voiding comes at or after the policy's cover start (`closedAt`).
    error ParametricProductVoidingClosed(uint256 policyId, uint256 closedAt);

    /// @notice Thrown when someone other than the holder (while active) voids a policy with the holder's consent.
    error ParametricProductNotPolicyHolder(uint256 policyId, address caller);

    /// @notice Thrown when a relayed consent is submitted after its deadline.
    error ParametricProductConsentExpired(uint256 deadline, uint256 timestamp);

    /// @notice Thrown when a relayed consent is not the active holder's signature of `voidConsentDigest`.
    error ParametricProductInvalidConsent(uint256 policyId, address holder);

    /// @notice Thrown when someone other than the pool's insurer (while an active INSURER) issues a policy.
    error ParametricProductNotPoolInsurer(address caller);

    /// @notice Thrown when someone other than the holder or the pool's insurer (each while active) cancels.
    error ParametricProductNotPolicyParty(uint256 policyId, address caller);

    /// @notice Thrown when settling a feed that has no payable outcome yet and has not expired.
    error ParametricProductOutcomeNotFinal(bytes32 feedId);

    /// @notice Thrown when a settle call carries too little gas to settle even one policy.
    error ParametricProductOutOfGas(bytes32 feedId);

    /// @notice Thrown when settling a feed whose outcome is final but which has no policy left to settle (or when
    /// asked to settle none).
    error ParametricProductNothingToSettle(bytes32 feedId);

    /// @notice Thrown when the oracle hub callback comes from anyone else.
    error ParametricProductOnlyOracleHub(address caller);

    /// @notice Thrown when resolving a policy that is not parked.
    error ParametricProductNotParked(uint256 policyId, PolicyStatus status);

    /// @notice Thrown when a parked policy is resolved with more than its locked maximum payout.
    error ParametricProductPayoutAboveMaximum(uint256 policyId, uint256 payout, uint256 maxPayout);

    /// @notice Thrown when the gas budget is outside [`MIN_SETTLEMENT_GAS_BUDGET`, `MAX_SETTLEMENT_GAS_BUDGET`].
    error ParametricProductInvalidGasBudget(uint256 gasBudget);

    /// @notice Thrown when the batch size is zero.
    error ParametricProductInvalidBatchSize(uint256 batchSize);

    /// @notice Settles up to `maxPolicies` (and at most the batch size) of the feed's policies not yet settled, as
    /// many as fit in the settlement gas budget; the rest is left for the next call. Reverts when the transaction
    /// carries too little gas for what the budget allows (so gas estimation sizes it). Anyone.
    /// @return settled Policies settled by this call.
    function settle(bytes32 feedId, uint256 maxPolicies) external returns (uint256 settled);

    /// @notice Cancels a policy. The holder, while active, before its cover starts, refunded as the terms say
    /// (`cancellationRefundBps`); or the pool's insurer, while active, before `insurerCancellationDeadline`, refunding
    /// the whole premium. Either way the policy's collateral is released.
    function cancel(uint256 policyId) external;

    /// @notice Voids a policy whose document its insurer revoked as `IssuedInError` or `Rescinded`: the holder, while
    /// active, agrees by calling, before cover starts. The whole premium is refunded and the collateral released.
    function voidPolicy(uint256 policyId) external;

    /// @notice Voids a policy as `voidPolicy` does, with the holder's EIP-712 consent (`VoidConsent`, see
    /// `voidConsentDigest`; an EOA or an EIP-1271 wallet) relayed by anyone until `deadline`.
    function voidPolicyWithConsent(uint256 policyId, uint256 deadline, bytes calldata signature) external;

    /// @notice Voids a policy whose document its insurer revoked for `Fraud` (no refund: the premium stays with the
    /// pool) or `RegulatoryOrder` (the whole premium refunded), until the policy is settled; its collateral is
    /// released. Only through dual control.
    function voidPolicyUnderDualControl(uint256 policyId) external;

    /// @notice The EIP-712 digest the holder signs to consent to voiding `policyId`:
    /// `VoidConsent(uint256 policyId,bytes32 documentHash,uint8 reason,uint256 deadline)` with the policy's document
    /// and its revocation reason, in the domain "PolicyLedger Parametric Product", version "1".
    function voidConsentDigest(uint256 policyId, uint256 deadline) external view returns (bytes32);
    /// @notice Settles a parked policy by hand: pays `payout` (at most its locked maximum), or with zero returns the
    /// whole premium, since its terms could not be performed. Only through dual control.
    function resolveParked(uint256 policyId, uint256 payout) external;

    /// @notice What settling a policy comes to on `outcome` (the outcome of a feed it is listed under). The product
    /// calls itself through this, with a gas cap, so that a policy whose evaluation fails is parked and never stops
    /// settlement.
    function evaluate(uint256 policyId, FeedOutcome calldata outcome) external view returns (Verdict, uint256 payout);

    /// @notice Changes the most policies one settlement transaction handles. Only through dual control.
    function setSettlementBatchSize(uint256 batchSize) external;

    /// @notice Changes how long before a policy's cover starts the pool's insurer can no longer cancel it on its
    /// own. Only through dual control.
    function setInsurerCancellationNotice(uint256 notice) external;

    /// @notice How long before a policy's cover starts the pool's insurer can no longer cancel it on its own.
    function insurerCancellationNotice() external view returns (uint256);

    /// @notice The first block time at which the pool's insurer can no longer cancel `policyId` on its own.
    function insurerCancellationDeadline(uint256 policyId) external view returns (uint256);
    /// @notice Changes the gas one settlement call (the hub's notification or `settle`) may spend on policies. Only
    /// through dual control.
    function setSettlementGasBudget(uint256 gasBudget) external;

    /// @notice The gas one settlement call may spend on policies.
    function settlementGasBudget() external view returns (uint256);

    /// @notice A policy.
    function getPolicy(uint256 policyId) external view returns (Policy memory);

    /// @notice Whether a policy's cover is running now.
    function isActive(uint256 policyId) external view returns (bool);

    /// @notice The policy issued against a document (zero if none).
    function policyOfDocument(bytes32 documentHash) external view returns (uint256);

    /// @notice The last policy issued on the version chain `documentHash` belongs to (zero if none): the chain's live
    /// policy, if it has one.
    function policyOfVersionChain(bytes32 documentHash) external view returns (uint256);

    /// @notice Policies a feed settles, and how many of them are done.
    function feedProgress(bytes32 feedId) external view returns (uint256 policies, uint256 settled);

    /// @notice The policy ids a feed settles, from `offset`, at most `limit`.
    function feedPolicies(bytes32 feedId, uint256 offset, uint256 limit) external view returns (uint256[] memory);

    /// @notice The most policies one settlement transaction handles.
    function settlementBatchSize() external view returns (uint256);
}
