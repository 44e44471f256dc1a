import { expect } from 'chai';
import type { HardhatEthersSigner } from '@nomicfoundation/hardhat-ethers/types';
import type { ConsortiumAccess } from '../../types/ethers-contracts/index.js';
import {
  deployConsortiumFixture,
  ethers,
  networkHelpers,
  policyDocument,
  ROLES,
  underDualControl,
} from '../helpers/consortium.js';

const { time } = networkHelpers;

/** `IConsortiumAccess.ProposalStatus`, as the ABI returns it. */
const STATUS = { None: 0n, Pending: 1n, Executed: 2n, Cancelled: 3n } as const;

/** Mirrors the contract's constants; a test below checks they agree. */
const DUAL_CONTROL_APPROVALS = 2n;
const PROPOSAL_LIFETIME = 7n * 24n * 60n * 60n;

type Fixture = Awaited<ReturnType<typeof deployConsortiumFixture>>;

/** The calldata of a call to ConsortiumAccess itself, as a proposal carries it. */
function grantRoleCall(access: ConsortiumAccess, role: string, account: string): string {
  return access.interface.encodeFunctionData('grantRole', [role, account]);
}

function revokeRoleCall(access: ConsortiumAccess, role: string, account: string): string {
  return access.interface.encodeFunctionData('revokeRole', [role, account]);
}

function setPartyActiveCall(access: ConsortiumAccess, account: string, active: boolean): string {
  return access.interface.encodeFunctionData('setPartyActive', [account, active]);
}

/**
 * The revert data of `name(args)`. `ConsortiumAccessExecutionFailed` carries the target's revert data as `reason`,
 * so comparing it with this encoding checks that the reason decodes to exactly that error.
 */
function errorData(access: ConsortiumAccess, name: string, args: readonly unknown[]): string {
  return access.interface.encodeErrorResult(name, args);
}

/** Proposes `data` on ConsortiumAccess itself and has a second ADMIN approve it; returns the proposal id. */
async function proposeAndApprove(
  access: ConsortiumAccess,
  proposer: HardhatEthersSigner,
  approver: HardhatEthersSigner,
  data: string,
): Promise<bigint> {
  await (await access.connect(proposer).propose(await access.getAddress(), data)).wait();
  const proposalId = await access.proposalCount();
  await (await access.connect(approver).approve(proposalId)).wait();
  return proposalId;
}

/** Carries a call on ConsortiumAccess itself through dual control with the first two founders. */
async function governed(fixture: Fixture, data: string): Promise<bigint> {
  return underDualControl(fixture.access, fixture.admins, await fixture.access.getAddress(), data);
}

/** A fresh account with no party record, distinct from the fixture's actors. */
async function newcomerSigner(): Promise<HardhatEthersSigner> {
  const newcomer = (await ethers.getSigners())[10];
  if (newcomer === undefined) throw new Error('the test network has no account #10');
  return newcomer;
}

