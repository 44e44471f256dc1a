/**
 * The local replay server: one origin standing in for every data provider the oracle nodes read, so the embedded
 * stack runs offline. Each provider is served under its own prefix at the paths its real API documents, so a node
 * needs only its base URLs pointed here:
 *
 *   <url>/aviationstack/v1/flights                      AviationStack
 *   <url>/flightaware/flights/{ident}                    FlightAware AeroAPI v4
 *   <url>/flightstats/flex/flightstatus/rest/v2/json/... FlightStats Flex Flight Status v2
 *   <url>/open-meteo/v1/forecast, <url>/open-meteo-archive/v1/archive   Open-Meteo
 *   <url>/nws/stations/{id}/observations                 National Weather Service
 *   <url>/catalogue                                      what can be replayed (flights and places), as JSON
 *
 * Answers come from the recordings under `recordings/`, re-dated to the date asked and revealed on the LEDGER's clock
 * (the latest block's timestamp at `rpcUrl`, read per request): moving the local chain's clock is what makes a flight
 * land or a day's weather appear. Every body carries a `policyledger_replay` label, so evidence made from it says
 * it was replayed.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { REPLAY_FLIGHTS, REPLAY_PLACES } from './catalogue.js';
import { aviationstackFlights, flightawareFlights, flightstatsStatus, type ReplayReply } from './flights.js';
import { nwsObservations, openMeteoDaily } from './weather.js';

export interface ReplayServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The chain whose latest block's timestamp is "now" for every answer. */
  rpcUrl: string;
}

export interface RunningReplayServer {
  /** `http://host:port`, the origin under which each provider's prefix is served. */
  url: string;
  close(): Promise<void>;
}

/** The latest block's timestamp at `rpcUrl`, in unix seconds. */
export async function ledgerTime(rpcUrl: string): Promise<number> {
  const response = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getBlockByNumber', params: ['latest', false] }),
    signal: AbortSignal.timeout(5_000),
  });
  const answer = (await response.json()) as { result?: { timestamp?: string } | null; error?: { message?: string } };
  const timestamp = answer.result?.timestamp;
  if (timestamp === undefined) throw new Error(answer.error?.message ?? 'no latest block');
  return Number(BigInt(timestamp));
}

const FLIGHTSTATS_PATH =
  /^\/flightstats\/flex\/flightstatus\/rest\/v2\/json\/flight\/status\/([^/]+)\/([^/]+)\/dep\/(\d{1,4})\/(\d{1,2})\/(\d{1,2})$/;

/** The answer to one provider request at ledger time `now`; undefined for a path no provider has. */
function route(path: string, query: URLSearchParams, now: number): ReplayReply | undefined {
  if (path === '/aviationstack/v1/flights') return aviationstackFlights(query, now);
  const aeroApi = /^\/flightaware\/flights\/([^/]+)$/.exec(path);
  if (aeroApi !== null) return flightawareFlights(decodeURIComponent(aeroApi[1] ?? ''), query, now);
  const flightStats = FLIGHTSTATS_PATH.exec(path);
  if (flightStats !== null) {
    const [, carrier = '', flightNumber = '', year = '', month = '', day = ''] = flightStats.map((part) =>
      decodeURIComponent(part),
    );
    return flightstatsStatus(carrier, flightNumber, { year, month, day }, query, now);
  }
  if (path === '/open-meteo/v1/forecast' || path === '/open-meteo-archive/v1/archive') {
    return openMeteoDaily(query, now);
  }
  const nws = /^\/nws\/stations\/([^/]+)\/observations$/.exec(path);
  if (nws !== null) return nwsObservations(decodeURIComponent(nws[1] ?? ''), query, now);
  return undefined;
}

function send(response: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  response.end(JSON.stringify(body, null, 2));
}

async function handle(request: IncomingMessage, response: ServerResponse, rpcUrl: string): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://replay.local');
  if (request.method !== 'GET') {
    send(response, 405, { error: 'the replay server answers GET only' });
    return;
  }
  if (url.pathname === '/catalogue') {
    send(response, 200, { flights: REPLAY_FLIGHTS, places: REPLAY_PLACES });
    return;
  }
  if (url.pathname === '/health') {
    send(response, 200, { status: 'ok' });
    return;
  }
  let now: number;
  try {
    now = await ledgerTime(rpcUrl);
  } catch (error) {
    // Without the ledger's clock nothing can be said about what has happened yet: a provider outage, as nodes see it.
    send(response, 503, {
      error: `the replay server cannot read the ledger's clock at ${rpcUrl}: ${error instanceof Error ? error.message : String(error)}`,
    });
    return;
  }
  const reply = route(url.pathname, url.searchParams, now);
  if (reply === undefined) {
    send(response, 404, { error: `the replay server serves no ${url.pathname}; see /catalogue and the README` });
    return;
  }
  send(response, reply.status, reply.body);
}

/** Starts the replay server; resolves once it listens. */
export async function startReplayServer(options: ReplayServerOptions): Promise<RunningReplayServer> {
  const server = createServer((request, response) => {
    handle(request, response, options.rpcUrl).catch((error: unknown) => {
      if (!response.headersSent) {
        send(response, 500, { error: error instanceof Error ? error.message : String(error) });
      } else response.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
