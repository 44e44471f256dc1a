/** Structured JSON logs (pino) to stdout; libraries take an optional logger, the API passes children of this one. */
import { pino, type Logger } from 'pino';

export type { Logger };

/** Paths of log fields that may hold secrets: removed whatever a caller logs. */
const REDACTED = [
  'password',
  '*.password',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  'secret',
  '*.secret',
  'privateKey',
  '*.privateKey',
];

export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino({
    name: options.name ?? 'policyledger-api',
    level: options.level ?? 'info',
    redact: { paths: REDACTED, remove: true },
    timestamp: pino.stdTimeFunctions.isoTime,
    base: { pid: process.pid },
  });
}

/** A logger that writes nothing, for tests and tools. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
