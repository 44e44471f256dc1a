// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {AccessControlEnumerable} from "@openzeppelin/contracts/access/extensions/AccessControlEnumerable.sol";
import {IConsortiumAccess} from "../interfaces/IConsortiumAccess.sol";
import {Roles} from "../libraries/Roles.sol";

/// @title ConsortiumAccess
/// @notice Party registry and role management of the PolicyLedger consortium, with dual control over every change of
/// roles, party status and governed settings.
/// @dev Roles live in OpenZeppelin's AccessControl, but its grant/revoke/renounce entry points only accept calls this
/// contract makes to itself while executing an approved proposal.
contract ConsortiumAccess is AccessControlEnumerable, IConsortiumAccess {
    /// @notice Distinct ADMIN approvals a proposal needs before it can be executed.
    uint8 public constant DUAL_CONTROL_APPROVALS = 2;

    /// @notice How long a proposal stays open for approval and execution.
    uint64 public constant PROPOSAL_LIFETIME = 7 days;

    /// @notice Role identifiers, exposed for off-chain callers.
    bytes32 public constant INSURER_ROLE = Roles.INSURER;
    bytes32 public constant REINSURER_ROLE = Roles.REINSURER;
    bytes32 public constant CLIENT_ROLE = Roles.CLIENT;
    bytes32 public constant ORACLE_ROLE = Roles.ORACLE;
    bytes32 public constant AUDITOR_ROLE = Roles.AUDITOR;
    bytes32 public constant ADMIN_ROLE = Roles.ADMIN;

    mapping(address account => Party) private _parties;
    mapping(address account => ClientRecord) private _clients;
    mapping(uint256 proposalId => Proposal) private _proposals;
    mapping(uint256 proposalId => address[]) private _approvers;
    uint256 private _proposalCount;

    modifier onlyActiveAdmin() {
        _checkActiveRole(Roles.ADMIN, msg.sender);
        _;
    }

    modifier onlyDualControl() {
        if (msg.sender != address(this)) revert ConsortiumAccessDualControlRequired(msg.sender);
        _;
    }

    /// @param founders The founding ADMINs; at least `DUAL_CONTROL_APPROVALS` of them so dual control can work.
    constructor(PartyRegistration[] memory founders) {
        if (founders.length < DUAL_CONTROL_APPROVALS) {
            revert ConsortiumAccessTooFewAdmins(founders.length, DUAL_CONTROL_APPROVALS);
        }
        for (uint256 i = 0; i < founders.length; ++i) {
            PartyRegistration memory founder = founders[i];
            _registerParty(founder.account, founder.legalName, founder.identifier, founder.encryptionPublicKey);
            _grantRole(Roles.ADMIN, founder.account);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Parties
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IConsortiumAccess
    function registerParty(
        address account,
        string calldata legalName,
        string calldata identifier,
        bytes calldata encryptionPublicKey
    ) external onlyActiveAdmin {
        _registerParty(account, legalName, identifier, encryptionPublicKey);
    }

    /// @inheritdoc IConsortiumAccess
    function registerClient(address account, bytes32 identifierHash, bytes calldata encryptionPublicKey) external {
        _checkActiveRole(Roles.INSURER, msg.sender);
        if (account == address(0) || encryptionPublicKey.length == 0) revert ConsortiumAccessInvalidParty(account);
        if (_parties[account].account != address(0)) revert ConsortiumAccessPartyAlreadyRegistered(account);
        // No personal data on chain: the name and identifier stay with the insurer, which did the checks.
        _parties[account] = Party({
            account: account,
            legalName: "",
            identifier: "",
            encryptionPublicKey: encryptionPublicKey,
            active: true,
            registeredAt: uint64(block.timestamp)
        });
        _clients[account] = ClientRecord({onboardedBy: msg.sender, identifierHash: identifierHash});
        emit PartyRegistered(account, "", "", encryptionPublicKey);
        _grantRole(Roles.CLIENT, account);
        emit ClientOnboarded(account, msg.sender, identifierHash);
    }

    /// @inheritdoc IConsortiumAccess
    function setEncryptionPublicKey(bytes calldata encryptionPublicKey) external {
        Party storage party = _requireParty(msg.sender);
        // A deactivated party keeps its record as it was: it can no longer act, key rotation included.
        if (!party.active) revert ConsortiumAccessUnauthorized(msg.sender, bytes32(0));
        if (encryptionPublicKey.length == 0) revert ConsortiumAccessInvalidParty(msg.sender);
        party.encryptionPublicKey = encryptionPublicKey;
        emit PartyEncryptionKeyChanged(msg.sender, encryptionPublicKey);
    }

    /// @inheritdoc IConsortiumAccess
    function setPartyActive(address account, bool active) external onlyDualControl {
        Party storage party = _requireParty(account);
        party.active = active;
        if (!active && hasRole(Roles.ADMIN, account)) _requireEnoughAdmins();
        emit PartyActiveChanged(account, active);
    }

    /// @notice Grants `role` to a registered party. Only through an executed dual-control proposal.
    function grantRole(bytes32 role, address account) public override(AccessControl, IAccessControl) onlyDualControl {
        _requireParty(account);
        _grantRole(role, account);
    }

    /// @notice Revokes `role` from `account`. Only through an executed dual-control proposal; the consortium always
    /// keeps enough active ADMINs for dual control.
    function revokeRole(bytes32 role, address account) public override(AccessControl, IAccessControl) onlyDualControl {
        _revokeRole(role, account);
        if (role == Roles.ADMIN) _requireEnoughAdmins();
    }

    /// @notice Disabled: roles change only under dual control, so the ledger's record of who may act stays complete.
    function renounceRole(bytes32, address) public view override(AccessControl, IAccessControl) {
        revert ConsortiumAccessDualControlRequired(msg.sender);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Dual control
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IConsortiumAccess
    function propose(address target, bytes calldata data) external onlyActiveAdmin returns (uint256 proposalId) {
        if (target.code.length == 0) revert ConsortiumAccessInvalidTarget(target);
        proposalId = ++_proposalCount;
        uint64 expiresAt = uint64(block.timestamp) + PROPOSAL_LIFETIME;
        _proposals[proposalId] = Proposal({
            proposer: msg.sender,
            target: target,
            status: ProposalStatus.Pending,
            approvals: 1,
            expiresAt: expiresAt,
            data: data
        });
        _approvers[proposalId].push(msg.sender);
        emit ProposalCreated(proposalId, msg.sender, target, data, expiresAt);
    }

    /// @inheritdoc IConsortiumAccess
    function approve(uint256 proposalId) external onlyActiveAdmin {
        Proposal storage proposal = _requireOpenProposal(proposalId);
        if (hasApproved(proposalId, msg.sender)) revert ConsortiumAccessAlreadyApproved(proposalId, msg.sender);
        _approvers[proposalId].push(msg.sender);
        uint8 approvals = ++proposal.approvals;
        emit ProposalApproved(proposalId, msg.sender, approvals);
    }

    /// @inheritdoc IConsortiumAccess
    function execute(uint256 proposalId) external onlyActiveAdmin {
        Proposal storage proposal = _requireOpenProposal(proposalId);
        // Approvals count only while their authors are still active ADMINs.
        uint8 valid = _countValidApprovals(proposalId);
        if (valid < DUAL_CONTROL_APPROVALS) {
            revert ConsortiumAccessNotEnoughApprovals(proposalId, valid, DUAL_CONTROL_APPROVALS);
        }
        proposal.status = ProposalStatus.Executed;
        // The call is the whole point of a proposal; its target and data were fixed when it was proposed.
        // solhint-disable-next-line avoid-low-level-calls
        (bool success, bytes memory reason) = proposal.target.call(proposal.data);
        if (!success) revert ConsortiumAccessExecutionFailed(proposalId, reason);
        emit ProposalExecuted(proposalId, msg.sender);
    }

    /// @inheritdoc IConsortiumAccess
    function cancel(uint256 proposalId) external onlyActiveAdmin {
        Proposal storage proposal = _requireProposal(proposalId);
        if (proposal.proposer != msg.sender) revert ConsortiumAccessNotProposer(proposalId, msg.sender);
        if (proposal.status != ProposalStatus.Pending) {
            revert ConsortiumAccessProposalNotPending(proposalId, proposal.status);
        }
        proposal.status = ProposalStatus.Cancelled;
        emit ProposalCancelled(proposalId, msg.sender);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IConsortiumAccess
    function getParty(address account) external view returns (Party memory) {
        return _parties[account];
    }

    /// @inheritdoc IConsortiumAccess
    function getClientRecord(address account) external view returns (ClientRecord memory) {
        return _clients[account];
    }

    /// @inheritdoc IConsortiumAccess
    function hasActiveRole(bytes32 role, address account) public view returns (bool) {
        return _parties[account].active && hasRole(role, account);
    }

    /// @inheritdoc IConsortiumAccess
    function isActiveParty(address account) external view returns (bool) {
        return _parties[account].active;
    }

    /// @inheritdoc IConsortiumAccess
    function getProposal(uint256 proposalId) external view returns (Proposal memory) {
        return _proposals[proposalId];
    }

    /// @inheritdoc IConsortiumAccess
    function hasApproved(uint256 proposalId, address approver) public view returns (bool) {
        address[] storage approvers = _approvers[proposalId];
        for (uint256 i = 0; i < approvers.length; ++i) {
            if (approvers[i] == approver) return true;
        }
        return false;
    }

    /// @inheritdoc IConsortiumAccess
    function proposalCount() external view returns (uint256) {
        return _proposalCount;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------------------------

    function _registerParty(
        address account,
        string memory legalName,
        string memory identifier,
        bytes memory encryptionPublicKey
    ) private {
        if (
            account == address(0) ||
            bytes(legalName).length == 0 ||
            bytes(identifier).length == 0 ||
            encryptionPublicKey.length == 0
        ) {
            revert ConsortiumAccessInvalidParty(account);
        }
        if (_parties[account].account != address(0)) revert ConsortiumAccessPartyAlreadyRegistered(account);
        _parties[account] = Party({
            account: account,
            legalName: legalName,
            identifier: identifier,
            encryptionPublicKey: encryptionPublicKey,
            active: true,
            registeredAt: uint64(block.timestamp)
        });
        emit PartyRegistered(account, legalName, identifier, encryptionPublicKey);
    }

    function _requireParty(address account) private view returns (Party storage party) {
        party = _parties[account];
        if (party.account == address(0)) revert ConsortiumAccessUnknownParty(account);
    }

    function _checkActiveRole(bytes32 role, address account) private view {
        if (!hasActiveRole(role, account)) revert ConsortiumAccessUnauthorized(account, role);
    }

    function _requireProposal(uint256 proposalId) private view returns (Proposal storage proposal) {
        proposal = _proposals[proposalId];
        if (proposal.status == ProposalStatus.None) revert ConsortiumAccessUnknownProposal(proposalId);
    }

    function _requireOpenProposal(uint256 proposalId) private view returns (Proposal storage proposal) {
        proposal = _requireProposal(proposalId);
        if (proposal.status != ProposalStatus.Pending) {
            revert ConsortiumAccessProposalNotPending(proposalId, proposal.status);
        }
        if (block.timestamp > proposal.expiresAt)
            revert ConsortiumAccessProposalExpired(proposalId, proposal.expiresAt);
    }

    function _countValidApprovals(uint256 proposalId) private view returns (uint8 valid) {
        address[] storage approvers = _approvers[proposalId];
        for (uint256 i = 0; i < approvers.length; ++i) {
            if (hasActiveRole(Roles.ADMIN, approvers[i])) ++valid;
        }
    }

    /// @dev Dual control must stay possible: at least `DUAL_CONTROL_APPROVALS` active ADMINs remain.
    function _requireEnoughAdmins() private view {
        uint256 members = getRoleMemberCount(Roles.ADMIN);
        uint256 active = 0;
        for (uint256 i = 0; i < members; ++i) {
            if (_parties[getRoleMember(Roles.ADMIN, i)].active) ++active;
        }
        if (active < DUAL_CONTROL_APPROVALS) revert ConsortiumAccessTooFewAdmins(active, DUAL_CONTROL_APPROVALS);
    }
}
