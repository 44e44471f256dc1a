/** Starts an app on a host and port (0: a free port) and stops it gracefully. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

export interface RunningApiServer {
  url: string;
  port: number;
  /** Stops accepting connections, lets requests in flight finish (up to `graceMs`), then closes what is left. */
  close(options?: { graceMs?: number }): Promise<void>;
}

export async function startApiServer(app: Express, options: { host: string; port: number }): Promise<RunningApiServer> {
  const server = createServer(app);
  // Slow or stuck clients must not hold sockets forever.
  server.headersTimeout = 30_000;
  server.requestTimeout = 300_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    close({ graceMs = 10_000 } = {}) {
      closing ??= new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        timer.unref();
        server.close((error) => {
          clearTimeout(timer);
          if (error === undefined) resolve();
          else reject(error);
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
