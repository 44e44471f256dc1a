// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @title MockStablecoin
/// @notice A 6-decimal dollar stablecoin for local chains and tests. Anyone may mint: it has no value anywhere.
/// Real deployments configure a real ERC-20 instead.
/// @dev EIP-2612 `permit` (as USDC has), so that a client pays a premium with one signature in its wallet, relayed by
/// the insurer's API, without sending a transaction of its own. Domain "PolicyLedger Test Dollar", version "1".
contract MockStablecoin is ERC20, ERC20Permit {
    constructor() ERC20("PolicyLedger Test Dollar", "plUSD") ERC20Permit("PolicyLedger Test Dollar") {}

    /// @notice Mints `amount` to `to`.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @inheritdoc ERC20
    function decimals() public pure override returns (uint8) {
        return 6;
    }
}
