/** Operations as the API answers them, and who may read one. */
import type { DocumentsContext } from './context.js';
import type { Caller } from '../auth/caller.js';
import { AnchorRequestError, type AnchorRequest, type Operation } from '../anchoring/types.js';
import { AppError } from '../errors.js';
import { operationOwner } from './store.js';

export interface OperationView extends Operation {
  href: string;
}

export function operationView(operation: Operation): OperationView {
  return { ...operation, href: `/v1/operations/${operation.id}` };
}

/**
 * The operation `id`, for the party that asked for it through this API (whichever of its sessions or API keys did).
 * Anyone else gets 404, as for an unknown id, so that ids cannot be probed.
 */
export function readOperation(ctx: DocumentsContext, caller: Caller, id: string): OperationView {
  const operation = ctx.anchoring.operation(id);
  if (operation === null || operationOwner(ctx.db, id) !== caller.account) {
    throw new AppError(404, 'OPERATION_NOT_FOUND', `No operation ${id}`, { details: { operationId: id } });
  }
  return operationView(operation);
}

/** Hands `request` to the outbox (resolving once it is durable); the outbox's own refusals become problems. */
export async function acceptRequest(
  ctx: DocumentsContext,
  request: AnchorRequest,
  alongside?: (operation: Operation) => void,
): Promise<Operation> {
  try {
    return await ctx.anchoring.accept(request, alongside === undefined ? {} : { alongside });
  } catch (error) {
    if (error instanceof AnchorRequestError) {
      const status = error.code === 'PARTY_NOT_HOSTED' ? 403 : 400;
      throw new AppError(status, error.code, error.message, { cause: error });
    }
    throw error;
  }
}
