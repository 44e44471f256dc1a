/**
 * `npm start` run as a user runs it: a child process in its own process group (as a terminal's foreground job), with
 * its own data folder and free ports, watched until it prints "PolicyLedger is ready". Stopping it sends the signal
 * to the whole group (Ctrl-C sends SIGINT to every process of the job; `kill -9` of the job is SIGKILL to each), and
 * waits until no process of the group is left.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { freePort } from './ports.js';

const REPOSITORY = path.resolve(import.meta.dirname, '..', '..');
const READY_LINE = 'PolicyLedger is ready';

/** The ports one stack listens on, all free when chosen. */
export interface StackPorts {
  chain: number;
  api: number;
  /** The first of four consecutive oracle health ports. */
  oracleBase: number;
  replay: number;
}

async function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Free ports for a stack: three single ones and a run of four for the oracle nodes. */
export async function freeStackPorts(): Promise<StackPorts> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const base = 20_000 + Math.floor(Math.random() * 40_000);
    const run = [base, base + 1, base + 2, base + 3];
    if ((await Promise.all(run.map(isFree))).every(Boolean)) {
      // Each free port is free when asked, not reserved: the system may hand the same one out twice in a row.
      const taken = new Set(run);
      const distinct = async () => {
        for (;;) {
          const port = await freePort();
          if (!taken.has(port)) {
            taken.add(port);
            return port;
          }
        }
      };
      return { chain: await distinct(), api: await distinct(), oracleBase: base, replay: await distinct() };
    }
  }
  throw new Error('no four consecutive free ports found for the oracle nodes');
}

/** The environment `npm start` runs with: the data folder and ports moved, everything else inherited. */
export function stackEnv(dataDir: string, ports: StackPorts, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    POLICYLEDGER_DATA_DIR: dataDir,
    POLICYLEDGER_CHAIN_PORT: String(ports.chain),
    POLICYLEDGER_API_PORT: String(ports.api),
    POLICYLEDGER_ORACLE_BASE_PORT: String(ports.oracleBase),
    POLICYLEDGER_REPLAY_PORT: String(ports.replay),
    ...extra,
  };
}

export interface StackProcess {
  child: ChildProcess;
  /** The process group: the child's pid, as it leads its own group. */
  pgid: number;
  /** Everything the stack printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the exit code (or signal) of `npm start` itself. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** True while any process of group `pgid` is alive. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Waits until no process of group `pgid` is left, or throws after `timeoutMs`. */
export async function groupGone(pgid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (groupAlive(pgid)) {
    if (Date.now() > deadline) throw new Error(`processes of group ${pgid} still run after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Runs `command args` in the repository like a user's terminal would, in its own process group. */
export function spawnInRepository(command: string, args: string[], env: NodeJS.ProcessEnv): StackProcess {
  const child = spawn(command, args, { cwd: REPOSITORY, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, pgid: child.pid!, output: () => output, exited };
}

/**
 * Starts `npm start` in the repository with `env` and waits for its ready line; answers the process and the seconds
 * from spawn to ready. A stack that exits or does not get ready within `timeoutMs` is killed, with its output in the
 * error.
 */
export async function startStack(
  env: NodeJS.ProcessEnv,
  timeoutMs = 180_000,
): Promise<{ stack: StackProcess; readySeconds: number }> {
  const started = performance.now();
  const stack = spawnInRepository('npm', ['start'], env);
  let timer: NodeJS.Timeout | undefined;
  const ready = await Promise.race([
    new Promise<boolean>((resolve) => {
      const check = () => {
        if (!stack.output().includes(READY_LINE)) return;
        stack.child.stdout!.off('data', check);
        resolve(true);
      };
      stack.child.stdout!.on('data', check);
      check();
    }),
    stack.exited.then(() => false),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
  ]);
  clearTimeout(timer);
  if (!ready) {
    await killStack(stack);
    throw new Error(`npm start did not print "${READY_LINE}":\n${stack.output().slice(-4_000)}`);
  }
  return { stack, readySeconds: (performance.now() - started) / 1_000 };
}

/** Ctrl-C: SIGINT to the whole group; answers `npm start`'s exit once every process of the group is gone. */
export async function interruptStack(
  stack: StackProcess,
  timeoutMs = 60_000,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (groupAlive(stack.pgid)) process.kill(-stack.pgid, 'SIGINT');
  const exit = await stack.exited;
  await groupGone(stack.pgid, timeoutMs);
  return exit;
}

/** `kill -9` of the whole job: SIGKILL to every process of the group, chain included; waits until all are gone. */
export async function killStack(stack: StackProcess, timeoutMs = 10_000): Promise<void> {
  if (groupAlive(stack.pgid)) process.kill(-stack.pgid, 'SIGKILL');
  await groupGone(stack.pgid, timeoutMs);
}
