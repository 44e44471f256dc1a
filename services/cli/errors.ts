/**
 * The CLI's failures: each carries the exit code it ends the command with and a one-line message naming the problem.
 * The API's problem answers keep their HTTP status, stable code, title and detail so that `--json` can hand them on.
 */
import { EXIT, type ExitCode } from './exit-codes.js';

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.ERROR,
    readonly code = 'ERROR',
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A wrong command line: exit code 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.USAGE, 'USAGE');
    this.name = 'UsageError';
  }
}

/** An `application/problem+json` answer of the API (RFC 9457 with the API's stable `code`). */
export interface Problem {
  type?: string;
  title?: string;
  status: number;
  code?: string;
  detail?: string;
  [extension: string]: unknown;
}

export class ApiProblemError extends CliError {
  constructor(
    readonly request: string,
    readonly problem: Problem,
  ) {
    const code = problem.code ?? `HTTP_${problem.status}`;
    const title = problem.title ?? 'Request refused';
    const detail = problem.detail === undefined || problem.detail === title ? '' : `: ${problem.detail}`;
    super(`${request} → ${problem.status} ${code} (${title})${detail}${hintFor(problem.status)}`, EXIT.ERROR, code);
    this.name = 'ApiProblemError';
  }
}

function hintFor(status: number): string {
  if (status === 401) return ' — give --api-key, POLICYLEDGER_API_KEY or --as <party>';
  return '';
}

/** What an error is, for the one-line message and the `--json` error document. */
export function describeError(error: unknown): { exitCode: ExitCode; json: Record<string, unknown>; message: string } {
  if (error instanceof ApiProblemError) {
    return {
      exitCode: error.exitCode,
      message: error.message,
      json: { code: error.code, message: error.message, problem: error.problem },
    };
  }
  if (error instanceof CliError) {
    return { exitCode: error.exitCode, message: error.message, json: { code: error.code, message: error.message } };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { exitCode: EXIT.ERROR, message, json: { code: 'ERROR', message } };
}
