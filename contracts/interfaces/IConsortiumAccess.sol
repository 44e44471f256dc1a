// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title IConsortiumAccess
/// @notice Who the consortium members are and what each may do. Every party has a registered record (account, legal
/// name, identifier, encryption public key, active flag) and one or more roles. A client (policyholder) is onboarded
/// by its insurer instead, with the CLIENT role and a record that holds no personal data: no legal name and no
/// identifier, only at most a salted hash of an identifier the insurer keeps. Sensitive changes — granting or
/// revoking roles (including the oracle set), reactivating or deactivating a party, and any governed setting of
/// another PolicyLedger contract — need two distinct ADMIN approvals: one ADMIN proposes (which counts as the first
/// approval), another approves, and any ADMIN then executes.
interface IConsortiumAccess {
    /// @notice The registered record of a consortium party.
    /// @param account The party's account (an EOA or a contract wallet).
    /// @param legalName The party's legal name as it appears on contracts.
    /// @param identifier A legal entity identifier (LEI) or the fingerprint of the party's certificate.
    /// @param encryptionPublicKey The public key documents are encrypted to for this party (format chosen off chain).
    /// @param active False once the party is deactivated: it keeps its history but can no longer act.
    /// @param registeredAt Block time of registration.
    struct Party {
        address account;
        string legalName;
        string identifier;
        bytes encryptionPublicKey;
        bool active;
        uint64 registeredAt;
    }

    /// @notice What an ADMIN supplies to register a party (also the founding ADMINs given to the constructor).
    struct PartyRegistration {
        address account;
        string legalName;
        string identifier;
        bytes encryptionPublicKey;
    }

    /// @notice What the ledger keeps about a client onboarded by an insurer, besides its party record.
    /// @param onboardedBy The INSURER that registered the client, having done the know-your-customer checks off chain.
    /// @param identifierHash A salted hash of an identifier the insurer keeps (zero if none), e.g.
    /// `keccak256(abi.encodePacked(salt, identifier))` with a random 32-byte salt: it lets the insurer prove later
    /// which person it onboarded without putting the identifier on chain.
    struct ClientRecord {
        address onboardedBy;
        bytes32 identifierHash;
    }

    /// @notice Life cycle of a dual-control proposal.
    enum ProposalStatus {
        None,
        Pending,
        Executed,
        Cancelled
    }

    /// @notice A dual-control proposal: a call to `target` with `data`, made by this contract once approved.
    /// @param proposer The ADMIN who proposed it (its first approval).
    /// @param target The contract to call: this contract for roles and party status, or a governed contract.
    /// @param status Where the proposal stands.
    /// @param approvals Number of distinct ADMIN approvals so far.
    /// @param expiresAt Block time after which it can no longer be approved or executed.
    /// @param data The calldata of the call.
    struct Proposal {
        address proposer;
        address target;
        ProposalStatus status;
        uint8 approvals;
        uint64 expiresAt;
        bytes data;
    }

    /// @notice Emitted when a party record is created.
    event PartyRegistered(address indexed account, string legalName, string identifier, bytes encryptionPublicKey);

    /// @notice Emitted when an INSURER onboards a client (after `PartyRegistered` and the CLIENT `RoleGranted`).
    event ClientOnboarded(address indexed account, address indexed insurer, bytes32 identifierHash);

    /// @notice Emitted when a party replaces its encryption public key.
    event PartyEncryptionKeyChanged(address indexed account, bytes encryptionPublicKey);

    /// @notice Emitted when a party is activated or deactivated.
    event PartyActiveChanged(address indexed account, bool active);

    /// @notice Emitted when an ADMIN proposes a dual-control action.
    event ProposalCreated(
        uint256 indexed proposalId,
        address indexed proposer,
        address indexed target,
        bytes data,
        uint64 expiresAt
    );

    /// @notice Emitted when a second (or later) ADMIN approves a proposal.
    event ProposalApproved(uint256 indexed proposalId, address indexed approver, uint8 approvals);

    /// @notice Emitted when an approved proposal has been carried out.
    event ProposalExecuted(uint256 indexed proposalId, address indexed executor);

    /// @notice Emitted when the proposer withdraws a pending proposal.
    event ProposalCancelled(uint256 indexed proposalId, address indexed canceller);

    /// @notice Thrown when `account` lacks the active `role` a call needs.
    error ConsortiumAccessUnauthorized(address account, bytes32 role);

    /// @notice Thrown when a role or party change is attempted outside the dual-control path.
    error ConsortiumAccessDualControlRequired(address caller);

    /// @notice Thrown when registering an account that already has a party record.
    error ConsortiumAccessPartyAlreadyRegistered(address account);

    /// @notice Thrown when an action needs a party record that `account` does not have.
    error ConsortiumAccessUnknownParty(address account);

