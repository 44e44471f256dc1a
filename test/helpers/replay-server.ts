import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the replay server answers one request. */
export type ReplayAnswer =
  /** A recorded response body, as the provider sent it. */
  | { kind: 'body'; body: string; status?: number; headers?: Record<string, string> }
  /** The provider failing: an HTTP error status, optionally with Retry-After. */
  | { kind: 'error'; status: number; retryAfterSeconds?: number }
  /** Another answer, sent only after `ms` (longer than the client's timeout, it is a timeout). */
  | { kind: 'delay'; ms: number; then: ReplayAnswer };

/** A recorded body: a string is served byte for byte, anything else as its JSON text. */
export function recorded(body: unknown, status = 200): ReplayAnswer {
  return { kind: 'body', body: typeof body === 'string' ? body : JSON.stringify(body), status };
}

export function httpError(status: number, retryAfterSeconds?: number): ReplayAnswer {
  return { kind: 'error', status, retryAfterSeconds };
}

export function delayed(ms: number, then: ReplayAnswer): ReplayAnswer {
  return { kind: 'delay', ms, then };
}

/** One request the server received. */
export interface ReplayRequest {
  path: string;
  query: Record<string, string>;
  /** The answer given, or `unrouted` for a path nothing was served on. */
  answer: ReplayAnswer['kind'] | 'unrouted';
  at: number;
}

interface Route {
  path: string;
  /** Query parameters a request must carry, with these values, to take this route. */
  query: Record<string, string>;
  /** Answered in order; the last one repeats. */
  answers: ReplayAnswer[];
  served: number;
}

/**
 * A provider stand-in on 127.0.0.1: serves recorded responses by route (path, and query parameters where one path
 * serves many flights), switchable at any moment per route to another body, an HTTP error or a delay. Every request
 * is logged, so tests can count what a node asked.
 */
export class ReplayServer {
  readonly requests: ReplayRequest[] = [];
  private readonly routes = new Map<string, Route>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly server: Server;
  private origin = '';

  private constructor() {
    this.server = createServer((request, response) => this.handle(request, response));
  }

  /** Starts listening on a free loopback port. */
  static async start(): Promise<ReplayServer> {
    const replay = new ReplayServer();
    await new Promise<void>((resolve, reject) => {
      replay.server.once('error', reject);
      replay.server.listen(0, '127.0.0.1', () => resolve());
    });
    replay.origin = `http://127.0.0.1:${(replay.server.address() as AddressInfo).port}`;
    return replay;
  }

  /** `http://127.0.0.1:<port>`, under which every route is served. */
  get url(): string {
    return this.origin;
  }

  /**
   * Serves `answers` on `path` (for requests carrying every parameter of `query`): the first request gets the first
   * answer, and so on, the last answer repeating. Replaces what the route served before.
   */
  serve(path: string, answers: ReplayAnswer | ReplayAnswer[], query: Record<string, string> = {}): void {
    const list = Array.isArray(answers) ? answers : [answers];
    if (list.length === 0) throw new Error(`no answer given for ${path}`);
    this.routes.set(routeKey(path, query), { path, query, answers: list, served: 0 });
  }

  /** Requests received on `path` so far (whatever their query). */
  hits(path: string): number {
    return this.requests.filter((request) => request.path === path).length;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', this.url);
    const query = Object.fromEntries(url.searchParams);
    const route = this.match(url.pathname, query);
    if (route === undefined) {
      this.requests.push({ path: url.pathname, query, answer: 'unrouted', at: Date.now() });
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: `nothing recorded for ${url.pathname}` }));
      return;
    }
    const answer = route.answers[Math.min(route.served, route.answers.length - 1)]!;
    route.served += 1;
    this.requests.push({ path: url.pathname, query, answer: answer.kind, at: Date.now() });
    this.send(answer, response);
  }

  /** The route with the most query parameters that all match. */
  private match(path: string, query: Record<string, string>): Route | undefined {
    let best: Route | undefined;
    for (const route of this.routes.values()) {
      if (route.path !== path) continue;
      if (!Object.entries(route.query).every(([key, value]) => query[key] === value)) continue;
      if (best === undefined || Object.keys(route.query).length > Object.keys(best.query).length) best = route;
    }
    return best;
  }

  private send(answer: ReplayAnswer, response: ServerResponse): void {
    switch (answer.kind) {
      case 'body':
        response.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
        response.end(answer.body);
        return;
      case 'error': {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (answer.retryAfterSeconds !== undefined) headers['retry-after'] = String(answer.retryAfterSeconds);
        response.writeHead(answer.status, headers);
        response.end(JSON.stringify({ error: `replayed HTTP ${answer.status}` }));
        return;
      }
      case 'delay': {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          // The client may have given up (timed out) meanwhile; then there is no one to answer.
          if (!response.destroyed) this.send(answer.then, response);
        }, answer.ms);
        this.timers.add(timer);
        return;
      }
    }
  }
}

function routeKey(path: string, query: Record<string, string>): string {
  const parameters = Object.entries(query)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `${key}=${value}`);
  return `${path}?${parameters.join('&')}`;
}
