/**
 * Checking an access log against itself and against its heads anchored on chain. The same check runs on the API's
 * own database (`checkAccessLog`, behind `GET /v1/access-log/verification`) and on an exported log file with a chain
 * endpoint of the verifier's choice (`checkAccessLogExport`, for the CLI), so an auditor need not trust the API.
 *
 * What it proves and what it cannot:
 * - Each entry's hash is recomputed from its fields, and each entry must name its predecessor's hash: a field
 *   changed in place is found at its own seq (ENTRY_HASH_MISMATCH); a field changed with its hash recomputed is found
 *   at the next seq (ENTRY_LINK_BROKEN); a deleted entry leaves a gap (ENTRY_MISSING).
 * - A rewrite that recomputes every later hash is consistent with itself, so only the anchored heads catch it: each
 *   head's hash must equal the chain's hash at its last seq (HEAD_HASH_MISMATCH), the entry must exist
 *   (HEAD_ENTRY_MISSING: the tail was cut), and the head record must be anchored on chain (HEAD_NOT_ANCHORED).
 * - Entries after the last anchored head are proven only by the chain of hashes: deleting them from the end cannot be
 *   told from their never having been written. The report says how far anchors reach (`anchoredThroughSeq`).
 */
import type { DatabaseSync } from 'node:sqlite';
import { getAddress, ZeroHash } from 'ethers';
import type { LedgerClient } from '../../ledger/client.js';
import { readAnchorState, type AnchorState } from '../../ledger/records.js';
import {
  accessLogEntryHash,
  accessLogHeadHash,
  accessLogHeads,
  allAccessLogEntries,
  type AccessLogEntry,
  type AccessLogHead,
} from './access-log.js';

export type AccessLogBreakCode =
  | 'ENTRY_MISSING'
  | 'ENTRY_OUT_OF_SEQUENCE'
  | 'ENTRY_HASH_MISMATCH'
  | 'ENTRY_LINK_BROKEN'
  | 'HEAD_OUT_OF_SEQUENCE'
  | 'HEAD_ENTRY_MISSING'
  | 'HEAD_HASH_MISMATCH'
  | 'HEAD_NOT_ANCHORED'
  | 'HEAD_WRONG_REGISTRANT';

/** One place where the log disagrees with itself or with the chain. */
export interface AccessLogBreak {
  seq: number;
  code: AccessLogBreakCode;
  message: string;
  head?: { fromSeq: number; toSeq: number; recordHash: string };
}

/** A head as the check saw it. */
export interface AccessLogHeadReport {
  fromSeq: number;
  toSeq: number;
  recordHash: string;
  /** anchored: on chain and matching the log; pending: its anchoring is still under way; broken: see `breaks`. */
  status: 'anchored' | 'pending' | 'broken';
  anchoredAt: string | null;
  blockNumber: number | null;
  registrant: string | null;
}

export interface AccessLogCheckReport {
  ok: boolean;
  checkedAt: string;
  entryCount: number;
  lastSeq: number;
  /** The recomputed hash of the last entry (what the next head will anchor). */
  headHash: string;
  /** The last seq covered by an anchored head with no break at or before it (0 when none). */
  anchoredThroughSeq: number;
  heads: AccessLogHeadReport[];
  /** The break with the lowest seq, null when the log is intact. */
  firstBreak: AccessLogBreak | null;
  breaks: AccessLogBreak[];
}

/** A head given to the check: the record's fields, and whether its anchoring is known to be still under way. */
export interface CheckedHead extends AccessLogHead {
  pending?: boolean;
  /** Who must have anchored it; any registrant when omitted. */
  registrant?: string;
}

/** Looks up a hash's anchor on chain. */
export type AnchorLookup = (documentHash: string) => Promise<AnchorState>;

