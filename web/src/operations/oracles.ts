/**
 * Oracle health: each active oracle with its last report on chain and the health of the node serving it, and every
 * node the API asks (`GET /v1/oracles/health`, which asks the nodes: the browser may only call its own origin).
 */
import { get } from '../lib/api.js';
import { h, replace } from '../lib/dom.js';
import { formatTime } from '../lib/format.js';
import { hexValue, stateBadge, statusLine } from './view.js';

interface NodeHealth {
  url: string;
  oracle: string | null;
  state: 'ok' | 'failing' | 'unreachable';
  httpStatus: number | null;
  node: string | null;
  lastPassAt: string | null;
  problems: string[];
  responseMs: number | null;
}

interface OracleHealth {
  checkedAt: string;
  quorum: number;
  oracles: {
    account: string;
    legalName: string;
    lastReport: { feedId: string; status: string; value: string; reportedAt: string } | null;
    nodes: NodeHealth[];
  }[];
  nodes: NodeHealth[];
}

const TONE = { ok: 'ok', failing: 'bad', unreachable: 'bad' } as const;
const LABEL = { ok: 'healthy', failing: 'failing', unreachable: 'unreachable' } as const;

const nodeBadge = (node: NodeHealth) => stateBadge(LABEL[node.state], TONE[node.state]);

function table(id: string, caption: string, head: string[], rows: HTMLElement[]): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap', role: 'region', 'aria-labelledby': id, tabindex: '0' },
    h(
      'table',
      {},
      h('caption', { id }, caption),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          head.map((name) => h('th', { scope: 'col' }, name)),
        ),
      ),
      h('tbody', {}, rows),
    ),
  );
}

export function oraclesSection() {
  const status = statusLine();
  const body = h('div');
  const element = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'oracles-title' },
    h('h2', { id: 'oracles-title' }, 'Oracle health'),
    status.element,
    body,
    h(
      'button',
      {
        type: 'button',
        class: 'secondary',
        onclick: () => {
          status.say('Asking the oracle nodes…');
          refresh().then(
            () => status.say('Oracle health checked again.'),
            (error: unknown) => status.fail('Oracle health', error),
          );
        },
      },
      'Check again',
    ),
  );

  async function refresh(): Promise<void> {
    const health = await get<OracleHealth>('/v1/oracles/health');
    const healthy = health.nodes.filter((node) => node.state === 'ok').length;
    const names = new Map(health.oracles.map((oracle) => [oracle.account, oracle.legalName]));
    replace(
      body,
      h(
        'p',
        { class: 'health-summary' },
        `${healthy} of ${health.nodes.length} nodes healthy; ${health.oracles.length} active oracles, quorum ${health.quorum}. `,
        `Checked ${formatTime(health.checkedAt)}.`,
      ),
      table(
        'oracles-caption',
        'Active oracles',
        ['Oracle', 'Node', 'Last report'],
        health.oracles.map((oracle) =>
          h(
            'tr',
            { 'data-oracle': oracle.account },
            h('td', {}, oracle.legalName, h('br'), hexValue(oracle.account)),
            h('td', {}, oracle.nodes.length === 0 ? stateBadge('no node known', 'muted') : oracle.nodes.map(nodeBadge)),
            h(
              'td',
              {},
              oracle.lastReport === null
                ? 'none yet'
                : `${oracle.lastReport.status} ${oracle.lastReport.value} at ${formatTime(oracle.lastReport.reportedAt)}`,
            ),
          ),
        ),
      ),
      health.nodes.length === 0
        ? h('p', { class: 'hint' }, 'This API was told of no oracle node (POLICYLEDGER_API_ORACLE_HEALTH_URLS).')
        : table(
            'nodes-caption',
            'Oracle nodes',
            ['Node', 'State', 'Last pass', 'Problems'],
            health.nodes.map((node) =>
              h(
                'tr',
                { 'data-node': node.url },
                h(
                  'td',
                  {},
                  node.node ?? (node.oracle === null ? 'unknown node' : (names.get(node.oracle) ?? 'unknown node')),
                  h('br'),
                  h('span', { class: 'mono' }, node.url),
                ),
                h('td', {}, nodeBadge(node), node.responseMs === null ? null : ` ${node.responseMs} ms`),
                h('td', {}, node.lastPassAt === null ? '—' : formatTime(node.lastPassAt)),
                h('td', {}, node.problems.length === 0 ? 'none' : node.problems.join('; ')),
              ),
            ),
          ),
    );
  }

  return { element, refresh };
}
