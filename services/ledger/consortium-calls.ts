/**
 * The calls a dual-control proposal carries, in words: calldata decoded into the target contract's name, the function
 * and its named arguments, and named actions encoded into calldata.
 *
 * - Decoding tries the ABI of the contract the deployment record names at the target address first (so a function
 *   several contracts declare, such as `setSettlementBatchSize`, is named after the right one), then the ABIs of every
 *   PolicyLedger contract (TypeChain factories, interfaces and test mocks after the deployable contracts). Calldata
 *   that no ABI decodes is kept raw and flagged `decoded: false`, never guessed.
 * - A role id (`keccak256("ORACLE_ROLE")`) among the arguments is named (`roleNames`), since a reviewer cannot read
 *   the hash.
 * - Encoding accepts arguments by name (an object) or in order (an array), refuses a view function (a proposal of one
 *   would change nothing) and reports what is wrong in a `CallEncodingError` with a stable code.
 */
import { getAddress, Interface, isHexString, type FunctionFragment, type InterfaceAbi, type ParamType } from 'ethers';
import * as contracts from '../../types/ethers-contracts/index.js';
import type { Deployment } from './deploy.js';
import { PARTY_ROLES, roleId, type PartyRole } from './parties.js';

/** A contract's ABI by its name, from the TypeChain factories. */
interface NamedAbi {
  name: string;
  iface: Interface;
  /** Deployable (its factory carries bytecode), not abstract, not an interface. */
  deployable: boolean;
  /** A test contract of `contracts/mocks/`. */
  mock: boolean;
}

const MOCK_NAME = /Mock$|Mock[A-Z]|^Reverting|^Freezable|^ERC1271/;

/** The deployable contracts first, then abstract ones and interfaces, then mocks: the first ABI that decodes names. */
const ABIS: NamedAbi[] = collectAbis();

function collectAbis(): NamedAbi[] {
  const all: NamedAbi[] = [];
  for (const [exported, value] of Object.entries(contracts)) {
    const { abi, bytecode } = value as { abi?: InterfaceAbi; bytecode?: string };
    if (!exported.endsWith('__factory') || abi === undefined) continue;
    const name = exported.slice(0, -'__factory'.length);
    all.push({ name, iface: new Interface(abi), deployable: bytecode !== undefined, mock: MOCK_NAME.test(name) });
  }
  const rank = ({ deployable, mock }: NamedAbi) => (mock ? 2 : deployable ? 0 : 1);
  return all.sort((a, b) => rank(a) - rank(b));
}

/** The contracts a proposal can name: every deployable PolicyLedger contract (no abstract ones, no test mocks). */
export const GOVERNED_CONTRACTS: string[] = ABIS.filter(({ deployable, mock }) => deployable && !mock).map(
  ({ name }) => name,
);

/** Deployment record fields that hold a contract's address, and the contract each names. */
const DEPLOYED: readonly [keyof Deployment, string][] = [
  ['consortiumAccess', 'ConsortiumAccess'],
  ['evidenceRegistry', 'EvidenceRegistry'],
  ['oracleHub', 'OracleHub'],
  ['riskPool', 'RiskPool'],
  ['reinsuranceTreaty', 'ReinsuranceTreaty'],
  ['flightDelayProduct', 'FlightDelayProduct'],
  ['weatherIndexProduct', 'WeatherIndexProduct'],
];

/** The contract the deployment record places at `address`, if any. */
export function deployedContractAt(deployment: Deployment, address: string): string | null {
  const wanted = address.toLowerCase();
  const found = DEPLOYED.find(([field]) => {
    const value = deployment[field];
    return typeof value === 'string' && value.toLowerCase() === wanted;
  });
  return found?.[1] ?? null;
}

/** The address the deployment record gives contract `name`, if it deploys one. */
export function deployedAddressOf(deployment: Deployment, name: string): string | null {
  const field = DEPLOYED.find(([, contract]) => contract === name)?.[0];
  const value = field === undefined ? undefined : deployment[field];
  return typeof value === 'string' ? getAddress(value) : null;
}

/** A JSON value as a decoded argument is answered: integers as decimal strings, structs as objects. */
export type ArgumentValue = string | boolean | ArgumentValue[] | { [name: string]: ArgumentValue };

/** A proposal's call, in words where an ABI decodes it. */
export interface DecodedCall {
  target: string;
  /** The contract's name: the one the deployment places at `target`, else the ABI that decoded the call. */
  contract: string | null;
  /** False when no PolicyLedger ABI decodes the calldata: only `data` (and `selector`) are given. */
  decoded: boolean;
  /** The 4-byte selector, 0x hex ('0x' when the calldata is shorter). */
  selector: string;
  function?: string;
  /** `setConsumer(address,bool)` */
  signature?: string;
  /** The arguments by parameter name (by position, `arg0`…, for an unnamed one). */
  args?: Record<string, ArgumentValue>;
  /** Role ids among the arguments, named: `{ role: 'ORACLE' }`. */
  roleNames?: Record<string, PartyRole>;
  data: string;
}

const ROLE_BY_ID = new Map<string, PartyRole>(PARTY_ROLES.map((role) => [roleId(role), role]));

