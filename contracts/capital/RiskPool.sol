// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {ConsortiumGoverned} from "../access/ConsortiumGoverned.sol";
import {IConsortiumAccess} from "../interfaces/IConsortiumAccess.sol";
import {IReinsuranceTreaty} from "../interfaces/IReinsuranceTreaty.sol";
import {IRiskPool} from "../interfaces/IRiskPool.sol";
import {Roles} from "../libraries/Roles.sol";

/// @title RiskPool
/// @notice An insurer's capital, premiums and locked collateral, with accumulation and solvency limits.
contract RiskPool is IRiskPool, ConsortiumGoverned, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @notice Gas one payout or refund transfer may use before it is given up and credited instead: several times a
    /// plain ERC-20 transfer to a new balance, so that a token which spins or reverts late costs each batch at most
    /// this much per holder.
    uint256 public constant PAYMENT_GAS_LIMIT = 100_000;

    /// @dev Gas for the call itself beside the payment's own limit. What follows the call (a credit) needs no
    /// reserve: running out there reverts the whole transaction, it cannot turn a payment into a credit.
    uint256 private constant PAYMENT_GAS_OVERHEAD = 5_000;

    IERC20 private immutable _asset;
    address private immutable _insurer;
    IReinsuranceTreaty private _treaty;
    uint256 private _totalLocked;
    uint256 private _premiumReserve;
    uint256 private _accumulationCap;
    uint256 private _policyCount;
    uint256 private _totalCredits;
    mapping(address holder => uint256 amount) private _credits;
    mapping(bytes32 accumulationKey => uint256 locked) private _exposure;
    mapping(address product => bool allowed) private _products;
    mapping(address target => mapping(address party => bool consented)) private _wiringConsents;

    modifier onlyPoolInsurer() {
        if (msg.sender != _insurer || !_hasActiveRole(Roles.INSURER, msg.sender)) revert RiskPoolNotInsurer(msg.sender);
        _;
    }

    modifier onlyProduct() {
        if (!_products[msg.sender]) revert RiskPoolUnknownProduct(msg.sender);
        _;
    }

    /// @param consortium_ The consortium whose ADMINs govern the pool.
    /// @param insurer_ The insurer whose pool this is.
    /// @param asset_ The stablecoin.
    /// @param accumulationCap_ The most exposure one flight or location may carry.
    constructor(
        IConsortiumAccess consortium_,
        address insurer_,
        IERC20 asset_,
        uint256 accumulationCap_
    ) ConsortiumGoverned(consortium_) {
        _insurer = insurer_;
        _asset = asset_;
        _accumulationCap = accumulationCap_;
        emit AccumulationCapSet(accumulationCap_);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Capital
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IRiskPool
    function depositCapital(uint256 amount) external nonReentrant onlyPoolInsurer {
        if (amount == 0) revert RiskPoolInvalidAmount(amount);
        emit CapitalDeposited(msg.sender, amount);
        _asset.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IRiskPool
    function withdrawCapital(uint256 amount) external nonReentrant onlyPoolInsurer {
        uint256 held = _held();
        if (amount == 0 || amount > held) revert RiskPoolInvalidAmount(amount);
        _requireSolvent(_totalLocked, held - amount);
        emit CapitalWithdrawn(msg.sender, amount);
        _asset.safeTransfer(msg.sender, amount);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Policies
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IRiskPool
    function openPolicy(
        address payer,
        address holder,
        bytes32 accumulationKey,
        uint256 premium,
        uint256 maxPayout
    ) external nonReentrant onlyProduct returns (uint256 policyId) {
        policyId = ++_policyCount;
        uint256 exposureAfter = _exposure[accumulationKey] + maxPayout;
        if (exposureAfter > _accumulationCap) {
            revert RiskPoolAccumulationCapExceeded(accumulationKey, exposureAfter, _accumulationCap);
        }
        _exposure[accumulationKey] = exposureAfter;
        uint256 lockedAfter = _totalLocked + maxPayout;
        _totalLocked = lockedAfter;
        _premiumReserve += premium;
        emit PolicyOpened(policyId, msg.sender, holder, accumulationKey, premium, maxPayout);

        _asset.safeTransferFrom(payer, address(this), premium);
        IReinsuranceTreaty treaty_ = _treaty;
        if (address(treaty_) != address(0)) treaty_.cedePremium(policyId, premium);
        _requireSolvent(lockedAfter, _held());
    }

    /// @inheritdoc IRiskPool
    function settle(
        bytes32 feedId,
        bytes32 accumulationKey,
        Settlement[] calldata settlements
    ) external nonReentrant onlyProduct {
        uint256 count = settlements.length;
        IReinsuranceTreaty.Loss[] memory losses = new IReinsuranceTreaty.Loss[](count);
        uint256 lossCount = 0;
        uint256 grossPaid = 0;
        uint256 released = 0;
        uint256 earned = 0;
        for (uint256 i = 0; i < count; ++i) {
            Settlement calldata settlement = settlements[i];
            released += settlement.locked;
            earned += settlement.premium;
            if (settlement.gross > 0) {
                grossPaid += settlement.gross;
                losses[lossCount++] = IReinsuranceTreaty.Loss({policyId: settlement.policyId, gross: settlement.gross});
            }
        }
        _release(accumulationKey, released);
        _premiumReserve -= earned;

        uint256 recovered = 0;
        IReinsuranceTreaty treaty_ = _treaty;
        if (lossCount > 0 && address(treaty_) != address(0)) {
            assembly ("memory-safe") {
                mstore(losses, lossCount)
            }
            recovered = treaty_.cedeLosses(feedId, losses);
        }
        emit ClaimsSettled(feedId, msg.sender, count, grossPaid, recovered, released);

        for (uint256 i = 0; i < count; ++i) {
            Settlement calldata settlement = settlements[i];
            if (settlement.gross > 0) _pay(settlement.policyId, settlement.holder, settlement.gross);
        }
    }

    /// @inheritdoc IRiskPool
    function refund(
        uint256 policyId,
        address holder,
        bytes32 accumulationKey,
        uint256 amount,
        uint256 locked,
        uint256 premium
    ) external nonReentrant onlyProduct {
        if (amount > premium) revert RiskPoolInvalidAmount(amount);
        _release(accumulationKey, locked);
        _premiumReserve -= premium;
        emit PremiumRefunded(policyId, holder, amount, locked);
        // The treaty's share comes back before the holder is paid; the premium reserve covers the rest.
        IReinsuranceTreaty treaty_ = _treaty;
        if (address(treaty_) != address(0) && amount > 0) treaty_.returnPremium(policyId, amount);
        if (amount > 0) _pay(policyId, holder, amount);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Credits
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IRiskPool
    function claimCredit(address to) external nonReentrant returns (uint256 amount) {
        if (!_isActiveParty(msg.sender)) revert RiskPoolNotActiveParty(msg.sender);
        if (to == address(0)) revert RiskPoolInvalidRecipient(to);
        amount = _credits[msg.sender];
        if (amount == 0) revert RiskPoolNoCredit(msg.sender);
        delete _credits[msg.sender];
        _totalCredits -= amount;
        emit CreditClaimed(msg.sender, to, amount);
        _asset.safeTransfer(to, amount);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Settings
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IRiskPool
    function consentToWiring(address target, bool consented) external {
        bool isInsurer = msg.sender == _insurer && _hasActiveRole(Roles.INSURER, msg.sender);
        if (!isInsurer && !_isTreatyReinsurer(msg.sender)) revert RiskPoolNotConsentingParty(msg.sender);
        _wiringConsents[target][msg.sender] = consented;
        emit WiringConsentSet(target, msg.sender, consented);
    }

    /// @inheritdoc IRiskPool
    function setProduct(address product, bool allowed) external onlyDualControl {
        if (allowed) {
            _useConsent(product, _insurer);
            IReinsuranceTreaty treaty_ = _treaty;
            // A product can draw on the treaty's collateral through the losses it settles.
            if (address(treaty_) != address(0)) _useConsent(product, treaty_.terms().reinsurer);
        }
        _products[product] = allowed;
        emit ProductSet(product, allowed);
    }

    /// @inheritdoc IRiskPool
    function setTreaty(IReinsuranceTreaty treaty_) external onlyDualControl {
        if (
            address(_treaty) != address(0) ||
            _policyCount != 0 ||
            !treaty_.isActive() ||
            treaty_.terms().pool != address(this) ||
            treaty_.terms().insurer != _insurer
        ) revert RiskPoolInvalidTreaty(address(treaty_));
        _useConsent(address(treaty_), _insurer);
        _treaty = treaty_;
        emit TreatySet(address(treaty_));
        // The treaty pulls its ceded premium from the pool.
        _asset.forceApprove(address(treaty_), type(uint256).max);
    }

    /// @inheritdoc IRiskPool
    function setAccumulationCap(uint256 cap) external onlyDualControl {
        _accumulationCap = cap;
        emit AccumulationCapSet(cap);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IRiskPool
    function asset() external view returns (address) {
        return address(_asset);
    }

    /// @inheritdoc IRiskPool
    function insurer() external view returns (address) {
        return _insurer;
    }

    /// @inheritdoc IRiskPool
    function treaty() external view returns (IReinsuranceTreaty) {
        return _treaty;
    }

    /// @inheritdoc IRiskPool
    function assets() external view returns (uint256) {
        return _held();
    }

    /// @inheritdoc IRiskPool
    function creditOf(address holder) external view returns (uint256) {
        return _credits[holder];
    }

    /// @inheritdoc IRiskPool
    function totalCredits() external view returns (uint256) {
        return _totalCredits;
    }

    /// @inheritdoc IRiskPool
    function totalLocked() external view returns (uint256) {
        return _totalLocked;
    }

    /// @inheritdoc IRiskPool
    function premiumReserve() external view returns (uint256) {
        return _premiumReserve;
    }

    /// @inheritdoc IRiskPool
    function exposure(bytes32 accumulationKey) external view returns (uint256) {
        return _exposure[accumulationKey];
    }

    /// @inheritdoc IRiskPool
    function accumulationCap() external view returns (uint256) {
        return _accumulationCap;
    }

    /// @inheritdoc IRiskPool
    function reinsuranceCapacity() external view returns (uint256) {
        return _capacity(_totalLocked);
    }

    /// @inheritdoc IRiskPool
    function wiringConsent(address target, address party) external view returns (bool) {
        return _wiringConsents[target][party];
    }

    /// @inheritdoc IRiskPool
    function isProduct(address product) external view returns (bool) {
        return _products[product];
    }

    /// @inheritdoc IRiskPool
    function policyCount() external view returns (uint256) {
        return _policyCount;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev Pays `amount` to `holder`, or records it as the holder's credit when the transfer fails, so that one
    /// holder the stablecoin refuses never stops the others' settlement.
    function _pay(uint256 policyId, address holder, uint256 amount) private {
        if (_tryTransfer(holder, amount)) return;
        _credits[holder] += amount;
        _totalCredits += amount;
        emit PaymentCredited(policyId, holder, amount);
    }

    /// @dev SafeERC20's `trySafeTransfer`, but with the call's gas bounded by `PAYMENT_GAS_LIMIT` (OpenZeppelin
    /// forwards all the gas left) and only the first 32 bytes of the answer read. Reverts when less than the full limit
    /// is left, since the call would otherwise fail for want of gas the caller chose not to give.
    function _tryTransfer(address to, uint256 amount) private returns (bool success) {
        uint256 required = PAYMENT_GAS_LIMIT + PAYMENT_GAS_LIMIT / 63 + PAYMENT_GAS_OVERHEAD;
        if (gasleft() < required) revert RiskPoolInsufficientGas(gasleft(), required);
        address token = address(_asset);
        bytes4 selector = IERC20.transfer.selector;
        assembly ("memory-safe") {
            let fmp := mload(0x40)
            mstore(0x00, selector)
            mstore(0x04, and(to, shr(96, not(0))))
            mstore(0x24, amount)
            success := call(PAYMENT_GAS_LIMIT, token, 0, 0x00, 0x44, 0x00, 0x20)
            // Success is a call that returned true, or returned nothing from a contract (tokens without a return value).
            if iszero(and(success, and(gt(returndatasize(), 0x1f), eq(mload(0x00), 1)))) {
                success := and(success, and(iszero(returndatasize()), gt(extcodesize(token), 0)))
            }
            mstore(0x40, fmp)
        }
    }

    /// @dev Requires `party`'s consent to wiring `target` and uses it up, so that it serves one execution only.
    function _useConsent(address target, address party) private {
        if (!_wiringConsents[target][party]) revert RiskPoolConsentMissing(target, party);
        delete _wiringConsents[target][party];
    }

    /// @dev Whether `account` is the attached treaty's reinsurer, still an active REINSURER.
    function _isTreatyReinsurer(address account) private view returns (bool) {
        IReinsuranceTreaty treaty_ = _treaty;
        return
            address(treaty_) != address(0) &&
            account == treaty_.terms().reinsurer &&
            _hasActiveRole(Roles.REINSURER, account);
    }

    /// @dev Stablecoin the pool holds for itself: its balance less the credits it holds for holders.
    function _held() private view returns (uint256) {
        uint256 balance = _asset.balanceOf(address(this));
        return balance > _totalCredits ? balance - _totalCredits : 0;
    }

    function _release(bytes32 accumulationKey, uint256 amount) private {
        _exposure[accumulationKey] -= amount;
        _totalLocked -= amount;
    }

    function _capacity(uint256 locked) private view returns (uint256) {
        IReinsuranceTreaty treaty_ = _treaty;
        return address(treaty_) == address(0) ? 0 : treaty_.solvencyCapacity(locked);
    }

    /// @dev The solvency rule: locked exposure plus the premium reserve never exceed the pool's assets plus the
    /// reinsurance capacity on the locked exposure. Reserved premiums are counted in full, with no reinsurance, so a
    /// refund can always be paid from the pool's own cash.
    function _requireSolvent(uint256 locked, uint256 held) private view {
        uint256 liabilities = locked + _premiumReserve;
        if (liabilities <= held) return;
        uint256 capacity = _capacity(locked);
        if (liabilities > held + capacity) revert RiskPoolInsolvent(liabilities, held, capacity);
    }
}
