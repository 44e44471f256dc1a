// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {MockStablecoin} from "./MockStablecoin.sol";

/// @title FreezableStablecoin
/// @notice The test stablecoin with an issuer's blacklist, as real dollar stablecoins have: a frozen account can
/// neither send nor receive. A trapped account also makes every transfer to it burn all the gas it is given, as a
/// hostile token could. Anyone may freeze or trap: it has no value anywhere.
contract FreezableStablecoin is MockStablecoin {
    mapping(address account => bool frozen) private _frozen;
    mapping(address account => bool trapped) private _trapped;

    /// @notice Emitted when an account is frozen or unfrozen.
    event FrozenSet(address indexed account, bool frozen);

    /// @notice Emitted when transfers to an account start or stop burning all their gas.
    event GasTrapSet(address indexed account, bool trapped);

    /// @notice Thrown when a frozen account sends or receives.
    error FreezableStablecoinFrozen(address account);

    /// @notice Freezes or unfreezes `account`.
    function setFrozen(address account, bool frozen) external {
        _frozen[account] = frozen;
        emit FrozenSet(account, frozen);
    }

    /// @notice Makes transfers to `account` burn all their gas (or stop doing so).
    function setGasTrap(address account, bool trapped) external {
        _trapped[account] = trapped;
        emit GasTrapSet(account, trapped);
    }

    /// @notice Whether `account` is frozen.
    function isFrozen(address account) external view returns (bool) {
        return _frozen[account];
    }

    function _update(address from, address to, uint256 value) internal override {
        if (_frozen[from]) revert FreezableStablecoinFrozen(from);
        if (_frozen[to]) revert FreezableStablecoinFrozen(to);
        if (_trapped[to]) {
            // INVALID consumes all the gas the call was given.
            assembly ("memory-safe") {
                invalid()
            }
        }
        super._update(from, to, value);
    }
}
