/**
 * Contract reverts, decoded through the ABIs of every PolicyLedger contract into our custom-error names.
 *
 * - Revert data is looked for where ethers and the nodes put it: a `CALL_EXCEPTION`'s `data`, a nested `error.data`
 *   or `info.error.data`, and the JSON-RPC error body anvil (or any node) answered with. A transaction's own calldata
 *   (`transaction.data`) is never taken for revert data.
 * - One error selector may be declared by several contracts (an interface and its implementation): the first ABI
 *   naming it wins, which gives the same name and arguments.
 * - `Error(string)` and `Panic(uint256)` are decoded too. What cannot be decoded stays undecoded (`null`), never
 *   guessed from a message string.
 */
import { ErrorFragment, Interface, isError, isHexString, type InterfaceAbi, type Result } from 'ethers';
import * as contracts from '../../types/ethers-contracts/index.js';

/** A revert decoded against our contracts' ABIs. */
export interface DecodedContractError {
  /** The custom error's name (`EvidenceRegistryAlreadyAnchored`), or `Error` / `Panic` for the built-in ones. */
  name: string;
  /** Its arguments, as strings (numbers in decimal, hashes and addresses as ethers gives them). */
  args: string[];
  /** Its signature, e.g. `EvidenceRegistryAlreadyAnchored(bytes32)`. */
  signature: string;
  /** The error as a person reads it: `EvidenceRegistryAlreadyAnchored(0xabc…)`. */
  message: string;
  /** The raw revert data. */
  data: string;
}

/** A contract call or transaction that reverted, with our custom error when it could be decoded. */
export class LedgerError extends Error {
  /** The custom error's name, or `CONTRACT_REVERT` when the revert could not be decoded. */
  readonly code: string;
  readonly decoded?: DecodedContractError;
  /** The ledger action that reverted (`anchorDocument`, `submitFlightReport`…). */
  readonly action: string;
  /** Set when the transaction was mined and reverted on chain (its nonce is spent). */
  readonly transactionHash?: string;

  constructor(
    action: string,
    decoded: DecodedContractError | null,
    options: { cause?: unknown; transactionHash?: string } = {},
  ) {
    super(`${action} reverted: ${decoded?.message ?? 'the contract refused the call without a known error'}`, {
      cause: options.cause,
    });
    this.name = 'LedgerError';
    this.action = action;
    this.code = decoded?.name ?? 'CONTRACT_REVERT';
    if (decoded !== null) this.decoded = decoded;
    if (options.transactionHash !== undefined) this.transactionHash = options.transactionHash;
  }
}

/** Every custom error declared by a PolicyLedger contract (the mocks included), by selector. */
const errorInterface: Interface = buildErrorInterface();

function buildErrorInterface(): Interface {
  const bySelector = new Map<string, ErrorFragment>();
  for (const value of Object.values(contracts)) {
    const abi = (value as { abi?: InterfaceAbi }).abi;
    if (abi === undefined) continue;
    new Interface(abi).forEachError((fragment) => {
      if (!bySelector.has(fragment.selector)) bySelector.set(fragment.selector, fragment);
    });
  }
  return new Interface([...bySelector.values()]);
}

const PANIC_REASONS: Record<string, string> = {
  '1': 'assertion failed',
  '17': 'arithmetic overflow or underflow',
  '18': 'division or modulo by zero',
  '33': 'invalid enum value',
  '34': 'invalid storage byte array',
  '49': 'pop on an empty array',
  '50': 'array index out of bounds',
  '65': 'out of memory',
  '81': 'call to an uninitialised function',
};

/**
 * Decodes the revert carried by `error` (anything ethers or a JSON-RPC node threw) against the ABIs of every
 * PolicyLedger contract, plus `Error(string)` and `Panic(uint256)`; `null` when it carries no revert data we know.
 */
export function decodeContractError(error: unknown): DecodedContractError | null {
  for (const data of revertDataIn(error)) {
    const decoded = decodeRevertData(data);
    if (decoded !== null) return decoded;
  }
  return null;
}

/** Decodes raw revert data (selector and ABI-encoded arguments); `null` for an unknown selector or bad encoding. */
export function decodeRevertData(data: string): DecodedContractError | null {
  if (!isHexString(data) || data.length < 10) return null;
  let fragment: ErrorFragment | null;
  let values: Result;
  try {
    fragment = errorInterface.getError(data.slice(0, 10).toLowerCase());
    if (fragment === null) return null;
    values = errorInterface.decodeErrorResult(fragment, data);
  } catch {
    return null;
  }
  const args = fragment.inputs.map((_input, index) => stringify(values[index]));
  const signature = fragment.format('sighash');
  let message = `${fragment.name}(${args.join(', ')})`;
  if (fragment.name === 'Error') message = `Error(${JSON.stringify(args[0] ?? '')})`;
  if (fragment.name === 'Panic') message = `Panic(${args[0]}): ${PANIC_REASONS[args[0] ?? ''] ?? 'unknown panic code'}`;
  return { name: fragment.name, args, signature, message, data: data.toLowerCase() };
}

/**
 * Runs `fn` (a ledger action's contract call or transaction), turning a revert into a `LedgerError` named after our
 * custom error; other failures (the node unreachable, a timeout) go through unchanged.
 */
export async function withDecodedErrors<T>(action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof LedgerError) throw error;
    const decoded = decodeContractError(error);
    if (decoded !== null || isError(error, 'CALL_EXCEPTION')) {
      const mined = isError(error, 'CALL_EXCEPTION') ? error.receipt?.hash : undefined;
      throw new LedgerError(action, decoded, {
        cause: error,
        ...(mined === undefined ? {} : { transactionHash: mined }),
      });
    }
    throw error;
  }
}

/** The keys under which ethers and JSON-RPC nodes nest the revert data of a failed call. */
const NESTING_KEYS = ['error', 'info', 'cause', 'payload'] as const;

/** Candidate revert data in `error`, nearest first. */
function revertDataIn(error: unknown): string[] {
  const found: string[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number): void => {
    if (depth > 6 || value === null || typeof value !== 'object' || seen.has(value)) return;
    seen.add(value);
    const record = value as Record<string, unknown>;
    const data = record.data;
    if (typeof data === 'string' && isHexString(data)) found.push(data);
    else if (typeof data === 'string') found.push(...hexIn(data));
    else if (data !== null && typeof data === 'object') visit(data, depth + 1);
    if (typeof record.body === 'string') visit(parseJson(record.body), depth + 1);
    for (const key of NESTING_KEYS) visit(record[key], depth + 1);
  };
  visit(error, 0);
  return found;
}

/** Some nodes put the revert data inside a text (`Reverted 0x…`). */
function hexIn(text: string): string[] {
  return [...text.matchAll(/0x[0-9a-fA-F]{8,}/g)].map((match) => match[0]).filter((hex) => hex.length % 2 === 0);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function stringify(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return `[${value.map(stringify).join(', ')}]`;
  return String(value);
}
