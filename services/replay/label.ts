/**
 * How a replayed answer labels itself: a top-level key of the JSON body, which the oracle nodes hash into their
 * observation's payload hash and keep as evidence. No provider's normaliser reads it; a node reads it to mark the
 * evidence replayed even when its configuration does not say the source is a replay.
 */
export const REPLAY_LABEL_KEY = 'policyledger_replay';

/** Whether a response body carries the replay label. */
export function isReplayedBody(body: string): boolean {
  try {
    const parsed = JSON.parse(body) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return false;
    const label = (parsed as Record<string, unknown>)[REPLAY_LABEL_KEY];
    return typeof label === 'object' && label !== null && (label as { replayed?: unknown }).replayed === true;
  } catch {
    return false;
  }
}
