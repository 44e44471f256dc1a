/**
 * The statement as CSV (RFC 4180, CRLF line ends), for a spreadsheet: one row per line, then one per event, then one
 * per total, told apart by the first column `section`. Amount columns are the union of the events' amount fields;
 * a row fills those its line has. Event rows carry the feed in `feedId`, its loss count in `count` and its retained
 * loss in `net`; total rows carry the total's name in `id` and its value in `amount`.
 */
import { STATEMENT_TOTALS, type TreatyStatement } from './statement.js';

const LINE_COLUMNS = [
  'id',
  'kind',
  'time',
  'blockNumber',
  'logIndex',
  'transactionHash',
  'policyId',
  'feedId',
] as const;
const AMOUNT_COLUMNS = [
  'premium',
  'cededPremium',
  'cedingCommission',
  'refund',
  'returned',
  'gross',
  'cededQuotaShare',
  'cededExcessOfLoss',
  'net',
  'owed',
  'paid',
  'amount',
  'outstanding',
  'premiumBalance',
  'shortfall',
  'count',
] as const;
export const CSV_COLUMNS = ['section', ...LINE_COLUMNS, ...AMOUNT_COLUMNS] as const;
type Column = (typeof CSV_COLUMNS)[number];

/** A field quoted when it holds a comma, a quote or a line break. */
function field(value: string | number | null | undefined): string {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function row(values: Partial<Record<Column, string | number | null>>): string {
  return CSV_COLUMNS.map((column) => field(values[column])).join(',');
}

/** `statement` as CSV text. */
export function statementCsv(statement: TreatyStatement): string {
  const rows = [CSV_COLUMNS.join(',')];
  for (const line of statement.lines) {
    const { amounts, ...rest } = line;
    rows.push(row({ section: 'line', ...rest, ...amounts }));
  }
  for (const event of statement.events) {
    rows.push(
      row({
        section: 'event',
        feedId: event.feedId,
        count: event.losses,
        gross: event.gross,
        cededQuotaShare: event.cededQuotaShare,
        cededExcessOfLoss: event.cededExcessOfLoss,
        net: event.retained,
        shortfall: event.shortfall,
      }),
    );
  }
  for (const name of [...STATEMENT_TOTALS, 'lines'] as const) {
    rows.push(row({ section: 'total', id: name, amount: statement.totals[name] }));
  }
  return `${rows.join('\r\n')}\r\n`;
}
