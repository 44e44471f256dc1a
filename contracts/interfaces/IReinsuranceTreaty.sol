// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IConsortiumGoverned} from "./IConsortiumGoverned.sol";

/// @title IReinsuranceTreaty
/// @notice A treaty between an insurer (its risk pool) and a reinsurer, co-signed by both through the evidence
/// registry: quota share with a ceding commission, and per-event excess of loss on the insurer's retention after
/// the quota share (attachment, limit, aggregate limit). The reinsurer posts collateral here; on every payout the
/// ceded amounts are computed and moved to the pool automatically, with a cession record per policy.
///
/// What the reinsurer owes the pool is offset against what the treaty holds for it: a loss draws on collateral, then
/// on the premium held for the reinsurer; a premium return draws on that premium, then on collateral. Whatever is
/// left is recorded as an outstanding shortfall, paid first from the next collateral posted and from premium ceded
/// afterwards; while a shortfall is outstanding neither premium nor collateral leaves the treaty.
/// @dev Amounts are in the stablecoin's smallest unit. Percentages are basis points (10,000 = 100 %). Rounding
/// always favours the insurer's retention: ceded amounts round down.
interface IReinsuranceTreaty is IConsortiumGoverned {
    /// @notice The executable terms of a treaty; their EIP-712 struct hash is the `termsHash` of the anchored,
    /// co-signed treaty document.
    /// @param insurer The ceding insurer.
    /// @param reinsurer The reinsurer.
    /// @param pool The risk pool whose policies are ceded.
    /// @param quotaShareBps Share of every premium and loss ceded.
    /// @param cedingCommissionBps Commission the reinsurer pays back on ceded premium.
    /// @param excessOfLossAttachment Retained loss per event (after quota share) above which the excess of loss pays.
    /// @param excessOfLossLimit Most the excess of loss pays per event.
    /// @param excessOfLossAggregateLimit Most the excess of loss pays over the treaty's life.
    struct TreatyTerms {
        address insurer;
        address reinsurer;
        address pool;
        uint16 quotaShareBps;
        uint16 cedingCommissionBps;
        uint256 excessOfLossAttachment;
        uint256 excessOfLossLimit;
        uint256 excessOfLossAggregateLimit;
    }

    /// @notice A gross loss of one policy, to be ceded.
    struct Loss {
        uint256 policyId;
        uint256 gross;
    }

    /// @notice Emitted once the co-signed treaty document is verified and the treaty takes effect.
    event TreatyActivated(bytes32 indexed documentHash, bytes32 termsHash);

    /// @notice Emitted when the reinsurer posts collateral.
    event CollateralPosted(address indexed reinsurer, uint256 amount);

    /// @notice Emitted when the reinsurer withdraws collateral the pool no longer needs.
    event CollateralWithdrawn(address indexed reinsurer, uint256 amount);

    /// @notice Emitted when the reinsurer withdraws its ceded premium.
    event PremiumWithdrawn(address indexed reinsurer, uint256 amount);

    /// @notice The cession record of one payout.
    event LossCeded(
        uint256 indexed policyId,
        bytes32 indexed feedId,
        uint256 gross,
        uint256 cededQuotaShare,
        uint256 cededExcessOfLoss,
        uint256 net
    );

    /// @notice The cession record of one premium: `cededPremium` less `cedingCommission` moved to the reinsurer.
    event PremiumCeded(uint256 indexed policyId, uint256 premium, uint256 cededPremium, uint256 cedingCommission);

    /// @notice Emitted when the ceded share of a refunded premium goes back to the pool.
    event PremiumReturned(uint256 indexed policyId, uint256 refund, uint256 returned);

    /// @notice Emitted when collateral and the premium held fell short of what the treaty owed on an event:
    /// `owed - paid` is added to the outstanding shortfall, which the reinsurer's next collateral pays first.
    event CollateralShortfall(bytes32 indexed feedId, uint256 owed, uint256 paid);

    /// @notice Emitted when collateral posted, or premium ceded, pays (part of) the outstanding shortfall to the pool.
    event ShortfallPaid(uint256 amount, uint256 outstanding);

    /// @notice Emitted when premium held for the reinsurer pays part of a loss the collateral could not;
    /// `premiumBalance` is what is left of it.
    event PremiumOffset(uint256 amount, uint256 premiumBalance);

    /// @notice Emitted when premium held and collateral fell short of the ceded share of a refunded premium:
    /// `owed - paid` is added to the outstanding shortfall.
    event PremiumReturnShortfall(uint256 indexed policyId, uint256 owed, uint256 paid);

    /// @notice Thrown when terms are out of range (shares above 100 %, zero addresses).
    error ReinsuranceTreatyInvalidTerms();

