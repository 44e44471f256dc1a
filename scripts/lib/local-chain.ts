import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { JsonRpcProvider } from 'ethers';
import { isProcessAlive } from '../../services/shared/processes.js';

const require = createRequire(import.meta.url);

/** The local chain's settings: where it listens and where it keeps its state. */
export interface LocalChainOptions {
  /** Folder for the chain's state file (created if missing). */
  stateDir: string;
  host: string;
  /** TCP port; 0 lets the system pick a free one (`rpcUrl` then says which). */
  port: number;
  /** Chain id of the local network (anvil's default, 31337). */
  chainId: number;
  /** Further anvil options, e.g. `['--gas-price', '0', '--base-fee', '0']` to mimic a free-gas network. */
  extraArgs?: string[];
}

export interface LocalChain {
  rpcUrl: string;
  /** The anvil process, or undefined when the chain started earlier for the same state folder was reused. */
  process: ChildProcess | undefined;
  /**
   * The chain's last run ended without stopping it (its process was killed): anvil writes its state once a second, so
   * the blocks of that last second may be lost, and whatever recorded them (the chain index) may be ahead of it.
   */
  uncleanStop: boolean;
  stop(): Promise<void>;
}

/** Asks `rpcUrl` for its chain id; undefined when nothing answers there. */
export async function probeChainId(rpcUrl: string): Promise<bigint | undefined> {
  const provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true });
  try {
    const hex = (await provider.send('eth_chainId', [])) as string;
    return BigInt(hex);
  } catch {
    return undefined;
  } finally {
    provider.destroy();
  }
}

/**
 * The anvil binary shipped in the platform package of `@foundry-rs/anvil`. Spawned directly rather than through the
 * package's Node launcher, so that stopping or killing the child stops the chain itself.
 */
export function anvilBinary(): string {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const executable = process.platform === 'win32' ? 'anvil.exe' : 'anvil';
  return require.resolve(`@foundry-rs/anvil-${process.platform}-${arch}/bin/${executable}`);
}

async function waitForRpc(rpcUrl: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`anvil exited with code ${child.exitCode} before answering`);
    if ((await probeChainId(rpcUrl)) !== undefined) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`anvil did not answer at ${rpcUrl} within ${timeoutMs} ms`);
}

/** Where a chain started for a state folder notes its process and address while it runs. */
function runningRecordFile(stateDir: string): string {
  return path.join(stateDir, 'anvil-running.json');
}

interface RunningRecord {
  pid: number;
  rpcUrl: string;
  chainId: number;
}

/** True when the node at `rpcUrl` is the chain an earlier call started for `stateDir` and it still runs. */
function startedFor(stateDir: string, rpcUrl: string, chainId: number): boolean {
  const file = runningRecordFile(stateDir);
  if (!existsSync(file)) return false;
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as RunningRecord;
    return record.rpcUrl === rpcUrl && record.chainId === chainId && isProcessAlive(record.pid);
  } catch {
    return false;
  }
}

/** Reads the address anvil prints once it listens (`Listening on 127.0.0.1:40663`), then drains its output. */
function listeningAddress(child: ChildProcess, timeoutMs: number): Promise<string> {
  const stdout = child.stdout;
  if (stdout === null) return Promise.reject(new Error('anvil was started without a readable output'));
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => fail(new Error(`anvil did not listen within ${timeoutMs} ms`)), timeoutMs);
    const onExit = (code: number | null) => fail(new Error(`anvil exited with code ${code} before listening`));
    const onData = (chunk: Buffer) => {
      seen = (seen + chunk.toString()).slice(-4096);
      const match = /Listening on (\S+:\d+)/.exec(seen);
      if (match?.[1] === undefined) return;
      cleanUp();
      // Keep reading, so that anvil never blocks on a full pipe.
      stdout.resume();
      resolve(match[1]);
    };
    const cleanUp = () => {
      clearTimeout(timer);
      stdout.off('data', onData);
      child.off('exit', onExit);
    };
    const fail = (error: Error) => {
      cleanUp();
      reject(error);
    };
    stdout.on('data', onData);
    child.once('exit', onExit);
  });
}

