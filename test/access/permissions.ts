import { expect } from 'chai';
import type { HardhatEthersSigner } from '@nomicfoundation/hardhat-ethers/types';
import {
  FunctionFragment,
  TypedDataEncoder,
  type ContractTransactionResponse,
  type Fragment,
  type TransactionResponse,
} from 'ethers';
import {
  deployConsortiumFixture,
  ethers,
  networkHelpers,
  policyDocument,
  ROLES,
  underDualControl,
} from '../helpers/consortium.js';
import { coSign, coSignTerms } from '../helpers/cosign.js';
import { TermsType, WEATHER_INDEX_TERMS_TYPES } from '../../services/shared/eip712.js';

/*
 * Who may call what: one row per mutating external function of ConsortiumAccess and EvidenceRegistry, one column
 * per kind of caller. Each cell is its own test: the call either succeeds (and emits the row's event) or reverts with
 * the row's custom error and the exact arguments.
 */

const { time } = networkHelpers;

/** The kinds of caller, i.e. the columns of the matrix. */
type Caller =
  | 'ADMIN'
  | 'INSURER'
  | 'REINSURER'
  | 'CLIENT'
  | 'ORACLE'
  | 'AUDITOR'
  | 'STRANGER'
  | 'DEACTIVATED_ADMIN'
  | 'DEACTIVATED_INSURER'
  | 'OTHER_ADMIN'
  | 'OTHER_INSURER'
  | 'DUAL_CONTROL';

const CALLER_LABELS: Record<Caller, string> = {
  ADMIN: 'ADMIN',
  INSURER: 'INSURER',
  REINSURER: 'REINSURER',
  CLIENT: 'CLIENT',
  ORACLE: 'ORACLE',
  AUDITOR: 'AUDITOR',
  STRANGER: 'stranger with no record',
  DEACTIVATED_ADMIN: 'deactivated ADMIN',
  DEACTIVATED_INSURER: 'deactivated INSURER',
  OTHER_ADMIN: 'ADMIN other than the proposer',
  OTHER_INSURER: 'INSURER other than the registrant',
  DUAL_CONTROL: 'executed dual-control proposal',
};

/** The columns every row has: one party per role and a stranger. */
const EVERYONE = ['ADMIN', 'INSURER', 'REINSURER', 'CLIENT', 'ORACLE', 'AUDITOR', 'STRANGER'] as const;
const REGISTERED = ['ADMIN', 'INSURER', 'REINSURER', 'CLIENT', 'ORACLE', 'AUDITOR'] as const;

async function permissionWorld() {
  const fixture = await networkHelpers.loadFixture(deployConsortiumFixture);
  const newcomer = (await ethers.getSigners())[10];
  if (newcomer === undefined) throw new Error('the test network has no account #10');
  return {
    ...fixture,
    /** An account nobody has registered yet, for registerParty. */
    newcomer,
    accessAddress: await fixture.access.getAddress(),
    registryAddress: await fixture.registry.getAddress(),
  };
}

type World = Awaited<ReturnType<typeof permissionWorld>>;

/** The account a column stands for. DEACTIVATED_* accounts are deactivated just before their call. */
function signerOf(world: World, caller: Exclude<Caller, 'DUAL_CONTROL'>): HardhatEthersSigner {
  const signers: Record<Exclude<Caller, 'DUAL_CONTROL'>, HardhatEthersSigner> = {
    ADMIN: world.admin1,
    INSURER: world.insurer,
    REINSURER: world.reinsurer,
    CLIENT: world.client,
    ORACLE: world.oracle,
    AUDITOR: world.auditor,
    STRANGER: world.stranger,
    DEACTIVATED_ADMIN: world.admin3,
    DEACTIVATED_INSURER: world.insurer,
    OTHER_ADMIN: world.admin2,
    OTHER_INSURER: world.secondInsurer,
  };
  return signers[caller];
}

/** The `msg.sender` the called contract sees for a column. */
function addressOf(world: World, caller: Caller): string {
  return caller === 'DUAL_CONTROL' ? world.accessAddress : signerOf(world, caller).address;
}

