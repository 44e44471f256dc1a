import { getAddress, hexlify, type Signer } from 'ethers';
import {
  ConsortiumAccess__factory,
  OracleHub__factory,
  RiskPool__factory,
  type ConsortiumAccess,
} from '../../types/ethers-contracts/index.js';
import type { LedgerClient } from './client.js';
import { simulateCall, type CallRequest } from './consortium-transactions.js';
import type { Deployment, GasOverrides, PartyRegistration } from './deploy.js';
import { withDecodedErrors } from './errors.js';
import { roleId, type PartyRole } from './parties.js';
import { eventIn, minedAt, sendAndConfirm, type MinedTransaction, type SendOptions } from './transactions.js';

/**
 * Carries one call through dual control: `proposer` proposes it (its first approval), `approver` (another ADMIN)
 * approves, `proposer` executes. Returns the proposal id.
 */
export async function underDualControl(
  access: ConsortiumAccess,
  proposer: Signer,
  approver: Signer,
  target: string,
  data: string,
): Promise<bigint> {
  const receipt = await (await access.connect(proposer).propose(target, data)).wait();
  const created = receipt?.logs
    .map((log) => access.interface.parseLog(log))
    .find((event) => event?.name === 'ProposalCreated');
  if (created === undefined || created === null) throw new Error('propose did not emit ProposalCreated');
  const proposalId = created.args.proposalId as bigint;
  await (await access.connect(approver).approve(proposalId)).wait();
  await (await access.connect(proposer).execute(proposalId)).wait();
  return proposalId;
}

/** Registers a party in `ConsortiumAccess` (an ADMIN's action); roles are granted apart, under dual control. */
export async function registerParty(
  admin: Signer,
  consortiumAccess: string,
  registration: PartyRegistration,
  overrides: GasOverrides = {},
): Promise<void> {
  const access = ConsortiumAccess__factory.connect(consortiumAccess, admin);
  const { account, legalName, identifier, encryptionPublicKey } = registration;
  await (await access.registerParty(account, legalName, identifier, encryptionPublicKey, overrides)).wait();
}

/** Two ADMINs acting together: the proposer, and the one who approves. */
export interface DualControl {
  consortiumAccess: string;
  proposer: Signer;
  approver: Signer;
}

/** Grants `role` to `account` under dual control. */
export async function grantRole(admins: DualControl, role: PartyRole, account: string): Promise<bigint> {
  const access = ConsortiumAccess__factory.connect(admins.consortiumAccess, admins.proposer);
  const data = access.interface.encodeFunctionData('grantRole', [roleId(role), account]);
  return underDualControl(access, admins.proposer, admins.approver, admins.consortiumAccess, data);
}

/** Lets (or stops) `consumer`, a product, register feeds with the oracle hub, under dual control. */
export async function setHubConsumer(
  admins: DualControl,
  oracleHub: string,
  consumer: string,
  allowed: boolean,
): Promise<bigint> {
  const access = ConsortiumAccess__factory.connect(admins.consortiumAccess, admins.proposer);
  const data = OracleHub__factory.createInterface().encodeFunctionData('setConsumer', [consumer, allowed]);
  return underDualControl(access, admins.proposer, admins.approver, oracleHub, data);
}

/** Wires (or unwires) `product` into a risk pool, under dual control (after the consents `consentToWiring` records). */
export async function setPoolProduct(
  admins: DualControl,
  riskPool: string,
  product: string,
  allowed: boolean,
): Promise<bigint> {
  const access = ConsortiumAccess__factory.connect(admins.consortiumAccess, admins.proposer);
  const data = RiskPool__factory.createInterface().encodeFunctionData('setProduct', [product, allowed]);
  return underDualControl(access, admins.proposer, admins.approver, riskPool, data);
}

/** Attaches `treaty` to a risk pool, under dual control (after the insurer's consent). */
export async function setPoolTreaty(admins: DualControl, riskPool: string, treaty: string): Promise<bigint> {
  const access = ConsortiumAccess__factory.connect(admins.consortiumAccess, admins.proposer);
  const data = RiskPool__factory.createInterface().encodeFunctionData('setTreaty', [treaty]);
  return underDualControl(access, admins.proposer, admins.approver, riskPool, data);
}

