/**
 * The `policyledger` command line: global options (where the API is, who acts, where the local stack's data lives,
 * `--json`), one subcommand per module in `commands/`, and help text a user can learn from. Parsing errors end in
 * exit code 2 rather than commander's process.exit, so that `main.ts` decides how the process ends.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { anchorCommand } from './commands/anchor.js';
import { backupCommand, restoreCommand } from './commands/backup.js';
import { certificateCommand } from './commands/certificate.js';
import { policiesCommand } from './commands/policies.js';
import { statusCommand } from './commands/status.js';
import { timelineCommand } from './commands/timeline.js';
import { verifyCertificateCommand } from './commands/verify-certificate.js';
import { verifyCommand } from './commands/verify.js';
import { DEFAULT_API_URL } from './context.js';
import { EXIT_CODES_HELP } from './exit-codes.js';

function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

const GUIDE = `
Getting started (with the local stack running: npm start):
  $ policyledger status                                   is the API ready?
  $ policyledger anchor --as insurer -r HM-2026-0042 -e 2027-12-31 policy.pdf
  $ policyledger verify policy.pdf                        exit code 0: anchored and current
  $ policyledger certificate policy.pdf -o policy.certificate.json
  $ policyledger verify-certificate policy.certificate.json --rpc http://127.0.0.1:8545
  $ policyledger policies --as client
  $ policyledger timeline flight-1 --as client --follow

Who you act as: --as <party> takes the local stack's development key of admin, insurer, reinsurer, client or
auditor from <data-dir>/api/dev-keys.json; elsewhere give an API key (--api-key or POLICYLEDGER_API_KEY) created
after signing in with your wallet. verify, certificate and verify-certificate need no key.

${EXIT_CODES_HELP}

Run policyledger <command> --help for a command's options and examples.`;

/** The program, configured so that a parse error or `--help` throws a CommanderError instead of exiting. */
export function buildProgram(): Command {
  const program = new Command('policyledger')
    .description(
      'Anchor, verify and certify insurance documents on the PolicyLedger chain, and follow parametric policies, ' +
        'through the party API (or, for verify and verify-certificate, a chain node directly).',
    )
    .version(packageVersion(), '-V, --version')
    .addOption(
      new Option(
        '--api <url>',
        `the party API (default: the local stack's, from <data-dir>/api/dev-keys.json, else ${DEFAULT_API_URL})`,
      ).env('POLICYLEDGER_API_URL'),
    )
    .addOption(new Option('--api-key <key>', 'your API key (pl_…)').env('POLICYLEDGER_API_KEY'))
    .option('--as <party>', 'act as a local stack party: its development key from <data-dir>/api/dev-keys.json')
    .addOption(
      new Option('--data-dir <dir>', "the local stack's data directory").env('POLICYLEDGER_DATA_DIR').default('./data'),
    )
    .option('--json', 'machine-readable output: one JSON document on stdout (errors too)')
    .exitOverride()
    .showHelpAfterError('(add --help for usage and examples)')
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .addHelpText('after', GUIDE);

  for (const command of [
    anchorCommand(),
    verifyCommand(),
    certificateCommand(),
    verifyCertificateCommand(),
    policiesCommand(),
    timelineCommand(),
    statusCommand(),
    backupCommand(),
    restoreCommand(),
  ]) {
    program.addCommand(command.copyInheritedSettings(program));
  }
  return program;
}
