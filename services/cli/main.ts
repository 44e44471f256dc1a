/**
 * The `policyledger` command's entry point (`bin/policyledger.mjs`, `npm run policyledger --`): parses the command
 * line, runs the command, and ends with its exit code. Every failure ends as one line on stderr naming the problem,
 * and with `--json` also as one JSON document on stdout (`{"error": {code, message, problem?}}`).
 */
import { pathToFileURL } from 'node:url';
import { CommanderError } from 'commander';
import { describeError } from './errors.js';
import { EXIT } from './exit-codes.js';
import { buildProgram } from './program.js';

/** Commander's codes for help and version output: asked for, so not a usage error. */
const ASKED = new Set(['commander.helpDisplayed', 'commander.version']);

function writeJsonError(error: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ error }, null, 2)}\n`);
}

/** Runs the command line `argv` (as `process.argv`: node, script, arguments); resolves with the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  process.exitCode = EXIT.OK;
  try {
    await buildProgram().parseAsync(argv);
    return Number(process.exitCode);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed the message (or the help).
      if (ASKED.has(error.code)) return EXIT.OK;
      if (json) writeJsonError({ code: 'USAGE', message: error.message.replace(/^error: /, '') });
      return EXIT.USAGE;
    }
    const described = describeError(error);
    process.stderr.write(`policyledger: ${described.message}\n`);
    if (json) writeJsonError(described.json);
    return described.exitCode;
  }
}

/** Runs the CLI on this process's arguments and exits with its code once the output is written. */
export async function main(): Promise<void> {
  const code = await runCli(process.argv);
  // Open sockets or providers must not keep a finished command alive; stdout is flushed first.
  process.stdout.write('', () => process.exit(code));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main();
}