/**
 * anvil persists blocks but not the offset that `evm_increaseTime` added to its clock, so a restarted chain would mine
 * blocks dated before its last one: the oracle nodes, the replay server and the API, which all read "now" from the
 * latest block, would see time go back. Moving the clock to just after the last block's time keeps it monotonic.
 */
async function keepClockAhead(rpcUrl: string): Promise<void> {
  const provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true });
  try {
    const latest = (await provider.send('eth_getBlockByNumber', ['latest', false])) as { timestamp: string };
    const ahead = Number(latest.timestamp) - Math.floor(Date.now() / 1000);
    if (ahead > 0) await provider.send('evm_increaseTime', [ahead + 1]);
  } finally {
    provider.destroy();
  }
}

/**
 * Starts anvil with its state persisted to `<stateDir>/anvil-state.json`, written every second, so a stopped or
 * killed chain comes back with every block and deployment.
 *
 * Port 0 asks the system for a free port (what tests do: no two runs ever share a chain). On a fixed port a node
 * already listening is used only when it is the chain an earlier call started for the same `stateDir` and still runs
 * (e.g. `npm run deploy:local` in one terminal, `npm start` in another); any other node there is refused, so that a
 * deployment never lands on a chain nobody here started.
 */
export async function startLocalChain(options: LocalChainOptions): Promise<LocalChain> {
  if (options.port !== 0) {
    const rpcUrl = `http://${options.host}:${options.port}`;
    const runningChainId = await probeChainId(rpcUrl);
    if (runningChainId !== undefined) {
      if (runningChainId === BigInt(options.chainId) && startedFor(options.stateDir, rpcUrl, options.chainId)) {
        return { rpcUrl, process: undefined, uncleanStop: false, stop: () => Promise.resolve() };
      }
      throw new LocalChainPortTakenError(rpcUrl, runningChainId, options.stateDir);
    }
  }

  mkdirSync(options.stateDir, { recursive: true });
  // A running record left behind names a chain that was killed, not stopped (a stopped one removes its record).
  const uncleanStop = existsSync(runningRecordFile(options.stateDir));
  const stateFile = path.join(options.stateDir, 'anvil-state.json');
  const child = spawn(
    anvilBinary(),
    [
      '--host',
      options.host,
      '--port',
      String(options.port),
      '--chain-id',
      String(options.chainId),
      '--state',
      stateFile,
      '--state-interval',
      '1',
      // Automine plus a block every second: a client waiting for "the next block" never waits on an idle chain.
      '--block-time',
      '1',
      '--mixed-mining',
      ...(options.extraArgs ?? []),
    ],
    // anvil's log goes nowhere; its first lines say where it listens.
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let rpcUrl: string;
  try {
    rpcUrl = `http://${await listeningAddress(child, 30_000)}`;
    await waitForRpc(rpcUrl, child, 30_000);
    await keepClockAhead(rpcUrl);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const recordFile = runningRecordFile(options.stateDir);
  const record: RunningRecord = { pid: child.pid ?? -1, rpcUrl, chainId: options.chainId };
  writeFileSync(recordFile, `${JSON.stringify(record)}\n`);
  child.once('exit', () => rmSync(recordFile, { force: true }));

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // SIGINT lets anvil write its state one last time.
    child.kill('SIGINT');
    await exited;
  };
  return { rpcUrl, process: child, uncleanStop, stop };
}

/** Thrown when a node this state folder did not start already listens on the local chain's port. */
export class LocalChainPortTakenError extends Error {
  constructor(
    readonly rpcUrl: string,
    readonly runningChainId: bigint,
    readonly stateDir: string,
  ) {
    super(
      `a node (chain id ${runningChainId}) already listens at ${rpcUrl}, and it is not the local chain of ` +
        `${stateDir}: refusing to use a chain this project did not start. Stop that node, or choose another port ` +
        `(POLICYLEDGER_CHAIN_PORT).`,
    );
    this.name = 'LocalChainPortTakenError';
  }
}
