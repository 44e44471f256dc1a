/**
 * Timelines kept by policy with the index head they were built at. A timeline is a function of the index alone (see
 * timeline.ts), and the index only changes by moving its head, so a timeline built at the current head is the one a
 * new build would give: a read costs one head query instead of the six a build runs. An entry built while the indexer
 * committed the next block holds content at least as new as its head says, and is rebuilt at the next head.
 */
import type { ChainIndex } from '../../indexer/index.js';
import type { IndexedPolicy } from '../../indexer/parametric-types.js';
import type { Timeline } from './read-schemas.js';
import { buildTimeline } from './timeline.js';

interface Entry {
  head: number | null;
  timeline: Promise<Timeline>;
}

export class TimelineCache {
  readonly #entries = new Map<string, Entry>();

  constructor(
    private readonly index: ChainIndex,
    /** Policies kept at most; the least recently read goes first. */
    private readonly capacity = 1_000,
  ) {}

  async timeline(policy: IndexedPolicy): Promise<Timeline> {
    const head = await this.index.headBlock();
    const kept = this.#entries.get(policy.id);
    this.#entries.delete(policy.id);
    if (kept !== undefined && kept.head === head) {
      this.#entries.set(policy.id, kept);
      return kept.timeline;
    }
    const entry: Entry = { head, timeline: buildTimeline(this.index, policy) };
    this.#entries.set(policy.id, entry);
    if (this.#entries.size > this.capacity) this.#entries.delete(this.#entries.keys().next().value!);
    entry.timeline.catch(() => {
      if (this.#entries.get(policy.id) === entry) this.#entries.delete(policy.id);
    });
    return entry.timeline;
  }
}