    /// @notice Thrown when a party record field is empty or the zero address is given.
    error ConsortiumAccessInvalidParty(address account);

    /// @notice Thrown when the consortium would be left with fewer active ADMINs than dual control needs.
    error ConsortiumAccessTooFewAdmins(uint256 remaining, uint256 required);

    /// @notice Thrown when no proposal `proposalId` exists.
    error ConsortiumAccessUnknownProposal(uint256 proposalId);

    /// @notice Thrown when a proposal is not pending (already executed or cancelled).
    error ConsortiumAccessProposalNotPending(uint256 proposalId, ProposalStatus status);

    /// @notice Thrown when a proposal is used after its expiry.
    error ConsortiumAccessProposalExpired(uint256 proposalId, uint64 expiresAt);

    /// @notice Thrown when an ADMIN approves a proposal it already approved (or proposed).
    error ConsortiumAccessAlreadyApproved(uint256 proposalId, address approver);

    /// @notice Thrown when a proposal is executed before it has enough distinct approvals.
    error ConsortiumAccessNotEnoughApprovals(uint256 proposalId, uint8 approvals, uint8 required);

    /// @notice Thrown when someone other than the proposer cancels a proposal.
    error ConsortiumAccessNotProposer(uint256 proposalId, address caller);

    /// @notice Thrown when a proposal's target is not a contract.
    error ConsortiumAccessInvalidTarget(address target);

    /// @notice Thrown when the proposed call reverts; `reason` is the target's revert data.
    error ConsortiumAccessExecutionFailed(uint256 proposalId, bytes reason);

    /// @notice Registers a new party record with no roles; roles follow through dual control. ADMIN only.
    /// @param account The party's account.
    /// @param legalName The party's legal name.
    /// @param identifier An LEI or certificate fingerprint.
    /// @param encryptionPublicKey The key documents are encrypted to for this party.
    function registerParty(
        address account,
        string calldata legalName,
        string calldata identifier,
        bytes calldata encryptionPublicKey
    ) external;

    /// @notice Registers the caller's client and grants it the CLIENT role, without dual control: the insurer has done
    /// the know-your-customer checks off chain. The party record holds no legal name and no identifier. Active
    /// INSURER parties only. The client is deactivated (or reactivated) only under dual control, like any party.
    /// @param account The client's account (an EOA or a contract wallet).
    /// @param identifierHash A salted hash of an identifier the insurer keeps, or zero.
    /// @param encryptionPublicKey The key the client's documents are encrypted to.
    function registerClient(address account, bytes32 identifierHash, bytes calldata encryptionPublicKey) external;

    /// @notice Replaces the caller's own encryption public key (key rotation). Active registered parties only; a
    /// deactivated party gets `ConsortiumAccessUnauthorized(account, 0x0)`.
    /// @param encryptionPublicKey The new key.
    function setEncryptionPublicKey(bytes calldata encryptionPublicKey) external;

    /// @notice Activates or deactivates a party. Only through an executed dual-control proposal.
    /// @param account The party.
    /// @param active The new state.
    function setPartyActive(address account, bool active) external;

    /// @notice Proposes a dual-control action: a call of `target` with `data`. ADMIN only; counts as one approval.
    /// @param target This contract (roles, party status) or a contract governed by it.
    /// @param data The calldata of the call to make once approved.
    /// @return proposalId The new proposal's id.
    function propose(address target, bytes calldata data) external returns (uint256 proposalId);

    /// @notice Approves a pending proposal. ADMIN only; each ADMIN counts once.
    /// @param proposalId The proposal.
    function approve(uint256 proposalId) external;

    /// @notice Carries out a proposal that has enough approvals. ADMIN only.
    /// @param proposalId The proposal.
    function execute(uint256 proposalId) external;

    /// @notice Withdraws a pending proposal. Only its proposer, while still an active ADMIN.
    /// @param proposalId The proposal.
    function cancel(uint256 proposalId) external;

    /// @notice The party record of `account` (zero values when not registered).
    function getParty(address account) external view returns (Party memory);

    /// @notice Which insurer onboarded client `account`, and the salted identifier hash it gave (zero values for a
    /// party an ADMIN registered).
    function getClientRecord(address account) external view returns (ClientRecord memory);

    /// @notice Whether `account` is registered, active and holds `role`: the test every consortium contract applies.
    function hasActiveRole(bytes32 role, address account) external view returns (bool);

    /// @notice Whether `account` has a party record that is active.
    function isActiveParty(address account) external view returns (bool);

    /// @notice A proposal by id.
    function getProposal(uint256 proposalId) external view returns (Proposal memory);

    /// @notice Whether `approver` has approved `proposalId`.
    function hasApproved(uint256 proposalId, address approver) external view returns (bool);

    /// @notice Number of proposals made so far; ids run from 1 to this number.
    function proposalCount() external view returns (uint256);
}
