/**
 * The CLI's test bench: the whole API in-process over a test chain (`startMatrixStack`), the local stack's
 * development keys file written as `npm start` writes it (so that `--as insurer` works), a scratch working directory,
 * and `policyledger` itself run as a user runs it: `node bin/policyledger.mjs …` in a child process.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { startTestLedger, type TestLedger } from '../helpers/api-chain.js';
import { ADMIN, AUDITOR, CLIENT, INSURER, REINSURER, startMatrixStack, type MatrixStack } from '../api/matrix-stack.js';

const BIN = fileURLToPath(new URL('../../bin/policyledger.mjs', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliBench {
  ledger: TestLedger;
  stack: MatrixStack;
  /** The data directory the CLI is pointed at: the deployment record and `api/dev-keys.json`. */
  dataDir: string;
  /** The working directory the CLI runs in (documents are written here). */
  workDir: string;
  /**
   * Runs `policyledger <args>`; `env` adds to (or, with undefined, removes from) its environment; `onStdout` sees the
   * output as it comes.
   */
  cli(args: string[], env?: Record<string, string | undefined>, onStdout?: (text: string) => void): Promise<CliRun>;
  /** Writes a document with fresh content into the working directory; returns its file name. */
  document(name: string): string;
  close(): Promise<void>;
}

const NAMED: [string, number][] = [
  ['admin', ADMIN],
  ['insurer', INSURER],
  ['reinsurer', REINSURER],
  ['client', CLIENT],
  ['auditor', AUDITOR],
];

/** Starts the bench; `env` adds API settings (e.g. a small POLICYLEDGER_MAX_DOCUMENT_BYTES). */
export async function startCliBench(env: Record<string, string> = {}): Promise<CliBench> {
  const ledger = await startTestLedger();
  let stack: MatrixStack | undefined;
  const workDir = mkdtempSync(path.join(tmpdir(), 'policyledger-cli-'));
  try {
    stack = await startMatrixStack(ledger, env);
    const dataDir = ledger.dataDir;
    mkdirSync(path.join(dataDir, 'api'), { recursive: true });
    writeFileSync(
      path.join(dataDir, 'api', 'dev-keys.json'),
      JSON.stringify({
        warning: 'Local development keys: never use outside the local stack.',
        apiUrl: stack.url,
        parties: NAMED.map(([name, index]) => ({
          name,
          role: ledger.parties[index]!.role,
          address: stack!.address(index),
          apiKey: stack!.auth.get(index)!.replace(/^Bearer /, ''),
        })),
      }),
    );
    const running = stack;
    return {
      ledger,
      stack: running,
      dataDir,
      workDir,
      cli: (args, env = {}, onStdout) => runCli(args, workDir, { POLICYLEDGER_DATA_DIR: dataDir, ...env }, onStdout),
      document(name) {
        writeFileSync(path.join(workDir, name), `${name}: wording ${randomBytes(16).toString('hex')}\n`);
        return name;
      },
      async close() {
        await running.close();
        await ledger.stop();
        rmSync(workDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stack?.close();
    await ledger.stop();
    rmSync(workDir, { recursive: true, force: true });
    throw error;
  }
}

/** Runs the real bin with this Node, as `npx policyledger` would, without any POLICYLEDGER_* of the test's own. */
export function runCli(
  args: string[],
  cwd: string,
  env: Record<string, string | undefined> = {},
  onStdout?: (text: string) => void,
): Promise<CliRun> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('POLICYLEDGER_')));
  const merged: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...base, ...env })) if (value !== undefined) merged[name] = value;
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: merged, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    onStdout?.(stdout);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The `--json` document of a run (failing with the run's output when stdout is not one JSON document). */
export function jsonOf<T>(run: CliRun): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(`stdout is not one JSON document (exit ${run.code}):\n${run.stdout}\nstderr:\n${run.stderr}`);
  }
}
