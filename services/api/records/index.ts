/**
 * The records module: access log, masking, retention / legal hold / erasure, reader keys. `recordsRouter(ctx)` gives
 * the routes; `startRecords(ctx, settings)` runs the background work: anchoring the access log's head on its schedule,
 * and after each index sync applying erasure notices and re-wrapping for rotated keys.
 */
import { AccessLogHeadAnchorer, initAccessLogSchema, type HeadAnchoringSchedule } from './access-log.js';
import type { RecordsContext } from './context.js';
import { initKeysSchema, rewrapForRotatedKeys } from './keys.js';
import { applyErasureNotices, initRetentionSchema, resumeErasures } from './retention.js';

export { recordsRouter, viaOf } from './routes.js';
export { recordAccess, type AccessRecord } from './access-log.js';
export { checkAccessLog, checkAccessLogExport, exportAccessLog } from './access-log-check.js';
export { maskPersonal, seesPersonalData } from './masking.js';
export { applyErasureNotices, erasureOf } from './retention.js';
export { fetchWrappedKeyFrom, rewrapForRotatedKeys } from './keys.js';

export interface RecordsSettings {
  /** The party that anchors access-log heads: an INSURER or REINSURER whose signer the API holds. */
  headRegistrant: string;
  /** Anchor a head at least this often when anything was read (POLICYLEDGER_ACCESS_LOG_HEAD_MINUTES, default 60). */
  headIntervalMs: number;
  /** …and as soon as this many entries are uncovered (POLICYLEDGER_ACCESS_LOG_HEAD_ENTRIES, default 1000). */
  headMaxEntries: number;
  /** How often erasure notices and key rotations are looked for in the index (default 5 s). */
  followIntervalMs?: number;
}

/** Reads the access-log schedule from the environment; throws naming the setting when it is not a positive integer. */
export function recordsScheduleFromEnv(env: NodeJS.ProcessEnv = process.env): Omit<RecordsSettings, 'headRegistrant'> {
  const positive = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`${name}: must be a positive integer, got "${raw}"`);
    return value;
  };
  return {
    headIntervalMs: positive('POLICYLEDGER_ACCESS_LOG_HEAD_MINUTES', 60) * 60_000,
    headMaxEntries: positive('POLICYLEDGER_ACCESS_LOG_HEAD_ENTRIES', 1000),
  };
}

/** Starts the module's background work; the returned `stop` waits for work under way. */
export async function startRecords(ctx: RecordsContext, settings: RecordsSettings): Promise<{ stop(): Promise<void> }> {
  initAccessLogSchema(ctx.db);
  initRetentionSchema(ctx.db);
  initKeysSchema(ctx.db);
  const schedule: HeadAnchoringSchedule = {
    registrant: settings.headRegistrant,
    intervalMs: settings.headIntervalMs,
    maxEntries: settings.headMaxEntries,
  };
  const anchorer = new AccessLogHeadAnchorer(ctx, schedule);
  await anchorer.start();
  await resumeErasures(ctx);
  let following: Promise<void> = Promise.resolve();
  const follow = async () => {
    await applyErasureNotices(ctx);
    await rewrapForRotatedKeys(ctx);
  };
  const timer = setInterval(() => {
    following = following
      .then(follow)
      .catch((error: unknown) => ctx.logger?.error({ err: error }, 'following erasures and key rotations failed'));
  }, settings.followIntervalMs ?? 5000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await following;
      await anchorer.stop();
    },
  };
}
