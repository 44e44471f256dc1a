import type { Signer } from 'ethers';
import type { ConsortiumAccess } from '../../types/ethers-contracts/index.js';

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
