/**
 * The oracles' health, as the consortium's operators see it: each active ORACLE party on chain with its last report
 * (from the chain index), and each oracle node the API was told of (`POLICYLEDGER_API_ORACLE_HEALTH_URLS`) with its
 * `/health` answer. A node is asked with a short timeout; one that does not answer is reported "unreachable" — the
 * page shows it, the request does not fail. A node's answer names its oracle account, which ties it to its party;
 * a node that does not answer is tied only when the setting names its oracle.
 */
import { getAddress } from 'ethers';
import type { ApiContext } from '../context.js';
import type { OracleHealthUrl } from '../config.js';
import { oracleSet } from '../../ledger/consortium-oracles.js';
import { readParty } from '../../ledger/parties.js';

/** How long one node's `/health` may take before it counts as unreachable. */
export const HEALTH_TIMEOUT_MS = 2000;

/** What a node said (`ok`: 200, `failing`: it answered its problems with 503), or that it did not answer. */
export type NodeHealthState = 'ok' | 'failing' | 'unreachable';

export interface NodeHealth {
  url: string;
  /** The oracle account the node serves: from its answer, else from the setting; null when neither says. */
  oracle: string | null;
  state: NodeHealthState;
  httpStatus: number | null;
  /** The node's name in its answer. */
  node: string | null;
  /** When the node last looked for work, on the ledger's clock. */
  lastPassAt: string | null;
  /** What is wrong, in the node's words, or why it counts as unreachable. */
  problems: string[];
  feeds: Record<string, number>;
  submissions: Record<string, number>;
  responseMs: number | null;
}

export interface OracleLastReport {
  feedId: string;
  status: string;
  value: string;
  observedAt: string;
  reportedAt: string;
  blockNumber: number;
  transactionHash: string;
}

export interface OracleStanding {
  account: string;
  legalName: string;
  lastReport: OracleLastReport | null;
  /** The health of the nodes serving this oracle (none when no configured node names it). */
  nodes: NodeHealth[];
}

export interface OracleHealthReport {
  checkedAt: string;
  quorum: number;
  oracles: OracleStanding[];
  /** Every configured node, in the setting's order. */
  nodes: NodeHealth[];
}

interface HealthAnswer {
  status?: unknown;
  node?: unknown;
  oracle?: unknown;
  lastPassAt?: unknown;
  lastPassError?: unknown;
  problems?: unknown;
  feeds?: unknown;
  submissions?: unknown;
}

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
const counts = (value: unknown): Record<string, number> =>
  typeof value === 'object' && value !== null
    ? Object.fromEntries(
        Object.entries(value).filter((entry): entry is [string, number] => typeof entry[1] === 'number'),
      )
    : {};

/** The node's last pass: Unix seconds on the ledger's clock (or an ISO time), as ISO-8601. */
function timeOf(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value * 1000).toISOString();
  const given = text(value);
  return given === null || Number.isNaN(Date.parse(given)) ? null : new Date(given).toISOString();
}

function addressOr(value: unknown, fallback: string | null): string | null {
  const given = text(value);
  if (given === null) return fallback;
  try {
    return getAddress(given.toLowerCase());
  } catch {
    return fallback;
  }
}

/** Asks one node for its health; a node that does not answer in time, or not in JSON, is unreachable. */
export async function probeNode(target: OracleHealthUrl, timeoutMs = HEALTH_TIMEOUT_MS): Promise<NodeHealth> {
  const started = performance.now();
  const unreachable = (reason: string): NodeHealth => ({
    url: target.url,
    oracle: target.oracle,
    state: 'unreachable',
    httpStatus: null,
    node: null,
    lastPassAt: null,
    problems: [reason],
    feeds: {},
    submissions: {},
    responseMs: null,
  });
  let response: Response;
  try {
    response = await fetch(target.url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
    return unreachable(timedOut ? `no answer within ${timeoutMs} ms` : 'the connection failed');
  }
  let answer: HealthAnswer;
  try {
    answer = (await response.json()) as HealthAnswer;
  } catch {
    return unreachable(`HTTP ${response.status} without a health answer`);
  }
  const problems = Array.isArray(answer.problems) ? answer.problems.filter((p) => typeof p === 'string') : [];
  const lastPassError = text(answer.lastPassError);
  if (lastPassError !== null) problems.unshift(`last pass failed: ${lastPassError}`);
  return {
    url: target.url,
    oracle: addressOr(answer.oracle, target.oracle),
    state: response.ok && answer.status === 'ok' ? 'ok' : 'failing',
    httpStatus: response.status,
    node: text(answer.node),
    lastPassAt: timeOf(answer.lastPassAt),
    problems,
    feeds: counts(answer.feeds),
    submissions: counts(answer.submissions),
    responseMs: Math.round(performance.now() - started),
  };
}

/** Each oracle's latest report in the chain index, by checksummed oracle account. */
async function lastReports(ctx: ApiContext): Promise<Map<string, OracleLastReport>> {
  const latest = new Map<string, OracleLastReport>();
  for (const event of await ctx.index.eventsNamed(['ObservationReported'])) {
    if (event.name !== 'ObservationReported') continue;
    const { feedId, oracle, status, value, observedAt } = event.args;
    latest.set(getAddress(oracle), {
      feedId,
      status,
      value,
      observedAt,
      reportedAt: event.blockTime,
      blockNumber: event.blockNumber,
      transactionHash: event.transactionHash,
    });
  }
  return latest;
}

/** The active oracles with their last reports and nodes' health, the nodes asked all at once. */
export async function readOracleHealth(ctx: ApiContext): Promise<OracleHealthReport> {
  const [{ active, quorum }, reports, nodes] = await Promise.all([
    oracleSet(ctx.ledger),
    lastReports(ctx),
    Promise.all(ctx.config.oracleHealth.map((target) => probeNode(target))),
  ]);
  const parties = await Promise.all(active.map((account) => readParty(ctx.ledger, account)));
  return {
    checkedAt: new Date().toISOString(),
    quorum,
    oracles: active.map((account, index) => ({
      account,
      legalName: parties[index]!.legalName,
      lastReport: reports.get(account) ?? null,
      nodes: nodes.filter((node) => node.oracle === account),
    })),
    nodes,
  };
}
