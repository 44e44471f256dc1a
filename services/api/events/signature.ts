/**
 * Webhook signatures. Each delivery carries `PolicyLedger-Signature: t=<unix seconds>,v1=<hex>`, where `v1` is
 * HMAC-SHA256, keyed with the subscription's secret, over `<t>.<raw body>`. Signing the timestamp with the body lets
 * a receiver refuse a replayed delivery (`toleranceSeconds`); comparing in constant time keeps the secret from leaking
 * through timing. A receiver verifies with `verifyWebhookSignature` (or the same three steps in any language, see
 * the README): parse the header, recompute the HMAC over the exact bytes received, compare, check the age.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header a delivery's signature travels in. */
export const SIGNATURE_HEADER = 'PolicyLedger-Signature';

/** The default age past which a signed delivery is refused as a replay. */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

function hmac(secret: string, timestamp: number, body: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/** The signature header value for `body` sent at `timestamp` (unix seconds). */
export function signWebhookBody(secret: string, body: string, timestamp: number): string {
  return `t=${timestamp},v1=${hmac(secret, timestamp, body)}`;
}

/**
 * Whether `header` is a valid signature of `body` (the raw bytes received, before any JSON parsing) by `secret`,
 * made at most `toleranceSeconds` before `now` (unix seconds). Several `v1=` values (a secret being rotated) are
 * accepted if any matches.
 */
export function verifyWebhookSignature(
  secret: string,
  body: string | Uint8Array,
  header: string | undefined | null,
  options: { toleranceSeconds?: number; now?: number } = {},
): boolean {
  if (typeof header !== 'string') return false;
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === 't' && value !== undefined && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    if (key === 'v1' && value !== undefined && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  if (timestamp === undefined || signatures.length === 0) return false;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS)) return false;
  const expected = Buffer.from(hmac(secret, timestamp, body), 'hex');
  return signatures.some((signature) => timingSafeEqual(expected, Buffer.from(signature, 'hex')));
}
