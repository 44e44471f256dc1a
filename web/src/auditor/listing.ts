/**
 * A read-only table over one of the API's paged listings (`{ items, nextCursor }`): the first page, then more on
 * request. Cells are text (set as text, never parsed).
 */
import { describeError, get } from '../lib/api.js';
import { append, h, liveRegion, replace } from '../lib/dom.js';

export interface Column<T> {
  header: string;
  cell: (item: T) => string | Node;
  /** The row's header cell (the item's name). */
  rowHeader?: boolean;
}

interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}

const PAGE_SIZE = 50;

export function listingSection<T>(options: {
  id: string;
  title: string;
  intro: string;
  /** The listing's path; answers `{ items, nextCursor }`. */
  path: string;
  /** Whether the listing takes `limit` and `cursor` (one that answers everything at once does not). */
  paged: boolean;
  columns: Column<T>[];
  empty: string;
  /** Extra content after each row (e.g. a feed's reports), as a full-width row. */
  details?: (item: T) => Node | null;
}): HTMLElement {
  const status = liveRegion({ class: 'status' });
  status.textContent = `Reading ${options.title.toLowerCase()}…`;
  const body = h('tbody');
  const table = h(
    'table',
    { class: 'auditor-table' },
    h('caption', {}, options.title),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        options.columns.map((column) => h('th', { scope: 'col' }, column.header)),
      ),
    ),
    body,
  );
  // Holds the "Show more" button while the listing has a next page.
  const more = h('div', { class: 'listing-more' });
  const section = h(
    'section',
    { class: 'panel', id: options.id, 'aria-labelledby': `${options.id}-title` },
    h('h2', { id: `${options.id}-title` }, options.title),
    h('p', { class: 'hint' }, options.intro),
    h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': options.title }, table),
    more,
    status,
  );
  let shown = 0;
  const load = async (cursor: string | null) => {
    let path = options.path;
    if (options.paged) path += `?limit=${PAGE_SIZE}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
    const page = await get<Page<T>>(path);
    for (const item of page.items) {
      append(
        body,
        h(
          'tr',
          {},
          options.columns.map((column) =>
            column.rowHeader === true ? h('th', { scope: 'row' }, column.cell(item)) : h('td', {}, column.cell(item)),
          ),
        ),
      );
      const details = options.details?.(item) ?? null;
      if (details !== null)
        append(body, h('tr', { class: 'details-row' }, h('td', { colspan: options.columns.length }, details)));
    }
    shown += page.items.length;
    const next = page.nextCursor ?? null;
    replace(
      more,
      next === null
        ? null
        : h(
            'button',
            { type: 'button', class: 'secondary', onclick: () => void run(next) },
            `Show more ${options.title.toLowerCase()}`,
          ),
    );
    status.textContent = shown === 0 ? options.empty : `${shown} ${options.title.toLowerCase()} shown.`;
  };
  const run = (cursor: string | null) =>
    load(cursor).catch((error: unknown) => {
      status.classList.add('error');
      status.textContent = `Could not read ${options.title.toLowerCase()}: ${describeError(error)}`;
    });
  void run(null);
  return section;
}
