/**
 * What every command is given: the output, and the API client and party names resolved from the global options
 * (`--api`, `--api-key`, `--as`, `--data-dir`, `--json` and their environment variables), each only when the command
 * asks for it, so that `verify --rpc` needs no API and no keys.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { ApiClient } from './api-client.js';
import { devKeysFile, devParty, loadDevKeys, partyAddress, type DevKeys } from './dev-keys.js';
import { UsageError } from './errors.js';
import { Output } from './output.js';

/** Where the local stack's API listens by default. */
export const DEFAULT_API_URL = 'http://127.0.0.1:8080';

export interface GlobalOptions {
  api?: string;
  apiKey?: string;
  as?: string;
  dataDir: string;
  json?: boolean;
}

export interface CliContext {
  out: Output;
  dataDir: string;
  /** The API client for the caller the options name. */
  api(): ApiClient;
  /** A party's address: an address as given, or a local stack party by name (`reinsurer`). */
  party(value: string): string;
}

/** The context of `command`'s invocation, from its options and the program's. */
export function contextOf(command: Command): CliContext {
  const options = command.optsWithGlobals<GlobalOptions>();
  const out = new Output(options.json === true);
  let devKeys: DevKeys | undefined;
  const keys = () => (devKeys ??= loadDevKeys(options.dataDir));
  let client: ApiClient | undefined;
  return {
    out,
    dataDir: options.dataDir,
    party: (value) => partyAddress(value, keys),
    api() {
      if (client !== undefined) return client;
      let authorization: string | undefined;
      let apiUrl = options.api;
      if (options.as !== undefined) {
        // --as beats a key from the environment, but two explicit identities are a mistake.
        if (options.apiKey !== undefined && sourceOf(command, 'apiKey') === 'cli') {
          throw new UsageError('give either --as or --api-key, not both');
        }
        authorization = bearer(devParty(keys(), options.as).apiKey);
      } else if (options.apiKey !== undefined) {
        authorization = bearer(options.apiKey);
      }
      // Without --api, the local stack's own record of where its API listens (its port may have been moved).
      apiUrl ??= localApiUrl(options.dataDir, keys);
      client = new ApiClient(checkedUrl(apiUrl ?? DEFAULT_API_URL), authorization);
      return client;
    },
  };
}

function localApiUrl(dataDir: string, keys: () => DevKeys): string | undefined {
  if (!existsSync(devKeysFile(dataDir))) return undefined;
  return keys().apiUrl ?? undefined;
}

function sourceOf(command: Command, option: string): string | undefined {
  for (let current: Command | null = command; current !== null; current = current.parent) {
    const source = current.getOptionValueSource(option);
    if (source !== undefined) return source;
  }
  return undefined;
}

function bearer(key: string): string {
  const token = key.replace(/^Bearer\s+/i, '').trim();
  if (token === '') throw new UsageError('the API key is empty');
  return `Bearer ${token}`;
}

function checkedUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`"${value}" is not a URL (e.g. ${DEFAULT_API_URL})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`the API URL ${value} is not http(s)`);
  return value;
}