// ---------------------------------------------------------------------------------------------------------------
// Proposals, as the API lists and carries them
// ---------------------------------------------------------------------------------------------------------------

/** `IConsortiumAccess.ProposalStatus`, by number. */
const PROPOSAL_STATUSES = ['None', 'Pending', 'Executed', 'Cancelled'] as const;

/**
 * Where a proposal stands for the people who act on it: `pending` needs another approval, `approved` has the
 * approvals dual control needs (from parties still active ADMINs) and waits to be executed, `expired` was neither
 * executed nor cancelled within its lifetime.
 */
export const PROPOSAL_STATES = ['pending', 'approved', 'executed', 'cancelled', 'expired'] as const;
export type ProposalState = (typeof PROPOSAL_STATES)[number];

/** One step of a proposal's life, from the consortium's events. */
export interface ProposalStep {
  step: 'proposed' | 'approved' | 'executed' | 'cancelled';
  by: string;
  transactionHash: string;
  blockNumber: number;
}

export interface ProposalRecord {
  proposalId: bigint;
  proposer: string;
  target: string;
  data: string;
  state: ProposalState;
  /** Distinct approvals recorded (the proposal counts as its proposer's). */
  approvals: number;
  /** Approvals that count now: from parties that are still active ADMINs. */
  validApprovals: number;
  approvers: string[];
  /** Block time after which it can no longer be approved or executed. */
  expiresAt: number;
  history: ProposalStep[];
}

/** The approvals a proposal needs (`DUAL_CONTROL_APPROVALS`). */
export const DUAL_CONTROL_APPROVALS = 2;

function accessOf(client: LedgerClient): ConsortiumAccess {
  return ConsortiumAccess__factory.connect(client.deployment.consortiumAccess, client.provider);
}

/** How many proposals were ever made; ids run from 1 to it. */
export async function proposalCount(client: LedgerClient): Promise<bigint> {
  return withDecodedErrors('proposalCount', () => accessOf(client).proposalCount());
}

/**
 * Proposals `ids` with their approvers and history (one scan of the consortium's proposal events from the deployment
 * block), all read at one block: `atBlock` (e.g. the block of a transaction just mined) or the latest. Ids that do not
 * exist are left out.
 */
export async function readProposals(client: LedgerClient, ids: bigint[], atBlock?: number): Promise<ProposalRecord[]> {
  if (ids.length === 0) return [];
  const access = accessOf(client);
  const blockTag = atBlock ?? (await client.provider.getBlockNumber());
  const [proposals, history, block] = await Promise.all([
    Promise.all(ids.map((proposalId) => access.getProposal(proposalId, { blockTag }))),
    proposalHistory(client, ids, blockTag),
    client.provider.getBlock(blockTag),
  ]);
  const now = block?.timestamp ?? Math.floor(Date.now() / 1000);
  const adminRole = roleId('ADMIN');
  const activeAdmin = new Map<string, Promise<boolean>>();
  const isActiveAdmin = (account: string) => {
    let known = activeAdmin.get(account);
    if (known === undefined) {
      known = access.hasActiveRole(adminRole, account, { blockTag });
      activeAdmin.set(account, known);
    }
    return known;
  };
  const records: ProposalRecord[] = [];
  for (const [index, proposal] of proposals.entries()) {
    const proposalId = ids[index]!;
    const status = PROPOSAL_STATUSES[Number(proposal.status)] ?? 'None';
    if (status === 'None') continue;
    const steps = history.get(proposalId) ?? [];
    const approvers = steps.filter((step) => step.step === 'proposed' || step.step === 'approved').map((s) => s.by);
    const valid = (await Promise.all(approvers.map(isActiveAdmin))).filter(Boolean).length;
    const expiresAt = Number(proposal.expiresAt);
    let state: ProposalState = status === 'Executed' ? 'executed' : status === 'Cancelled' ? 'cancelled' : 'pending';
    if (state === 'pending' && now > expiresAt) state = 'expired';
    else if (state === 'pending' && valid >= DUAL_CONTROL_APPROVALS) state = 'approved';
    records.push({
      proposalId,
      proposer: getAddress(proposal.proposer),
      target: getAddress(proposal.target),
      data: hexlify(proposal.data),
      state,
      approvals: Number(proposal.approvals),
      validApprovals: valid,
      approvers,
      expiresAt,
      history: steps,
    });
  }
  return records;
}

