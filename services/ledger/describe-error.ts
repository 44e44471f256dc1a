/**
 * One line for a person, from whatever a command caught: a contract revert decoded to our custom error's name and
 * arguments (`the contract reverted: EvidenceRegistryAlreadyAnchored(0x…)`), ethers' short message for other chain
 * errors, the error's own message otherwise. Long hex runs are shortened, so that a command never prints the
 * kilobytes of calldata or revert data ethers and the nodes put into their messages.
 */
import { isError } from 'ethers';
import { decodeContractError, LedgerError } from './errors.js';

/** Hex runs longer than this many digits are shortened to their head and their length. */
const LONGEST_HEX_DIGITS = 72;

/** The error `error` as one readable line, revert data decoded through our contracts' ABIs. */
export function describeError(error: unknown): string {
  if (error instanceof LedgerError) return shortenHex(error.message);
  const decoded = decodeContractError(error);
  if (decoded !== null) {
    const revert = `the contract reverted: ${decoded.message}`;
    // An ethers error's message repeats the call and its data; another error's message says what was attempted.
    const attempted = error instanceof Error && !('shortMessage' in error) ? `${error.message}: ` : '';
    return shortenHex(`${attempted}${revert}`);
  }
  if (isError(error, 'CALL_EXCEPTION')) return shortenHex(error.shortMessage);
  if (error instanceof Error && 'shortMessage' in error && typeof error.shortMessage === 'string') {
    return shortenHex(error.shortMessage);
  }
  return shortenHex(error instanceof Error ? error.message : String(error));
}

/** `text` with each hex run over `LONGEST_HEX_DIGITS` digits cut to its first 18 characters and its byte length. */
export function shortenHex(text: string): string {
  return text.replace(/0x[0-9a-fA-F]+/g, (hex) =>
    hex.length - 2 <= LONGEST_HEX_DIGITS ? hex : `${hex.slice(0, 18)}…(${Math.floor((hex.length - 2) / 2)} bytes)`,
  );
}
