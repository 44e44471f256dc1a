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
    /// @param departureDate Scheduled departure date as yyyymmdd: the UTC date of `scheduledDeparture` (not the
    /// local date at the airport), so that one flight has exactly one feed.
    /// @param scheduledDeparture Scheduled departure (unix seconds): inside the cover and at least the departure
    /// cut-off after the policy is issued.
    /// @param scheduledArrival Scheduled arrival (unix seconds), after the departure (at most `MAX_FLIGHT_DURATION`)
    /// and inside the cover: oracles look for the outcome after it.
    /// @param coverageStart Start of cover (unix seconds), at or before the scheduled departure.
    /// @param coverageEnd End of cover (unix seconds), at most `maxCoverAfterArrival` after the scheduled arrival.
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
        uint64 scheduledDeparture;
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

    /// @notice Emitted the first time a flight is insured, so oracle nodes learn what to observe and when. The data
    /// deadline is the flight's own: its scheduled arrival plus the longest cover after arrival and the data grace
    /// period, whatever a policy's cover end.
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

    /// @notice Emitted when the issuance settings change.
    event FlightIssuanceSettingsSet(uint32 departureCutoff, uint32 maxCoverAfterArrival);

    /// @notice Thrown when a policy is issued later than the departure cut-off before its scheduled departure (or
    /// after it): nobody buys cover on a flight whose outcome may already be known.
    error FlightDelayProductIssueClosed(uint64 scheduledDeparture, uint256 closedAt);

    /// @notice Thrown when an issuance setting is out of bounds (a cut-off beyond `MAX_DEPARTURE_CUTOFF`, or cover
    /// after arrival of zero or beyond `MAX_COVER_AFTER_ARRIVAL`).
    error FlightDelayProductInvalidIssuanceSettings(uint32 departureCutoff, uint32 maxCoverAfterArrival);

    /// @notice Issues a policy against its anchored, co-signed document. Active INSURER only; the premium is taken
    /// from the policyholder, who must have approved the risk pool.
    /// @return policyId The policy's id (issued by the pool).
    function issue(FlightDelayTerms calldata terms, bytes32 documentHash) external returns (uint256 policyId);

    /// @notice Changes the data grace period (after the longest cover after arrival) and the delay tolerance between oracles. Only through
    /// dual control.
    function setFeedSettings(uint32 dataGracePeriod, uint64 delayToleranceMinutes) external;

    /// @notice Changes how close to the scheduled departure a policy may still be issued, and how long cover may run
    /// after the scheduled arrival. Only through dual control.
    function setIssuanceSettings(uint32 departureCutoff, uint32 maxCoverAfterArrival) external;

    /// @notice The issuance settings: the departure cut-off and the longest cover after the scheduled arrival
    /// (seconds).
    function issuanceSettings() external view returns (uint32 departureCutoff, uint32 maxCoverAfterArrival);

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