/** The proposal events of `ids` up to block `toBlock`, in chain order, by proposal id. */
async function proposalHistory(
  client: LedgerClient,
  ids: bigint[],
  toBlock: number,
): Promise<Map<bigint, ProposalStep[]>> {
  const access = accessOf(client);
  const from = client.deployment.blockNumber;
  const wanted = new Set(ids);
  const [created, approved, executed, cancelled] = await Promise.all([
    access.queryFilter(access.filters.ProposalCreated(), from, toBlock),
    access.queryFilter(access.filters.ProposalApproved(), from, toBlock),
    access.queryFilter(access.filters.ProposalExecuted(), from, toBlock),
    access.queryFilter(access.filters.ProposalCancelled(), from, toBlock),
  ]);
  const steps = [
    ...created.map((e) => ({ e, step: 'proposed' as const, id: e.args.proposalId, by: e.args.proposer })),
    ...approved.map((e) => ({ e, step: 'approved' as const, id: e.args.proposalId, by: e.args.approver })),
    ...executed.map((e) => ({ e, step: 'executed' as const, id: e.args.proposalId, by: e.args.executor })),
    ...cancelled.map((e) => ({ e, step: 'cancelled' as const, id: e.args.proposalId, by: e.args.canceller })),
  ]
    .filter(({ id }) => wanted.has(id))
    .sort((a, b) => a.e.blockNumber - b.e.blockNumber || a.e.index - b.e.index);
  const byId = new Map<bigint, ProposalStep[]>();
  for (const { e, step, id, by } of steps) {
    const list = byId.get(id) ?? [];
    list.push({ step, by: getAddress(by), transactionHash: e.transactionHash, blockNumber: e.blockNumber });
    byId.set(id, list);
  }
  return byId;
}

/** What an ADMIN does with a proposal; `propose` makes one (its first approval). */
export type GovernanceAction =
  { kind: 'propose'; target: string; data: string } | { kind: 'approve' | 'execute' | 'cancel'; proposalId: bigint };

/** The consortium call that carries `action`. */
export function governanceRequest(deployment: Deployment, action: GovernanceAction): CallRequest {
  const iface = ConsortiumAccess__factory.createInterface();
  let data: string;
  switch (action.kind) {
    case 'propose':
      data = iface.encodeFunctionData('propose', [action.target, action.data]);
      break;
    case 'approve':
      data = iface.encodeFunctionData('approve', [action.proposalId]);
      break;
    case 'execute':
      data = iface.encodeFunctionData('execute', [action.proposalId]);
      break;
    case 'cancel':
      data = iface.encodeFunctionData('cancel', [action.proposalId]);
      break;
  }
  return { to: deployment.consortiumAccess, data };
}

/**
 * Sends `action` with the client's signer (an active ADMIN) and waits for it; a proposal's new id comes back with
 * its transaction. Reverts are `LedgerError`s named after the consortium's custom errors.
 */
export async function sendGovernanceAction(
  client: LedgerClient,
  action: GovernanceAction,
  options: SendOptions = {},
): Promise<MinedTransaction & { proposalId: bigint }> {
  const request = governanceRequest(client.deployment, action);
  const receipt = await sendAndConfirm(client, action.kind, Promise.resolve({ ...request }), options);
  if (action.kind !== 'propose') return { ...minedAt(receipt), proposalId: action.proposalId };
  const contract = { address: client.deployment.consortiumAccess, iface: ConsortiumAccess__factory.createInterface() };
  const { event } = eventIn(receipt, contract, 'ProposalCreated', 'propose');
  return { ...minedAt(receipt), proposalId: event.args.proposalId as bigint };
}

/**
 * Checks a call a proposal would make, as the consortium contract would make it on execution, on the chain's state
 * now: a dispute after its window, the resolution of a feed not yet due, a role for an unregistered party… are
 * refused before anyone approves them.
 */
export async function simulateProposedCall(client: LedgerClient, call: CallRequest, action: string): Promise<void> {
  await simulateCall(client, action, client.deployment.consortiumAccess, call);
}
