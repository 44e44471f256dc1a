/**
 * The exit codes of `policyledger`, one table shared by the code, `--help` and the README, so that a script can tell
 * "the document was revoked" from "the API could not be reached" without reading any text.
 */
export const EXIT = {
  /** Done: the document is anchored and current, the certificate checks, the API is ready… */
  OK: 0,
  /** Could not be done: the API or chain unreachable, a refused request, a failed or unconfirmed anchoring. */
  ERROR: 1,
  /** The command line is wrong: unknown option, missing argument, bad value. */
  USAGE: 2,
  /** `verify`, `verify-certificate`: the document is anchored but a later version superseded it. */
  SUPERSEDED: 3,
  /** `verify`, `verify-certificate`: the document was anchored and then revoked. */
  REVOKED: 4,
  /** `verify`: this chain has no anchor of the document. */
  UNKNOWN: 5,
  /** Checked and found wanting: `verify-certificate` has a failed check or a disagreeing endpoint; `status`: not ready. */
  NOT_OK: 6,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The table as `--help` shows it. */
export const EXIT_CODES_HELP = `Exit codes:
  0  done (verify: anchored and current; verify-certificate: every check passed; status: ready)
  1  error: API or chain unreachable, request refused, anchoring failed or not confirmed in time
  2  usage error (unknown option, missing argument, bad value)
  3  verify, verify-certificate: superseded by a later version
  4  verify, verify-certificate: revoked
  5  verify: unknown to the chain (never anchored)
  6  verify-certificate: a check failed or the nodes disagree; status: the API is not ready`;
