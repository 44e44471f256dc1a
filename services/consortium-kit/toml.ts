/**
 * The flat TOML that Besu's configuration and permissions files are: `key=value` lines, where a value is a string, an
 * integer, a boolean or an array of strings. A JSON string is a valid TOML basic string (same quotes and escapes), so
 * values are written with JSON.stringify.
 */
export type TomlValue = string | number | boolean | readonly string[];

/** One `key=value` line, or a `# comment` line when `key` is null. */
export type TomlLine = readonly [key: string, value: TomlValue] | readonly [key: null, comment: string];

export function toToml(lines: readonly TomlLine[]): string {
  return `${lines
    .map(([key, value]) => {
      if (key === null) return value === '' ? '' : `# ${String(value)}`;
      if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new Error(`${key}: not an integer`);
      return `${key}=${JSON.stringify(value)}`;
    })
    .join('\n')}\n`;
}