/** The role a column's party holds (for renounceRole); the stranger and dual control pick one they do not hold. */
function roleOf(caller: Caller): string {
  switch (caller) {
    case 'ADMIN':
    case 'OTHER_ADMIN':
    case 'DEACTIVATED_ADMIN':
    case 'DUAL_CONTROL':
      return ROLES.ADMIN;
    case 'INSURER':
    case 'OTHER_INSURER':
    case 'DEACTIVATED_INSURER':
      return ROLES.INSURER;
    case 'STRANGER':
      return ROLES.CLIENT;
    default:
      return ROLES[caller];
  }
}

/** What one cell sends, and the arguments of the event it emits or of the error it reverts with. */
interface Attempt {
  /** Calldata for the row's contract. */
  data: string;
  /** Arguments of the row's event; `minedAt` is the timestamp of the block the call is mined in. */
  emitted: (minedAt: bigint) => unknown[];
  /** Arguments of each error the row may revert with, by error name. */
  errorArgs: Record<string, unknown[]>;
}

interface Rule {
  contract: 'ConsortiumAccess' | 'EvidenceRegistry';
  fn: string;
  /** The columns of this row. */
  callers: readonly Caller[];
  /** The columns whose call succeeds. */
  allowed: readonly Caller[];
  /** The event a successful call emits. */
  emits: string;
  /** The error every other column gets, unless `deniedOverrides` names another. */
  deniedWith: string;
  deniedOverrides?: Partial<Record<Caller, string>>;
  /** Prepares what the call needs (a proposal, an anchored document) and builds it. */
  attempt(world: World, caller: Caller): Attempt | Promise<Attempt>;
}

/** The id the next proposal will get. */
async function nextProposalId(world: World): Promise<bigint> {
  return (await world.access.proposalCount()) + 1n;
}

/** A harmless proposal to work with: give the CLIENT the AUDITOR role as well. */
async function pendingProposal(world: World, proposer: HardhatEthersSigner, approver?: HardhatEthersSigner) {
  const data = world.access.interface.encodeFunctionData('grantRole', [ROLES.AUDITOR, world.client.address]);
  await (await world.access.connect(proposer).propose(world.accessAddress, data)).wait();
  const proposalId = await world.access.proposalCount();
  if (approver !== undefined) await (await world.access.connect(approver).approve(proposalId)).wait();
  return proposalId;
}

/** The party whose document a supersede or revoke cell acts on: the REINSURER's own, otherwise the INSURER's. */
function registrantFor(world: World, caller: Caller): HardhatEthersSigner {
  return caller === 'REINSURER' ? world.reinsurer : world.insurer;
}

async function anchoredDocument(world: World, registrant: HardhatEthersSigner, text: string) {
  const document = policyDocument(text);
  await (await world.registry.connect(registrant).anchor(document.input)).wait();
  return document;
}

/** The CLIENT's EIP-712 co-signature of `documentHash`, which anyone can relay. */
async function clientCoSignature(world: World, documentHash: string, deadline: bigint): Promise<string> {
  return (await coSign(world.registry, world.client, { documentHash, deadline, nonce: 0n })).signature;
}

const PROPOSAL_LIFETIME = 7n * 24n * 60n * 60n;
const NEW_KEY = '0x03' + 'cd'.repeat(32);
const BATCH_POINTER = 'bafybeibatchpointerfortestsonly';
/** Weather index terms (a rainfall index over one month) for the terms-carrying co-signature. */
const WEATHER_TERMS = {
  latitudeE4: 515_074,
  longitudeE4: -1_278,
  stationId: 'EGLL',
  metric: 0,
  startDate: 20261201,
  endDate: 20261231,
  aggregation: 0,
  dayThreshold: 0n,
  trigger: 800n,
  exit: 1_600n,
  stepThresholds: [],
  stepPayouts: [],
  sumInsured: 5_000_000_000n,
  premium: 400_000_000n,
  cancellationRefundBps: 0,
};

