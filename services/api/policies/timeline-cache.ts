/**
 * Timelines kept by policy with the index head they were built at. A timeline is a function of the index alone (see
 * timeline.ts), and the index only changes by moving its head, so a timeline built at the current head is the one a
 * new build would give: a read costs one head query instead of the policy query and the six a build runs. The policy
 * row is kept with it (the route decides from it who may read) and the timeline is kept serialised, as it is sent:
 * under load, the policy query and `JSON.stringify` of the body took about 8 % of the API's CPU. An entry built while
 * the indexer committed the next block holds content at least as new as its head says, and is rebuilt at the next
 * head. An unknown policy is not kept, so that reads of made-up ids do not push out the policies read, and no timeline
 * is built for a caller that may not read the policy.
 */
import type { ChainIndex } from '../../indexer/index.js';
import type { IndexedPolicy } from '../../indexer/parametric-types.js';
import { buildTimeline } from './timeline.js';

/** A policy at the index head; its timeline, as JSON text, is built on the first call and kept. */
export interface KeptPolicy {
  policy: IndexedPolicy;
  timelineJson(): Promise<string>;
}

interface Entry {
  head: number | null;
  policy: Promise<IndexedPolicy | null>;
  timelineJson?: Promise<string>;
}

export class TimelineCache {
  readonly #entries = new Map<string, Entry>();

  constructor(
    private readonly index: ChainIndex,
    /** Policies kept at most; the least recently read goes first. */
    private readonly capacity = 1_000,
  ) {}

  /**
   * Policy `id` at the index head, null when the index has no such policy. The timeline is built only when asked
   * for, after the route has decided the caller may read the policy.
   */
  async policy(id: string): Promise<KeptPolicy | null> {
    const head = await this.index.headBlock();
    let entry = this.#entries.get(id);
    this.#entries.delete(id);
    if (entry === undefined || entry.head !== head) entry = { head, policy: this.index.policy(id) };
    this.#entries.set(id, entry);
    const kept = entry;
    const policy = await kept.policy.catch((error: unknown) => {
      this.#forget(id, kept);
      throw error;
    });
    if (policy === null) {
      this.#forget(id, kept);
      return null;
    }
    if (this.#entries.size > this.capacity) this.#entries.delete(this.#entries.keys().next().value!);
    return { policy, timelineJson: () => (kept.timelineJson ??= this.#serialise(id, kept, policy)) };
  }

  async #serialise(id: string, entry: Entry, policy: IndexedPolicy): Promise<string> {
    try {
      return JSON.stringify(await buildTimeline(this.index, policy));
    } catch (error) {
      this.#forget(id, entry);
      throw error;
    }
  }

  #forget(id: string, entry: Entry): void {
    if (this.#entries.get(id) === entry) this.#entries.delete(id);
  }
}
