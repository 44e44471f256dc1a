/**
 * `npm run backup -- <file>` and `npm run restore -- <file> [--force]`: save the data directory (POLICYLEDGER_DATA_DIR,
 * default ./data) into one archive, and bring it back (see services/backup/).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { backupDataDir, isBackupError, restoreDataDir, type BackupManifest } from './index.js';
import { SIDE_FILE_REASON } from './data-dir.js';
import { keptOutsideTheBackup } from './outside.js';

const USAGE = `Usage: npm run backup -- <file> [--data-dir <dir>]
       npm run restore -- <file> [--data-dir <dir>] [--force]

backup   saves everything under the data directory that cannot be rebuilt from the chain into <file> (a new file),
         consistently while the stack runs: keys and their password files, the API's database (outbox, wrapped keys,
         API keys, sessions, webhooks, idempotency), the IPFS blocks of documents, the oracle nodes' state,
         configuration, deployment records and the local chain's state. The chain index is left out (rebuilt).
restore  brings <file> back into the data directory, after checking every file against the archive's manifest.
         Refuses while the stack runs on it, and refuses a data directory that holds files unless --force, which
         moves it aside to <dir>.before-restore-<time> (nothing is deleted).

The data directory is --data-dir, else POLICYLEDGER_DATA_DIR, else ./data.
Exit codes: 0 done; 1 refused or failed (the message says why); 2 bad arguments.`;

interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

class UsageError extends Error {}

/** Runs `backup <file>` or `restore <file>` and returns the exit code. */
export async function runBackupCli(
  args: readonly string[],
  io: Io,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  try {
    const { command, file, dataDir, force } = parse(args, env);
    if (command === 'backup') {
      if (force) throw new UsageError('--force is for restore only: a backup never overwrites a file');
      const started = Date.now();
      const result = await backupDataDir({ dataDir, file });
      const { manifest } = result;
      io.stdout(
        `Backed up ${dataDir} into ${result.file}: ${manifest.files.length} files, ${megabytes(totalBytes(manifest))} ` +
          `(archive ${megabytes(result.archiveBytes)}, SHA-256 ${result.archiveSha256}) in ` +
          `${((Date.now() - started) / 1000).toFixed(1)} s.\n`,
      );
      io.stdout(describeManifest(manifest));
      for (const note of result.notes) io.stdout(`  note: ${note}\n`);
      const outside = keptOutsideTheBackup(env, dataDir);
      if (outside.length > 0) {
        io.stdout(`Not in this backup (keep them yourself):\n${outside.map((line) => `  - ${line}\n`).join('')}`);
      }
      io.stdout('The archive holds keys and their password files: keep it where only you can read it.\n');
      return 0;
    }
    const result = await restoreDataDir({ dataDir, file, force });
    io.stdout(`Restored ${result.manifest.files.length} files into ${result.dataDir}.\n`);
    io.stdout(describeManifest(result.manifest));
    if (result.movedAside !== null) {
      io.stdout(`  its previous content is in ${result.movedAside} (nothing was deleted)\n`);
    }
    io.stdout('The chain index is not in a backup: the API rebuilds it from the chain when it starts (npm start).\n');
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (isBackupError(error)) {
      io.stderr(`${error.code}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

function parse(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): { command: 'backup' | 'restore'; file: string; dataDir: string; force: boolean } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: { 'data-dir': { type: 'string' }, force: { type: 'boolean', default: false } },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const [command, file, ...extra] = parsed.positionals;
  if (command !== 'backup' && command !== 'restore') throw new UsageError(`unknown command ${String(command)}`);
  if (file === undefined) throw new UsageError(`${command} needs the archive's file name`);
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  const dataDir = path.resolve(parsed.values['data-dir'] ?? (env.POLICYLEDGER_DATA_DIR || 'data'));
  return { command, file: path.resolve(file), dataDir, force: parsed.values.force };
}

function totalBytes(manifest: BackupManifest): number {
  return manifest.files.reduce((sum, file) => sum + file.size, 0);
}

function megabytes(bytes: number): string {
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/** When, which chain, what ran, and what was left out (counted by reason). */
function describeManifest(manifest: BackupManifest): string {
  const lines = [
    `  taken ${manifest.createdAt}${manifest.chainIds.length > 0 ? `, deployments on chain ${manifest.chainIds.join(', ')}` : ''}`,
  ];
  if (manifest.running.length > 0) lines.push(`  taken while running: ${manifest.running.join('; ')}`);
  const reasons = new Map<string, string[]>();
  // A database's -wal and -shm files are in its snapshot: not worth a line.
  for (const { path: leftOut, reason } of manifest.leftOut.filter((entry) => entry.reason !== SIDE_FILE_REASON))
    reasons.set(reason, [...(reasons.get(reason) ?? []), leftOut]);
  for (const [reason, paths] of reasons) {
    const shown = paths.length <= 3 ? paths.join(', ') : `${paths.slice(0, 3).join(', ')} and ${paths.length - 3} more`;
    lines.push(`  left out: ${shown} (${reason})`);
  }
  return `${lines.join('\n')}\n`;
}
