// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IConsortiumAccess} from "./IConsortiumAccess.sol";

/// @title IConsortiumGoverned
/// @notice A PolicyLedger contract whose callers are checked against the consortium's party registry and whose
/// settings change only through a dual-control proposal executed by `ConsortiumAccess`.
interface IConsortiumGoverned {
    /// @notice Thrown when `account` is not a registered, active party holding `role`.
    error ConsortiumGovernedUnauthorized(address account, bytes32 role);

    /// @notice Thrown when a governed setting is changed other than by an executed dual-control proposal.
    error ConsortiumGovernedDualControlRequired(address caller);

    /// @notice The consortium access contract this contract trusts.
    function consortium() external view returns (IConsortiumAccess);
}
