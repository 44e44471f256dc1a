/**
 * The oracle hub's feeds that need someone: awaiting data, overdue (no quorum by the deadline), disputed, and those
 * finalised whose dispute window is still open. What a party may do follows its role, as the API checks it: an ADMIN
 * proposes a dispute or a manual resolution (both under dual control, so they appear among the proposals); an ADMIN
 * or an oracle operator expires a feed left without outcome.
 */
import { get } from '../lib/api.js';
import { append, h, replace } from '../lib/dom.js';
import { formatTime } from '../lib/format.js';
import { runAction } from './actions.js';
import { OBSERVATION_STATUSES } from './describe.js';
import { facts, hexValue, stateBadge, statusLine } from './view.js';

interface Feed {
  feedId: string;
  state: 'awaiting' | 'overdue' | 'disputed' | 'finalised' | 'resolved' | 'expired';
  consumers: string[];
  dataDeadline: string;
  tolerance: string;
  outcome: { status: string; value: string; at: string } | null;
  disputeWindowEndsAt: string | null;
  disputedAt: string | null;
  expirableAfter: string | null;
  reports: { oracle: string; status: string; value: string; observedAt: string; payloadHash: string }[];
}

const ATTENTION = ['overdue', 'disputed', 'awaiting'] as const;
const TONE = { overdue: 'bad', disputed: 'bad', awaiting: 'warn', finalised: 'ok' } as const;

/** A finalised feed may still be disputed until its window ends (the browser's clock only decides the listing). */
const disputable = (feed: Feed) =>
  feed.state === 'finalised' && feed.disputeWindowEndsAt !== null && Date.parse(feed.disputeWindowEndsAt) > Date.now();

export function feedsSection(roles: string[], onProposed: () => Promise<void>) {
  const admin = roles.includes('ADMIN');
  const mayExpire = admin || roles.includes('ORACLE');
  const status = statusLine();
  const summary = h('p', { class: 'feed-summary' });
  const list = h('div', { class: 'feed-list' });
  const element = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'feeds-title' },
    h('h2', { id: 'feeds-title' }, 'Feeds needing attention'),
    summary,
    status.element,
    list,
  );

  /** Runs one feed action at a time: the list's buttons wait while it is on its way. */
  async function act(feed: Feed, what: string, path: string, body?: unknown, question?: string) {
    if (question !== undefined && !window.confirm(question)) return;
    const buttons = [...list.querySelectorAll('button')];
    for (const button of buttons) button.disabled = true;
    status.say(`Feed ${feed.feedId}: ${what} in progress…`);
    try {
      const { summary: sent } = await runAction(path, body);
      status.say(`Feed ${feed.feedId}: ${what} done; ${sent}.`);
      await Promise.all([refresh(), onProposed()]);
    } catch (error) {
      status.fail(`Feed ${feed.feedId}: ${what} refused`, error);
    } finally {
      for (const button of buttons) button.disabled = false;
    }
  }

  function resolutionForm(feed: Feed, index: number): HTMLElement {
    const statusId = `resolve-status-${index}`;
    const valueId = `resolve-value-${index}`;
    const select = h(
      'select',
      { id: statusId, name: 'status' },
      OBSERVATION_STATUSES.filter((name) => name !== 'None').map((name) => h('option', { value: name }, name)),
    );
    const value = h('input', {
      id: valueId,
      name: 'value',
      inputmode: 'numeric',
      required: true,
      pattern: '-?[0-9]{1,40}',
      'aria-describedby': `${valueId}-hint`,
    });
    return h(
      'form',
      {
        class: 'resolution',
        onsubmit: (event: Event) => {
          event.preventDefault();
          void act(feed, 'resolution proposal', `/v1/feeds/${feed.feedId}/resolution`, {
            status: select.value,
            value: value.value.trim(),
          });
        },
      },
      h('h4', {}, 'Propose a resolution by hand'),
      h('label', { for: statusId }, 'Outcome'),
      select,
      h('label', { for: valueId }, 'Value'),
      value,
      h('p', { class: 'hint', id: `${valueId}-hint` }, 'Arrival delay in minutes, or the weather value in hundredths.'),
      h('button', { type: 'submit', class: 'secondary' }, 'Propose resolution'),
    );
  }

  function card(feed: Feed, index: number): HTMLElement {
    const headingId = `feed-${index}`;
    const actions = h('div', { class: 'actions' });
    /** A button that confirms `question`, then posts to the feed's `action` (a body-less request). */
    const confirmedAction = (label: string, what: string, action: string, question: string) =>
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          onclick: () => void act(feed, what, `/v1/feeds/${feed.feedId}/${action}`, undefined, question),
        },
        label,
      );
    if (admin && disputable(feed)) {
      append(
        actions,
        confirmedAction(
          'Propose dispute',
          'dispute proposal',
          'dispute',
          `Propose setting aside the outcome of feed ${feed.feedId}? A second ADMIN must approve it.`,
        ),
      );
    }
    if (mayExpire && feed.state === 'overdue' && feed.expirableAfter !== null) {
      append(
        actions,
        confirmedAction(
          'Expire feed',
          'expiry',
          'expiry',
          `Expire feed ${feed.feedId}? Its policies are then refunded; this cannot be undone.`,
        ),
      );
    }
    const reports =
      feed.reports.length === 0
        ? h('p', { class: 'hint' }, 'No oracle has reported yet.')
        : h(
            'ul',
            { class: 'reports' },
            feed.reports.map((r) =>
              h('li', {}, hexValue(r.oracle), ` reported ${r.status} ${r.value}, observed ${formatTime(r.observedAt)}`),
            ),
          );
    return h(
      'article',
      { class: 'card feed', 'aria-labelledby': headingId, 'data-feed': feed.feedId },
      h(
        'h3',
        { id: headingId },
        'Feed ',
        hexValue(feed.feedId),
        ' ',
        stateBadge(feed.state, TONE[feed.state as keyof typeof TONE] ?? 'muted'),
      ),
      facts([
        ['Data due by', formatTime(feed.dataDeadline)],
        ['Consumers', String(feed.consumers.length)],
        [
          'Outcome',
          feed.outcome === null
            ? 'none yet'
            : `${feed.outcome.status} ${feed.outcome.value} (${formatTime(feed.outcome.at)})`,
        ],
        ['Dispute window ends', feed.disputeWindowEndsAt === null ? null : formatTime(feed.disputeWindowEndsAt)],
        ['Disputed', feed.disputedAt === null ? null : formatTime(feed.disputedAt)],
        ['Expirable after', feed.expirableAfter === null ? null : formatTime(feed.expirableAfter)],
      ]),
      h('h4', {}, `Reports (${feed.reports.length})`),
      reports,
      actions.childElementCount === 0 ? null : actions,
      admin && (feed.state === 'disputed' || feed.state === 'overdue') ? resolutionForm(feed, index) : null,
    );
  }

  async function refresh(): Promise<void> {
    const { items } = await get<{ items: Feed[] }>('/v1/feeds');
    const counts = ATTENTION.map((state) => `${items.filter((f) => f.state === state).length} ${state}`);
    const shown = [
      ...ATTENTION.flatMap((state) => items.filter((f) => f.state === state)),
      ...items.filter(disputable),
    ];
    replace(summary, `${counts.join(', ')}; ${items.filter(disputable).length} finalised and still disputable.`);
    replace(list, shown.length === 0 ? h('p', { class: 'hint' }, 'No feed needs attention.') : shown.map(card));
  }

  return { element, refresh };
}
