/** How pages write amounts, times and hashes. Amounts arrive as decimal strings in base units (API convention). */

/** `1234500000` with 6 decimals → `1,234.5`; exact (no floating point). */
export function formatAmount(baseUnits: string | bigint, decimals = 6, symbol?: string): string {
  const value = BigInt(baseUnits);
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, '');
  const text = `${negative ? '−' : ''}${whole}${fraction === '' ? '' : `.${fraction}`}`;
  return symbol === undefined ? text : `${text} ${symbol}`;
}

/** Base units as a number of whole tokens, for charts (may round). */
export function toUnits(baseUnits: string | bigint, decimals = 6): number {
  return Number(BigInt(baseUnits)) / 10 ** decimals;
}

/** An ISO-8601 instant as `2026-11-30 14:05:09 UTC`. */
export function formatTime(iso: string | number | Date): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** `0x12345678…9abc` for long hex; the full value belongs in a title or a copy button. */
export function shortHex(hex: string, head = 10, tail = 4): string {
  return hex.length <= head + tail + 1 ? hex : `${hex.slice(0, head)}…${hex.slice(-tail)}`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}
