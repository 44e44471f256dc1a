/**
 * `GET /v1/events` as Server-Sent Events. Each event goes out as `id: <block>-<logIndex>`, `event: <type>` and one
 * `data:` line of JSON (`payload.ts`); a browser's EventSource resends the last id as `Last-Event-ID` when it
 * reconnects, and the stream resumes right after it (`?after=` does the same for a first connection; without either
 * the stream starts at the index's head: only new events). A comment line every `heartbeatMs` keeps proxies from
 * closing an idle stream. The stream follows the index (`IndexFollower`) and re-reads the caller's party at each
 * advance: it ends when the party is no longer active.
 */
import type { Response } from 'express';
import type { PartyRecord } from '../../ledger/parties.js';
import type { IndexFollower } from './follower.js';
import { eventPayload } from './payload.js';
import { endOfBlock, type EventSource } from './source.js';
import type { SubscriptionFilter } from './webhooks.js';
import type { EventVisibility } from './visibility.js';

/** Events read per page while catching up. */
const PAGE = 100;

export interface StreamDeps {
  source: EventSource;
  follower: IndexFollower;
  visibility: EventVisibility;
  partyOf: (account: string) => Promise<PartyRecord>;
  heartbeatMs: number;
}

export interface StreamRequest {
  account: string;
  filter: SubscriptionFilter;
  eventTypes: string[];
  /** Resume after this id; null: from the index's head. */
  after: string | null;
}

/** The open streams, so that stopping the API ends them at once rather than after the server's grace period. */
export class EventStreams {
  private readonly open = new Set<() => void>();

  constructor(private readonly deps: StreamDeps) {}

  /** Ends every open stream (API shutdown). */
  endAll(): void {
    for (const end of [...this.open]) end();
  }

  /** Serves one stream on `res` until the client leaves, the party stops being active, or `endAll()`. */
  async serve(res: Response, request: StreamRequest): Promise<void> {
    const { source, follower, visibility, partyOf, heartbeatMs } = this.deps;
    let position = request.after ?? endOfBlock((await source.headBlock()) ?? 0);
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.write(`retry: 2000\n: stream after ${position}\n\n`);

    let ended = false;
    let pumping: Promise<void> = Promise.resolve();
    const write = async (chunk: string) => {
      if (!res.write(chunk)) await new Promise<void>((resolve) => res.once('drain', resolve));
    };
    const pump = async () => {
      const party = await partyOf(request.account);
      if (!party.active) {
        end();
        return;
      }
      const viewer = { account: request.account, roles: party.roles };
      for (;;) {
        const page = await source.events({ afterId: position, ...request.filter, limit: PAGE });
        for (const event of page.events) {
          if (ended) return;
          position = event.id;
          if (request.eventTypes.length > 0 && !request.eventTypes.includes(event.name)) continue;
          if (!(await visibility.maySee(viewer, event))) continue;
          await write(`id: ${event.id}\nevent: ${event.name}\ndata: ${JSON.stringify(eventPayload(event))}\n\n`);
        }
        if (page.through !== undefined) position = page.through;
        if (page.events.length < PAGE) return;
      }
    };
    const wake = () => {
      pumping = pumping.then(pump).catch(() => end());
    };
    const heartbeat = setInterval(() => res.write(`: heartbeat ${new Date().toISOString()}\n\n`), heartbeatMs);
    const unsubscribe = follower.subscribe(wake);
    const end = () => {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      unsubscribe();
      this.open.delete(end);
      res.end();
    };
    this.open.add(end);
    res.on('close', end);
    wake();
    await new Promise<void>((resolve) => res.once('close', resolve));
  }
}