function checkEntries(entries: readonly AccessLogEntry[], breaks: AccessLogBreak[]): Map<number, string> {
  const recomputed = new Map<number, string>();
  let expectedSeq = 1;
  let previousStoredHash: string = ZeroHash;
  for (const entry of entries) {
    const inSequence = entry.seq === expectedSeq;
    if (entry.seq > expectedSeq) {
      breaks.push({
        seq: expectedSeq,
        code: 'ENTRY_MISSING',
        message:
          entry.seq === expectedSeq + 1
            ? `entry ${expectedSeq} is missing`
            : `entries ${expectedSeq} to ${entry.seq - 1} are missing`,
      });
    } else if (entry.seq < expectedSeq) {
      breaks.push({
        seq: entry.seq,
        code: 'ENTRY_OUT_OF_SEQUENCE',
        message: `entry ${entry.seq} comes after entry ${expectedSeq - 1}`,
      });
    }
    const hash = accessLogEntryHash(entry);
    recomputed.set(entry.seq, hash);
    if (hash !== entry.entryHash) {
      breaks.push({
        seq: entry.seq,
        code: 'ENTRY_HASH_MISMATCH',
        message: `entry ${entry.seq} was changed: its fields hash to ${hash}, not to its recorded ${entry.entryHash}`,
      });
    }
    // After a gap the link is necessarily broken: the gap is the finding.
    if (inSequence && entry.previousEntryHash !== previousStoredHash) {
      breaks.push({
        seq: entry.seq,
        code: 'ENTRY_LINK_BROKEN',
        message: `entry ${entry.seq} names ${entry.previousEntryHash} as its predecessor, but entry ${entry.seq - 1} is ${previousStoredHash}`,
      });
    }
    previousStoredHash = entry.entryHash;
    expectedSeq = entry.seq + 1;
  }
  return recomputed;
}

/**
 * Checks `entries` (in the order given, seq from 1) and `heads` against the chain through `lookup`: the core of both
 * `checkAccessLog` and `checkAccessLogExport`.
 */
export async function checkAccessLogEntries(
  entries: readonly AccessLogEntry[],
  heads: readonly CheckedHead[],
  lookup: AnchorLookup,
  now: Date = new Date(),
): Promise<AccessLogCheckReport> {
  const breaks: AccessLogBreak[] = [];
  const recomputed = checkEntries(entries, breaks);
  const headReports: AccessLogHeadReport[] = [];
  let expectedFrom = 1;
  let previousRecord: string | null = null;
  for (const head of [...heads].sort((a, b) => a.toSeq - b.toSeq)) {
    const recordHash = accessLogHeadHash(head);
    const where = { fromSeq: head.fromSeq, toSeq: head.toSeq, recordHash };
    const before = breaks.length;
    if (head.fromSeq !== expectedFrom || head.previousHead !== previousRecord || head.toSeq < head.fromSeq) {
      breaks.push({
        seq: head.fromSeq,
        code: 'HEAD_OUT_OF_SEQUENCE',
        message: `the head of entries ${head.fromSeq}–${head.toSeq} does not follow the previous head (expected entries from ${expectedFrom}, previous head ${previousRecord ?? 'none'})`,
        head: where,
      });
    }
    const chainHash = recomputed.get(head.toSeq);
    if (chainHash === undefined) {
      breaks.push({
        seq: head.toSeq,
        code: 'HEAD_ENTRY_MISSING',
        message: `entry ${head.toSeq}, anchored as the head of entries ${head.fromSeq}–${head.toSeq}, is missing`,
        head: where,
      });
    } else if (chainHash !== head.headHash) {
      breaks.push({
        seq: head.toSeq,
        code: 'HEAD_HASH_MISMATCH',
        message: `entries ${head.fromSeq}–${head.toSeq} were rewritten: the chain's hash at ${head.toSeq} is ${chainHash}, the anchored head is ${head.headHash}`,
        head: where,
      });
    }
    const anchor = await lookup(recordHash);
    let status: AccessLogHeadReport['status'] = 'anchored';
    if (!anchor.anchored) {
      if (head.pending === true) status = 'pending';
      else {
        breaks.push({
          seq: head.toSeq,
          code: 'HEAD_NOT_ANCHORED',
          message: `the head of entries ${head.fromSeq}–${head.toSeq} (record ${recordHash}) is not anchored on chain`,
          head: where,
        });
      }
    } else if (head.registrant !== undefined && anchor.registrant !== getAddress(head.registrant)) {
      breaks.push({
        seq: head.toSeq,
        code: 'HEAD_WRONG_REGISTRANT',
        message: `the head of entries ${head.fromSeq}–${head.toSeq} was anchored by ${anchor.registrant}, not by ${getAddress(head.registrant)}`,
        head: where,
      });
    }
    if (breaks.length > before) status = 'broken';
    headReports.push({
      ...where,
      status,
      anchoredAt: anchor.anchoredAt,
      blockNumber: anchor.blockNumber,
      registrant: anchor.registrant,
    });
    expectedFrom = head.toSeq + 1;
    previousRecord = recordHash;
  }
  breaks.sort((a, b) => a.seq - b.seq);
  const firstBreak = breaks[0] ?? null;
  let anchoredThroughSeq = 0;
  for (const head of headReports) {
    if (head.status !== 'anchored' || (firstBreak !== null && firstBreak.seq <= head.toSeq)) break;
    anchoredThroughSeq = head.toSeq;
  }
  const last = entries.at(-1);
  return {
    ok: breaks.length === 0,
    checkedAt: now.toISOString(),
    entryCount: entries.length,
    lastSeq: last?.seq ?? 0,
    headHash: last === undefined ? ZeroHash : (recomputed.get(last.seq) ?? ZeroHash),
    anchoredThroughSeq,
    heads: headReports,
    firstBreak,
    breaks,
  };
}

