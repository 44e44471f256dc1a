export { AnchoringService, OperationNotFoundError } from './service.js';
export { initOutboxSchema } from './outbox.js';
export { composeBatch, BATCH_LEAF_ENCODING, type BatchManifest } from './batch.js';
export {
  AnchorRequestError,
  type AnchorInput,
  type AnchorRequest,
  type AnchoringOptions,
  type BatchProof,
  type Operation,
  type OperationKind,
  type OperationState,
} from './types.js';
