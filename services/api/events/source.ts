/**
 * Where delivered events come from: an `EventSource` answers "the events after id X, optionally about one policy, feed
 * or document", in chain order. SSE streams, webhook deliveries and the benchmark read only this interface, so events
 * of further contracts reach them as soon as the chain index records them.
 *
 * `indexEventSource` reads the chain index's generic event history (`ChainIndex.events(sinceId, limit)`) and filters
 * by subject in memory: on what the index says an event is about (`about`, when it records it), else on the event's
 * own arguments (`policyId`, `feedId`, `documentHash` and the other hash arguments of document events). A filter that
 * matches few events scans the history after the position in pages; positions are kept, so that scan happens once.
 */
import type { ChainEvent, ChainIndex } from '../../indexer/index.js';

/** What an event is about, for filtering; null where the event names no such thing. */
export interface EventSubjects {
  policyId: string | null;
  feedId: string | null;
  documentHash: string | null;
}

/** Filters of a read; all given ones must hold. */
export interface EventQuery {
  /** Only events after this id (`<block>-<logIndex>`); from the start when absent. */
  afterId?: string;
  policyId?: string;
  feedId?: string;
  documentHash?: string;
  /** At most this many events. */
  limit: number;
}

/** A read: the matching events, and the id of the last event examined (matching or not) to read on from. */
export interface EventPage {
  events: ChainEvent[];
  /** Undefined when nothing after `afterId` was examined. */
  through: string | undefined;
}

export interface EventSource {
  /** Events matching `query`, in chain order. */
  events(query: EventQuery): Promise<EventPage>;
  /** The last block the source has fully recorded (null before the first). */
  headBlock(): Promise<number | null>;
}

/** Events read per page when filtering in memory. */
const SCAN_PAGE = 500;

/** The subjects of `event`: the index's own (`about`) when present, else read from its arguments. */
export function subjectsOf(event: ChainEvent): EventSubjects {
  const recorded = (event as { about?: EventSubjects }).about;
  if (recorded !== undefined) return recorded;
  const args = event.args as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : null);
  const policyId = typeof args.policyId === 'string' ? args.policyId : null;
  return {
    policyId,
    feedId: text(args.feedId),
    documentHash: text(args.documentHash) ?? text(args.newDocumentHash),
  };
}

/** Every hash a document event concerns: the document, and for a new version the one it supersedes. */
function documentHashesOf(event: ChainEvent): string[] {
  const args = event.args as Record<string, unknown>;
  return [args.documentHash, args.previousHash, args.newDocumentHash]
    .filter((value): value is string => typeof value === 'string')
    .map((value) => value.toLowerCase());
}

/** Whether `event` matches the subject filters of `query`. */
export function matchesQuery(event: ChainEvent, query: Omit<EventQuery, 'limit' | 'afterId'>): boolean {
  const subjects = subjectsOf(event);
  if (query.policyId !== undefined && subjects.policyId !== query.policyId) return false;
  if (query.feedId !== undefined && subjects.feedId !== query.feedId.toLowerCase()) return false;
  if (query.documentHash !== undefined) {
    const wanted = query.documentHash.toLowerCase();
    if (subjects.documentHash !== wanted && !documentHashesOf(event).includes(wanted)) return false;
  }
  return true;
}

/** The chain index as an event source (see the module header). */
export function indexEventSource(index: ChainIndex): EventSource {
  return {
    headBlock: () => index.headBlock(),
    async events(query) {
      const filtered = query.policyId !== undefined || query.feedId !== undefined || query.documentHash !== undefined;
      if (!filtered) {
        const events = await index.events(query.afterId, query.limit);
        return { events, through: events.at(-1)?.id };
      }
      const found: ChainEvent[] = [];
      let through: string | undefined;
      for (;;) {
        const page = await index.events(through ?? query.afterId, SCAN_PAGE);
        for (const event of page) {
          through = event.id;
          if (matchesQuery(event, query)) found.push(event);
          if (found.length >= query.limit) return { events: found, through };
        }
        if (page.length < SCAN_PAGE) return { events: found, through };
      }
    },
  };
}

/** Orders two event ids as the chain does. */
export function compareEventIds(a: string, b: string): number {
  const [blockA = 0, logA = 0] = a.split('-').map(Number);
  const [blockB = 0, logB = 0] = b.split('-').map(Number);
  return blockA - blockB || logA - logB;
}

/** `<blockNumber>-<logIndex>` */
export const EVENT_ID_PATTERN = /^\d{1,15}-\d{1,9}$/;

/** The position after every event of `blockNumber`: where a reader starts to see only later blocks. */
export function endOfBlock(blockNumber: number): string {
  return `${blockNumber}-999999999`;
}

/** The position just before `eventId`: reading after it starts with that event. */
export function positionBefore(eventId: string): string {
  const [blockNumber = 0, logIndex = 0] = eventId.split('-').map(Number);
  if (logIndex > 0) return `${blockNumber}-${logIndex - 1}`;
  return blockNumber > 0 ? endOfBlock(blockNumber - 1) : '0-0';
}