    /// @notice Thrown when the treaty document is not anchored as a Treaty with these terms, current, and signed by
    /// both insurer and reinsurer.
    error ReinsuranceTreatyDocumentNotValid(bytes32 documentHash);

    /// @notice Thrown when an action needs an active treaty.
    error ReinsuranceTreatyNotActive();

    /// @notice Thrown when someone other than the treaty's insurer or reinsurer (while active in that role) activates.
    error ReinsuranceTreatyNotParty(address caller);

    /// @notice Thrown when the treaty is already active.
    error ReinsuranceTreatyAlreadyActive();

    /// @notice Thrown when someone other than the treaty's pool cedes.
    error ReinsuranceTreatyOnlyPool(address caller);

    /// @notice Thrown when someone other than the treaty's reinsurer manages collateral or premium.
    error ReinsuranceTreatyOnlyReinsurer(address caller);

    /// @notice Thrown when a withdrawal would leave less collateral than the pool's solvency needs.
    error ReinsuranceTreatyCollateralLocked(uint256 requested, uint256 withdrawable);

    /// @notice Thrown when the reinsurer withdraws premium or collateral while it owes the pool `outstanding`.
    error ReinsuranceTreatyShortfallOutstanding(uint256 outstanding);

    /// @notice Thrown when the reinsurer withdraws more ceded premium than it has received.
    error ReinsuranceTreatyInsufficientPremium(uint256 requested, uint256 available);

    /// @notice Activates the treaty against its anchored document, which must carry `termsHash()` and be co-signed by
    /// insurer and reinsurer. Insurer or reinsurer.
    function activate(bytes32 documentHash) external;

    /// @notice Posts collateral; it pays any outstanding shortfall to the pool first. Reinsurer only.
    function postCollateral(uint256 amount) external;

    /// @notice Withdraws collateral the treaty does not need: it keeps the quota share of the pool's locked exposure
    /// plus one full excess-of-loss event (within the aggregate left), and at least what the pool's solvency leans
    /// on. Nothing while a shortfall is outstanding. Reinsurer only.
    function withdrawCollateral(uint256 amount) external;

    /// @notice Withdraws the ceded premium received so far. Nothing while a shortfall is outstanding. Reinsurer only.
    function withdrawPremium(uint256 amount) external;

    /// @notice Cedes a policy's premium: pulls the ceded premium less commission from the pool, less what of it pays
    /// an outstanding shortfall (the pool keeps that). Pool only.
    function cedePremium(uint256 policyId, uint256 premium) external;

    /// @notice Returns the ceded share (less commission) of a refunded premium to the pool: from the premium held,
    /// then from collateral; the rest is recorded as a shortfall. Pool only.
    function returnPremium(uint256 policyId, uint256 refund) external;

    /// @notice Cedes the losses of one event (feed): records a cession per policy and moves the total recovery to
    /// the pool, from collateral, then from the premium held; the rest is recorded as a shortfall. Pool only.
    /// @return recovered What was moved to the pool.
    function cedeLosses(bytes32 feedId, Loss[] calldata losses) external returns (uint256 recovered);

    /// @notice The treaty's terms.
    function terms() external view returns (TreatyTerms memory);

    /// @notice EIP-712 struct hash of the terms.
    function termsHash() external view returns (bytes32);

    /// @notice Whether the treaty is in force.
    function isActive() external view returns (bool);

    /// @notice Collateral posted and not yet used for recoveries.
    function collateral() external view returns (uint256);

    /// @notice What the treaty owed the pool and could not pay from collateral or premium held.
    function outstandingShortfall() external view returns (uint256);

    /// @notice Ceded premium waiting to be withdrawn by the reinsurer.
    function premiumBalance() external view returns (uint256);

    /// @notice Most the treaty would recover on `locked` exposure for solvency purposes: the quota share of it,
    /// capped by collateral. Excess of loss is not counted, as it depends on how losses cluster into events.
    function solvencyCapacity(uint256 locked) external view returns (uint256);

    /// @notice Retained loss (after quota share) and excess-of-loss recovery so far for one event.
    function eventTotals(bytes32 feedId) external view returns (uint256 retainedLoss, uint256 excessOfLossRecovered);

    /// @notice Excess of loss recovered over the treaty's life.
    function aggregateExcessOfLossRecovered() external view returns (uint256);

    /// @notice The cession of a gross loss on an event that has retained `retainedBefore` so far: the treaty formula.
    function computeCession(
        uint256 gross,
        uint256 retainedBefore,
        uint256 aggregateRecoveredBefore
    ) external view returns (uint256 cededQuotaShare, uint256 cededExcessOfLoss);
}
