import type { Signer } from 'ethers';
import {
  ConsortiumAccess__factory,
  OracleHub__factory,
  RiskPool__factory,
  type ConsortiumAccess,
} from '../../types/ethers-contracts/index.js';
import type { GasOverrides, PartyRegistration } from './deploy.js';
import { roleId, type PartyRole } from './parties.js';

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
