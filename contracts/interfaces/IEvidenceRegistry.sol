// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IConsortiumGoverned} from "./IConsortiumGoverned.sol";

/// @title IEvidenceRegistry
/// @notice Tamper-evident evidence of signed insurance documents. A document is anchored by the SHA-256 hash of its
/// exact bytes (so anyone can check it with `sha256sum`), together with the hash of its executable terms, its type,
/// policy reference, storage pointer and retention class. The parties named as required signers co-sign it with
/// EIP-712 typed data; endorsements supersede earlier versions in a version chain; documents can be revoked with a
/// reason; and high volumes go through Merkle batches whose leaves follow OpenZeppelin's `StandardMerkleTree` with
/// leaf encoding `['bytes32']`.
/// @dev The policy reference, storage pointer and list of required signers are kept in the `DocumentAnchored` event
/// (part of the ledger's receipts) rather than in storage; the fixed-size facts a contract needs are in storage, with
/// a commitment to the list of required signers (`signersCommitment`) that every co-signature's relayer supplies the
/// list against. A co-signer's state is stored when its co-signature is accepted, not at anchoring.
interface IEvidenceRegistry is IConsortiumGoverned {
    /// @notice The kind of document an anchor stands for.
    enum DocumentType {
        Policy,
        Endorsement,
        Schedule,
        Certificate,
        Treaty,
        Claim,
        Other
    }

    /// @notice Where a document stands in its version chain.
    /// @dev `None`: never anchored. `Current`: the head of its chain. `Superseded`: replaced by a later version.
    /// `Revoked`: withdrawn; it never becomes current again.
    enum DocumentStatus {
        None,
        Current,
        Superseded,
        Revoked
    }

    /// @notice Why a document was revoked.
    enum RevocationReason {
        Unspecified,
        IssuedInError,
        CancelledByInsurer,
        CancelledByClient,
        Rescinded,
        Fraud,
        RegulatoryOrder
    }

    /// @notice Whether an account is expected to co-sign a document and whether it has.
    enum SignerState {
        NotRequired,
        Pending,
        Signed
    }

    /// @notice The executable terms a terms-carrying co-signature nests (see `cosignTerms`).
    /// @dev `FlightDelay`: `FlightDelayTerms` of the flight delay product. `WeatherIndex`: `WeatherIndexTerms` of the
    /// weather index product.
    enum TermsType {
        FlightDelay,
        WeatherIndex
    }

    /// @notice What a registrant supplies to anchor a document.
    /// @param documentHash SHA-256 of the exact document bytes.
    /// @param termsHash EIP-712 struct hash of the executable terms; zero for non-parametric documents.
    /// @param documentType The kind of document.
    /// @param retentionClass A retention class defined in this registry.
    /// @param policyRef The insurer's policy reference (no personal data).
    /// @param storagePointer Where the encrypted document is stored (an IPFS CID).
    /// @param requiredSigners Registered parties that must co-sign (distinct, at most `MAX_REQUIRED_SIGNERS`).
    struct AnchorInput {
        bytes32 documentHash;
        bytes32 termsHash;
        DocumentType documentType;
        uint8 retentionClass;
        string policyRef;
        string storagePointer;
        address[] requiredSigners;
    }

    /// @notice The stored record of an anchored document.
    /// @param registrant The party that anchored it.
    /// @param anchoredAt Block time of anchoring.
    /// @param blockNumber Block of anchoring.
    /// @param documentType The kind of document.
    /// @param retentionClass Its retention class.
    /// @param status Where it stands in its version chain.
    /// @param termsHash Hash of its executable terms (zero if none).
    /// @param requiredSignerCount How many co-signatures it needs.
    /// @param signatureCount How many it has.
    /// @param version Its position in the version chain, starting at 1.
    /// @param revocationReason Why it was revoked (when `status` is `Revoked`).
    /// @param revokedAt Block time of revocation (zero if not revoked).
    struct Anchor {
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
    }

    /// @notice The stored record of an anchored Merkle batch.
    struct Batch {
        address registrant;
        uint40 anchoredAt;
        uint32 blockNumber;
        uint24 documentCount;
    }

    /// @notice A retention rule: how many years after the cover ends records are kept; 0 years means permanently.
    struct RetentionRule {
        bool defined;
        uint16 retentionYears;
    }

