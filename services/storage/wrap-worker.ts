/**
 * The worker thread behind `wrap-pool.ts`: wraps content keys with `wrapContentKey` and posts each result (or the
 * failure's code and message) back under the request's id.
 */
import { parentPort } from 'node:worker_threads';
import { isStorageError } from './errors.js';
import { wrapContentKey, type WrapContext } from './wrap.js';

export interface WrapRequest {
  id: number;
  contentKey: Uint8Array;
  recipientPublicKey: Uint8Array;
  context: WrapContext;
}

export type WrapAnswer =
  { id: number; wrapped: Uint8Array } | { id: number; error: { code: string | null; message: string } };

const port = parentPort;
if (port === null) throw new Error('wrap-worker.ts runs as a worker thread');
port.on('message', ({ id, contentKey, recipientPublicKey, context }: WrapRequest) => {
  wrapContentKey(contentKey, recipientPublicKey, context).then(
    (wrapped) => port.postMessage({ id, wrapped } satisfies WrapAnswer),
    (error: unknown) =>
      port.postMessage({
        id,
        error: { code: isStorageError(error) ? error.code : null, message: (error as Error).message },
      } satisfies WrapAnswer),
  );
});
