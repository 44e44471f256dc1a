// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IConsortiumGoverned} from "./IConsortiumGoverned.sol";
import {IReinsuranceTreaty} from "./IReinsuranceTreaty.sol";

/// @title IRiskPool
/// @notice An insurer's risk pool in the stablecoin: insurer capital and premiums in, payouts and refunds out.
/// Every policy locks collateral for its maximum payout, and its premium stays reserved (unearned) until the policy
/// closes, since it may have to be refunded. Two limits hold at all times: the exposure locked on one accumulation
/// key (one flight, one location and metric) never exceeds the accumulation cap, and the locked exposure plus the
/// premium reserve never exceed the pool's assets plus the reinsurance capacity available from its treaty.
///
/// A payout or refund that the stablecoin refuses to deliver (a holder frozen or blacklisted by the coin's issuer, or
/// a token that reverts or runs out of its bounded gas) never stops a settlement: it becomes a credit recorded for
/// the holder, which the holder collects later to an address it names (`claimCredit`). Money held for credits is
/// owed, not capital: `assets()` and the solvency rule leave it out.
///
/// Nothing is wired into a pool without the consent of those whose money it can draw on: a product or a treaty
/// needs the pool's insurer's consent, recorded on chain for that contract's address (`consentToWiring`), and a
/// product added while a treaty is attached needs the treaty's reinsurer's consent too (the treaty itself carries
/// the reinsurer's consent in its co-signed document). Dual control then executes; each consent serves one execution
/// and can be withdrawn until then.
/// @dev Policy ids are issued here, so they are unique across products. Products are authorised under dual control.
interface IRiskPool is IConsortiumGoverned {
    /// @notice One policy's part in a settlement batch.
    /// @param policyId The policy.
    /// @param holder Who is paid.
    /// @param gross The payout; zero when the policy expires untriggered.
    /// @param locked The collateral the policy had locked (its maximum payout).
    /// @param premium The policy's premium, earned now and released from the reserve.
    struct Settlement {
        uint256 policyId;
        address holder;
        uint256 gross;
        uint256 locked;
        uint256 premium;
    }

    /// @notice Emitted when the insurer adds capital.
    event CapitalDeposited(address indexed insurer, uint256 amount);

    /// @notice Emitted when the insurer withdraws capital.
    event CapitalWithdrawn(address indexed insurer, uint256 amount);

    /// @notice Emitted when a product opens a policy: premium received, collateral locked.
    event PolicyOpened(
        uint256 indexed policyId,
        address indexed product,
        address indexed holder,
        bytes32 accumulationKey,
        uint256 premium,
        uint256 locked
    );

    /// @notice Emitted once per settlement batch.
    event ClaimsSettled(
        bytes32 indexed feedId,
        address indexed product,
        uint256 policies,
        uint256 grossPaid,
        uint256 recovered,
        uint256 released
    );

    /// @notice Emitted when a premium (or part of it) is refunded and the policy's collateral released.
    event PremiumRefunded(uint256 indexed policyId, address indexed holder, uint256 refund, uint256 released);

    /// @notice Emitted when a payout or refund to `holder` could not be transferred and is held for it as a credit.
    event PaymentCredited(uint256 indexed policyId, address indexed holder, uint256 amount);

    /// @notice Emitted when a holder collects its credits, paid to `to`.
    event CreditClaimed(address indexed holder, address indexed to, uint256 amount);

    /// @notice Emitted when a product is allowed or disallowed.
    event ProductSet(address indexed product, bool allowed);

    /// @notice Emitted when `party` gives or withdraws its consent to wiring `target` into the pool.
    event WiringConsentSet(address indexed target, address indexed party, bool consented);

    /// @notice Emitted when the treaty is attached.
    event TreatySet(address indexed treaty);

    /// @notice Emitted when the accumulation cap changes.
    event AccumulationCapSet(uint256 cap);

    /// @notice Thrown when someone other than the pool's own insurer (while an active INSURER) moves its capital.
    error RiskPoolNotInsurer(address caller);

    /// @notice Thrown when a caller that is not an allowed product acts for a policy.
    error RiskPoolUnknownProduct(address caller);

    /// @notice Thrown when a policy would push an accumulation key above the cap.
    error RiskPoolAccumulationCapExceeded(bytes32 accumulationKey, uint256 exposure, uint256 cap);

    /// @notice Thrown when locked exposure plus the premium reserve would exceed assets plus reinsurance capacity.
    error RiskPoolInsolvent(uint256 liabilities, uint256 assets, uint256 reinsuranceCapacity);

    /// @notice Thrown when the treaty cannot be attached (already attached, policies already written, not active,
    /// or written for another pool or insurer).
    error RiskPoolInvalidTreaty(address treaty);

    /// @notice Thrown for a zero amount or an amount above what is available.
    error RiskPoolInvalidAmount(uint256 amount);

