import { readFileSync } from 'node:fs';
import path from 'node:path';
import { stripJsonc } from '../oracle/cli.js';
import { REPLAY_LABEL_KEY } from './label.js';

/** Where the recorded provider responses live (see the README there). */
export const RECORDINGS_DIR = path.resolve(import.meta.dirname, 'recordings');

export type Json = Record<string, unknown>;

const recordings = new Map<string, unknown>();

/** A recording as parsed JSON (JSONC allowed), read once; callers get their own deep copy to change. */
export function readRecording(source: string): unknown {
  let parsed = recordings.get(source);
  if (parsed === undefined) {
    parsed = JSON.parse(stripJsonc(readFileSync(path.join(RECORDINGS_DIR, source), 'utf8'))) as unknown;
    recordings.set(source, parsed);
  }
  return structuredClone(parsed);
}

const DAY_MS = 86_400_000;
const DATE = /(\d{4})-(\d{2})-(\d{2})/g;

/** `date` moved by `days` whole days; any text that is not a real calendar date is left as it is. */
function shiftDate(match: string, days: number): string {
  const time = Date.parse(`${match}T00:00:00Z`);
  if (Number.isNaN(time) || !new Date(time).toISOString().startsWith(match)) return match;
  return new Date(time + days * DAY_MS).toISOString().slice(0, 10);
}

/**
 * A copy of `value` with every `YYYY-MM-DD` inside its strings (timestamps, dates, URLs) moved by `days` whole days.
 * Only the date part changes: local times and UTC offsets stay as recorded, so a flight keeps its timetable and its
 * delays, and a weather day its values.
 */
export function shiftDates<T>(value: T, days: number): T {
  if (days === 0) return value;
  if (typeof value === 'string') return value.replace(DATE, (match) => shiftDate(match, days)) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => shiftDates(item, days)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, shiftDates(item, days)])) as T;
  }
  return value;
}

/** How a replayed answer labels itself, inside the body the nodes hash as evidence. */
export interface ReplayLabel {
  /** The recording the answer was made from, relative to the recordings folder; null when none matched. */
  recording: string | null;
  /** Captured from the provider's live API (true) or written by us to its documented format (false). */
  recorded: boolean | null;
  /** Whole days the recording was moved by. */
  shiftedDays: number;
  /** What the ledger's clock lets the answer show: before departure, in the air, or the outcome. */
  stage?: 'scheduled' | 'active' | 'final';
}

/** `body` with the replay label added, so that nobody mistakes the answer (or evidence made from it) for live data. */
export function labelled(body: Json, label: ReplayLabel): Json {
  return {
    ...body,
    [REPLAY_LABEL_KEY]: {
      replayed: true,
      note: 'Served by the PolicyLedger local replay server from a stored response, re-dated: not live provider data.',
      ...label,
    },
  };
}
