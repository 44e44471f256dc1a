/**
 * The events module's settings (`POLICYLEDGER_API_EVENTS_*`, `…_WEBHOOK_*`, `…_KEEPER_*`), read with the rest of the
 * API's configuration (`services/api/config.ts` lists these names as known and calls `loadEventsConfig`).
 */
import { ApiConfigError } from '../config.js';

export interface EventsConfig {
  /** How often the index's head is polled for new events (SSE and webhooks). */
  pollMs: number;
  /** SSE comment heartbeat period. */
  heartbeatMs: number;
  webhooks: {
    /** Deliver to loopback and private addresses (default: only in the embedded local stack). */
    allowPrivate: boolean;
    timeoutMs: number;
    retryBaseMs: number;
    retryMaxMs: number;
  };
  keeper: {
    enabled: boolean;
    intervalMs: number;
    maxPolicies: number;
    maxAttempts: number;
  };
}

export const EVENTS_API_VARIABLES = [
  'POLICYLEDGER_API_EVENTS_POLL_MS',
  'POLICYLEDGER_API_EVENTS_HEARTBEAT_MS',
  'POLICYLEDGER_API_WEBHOOK_ALLOW_PRIVATE',
  'POLICYLEDGER_API_WEBHOOK_TIMEOUT_MS',
  'POLICYLEDGER_API_WEBHOOK_RETRY_BASE_MS',
  'POLICYLEDGER_API_WEBHOOK_RETRY_MAX_MS',
  'POLICYLEDGER_API_KEEPER',
  'POLICYLEDGER_API_KEEPER_INTERVAL_MS',
  'POLICYLEDGER_API_KEEPER_MAX_POLICIES',
  'POLICYLEDGER_API_KEEPER_MAX_ATTEMPTS',
] as const;

function whole(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ApiConfigError(name, `must be a whole number (got "${raw}")`);
  const value = Number(raw);
  if (value < min || value > max) throw new ApiConfigError(name, `must be between ${min} and ${max} (got "${raw}")`);
  return value;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!['true', 'false', '1', '0'].includes(raw))
    throw new ApiConfigError(name, `must be true, false, 1 or 0 (got "${raw}")`);
  return raw === 'true' || raw === '1';
}

/** The events settings from `env`; `embedded` (the local stack) allows private webhook receivers by default. */
export function loadEventsConfig(env: NodeJS.ProcessEnv, embedded: boolean): EventsConfig {
  return {
    pollMs: whole(env, 'POLICYLEDGER_API_EVENTS_POLL_MS', 50, 10, 60_000),
    heartbeatMs: whole(env, 'POLICYLEDGER_API_EVENTS_HEARTBEAT_MS', 15_000, 100, 600_000),
    webhooks: {
      allowPrivate: flag(env, 'POLICYLEDGER_API_WEBHOOK_ALLOW_PRIVATE', embedded),
      timeoutMs: whole(env, 'POLICYLEDGER_API_WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
      retryBaseMs: whole(env, 'POLICYLEDGER_API_WEBHOOK_RETRY_BASE_MS', 1_000, 10, 3_600_000),
      retryMaxMs: whole(env, 'POLICYLEDGER_API_WEBHOOK_RETRY_MAX_MS', 600_000, 10, 86_400_000),
    },
    keeper: {
      enabled: flag(env, 'POLICYLEDGER_API_KEEPER', true),
      intervalMs: whole(env, 'POLICYLEDGER_API_KEEPER_INTERVAL_MS', 15_000, 10, 3_600_000),
      maxPolicies: whole(env, 'POLICYLEDGER_API_KEEPER_MAX_POLICIES', 100, 1, 10_000),
      maxAttempts: whole(env, 'POLICYLEDGER_API_KEEPER_MAX_ATTEMPTS', 20, 1, 1_000),
    },
  };
}
