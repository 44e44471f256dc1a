/**
 * Pending dual-control proposals, each with its call decoded into what it would do, its approvals, and whether the
 * chain would execute it now; approve, execute and cancel go to the API (execute and cancel after a confirmation).
 * The chain decides who may act: a refusal is shown with its problem code rather than guessed here. Below, the
 * latest decided proposals.
 */
import { get } from '../lib/api.js';
import { append, h, replace } from '../lib/dom.js';
import { formatTime } from '../lib/format.js';
import { runAction, type ActionAnswer } from './actions.js';
import { describeCall, type ArgumentValue, type DecodedCall } from './describe.js';
import { facts, hexValue, stateBadge, statusLine } from './view.js';

interface Proposal {
  id: string;
  state: 'pending' | 'approved' | 'executed' | 'cancelled' | 'expired';
  proposer: string;
  call: DecodedCall;
  approvals: number;
  validApprovals: number;
  requiredApprovals: number;
  approvers: string[];
  expiresAt: string;
  history: { step: string; by: string; transactionHash: string; blockNumber: number }[];
  executionCheck?: { wouldSucceed: boolean; code?: string; message?: string };
}

type ProposalAnswer = ActionAnswer & { proposal: Proposal | null };

/** How many decided proposals the page lists. */
const RECENT = 10;

const ACTIONS = [
  { kind: 'approve', resource: 'approval', label: 'Approve', done: 'approved', confirm: null },
  {
    kind: 'execute',
    resource: 'execution',
    label: 'Execute',
    done: 'executed',
    confirm: 'Execute proposal {id}? Its call is made on chain and cannot be undone.',
  },
  {
    kind: 'cancel',
    resource: 'cancellation',
    label: 'Cancel',
    done: 'cancelled',
    confirm: 'Cancel proposal {id}? It can then no longer be approved or executed.',
  },
] as const;

const tone = (state: Proposal['state']) =>
  state === 'approved' || state === 'executed' ? 'ok' : state === 'pending' ? 'warn' : 'muted';

function argumentText(value: ArgumentValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function callDetails(call: DecodedCall): HTMLElement {
  const args = Object.entries(call.args ?? {});
  return h(
    'details',
    { class: 'call' },
    h('summary', {}, call.decoded ? `Call: ${call.signature ?? call.function ?? ''}` : 'Call: raw calldata'),
    facts([
      ['Contract', call.contract ?? 'unknown'],
      ['Target', h('span', { class: 'mono' }, call.target)],
      ['Selector', h('span', { class: 'mono' }, call.selector)],
    ]),
    args.length === 0
      ? null
      : h(
          'dl',
          { class: 'facts args' },
          args.flatMap(([name, value]) => [
            h('dt', {}, name),
            h(
              'dd',
              { class: 'mono' },
              argumentText(value),
              call.roleNames?.[name] === undefined ? null : ` (${call.roleNames[name]})`,
            ),
          ]),
        ),
    h('p', { class: 'mono calldata' }, call.data),
  );
}

function executionLine(proposal: Proposal): string | HTMLElement | null {
  const check = proposal.executionCheck;
  if (check === undefined) return null;
  if (check.wouldSucceed) return stateBadge('its call would succeed now', 'ok');
  return h('span', {}, stateBadge('its call would fail now', 'bad'), ` ${check.message ?? ''} (${check.code ?? ''})`);
}

/** The proposals section of the page; `refresh` reloads it. */
export function proposalsSection(): { element: HTMLElement; refresh(): Promise<void> } {
  const status = statusLine();
  const open = h('div', { class: 'proposal-list' });
  const recent = h('div');
  const element = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'proposals-title' },
    h('h2', { id: 'proposals-title' }, 'Dual-control proposals'),
    h(
      'p',
      { class: 'hint' },
      'A proposal runs its call once a second ADMIN has approved it; its proposer may cancel it until then.',
    ),
    status.element,
    open,
    recent,
  );

  async function act(proposal: Proposal, action: (typeof ACTIONS)[number], button: HTMLButtonElement) {
    if (action.confirm !== null && !window.confirm(action.confirm.replace('{id}', proposal.id))) return;
    button.disabled = true;
    status.say(`Proposal ${proposal.id}: ${action.label.toLowerCase()} in progress…`);
    try {
      const { answer, summary } = await runAction<ProposalAnswer>(`/v1/proposals/${proposal.id}/${action.resource}`);
      const state = answer.proposal?.state ?? action.done;
      status.say(`Proposal ${proposal.id} ${action.done}: now ${state}; ${summary}.`);
      await refresh();
    } catch (error) {
      status.fail(`Proposal ${proposal.id}: ${action.label.toLowerCase()} refused`, error);
      button.disabled = false;
    }
  }

  function card(proposal: Proposal): HTMLElement {
    const title = `Proposal ${proposal.id}`;
    const headingId = `proposal-${proposal.id}`;
    const buttons = h('div', { class: 'actions' });
    for (const action of ACTIONS) {
      const button = h('button', {
        type: 'button',
        class: action.kind === 'approve' ? null : 'secondary',
        'aria-describedby': headingId,
      });
      button.textContent = action.label;
      button.addEventListener('click', () => void act(proposal, action, button));
      append(buttons, button);
    }
    return h(
      'article',
      { class: 'card proposal', 'aria-labelledby': headingId, 'data-proposal': proposal.id },
      h('h3', { id: headingId }, title, ' ', stateBadge(proposal.state, tone(proposal.state))),
      h('p', { class: 'would-do' }, describeCall(proposal.call)),
      facts([
        ['Proposed by', hexValue(proposal.proposer)],
        ['Approvals', `${proposal.validApprovals} of ${proposal.requiredApprovals}`],
        [
          'Approved by',
          h(
            'span',
            {},
            proposal.approvers.flatMap((a, i) => (i === 0 ? [hexValue(a)] : [', ', hexValue(a)])),
          ),
        ],
        ['Expires', formatTime(proposal.expiresAt)],
        ['If executed now', executionLine(proposal)],
      ]),
      callDetails(proposal.call),
      buttons,
    );
  }

  function decidedTable(items: Proposal[]): HTMLElement {
    return h(
      'div',
      { class: 'table-wrap', role: 'region', 'aria-labelledby': 'decided-title', tabindex: '0' },
      h(
        'table',
        {},
        h('caption', { id: 'decided-title' }, 'Latest decided proposals'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, 'Proposal'),
            h('th', { scope: 'col' }, 'State'),
            h('th', { scope: 'col' }, 'What it did'),
          ),
        ),
        h(
          'tbody',
          {},
          items.map((p) =>
            h(
              'tr',
              { 'data-proposal': p.id },
              h('td', {}, p.id),
              h('td', {}, stateBadge(p.state, tone(p.state))),
              h('td', {}, describeCall(p.call)),
            ),
          ),
        ),
      ),
    );
  }

  async function refresh(): Promise<void> {
    const { items } = await get<{ items: Proposal[] }>('/v1/proposals?limit=50');
    const pending = items.filter((p) => p.state === 'pending' || p.state === 'approved');
    const decided = items.filter((p) => p.state !== 'pending' && p.state !== 'approved').slice(0, RECENT);
    replace(
      open,
      h('h3', { class: 'count' }, `${pending.length} open ${pending.length === 1 ? 'proposal' : 'proposals'}`),
      pending.length === 0 ? h('p', { class: 'hint' }, 'No proposal awaits approval or execution.') : pending.map(card),
    );
    replace(recent, decided.length === 0 ? null : decidedTable(decided));
  }

  return { element, refresh };
}
