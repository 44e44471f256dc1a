// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {ConsortiumAccess} from "../../contracts/access/ConsortiumAccess.sol";
import {EvidenceRegistry} from "../../contracts/evidence/EvidenceRegistry.sol";
import {IConsortiumAccess} from "../../contracts/interfaces/IConsortiumAccess.sol";
import {IEvidenceRegistry} from "../../contracts/interfaces/IEvidenceRegistry.sol";
import {Roles} from "../../contracts/libraries/Roles.sol";
import {CHEATS} from "../helpers/Cheats.sol";

/// @title EvidenceRegistryTest
/// @notice Fuzzed invariants of the evidence registry: a version chain has exactly one head, a revoked document is
/// never current, and a Merkle batch proves its members and nothing else.
contract EvidenceRegistryTest {
    /// @dev What the test believes about one version chain; `members[i]` is version `i + 1`.
    struct ChainModel {
        bytes32 id;
        uint256 length;
        bytes32[] members;
        bool[] revoked;
        IEvidenceRegistry.RevocationReason[] reasons;
        uint40[] revokedAt;
    }

    /// @notice Thrown when a checked condition does not hold.
    error AssertionFailed(string what);

    /// @notice Thrown when a hash differs from the expected one.
    error Bytes32Mismatch(string what, bytes32 actual, bytes32 expected);

    /// @notice Thrown when a number differs from the expected one.
    error UintMismatch(string what, uint256 actual, uint256 expected);

    address private constant SECOND_ADMIN = address(uint160(uint256(keccak256("policyledger.test.second-admin"))));
    address private constant INSURER = address(uint160(uint256(keccak256("policyledger.test.insurer"))));
    address private constant CLIENT = address(uint160(uint256(keccak256("policyledger.test.client"))));

    /// @dev Property retention, defined when the registry is deployed.
    uint8 private constant RETENTION_CLASS = 2;
    string private constant STORAGE_POINTER = "ipfs://QmTestPolicyLedgerEncryptedDocument";
    string private constant POLICY_REF = "POL-TEST-0001";

    /// @dev Bounds that keep 256 fuzz runs of each test within a few seconds.
    uint256 private constant MAX_STEPS = 16;
    uint256 private constant CHAIN_COUNT = 3;
    uint256 private constant MAX_LEAVES = 32;
    uint8 private constant REVOCATION_REASON_COUNT = 7;

    ConsortiumAccess private _access;
    EvidenceRegistry private _registry;

    function setUp() public {
        IConsortiumAccess.PartyRegistration[] memory founders = new IConsortiumAccess.PartyRegistration[](2);
        founders[0] = IConsortiumAccess.PartyRegistration({
            account: address(this),
            legalName: "Test Admin One",
            identifier: "5493000TESTADMIN0001",
            encryptionPublicKey: hex"01"
        });
        founders[1] = IConsortiumAccess.PartyRegistration({
            account: SECOND_ADMIN,
            legalName: "Test Admin Two",
            identifier: "5493000TESTADMIN0002",
            encryptionPublicKey: hex"02"
        });
        _access = new ConsortiumAccess(founders);
        _access.registerParty(INSURER, "Test Insurer", "5493000TESTINSURER01", hex"03");
        _access.registerParty(CLIENT, "Test Client", "5493000TESTCLIENT001", hex"04");
        _grantUnderDualControl(Roles.INSURER, INSURER);
        _grantUnderDualControl(Roles.CLIENT, CLIENT);
        _registry = new EvidenceRegistry(_access);

        _assertTrue(_access.hasActiveRole(Roles.INSURER, INSURER), "insurer holds INSURER_ROLE");
        _assertTrue(_access.hasActiveRole(Roles.CLIENT, CLIENT), "client holds CLIENT_ROLE");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Invariant 1: a version chain has exactly one head
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Random supersessions of the head and revocations of any member; after every step at most one member is
    /// Current, it is the head whenever the head is not revoked, every member resolves to the same head and root, and
    /// the previous-version links walk from the head back to the root through versions n..1.
    function testFuzz_versionChainHasExactlyOneHead(uint256 seed, uint8 stepCount) public {
        uint256 steps = 1 + (stepCount % MAX_STEPS);
        ChainModel memory chain = _startChain(keccak256(abi.encode("one-head", seed)));
        _assertChainConsistent(chain);

        for (uint256 step = 0; step < steps; ++step) {
            uint256 entropy = uint256(keccak256(abi.encode(seed, step)));
            CHEATS.warp(block.timestamp + 1 + ((entropy >> 128) % 1 days));
            // Two supersessions for every revocation, so chains grow long and some heads survive.
            if (entropy % 3 == 0) {
                _revokeMember(chain, entropy >> 8);
            } else {
                _supersedeHead(chain);
            }
            _assertChainConsistent(chain);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Invariant 2: a revoked document is never current
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Interleaves supersessions, revocations and attempts to supersede a non-current version over several
    /// chains; after every step no revoked hash is returned by `currentVersion`, each revoked document keeps its status,
    /// reason and time, and superseding a revoked or superseded version reverts with `EvidenceRegistryNotCurrentVersion`.
    function testFuzz_revokedDocumentIsNeverCurrent(uint256 seed, uint8 stepCount) public {
        uint256 steps = 1 + (stepCount % MAX_STEPS);
        ChainModel[] memory chains = new ChainModel[](CHAIN_COUNT);
        for (uint256 c = 0; c < CHAIN_COUNT; ++c) {
            chains[c] = _startChain(keccak256(abi.encode("never-current", seed, c)));
        }

        for (uint256 step = 0; step < steps; ++step) {
            uint256 entropy = uint256(keccak256(abi.encode(seed, step)));
            CHEATS.warp(block.timestamp + 1 + ((entropy >> 128) % 1 days));
            ChainModel memory chain = chains[entropy % CHAIN_COUNT];
            uint256 op = (entropy >> 8) % 4;
            if (op == 0) {
                _supersedeHead(chain);
            } else if (op == 1) {
                _revokeMember(chain, entropy >> 16);
            } else {
                _supersedeStaleVersion(chain, entropy >> 16);
            }
            _assertRevokedNeverCurrent(chains);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Invariant 3: a batch proves its members and nothing else
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Builds a StandardMerkleTree-shaped tree over 1..32 fuzzed document hashes, anchors its root, and checks
    /// that every member verifies with its proof, that a non-member fails with every member's proof, and that no
    /// member verifies before the root is anchored.
    function testFuzz_batchProofVerifiesMembersOnly(
        bytes32[] memory documentHashes,
        uint8 leafCount,
        bytes32 outsider
    ) public {
        uint256 count = 1 + (leafCount % MAX_LEAVES);
        bytes32[] memory members = new bytes32[](count);
        for (uint256 i = 0; i < count; ++i) {
            // Short fuzzed arrays are topped up with derived hashes so every leaf count is exercised.
            members[i] = i < documentHashes.length ? documentHashes[i] : keccak256(abi.encode(outsider, i));
        }
        CHEATS.assume(_distinctAndNonZero(members) && !_contains(members, outsider));

        bytes32[] memory tree = _buildTree(members);
        bytes32 root = tree[0];
        bytes32[][] memory proofs = new bytes32[][](count);
        for (uint256 i = 0; i < count; ++i) {
            _assertEq(_registry.batchLeaf(members[i]), _leaf(members[i]), "leaf encoding");
            proofs[i] = _proof(tree, _treeIndexOf(tree, count, _leaf(members[i])));
            _assertTrue(
                !_registry.verifyBatchMember(root, members[i], proofs[i]),
                "a valid proof does not verify against an un-anchored root"
            );
        }

        CHEATS.prank(INSURER);
        _registry.anchorBatch(root, uint24(count), STORAGE_POINTER);
        IEvidenceRegistry.Batch memory batch = _registry.getBatch(root);
        _assertEq(uint256(uint160(batch.registrant)), uint256(uint160(INSURER)), "batch registrant");
        _assertEq(batch.documentCount, count, "batch document count");

        for (uint256 i = 0; i < count; ++i) {
            _assertTrue(_registry.verifyBatchMember(root, members[i], proofs[i]), "member verifies with its proof");
            _assertTrue(
                !_registry.verifyBatchMember(root, outsider, proofs[i]),
                "non-member does not verify with a member's proof"
            );
        }
    }

    /// @notice Pins the tree builder above to OpenZeppelin's StandardMerkleTree: the root and a proof that the npm
    /// package merkle-tree 1.0.8 produced for five known hashes, which the registry accepts once the root is anchored.
    function test_batchMatchesStandardMerkleTreeVector() public {
        bytes32[] memory members = new bytes32[](5);
        members[0] = keccak256("policyledger.batch.vector.1");
        members[1] = keccak256("policyledger.batch.vector.2");
        members[2] = keccak256("policyledger.batch.vector.3");
        members[3] = keccak256("policyledger.batch.vector.4");
        members[4] = keccak256("policyledger.batch.vector.5");
        bytes32 expectedRoot = 0x565c0b664cd83d7dde20d39ad5070db583305c8aaa7bdc1fb2e5ed06f3021788;
        bytes32[] memory expectedProof = new bytes32[](2);
        expectedProof[0] = 0x0edf8bc39d7e0abad9dd6ee6020683db3be65fa05ad7e87efdc86815d5b2f1c2;
        expectedProof[1] = 0xfd8dcc5593a06c7a1852fececc978e90d4cde8c6653757f915af60990aab20c3;

        bytes32[] memory tree = _buildTree(members);
        _assertEq(tree[0], expectedRoot, "root of the StandardMerkleTree vector");
        bytes32[] memory proof = _proof(tree, _treeIndexOf(tree, members.length, _leaf(members[2])));
        _assertEq(proof.length, expectedProof.length, "proof length of the vector's third member");
        for (uint256 i = 0; i < proof.length; ++i) {
            _assertEq(proof[i], expectedProof[i], "proof of the vector's third member");
        }

        CHEATS.prank(INSURER);
        _registry.anchorBatch(expectedRoot, uint24(members.length), STORAGE_POINTER);
        _assertTrue(_registry.verifyBatchMember(expectedRoot, members[2], expectedProof), "vector member verifies");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Chain operations, applied to the registry and to the model together
    // ---------------------------------------------------------------------------------------------------------------

    function _startChain(bytes32 id) private returns (ChainModel memory chain) {
        chain.id = id;
        chain.members = new bytes32[](MAX_STEPS + 1);
        chain.revoked = new bool[](MAX_STEPS + 1);
        chain.reasons = new IEvidenceRegistry.RevocationReason[](MAX_STEPS + 1);
        chain.revokedAt = new uint40[](MAX_STEPS + 1);
        chain.members[0] = _versionHash(chain, 1);
        chain.length = 1;
        CHEATS.prank(INSURER);
        _registry.anchor(_document(chain.members[0], IEvidenceRegistry.DocumentType.Policy));
    }

    /// @dev Supersedes the head; when the head is revoked the registry must refuse, leaving the chain as it was.
    function _supersedeHead(ChainModel memory chain) private {
        bytes32 head = chain.members[chain.length - 1];
        bytes32 next = _versionHash(chain, chain.length + 1);
        if (chain.revoked[chain.length - 1]) {
            _expectNotCurrent(head, IEvidenceRegistry.DocumentStatus.Revoked, next);
            return;
        }
        CHEATS.prank(INSURER);
        _registry.supersede(head, _document(next, IEvidenceRegistry.DocumentType.Endorsement));
        chain.members[chain.length] = next;
        ++chain.length;
    }

    /// @dev Revokes a pseudo-randomly chosen member; revoking it a second time must fail.
    function _revokeMember(ChainModel memory chain, uint256 entropy) private {
        uint256 index = entropy % chain.length;
        bytes32 target = chain.members[index];
        IEvidenceRegistry.RevocationReason reason = IEvidenceRegistry.RevocationReason(
            uint8((entropy >> 8) % REVOCATION_REASON_COUNT)
        );
        if (chain.revoked[index]) {
            CHEATS.expectRevert(
                abi.encodeWithSelector(IEvidenceRegistry.EvidenceRegistryAlreadyRevoked.selector, target)
            );
            CHEATS.prank(INSURER);
            _registry.revoke(target, reason);
            return;
        }
        CHEATS.prank(INSURER);
        _registry.revoke(target, reason);
        chain.revoked[index] = true;
        chain.reasons[index] = reason;
        chain.revokedAt[index] = uint40(block.timestamp);
    }

    /// @dev Tries to supersede a member that is not the live head (revoked or superseded); the registry must refuse.
    /// A chain whose only member is its live head has no such member, so it is superseded normally instead.
    function _supersedeStaleVersion(ChainModel memory chain, uint256 entropy) private {
        uint256 headIndex = chain.length - 1;
        uint256 staleCount = chain.revoked[headIndex] ? chain.length : headIndex;
        if (staleCount == 0) {
            _supersedeHead(chain);
            return;
        }
        uint256 index = entropy % staleCount;
        IEvidenceRegistry.DocumentStatus status =
            chain.revoked[index]
                ? IEvidenceRegistry.DocumentStatus.Revoked
                : IEvidenceRegistry.DocumentStatus.Superseded;
        _expectNotCurrent(chain.members[index], status, keccak256(abi.encode(chain.id, "stale", entropy)));
    }

    function _expectNotCurrent(bytes32 previous, IEvidenceRegistry.DocumentStatus status, bytes32 next) private {
        CHEATS.expectRevert(
            abi.encodeWithSelector(IEvidenceRegistry.EvidenceRegistryNotCurrentVersion.selector, previous, status)
        );
        CHEATS.prank(INSURER);
        _registry.supersede(previous, _document(next, IEvidenceRegistry.DocumentType.Endorsement));
        _assertTrue(!_registry.isAnchored(next), "a refused version is not anchored");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Invariant checks
    // ---------------------------------------------------------------------------------------------------------------

    function _assertChainConsistent(ChainModel memory chain) private view {
        uint256 n = chain.length;
        bytes32 root = chain.members[0];
        bytes32 head = chain.members[n - 1];
        bool headLive = !chain.revoked[n - 1];
        bytes32 expectedCurrent = headLive ? head : bytes32(0);

        uint256 currentCount = 0;
        for (uint256 i = 0; i < n; ++i) {
            bytes32 member = chain.members[i];
            IEvidenceRegistry.Anchor memory record = _registry.getAnchor(member);
            if (record.status == IEvidenceRegistry.DocumentStatus.Current) {
                ++currentCount;
                _assertEq(member, head, "only the head is Current");
            }
            _assertEq(uint256(record.status), uint256(_expectedStatus(chain, i)), "member status");
            _assertEq(record.version, i + 1, "member version");
            _assertEq(_registry.currentVersion(member), expectedCurrent, "currentVersion of a member");
            _assertEq(_registry.chainRoot(member), root, "chainRoot of a member");
        }
        _assertTrue(currentCount <= 1, "at most one Current member");
        if (headLive) _assertEq(currentCount, 1, "exactly one Current member while the head stands");

        // Walk the registry's own links from the head: versions n, n-1, ..., 1, ending at the root.
        bytes32 cursor = head;
        uint256 version = n;
        while (true) {
            _assertEq(cursor, chain.members[version - 1], "previousVersion walk");
            _assertEq(_registry.getAnchor(cursor).version, version, "version along the walk");
            bytes32 previous = _registry.previousVersion(cursor);
            if (previous == bytes32(0)) break;
            _assertTrue(version > 1, "previousVersion walk runs past the root");
            cursor = previous;
            --version;
        }
        _assertEq(cursor, root, "previousVersion walk ends at the root");
        _assertEq(version, 1, "previousVersion walk visits every version");
    }

    function _assertRevokedNeverCurrent(ChainModel[] memory chains) private view {
        for (uint256 c = 0; c < chains.length; ++c) {
            ChainModel memory chain = chains[c];
            for (uint256 i = 0; i < chain.length; ++i) {
                bytes32 member = chain.members[i];
                bytes32 current = _registry.currentVersion(member);
                if (current != bytes32(0)) {
                    _assertTrue(!_isRevokedAnywhere(chains, current), "currentVersion returned a revoked document");
                    _assertEq(
                        uint256(_registry.getAnchor(current).status),
                        uint256(IEvidenceRegistry.DocumentStatus.Current),
                        "currentVersion returned a non-Current document"
                    );
                }
                _assertEq(uint256(_registry.getAnchor(member).status), uint256(_expectedStatus(chain, i)), "status");
                if (chain.revoked[i]) {
                    IEvidenceRegistry.Anchor memory record = _registry.getAnchor(member);
                    _assertEq(uint256(record.revocationReason), uint256(chain.reasons[i]), "revocation reason");
                    _assertEq(record.revokedAt, chain.revokedAt[i], "revocation time");
                }
            }
        }
    }

    function _expectedStatus(
        ChainModel memory chain,
        uint256 index
    ) private pure returns (IEvidenceRegistry.DocumentStatus) {
        if (chain.revoked[index]) return IEvidenceRegistry.DocumentStatus.Revoked;
        if (index == chain.length - 1) return IEvidenceRegistry.DocumentStatus.Current;
        return IEvidenceRegistry.DocumentStatus.Superseded;
    }

    function _isRevokedAnywhere(ChainModel[] memory chains, bytes32 documentHash) private pure returns (bool) {
        for (uint256 c = 0; c < chains.length; ++c) {
            for (uint256 i = 0; i < chains[c].length; ++i) {
                if (chains[c].members[i] == documentHash && chains[c].revoked[i]) return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Merkle tree in the shape of OpenZeppelin's StandardMerkleTree
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev Leaf encoding ['bytes32']: the double keccak guards against second preimages.
    function _leaf(bytes32 documentHash) private pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(documentHash))));
    }

    function _hashPair(bytes32 a, bytes32 b) private pure returns (bytes32) {
        return a < b ? keccak256(abi.encode(a, b)) : keccak256(abi.encode(b, a));
    }

    /// @dev A complete binary tree as an array of 2n-1 nodes: the root at 0, the children of node i at 2i+1 and
    /// 2i+2, and the leaves, sorted ascending, placed from the last slot backwards.
    function _buildTree(bytes32[] memory documentHashes) private pure returns (bytes32[] memory tree) {
        uint256 leafCount = documentHashes.length;
        bytes32[] memory leaves = new bytes32[](leafCount);
        for (uint256 i = 0; i < leafCount; ++i) {
            leaves[i] = _leaf(documentHashes[i]);
        }
        _sortAscending(leaves);

        tree = new bytes32[](2 * leafCount - 1);
        for (uint256 i = 0; i < leafCount; ++i) {
            tree[tree.length - 1 - i] = leaves[i];
        }
        for (uint256 node = leafCount - 1; node > 0; --node) {
            tree[node - 1] = _hashPair(tree[2 * node - 1], tree[2 * node]);
        }
    }

    /// @dev The siblings on the path from node `index` up to the root.
    function _proof(bytes32[] memory tree, uint256 index) private pure returns (bytes32[] memory proof) {
        uint256 depth = 0;
        for (uint256 i = index; i > 0; i = (i - 1) / 2) ++depth;
        proof = new bytes32[](depth);
        uint256 level = 0;
        for (uint256 i = index; i > 0; i = (i - 1) / 2) {
            proof[level++] = tree[i % 2 == 1 ? i + 1 : i - 1];
        }
    }

    function _treeIndexOf(bytes32[] memory tree, uint256 leafCount, bytes32 leaf) private pure returns (uint256) {
        for (uint256 i = tree.length - leafCount; i < tree.length; ++i) {
            if (tree[i] == leaf) return i;
        }
        revert Bytes32Mismatch("leaf missing from tree", leaf, bytes32(0));
    }

    function _sortAscending(bytes32[] memory values) private pure {
        for (uint256 i = 1; i < values.length; ++i) {
            bytes32 value = values[i];
            uint256 j = i;
            while (j > 0 && values[j - 1] > value) {
                values[j] = values[j - 1];
                --j;
            }
            values[j] = value;
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Setup and small helpers
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev This contract proposes (first approval), the second founding ADMIN approves, and this contract executes.
    function _grantUnderDualControl(bytes32 role, address account) private {
        uint256 proposalId = _access.propose(
            address(_access),
            abi.encodeCall(IAccessControl.grantRole, (role, account))
        );
        CHEATS.prank(SECOND_ADMIN);
        _access.approve(proposalId);
        _access.execute(proposalId);
    }

    function _document(
        bytes32 documentHash,
        IEvidenceRegistry.DocumentType documentType
    ) private pure returns (IEvidenceRegistry.AnchorInput memory) {
        address[] memory requiredSigners = new address[](1);
        requiredSigners[0] = CLIENT;
        return
            IEvidenceRegistry.AnchorInput({
                documentHash: documentHash,
                termsHash: bytes32(0),
                documentType: documentType,
                retentionClass: RETENTION_CLASS,
                policyRef: POLICY_REF,
                storagePointer: STORAGE_POINTER,
                requiredSigners: requiredSigners
            });
    }

    function _versionHash(ChainModel memory chain, uint256 version) private pure returns (bytes32) {
        return keccak256(abi.encode(chain.id, version));
    }

    function _distinctAndNonZero(bytes32[] memory values) private pure returns (bool) {
        for (uint256 i = 0; i < values.length; ++i) {
            if (values[i] == bytes32(0)) return false;
            for (uint256 j = i + 1; j < values.length; ++j) {
                if (values[i] == values[j]) return false;
            }
        }
        return true;
    }

    function _contains(bytes32[] memory values, bytes32 value) private pure returns (bool) {
        for (uint256 i = 0; i < values.length; ++i) {
            if (values[i] == value) return true;
        }
        return false;
    }

    function _assertTrue(bool condition, string memory what) private pure {
        if (!condition) revert AssertionFailed(what);
    }

    function _assertEq(bytes32 actual, bytes32 expected, string memory what) private pure {
        if (actual != expected) revert Bytes32Mismatch(what, actual, expected);
    }

    function _assertEq(uint256 actual, uint256 expected, string memory what) private pure {
        if (actual != expected) revert UintMismatch(what, actual, expected);
    }
}
