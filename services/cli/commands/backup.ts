/**
 * `policyledger backup <file>` and `policyledger restore <file> [--force]`: the data directory's backup (see
 * services/backup/), on the CLI's own `--data-dir`. The text output is `npm run backup`'s; `--json` gives the
 * archive's manifest. The backup modules load only when one of these commands runs: they open SQLite, which the other
 * commands never need (and whose experimental warning would land on their stderr).
 */
import path from 'node:path';
import { Command } from 'commander';
import { contextOf, type CliContext } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';

export function backupCommand(): Command {
  return new Command('backup')
    .summary('save what the chain cannot rebuild from the data directory into one archive')
    .description(
      'Saves everything under the data directory that cannot be rebuilt from the chain into <file> (a new file), ' +
        'consistently while the stack runs: keys and their password files, the API database (outbox, wrapped keys, ' +
        "API keys, webhooks), the documents' IPFS blocks, the oracle nodes' state, configuration, deployment " +
        "records and the local chain's state. The chain index is left out: the API rebuilds it.",
    )
    .argument('<file>', 'the archive to write (refused if it exists)')
    .addHelpText('after', '\nExamples:\n  $ policyledger backup ../policyledger-2026-11-30.plbackup')
    .action(async (file: string, _options: object, command: Command) => {
      process.exitCode = await runArchive(contextOf(command), 'backup', file, false);
    });
}

export function restoreCommand(): Command {
  return new Command('restore')
    .summary('bring a backup archive back into the data directory')
    .description(
      "Checks every file of <file> against the archive's manifest, then puts it in place of the data directory. " +
        'Refused while the stack runs on the data directory, and over one that holds files unless --force, which ' +
        'moves the old one aside to <dir>.before-restore-<time> (nothing is deleted).',
    )
    .argument('<file>', 'the archive to restore')
    .option('--force', 'move a data directory that holds files aside instead of refusing')
    .addHelpText('after', '\nExamples:\n  $ policyledger restore ../policyledger-2026-11-30.plbackup --data-dir ./data')
    .action(async (file: string, options: { force?: boolean }, command: Command) => {
      process.exitCode = await runArchive(contextOf(command), 'restore', file, options.force === true);
    });
}

async function runArchive(
  ctx: CliContext,
  command: 'backup' | 'restore',
  file: string,
  force: boolean,
): Promise<ExitCode> {
  const dataDir = path.resolve(ctx.dataDir);
  const { runBackupCli } = await import('../../backup/cli.js');
  const { backupDataDir, isBackupError, restoreDataDir } = await import('../../backup/index.js');
  if (!ctx.out.json) {
    const args = [command, file, '--data-dir', dataDir, ...(force ? ['--force'] : [])];
    const io = {
      stdout: (text: string) => ctx.out.stdout.write(text),
      stderr: (text: string) => ctx.out.note(text.trimEnd()),
    };
    const code = await runBackupCli(args, io);
    return code === 0 ? EXIT.OK : code === 2 ? EXIT.USAGE : EXIT.ERROR;
  }
  try {
    const result =
      command === 'backup' ? await backupDataDir({ dataDir, file }) : await restoreDataDir({ dataDir, file, force });
    ctx.out.document({ [command]: result });
    return EXIT.OK;
  } catch (error) {
    if (!isBackupError(error)) throw error;
    ctx.out.document({ error: { code: error.code, message: error.message } });
    return EXIT.ERROR;
  }
}
