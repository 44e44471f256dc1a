import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted answer: a response, a response whose body never ends, or no response at all. */
export type Reply = { status: number; body?: string; headers?: Record<string, string> } | 'hang' | 'stall-body';

export interface SeenRequest {
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Arrival time, ms since the epoch. */
  at: number;
}

/** A loopback HTTP server answering each request with the next scripted reply (500 when the script is done). */
export class ScriptedServer {
  readonly seen: SeenRequest[] = [];
  private readonly replies: Reply[] = [];
  private readonly pending = new Set<ServerResponse>();

  private readonly server: Server = createServer((request, response) =>
    this.answer(request.url ?? '/', request.headers, response),
  );
  baseUrl = '';

  static async start(): Promise<ScriptedServer> {
    const instance = new ScriptedServer();
    await new Promise<void>((resolve) => instance.server.listen(0, '127.0.0.1', resolve));
    instance.baseUrl = `http://127.0.0.1:${(instance.server.address() as AddressInfo).port}`;
    return instance;
  }

  script(...replies: Reply[]): void {
    this.replies.splice(0, this.replies.length, ...replies);
    this.seen.length = 0;
  }

  async stop(): Promise<void> {
    for (const response of this.pending) response.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private answer(target: string, headers: IncomingHttpHeaders, response: ServerResponse): void {
    const url = new URL(target, this.baseUrl);
    this.seen.push({ path: url.pathname, query: url.searchParams, headers, at: Date.now() });
    const reply = this.replies.shift() ?? { status: 500, body: 'no reply scripted' };
    if (reply === 'hang') {
      this.pending.add(response);
      return;
    }
    if (reply === 'stall-body') {
      this.pending.add(response);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"data": [');
      return;
    }
    response.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
    response.end(reply.body ?? '{}');
  }
}
