/**
 * Test clients of the events module: a webhook receiver (a local HTTP server recording each delivery, answering 500
 * while `down`) and an SSE reader (a plain fetch parsing the stream). Free of mocha so the benchmark can use them.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventPayload } from '../../../services/api/events/index.js';

export interface Delivery {
  eventId: string;
  body: string;
  signature: string | undefined;
  receivedAt: number;
}

export interface WebhookReceiver {
  url: string;
  /** Deliveries answered 2xx, in arrival order. */
  accepted: Delivery[];
  /** Deliveries answered 500 while down. */
  refused: number;
  down: boolean;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<WebhookReceiver> {
  const receiver: Omit<WebhookReceiver, 'url' | 'close'> = { accepted: [], refused: 0, down: false };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (receiver.down) {
        receiver.refused += 1;
        res.writeHead(500).end('down');
        return;
      }
      receiver.accepted.push({
        eventId: String(req.headers['policyledger-event-id']),
        body: Buffer.concat(chunks).toString('utf8'),
        signature: req.headers['policyledger-signature'] as string | undefined,
        receivedAt: performance.now(),
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/hook`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

export interface StreamedEvent {
  id: string;
  type: string;
  data: EventPayload;
  receivedAt: number;
}

export interface SseReader {
  events: StreamedEvent[];
  /** Comment lines seen (heartbeats). */
  comments: number;
  /** The id of the last event read, for Last-Event-ID. */
  lastEventId: string | undefined;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/** Opens `GET <url>` as an event stream with `headers` and parses it as it arrives. */
export async function openStream(url: string, headers: Record<string, string>): Promise<SseReader> {
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: { Accept: 'text/event-stream', ...headers },
    signal: controller.signal,
  });
  if (response.status !== 200 || response.body === null) {
    throw new Error(`the stream answered ${response.status}: ${await response.text()}`);
  }
  const reader: Omit<SseReader, 'ended' | 'close'> = { events: [], comments: 0, lastEventId: undefined };
  const decoder = new TextDecoder();
  const body = response.body;
  const ended = (async () => {
    let buffer = '';
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields: Record<string, string> = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) reader.comments += 1;
            const colon = line.indexOf(':');
            if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1).trimStart();
          }
          if (fields.data !== undefined && fields.id !== undefined) {
            reader.events.push({
              id: fields.id,
              type: fields.event ?? 'message',
              data: JSON.parse(fields.data) as EventPayload,
              receivedAt: performance.now(),
            });
            reader.lastEventId = fields.id;
          }
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  return Object.assign(reader, { ended, close: () => controller.abort() });
}

/** The ids in first-seen order, each once: what a receiver that deduplicates by id keeps. */
export function deduplicated(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}
