// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Roles
/// @notice The consortium roles, as OpenZeppelin AccessControl role identifiers.
library Roles {
    /// @notice Anchors signed policies and endorsements, issues parametric policies, funds the risk pool.
    bytes32 internal constant INSURER = keccak256("INSURER_ROLE");
    /// @notice Signs treaties and co-signs the documents it shares; audits cessions.
    bytes32 internal constant REINSURER = keccak256("REINSURER_ROLE");
    /// @notice The policyholder: co-signs its policy and receives payouts.
    bytes32 internal constant CLIENT = keccak256("CLIENT_ROLE");
    /// @notice Signs observations of flights and weather from real data providers.
    bytes32 internal constant ORACLE = keccak256("ORACLE_ROLE");
    /// @notice Read-only auditor or regulator; identified on the ledger, acts off chain.
    bytes32 internal constant AUDITOR = keccak256("AUDITOR_ROLE");
    /// @notice Registers parties and takes part in dual-control decisions.
    bytes32 internal constant ADMIN = keccak256("ADMIN_ROLE");
}