const RULES: readonly Rule[] = [
  // ----------------------------------------------------------------------------------------- ConsortiumAccess
  {
    // An INSURER onboards its own client: CLIENT role, no name on chain, no dual control.
    contract: 'ConsortiumAccess',
    fn: 'registerClient',
    callers: [...EVERYONE, 'DEACTIVATED_INSURER', 'OTHER_INSURER', 'DUAL_CONTROL'],
    allowed: ['INSURER', 'OTHER_INSURER'],
    emits: 'ClientOnboarded',
    deniedWith: 'ConsortiumAccessUnauthorized',
    attempt: (world, caller) => {
      const identifierHash = ethers.id('salted identifier kept by the insurer');
      return {
        data: world.access.interface.encodeFunctionData('registerClient', [
          world.newcomer.address,
          identifierHash,
          '0x04bb',
        ]),
        emitted: () => [world.newcomer.address, addressOf(world, caller), identifierHash],
        errorArgs: { ConsortiumAccessUnauthorized: [addressOf(world, caller), ROLES.INSURER] },
      };
    },
  },
  {
    contract: 'ConsortiumAccess',
    fn: 'registerParty',
    callers: [...EVERYONE, 'DEACTIVATED_ADMIN'],
    allowed: ['ADMIN'],
    emits: 'PartyRegistered',
    deniedWith: 'ConsortiumAccessUnauthorized',
    attempt: (world, caller) => {
      const record = [world.newcomer.address, 'Newcomer Assurance SE', '529900NEWCOMER000042', '0x04aa'] as const;
      return {
        data: world.access.interface.encodeFunctionData('registerParty', [...record]),
        emitted: () => [...record],
        errorArgs: { ConsortiumAccessUnauthorized: [addressOf(world, caller), ROLES.ADMIN] },
      };
    },
  },
  {
    contract: 'ConsortiumAccess',
    fn: 'setEncryptionPublicKey',
    callers: [...EVERYONE, 'DEACTIVATED_INSURER'],
    allowed: REGISTERED,
    emits: 'PartyEncryptionKeyChanged',
    deniedWith: 'ConsortiumAccessUnknownParty',
    // A deactivated party keeps its record but can no longer act, key rotation included.
    deniedOverrides: { DEACTIVATED_INSURER: 'ConsortiumAccessUnauthorized' },
    attempt: (world, caller) => ({
      data: world.access.interface.encodeFunctionData('setEncryptionPublicKey', [NEW_KEY]),
      emitted: () => [addressOf(world, caller), NEW_KEY],
      errorArgs: {
        ConsortiumAccessUnknownParty: [addressOf(world, caller)],
        ConsortiumAccessUnauthorized: [addressOf(world, caller), ethers.ZeroHash],
      },
    }),
  },
  {
    contract: 'ConsortiumAccess',
    fn: 'setPartyActive',
    callers: [...EVERYONE, 'DUAL_CONTROL'],
    allowed: ['DUAL_CONTROL'],
    emits: 'PartyActiveChanged',
    deniedWith: 'ConsortiumAccessDualControlRequired',
    attempt: (world, caller) => ({
      data: world.access.interface.encodeFunctionData('setPartyActive', [world.client.address, false]),
      emitted: () => [world.client.address, false],
      errorArgs: { ConsortiumAccessDualControlRequired: [addressOf(world, caller)] },
    }),
  },
  {
    contract: 'ConsortiumAccess',
    fn: 'grantRole',
    callers: [...EVERYONE, 'DUAL_CONTROL'],
    allowed: ['DUAL_CONTROL'],
    emits: 'RoleGranted',
    deniedWith: 'ConsortiumAccessDualControlRequired',
    attempt: (world, caller) => ({
      data: world.access.interface.encodeFunctionData('grantRole', [ROLES.AUDITOR, world.client.address]),
      emitted: () => [ROLES.AUDITOR, world.client.address, world.accessAddress],
      errorArgs: { ConsortiumAccessDualControlRequired: [addressOf(world, caller)] },
    }),
  },
  {
    contract: 'ConsortiumAccess',
    fn: 'revokeRole',
    callers: [...EVERYONE, 'DUAL_CONTROL'],
    allowed: ['DUAL_CONTROL'],
    emits: 'RoleRevoked',
    deniedWith: 'ConsortiumAccessDualControlRequired',
    attempt: (world, caller) => ({
      data: world.access.interface.encodeFunctionData('revokeRole', [ROLES.CLIENT, world.client.address]),
      emitted: () => [ROLES.CLIENT, world.client.address, world.accessAddress],
      errorArgs: { ConsortiumAccessDualControlRequired: [addressOf(world, caller)] },
    }),
  },
  {
    // Each caller tries to give up its own role; not even dual control may use this entry point.
    contract: 'ConsortiumAccess',
    fn: 'renounceRole',
    callers: [...EVERYONE, 'DUAL_CONTROL'],
    allowed: [],
    emits: 'RoleRevoked',
    deniedWith: 'ConsortiumAccessDualControlRequired',
    attempt: (world, caller) => ({
      data: world.access.interface.encodeFunctionData('renounceRole', [roleOf(caller), addressOf(world, caller)]),
      emitted: () => [roleOf(caller), addressOf(world, caller), addressOf(world, caller)],
      errorArgs: { ConsortiumAccessDualControlRequired: [addressOf(world, caller)] },
    }),
  },
  {
    contract: 'ConsortiumAccess',
    fn: 'propose',
    callers: [...EVERYONE, 'DEACTIVATED_ADMIN'],
    allowed: ['ADMIN'],
    emits: 'ProposalCreated',
    deniedWith: 'ConsortiumAccessUnauthorized',
    attempt: async (world, caller) => {
      const proposalId = await nextProposalId(world);
      const call = world.access.interface.encodeFunctionData('grantRole', [ROLES.AUDITOR, world.client.address]);
      return {
        data: world.access.interface.encodeFunctionData('propose', [world.accessAddress, call]),
        emitted: (minedAt) => [
          proposalId,
          addressOf(world, caller),
          world.accessAddress,
          call,
          minedAt + PROPOSAL_LIFETIME,
        ],
        errorArgs: { ConsortiumAccessUnauthorized: [addressOf(world, caller), ROLES.ADMIN] },
      };
    },
  },
  {
    // The proposal comes from another ADMIN, so the ADMIN column gives the second approval.
    contract: 'ConsortiumAccess',
    fn: 'approve',
    callers: [...EVERYONE, 'DEACTIVATED_ADMIN'],
    allowed: ['ADMIN'],
    emits: 'ProposalApproved',
    deniedWith: 'ConsortiumAccessUnauthorized',
    attempt: async (world, caller) => {
      const proposalId = await pendingProposal(world, world.admin2);
      return {
        data: world.access.interface.encodeFunctionData('approve', [proposalId]),
        emitted: () => [proposalId, addressOf(world, caller), 2],
        errorArgs: { ConsortiumAccessUnauthorized: [addressOf(world, caller), ROLES.ADMIN] },
      };
    },
  },
  {
    // Two other ADMINs proposed and approved; the ADMIN column executes.
    contract: 'ConsortiumAccess',
    fn: 'execute',
    callers: [...EVERYONE, 'DEACTIVATED_ADMIN'],
    allowed: ['ADMIN'],
    emits: 'ProposalExecuted',
    deniedWith: 'ConsortiumAccessUnauthorized',
    attempt: async (world, caller) => {
      const proposalId = await pendingProposal(world, world.admin2, world.admin3);
      return {
        data: world.access.interface.encodeFunctionData('execute', [proposalId]),
        emitted: () => [proposalId, addressOf(world, caller)],
        errorArgs: { ConsortiumAccessUnauthorized: [addressOf(world, caller), ROLES.ADMIN] },
      };
    },
  },
  {
    // The ADMIN column proposed; another ADMIN is not the proposer; a proposer deactivated since can no longer act.
    contract: 'ConsortiumAccess',
    fn: 'cancel',
    callers: [...EVERYONE, 'OTHER_ADMIN', 'DEACTIVATED_ADMIN'],
    allowed: ['ADMIN'],
    emits: 'ProposalCancelled',
    deniedWith: 'ConsortiumAccessUnauthorized',
    deniedOverrides: { OTHER_ADMIN: 'ConsortiumAccessNotProposer' },
    attempt: async (world, caller) => {
      const proposer = caller === 'DEACTIVATED_ADMIN' ? world.admin3 : world.admin1;
      const proposalId = await pendingProposal(world, proposer);
      return {
        data: world.access.interface.encodeFunctionData('cancel', [proposalId]),
        emitted: () => [proposalId, addressOf(world, caller)],
        errorArgs: {
          ConsortiumAccessNotProposer: [proposalId, addressOf(world, caller)],
          ConsortiumAccessUnauthorized: [addressOf(world, caller), ROLES.ADMIN],
        },
      };
    },
  },
  // ----------------------------------------------------------------------------------------- EvidenceRegistry
  {
    contract: 'EvidenceRegistry',
    fn: 'anchor',
    callers: [...EVERYONE, 'DEACTIVATED_INSURER'],
    allowed: ['INSURER', 'REINSURER'],
    emits: 'DocumentAnchored',
    deniedWith: 'ConsortiumGovernedUnauthorized',
    attempt: (world, caller) => {
      const { input } = policyDocument(`policy anchored by ${caller}`, [world.client.address]);
      return {
        data: world.registry.interface.encodeFunctionData('anchor', [input]),
        emitted: () => [
          input.documentHash,
          addressOf(world, caller),
          input.termsHash,
          input.documentType,
          input.retentionClass,
          input.policyRef,
          input.storagePointer,
          input.requiredSigners,
        ],
        errorArgs: { ConsortiumGovernedUnauthorized: [addressOf(world, caller), ROLES.INSURER] },
      };
    },
  },
  {
    contract: 'EvidenceRegistry',
    fn: 'supersede',
    callers: [...EVERYONE, 'DEACTIVATED_INSURER', 'OTHER_INSURER'],
    allowed: ['INSURER', 'REINSURER'],
    emits: 'DocumentSuperseded',
    deniedWith: 'ConsortiumGovernedUnauthorized',
    deniedOverrides: { OTHER_INSURER: 'EvidenceRegistryNotRegistrant' },
    attempt: async (world, caller) => {
      const registrant = registrantFor(world, caller);
      const previous = await anchoredDocument(world, registrant, `policy v1 for ${caller}`);
      const next = policyDocument(`policy v2 for ${caller}`);
      const previousHash = previous.input.documentHash;
      return {
        data: world.registry.interface.encodeFunctionData('supersede', [previousHash, next.input]),
        emitted: () => [previousHash, next.input.documentHash, previousHash, 2],
        errorArgs: {
          ConsortiumGovernedUnauthorized: [addressOf(world, caller), ROLES.INSURER],
          EvidenceRegistryNotRegistrant: [previousHash, addressOf(world, caller), registrant.address],
        },
      };
    },
  },
  {
    // A valid co-signature of the CLIENT, relayed by whoever the column is.
    contract: 'EvidenceRegistry',
    fn: 'cosign',
    callers: EVERYONE,
    allowed: EVERYONE,
    emits: 'DocumentCoSigned',
    deniedWith: 'none (every column succeeds)',
    attempt: async (world, caller) => {
      const document = policyDocument(`policy co-signed via ${caller}`, [world.client.address]);
      await (await world.registry.connect(world.insurer).anchor(document.input)).wait();
      const documentHash = document.input.documentHash;
      const deadline = BigInt(await time.latest()) + 3600n;
      const signature = await clientCoSignature(world, documentHash, deadline);
      return {
        data: world.registry.interface.encodeFunctionData('cosign', [
          documentHash,
          [world.client.address],
          world.client.address,
          0n,
          deadline,
          signature,
        ]),
        emitted: () => [documentHash, world.client.address, 1, 1],
        errorArgs: {},
      };
    },
  },
  {
    // A valid terms-carrying co-signature of the CLIENT, relayed by whoever the column is.
    contract: 'EvidenceRegistry',
    fn: 'cosignTerms',
    callers: EVERYONE,
    allowed: EVERYONE,
    emits: 'TermsCoSigned',
    deniedWith: 'none (every column succeeds)',
    attempt: async (world, caller) => {
      const terms = { ...WEATHER_TERMS, policyholder: world.client.address };
      const termsHash = TypedDataEncoder.hashStruct('WeatherIndexTerms', WEATHER_INDEX_TERMS_TYPES, terms);
      const document = policyDocument(`policy co-signed with its terms via ${caller}`, [world.client.address], {
        termsHash,
      });
      await (await world.registry.connect(world.insurer).anchor(document.input)).wait();
      const documentHash = document.input.documentHash;
      const deadline = BigInt(await time.latest()) + 3600n;
      const { signature } = await coSignTerms(world.registry, world.client, {
        documentHash,
        deadline,
        nonce: 0n,
        termsType: TermsType.WeatherIndex,
        terms,
      });
      return {
        data: world.registry.interface.encodeFunctionData('cosignTerms', [
          documentHash,
          [world.client.address],
          TermsType.WeatherIndex,
          world.client.address,
          0n,
          deadline,
          signature,
        ]),
        emitted: () => [documentHash, world.client.address, TermsType.WeatherIndex, termsHash],
        errorArgs: {},
      };
    },
  },
  {
    // Any account may cancel its own unused co-signature nonces; nobody can cancel another's.
    contract: 'EvidenceRegistry',
    fn: 'cancelNonces',
    callers: EVERYONE,
    allowed: EVERYONE,
    emits: 'NoncesCancelled',
    deniedWith: 'none (every column succeeds)',
    attempt: (world, caller) => ({
      data: world.registry.interface.encodeFunctionData('cancelNonces', [5n, 0b1010n]),
      emitted: () => [addressOf(world, caller), 5n, 0b1010n],
      errorArgs: {},
    }),
  },
  {
    contract: 'EvidenceRegistry',
    fn: 'revoke',
    callers: [...EVERYONE, 'DEACTIVATED_INSURER', 'OTHER_INSURER'],
    allowed: ['INSURER', 'REINSURER'],
    emits: 'DocumentRevoked',
    deniedWith: 'ConsortiumGovernedUnauthorized',
    deniedOverrides: { OTHER_INSURER: 'EvidenceRegistryNotRegistrant' },
    attempt: async (world, caller) => {
      const registrant = registrantFor(world, caller);
      const document = await anchoredDocument(world, registrant, `policy revoked by ${caller}`);
      const documentHash = document.input.documentHash;
      const reason = 2; // RevocationReason.CancelledByInsurer
      return {
        data: world.registry.interface.encodeFunctionData('revoke', [documentHash, reason]),
        emitted: () => [documentHash, addressOf(world, caller), reason],
        errorArgs: {
          ConsortiumGovernedUnauthorized: [addressOf(world, caller), ROLES.INSURER],
          EvidenceRegistryNotRegistrant: [documentHash, addressOf(world, caller), registrant.address],
        },
      };
    },
  },
  {
    contract: 'EvidenceRegistry',
    fn: 'anchorBatch',
    callers: [...EVERYONE, 'DEACTIVATED_INSURER'],
    allowed: ['INSURER', 'REINSURER'],
    emits: 'BatchAnchored',
    deniedWith: 'ConsortiumGovernedUnauthorized',
    attempt: (world, caller) => {
      const merkleRoot = ethers.id(`batch anchored by ${caller}`);
      return {
        data: world.registry.interface.encodeFunctionData('anchorBatch', [merkleRoot, 3, BATCH_POINTER]),
        emitted: () => [merkleRoot, addressOf(world, caller), 3, BATCH_POINTER],
        errorArgs: { ConsortiumGovernedUnauthorized: [addressOf(world, caller), ROLES.INSURER] },
      };
    },
  },
  {
    contract: 'EvidenceRegistry',
    fn: 'setRetentionClass',
    callers: [...EVERYONE, 'DUAL_CONTROL'],
    allowed: ['DUAL_CONTROL'],
    emits: 'RetentionClassSet',
    deniedWith: 'ConsortiumGovernedDualControlRequired',
    attempt: (world, caller) => ({
      data: world.registry.interface.encodeFunctionData('setRetentionClass', [9, 7, true]),
      emitted: () => [9, 7, true],
      errorArgs: { ConsortiumGovernedDualControlRequired: [addressOf(world, caller)] },
    }),
  },
];

