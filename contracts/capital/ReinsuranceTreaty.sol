// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {ConsortiumGoverned} from "../access/ConsortiumGoverned.sol";
import {IConsortiumAccess} from "../interfaces/IConsortiumAccess.sol";
import {IEvidenceRegistry} from "../interfaces/IEvidenceRegistry.sol";
import {IReinsuranceTreaty} from "../interfaces/IReinsuranceTreaty.sol";
import {IRiskPool} from "../interfaces/IRiskPool.sol";
import {Roles} from "../libraries/Roles.sol";

/// @title ReinsuranceTreaty
/// @notice Quota share and per-event excess of loss between one insurer's pool and one reinsurer, collateralised.
contract ReinsuranceTreaty is IReinsuranceTreaty, ConsortiumGoverned, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @notice EIP-712 type of the treaty terms.
    bytes32 public constant TREATY_TERMS_TYPEHASH = keccak256(
        "TreatyTerms(address insurer,address reinsurer,address pool,uint16 quotaShareBps,uint16 cedingCommissionBps,"
        "uint256 excessOfLossAttachment,uint256 excessOfLossLimit,uint256 excessOfLossAggregateLimit)"
    );

    uint256 private constant BPS = 10_000;

    IERC20 private immutable _asset;
    IEvidenceRegistry private immutable _registry;
    TreatyTerms private _terms;
    bool private _active;
    uint256 private _collateral;
    uint256 private _premiumBalance;
    uint256 private _aggregateRecovered;
    uint256 private _outstandingShortfall;
    mapping(bytes32 feedId => uint256 retained) private _eventRetained;
    mapping(bytes32 feedId => uint256 recovered) private _eventRecovered;

    modifier onlyPool() {
        if (msg.sender != _terms.pool) revert ReinsuranceTreatyOnlyPool(msg.sender);
        _;
    }

    modifier onlyReinsurer() {
        if (msg.sender != _terms.reinsurer) revert ReinsuranceTreatyOnlyReinsurer(msg.sender);
        _checkActiveRole(Roles.REINSURER, msg.sender);
        _;
    }

    modifier whenActive() {
        if (!_active) revert ReinsuranceTreatyNotActive();
        _;
    }

    /// @param consortium_ The consortium.
    /// @param registry The evidence registry holding the co-signed treaty document.
    /// @param terms_ The treaty's terms.
    constructor(
        IConsortiumAccess consortium_,
        IEvidenceRegistry registry,
        TreatyTerms memory terms_
    ) ConsortiumGoverned(consortium_) {
        if (
            terms_.insurer == address(0) ||
            terms_.reinsurer == address(0) ||
            terms_.pool == address(0) ||
            terms_.quotaShareBps > BPS ||
            terms_.cedingCommissionBps > BPS
        ) revert ReinsuranceTreatyInvalidTerms();
        _registry = registry;
        _asset = IERC20(IRiskPool(terms_.pool).asset());
        _terms = terms_;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Activation and collateral
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IReinsuranceTreaty
    function activate(bytes32 documentHash) external {
        if (_active) revert ReinsuranceTreatyAlreadyActive();
        bool isInsurer = msg.sender == _terms.insurer && _hasActiveRole(Roles.INSURER, msg.sender);
        bool isReinsurer = msg.sender == _terms.reinsurer && _hasActiveRole(Roles.REINSURER, msg.sender);
        if (!isInsurer && !isReinsurer) revert ReinsuranceTreatyNotParty(msg.sender);
        IEvidenceRegistry.Anchor memory record = _registry.getAnchor(documentHash);
        if (
            record.status != IEvidenceRegistry.DocumentStatus.Current ||
            record.documentType != IEvidenceRegistry.DocumentType.Treaty ||
            record.termsHash != termsHash() ||
            _registry.signerState(documentHash, _terms.insurer) != IEvidenceRegistry.SignerState.Signed ||
            _registry.signerState(documentHash, _terms.reinsurer) != IEvidenceRegistry.SignerState.Signed
        ) revert ReinsuranceTreatyDocumentNotValid(documentHash);
        _active = true;
        emit TreatyActivated(documentHash, record.termsHash);
    }

    /// @inheritdoc IReinsuranceTreaty
    function postCollateral(uint256 amount) external nonReentrant onlyReinsurer {
        uint256 toShortfall = amount < _outstandingShortfall ? amount : _outstandingShortfall;
        _outstandingShortfall -= toShortfall;
        _collateral += amount - toShortfall;
        emit CollateralPosted(msg.sender, amount);
        _asset.safeTransferFrom(msg.sender, address(this), amount);
        if (toShortfall > 0) {
            emit ShortfallPaid(toShortfall, _outstandingShortfall);
            _asset.safeTransfer(_terms.pool, toShortfall);
        }
    }

    /// @inheritdoc IReinsuranceTreaty
    function withdrawCollateral(uint256 amount) external nonReentrant onlyReinsurer {
        _requireNoShortfall();
        uint256 withdrawable = _withdrawableCollateral();
        if (amount > withdrawable) revert ReinsuranceTreatyCollateralLocked(amount, withdrawable);
        _collateral -= amount;
        emit CollateralWithdrawn(msg.sender, amount);
        _asset.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IReinsuranceTreaty
    function withdrawPremium(uint256 amount) external nonReentrant onlyReinsurer {
        _requireNoShortfall();
        if (amount > _premiumBalance) revert ReinsuranceTreatyInsufficientPremium(amount, _premiumBalance);
        _premiumBalance -= amount;
        emit PremiumWithdrawn(msg.sender, amount);
        _asset.safeTransfer(msg.sender, amount);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Cessions
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IReinsuranceTreaty
    function cedePremium(uint256 policyId, uint256 premium) external nonReentrant onlyPool whenActive {
        (uint256 cededPremium, uint256 commission) = _premiumCession(premium);
        uint256 net = cededPremium - commission;
        // The pool keeps what of the premium pays an outstanding shortfall.
        uint256 toShortfall = net < _outstandingShortfall ? net : _outstandingShortfall;
        _outstandingShortfall -= toShortfall;
        _premiumBalance += net - toShortfall;
        emit PremiumCeded(policyId, premium, cededPremium, commission);
        if (toShortfall > 0) emit ShortfallPaid(toShortfall, _outstandingShortfall);
        if (net > toShortfall) _asset.safeTransferFrom(msg.sender, address(this), net - toShortfall);
    }

    /// @inheritdoc IReinsuranceTreaty
    function returnPremium(uint256 policyId, uint256 refund) external nonReentrant onlyPool whenActive {
        (uint256 cededPremium, uint256 commission) = _premiumCession(refund);
        uint256 owed = cededPremium - commission;
        // Paid back from the premium received first, then from collateral.
        uint256 fromPremium = owed < _premiumBalance ? owed : _premiumBalance;
        uint256 fromCollateral = owed - fromPremium;
        if (fromCollateral > _collateral) fromCollateral = _collateral;
        _premiumBalance -= fromPremium;
        _collateral -= fromCollateral;
        uint256 returned = fromPremium + fromCollateral;
        emit PremiumReturned(policyId, refund, returned);
        if (returned < owed) {
            _outstandingShortfall += owed - returned;
            emit PremiumReturnShortfall(policyId, owed, returned);
        }
        if (returned > 0) _asset.safeTransfer(msg.sender, returned);
    }

    /// @inheritdoc IReinsuranceTreaty
    function cedeLosses(
        bytes32 feedId,
        Loss[] calldata losses
    ) external nonReentrant onlyPool whenActive returns (uint256 recovered) {
        uint256 retained = _eventRetained[feedId];
        uint256 eventRecovered = _eventRecovered[feedId];
        uint256 aggregate = _aggregateRecovered;
        uint256 owed = 0;
        for (uint256 i = 0; i < losses.length; ++i) {
            uint256 gross = losses[i].gross;
            (uint256 cededQuotaShare, uint256 cededExcessOfLoss) = _cession(gross, retained, aggregate);
            retained += gross - cededQuotaShare;
            eventRecovered += cededExcessOfLoss;
            aggregate += cededExcessOfLoss;
            owed += cededQuotaShare + cededExcessOfLoss;
            emit LossCeded(
                losses[i].policyId,
                feedId,
                gross,
                cededQuotaShare,
                cededExcessOfLoss,
                gross - cededQuotaShare - cededExcessOfLoss
            );
        }
        _eventRetained[feedId] = retained;
        _eventRecovered[feedId] = eventRecovered;
        _aggregateRecovered = aggregate;

        // Collateral first, then the premium held for the reinsurer.
        uint256 fromCollateral = owed <= _collateral ? owed : _collateral;
        _collateral -= fromCollateral;
        uint256 rest = owed - fromCollateral;
        uint256 fromPremium = rest <= _premiumBalance ? rest : _premiumBalance;
        _premiumBalance -= fromPremium;
        recovered = fromCollateral + fromPremium;
        if (fromPremium > 0) emit PremiumOffset(fromPremium, _premiumBalance);
        if (recovered < owed) {
            _outstandingShortfall += owed - recovered;
            emit CollateralShortfall(feedId, owed, recovered);
        }
        if (recovered > 0) _asset.safeTransfer(msg.sender, recovered);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IReinsuranceTreaty
    function terms() external view returns (TreatyTerms memory) {
        return _terms;
    }

    /// @inheritdoc IReinsuranceTreaty
    function termsHash() public view returns (bytes32) {
        TreatyTerms storage t = _terms;
        return
            keccak256(
                abi.encode(
                    TREATY_TERMS_TYPEHASH,
                    t.insurer,
                    t.reinsurer,
                    t.pool,
                    t.quotaShareBps,
                    t.cedingCommissionBps,
                    t.excessOfLossAttachment,
                    t.excessOfLossLimit,
                    t.excessOfLossAggregateLimit
                )
            );
    }

    /// @inheritdoc IReinsuranceTreaty
    function isActive() external view returns (bool) {
        return _active;
    }

    /// @inheritdoc IReinsuranceTreaty
    function collateral() external view returns (uint256) {
        return _collateral;
    }

    /// @inheritdoc IReinsuranceTreaty
    function outstandingShortfall() external view returns (uint256) {
        return _outstandingShortfall;
    }

    /// @inheritdoc IReinsuranceTreaty
    function premiumBalance() external view returns (uint256) {
        return _premiumBalance;
    }

    /// @inheritdoc IReinsuranceTreaty
    function solvencyCapacity(uint256 locked) public view returns (uint256) {
        if (!_active) return 0;
        uint256 quotaShare = (locked * _terms.quotaShareBps) / BPS;
        return quotaShare < _collateral ? quotaShare : _collateral;
    }

    /// @inheritdoc IReinsuranceTreaty
    function eventTotals(bytes32 feedId) external view returns (uint256 retainedLoss, uint256 excessOfLossRecovered) {
        return (_eventRetained[feedId], _eventRecovered[feedId]);
    }

    /// @inheritdoc IReinsuranceTreaty
    function aggregateExcessOfLossRecovered() external view returns (uint256) {
        return _aggregateRecovered;
    }

    /// @inheritdoc IReinsuranceTreaty
    function computeCession(
        uint256 gross,
        uint256 retainedBefore,
        uint256 aggregateRecoveredBefore
    ) external view returns (uint256 cededQuotaShare, uint256 cededExcessOfLoss) {
        return _cession(gross, retainedBefore, aggregateRecoveredBefore);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev Quota share first; the excess of loss then covers the event's retention above the attachment, up to the
    /// per-event limit and what is left of the aggregate limit. Each loss gets the increase it causes.
    function _cession(
        uint256 gross,
        uint256 retainedBefore,
        uint256 aggregateBefore
    ) private view returns (uint256 cededQuotaShare, uint256 cededExcessOfLoss) {
        cededQuotaShare = (gross * _terms.quotaShareBps) / BPS;
        uint256 retainedAfter = retainedBefore + gross - cededQuotaShare;
        cededExcessOfLoss = _layer(retainedAfter) - _layer(retainedBefore);
        uint256 aggregateLimit = _terms.excessOfLossAggregateLimit;
        uint256 aggregateLeft = aggregateBefore < aggregateLimit ? aggregateLimit - aggregateBefore : 0;
        if (cededExcessOfLoss > aggregateLeft) cededExcessOfLoss = aggregateLeft;
    }

    /// @dev What the excess-of-loss layer pays on an event retention of `retained`.
    function _layer(uint256 retained) private view returns (uint256) {
        uint256 attachment = _terms.excessOfLossAttachment;
        if (retained <= attachment) return 0;
        uint256 excess = retained - attachment;
        uint256 limit = _terms.excessOfLossLimit;
        return excess < limit ? excess : limit;
    }

    function _requireNoShortfall() private view {
        if (_outstandingShortfall > 0) revert ReinsuranceTreatyShortfallOutstanding(_outstandingShortfall);
    }

    function _premiumCession(uint256 premium) private view returns (uint256 cededPremium, uint256 commission) {
        cededPremium = (premium * _terms.quotaShareBps) / BPS;
        commission = (cededPremium * _terms.cedingCommissionBps) / BPS;
    }

    /// @dev Collateral above what the treaty may still owe on open policies: the quota share of the locked exposure
    /// plus one full excess-of-loss event within the aggregate left, and never less than the pool's solvency leans on.
    function _withdrawableCollateral() private view returns (uint256) {
        IRiskPool pool = IRiskPool(_terms.pool);
        uint256 locked = pool.totalLocked();
        uint256 liabilities = locked + pool.premiumReserve();
        uint256 held = pool.assets();
        uint256 aggregateLimit = _terms.excessOfLossAggregateLimit;
        uint256 aggregateLeft = _aggregateRecovered < aggregateLimit ? aggregateLimit - _aggregateRecovered : 0;
        uint256 oneEvent = _terms.excessOfLossLimit < aggregateLeft ? _terms.excessOfLossLimit : aggregateLeft;
        uint256 needed = (locked * _terms.quotaShareBps) / BPS + (locked > 0 ? oneEvent : 0);
        uint256 solvency = liabilities > held ? liabilities - held : 0;
        if (solvency > needed) needed = solvency;
        return _collateral > needed ? _collateral - needed : 0;
    }
}
