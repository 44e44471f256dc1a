/**
 * The local stack's development API keys (`<dataDir>/api/dev-keys.json`, written by `npm start`): what `--as <party>`
 * reads, so that a new user can act as the demo insurer, client… without signing in. The file's format is agreed with
 * the stack; its keys are for the local stack only.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from './errors.js';

export interface DevParty {
  name: string;
  role: string;
  address: string;
  apiKey: string;
}

export interface DevKeys {
  file: string;
  apiUrl: string | null;
  parties: DevParty[];
}

/** Where the local stack writes its development keys under `dataDir`. */
export function devKeysFile(dataDir: string): string {
  return path.join(dataDir, 'api', 'dev-keys.json');
}

function isDevParty(value: unknown): value is DevParty {
  if (typeof value !== 'object' || value === null) return false;
  const party = value as Record<string, unknown>;
  return (
    typeof party.name === 'string' &&
    typeof party.role === 'string' &&
    typeof party.address === 'string' &&
    typeof party.apiKey === 'string'
  );
}

/** Reads the development keys of the local stack whose data lives in `dataDir`. */
export function loadDevKeys(dataDir: string): DevKeys {
  const file = devKeysFile(dataDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(
      `no development keys at ${file}: --as and party names work with the local stack (npm start) and its data ` +
        `directory (--data-dir, POLICYLEDGER_DATA_DIR); elsewhere give --api-key or POLICYLEDGER_API_KEY`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`${file} is not valid JSON`);
  }
  const record = parsed as { apiUrl?: unknown; parties?: unknown };
  if (!Array.isArray(record.parties) || !record.parties.every(isDevParty)) {
    throw new UsageError(`${file} has no "parties" list of {name, role, address, apiKey}`);
  }
  return { file, apiUrl: typeof record.apiUrl === 'string' ? record.apiUrl : null, parties: record.parties };
}

/** The party called `name` (its name, or its role when only one party has it), case-insensitively. */
export function devParty(keys: DevKeys, name: string): DevParty {
  const wanted = name.toLowerCase();
  const byName = keys.parties.find((party) => party.name.toLowerCase() === wanted);
  const byRole = keys.parties.filter((party) => party.role.toLowerCase() === wanted);
  const found = byName ?? (byRole.length === 1 ? byRole[0] : undefined);
  if (found === undefined) {
    const names = keys.parties.map((party) => party.name).join(', ');
    throw new UsageError(`no party "${name}" in ${keys.file} (known: ${names})`);
  }
  return found;
}

/**
 * `value` as an address: an address itself (any case: the API checks and checksums it), or a party of the local stack
 * by name. Checked by its form only, which spares every command the start-up time of loading ethers.
 */
export function partyAddress(value: string, keys: () => DevKeys): string {
  if (/^0x[0-9a-fA-F]{40}$/.test(value)) return value;
  if (/^0x/i.test(value)) throw new UsageError(`"${value}" is not an address (0x and 40 hex digits)`);
  return devParty(keys(), value).address;
}
