// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title ERC1271WalletMock
/// @notice A minimal contract wallet for tests: it accepts a signature when its owner key produced it, the way a
/// smart-account wallet of an insurer or client would answer EIP-1271.
contract ERC1271WalletMock is IERC1271 {
    address private immutable _owner;

    constructor(address owner_) {
        _owner = owner_;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address recovered, ECDSA.RecoverError error, ) = ECDSA.tryRecoverCalldata(hash, signature);
        if (error == ECDSA.RecoverError.NoError && recovered == _owner) return IERC1271.isValidSignature.selector;
        return bytes4(0xffffffff);
    }
}
