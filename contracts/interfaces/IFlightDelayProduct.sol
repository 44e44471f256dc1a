// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IOracleHub} from "./IOracleHub.sol";
import {IParametricProduct} from "./IParametricProduct.sol";

/// @title IFlightDelayProduct
/// @notice Flight delay cover on one flight (carrier, flight number, scheduled departure date in UTC): payout tiers
/// by arrival delay in minutes, a cancellation payout and a diversion payout.
/// @dev The feed of a flight is the EIP-712 struct hash of `FlightFeed(string carrier,string flightNumber,uint32
/// departureDate)`, with `carrier` the IATA airline designator and `flightNumber` its digits (and optional suffix
/// letter), both upper case, and `departureDate` as yyyymmdd. Oracle values for `Landed` are arrival delays in whole
/// minutes (negative when early). Amounts are in the stablecoin's smallest unit (6 decimals for USDC-like coins).
interface IFlightDelayProduct is IParametricProduct {
    /// @notice The executable terms; their EIP-712 struct hash is the anchored document's termsHash.
    /// @param policyholder The client covered and paid.
    /// @param carrier IATA airline designator, e.g. "BA".
    /// @param flightNumber e.g. "196".
    /// @param departureDate Scheduled departure date (UTC) as yyyymmdd.
    /// @param scheduledArrival Scheduled arrival (unix seconds): oracles look for the outcome after it.
    /// @param coverageStart Start of cover (unix seconds).
    /// @param coverageEnd End of cover (unix seconds); the outcome is due by then plus the data grace period.
    /// @param delayTierMinutes Ascending minimum arrival delays of the tiers (at most `MAX_TIERS`).
    /// @param delayTierPayouts Payout of each tier; the highest tier reached pays.
    /// @param cancellationPayout Paid when the flight is cancelled.
    /// @param diversionPayout Paid when the flight is diverted.
    /// @param sumInsured No payout exceeds it.
    /// @param premium Paid by the policyholder at issue.
    /// @param cancellationRefundBps Share of the premium refunded on cancellation before cover starts.
    struct FlightDelayTerms {
        address policyholder;
        string carrier;
        string flightNumber;
        uint32 departureDate;
        uint64 scheduledArrival;
        uint64 coverageStart;
        uint64 coverageEnd;
        uint16[] delayTierMinutes;
        uint256[] delayTierPayouts;
        uint256 cancellationPayout;
        uint256 diversionPayout;
        uint256 sumInsured;
        uint256 premium;
        uint16 cancellationRefundBps;
    }

    /// @notice Emitted the first time a flight is insured, so oracle nodes learn what to observe and when.
    event FlightFeedRegistered(
        bytes32 indexed feedId,
        string carrier,
        string flightNumber,
        uint32 departureDate,
        uint64 scheduledArrival,
        uint40 dataDeadline
    );

    /// @notice Emitted when the feed settings change.
    event FlightFeedSettingsSet(uint32 dataGracePeriod, uint64 delayToleranceMinutes);

    /// @notice Issues a policy against its anchored, co-signed document. Active INSURER only; the premium is taken
    /// from the policyholder, who must have approved the risk pool.
    /// @return policyId The policy's id (issued by the pool).
    function issue(FlightDelayTerms calldata terms, bytes32 documentHash) external returns (uint256 policyId);

    /// @notice Changes the data grace period after cover ends and the delay tolerance between oracles. Only through
    /// dual control.
    function setFeedSettings(uint32 dataGracePeriod, uint64 delayToleranceMinutes) external;

    /// @notice EIP-712 struct hash of the terms: what the document's termsHash must be.
    function hashTerms(FlightDelayTerms calldata terms) external pure returns (bytes32);

    /// @notice The feed id of a flight.
    function flightFeedId(
        string calldata carrier,
        string calldata flightNumber,
        uint32 departureDate
    ) external pure returns (bytes32);

    /// @notice What a policy pays for an outcome.
    function payoutFor(
        uint256 policyId,
        IOracleHub.ObservationStatus status,
        int256 arrivalDelayMinutes
    ) external view returns (uint256);

    /// @notice Amends policy `policyId` with its endorsement: `newDocumentHash` is a later version of the policy's
    /// document, anchored with `newTerms`' hash and co-signed by the insurer and the holder (the same holder). The
    /// policy ends `Endorsed`, its collateral released, and a new policy is issued on the new terms; the holder pays
    /// the premium increase or is refunded the decrease (the treaty's share follows). The pool's insurer only, while
    /// active, before the policy's `insurerCancellationDeadline`.
    /// @return newPolicyId The replacing policy's id.
    function endorse(
        uint256 policyId,
        FlightDelayTerms calldata newTerms,
        bytes32 newDocumentHash
    ) external returns (uint256 newPolicyId);
}