/**
 * Gets a column ready to send `data` to `to` and returns how to send it. Deactivated columns are deactivated here,
 * after the row's own preparation (which may need them active); the dual-control column is proposed and approved
 * here, and sending it executes the proposal.
 */
async function readyCaller(
  world: World,
  caller: Caller,
  to: string,
  data: string,
): Promise<{ send: () => Promise<TransactionResponse | ContractTransactionResponse>; proposalId?: bigint }> {
  if (caller === 'DUAL_CONTROL') {
    await (await world.access.connect(world.admin1).propose(to, data)).wait();
    const proposalId = await world.access.proposalCount();
    await (await world.access.connect(world.admin2).approve(proposalId)).wait();
    return { send: () => world.access.connect(world.admin1).execute(proposalId), proposalId };
  }
  const signer = signerOf(world, caller);
  if (caller === 'DEACTIVATED_ADMIN' || caller === 'DEACTIVATED_INSURER') {
    const deactivation = world.access.interface.encodeFunctionData('setPartyActive', [signer.address, false]);
    await underDualControl(world.access, [world.admin1, world.admin2], world.accessAddress, deactivation);
  }
  return { send: () => signer.sendTransaction({ to, data }) };
}

describe('permissions', function () {
  it('the matrix covers every mutating external function of both contracts', async function () {
    const { access, registry } = await permissionWorld();
    const mutating = (fragments: readonly Fragment[]) =>
      fragments
        .filter((fragment): fragment is FunctionFragment => FunctionFragment.isFragment(fragment))
        .filter((fragment) => fragment.stateMutability !== 'view' && fragment.stateMutability !== 'pure')
        .map((fragment) => fragment.name);
    // renounceRole is declared `view` because it can only revert, but it is part of the access-control surface.
    const expected = [
      ...mutating(access.interface.fragments).map((name) => `ConsortiumAccess.${name}`),
      'ConsortiumAccess.renounceRole',
      ...mutating(registry.interface.fragments).map((name) => `EvidenceRegistry.${name}`),
    ];

    expect(RULES.map((rule) => `${rule.contract}.${rule.fn}`)).to.have.members(expected);
  });

  for (const rule of RULES) {
    describe(`${rule.contract}.${rule.fn}`, function () {
      for (const caller of rule.callers) {
        const allowed = rule.allowed.includes(caller);
        const error = rule.deniedOverrides?.[caller] ?? rule.deniedWith;
        const outcome = allowed
          ? `succeeds (${rule.emits})`
          : caller === 'DUAL_CONTROL'
            ? `reverts with ConsortiumAccessExecutionFailed(${error})`
            : `reverts with ${error}`;

        it(`${CALLER_LABELS[caller]}: ${outcome}`, async function () {
          const world = await permissionWorld();
          const contract = rule.contract === 'ConsortiumAccess' ? world.access : world.registry;
          const attempt = await rule.attempt(world, caller);
          const { send, proposalId } = await readyCaller(world, caller, await contract.getAddress(), attempt.data);

          if (allowed) {
            const minedAt = BigInt(await time.latest()) + 1n;
            await time.setNextBlockTimestamp(minedAt);
            await expect(send())
              .to.emit(contract, rule.emits)
              .withArgs(...attempt.emitted(minedAt));
            return;
          }

          const errorArgs = attempt.errorArgs[error];
          if (errorArgs === undefined) throw new Error(`row ${rule.fn} gives no arguments for ${error}`);
          if (proposalId !== undefined) {
            // Through dual control the target's error comes back wrapped, as the execution's revert reason.
            await expect(send())
              .to.be.revertedWithCustomError(world.access, 'ConsortiumAccessExecutionFailed')
              .withArgs(proposalId, contract.interface.encodeErrorResult(error, errorArgs));
          } else {
            await expect(send())
              .to.be.revertedWithCustomError(contract, error)
              .withArgs(...errorArgs);
          }
        });
      }
    });
  }
});