/** Decodes `data`, a call of `target`, against the PolicyLedger ABIs (see the module header). */
export function decodeCall(deployment: Deployment, target: string, data: string): DecodedCall {
  const known = deployedContractAt(deployment, target);
  const selector = isHexString(data) && data.length >= 10 ? data.slice(0, 10).toLowerCase() : '0x';
  const raw: DecodedCall = { target: getAddress(target), contract: known, decoded: false, selector, data };
  if (selector === '0x') return raw;
  const candidates = known === null ? ABIS : [...ABIS.filter((abi) => abi.name === known), ...ABIS];
  for (const { name, iface } of candidates) {
    const fragment = iface.getFunction(selector);
    if (fragment === null) continue;
    let values;
    try {
      values = iface.decodeFunctionData(fragment, data);
    } catch {
      continue;
    }
    const args: Record<string, ArgumentValue> = {};
    const roleNames: Record<string, PartyRole> = {};
    fragment.inputs.forEach((input, index) => {
      const key = input.name === '' ? `arg${index}` : input.name;
      args[key] = argumentValue(input, values[index]);
      const role = typeof values[index] === 'string' ? ROLE_BY_ID.get(values[index]) : undefined;
      if (input.type === 'bytes32' && role !== undefined) roleNames[key] = role;
    });
    return {
      ...raw,
      contract: known ?? name,
      decoded: true,
      function: fragment.name,
      signature: fragment.format('sighash'),
      args,
      ...(Object.keys(roleNames).length === 0 ? {} : { roleNames }),
    };
  }
  return raw;
}

/** An ABI value as JSON: see `ArgumentValue`. */
function argumentValue(param: ParamType, value: unknown): ArgumentValue {
  if (param.isArray()) {
    return (value as unknown[]).map((item) => argumentValue(param.arrayChildren, item));
  }
  if (param.isTuple()) {
    const items = value as unknown[];
    return Object.fromEntries(
      param.components.map((component, index) => [
        component.name === '' ? `arg${index}` : component.name,
        argumentValue(component, items[index]),
      ]),
    );
  }
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return value;
  if (param.type === 'address') return getAddress(String(value));
  return typeof value === 'string' && isHexString(value) ? value.toLowerCase() : String(value);
}

/** Why a named action could not be encoded. */
export type CallEncodingProblem = 'UNKNOWN_CONTRACT' | 'UNKNOWN_FUNCTION' | 'READ_ONLY_FUNCTION' | 'INVALID_ARGUMENTS';

export class CallEncodingError extends Error {
  constructor(
    readonly code: CallEncodingProblem,
    message: string,
  ) {
    super(message);
    this.name = 'CallEncodingError';
  }
}

/**
 * The calldata of `contract.fn(args)`. `fn` is a function name, or its full signature where the name is overloaded;
 * `args` by parameter name or in order.
 */
export function encodeCall(contract: string, fn: string, args: Record<string, unknown> | unknown[]): string {
  const abi = ABIS.find(({ name }) => name === contract);
  if (abi === undefined || !GOVERNED_CONTRACTS.includes(contract)) {
    throw new CallEncodingError(
      'UNKNOWN_CONTRACT',
      `${contract} is not a PolicyLedger contract (one of ${GOVERNED_CONTRACTS.join(', ')})`,
    );
  }
  let fragment: FunctionFragment | null;
  try {
    fragment = abi.iface.getFunction(fn);
  } catch (error) {
    // ethers refuses an ambiguous (overloaded) name.
    throw new CallEncodingError('UNKNOWN_FUNCTION', `${contract}.${fn}: ${(error as Error).message}`);
  }
  if (fragment === null) throw new CallEncodingError('UNKNOWN_FUNCTION', `${contract} has no function ${fn}`);
  if (fragment.constant) {
    throw new CallEncodingError('READ_ONLY_FUNCTION', `${contract}.${fragment.name} only reads: it changes nothing`);
  }
  const given = Array.isArray(args) ? args : fragment.inputs.map((input) => namedArgument(fragment, input, args));
  // A role may be given by name (`ORACLE`) where the function takes its id.
  const values = given.map((value, index) =>
    fragment.inputs[index]?.type === 'bytes32' && isPartyRole(value) ? roleId(value) : value,
  );
  if (!Array.isArray(args)) {
    const unknown = Object.keys(args).filter((key) => !fragment.inputs.some((input) => input.name === key));
    if (unknown.length > 0) {
      throw new CallEncodingError(
        'INVALID_ARGUMENTS',
        `${fragment.format('sighash')} has no parameter ${unknown.join(', ')}`,
      );
    }
  }
  try {
    return abi.iface.encodeFunctionData(fragment, values);
  } catch (error) {
    const reason = (error as { shortMessage?: string }).shortMessage ?? (error as Error).message;
    throw new CallEncodingError('INVALID_ARGUMENTS', `${fragment.format('sighash')}: ${reason}`);
  }
}

function isPartyRole(value: unknown): value is PartyRole {
  return typeof value === 'string' && (PARTY_ROLES as readonly string[]).includes(value);
}

function namedArgument(fragment: FunctionFragment, input: ParamType, args: Record<string, unknown>): unknown {
  if (!(input.name in args)) {
    throw new CallEncodingError(
      'INVALID_ARGUMENTS',
      `${fragment.format('sighash')} needs the argument ${input.name} (${input.type})`,
    );
  }
  return args[input.name];
}
