/**
 * A proposal's decoded call in words: what executing it would do, for the calls dual control is there for (roles,
 * parties, the oracle hub's feeds and consumers, the pool's wiring and caps), and a plain "calls f on C" for the rest.
 * The arguments themselves are always shown beside the sentence; this only reads them.
 */
import { formatAmount } from '../lib/format.js';

export type ArgumentValue = string | boolean | ArgumentValue[] | { [name: string]: ArgumentValue };

/** A call as `/v1/proposals` answers it (services/ledger/consortium-calls.ts `DecodedCall`). */
export interface DecodedCall {
  target: string;
  contract: string | null;
  decoded: boolean;
  selector: string;
  function?: string;
  signature?: string;
  args?: Record<string, ArgumentValue>;
  roleNames?: Record<string, string>;
  data: string;
}

/** `IOracleHub.ObservationStatus`, by its number. */
export const OBSERVATION_STATUSES = ['None', 'Landed', 'Cancelled', 'Diverted', 'Observed'] as const;

const text = (value: ArgumentValue | undefined): string =>
  value === undefined ? '?' : typeof value === 'string' ? value : JSON.stringify(value);

const allowed = (value: ArgumentValue | undefined, yes: string, no: string) => (value === true ? yes : no);

/** One sentence saying what executing `call` would do. */
export function describeCall(call: DecodedCall): string {
  const where = call.contract ?? `the contract at ${call.target}`;
  if (!call.decoded || call.function === undefined) {
    return `Calls an unknown function (selector ${call.selector}) on ${where}: no PolicyLedger ABI decodes it.`;
  }
  const args = call.args ?? {};
  // Implementations may name a parameter with a trailing underscore (`treaty_`) where the interface says `treaty`.
  const arg = (name: string) => args[name] ?? args[`${name}_`];
  const role = (name: string) => call.roleNames?.[name] ?? text(arg(name));
  switch (call.function) {
    case 'grantRole':
      return `Grants the ${role('role')} role to ${text(arg('account'))}.`;
    case 'revokeRole':
      return `Revokes the ${role('role')} role from ${text(arg('account'))}.`;
    case 'setPartyActive':
      return `${allowed(arg('active'), 'Reactivates', 'Deactivates')} the party ${text(arg('account'))}.`;
    case 'setConsumer':
      return `${allowed(arg('allowed'), 'Lets', 'Stops')} ${text(arg('consumer'))} ${allowed(arg('allowed'), 'register', 'registering')} feeds with the oracle hub.`;
    case 'dispute':
      return `Sets aside the finalised outcome of feed ${text(arg('feedId'))}, so that it must be resolved by hand.`;
    case 'resolve': {
      const status = OBSERVATION_STATUSES[Number(text(arg('status')))] ?? text(arg('status'));
      return `Resolves feed ${text(arg('feedId'))} by hand as ${status} with value ${text(arg('value'))}.`;
    }
    case 'setProduct':
      return `${allowed(arg('allowed'), 'Wires', 'Unwires')} the product ${text(arg('product'))} ${allowed(arg('allowed'), 'into', 'from')} the risk pool.`;
    case 'setTreaty':
      return `Wires the reinsurance treaty ${text(arg('treaty'))} into the risk pool.`;
    case 'setAccumulationCap':
      return `Sets the risk pool's accumulation cap to ${formatAmount(text(arg('cap')))} (per flight or location).`;
    default:
      return `Calls ${call.function} on ${where}.`;
  }
}