    /// @notice Emitted when a document is anchored (also for each new version).
    event DocumentAnchored(
        bytes32 indexed documentHash,
        address indexed registrant,
        bytes32 termsHash,
        DocumentType documentType,
        uint8 retentionClass,
        string policyRef,
        string storagePointer,
        address[] requiredSigners
    );

    /// @notice Emitted when `documentHash` supersedes `previousHash` as the current version of chain `chainRoot`.
    event DocumentSuperseded(
        bytes32 indexed previousHash,
        bytes32 indexed documentHash,
        bytes32 indexed chainRoot,
        uint32 version
    );

    /// @notice Emitted when a required signer's co-signature is accepted.
    event DocumentCoSigned(
        bytes32 indexed documentHash,
        address indexed signer,
        uint8 signatureCount,
        uint8 requiredSignerCount
    );

    /// @notice Emitted when `signer` cancels unused co-signature nonces: the bits of `mask` in word `word`.
    event NoncesCancelled(address indexed signer, uint256 indexed word, uint256 mask);

    /// @notice Emitted, after `DocumentCoSigned`, when the co-signature carried the terms themselves (`cosignTerms`).
    event TermsCoSigned(bytes32 indexed documentHash, address indexed signer, TermsType termsType, bytes32 termsHash);

    /// @notice Emitted when a document is revoked.
    event DocumentRevoked(bytes32 indexed documentHash, address indexed revokedBy, RevocationReason reason);

    /// @notice Emitted when a Merkle batch of documents is anchored.
    event BatchAnchored(
        bytes32 indexed merkleRoot,
        address indexed registrant,
        uint24 documentCount,
        string storagePointer
    );

    /// @notice Emitted when a retention class is defined, changed or withdrawn (dual control).
    event RetentionClassSet(uint8 indexed retentionClass, uint16 retentionYears, bool defined);

    /// @notice Thrown when anchoring a hash that is already anchored.
    error EvidenceRegistryAlreadyAnchored(bytes32 documentHash);

    /// @notice Thrown when a document hash is zero.
    error EvidenceRegistryInvalidDocumentHash(bytes32 documentHash);

    /// @notice Thrown when a document hash has never been anchored.
    error EvidenceRegistryUnknownDocument(bytes32 documentHash);

    /// @notice Thrown when the retention class is not defined in this registry.
    error EvidenceRegistryUnknownRetentionClass(uint8 retentionClass);

    /// @notice Thrown when the storage pointer is empty.
    error EvidenceRegistryMissingStoragePointer(bytes32 documentHash);

    /// @notice Thrown when more required signers are given than allowed.
    error EvidenceRegistryTooManySigners(uint256 count, uint256 maximum);

    /// @notice Thrown when a required signer is not an active registered party, or is listed twice.
    error EvidenceRegistryInvalidSigner(address signer);

    /// @notice Thrown when the list of required signers given with a co-signature is not the anchored one.
    error EvidenceRegistryWrongSignerList(bytes32 documentHash);

    /// @notice Thrown when a co-signature comes from an account that is not a required signer of the document.
    error EvidenceRegistrySignerNotRequired(bytes32 documentHash, address signer);

    /// @notice Thrown when a required signer has already co-signed.
    error EvidenceRegistryAlreadySigned(bytes32 documentHash, address signer);

    /// @notice Thrown when a co-signature is submitted after its deadline.
    error EvidenceRegistrySignatureExpired(uint256 deadline, uint256 timestamp);

    /// @notice Thrown when a co-signature's nonce was already used or cancelled by its signer.
    error EvidenceRegistryNonceUsed(address signer, uint256 nonce);

    /// @notice Thrown when a terms-carrying co-signature is submitted for a document anchored without a terms hash.
    error EvidenceRegistryNoTerms(bytes32 documentHash);

    /// @notice Thrown when a co-signature does not verify for the signer (EOA or EIP-1271 wallet).
    error EvidenceRegistryInvalidSignature(bytes32 documentHash, address signer);

    /// @notice Thrown when an action needs the document to be the current version of its chain.
    error EvidenceRegistryNotCurrentVersion(bytes32 documentHash, DocumentStatus status);

    /// @notice Thrown when a document is already revoked.
    error EvidenceRegistryAlreadyRevoked(bytes32 documentHash);

