import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NodeMetrics } from './metrics.js';
import type { OracleNode } from './node.js';
import type { NodeState } from './state.js';

/**
 * The node's operations endpoint: `GET /health` (JSON: last pass, feeds and submissions by state, and `problems`: what
 * is wrong now, e.g. the chain out of reach or a provider failing; 503 while there is any, or the last pass failed),
 * `GET /metrics` (Prometheus text), `GET /disagreements` (the latest provider disagreements).
 */
export function createNodeServer(node: OracleNode, state: NodeState, metrics: NodeMetrics): Server {
  return createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const send = (status: number, type: string, body: string): void => {
      response.writeHead(status, { 'content-type': type });
      response.end(body);
    };
    if (request.method !== 'GET') {
      send(
        405,
        'application/problem+json',
        JSON.stringify({ status: 405, code: 'method_not_allowed', title: 'Only GET is served' }),
      );
      return;
    }
    if (url.pathname === '/health') {
      void node.address().then((oracle) => {
        const problems = node.currentProblems;
        const healthy = node.lastPassError === undefined && problems.length === 0;
        send(
          healthy ? 200 : 503,
          'application/json',
          JSON.stringify({
            status: healthy ? 'ok' : 'failing',
            node: node.name,
            oracle,
            lastPassAt: node.lastPassAt ?? null,
            lastPassError: node.lastPassError ?? null,
            problems,
            ...state.summary(),
          }),
        );
      });
      return;
    }
    if (url.pathname === '/metrics') {
      void metrics.registry.metrics().then((text) => send(200, metrics.registry.contentType, text));
      return;
    }
    if (url.pathname === '/disagreements') {
      send(200, 'application/json', JSON.stringify(state.disagreements()));
      return;
    }
    send(
      404,
      'application/problem+json',
      JSON.stringify({ status: 404, code: 'not_found', title: `No ${url.pathname}` }),
    );
  });
}

/** Listens on `host:port` (port 0 picks a free one); resolves with the bound port. */
export async function listen(server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}
