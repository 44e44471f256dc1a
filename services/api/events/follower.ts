/**
 * Tells the event consumers (SSE streams, webhook deliveries) when the chain index has advanced. The indexer writes
 * the index on its own schedule (in this process, or in another one on a shared PostgreSQL index), so the follower
 * polls the index's head block — one indexed key read — every `pollMs` and wakes its listeners when it moved. Each
 * listener then reads what is new from its own position: a wake-up carries no events, so one missed is harmless.
 */
import type { EventSource } from './source.js';

export type HeadListener = (head: number, seenAt: number) => void;

export class IndexFollower {
  private readonly listeners = new Set<HeadListener>();
  private timer: NodeJS.Timeout | null = null;
  private head: number | null = null;
  private polling: Promise<void> = Promise.resolve();

  constructor(
    private readonly source: Pick<EventSource, 'headBlock'>,
    private readonly pollMs: number,
  ) {}

  /** The last head seen (null before the first poll or an empty index). */
  get lastHead(): number | null {
    return this.head;
  }

  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => {
      this.polling = this.polling.then(() => this.poll());
    }, this.pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.polling;
  }

  /** Calls `listener` at each advance of the head, until the returned function is called. */
  subscribe(listener: HeadListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async poll(): Promise<void> {
    let head: number | null;
    try {
      head = await this.source.headBlock();
    } catch {
      return; // the index is briefly unavailable: the next poll tries again
    }
    if (head === null || head === this.head) return;
    this.head = head;
    const seenAt = performance.now();
    for (const listener of this.listeners) listener(head, seenAt);
  }
}
