import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { JsonRpcProvider } from 'ethers';

const require = createRequire(import.meta.url);

/** The local chain's settings: where it listens and where it keeps its state. */
export interface LocalChainOptions {
  /** Folder for the chain's state file (created if missing). */
  stateDir: string;
  host: string;
  port: number;
  /** Chain id of the local network (anvil's default, 31337). */
  chainId: number;
  /** Further anvil options, e.g. `['--gas-price', '0', '--base-fee', '0']` to mimic a free-gas network. */
  extraArgs?: string[];
}

export interface LocalChain {
  rpcUrl: string;
  /** The anvil process, or undefined when a node was already answering at `rpcUrl`. */
  process: ChildProcess | undefined;
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

/**
 * Starts anvil with its state persisted to `<stateDir>/anvil-state.json`, written every second, so a stopped or
 * killed chain comes back with every block and deployment. Reuses a node already answering on the port.
 */
export async function startLocalChain(options: LocalChainOptions): Promise<LocalChain> {
  const rpcUrl = `http://${options.host}:${options.port}`;
  const runningChainId = await probeChainId(rpcUrl);
  if (runningChainId !== undefined) {
    if (runningChainId !== BigInt(options.chainId)) {
      throw new Error(
        `a node with chain id ${runningChainId} already listens at ${rpcUrl}; expected ${options.chainId}`,
      );
    }
    return { rpcUrl, process: undefined, stop: () => Promise.resolve() };
  }

  mkdirSync(options.stateDir, { recursive: true });
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
      '--silent',
      ...(options.extraArgs ?? []),
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  await waitForRpc(rpcUrl, child, 30_000);

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // SIGINT lets anvil write its state one last time.
    child.kill('SIGINT');
    await exited;
  };
  return { rpcUrl, process: child, stop };
}
