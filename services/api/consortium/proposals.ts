/**
 * Dual-control proposals through the API: listed and read with their calldata decoded (contract, function, named
 * arguments) and a check of whether their call would succeed now, and proposed, approved, executed and cancelled by
 * ADMINs (see `dispatch.ts` for who sends).
 */
import type { Caller } from '../auth/caller.js';
import type { ApiContext } from '../context.js';
import { AppError } from '../errors.js';
import { decodeCall, type DecodedCall } from '../../ledger/consortium-calls.js';
import {
  DUAL_CONTROL_APPROVALS,
  governanceRequest,
  proposalCount,
  readProposals,
  sendGovernanceAction,
  simulateProposedCall,
  type ProposalRecord,
  type ProposalStep,
  type ProposalState,
} from '../../ledger/governance.js';
import { asConsortiumProblem } from './decode.js';
import { sendOrPrepare, type SentAction, type UnsignedAction } from './dispatch.js';

/** Whether a pending proposal's call would succeed if executed now; the refusal, decoded, when not. */
export type ExecutionCheck = { wouldSucceed: true } | { wouldSucceed: false; code: string; message: string };

export interface ProposalView {
  id: string;
  href: string;
  state: ProposalState;
  proposer: string;
  call: DecodedCall;
  approvals: number;
  validApprovals: number;
  requiredApprovals: number;
  approvers: string[];
  expiresAt: string;
  history: ProposalStep[];
  /** Only for proposals still open (pending or approved). */
  executionCheck?: ExecutionCheck;
}

/** What a proposal action answers: how it was sent, and the proposal as it stands (once known). */
export type ProposalActionResult = (SentAction | UnsignedAction) & { call: DecodedCall; proposal: ProposalView | null };

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

async function executionCheck(ctx: ApiContext, record: ProposalRecord): Promise<ExecutionCheck> {
  try {
    await simulateProposedCall(ctx.ledger, { to: record.target, data: record.data }, 'execute');
    return { wouldSucceed: true };
  } catch (error) {
    const problem = asConsortiumProblem(error);
    if (!(problem instanceof AppError)) throw error;
    return { wouldSucceed: false, code: problem.code, message: problem.message };
  }
}

async function viewOf(ctx: ApiContext, record: ProposalRecord): Promise<ProposalView> {
  const open = record.state === 'pending' || record.state === 'approved';
  return {
    id: record.proposalId.toString(),
    href: `/v1/proposals/${record.proposalId}`,
    state: record.state,
    proposer: record.proposer,
    call: decodeCall(ctx.ledger.deployment, record.target, record.data),
    approvals: record.approvals,
    validApprovals: record.validApprovals,
    requiredApprovals: DUAL_CONTROL_APPROVALS,
    approvers: record.approvers,
    expiresAt: iso(record.expiresAt),
    history: record.history,
    ...(open ? { executionCheck: await executionCheck(ctx, record) } : {}),
  };
}

/** Proposal `id` (at block `atBlock`, else the latest), or 404 PROPOSAL_NOT_FOUND. */
export async function readProposalView(ctx: ApiContext, id: bigint, atBlock?: number): Promise<ProposalView> {
  const [record] = await readProposals(ctx.ledger, [id], atBlock);
  if (record === undefined) {
    throw new AppError(404, 'PROPOSAL_NOT_FOUND', `There is no proposal ${id}`, {
      details: { proposalId: String(id) },
    });
  }
  return viewOf(ctx, record);
}

/**
 * Proposals newest first, `limit` at a time, in `state` when given; `cursor` is the `nextCursor` of the page before
 * (the id below which to go on).
 */
export async function listProposalViews(
  ctx: ApiContext,
  query: { state?: ProposalState | undefined; limit: number; cursor?: bigint | undefined },
): Promise<{ items: ProposalView[]; nextCursor: string | null }> {
  const count = await proposalCount(ctx.ledger);
  let start = query.cursor === undefined ? count : query.cursor - 1n;
  const found: ProposalRecord[] = [];
  let nextCursor: string | null = null;
  while (start >= 1n) {
    const ids: bigint[] = [];
    for (let id = start; id >= 1n && ids.length < query.limit; id--) ids.push(id);
    start -= BigInt(ids.length);
    for (const record of await readProposals(ctx.ledger, ids)) {
      if (query.state === undefined || record.state === query.state) found.push(record);
      if (found.length === query.limit) break;
    }
    const last = found.at(-1);
    if (found.length === query.limit && last !== undefined) {
      if (last.proposalId > 1n) nextCursor = last.proposalId.toString();
      break;
    }
  }
  return { items: await Promise.all(found.map((record) => viewOf(ctx, record))), nextCursor };
}

/** Proposes `call` as the caller; the answer carries the new proposal when the API sent it. */
export async function propose(
  ctx: ApiContext,
  caller: Caller,
  call: { target: string; data: string },
): Promise<ProposalActionResult> {
  const action = { kind: 'propose', target: call.target, data: call.data } as const;
  const decoded = decodeCall(ctx.ledger.deployment, call.target, call.data);
  const { sent, result } = await sendOrPrepare(
    ctx,
    caller,
    'propose',
    governanceRequest(ctx.ledger.deployment, action),
    (client) => sendGovernanceAction(client, action),
  );
  const proposal = result === null ? null : await readProposalView(ctx, result.proposalId, result.blockNumber);
  return { ...sent, call: decoded, proposal };
}

/** Approves, executes or cancels proposal `id` as the caller; answers the proposal as it stands after. */
export async function actOnProposal(
  ctx: ApiContext,
  caller: Caller,
  id: bigint,
  kind: 'approve' | 'execute' | 'cancel',
): Promise<ProposalActionResult> {
  const before = await readProposalView(ctx, id);
  const action = { kind, proposalId: id } as const;
  const { sent, result } = await sendOrPrepare(
    ctx,
    caller,
    kind,
    governanceRequest(ctx.ledger.deployment, action),
    (client) => sendGovernanceAction(client, action),
  );
  const proposal = result === null ? before : await readProposalView(ctx, id, result.blockNumber);
  return { ...sent, call: proposal.call, proposal };
}
