/** Option value parsers shared by the commands (commander calls them; a bad value is a usage error). */
import { InvalidArgumentError } from 'commander';

/** Collects a repeatable option's values. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function positiveInteger(value: string): number {
  if (!/^[1-9][0-9]{0,8}$/.test(value)) throw new InvalidArgumentError('a positive whole number');
  return Number(value);
}

/** An http(s) URL, e.g. a chain node's JSON-RPC endpoint. */
export function httpUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return value;
  } catch {
    // answered below
  }
  throw new InvalidArgumentError('an http(s) URL such as http://127.0.0.1:8545');
}
