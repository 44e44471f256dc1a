/**
 * The ledger's clock, which the oracle nodes and the replay server read ("now" is the latest block's timestamp), and
 * the demo's way of skipping hours: `evm_increaseTime` then `evm_mine` on the local development chain. Any chain but
 * the local one (chain id 31337) is refused before anything is sent, so that a mistyped URL never touches a real
 * network.
 */
import { JsonRpcProvider } from 'ethers';

/** The chain id of the embedded stack's local chain. */
export const LOCAL_CHAIN_ID = 31_337n;

/** A block mined by a clock move: the moment data depending on the ledger's time may become available. */
export interface ClockMove {
  blockNumber: number;
  blockHash: string;
  /** The block's timestamp (unix seconds). */
  blockTime: number;
  /** Seconds the clock was moved forward (0 when it had already passed the target). */
  movedSeconds: number;
  /** Wall-clock time (ms since the epoch) at which the block was mined. */
  minedAt: number;
}

/** Thrown when the chain is not the local development chain. */
export class NotLocalChainError extends Error {
  constructor(
    readonly rpcUrl: string,
    readonly chainId: bigint,
  ) {
    super(
      `${rpcUrl} serves chain ${chainId}: the demo moves the clock only on the local development chain ` +
        `(${LOCAL_CHAIN_ID}), never on another network`,
    );
    this.name = 'NotLocalChainError';
  }
}

export class LedgerClock {
  private constructor(readonly provider: JsonRpcProvider) {}

  /** Connects to `rpcUrl`, refusing any chain but the local one. */
  static async connect(rpcUrl: string): Promise<LedgerClock> {
    const provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true, pollingInterval: 250 });
    try {
      const chainId = BigInt((await provider.send('eth_chainId', [])) as string);
      if (chainId !== LOCAL_CHAIN_ID) throw new NotLocalChainError(rpcUrl, chainId);
    } catch (error) {
      provider.destroy();
      throw error;
    }
    return new LedgerClock(provider);
  }

  /** The latest block, asked of the node itself (ethers' `getBlock('latest')` may answer a block it saw earlier). */
  private async latest(): Promise<{ number: number; hash: string; timestamp: number }> {
    const block = (await this.provider.send('eth_getBlockByNumber', ['latest', false])) as {
      number: string;
      hash: string;
      timestamp: string;
    } | null;
    if (block === null) throw new Error('the chain has no latest block');
    return { number: Number(block.number), hash: block.hash, timestamp: Number(block.timestamp) };
  }

  /** The ledger's time: the latest block's timestamp (unix seconds). */
  async now(): Promise<number> {
    return (await this.latest()).timestamp;
  }

  /**
   * Moves the clock so that the next block is at least at `target` (unix seconds) and mines it. Moving to a time
   * already passed only mines a block: repeating a move after a crash is harmless.
   */
  async advanceTo(target: number): Promise<ClockMove> {
    const now = await this.now();
    const movedSeconds = Math.max(0, target - now);
    if (movedSeconds > 0) await this.provider.send('evm_increaseTime', [movedSeconds]);
    await this.provider.send('evm_mine', []);
    const minedAt = Date.now();
    const block = await this.latest();
    return { blockNumber: block.number, blockHash: block.hash, blockTime: block.timestamp, movedSeconds, minedAt };
  }

  /** True when transaction `hash` is in a block of the chain as it is now (a crash may have lost the last blocks). */
  async isMined(hash: string): Promise<boolean> {
    return (await this.provider.send('eth_getTransactionReceipt', [hash])) !== null;
  }

  close(): void {
    this.provider.destroy();
  }
}
