import type { ContractTransactionReceipt, ContractTransactionResponse } from 'ethers';

/** The systems compared. */
export type BenchSystem = 'policyledger' | 'eas';

/** One measured operation, as written to the JSON report. */
export interface GasRow {
  system: BenchSystem;
  operation: string;
  /** Gas used, summed over the operation's transactions (each including the 21,000 base cost and calldata). */
  gas: number;
  /** Documents the operation records. */
  documents: number;
}

/** One measured operation with the gas of each of its transactions. */
export interface Measurement {
  system: BenchSystem;
  operation: string;
  documents: number;
  transactionGas: readonly bigint[];
}

/** Seconds between consecutive blocks on the benchmark's timeline, as on Ethereum mainnet. */
const BLOCK_SECONDS = 12;

/** The network helper that fixes the time of the next block. */
export interface BlockTimeSetter {
  setNextBlockTimestamp(timestamp: number): Promise<void>;
}

/**
 * Mines each transaction in its own block at a fixed time. Block times reach the calldata (co-signature deadlines,
 * EAS UIDs derived from the attestation time), and calldata gas depends on how many bytes are zero, so pinning them
 * makes every run report the same figures.
 */
export class Timeline {
  readonly #time: BlockTimeSetter;
  #nextTimestamp: number;

  constructor(time: BlockTimeSetter, startTimestamp: number) {
    this.#time = time;
    this.#nextTimestamp = startTimestamp;
  }

  /** The block time the next transaction will get. */
  get nextTimestamp(): number {
    return this.#nextTimestamp;
  }

  /** Sends a transaction in the next block and waits for it; fails loudly if it reverted. */
  async send(transaction: () => Promise<ContractTransactionResponse>): Promise<ContractTransactionReceipt> {
    await this.#time.setNextBlockTimestamp(this.#nextTimestamp);
    this.#nextTimestamp += BLOCK_SECONDS;
    const receipt = await (await transaction()).wait();
    if (receipt?.status !== 1) throw new Error(`transaction ${receipt?.hash ?? '(not mined)'} failed`);
    return receipt;
  }

  /** Sends a transaction in the next block and returns the gas it used. */
  async gasOf(transaction: () => Promise<ContractTransactionResponse>): Promise<bigint> {
    return (await this.send(transaction)).gasUsed;
  }
}

/** Total gas of a measured operation. */
export function totalGas(measurement: Measurement): bigint {
  return measurement.transactionGas.reduce((total, gas) => total + gas, 0n);
}

/** The JSON row of a measurement; gas figures of single operations fit a JavaScript number with room to spare. */
export function toGasRow(measurement: Measurement): GasRow {
  const { system, operation, documents } = measurement;
  return { system, operation, gas: Number(totalGas(measurement)), documents };
}
