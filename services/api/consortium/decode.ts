/**
 * Chain refusals of consortium actions as problems: the contract's custom error (decoded by the ledger through every
 * PolicyLedger ABI) becomes a stable UPPER_SNAKE code — `ConsortiumAccessAlreadyApproved` →
 * `CONSORTIUM_ACCESS_ALREADY_APPROVED` — with the error's name, arguments and signature in `contractError`. A
 * proposal whose call reverted on execution (`ConsortiumAccessExecutionFailed`) also carries the target's own error,
 * decoded, in `reason`.
 */
import { CallEncodingError } from '../../ledger/consortium-calls.js';
import { decodeRevertData, LedgerError, type DecodedContractError } from '../../ledger/errors.js';
import { AppError } from '../errors.js';

/** `ConsortiumAccessAlreadyApproved` → `CONSORTIUM_ACCESS_ALREADY_APPROVED`. */
export function problemCodeOf(errorName: string): string {
  return errorName
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toUpperCase();
}

/** The HTTP status a contract's refusal answers, by what the error says about the request. */
function statusOf(errorName: string): number {
  if (/(Unauthorized|NotProposer|NotConsentingParty|DualControlRequired)$/.test(errorName)) return 403;
  if (/(UnknownProposal|UnknownFeed)$/.test(errorName)) return 404;
  if (
    /(AlreadyApproved|NotPending|ProposalExpired|NotEnoughApprovals|FeedNotOpen|WindowClosed|NotYetDue)$/.test(
      errorName,
    )
  )
    return 409;
  return 422;
}

function contractErrorOf(decoded: DecodedContractError) {
  return { name: decoded.name, args: decoded.args, signature: decoded.signature };
}

/** The problem a ledger error of a consortium action answers; other errors pass through unchanged. */
export function asConsortiumProblem(error: unknown): unknown {
  if (error instanceof CallEncodingError) return new AppError(422, error.code, error.message, { cause: error });
  if (!(error instanceof LedgerError)) return error;
  const decoded = error.decoded;
  if (decoded === undefined) {
    return new AppError(
      422,
      'CONTRACT_REVERT',
      `${error.action}: the contract refused the call without a known error`,
      {
        cause: error,
      },
    );
  }
  const details: Record<string, unknown> = { action: error.action, contractError: contractErrorOf(decoded) };
  if (error.transactionHash !== undefined) details.transactionHash = error.transactionHash;
  let message = `${error.action} refused by the chain: ${decoded.message}`;
  if (decoded.name === 'ConsortiumAccessExecutionFailed') {
    const reason = decodeRevertData(decoded.args[1] ?? '');
    if (reason !== null) {
      details.reason = { code: problemCodeOf(reason.name), ...contractErrorOf(reason) };
      message = `The proposal's call reverted: ${reason.message}`;
    }
  }
  return new AppError(statusOf(decoded.name), problemCodeOf(decoded.name), message, { cause: error, details });
}

/** Runs `fn`, answering a chain refusal (or a call that cannot be encoded) as its problem. */
export async function withConsortiumProblems<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw asConsortiumProblem(error);
  }
}
