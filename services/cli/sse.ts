/**
 * A reader of the API's Server-Sent Events stream (`GET /v1/events`): hands on each event's id, type and data as it
 * arrives, and reconnects with `Last-Event-ID` when the connection drops, as a browser's EventSource would.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiClient } from './api-client.js';

export interface StreamEvent {
  id: string | null;
  type: string;
  data: string;
}

/** Splits an SSE body into events (fields `id`, `event`, `data`; comment lines ignored). */
async function* eventsOf(body: ReadableStream<Uint8Array>): AsyncGenerator<StreamEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let event: StreamEvent = { id: null, type: 'message', data: '' };
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).replace(/\r$/, '');
      buffer = buffer.slice(newline + 1);
      if (line === '') {
        if (event.data !== '' || event.id !== null) yield event;
        event = { id: null, type: 'message', data: '' };
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') event.id = value;
      else if (field === 'event') event.type = value;
      else if (field === 'data') event.data = event.data === '' ? value : `${event.data}\n${value}`;
    }
  }
}

/**
 * Follows the caller's event stream until `signal` aborts: `onOpen` runs once the stream is connected (so that nothing
 * happening after it is missed), `onEvent` for each event.
 */
export async function followEvents(
  api: ApiClient,
  signal: AbortSignal,
  handlers: { onOpen: () => Promise<void>; onEvent: (event: StreamEvent) => Promise<void> },
): Promise<void> {
  let lastEventId: string | null = null;
  let opened = false;
  while (!signal.aborted) {
    const headers: Record<string, string> = { Accept: 'text/event-stream' };
    if (lastEventId !== null) headers['Last-Event-ID'] = lastEventId;
    try {
      const response = await api.request('GET', '/v1/events', { headers, signal });
      if (!opened) {
        opened = true;
        await handlers.onOpen();
      }
      for await (const event of eventsOf(response.body!)) {
        if (event.id !== null) lastEventId = event.id;
        await handlers.onEvent(event);
      }
    } catch (error) {
      if (signal.aborted) return;
      // The first connection's failure is the user's to see; later drops are retried.
      if (!opened) throw error;
    }
    await sleep(2000, undefined, { signal }).catch(() => undefined);
  }
}
