/**
 * `npm run backup -- <file>` and `npm run restore -- <file> [--force]` (see services/backup/cli.ts).
 */
import { runBackupCli } from '../services/backup/cli.js';

runBackupCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
