/**
 * The API as its own process (`services/api/main.ts`, as `npm run api` starts it) over a test ledger's chain and data
 * directory, for the crash test and the API benchmark.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestLedger } from './api-chain.js';

const API_MAIN = fileURLToPath(new URL('../../services/api/main.ts', import.meta.url));

export interface ApiProcess {
  url: string;
  child: ChildProcess;
  exited: Promise<void>;
}

/** Starts the API as its own process over `ledger`'s chain and data directory; resolves once it listens. */
export async function startApiProcess(
  ledger: Pick<TestLedger, 'dataDir' | 'rpcUrl'>,
  env: Record<string, string> = {},
): Promise<ApiProcess> {
  // Node itself with tsx's loader, not the tsx command (which runs the API in a grandchild that a kill would miss).
  const child = spawn(process.execPath, ['--import', 'tsx', API_MAIN], {
    env: {
      ...process.env,
      POLICYLEDGER_DATA_DIR: ledger.dataDir,
      POLICYLEDGER_RPC_URL: ledger.rpcUrl,
      POLICYLEDGER_EMBEDDED: 'true',
      POLICYLEDGER_API_PORT: '0',
      POLICYLEDGER_API_LOG_LEVEL: 'warn',
      POLICYLEDGER_API_RATE_LIMIT_PER_IP: '0',
      POLICYLEDGER_API_RATE_LIMIT_PER_API_KEY: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the API did not start within 60 s:\n${output}`)), 60_000);
    const look = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /PolicyLedger API on (http:\/\/[^\s]+)/.exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the API exited (${code}) before listening:\n${output}`));
    });
  });
  return { url, child, exited };
}
