// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title ICheats
/// @notice The few cheatcodes of Hardhat 3's Solidity test runner (the Foundry set) that our tests use. Declared here
/// because the npm `forge-std` is an unofficial, broken copy.
/// @dev Call through `CHEATS`, the address the runner answers cheatcodes on.
interface ICheats {
    /// @notice Makes the next call come from `sender`.
    function prank(address sender) external;

    /// @notice Makes every following call come from `sender`, until `stopPrank`.
    function startPrank(address sender) external;

    /// @notice Ends a `startPrank`.
    function stopPrank() external;

    /// @notice Expects the next call to revert with exactly `revertData`.
    function expectRevert(bytes calldata revertData) external;

    /// @notice Discards the current fuzz input unless `condition` holds.
    function assume(bool condition) external;

    /// @notice Sets the block time.
    function warp(uint256 timestamp) external;

    /// @notice The address of the account whose private key is `privateKey`.
    function addr(uint256 privateKey) external pure returns (address account);

    /// @notice Signs `digest` with `privateKey` (secp256k1), as a wallet signs an EIP-712 hash.
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);
}

/// @dev keccak256("hevm cheat code"), the standard cheatcode address.
ICheats constant CHEATS = ICheats(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);