describe('ConsortiumAccess', function () {
  describe('constructor', function () {
    it('registers every founder as an active party holding ADMIN', async function () {
      const { access, admins } = await networkHelpers.loadFixture(deployConsortiumFixture);

      for (const [index, admin] of admins.entries()) {
        const party = await access.getParty(admin.address);
        expect(party.account).to.equal(admin.address);
        expect(party.legalName).to.equal(`Consortium Operator ${index + 1} Ltd`);
        expect(party.identifier).to.equal(`5493000TESTPARTY000${index + 1}`);
        expect(party.encryptionPublicKey).to.have.lengthOf(2 + 2 * 32);
        expect(party.active).to.equal(true);
        expect(party.registeredAt).to.be.greaterThan(0n);
        expect(await access.hasActiveRole(ROLES.ADMIN, admin.address)).to.equal(true);
      }
      expect(await access.getRoleMemberCount(ROLES.ADMIN)).to.equal(3n);
    });

    it('emits PartyRegistered and RoleGranted(ADMIN) for each founder', async function () {
      const [deployer, first, second] = await ethers.getSigners();
      if (deployer === undefined || first === undefined || second === undefined) throw new Error('missing signers');
      const founders = [
        {
          account: first.address,
          legalName: 'First Founder plc',
          identifier: 'LEI-FIRST',
          encryptionPublicKey: '0x01',
        },
        {
          account: second.address,
          legalName: 'Second Founder AG',
          identifier: 'LEI-SECOND',
          encryptionPublicKey: '0x02',
        },
      ];

      const access = await ethers.deployContract('ConsortiumAccess', [founders], deployer);
      const deployment = access.deploymentTransaction();
      if (deployment === null) throw new Error('no deployment transaction');

      for (const founder of founders) {
        await expect(deployment)
          .to.emit(access, 'PartyRegistered')
          .withArgs(founder.account, founder.legalName, founder.identifier, founder.encryptionPublicKey);
        await expect(deployment)
          .to.emit(access, 'RoleGranted')
          .withArgs(ROLES.ADMIN, founder.account, deployer.address);
      }
      expect(await access.hasActiveRole(ROLES.ADMIN, deployer.address)).to.equal(false);
    });

    it('reverts with ConsortiumAccessTooFewAdmins when fewer than two founders are given', async function () {
      const [only] = await ethers.getSigners();
      if (only === undefined) throw new Error('missing signer');
      const factory = await ethers.getContractFactory('ConsortiumAccess');
      const founder = {
        account: only.address,
        legalName: 'Lone plc',
        identifier: 'LEI-LONE',
        encryptionPublicKey: '0x01',
      };

      await expect(factory.deploy([founder]))
        .to.be.revertedWithCustomError(factory, 'ConsortiumAccessTooFewAdmins')
        .withArgs(1, DUAL_CONTROL_APPROVALS);
      await expect(factory.deploy([]))
        .to.be.revertedWithCustomError(factory, 'ConsortiumAccessTooFewAdmins')
        .withArgs(0, DUAL_CONTROL_APPROVALS);
    });

    it('reverts with ConsortiumAccessPartyAlreadyRegistered when a founder is listed twice', async function () {
      const [only] = await ethers.getSigners();
      if (only === undefined) throw new Error('missing signer');
      const factory = await ethers.getContractFactory('ConsortiumAccess');
      const founder = {
        account: only.address,
        legalName: 'Twice plc',
        identifier: 'LEI-TWICE',
        encryptionPublicKey: '0x01',
      };

      await expect(factory.deploy([founder, founder]))
        .to.be.revertedWithCustomError(factory, 'ConsortiumAccessPartyAlreadyRegistered')
        .withArgs(only.address);
    });

    it('exposes the dual-control constants and the role identifiers', async function () {
      const { access } = await networkHelpers.loadFixture(deployConsortiumFixture);

      expect(await access.DUAL_CONTROL_APPROVALS()).to.equal(DUAL_CONTROL_APPROVALS);
      expect(await access.PROPOSAL_LIFETIME()).to.equal(PROPOSAL_LIFETIME);
      expect(await access.ADMIN_ROLE()).to.equal(ROLES.ADMIN);
      expect(await access.INSURER_ROLE()).to.equal(ROLES.INSURER);
      expect(await access.REINSURER_ROLE()).to.equal(ROLES.REINSURER);
      expect(await access.CLIENT_ROLE()).to.equal(ROLES.CLIENT);
      expect(await access.ORACLE_ROLE()).to.equal(ROLES.ORACLE);
      expect(await access.AUDITOR_ROLE()).to.equal(ROLES.AUDITOR);
    });
  });

  describe('registerParty', function () {
    const legalName = 'Newcomer Assurance SE';
    const identifier = '529900NEWCOMER000042';
    const encryptionPublicKey = '0x04a1b2c3d4';

    it('stores the record as given, active, stamped with the block time, with no role', async function () {
      const { access, admin1 } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const newcomer = await newcomerSigner();

      await (
        await access.connect(admin1).registerParty(newcomer.address, legalName, identifier, encryptionPublicKey)
      ).wait();

      const party = await access.getParty(newcomer.address);
      expect(party.account).to.equal(newcomer.address);
      expect(party.legalName).to.equal(legalName);
      expect(party.identifier).to.equal(identifier);
      expect(party.encryptionPublicKey).to.equal(encryptionPublicKey);
      expect(party.active).to.equal(true);
      expect(party.registeredAt).to.equal(BigInt(await time.latest()));
      expect(await access.isActiveParty(newcomer.address)).to.equal(true);
      for (const role of Object.values(ROLES)) {
        expect(await access.hasRole(role, newcomer.address)).to.equal(false);
      }
    });

    it('emits PartyRegistered with the record fields', async function () {
      const { access, admin2 } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const newcomer = await newcomerSigner();

      await expect(access.connect(admin2).registerParty(newcomer.address, legalName, identifier, encryptionPublicKey))
        .to.emit(access, 'PartyRegistered')
        .withArgs(newcomer.address, legalName, identifier, encryptionPublicKey);
    });

    it('reverts with ConsortiumAccessPartyAlreadyRegistered for an account that has a record', async function () {
      const { access, admin1, admin2, insurer } = await networkHelpers.loadFixture(deployConsortiumFixture);

      for (const account of [insurer.address, admin2.address]) {
        await expect(access.connect(admin1).registerParty(account, legalName, identifier, encryptionPublicKey))
          .to.be.revertedWithCustomError(access, 'ConsortiumAccessPartyAlreadyRegistered')
          .withArgs(account);
      }
      expect((await access.getParty(insurer.address)).legalName).to.equal('Harbour Mutual Insurance plc');
    });

    it('reverts with ConsortiumAccessPartyAlreadyRegistered for a deactivated party too', async function () {
      const fixture = await networkHelpers.loadFixture(deployConsortiumFixture);
      const { access, admin1, insurer } = fixture;
      await governed(fixture, setPartyActiveCall(access, insurer.address, false));

      await expect(access.connect(admin1).registerParty(insurer.address, legalName, identifier, encryptionPublicKey))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessPartyAlreadyRegistered')
        .withArgs(insurer.address);
    });

    const invalidRecords = [
      { problem: 'the zero address', account: () => ethers.ZeroAddress, legalName, identifier },
      { problem: 'an empty legal name', account: (a: string) => a, legalName: '', identifier },
      { problem: 'an empty identifier', account: (a: string) => a, legalName, identifier: '' },
      { problem: 'an empty encryption key', account: (a: string) => a, legalName, identifier, key: '0x' },
    ];
    for (const record of invalidRecords) {
      it(`reverts with ConsortiumAccessInvalidParty for ${record.problem}`, async function () {
        const { access, admin1 } = await networkHelpers.loadFixture(deployConsortiumFixture);
        const newcomer = await newcomerSigner();
        const account = record.account(newcomer.address);

        await expect(
          access
            .connect(admin1)
            .registerParty(account, record.legalName, record.identifier, record.key ?? encryptionPublicKey),
        )
          .to.be.revertedWithCustomError(access, 'ConsortiumAccessInvalidParty')
          .withArgs(account);
        expect(await access.isActiveParty(account)).to.equal(false);
      });
    }

    it('reverts with ConsortiumAccessUnauthorized for a registered party that is not an ADMIN', async function () {
      const { access, insurer } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const newcomer = await newcomerSigner();

      await expect(access.connect(insurer).registerParty(newcomer.address, legalName, identifier, encryptionPublicKey))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessUnauthorized')
        .withArgs(insurer.address, ROLES.ADMIN);
    });
  });

  describe('registerClient', function () {
    // The insurer keeps the identifier (e.g. a passport number) and a random salt off chain; only their hash is here.
    const identifierHash = ethers.solidityPackedKeccak256(['bytes32', 'string'], [ethers.id('salt'), 'P1234567']);
    const encryptionPublicKey = '0x04c1e470';

    it('lets an active INSURER register its client with the CLIENT role, without a proposal', async function () {
      const { access, insurer } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const newcomer = await newcomerSigner();
      const proposalsBefore = await access.proposalCount();

      await expect(access.connect(insurer).registerClient(newcomer.address, identifierHash, encryptionPublicKey))
        .to.emit(access, 'ClientOnboarded')
        .withArgs(newcomer.address, insurer.address, identifierHash)
        .and.to.emit(access, 'RoleGranted')
        .withArgs(ROLES.CLIENT, newcomer.address, insurer.address);

      expect(await access.hasActiveRole(ROLES.CLIENT, newcomer.address)).to.equal(true);
      expect(await access.proposalCount()).to.equal(proposalsBefore);
      for (const role of [ROLES.ADMIN, ROLES.INSURER, ROLES.REINSURER, ROLES.ORACLE, ROLES.AUDITOR]) {
        expect(await access.hasRole(role, newcomer.address)).to.equal(false);
      }
      const record = await access.getClientRecord(newcomer.address);
      expect(record.onboardedBy).to.equal(insurer.address);
      expect(record.identifierHash).to.equal(identifierHash);
    });

    it('puts no legal name or identifier on chain, in the record or the event', async function () {
      const { access, insurer } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const newcomer = await newcomerSigner();

      await expect(access.connect(insurer).registerClient(newcomer.address, identifierHash, encryptionPublicKey))
        .to.emit(access, 'PartyRegistered')
        .withArgs(newcomer.address, '', '', encryptionPublicKey);

      const party = await access.getParty(newcomer.address);
      expect(party.legalName).to.equal('');
      expect(party.identifier).to.equal('');
      expect(party.encryptionPublicKey).to.equal(encryptionPublicKey);
      expect(party.active).to.equal(true);
    });

    it('onboards a client that can then co-sign its policy', async function () {
      const { access, registry, insurer } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const newcomer = await newcomerSigner();
      await (
        await access.connect(insurer).registerClient(newcomer.address, ethers.ZeroHash, encryptionPublicKey)
      ).wait();

      const document = policyDocument('Travel policy for an onboarded client', [newcomer.address]);
      await expect(registry.connect(insurer).anchor(document.input)).to.emit(registry, 'DocumentAnchored');
    });

    it('reverts with ConsortiumAccessUnauthorized for a caller that is not an active INSURER', async function () {
      const fixture = await networkHelpers.loadFixture(deployConsortiumFixture);
      const { access, admin1, reinsurer, client, stranger, secondInsurer } = fixture;
      const newcomer = await newcomerSigner();
      await governed(fixture, setPartyActiveCall(access, secondInsurer.address, false));

      for (const caller of [admin1, reinsurer, client, stranger, secondInsurer]) {
        await expect(access.connect(caller).registerClient(newcomer.address, identifierHash, encryptionPublicKey))
          .to.be.revertedWithCustomError(access, 'ConsortiumAccessUnauthorized')
          .withArgs(caller.address, ROLES.INSURER);
      }
      expect(await access.isActiveParty(newcomer.address)).to.equal(false);
    });

    it('reverts with ConsortiumAccessPartyAlreadyRegistered for an account that has a record', async function () {
      const { access, insurer, secondInsurer, reinsurer } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const newcomer = await newcomerSigner();
      await (
        await access.connect(insurer).registerClient(newcomer.address, identifierHash, encryptionPublicKey)
      ).wait();

      for (const account of [newcomer.address, reinsurer.address]) {
        await expect(access.connect(secondInsurer).registerClient(account, identifierHash, encryptionPublicKey))
          .to.be.revertedWithCustomError(access, 'ConsortiumAccessPartyAlreadyRegistered')
          .withArgs(account);
      }
      expect((await access.getClientRecord(newcomer.address)).onboardedBy).to.equal(insurer.address);
      expect(await access.hasRole(ROLES.CLIENT, reinsurer.address)).to.equal(false);
    });

    it('reverts with ConsortiumAccessInvalidParty for the zero address or an empty encryption key', async function () {
      const { access, insurer } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const newcomer = await newcomerSigner();

      await expect(access.connect(insurer).registerClient(ethers.ZeroAddress, identifierHash, encryptionPublicKey))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessInvalidParty')
        .withArgs(ethers.ZeroAddress);
      await expect(access.connect(insurer).registerClient(newcomer.address, identifierHash, '0x'))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessInvalidParty')
        .withArgs(newcomer.address);
    });

    it('leaves deactivation to dual control: the onboarding insurer cannot deactivate its client', async function () {
      const fixture = await networkHelpers.loadFixture(deployConsortiumFixture);
      const { access, insurer } = fixture;
      const newcomer = await newcomerSigner();
      await (
        await access.connect(insurer).registerClient(newcomer.address, identifierHash, encryptionPublicKey)
      ).wait();

      await expect(access.connect(insurer).setPartyActive(newcomer.address, false))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessDualControlRequired')
        .withArgs(insurer.address);
      await governed(fixture, setPartyActiveCall(access, newcomer.address, false));
      expect(await access.hasActiveRole(ROLES.CLIENT, newcomer.address)).to.equal(false);
    });

    it('answers an empty client record for a party an ADMIN registered', async function () {
      const { access, client } = await networkHelpers.loadFixture(deployConsortiumFixture);

      const record = await access.getClientRecord(client.address);
      expect(record.onboardedBy).to.equal(ethers.ZeroAddress);
      expect(record.identifierHash).to.equal(ethers.ZeroHash);
    });
  });

  describe('setEncryptionPublicKey', function () {
    const rotatedKey = '0x02' + 'ab'.repeat(32);

    it("replaces the caller's own key and leaves every other record unchanged", async function () {
      const { access, insurer, reinsurer, admin1 } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const before = await access.getParty(insurer.address);
      const othersBefore = [
        (await access.getParty(reinsurer.address)).encryptionPublicKey,
        (await access.getParty(admin1.address)).encryptionPublicKey,
      ];

      await (await access.connect(insurer).setEncryptionPublicKey(rotatedKey)).wait();

      const after = await access.getParty(insurer.address);
      expect(after.encryptionPublicKey).to.equal(rotatedKey);
      expect(after.legalName).to.equal(before.legalName);
      expect(after.identifier).to.equal(before.identifier);
      expect(after.registeredAt).to.equal(before.registeredAt);
      expect(after.active).to.equal(true);
      expect([
        (await access.getParty(reinsurer.address)).encryptionPublicKey,
        (await access.getParty(admin1.address)).encryptionPublicKey,
      ]).to.deep.equal(othersBefore);
    });

    it('emits PartyEncryptionKeyChanged with the caller and the new key', async function () {
      const { access, client } = await networkHelpers.loadFixture(deployConsortiumFixture);

      await expect(access.connect(client).setEncryptionPublicKey(rotatedKey))
        .to.emit(access, 'PartyEncryptionKeyChanged')
        .withArgs(client.address, rotatedKey);
    });

    it('reverts with ConsortiumAccessUnknownParty for an account with no record', async function () {
      const { access, stranger } = await networkHelpers.loadFixture(deployConsortiumFixture);

      await expect(access.connect(stranger).setEncryptionPublicKey(rotatedKey))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessUnknownParty')
        .withArgs(stranger.address);
    });

    it('reverts with ConsortiumAccessUnauthorized for a deactivated party, whose record stays as it was', async function () {
      const { access, admins, insurer } = await networkHelpers.loadFixture(deployConsortiumFixture);
      await underDualControl(
        access,
        admins,
        await access.getAddress(),
        access.interface.encodeFunctionData('setPartyActive', [insurer.address, false]),
      );
      const before = (await access.getParty(insurer.address)).encryptionPublicKey;

      await expect(access.connect(insurer).setEncryptionPublicKey(rotatedKey))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessUnauthorized')
        .withArgs(insurer.address, ethers.ZeroHash);
      expect((await access.getParty(insurer.address)).encryptionPublicKey).to.equal(before);
    });

    it('reverts with ConsortiumAccessInvalidParty for an empty key', async function () {
      const { access, oracle } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const before = (await access.getParty(oracle.address)).encryptionPublicKey;

      await expect(access.connect(oracle).setEncryptionPublicKey('0x'))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessInvalidParty')
        .withArgs(oracle.address);
      expect((await access.getParty(oracle.address)).encryptionPublicKey).to.equal(before);
    });
  });

  describe('dual control: propose → approve → execute', function () {
    it('emits ProposalCreated with the id, proposer, target, calldata and expiry, and records the proposal', async function () {
      const { access, admin1, auditor } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const target = await access.getAddress();
      const data = grantRoleCall(access, ROLES.CLIENT, auditor.address);
      const proposalId = (await access.proposalCount()) + 1n;
      const proposedAt = BigInt(await time.latest()) + 60n;
      await time.setNextBlockTimestamp(proposedAt);

      await expect(access.connect(admin1).propose(target, data))
        .to.emit(access, 'ProposalCreated')
        .withArgs(proposalId, admin1.address, target, data, proposedAt + PROPOSAL_LIFETIME);

      expect(await access.proposalCount()).to.equal(proposalId);
      const proposal = await access.getProposal(proposalId);
      expect(proposal.proposer).to.equal(admin1.address);
      expect(proposal.target).to.equal(target);
      expect(proposal.status).to.equal(STATUS.Pending);
      expect(proposal.approvals).to.equal(1n);
      expect(proposal.expiresAt).to.equal(proposedAt + PROPOSAL_LIFETIME);
      expect(proposal.data).to.equal(data);
      expect(await access.hasApproved(proposalId, admin1.address)).to.equal(true);
      expect(await access.hasRole(ROLES.CLIENT, auditor.address)).to.equal(false);
    });

    it('emits ProposalApproved with the approver and the approval count', async function () {
      const { access, admin1, admin2, auditor } = await networkHelpers.loadFixture(deployConsortiumFixture);
      await (
        await access
          .connect(admin1)
          .propose(await access.getAddress(), grantRoleCall(access, ROLES.CLIENT, auditor.address))
      ).wait();
      const proposalId = await access.proposalCount();

      await expect(access.connect(admin2).approve(proposalId))
        .to.emit(access, 'ProposalApproved')
        .withArgs(proposalId, admin2.address, 2);

      expect(await access.hasApproved(proposalId, admin2.address)).to.equal(true);
      expect((await access.getProposal(proposalId)).approvals).to.equal(2n);
      // Approval alone changes nothing: the role waits for execution.
      expect(await access.hasRole(ROLES.CLIENT, auditor.address)).to.equal(false);
    });

    it('executes by any ADMIN: emits ProposalExecuted and RoleGranted, and the role is held', async function () {
      const { access, admin1, admin2, admin3, auditor } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const proposalId = await proposeAndApprove(
        access,
        admin1,
        admin2,
        grantRoleCall(access, ROLES.CLIENT, auditor.address),
      );

      const execution = access.connect(admin3).execute(proposalId);
      await expect(execution).to.emit(access, 'ProposalExecuted').withArgs(proposalId, admin3.address);
      await expect(execution)
        .to.emit(access, 'RoleGranted')
        .withArgs(ROLES.CLIENT, auditor.address, await access.getAddress());

      expect(await access.hasActiveRole(ROLES.CLIENT, auditor.address)).to.equal(true);
      expect((await access.getProposal(proposalId)).status).to.equal(STATUS.Executed);
    });

    it('reverts with ConsortiumAccessNotEnoughApprovals before the second approval', async function () {
      const { access, admin1, admin2, auditor } = await networkHelpers.loadFixture(deployConsortiumFixture);
      await (
        await access
          .connect(admin1)
          .propose(await access.getAddress(), grantRoleCall(access, ROLES.CLIENT, auditor.address))
      ).wait();
      const proposalId = await access.proposalCount();

      for (const executor of [admin1, admin2]) {
        await expect(access.connect(executor).execute(proposalId))
          .to.be.revertedWithCustomError(access, 'ConsortiumAccessNotEnoughApprovals')
          .withArgs(proposalId, 1, DUAL_CONTROL_APPROVALS);
      }
      expect(await access.hasRole(ROLES.CLIENT, auditor.address)).to.equal(false);
      expect((await access.getProposal(proposalId)).status).to.equal(STATUS.Pending);
    });

    it('reverts with ConsortiumAccessAlreadyApproved when the proposer approves its own proposal', async function () {
      const { access, admin1, auditor } = await networkHelpers.loadFixture(deployConsortiumFixture);
      await (
        await access
          .connect(admin1)
          .propose(await access.getAddress(), grantRoleCall(access, ROLES.CLIENT, auditor.address))
      ).wait();
      const proposalId = await access.proposalCount();

      await expect(access.connect(admin1).approve(proposalId))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessAlreadyApproved')
        .withArgs(proposalId, admin1.address);
      expect((await access.getProposal(proposalId)).approvals).to.equal(1n);
    });

    it('reverts with ConsortiumAccessAlreadyApproved when an ADMIN approves twice', async function () {
      const { access, admin1, admin2, auditor } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const proposalId = await proposeAndApprove(
        access,
        admin1,
        admin2,
        grantRoleCall(access, ROLES.CLIENT, auditor.address),
      );

      await expect(access.connect(admin2).approve(proposalId))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessAlreadyApproved')
        .withArgs(proposalId, admin2.address);
      expect((await access.getProposal(proposalId)).approvals).to.equal(2n);
    });

    it('reverts with ConsortiumAccessProposalNotPending when an executed proposal is approved or executed again', async function () {
      const { access, admin1, admin2, admin3, auditor } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const proposalId = await proposeAndApprove(
        access,
        admin1,
        admin2,
        grantRoleCall(access, ROLES.CLIENT, auditor.address),
      );
      await (await access.connect(admin1).execute(proposalId)).wait();

      await expect(access.connect(admin2).execute(proposalId))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessProposalNotPending')
        .withArgs(proposalId, STATUS.Executed);
      await expect(access.connect(admin3).approve(proposalId))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessProposalNotPending')
        .withArgs(proposalId, STATUS.Executed);
      await expect(access.connect(admin1).cancel(proposalId))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessProposalNotPending')
        .withArgs(proposalId, STATUS.Executed);
    });

    it('reverts with ConsortiumAccessInvalidTarget for a target without code', async function () {
      const { access, admin1, stranger } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const data = grantRoleCall(access, ROLES.CLIENT, stranger.address);
      const countBefore = await access.proposalCount();

      for (const target of [stranger.address, ethers.ZeroAddress]) {
        await expect(access.connect(admin1).propose(target, data))
          .to.be.revertedWithCustomError(access, 'ConsortiumAccessInvalidTarget')
          .withArgs(target);
      }
      expect(await access.proposalCount()).to.equal(countBefore);
    });

    it('reverts with ConsortiumAccessExecutionFailed carrying the target error when the proposed call reverts', async function () {
      const { access, admin1, admin2, stranger } = await networkHelpers.loadFixture(deployConsortiumFixture);
      // The stranger has no party record, so granting it a role reverts inside ConsortiumAccess.
      const proposalId = await proposeAndApprove(
        access,
        admin1,
        admin2,
        grantRoleCall(access, ROLES.INSURER, stranger.address),
      );

      await expect(access.connect(admin1).execute(proposalId))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessExecutionFailed')
        .withArgs(proposalId, errorData(access, 'ConsortiumAccessUnknownParty', [stranger.address]));

      expect(await access.hasRole(ROLES.INSURER, stranger.address)).to.equal(false);
      // The whole execution reverted, so the proposal is still pending.
      expect((await access.getProposal(proposalId)).status).to.equal(STATUS.Pending);
    });

    it('governs another contract: a proposal targeting the evidence registry changes its retention rule', async function () {
      const { access, registry, admins } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const data = registry.interface.encodeFunctionData('setRetentionClass', [9, 7, true]);

      await underDualControl(access, admins, await registry.getAddress(), data);

      const rule = await registry.retentionRule(9);
      expect(rule.defined).to.equal(true);
      expect(rule.retentionYears).to.equal(7n);
    });
  });

  describe('dual control: expiry', function () {
    it('accepts approval and execution up to and including expiresAt', async function () {
      const { access, admin1, admin2, auditor } = await networkHelpers.loadFixture(deployConsortiumFixture);
      await (
        await access
          .connect(admin1)
          .propose(await access.getAddress(), grantRoleCall(access, ROLES.CLIENT, auditor.address))
      ).wait();
      const proposalId = await access.proposalCount();
      const { expiresAt } = await access.getProposal(proposalId);

      await time.setNextBlockTimestamp(expiresAt - 1n);
      await (await access.connect(admin2).approve(proposalId)).wait();
      await time.setNextBlockTimestamp(expiresAt);
      await expect(access.connect(admin1).execute(proposalId))
        .to.emit(access, 'ProposalExecuted')
        .withArgs(proposalId, admin1.address);
    });

    it('reverts approve with ConsortiumAccessProposalExpired once PROPOSAL_LIFETIME has passed', async function () {
      const { access, admin1, admin2, auditor } = await networkHelpers.loadFixture(deployConsortiumFixture);
      await (
        await access
          .connect(admin1)
          .propose(await access.getAddress(), grantRoleCall(access, ROLES.CLIENT, auditor.address))
      ).wait();
      const proposalId = await access.proposalCount();
      const { expiresAt } = await access.getProposal(proposalId);

      // Mines a block exactly at expiresAt; the next transaction lands one second after it.
      await time.increase(PROPOSAL_LIFETIME);

      await expect(access.connect(admin2).approve(proposalId))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessProposalExpired')
        .withArgs(proposalId, expiresAt);
    });

    it('reverts execute with ConsortiumAccessProposalExpired even when fully approved', async function () {
      const { access, admin1, admin2, auditor } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const proposalId = await proposeAndApprove(
        access,
        admin1,
        admin2,
        grantRoleCall(access, ROLES.CLIENT, auditor.address),
      );
      const { expiresAt } = await access.getProposal(proposalId);

      await time.increase(PROPOSAL_LIFETIME);

      await expect(access.connect(admin1).execute(proposalId))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessProposalExpired')
        .withArgs(proposalId, expiresAt);
      expect(await access.hasRole(ROLES.CLIENT, auditor.address)).to.equal(false);
    });
  });

  describe('dual control: cancel', function () {
    it('lets the proposer cancel: emits ProposalCancelled and marks it Cancelled', async function () {
      const { access, admin1, auditor } = await networkHelpers.loadFixture(deployConsortiumFixture);
      await (
        await access
          .connect(admin1)
          .propose(await access.getAddress(), grantRoleCall(access, ROLES.CLIENT, auditor.address))
      ).wait();
      const proposalId = await access.proposalCount();

      await expect(access.connect(admin1).cancel(proposalId))
        .to.emit(access, 'ProposalCancelled')
        .withArgs(proposalId, admin1.address);
      expect((await access.getProposal(proposalId)).status).to.equal(STATUS.Cancelled);
    });

    it('reverts with ConsortiumAccessNotProposer for an ADMIN other than the proposer, even one that approved', async function () {
      const { access, admin1, admin2, admin3, auditor } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const proposalId = await proposeAndApprove(
        access,
        admin1,
        admin2,
        grantRoleCall(access, ROLES.CLIENT, auditor.address),
      );

      for (const other of [admin2, admin3]) {
        await expect(access.connect(other).cancel(proposalId))
          .to.be.revertedWithCustomError(access, 'ConsortiumAccessNotProposer')
          .withArgs(proposalId, other.address);
      }
      expect((await access.getProposal(proposalId)).status).to.equal(STATUS.Pending);
    });

    it('reverts with ConsortiumAccessUnauthorized for a proposer deactivated since, and the proposal stays executable', async function () {
      const { access, admins, admin1, admin2, admin3, auditor } =
        await networkHelpers.loadFixture(deployConsortiumFixture);
      const proposalId = await proposeAndApprove(
        access,
        admin3,
        admin2,
        grantRoleCall(access, ROLES.CLIENT, auditor.address),
      );
      await underDualControl(
        access,
        admins,
        await access.getAddress(),
        access.interface.encodeFunctionData('setPartyActive', [admin3.address, false]),
      );

      await expect(access.connect(admin3).cancel(proposalId))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessUnauthorized')
        .withArgs(admin3.address, ROLES.ADMIN);
      await (await access.connect(admin1).approve(proposalId)).wait();
      await expect(access.connect(admin1).execute(proposalId)).to.emit(access, 'ProposalExecuted');
    });

    it('reverts approve, execute and a second cancel with ConsortiumAccessProposalNotPending', async function () {
      const { access, admin1, admin2, admin3, auditor } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const proposalId = await proposeAndApprove(
        access,
        admin1,
        admin2,
        grantRoleCall(access, ROLES.CLIENT, auditor.address),
      );
      await (await access.connect(admin1).cancel(proposalId)).wait();

      await expect(access.connect(admin3).approve(proposalId))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessProposalNotPending')
        .withArgs(proposalId, STATUS.Cancelled);
      await expect(access.connect(admin2).execute(proposalId))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessProposalNotPending')
        .withArgs(proposalId, STATUS.Cancelled);
      await expect(access.connect(admin1).cancel(proposalId))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessProposalNotPending')
        .withArgs(proposalId, STATUS.Cancelled);
      expect(await access.hasRole(ROLES.CLIENT, auditor.address)).to.equal(false);
    });
  });

  describe('dual control: unknown proposals', function () {
    it('reverts approve, execute and cancel with ConsortiumAccessUnknownProposal for an id never used', async function () {
      const { access, admin1 } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const nextId = (await access.proposalCount()) + 1n;

      for (const proposalId of [0n, nextId, 2n ** 256n - 1n]) {
        await expect(access.connect(admin1).approve(proposalId))
          .to.be.revertedWithCustomError(access, 'ConsortiumAccessUnknownProposal')
          .withArgs(proposalId);
        await expect(access.connect(admin1).execute(proposalId))
          .to.be.revertedWithCustomError(access, 'ConsortiumAccessUnknownProposal')
          .withArgs(proposalId);
        await expect(access.connect(admin1).cancel(proposalId))
          .to.be.revertedWithCustomError(access, 'ConsortiumAccessUnknownProposal')
          .withArgs(proposalId);
      }
    });
  });

  describe('dual control: approvals of ADMINs that lost their standing', function () {
    it('stops counting the approval of an ADMIN deactivated since it approved', async function () {
      const fixture = await networkHelpers.loadFixture(deployConsortiumFixture);
      const { access, admin1, admin2, admin3, auditor } = fixture;
      const proposalId = await proposeAndApprove(
        access,
        admin3,
        admin2,
        grantRoleCall(access, ROLES.CLIENT, auditor.address),
      );
      await governed(fixture, setPartyActiveCall(access, admin2.address, false));

      await expect(access.connect(admin1).execute(proposalId))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessNotEnoughApprovals')
        .withArgs(proposalId, 1, DUAL_CONTROL_APPROVALS);

      // A fresh approval from an ADMIN in good standing makes it executable again.
      await (await access.connect(admin1).approve(proposalId)).wait();
      await expect(access.connect(admin1).execute(proposalId))
        .to.emit(access, 'ProposalExecuted')
        .withArgs(proposalId, admin1.address);
      expect(await access.hasRole(ROLES.CLIENT, auditor.address)).to.equal(true);
    });

    it('stops counting the approval of an ADMIN whose role was revoked since it approved', async function () {
      const fixture = await networkHelpers.loadFixture(deployConsortiumFixture);
      const { access, admin1, admin2, admin3, auditor } = fixture;
      const proposalId = await proposeAndApprove(
        access,
        admin1,
        admin3,
        grantRoleCall(access, ROLES.CLIENT, auditor.address),
      );
      await governed(fixture, revokeRoleCall(access, ROLES.ADMIN, admin3.address));

      await expect(access.connect(admin2).execute(proposalId))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessNotEnoughApprovals')
        .withArgs(proposalId, 1, DUAL_CONTROL_APPROVALS);
      expect(await access.hasApproved(proposalId, admin3.address)).to.equal(true);
      expect(await access.hasRole(ROLES.CLIENT, auditor.address)).to.equal(false);
    });

    it("stops counting the proposer's own approval once the proposer is deactivated", async function () {
      const { access, admin1, admin2, admin3, auditor } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const proposalId = await proposeAndApprove(
        access,
        admin1,
        admin2,
        grantRoleCall(access, ROLES.CLIENT, auditor.address),
      );
      await underDualControl(
        access,
        [admin2, admin3],
        await access.getAddress(),
        setPartyActiveCall(access, admin1.address, false),
      );

      await expect(access.connect(admin2).execute(proposalId))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessNotEnoughApprovals')
        .withArgs(proposalId, 1, DUAL_CONTROL_APPROVALS);
    });
  });

  describe('dual control: at least two active ADMINs remain', function () {
    it('revokes ADMIN while two active ADMINs remain', async function () {
      const fixture = await networkHelpers.loadFixture(deployConsortiumFixture);
      const { access, admin3 } = fixture;

      await governed(fixture, revokeRoleCall(access, ROLES.ADMIN, admin3.address));

      expect(await access.hasRole(ROLES.ADMIN, admin3.address)).to.equal(false);
      expect(await access.getRoleMemberCount(ROLES.ADMIN)).to.equal(2n);
      // The record stays: revoking a role is not removing the party.
      expect(await access.isActiveParty(admin3.address)).to.equal(true);
    });

    it('reverts revoking ADMIN from one of the last two (ExecutionFailed wrapping ConsortiumAccessTooFewAdmins)', async function () {
      const fixture = await networkHelpers.loadFixture(deployConsortiumFixture);
      const { access, admin1, admin2, admin3 } = fixture;
      await governed(fixture, revokeRoleCall(access, ROLES.ADMIN, admin3.address));
      const proposalId = await proposeAndApprove(
        access,
        admin1,
        admin2,
        revokeRoleCall(access, ROLES.ADMIN, admin2.address),
      );

      await expect(access.connect(admin1).execute(proposalId))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessExecutionFailed')
        .withArgs(proposalId, errorData(access, 'ConsortiumAccessTooFewAdmins', [1, DUAL_CONTROL_APPROVALS]));
      expect(await access.hasActiveRole(ROLES.ADMIN, admin2.address)).to.equal(true);
    });

    it('reverts deactivating one of the last two active ADMINs (ExecutionFailed wrapping ConsortiumAccessTooFewAdmins)', async function () {
      const fixture = await networkHelpers.loadFixture(deployConsortiumFixture);
      const { access, admin1, admin2, admin3 } = fixture;
      await governed(fixture, revokeRoleCall(access, ROLES.ADMIN, admin3.address));
      const proposalId = await proposeAndApprove(
        access,
        admin2,
        admin1,
        setPartyActiveCall(access, admin1.address, false),
      );

      await expect(access.connect(admin2).execute(proposalId))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessExecutionFailed')
        .withArgs(proposalId, errorData(access, 'ConsortiumAccessTooFewAdmins', [1, DUAL_CONTROL_APPROVALS]));
      expect(await access.isActiveParty(admin1.address)).to.equal(true);
    });

    it('counts only active ADMINs: with one deactivated, revoking another reverts', async function () {
      const fixture = await networkHelpers.loadFixture(deployConsortiumFixture);
      const { access, admin1, admin2, admin3 } = fixture;
      await governed(fixture, setPartyActiveCall(access, admin3.address, false));
      const proposalId = await proposeAndApprove(
        access,
        admin1,
        admin2,
        revokeRoleCall(access, ROLES.ADMIN, admin2.address),
      );

      await expect(access.connect(admin1).execute(proposalId))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessExecutionFailed')
        .withArgs(proposalId, errorData(access, 'ConsortiumAccessTooFewAdmins', [1, DUAL_CONTROL_APPROVALS]));
      expect(await access.getRoleMemberCount(ROLES.ADMIN)).to.equal(3n);
    });
  });

  describe('setPartyActive (through dual control)', function () {
    it('emits PartyActiveChanged, and a deactivated INSURER can no longer anchor', async function () {
      const { access, registry, admin1, admin2, insurer } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const proposalId = await proposeAndApprove(
        access,
        admin1,
        admin2,
        setPartyActiveCall(access, insurer.address, false),
      );

      await expect(access.connect(admin1).execute(proposalId))
        .to.emit(access, 'PartyActiveChanged')
        .withArgs(insurer.address, false);

      await expect(registry.connect(insurer).anchor(policyDocument('after deactivation').input))
        .to.be.revertedWithCustomError(registry, 'ConsortiumGovernedUnauthorized')
        .withArgs(insurer.address, ROLES.INSURER);
    });

    it('keeps the record, the roles and the anchored documents of a deactivated party', async function () {
      const fixture = await networkHelpers.loadFixture(deployConsortiumFixture);
      const { access, registry, insurer } = fixture;
      const document = policyDocument('anchored while active');
      await (await registry.connect(insurer).anchor(document.input)).wait();
      const recordBefore = await access.getParty(insurer.address);

      await governed(fixture, setPartyActiveCall(access, insurer.address, false));

      const record = await access.getParty(insurer.address);
      expect(record.account).to.equal(insurer.address);
      expect(record.legalName).to.equal(recordBefore.legalName);
      expect(record.identifier).to.equal(recordBefore.identifier);
      expect(record.encryptionPublicKey).to.equal(recordBefore.encryptionPublicKey);
      expect(record.registeredAt).to.equal(recordBefore.registeredAt);
      expect(record.active).to.equal(false);
      expect(await access.hasRole(ROLES.INSURER, insurer.address)).to.equal(true);
      expect(await access.hasActiveRole(ROLES.INSURER, insurer.address)).to.equal(false);
      expect(await access.isActiveParty(insurer.address)).to.equal(false);
      expect(await roleMembers(access, ROLES.INSURER)).to.include(insurer.address);
      expect((await registry.getAnchor(document.input.documentHash)).registrant).to.equal(insurer.address);
      expect(await registry.isAnchored(document.input.documentHash)).to.equal(true);
    });

    it('reactivation emits PartyActiveChanged and lets the party act again', async function () {
      const fixture = await networkHelpers.loadFixture(deployConsortiumFixture);
      const { access, registry, admin1, admin2, insurer } = fixture;
      await governed(fixture, setPartyActiveCall(access, insurer.address, false));
      const proposalId = await proposeAndApprove(
        access,
        admin1,
        admin2,
        setPartyActiveCall(access, insurer.address, true),
      );

      await expect(access.connect(admin1).execute(proposalId))
        .to.emit(access, 'PartyActiveChanged')
        .withArgs(insurer.address, true);

      const document = policyDocument('after reactivation');
      await expect(registry.connect(insurer).anchor(document.input))
        .to.emit(registry, 'DocumentAnchored')
        .withArgs(
          document.input.documentHash,
          insurer.address,
          document.input.termsHash,
          document.input.documentType,
          document.input.retentionClass,
          document.input.policyRef,
          document.input.storagePointer,
          document.input.requiredSigners,
        );
      expect(await access.hasActiveRole(ROLES.INSURER, insurer.address)).to.equal(true);
    });

    it('stops a deactivated ADMIN from proposing, approving and executing', async function () {
      const fixture = await networkHelpers.loadFixture(deployConsortiumFixture);
      const { access, admin1, admin2, admin3, auditor } = fixture;
      const proposalId = await proposeAndApprove(
        access,
        admin1,
        admin2,
        grantRoleCall(access, ROLES.CLIENT, auditor.address),
      );
      await governed(fixture, setPartyActiveCall(access, admin3.address, false));

      await expect(
        access.connect(admin3).propose(await access.getAddress(), grantRoleCall(access, ROLES.CLIENT, auditor.address)),
      )
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessUnauthorized')
        .withArgs(admin3.address, ROLES.ADMIN);
      await expect(access.connect(admin3).approve(proposalId))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessUnauthorized')
        .withArgs(admin3.address, ROLES.ADMIN);
      await expect(access.connect(admin3).execute(proposalId))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessUnauthorized')
        .withArgs(admin3.address, ROLES.ADMIN);
    });

    it('reverts for an account with no record (ExecutionFailed wrapping ConsortiumAccessUnknownParty)', async function () {
      const { access, admin1, admin2, stranger } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const proposalId = await proposeAndApprove(
        access,
        admin1,
        admin2,
        setPartyActiveCall(access, stranger.address, true),
      );

      await expect(access.connect(admin1).execute(proposalId))
        .to.be.revertedWithCustomError(access, 'ConsortiumAccessExecutionFailed')
        .withArgs(proposalId, errorData(access, 'ConsortiumAccessUnknownParty', [stranger.address]));
      expect(await access.isActiveParty(stranger.address)).to.equal(false);
    });
  });

  describe('revokeRole (through dual control)', function () {
    it('emits RoleRevoked and the former INSURER can no longer anchor', async function () {
      const { access, registry, admin1, admin2, insurer } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const proposalId = await proposeAndApprove(
        access,
        admin1,
        admin2,
        revokeRoleCall(access, ROLES.INSURER, insurer.address),
      );

      await expect(access.connect(admin2).execute(proposalId))
        .to.emit(access, 'RoleRevoked')
        .withArgs(ROLES.INSURER, insurer.address, await access.getAddress());

      expect(await access.isActiveParty(insurer.address)).to.equal(true);
      await expect(registry.connect(insurer).anchor(policyDocument('after revocation').input))
        .to.be.revertedWithCustomError(registry, 'ConsortiumGovernedUnauthorized')
        .withArgs(insurer.address, ROLES.INSURER);
    });
  });

  describe('hasActiveRole and isActiveParty', function () {
    it('are true only for a registered, active party, and hasActiveRole only for the roles it holds', async function () {
      const { access, admin1, insurer, reinsurer, client, oracle, auditor, stranger } =
        await networkHelpers.loadFixture(deployConsortiumFixture);
      const holders: [HardhatEthersSigner, string][] = [
        [admin1, ROLES.ADMIN],
        [insurer, ROLES.INSURER],
        [reinsurer, ROLES.REINSURER],
        [client, ROLES.CLIENT],
        [oracle, ROLES.ORACLE],
        [auditor, ROLES.AUDITOR],
      ];

      for (const [holder, heldRole] of holders) {
        expect(await access.isActiveParty(holder.address)).to.equal(true);
        for (const role of Object.values(ROLES)) {
          expect(await access.hasActiveRole(role, holder.address)).to.equal(role === heldRole);
        }
      }
      expect(await access.isActiveParty(stranger.address)).to.equal(false);
      for (const role of Object.values(ROLES)) {
        expect(await access.hasActiveRole(role, stranger.address)).to.equal(false);
      }
    });

    it('treats a registered party without roles as active but holding no active role', async function () {
      const { access, admin1 } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const newcomer = await newcomerSigner();
      await (await access.connect(admin1).registerParty(newcomer.address, 'Newcomer SE', 'LEI-NEW', '0x01')).wait();

      expect(await access.isActiveParty(newcomer.address)).to.equal(true);
      for (const role of Object.values(ROLES)) {
        expect(await access.hasActiveRole(role, newcomer.address)).to.equal(false);
      }
    });

    it('are false for a deactivated party although hasRole still reports its role', async function () {
      const fixture = await networkHelpers.loadFixture(deployConsortiumFixture);
      const { access, oracle } = fixture;

      await governed(fixture, setPartyActiveCall(access, oracle.address, false));

      expect(await access.hasRole(ROLES.ORACLE, oracle.address)).to.equal(true);
      expect(await access.hasActiveRole(ROLES.ORACLE, oracle.address)).to.equal(false);
      expect(await access.isActiveParty(oracle.address)).to.equal(false);
    });
  });

  describe('role enumeration', function () {
    it('lists the members of each role', async function () {
      const { access, admin1, admin2, admin3, insurer, secondInsurer, reinsurer, client, oracle, auditor } =
        await networkHelpers.loadFixture(deployConsortiumFixture);

      expect(await roleMembers(access, ROLES.ADMIN)).to.deep.equal([admin1.address, admin2.address, admin3.address]);
      expect(await roleMembers(access, ROLES.INSURER)).to.deep.equal([insurer.address, secondInsurer.address]);
      expect(await roleMembers(access, ROLES.REINSURER)).to.deep.equal([reinsurer.address]);
      expect(await roleMembers(access, ROLES.CLIENT)).to.deep.equal([client.address]);
      expect(await roleMembers(access, ROLES.ORACLE)).to.deep.equal([oracle.address]);
      expect(await roleMembers(access, ROLES.AUDITOR)).to.deep.equal([auditor.address]);
    });

    it('follows grants and revocations', async function () {
      const fixture = await networkHelpers.loadFixture(deployConsortiumFixture);
      const { access, insurer, secondInsurer, auditor } = fixture;

      await governed(fixture, grantRoleCall(access, ROLES.INSURER, auditor.address));
      await governed(fixture, revokeRoleCall(access, ROLES.INSURER, insurer.address));

      expect(await roleMembers(access, ROLES.INSURER)).to.have.members([secondInsurer.address, auditor.address]);
      expect(await access.getRoleMemberCount(ROLES.INSURER)).to.equal(2n);
    });
  });
});

/** Every member of `role`, in enumeration order. */
async function roleMembers(access: ConsortiumAccess, role: string): Promise<string[]> {
  const count = await access.getRoleMemberCount(role);
  const members: string[] = [];
  for (let index = 0n; index < count; index++) {
    members.push(await access.getRoleMember(role, index));
  }
  return members;
}