/** The export of a log: what `GET /v1/access-log/export` answers and the CLI checks. */
export interface AccessLogExport {
  format: 'policyledger/access-log-export/v1';
  exportedAt: string;
  entries: AccessLogEntry[];
  heads: (CheckedHead & { recordHash: string; cid: string })[];
}

/** What checking the API's own log needs. */
export interface AccessLogCheckContext {
  db: DatabaseSync;
  ledger: LedgerClient;
  anchoring?: { operation(id: string): { state: string } | null };
}

/** The whole log and its heads, as a file another party can check (`checkAccessLogExport`). */
export function exportAccessLog(ctx: AccessLogCheckContext, now: Date = new Date()): AccessLogExport {
  return {
    format: 'policyledger/access-log-export/v1',
    exportedAt: now.toISOString(),
    entries: allAccessLogEntries(ctx.db),
    heads: accessLogHeads(ctx.db).map((head) => {
      const state = head.operationId === null ? 'queued' : ctx.anchoring?.operation(head.operationId)?.state;
      return {
        fromSeq: head.fromSeq,
        toSeq: head.toSeq,
        headHash: head.headHash,
        previousHead: head.previousHead,
        recordHash: head.recordHash,
        cid: head.cid,
        registrant: head.registrant,
        pending: state === 'queued' || state === 'sent',
      };
    }),
  };
}

/** Checks the API's own log against its anchored heads (heads still being anchored count as pending). */
export async function checkAccessLog(ctx: AccessLogCheckContext): Promise<AccessLogCheckReport> {
  const exported = exportAccessLog(ctx);
  return checkAccessLogEntries(exported.entries, exported.heads, (hash) => readAnchorState(ctx.ledger, hash));
}

/**
 * Checks an exported log (`entries`, `heads`) against the chain that `ledger` reads — a node the verifier trusts,
 * not the API that produced the export.
 */
export async function checkAccessLogExport(
  entries: readonly AccessLogEntry[],
  heads: readonly CheckedHead[],
  ledger: LedgerClient,
): Promise<AccessLogCheckReport> {
  return checkAccessLogEntries(entries, heads, (hash) => readAnchorState(ledger, hash));
}
