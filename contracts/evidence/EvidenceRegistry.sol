// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {ConsortiumGoverned} from "../access/ConsortiumGoverned.sol";
import {IConsortiumAccess} from "../interfaces/IConsortiumAccess.sol";
import {IEvidenceRegistry} from "../interfaces/IEvidenceRegistry.sol";
import {Roles} from "../libraries/Roles.sol";

/// @title EvidenceRegistry
/// @notice Anchors, co-signatures, version chains, revocations and Merkle batches of signed insurance documents.
contract EvidenceRegistry is IEvidenceRegistry, ConsortiumGoverned, EIP712 {
    /// @notice EIP-712 type of a co-signature.
    bytes32 public constant CO_SIGNATURE_TYPEHASH = keccak256(
        "CoSignature(bytes32 documentHash,bytes32 termsHash,address signer,uint256 nonce,uint256 deadline)"
    );

    /// @notice EIP-712 type of a co-signature that carries flight delay terms; `terms` encodes to the termsHash.
    bytes32 public constant FLIGHT_DELAY_CO_SIGNATURE_TYPEHASH = keccak256(
        "FlightDelayCoSignature(bytes32 documentHash,FlightDelayTerms terms,address signer,uint256 nonce,"
        "uint256 deadline)FlightDelayTerms(address policyholder,string carrier,string flightNumber,"
        "uint32 departureDate,uint64 scheduledDeparture,uint64 scheduledArrival,uint64 coverageStart,"
        "uint64 coverageEnd,uint16[] delayTierMinutes,uint256[] delayTierPayouts,uint256 cancellationPayout,"
        "uint256 diversionPayout,uint256 sumInsured,uint256 premium,uint16 cancellationRefundBps)"
    );

    /// @notice EIP-712 type of a co-signature that carries weather index terms; `terms` encodes to the termsHash.
    bytes32 public constant WEATHER_INDEX_CO_SIGNATURE_TYPEHASH = keccak256(
        "WeatherIndexCoSignature(bytes32 documentHash,WeatherIndexTerms terms,address signer,uint256 nonce,"
        "uint256 deadline)WeatherIndexTerms(address policyholder,int32 latitudeE4,int32 longitudeE4,"
        "string stationId,uint8 metric,uint32 startDate,uint32 endDate,uint8 aggregation,int256 dayThreshold,"
        "int256 trigger,int256 exit,int256[] stepThresholds,uint256[] stepPayouts,uint256 sumInsured,"
        "uint256 premium,uint16 cancellationRefundBps)"
    );

    /// @notice Most co-signers a single document may require.
    uint8 public constant MAX_REQUIRED_SIGNERS = 8;

    /// @notice Retention classes defined at deployment (more can be defined under dual control).
    uint8 public constant RETENTION_LIFE = 1;
    uint8 public constant RETENTION_PROPERTY = 2;
    uint8 public constant RETENTION_HEALTH = 3;

    /// @dev How a recorded co-signature was made: over the termsHash (`cosign`) or over the terms (`cosignTerms`).
    enum CoSignatureKind {
        None,
        OverHash,
        OverTerms
    }

    /// @dev The stored record of a document: three slots, written once at anchoring. The list of required signers
    /// is not stored (it is in `DocumentAnchored`): `signersCommitment` binds it, and each co-signature supplies it.
    struct AnchorRecord {
        address registrant;
        uint40 anchoredAt;
        uint32 blockNumber;
        DocumentType documentType;
        uint8 retentionClass;
        DocumentStatus status;
        bytes32 termsHash;
        uint8 requiredSignerCount;
        uint8 signatureCount;
        uint32 version;
        RevocationReason revocationReason;
        uint40 revokedAt;
        bytes20 signersCommitment;
    }

    mapping(bytes32 documentHash => AnchorRecord) private _anchors;
    /// @dev Written when a required signer's co-signature is accepted, never at anchoring.
    mapping(bytes32 documentHash => mapping(address signer => CoSignatureKind)) private _coSignatures;
    mapping(bytes32 documentHash => bytes32 previousHash) private _previousVersions;
    /// @dev Only versions after the first have an entry; a first version is its own chain root.
    mapping(bytes32 documentHash => bytes32 rootHash) private _chainRoots;
    /// @dev Only chains with more than one version have an entry; otherwise the root is the head.
    mapping(bytes32 rootHash => bytes32 headHash) private _chainHeads;
    mapping(bytes32 merkleRoot => Batch) private _batches;
    mapping(uint8 retentionClass => RetentionRule) private _retentionRules;
    /// @dev Unordered nonces, as Uniswap's Permit2 keeps them: bit `nonce & 0xff` of word `nonce >> 8` is set once
    /// the nonce is used or cancelled.
    mapping(address signer => mapping(uint256 word => uint256 bitmap)) private _nonceBitmaps;

    /// @dev Reverts unless the caller is an active INSURER or REINSURER: the parties that register documents.
    modifier onlyRegistrantRole() {
        if (!_hasActiveRole(Roles.INSURER, msg.sender) && !_hasActiveRole(Roles.REINSURER, msg.sender)) {
            revert ConsortiumGovernedUnauthorized(msg.sender, Roles.INSURER);
        }
        _;
    }

    /// @param consortium_ The consortium access contract whose parties and proposals govern this registry.
    constructor(IConsortiumAccess consortium_) ConsortiumGoverned(consortium_) EIP712("PolicyLedger Evidence", "1") {
        _setRetentionClass(RETENTION_LIFE, 0, true);
        _setRetentionClass(RETENTION_PROPERTY, 15, true);
        _setRetentionClass(RETENTION_HEALTH, 20, true);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Writes
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IEvidenceRegistry
    function anchor(AnchorInput calldata input) external onlyRegistrantRole {
        _anchor(input, 1);
    }

    /// @inheritdoc IEvidenceRegistry
    function supersede(bytes32 previousHash, AnchorInput calldata input) external onlyRegistrantRole {
        AnchorRecord storage previous = _requireAnchor(previousHash);
        if (previous.status != DocumentStatus.Current)
            revert EvidenceRegistryNotCurrentVersion(previousHash, previous.status);
        if (previous.registrant != msg.sender) {
            revert EvidenceRegistryNotRegistrant(previousHash, msg.sender, previous.registrant);
        }
        uint32 version = previous.version + 1;
        bytes32 root = _rootOf(previousHash);

        previous.status = DocumentStatus.Superseded;
        _anchor(input, version);
        _previousVersions[input.documentHash] = previousHash;
        _chainRoots[input.documentHash] = root;
        _chainHeads[root] = input.documentHash;
        emit DocumentSuperseded(previousHash, input.documentHash, root, version);
    }

    /// @inheritdoc IEvidenceRegistry
    function cosign(
        bytes32 documentHash,
        address[] calldata requiredSigners,
        address signer,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external {
        _recordCoSignature(
            documentHash,
            requiredSigners,
            signer,
            CoSignatureKind.OverHash,
            CO_SIGNATURE_TYPEHASH,
            nonce,
            deadline,
            signature
        );
    }

    /// @inheritdoc IEvidenceRegistry
    function cosignTerms(
        bytes32 documentHash,
        address[] calldata requiredSigners,
        TermsType termsType,
        address signer,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external {
        bytes32 termsHash = _recordCoSignature(
            documentHash,
            requiredSigners,
            signer,
            CoSignatureKind.OverTerms,
            _termsCoSignatureTypehash(termsType),
            nonce,
            deadline,
            signature
        );
        emit TermsCoSigned(documentHash, signer, termsType, termsHash);
    }

    /// @inheritdoc IEvidenceRegistry
    function cancelNonces(uint256 word, uint256 mask) external {
        _nonceBitmaps[msg.sender][word] |= mask;
        emit NoncesCancelled(msg.sender, word, mask);
    }

    /// @inheritdoc IEvidenceRegistry
    function revoke(bytes32 documentHash, RevocationReason reason) external onlyRegistrantRole {
        AnchorRecord storage record = _requireAnchor(documentHash);
        if (record.status == DocumentStatus.Revoked) revert EvidenceRegistryAlreadyRevoked(documentHash);
        if (record.registrant != msg.sender) {
            revert EvidenceRegistryNotRegistrant(documentHash, msg.sender, record.registrant);
        }
        record.status = DocumentStatus.Revoked;
        record.revocationReason = reason;
        record.revokedAt = uint40(block.timestamp);
        emit DocumentRevoked(documentHash, msg.sender, reason);
    }

    /// @inheritdoc IEvidenceRegistry
    function anchorBatch(
        bytes32 merkleRoot,
        uint24 documentCount,
        string calldata storagePointer
    ) external onlyRegistrantRole {
        if (merkleRoot == bytes32(0) || documentCount == 0)
            revert EvidenceRegistryInvalidBatch(merkleRoot, documentCount);
        if (bytes(storagePointer).length == 0) revert EvidenceRegistryMissingStoragePointer(merkleRoot);
        if (_batches[merkleRoot].registrant != address(0)) revert EvidenceRegistryBatchAlreadyAnchored(merkleRoot);
        _batches[merkleRoot] = Batch({
            registrant: msg.sender,
            anchoredAt: uint40(block.timestamp),
            blockNumber: uint32(block.number),
            documentCount: documentCount
        });
        emit BatchAnchored(merkleRoot, msg.sender, documentCount, storagePointer);
    }

    /// @inheritdoc IEvidenceRegistry
    function setRetentionClass(uint8 retentionClass, uint16 retentionYears, bool defined) external onlyDualControl {
        _setRetentionClass(retentionClass, retentionYears, defined);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IEvidenceRegistry
    function getAnchor(bytes32 documentHash) external view returns (Anchor memory) {
        AnchorRecord storage record = _anchors[documentHash];
        return
            Anchor({
                registrant: record.registrant,
                anchoredAt: record.anchoredAt,
                blockNumber: record.blockNumber,
                documentType: record.documentType,
                retentionClass: record.retentionClass,
                status: record.status,
                termsHash: record.termsHash,
                requiredSignerCount: record.requiredSignerCount,
                signatureCount: record.signatureCount,
                version: record.version,
                revocationReason: record.revocationReason,
                revokedAt: record.revokedAt
            });
    }

    /// @inheritdoc IEvidenceRegistry
    function isAnchored(bytes32 documentHash) external view returns (bool) {
        return _anchors[documentHash].status != DocumentStatus.None;
    }

    /// @inheritdoc IEvidenceRegistry
    function isFullySigned(bytes32 documentHash) external view returns (bool) {
        AnchorRecord storage record = _requireAnchor(documentHash);
        return record.signatureCount == record.requiredSignerCount;
    }

    /// @inheritdoc IEvidenceRegistry
    function signedTerms(bytes32 documentHash, address signer) external view returns (bool) {
        return _coSignatures[documentHash][signer] == CoSignatureKind.OverTerms;
    }

    /// @inheritdoc IEvidenceRegistry
    function signerState(bytes32 documentHash, address signer) external view returns (SignerState) {
        if (_coSignatures[documentHash][signer] != CoSignatureKind.None) return SignerState.Signed;
        AnchorRecord storage record = _anchors[documentHash];
        // Once every required signer has signed, an account without a co-signature is not one of them.
        if (record.status == DocumentStatus.None || record.signatureCount == record.requiredSignerCount) {
            return SignerState.NotRequired;
        }
        return SignerState.Pending;
    }

    /// @inheritdoc IEvidenceRegistry
    function requiredSignerState(
        bytes32 documentHash,
        address[] calldata requiredSigners,
        address signer
    ) external view returns (SignerState) {
        _requireSigners(_requireAnchor(documentHash), documentHash, requiredSigners);
        if (_coSignatures[documentHash][signer] != CoSignatureKind.None) return SignerState.Signed;
        return _isListed(requiredSigners, signer) ? SignerState.Pending : SignerState.NotRequired;
    }

    /// @inheritdoc IEvidenceRegistry
    function signersCommitment(bytes32 documentHash, address[] calldata requiredSigners) public pure returns (bytes20) {
        return bytes20(keccak256(abi.encode(documentHash, requiredSigners)));
    }

    /// @inheritdoc IEvidenceRegistry
    function currentVersion(bytes32 documentHash) external view returns (bytes32) {
        _requireAnchor(documentHash);
        bytes32 root = _rootOf(documentHash);
        bytes32 head = _chainHeads[root];
        if (head == bytes32(0)) head = root;
        return _anchors[head].status == DocumentStatus.Current ? head : bytes32(0);
    }

    /// @inheritdoc IEvidenceRegistry
    function chainRoot(bytes32 documentHash) external view returns (bytes32) {
        _requireAnchor(documentHash);
        return _rootOf(documentHash);
    }

    /// @inheritdoc IEvidenceRegistry
    function previousVersion(bytes32 documentHash) external view returns (bytes32) {
        _requireAnchor(documentHash);
        return _previousVersions[documentHash];
    }

    /// @inheritdoc IEvidenceRegistry
    function getBatch(bytes32 merkleRoot) external view returns (Batch memory) {
        return _batches[merkleRoot];
    }

    /// @inheritdoc IEvidenceRegistry
    function verifyBatchMember(
        bytes32 merkleRoot,
        bytes32 documentHash,
        bytes32[] calldata proof
    ) external view returns (bool) {
        if (_batches[merkleRoot].registrant == address(0)) return false;
        return MerkleProof.verifyCalldata(proof, merkleRoot, batchLeaf(documentHash));
    }

    /// @inheritdoc IEvidenceRegistry
    function batchLeaf(bytes32 documentHash) public pure returns (bytes32) {
        // Same double hash as OpenZeppelin's StandardMerkleTree, which guards against second-preimage attacks.
        return keccak256(bytes.concat(keccak256(abi.encode(documentHash))));
    }

    /// @inheritdoc IEvidenceRegistry
    function coSignatureDigest(
        bytes32 documentHash,
        address signer,
        uint256 nonce,
        uint256 deadline
    ) external view returns (bytes32) {
        return
            _coSignatureDigest(
                CO_SIGNATURE_TYPEHASH,
                documentHash,
                _anchors[documentHash].termsHash,
                signer,
                nonce,
                deadline
            );
    }

    /// @inheritdoc IEvidenceRegistry
    function termsCoSignatureDigest(
        bytes32 documentHash,
        TermsType termsType,
        address signer,
        uint256 nonce,
        uint256 deadline
    ) external view returns (bytes32) {
        return
            _coSignatureDigest(
                _termsCoSignatureTypehash(termsType),
                documentHash,
                _anchors[documentHash].termsHash,
                signer,
                nonce,
                deadline
            );
    }

    /// @inheritdoc IEvidenceRegistry
    function isNonceUsed(address signer, uint256 nonce) external view returns (bool) {
        return _nonceBitmaps[signer][nonce >> 8] & (1 << (nonce & 0xff)) != 0;
    }

    /// @inheritdoc IEvidenceRegistry
    function nonceBitmap(address signer, uint256 word) external view returns (uint256) {
        return _nonceBitmaps[signer][word];
    }

    /// @inheritdoc IEvidenceRegistry
    function retentionRule(uint8 retentionClass) external view returns (RetentionRule memory) {
        return _retentionRules[retentionClass];
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------------------------

    function _anchor(AnchorInput calldata input, uint32 version) private {
        bytes32 documentHash = input.documentHash;
        if (documentHash == bytes32(0)) revert EvidenceRegistryInvalidDocumentHash(documentHash);
        if (_anchors[documentHash].status != DocumentStatus.None) revert EvidenceRegistryAlreadyAnchored(documentHash);
        if (!_retentionRules[input.retentionClass].defined) {
            revert EvidenceRegistryUnknownRetentionClass(input.retentionClass);
        }
        if (bytes(input.storagePointer).length == 0) revert EvidenceRegistryMissingStoragePointer(documentHash);

        uint256 signerCount = input.requiredSigners.length;
        if (signerCount > MAX_REQUIRED_SIGNERS)
            revert EvidenceRegistryTooManySigners(signerCount, MAX_REQUIRED_SIGNERS);
        for (uint256 i = 0; i < signerCount; ++i) {
            address signer = input.requiredSigners[i];
            if (!_isActiveParty(signer) || _isListed(input.requiredSigners[:i], signer)) {
                revert EvidenceRegistryInvalidSigner(signer);
            }
        }

        _anchors[documentHash] = AnchorRecord({
            registrant: msg.sender,
            anchoredAt: uint40(block.timestamp),
            blockNumber: uint32(block.number),
            documentType: input.documentType,
            retentionClass: input.retentionClass,
            status: DocumentStatus.Current,
            termsHash: input.termsHash,
            requiredSignerCount: uint8(signerCount),
            signatureCount: 0,
            version: version,
            revocationReason: RevocationReason.Unspecified,
            revokedAt: 0,
            signersCommitment: signersCommitment(documentHash, input.requiredSigners)
        });
        emit DocumentAnchored(
            documentHash,
            msg.sender,
            input.termsHash,
            input.documentType,
            input.retentionClass,
            input.policyRef,
            input.storagePointer,
            input.requiredSigners
        );
    }

    function _setRetentionClass(uint8 retentionClass, uint16 retentionYears, bool defined) private {
        _retentionRules[retentionClass] = RetentionRule({defined: defined, retentionYears: retentionYears});
        emit RetentionClassSet(retentionClass, retentionYears, defined);
    }

    function _requireAnchor(bytes32 documentHash) private view returns (AnchorRecord storage record) {
        record = _anchors[documentHash];
        if (record.status == DocumentStatus.None) revert EvidenceRegistryUnknownDocument(documentHash);
    }

    function _rootOf(bytes32 documentHash) private view returns (bytes32) {
        bytes32 root = _chainRoots[documentHash];
        return root == bytes32(0) ? documentHash : root;
    }

    /// @dev Marks `nonce` used; reverts if it was used or cancelled before.
    function _useNonce(address signer, uint256 nonce) private {
        uint256 bit = 1 << (nonce & 0xff);
        mapping(uint256 word => uint256 bitmap) storage bitmaps = _nonceBitmaps[signer];
        uint256 bitmap = bitmaps[nonce >> 8];
        if (bitmap & bit != 0) revert EvidenceRegistryNonceUsed(signer, nonce);
        bitmaps[nonce >> 8] = bitmap | bit;
    }

    /// @dev Checks and records `signer`'s co-signature of `documentHash` over the message of type `typehash`, whose
    /// second member is the anchor's termsHash (plain, or the struct hash of nested terms). Returns the termsHash.
    function _recordCoSignature(
        bytes32 documentHash,
        address[] calldata requiredSigners,
        address signer,
        CoSignatureKind kind,
        bytes32 typehash,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) private returns (bytes32 termsHash) {
        AnchorRecord storage record = _requireAnchor(documentHash);
        if (record.status == DocumentStatus.Revoked) revert EvidenceRegistryAlreadyRevoked(documentHash);
        if (block.timestamp > deadline) revert EvidenceRegistrySignatureExpired(deadline, block.timestamp);
        termsHash = record.termsHash;
        if (kind == CoSignatureKind.OverTerms && termsHash == bytes32(0)) revert EvidenceRegistryNoTerms(documentHash);

        _requireSigners(record, documentHash, requiredSigners);
        if (!_isListed(requiredSigners, signer)) revert EvidenceRegistrySignerNotRequired(documentHash, signer);
        if (_coSignatures[documentHash][signer] != CoSignatureKind.None) {
            revert EvidenceRegistryAlreadySigned(documentHash, signer);
        }
        if (!_isActiveParty(signer)) revert EvidenceRegistryInvalidSigner(signer);

        _useNonce(signer, nonce);

        bytes32 digest = _coSignatureDigest(typehash, documentHash, termsHash, signer, nonce, deadline);
        if (!SignatureChecker.isValidSignatureNow(signer, digest, signature)) {
            revert EvidenceRegistryInvalidSignature(documentHash, signer);
        }

        _coSignatures[documentHash][signer] = kind;
        uint8 signatureCount = ++record.signatureCount;
        emit DocumentCoSigned(documentHash, signer, signatureCount, record.requiredSignerCount);
    }

    /// @dev Reverts unless `requiredSigners` is the list the document was anchored with.
    function _requireSigners(
        AnchorRecord storage record,
        bytes32 documentHash,
        address[] calldata requiredSigners
    ) private view {
        if (record.signersCommitment != signersCommitment(documentHash, requiredSigners)) {
            revert EvidenceRegistryWrongSignerList(documentHash);
        }
    }

    function _isListed(address[] calldata accounts, address account) private pure returns (bool) {
        for (uint256 i = 0; i < accounts.length; ++i) {
            if (accounts[i] == account) return true;
        }
        return false;
    }

    function _termsCoSignatureTypehash(TermsType termsType) private pure returns (bytes32) {
        return
            termsType == TermsType.FlightDelay
                ? FLIGHT_DELAY_CO_SIGNATURE_TYPEHASH
                : WEATHER_INDEX_CO_SIGNATURE_TYPEHASH;
    }

    function _coSignatureDigest(
        bytes32 typehash,
        bytes32 documentHash,
        bytes32 termsHash,
        address signer,
        uint256 nonce,
        uint256 deadline
    ) private view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(typehash, documentHash, termsHash, signer, nonce, deadline)));
    }
}