    /// @notice Thrown when someone other than the document's registrant supersedes or revokes it.
    error EvidenceRegistryNotRegistrant(bytes32 documentHash, address caller, address registrant);

    /// @notice Thrown when anchoring a Merkle root that is already anchored.
    error EvidenceRegistryBatchAlreadyAnchored(bytes32 merkleRoot);

    /// @notice Thrown when a batch has a zero root or no documents.
    error EvidenceRegistryInvalidBatch(bytes32 merkleRoot, uint24 documentCount);

    /// @notice Anchors a document. Active INSURER or REINSURER parties only.
    /// @param input The document's hash and metadata.
    function anchor(AnchorInput calldata input) external;

    /// @notice Anchors `input` as the next version of `previousHash`, which must be the current version of its
    /// chain and anchored by the caller. Active INSURER or REINSURER parties only.
    /// @param previousHash The version being replaced.
    /// @param input The new version.
    function supersede(bytes32 previousHash, AnchorInput calldata input) external;

    /// @notice Records a required signer's EIP-712 co-signature; anyone may relay it, in any order: nonces are
    /// unordered, each usable once (see `isNonceUsed`).
    /// @param documentHash The anchored document.
    /// @param requiredSigners The document's required signers, in the order they were anchored (`DocumentAnchored`).
    /// @param signer The required signer (an EOA or an EIP-1271 wallet).
    /// @param nonce Any nonce of the signer's not yet used or cancelled (a wallet picks one at random).
    /// @param deadline Last block time at which the signature is accepted.
    /// @param signature The signature over `CoSignature(documentHash, termsHash, signer, nonce, deadline)`.
    function cosign(
        bytes32 documentHash,
        address[] calldata requiredSigners,
        address signer,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external;

    /// @notice Records a required signer's co-signature of a parametric policy made over the terms themselves, so
    /// that the signer's wallet displayed them (delay tiers or index steps, amounts, dates): the EIP-712 message
    /// `FlightDelayCoSignature(bytes32 documentHash,FlightDelayTerms terms,address signer,uint256 nonce,uint256
    /// deadline)` or `WeatherIndexCoSignature(bytes32 documentHash,WeatherIndexTerms terms,address signer,uint256
    /// nonce,uint256 deadline)`. EIP-712 encodes the nested terms as their struct hash, which the registry takes from
    /// the anchor's termsHash: the signature verifies only if the signed terms hash to it. Counts as the signer's
    /// co-signature (as `cosign` does) and records that it signed the terms (`signedTerms`). Anyone may relay it.
    /// @param documentHash The anchored document; its termsHash must not be zero.
    /// @param requiredSigners The document's required signers, in the order they were anchored (`DocumentAnchored`).
    /// @param termsType Which terms type the message nests.
    /// @param signer The required signer (an EOA or an EIP-1271 wallet).
    /// @param nonce Any nonce of the signer's not yet used or cancelled.
    /// @param deadline Last block time at which the signature is accepted.
    /// @param signature The signature over the message.
    function cosignTerms(
        bytes32 documentHash,
        address[] calldata requiredSigners,
        TermsType termsType,
        address signer,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external;

    /// @notice Cancels the caller's own unused co-signature nonces, so that signatures made with them but not yet
    /// relayed are refused: the nonces `word * 256 + i` for each bit `i` set in `mask`.
    /// @param word Which 256 nonces (`nonce >> 8`).
    /// @param mask Which of them (bit `nonce & 0xff`).
    function cancelNonces(uint256 word, uint256 mask) external;

    /// @notice Revokes a document. Its registrant only, while still an active INSURER or REINSURER.
    /// @param documentHash The document.
    /// @param reason Why.
    function revoke(bytes32 documentHash, RevocationReason reason) external;

    /// @notice Anchors one Merkle root for `documentCount` documents. Active INSURER or REINSURER parties only.
    /// @param merkleRoot Root of a `StandardMerkleTree` with leaf encoding `['bytes32']` over document hashes.
    /// @param documentCount Number of leaves.
    /// @param storagePointer Where the batch (documents, tree dump) is stored.
    function anchorBatch(bytes32 merkleRoot, uint24 documentCount, string calldata storagePointer) external;

    /// @notice Defines, changes or withdraws a retention class. Only through an executed dual-control proposal.
    /// @param retentionClass The class id.
    /// @param retentionYears Years kept after the cover ends; 0 keeps records permanently.
    /// @param defined False withdraws the class for new anchors.
    function setRetentionClass(uint8 retentionClass, uint16 retentionYears, bool defined) external;

    /// @notice The record of an anchored document (all zero when not anchored).
    function getAnchor(bytes32 documentHash) external view returns (Anchor memory);

    /// @notice Whether `documentHash` is anchored.
    function isAnchored(bytes32 documentHash) external view returns (bool);

    /// @notice Whether every required signer has co-signed `documentHash` (true when none are required). It says
    /// nothing about revocation: check `getAnchor(documentHash).status` as well. Reverts for a hash never anchored.
    function isFullySigned(bytes32 documentHash) external view returns (bool);

    /// @notice Whether `signer` co-signed `documentHash` with a message carrying its terms (`cosignTerms`), so that its
    /// wallet displayed them. Products may require it of the policyholder.
    function signedTerms(bytes32 documentHash, address signer) external view returns (bool);

    /// @notice Whether `signer` has co-signed `documentHash`: `Signed` once its co-signature is accepted. The registry
    /// stores a commitment to the list of required signers, not the list, so for an account without a co-signature it
    /// answers `NotRequired` when the document is fully signed (or not anchored) and `Pending` while it awaits
    /// co-signatures; `requiredSignerState` tells a pending signer from any other account exactly.
    function signerState(bytes32 documentHash, address signer) external view returns (SignerState);

    /// @notice Whether `signer` must co-sign `documentHash`, and whether it has, given the anchored list of required
    /// signers (from `DocumentAnchored`). Reverts with `EvidenceRegistryWrongSignerList` for another list.
    function requiredSignerState(
        bytes32 documentHash,
        address[] calldata requiredSigners,
        address signer
    ) external view returns (SignerState);

    /// @notice The commitment to `requiredSigners` stored with `documentHash`: the first 20 bytes of
    /// keccak256(abi.encode(documentHash, requiredSigners)).
    function signersCommitment(
        bytes32 documentHash,
        address[] calldata requiredSigners
    ) external pure returns (bytes20);

    /// @notice The current version of the chain `documentHash` belongs to; zero when the chain's head is revoked.
    /// @dev Reverts with `EvidenceRegistryUnknownDocument` for a hash never anchored.
    function currentVersion(bytes32 documentHash) external view returns (bytes32);

    /// @notice The first version of the chain `documentHash` belongs to. Reverts for a hash never anchored.
    function chainRoot(bytes32 documentHash) external view returns (bytes32);

    /// @notice The version `documentHash` superseded (zero for a first version). Reverts for a hash never anchored.
    function previousVersion(bytes32 documentHash) external view returns (bytes32);

    /// @notice The record of an anchored batch (all zero when not anchored).
    function getBatch(bytes32 merkleRoot) external view returns (Batch memory);

    /// @notice Whether `documentHash` is a member of the anchored batch `merkleRoot`, given its Merkle `proof`.
    function verifyBatchMember(
        bytes32 merkleRoot,
        bytes32 documentHash,
        bytes32[] calldata proof
    ) external view returns (bool);

    /// @notice The leaf of `documentHash` in a batch tree: keccak256(bytes.concat(keccak256(abi.encode(hash)))).
    function batchLeaf(bytes32 documentHash) external pure returns (bytes32);

    /// @notice The EIP-712 digest a signer signs to co-sign `documentHash`.
    function coSignatureDigest(
        bytes32 documentHash,
        address signer,
        uint256 nonce,
        uint256 deadline
    ) external view returns (bytes32);

    /// @notice The EIP-712 digest a signer signs to co-sign `documentHash` with its terms of type `termsType`.
    function termsCoSignatureDigest(
        bytes32 documentHash,
        TermsType termsType,
        address signer,
        uint256 nonce,
        uint256 deadline
    ) external view returns (bytes32);

    /// @notice Whether `signer` has used or cancelled co-signature nonce `nonce`.
    function isNonceUsed(address signer, uint256 nonce) external view returns (bool);

    /// @notice The used or cancelled nonces `word * 256 + i` of `signer`, one bit `i` each.
    function nonceBitmap(address signer, uint256 word) external view returns (uint256);

    /// @notice A retention class's rule.
    function retentionRule(uint8 retentionClass) external view returns (RetentionRule memory);
}
