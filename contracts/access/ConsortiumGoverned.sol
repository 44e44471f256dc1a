// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IConsortiumAccess} from "../interfaces/IConsortiumAccess.sol";
import {IConsortiumGoverned} from "../interfaces/IConsortiumGoverned.sol";

/// @title ConsortiumGoverned
/// @notice Base for contracts that take their callers' roles from `ConsortiumAccess` and their settings from its
/// dual-control proposals.
abstract contract ConsortiumGoverned is IConsortiumGoverned {
    IConsortiumAccess private immutable _consortium;

    /// @dev Reverts unless the caller is a registered, active party holding `role`.
    modifier onlyActiveRole(bytes32 role) {
        _checkActiveRole(role, msg.sender);
        _;
    }

    /// @dev Reverts unless the call comes from an executed dual-control proposal.
    modifier onlyDualControl() {
        if (msg.sender != address(_consortium)) revert ConsortiumGovernedDualControlRequired(msg.sender);
        _;
    }

    constructor(IConsortiumAccess consortium_) {
        _consortium = consortium_;
    }

    /// @inheritdoc IConsortiumGoverned
    function consortium() external view returns (IConsortiumAccess) {
        return _consortium;
    }

    function _checkActiveRole(bytes32 role, address account) internal view {
        if (!_consortium.hasActiveRole(role, account)) revert ConsortiumGovernedUnauthorized(account, role);
    }

    function _hasActiveRole(bytes32 role, address account) internal view returns (bool) {
        return _consortium.hasActiveRole(role, account);
    }

    function _isActiveParty(address account) internal view returns (bool) {
        return _consortium.isActiveParty(account);
    }
}