    /// @notice Thrown when someone other than the pool's insurer (an active INSURER) or its treaty's reinsurer (an
    /// active REINSURER) records consent to wiring a contract into the pool.
    error RiskPoolNotConsentingParty(address caller);

    /// @notice Thrown when a product or treaty is wired into the pool without `party`'s recorded consent.
    error RiskPoolConsentMissing(address target, address party);

    /// @notice Thrown when a holder claims credits and none are owed to it.
    error RiskPoolNoCredit(address holder);

    /// @notice Thrown when credits are claimed to the zero address.
    error RiskPoolInvalidRecipient(address to);

    /// @notice Thrown when a caller that is not a registered, active party claims credits.
    error RiskPoolNotActiveParty(address caller);

    /// @notice Thrown when too little gas is left to give a payment its full gas limit, so that a relayer cannot
    /// starve transfers into credits.
    error RiskPoolInsufficientGas(uint256 gasLeft, uint256 required);

    /// @notice Deposits capital. The pool's insurer only, while an active INSURER.
    function depositCapital(uint256 amount) external;

    /// @notice Withdraws capital while the solvency rule still holds. The pool's insurer only, while an active INSURER.
    function withdrawCapital(uint256 amount) external;

    /// @notice Opens a policy: takes the premium from `payer`, cedes its share, locks `maxPayout`. Products only.
    /// @return policyId The new policy's id.
    function openPolicy(
        address payer,
        address holder,
        bytes32 accumulationKey,
        uint256 premium,
        uint256 maxPayout
    ) external returns (uint256 policyId);

    /// @notice Pays (or releases) a batch of policies on one event, ceding the losses to the treaty. Products only.
    function settle(bytes32 feedId, bytes32 accumulationKey, Settlement[] calldata settlements) external;

    /// @notice Refunds `refund` (at most `premium`) to the holder, releases the policy's collateral and premium
    /// reserve; the treaty's ceded share of the refund comes back first. Products only.
    function refund(
        uint256 policyId,
        address holder,
        bytes32 accumulationKey,
        uint256 refund,
        uint256 locked,
        uint256 premium
    ) external;

    /// @notice Pays the caller's credits (failed payouts and refunds) to `to`, which may be the caller itself once its
    /// account can receive again, or another address it names. The holder itself, while an active party.
    /// @return amount What was paid.
    function claimCredit(address to) external returns (uint256 amount);

    /// @notice Gives (or withdraws) the caller's consent to wiring `target` into the pool as a product or treaty. The
    /// pool's insurer while an active INSURER, or the attached treaty's reinsurer while an active REINSURER.
    function consentToWiring(address target, bool consented) external;

    /// @notice Allows or disallows a product contract. Only through dual control; allowing needs (and uses up) the
    /// insurer's consent, and the treaty's reinsurer's while a treaty is attached. Disallowing needs no consent.
    function setProduct(address product, bool allowed) external;

    /// @notice Attaches the active treaty, once, before any policy is written. Only through dual control, with (and
    /// using up) the insurer's consent; the reinsurer consented by co-signing the treaty document.
    function setTreaty(IReinsuranceTreaty treaty) external;

    /// @notice Sets the most exposure one accumulation key may carry. Only through dual control.
    function setAccumulationCap(uint256 cap) external;

    /// @notice The stablecoin.
    function asset() external view returns (address);

    /// @notice The insurer whose pool this is: it alone moves capital and issues policies into it.
    function insurer() external view returns (address);

    /// @notice The attached treaty (zero if none).
    function treaty() external view returns (IReinsuranceTreaty);

    /// @notice Stablecoin the pool holds for itself: capital and premiums less payouts and refunds, and less the
    /// credits it holds for holders.
    function assets() external view returns (uint256);

    /// @notice Credits owed to `holder`: payouts and refunds that could not be transferred to it.
    function creditOf(address holder) external view returns (uint256);

    /// @notice Credits owed to all holders.
    function totalCredits() external view returns (uint256);

    /// @notice Collateral locked for open policies.
    function totalLocked() external view returns (uint256);

    /// @notice Premiums of open policies, reserved until each closes (they may have to be refunded).
    function premiumReserve() external view returns (uint256);

    /// @notice Exposure locked on one accumulation key.
    function exposure(bytes32 accumulationKey) external view returns (uint256);

    /// @notice The accumulation cap.
    function accumulationCap() external view returns (uint256);

    /// @notice Reinsurance capacity the treaty lends to the solvency rule now.
    function reinsuranceCapacity() external view returns (uint256);

    /// @notice Whether `party` has consented to wiring `target` into the pool (and the consent is not used up yet).
    function wiringConsent(address target, address party) external view returns (bool);

    /// @notice Whether `product` is allowed.
    function isProduct(address product) external view returns (bool);

    /// @notice Number of policies opened; ids run from 1.
    function policyCount() external view returns (uint256);
}
