/**
 * Content-key wrapping in worker threads. One HPKE seal (`wrap.ts`) costs about 0.3 ms of CPU on Node's synchronous
 * primitives: in a worker it runs beside the event loop that parses uploads and answers requests, on another core,
 * for the price of a message each way. The result is the same bytes `wrapContentKey` gives (it is what the worker
 * runs).
 *
 * The workers start on first use, are unref'd, and stop after a short idle time: under tsx a worker's loader keeps an
 * esbuild service process of its own, which would otherwise keep the process alive after its work is done (a test
 * run that never exits). Nothing needs closing.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { StorageError, type StorageErrorCode } from './errors.js';
import type { WrapContext } from './wrap.js';
import type { WrapAnswer, WrapRequest } from './wrap-worker.js';

/** One worker per core beyond the event loop's, at least one and at most four. */
const POOL_SIZE = Math.max(1, Math.min(4, availableParallelism() - 1));

const WORKER_URL = new URL(`./wrap-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;

/**
 * Under tsx (how the API and its tests run) a worker thread does not inherit the TypeScript loader, so it registers
 * tsx's before importing the worker module; compiled JavaScript imports it directly.
 */
const BOOT = WORKER_URL.endsWith('.ts')
  ? `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(WORKER_URL)}); })`
  : `import(${JSON.stringify(WORKER_URL)})`;

/** How long a worker waits for more work before it stops (a new one starts on the next wrap). */
const IDLE_MS = 2_000;

interface Pending {
  resolve(wrapped: Uint8Array): void;
  reject(error: unknown): void;
}

class PooledWorker {
  readonly pending = new Map<number, Pending>();
  private readonly worker: Worker;
  private idle: NodeJS.Timeout | undefined;

  constructor(private readonly onGone: (worker: PooledWorker) => void) {
    this.worker = new Worker(BOOT, { eval: true });
    this.worker.unref();
    this.worker.on('message', (answer: WrapAnswer) => {
      const waiting = this.pending.get(answer.id);
      this.pending.delete(answer.id);
      if (this.pending.size === 0) this.stopWhenIdle();
      if (waiting === undefined) return;
      if ('wrapped' in answer) waiting.resolve(answer.wrapped);
      else if (answer.error.code === null) waiting.reject(new Error(answer.error.message));
      else waiting.reject(new StorageError(answer.error.code as StorageErrorCode, answer.error.message));
    });
    const fail = (error: unknown) => {
      onGone(this);
      for (const waiting of this.pending.values()) waiting.reject(error);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`a key-wrapping worker exited (${code})`)));
  }

  post(request: WrapRequest, waiting: Pending): void {
    clearTimeout(this.idle);
    this.pending.set(request.id, waiting);
    this.worker.postMessage(request);
  }

  private stopWhenIdle(): void {
    clearTimeout(this.idle);
    this.idle = setTimeout(() => {
      // Out of the pool first, so that no wrap is posted to a worker on its way out.
      this.onGone(this);
      void this.worker.terminate();
    }, IDLE_MS);
    this.idle.unref();
  }
}

const workers: PooledWorker[] = [];
let nextId = 0;

/** The worker with the fewest wraps waiting, starting workers up to the pool's size. */
function leastBusy(): PooledWorker {
  if (workers.length < POOL_SIZE) {
    const worker = new PooledWorker((gone) => {
      const index = workers.indexOf(gone);
      if (index >= 0) workers.splice(index, 1);
    });
    workers.push(worker);
    return worker;
  }
  return workers.reduce((best, worker) => (worker.pending.size < best.pending.size ? worker : best));
}

/** `wrapContentKey`, run in a worker thread. */
export function wrapContentKeyInWorker(
  contentKey: Uint8Array,
  recipientPublicKey: Uint8Array,
  context: WrapContext,
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    leastBusy().post({ id: nextId++, contentKey, recipientPublicKey, context }, { resolve, reject });
  });
}
