/**
 * A Besu QBFT genesis file for a free-gas consortium chain, following Besu's documentation:
 * - the QBFT page's genesis (block header validator selection): `config.qbft` with `blockperiodseconds`,
 *   `epochlength` and `requesttimeoutseconds`, `difficulty` 0x1, the Istanbul `mixHash`, `extraData` naming the
 *   validators (extra-data.ts);
 * - the free gas page: `zeroBaseFee: true` with London or later (every node then produces blocks with base fee 0),
 *   and the genesis block's own `baseFeePerGas` 0 (Besu's free-gas support for London, hyperledger/besu#4003);
 * - milestones from genesis up to Cancun (`berlinBlock`, `londonBlock`, then the time-based `shanghaiTime` and
 *   `cancunTime`): the contracts are compiled for the `cancun` EVM (MCOPY), and Besu recommends the latest milestone
 *   for private networks.
 * No account needs ether where gas is free, so nothing is allocated.
 */
import { toQuantity } from 'ethers';
import { encodeQbftExtraData } from './extra-data.js';

/** "Istanbul block identification", the value Besu's QBFT page requires. */
export const QBFT_MIX_HASH = '0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365';

export interface QbftNetworkSettings {
  chainId: number;
  /** Minimum time between blocks. */
  blockPeriodSeconds: number;
  /** Blocks after which pending validator votes are discarded. */
  epochLength: number;
  /** Timeout of a consensus round before a round change; Besu suggests twice the block period to start with. */
  requestTimeoutSeconds: number;
  /** Block gas limit. */
  gasLimit: bigint;
}

/**
 * The kit's defaults: Besu's QBFT tutorial's timing (2 s blocks, 4 s round timeout, epoch 30,000), and a block gas
 * limit of 100 million, 50 million gas per second, near what Besu's QBFT validators have been measured to execute
 * (750–1,200 simple transactions per second with four validators), and far above our largest transaction (about
 * 10.7 million gas, a settlement batch).
 */
export const DEFAULT_NETWORK_SETTINGS: QbftNetworkSettings = {
  chainId: 1337,
  blockPeriodSeconds: 2,
  epochLength: 30_000,
  requestTimeoutSeconds: 4,
  gasLimit: 100_000_000n,
};

export interface QbftGenesis {
  config: {
    chainId: number;
    berlinBlock: number;
    londonBlock: number;
    shanghaiTime: number;
    cancunTime: number;
    zeroBaseFee: boolean;
    qbft: { blockperiodseconds: number; epochlength: number; requesttimeoutseconds: number };
  };
  nonce: string;
  timestamp: string;
  gasLimit: string;
  difficulty: string;
  mixHash: string;
  coinbase: string;
  baseFeePerGas: string;
  alloc: Record<string, never>;
  extraData: string;
  number: string;
  gasUsed: string;
  parentHash: string;
}

/** Validator addresses in ascending order, as Besu's `toEncode.json` asks and its header validation compares them. */
export function sortValidators(addresses: readonly string[]): string[] {
  return [...addresses].sort((a, b) =>
    a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0,
  );
}

export function qbftGenesis(settings: QbftNetworkSettings, validators: readonly string[]): QbftGenesis {
  return {
    config: {
      chainId: settings.chainId,
      berlinBlock: 0,
      londonBlock: 0,
      shanghaiTime: 0,
      cancunTime: 0,
      zeroBaseFee: true,
      qbft: {
        blockperiodseconds: settings.blockPeriodSeconds,
        epochlength: settings.epochLength,
        requesttimeoutseconds: settings.requestTimeoutSeconds,
      },
    },
    nonce: '0x0',
    // Besu's genesis reference recommends 0x0: the genesis block must be older than the first block.
    timestamp: '0x0',
    gasLimit: toQuantity(settings.gasLimit),
    difficulty: '0x1',
    mixHash: QBFT_MIX_HASH,
    coinbase: `0x${'00'.repeat(20)}`,
    baseFeePerGas: '0x0',
    alloc: {},
    extraData: encodeQbftExtraData(sortValidators(validators)),
    number: '0x0',
    gasUsed: '0x0',
    parentHash: `0x${'00'.repeat(32)}`,
  };
}
