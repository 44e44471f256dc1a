// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title MockStablecoin
/// @notice A 6-decimal dollar stablecoin for local chains and tests. Anyone may mint: it has no value anywhere.
/// Real deployments configure a real ERC-20 instead.
contract MockStablecoin is ERC20 {
    constructor() ERC20("PolicyLedger Test Dollar", "plUSD") {}

    /// @notice Mints `amount` to `to`.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @inheritdoc ERC20
    function decimals() public pure override returns (uint8) {
        return 6;
    }
}
