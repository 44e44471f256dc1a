import type { HardhatEthersSigner } from '@nomicfoundation/hardhat-ethers/types';
import type { ContractTransactionReceipt } from 'ethers';
import {
  domainOf,
  OBSERVATION_TYPES,
  ObservationStatus,
  ORACLE_HUB_DOMAIN_NAME,
} from '../../../services/shared/eip712.js';
import type { IOracleHub } from '../../../types/ethers-contracts/index.js';
import type { Timeline } from '../measure.js';
import type { ParametricLedger } from './deploy.js';
import type { FlightBook } from './issuance.js';
import {
  MAX_SETTLEMENT_TRANSACTIONS,
  OBSERVATION_LEAD_SECONDS,
  SETTLEMENT_BATCH_SIZE,
  TRANSACTION_GAS_CAP,
} from './scenario.js';

/** `IParametricProduct.PolicyStatus` values a settlement ends in. */
const POLICY_STATUS = { Paid: 2n, Expired: 3n, Refunded: 5n } as const;

/** What one settlement transaction did, read from its receipt's events. */
export interface SettlementTransaction {
  /** `report` for the quorum-completing oracle report, `settle` for a settlement pushed afterwards. */
  kind: 'report' | 'settle';
  gas: bigint;
  paid: number;
  expired: number;
  refunded: number;
  /** Cession records (`LossCeded`) the treaty wrote. */
  cessions: number;
}

/** A flight's settlement: the first oracle report, then every transaction that settled its policies. */
export interface FlightSettlement {
  book: FlightBook;
  firstReportGas: bigint;
  transactions: SettlementTransaction[];
}

export function settledBy(transaction: SettlementTransaction): number {
  return transaction.paid + transaction.expired + transaction.refunded;
}

/** Reads a settlement transaction's events; fails if the hub could not notify the product. */
function summarise(ledger: ParametricLedger, kind: SettlementTransaction['kind'], receipt: ContractTransactionReceipt) {
  const { hub, flight, treaty } = ledger;
  const summary: SettlementTransaction = { kind, gas: receipt.gasUsed, paid: 0, expired: 0, refunded: 0, cessions: 0 };
  for (const log of receipt.logs) {
    const failure = log.address === hub.target ? hub.interface.parseLog(log) : null;
    if (failure?.name === 'ConsumerNotificationFailed') {
      throw new Error(`the hub could not notify the product: ${String(failure.args.getValue('reason'))}`);
    }
    const settled = log.address === flight.target ? flight.interface.parseLog(log) : null;
    if (settled?.name === 'PolicySettled') {
      const status = settled.args.getValue('status') as bigint;
      if (status === POLICY_STATUS.Paid) summary.paid++;
      else if (status === POLICY_STATUS.Expired) summary.expired++;
      else if (status === POLICY_STATUS.Refunded) summary.refunded++;
    }
    const ceded = log.address === treaty.target ? treaty.interface.parseLog(log) : null;
    if (ceded?.name === 'LossCeded') summary.cessions++;
  }
  return summary;
}

/**
 * Three of the four oracles report the flight's arrival: two reports, then the quorum-completing one, which finalises
 * the feed and settles the first batch. Then anyone (the keeper) pushes `settle` until every policy is settled. Every
 * transaction is mined in its own block on the fixed timeline with EIP-7825's whole per-transaction cap as its
 * limit; the product's settlement gas budget sizes each batch.
 */
export async function settleFlight(
  timeline: Timeline,
  ledger: ParametricLedger,
  book: FlightBook,
): Promise<FlightSettlement> {
  const { ethers, hub, flight, oracles, keeper } = ledger;
  const options = { gasLimit: TRANSACTION_GAS_CAP };
  const domain = domainOf(ORACLE_HUB_DOMAIN_NAME, (await ethers.provider.getNetwork()).chainId, await hub.getAddress());

  const observe = async (oracle: HardhatEthersSigner, delayMinutes: number) => {
    const observation: IOracleHub.ObservationStruct = {
      feedId: book.feedId,
      oracle: oracle.address,
      status: ObservationStatus.Landed,
      value: delayMinutes,
      observedAt: timeline.nextTimestamp - OBSERVATION_LEAD_SECONDS,
      payloadHash: ethers.sha256(ethers.toUtf8Bytes(`provider responses seen by ${oracle.address} for ${book.feedId}`)),
    };
    const signature = await oracle.signTypedData(domain, OBSERVATION_TYPES, observation);
    return () => hub.connect(oracle).submitReport(observation, signature, options);
  };

  const [firstDelay, secondDelay, quorumDelay] = book.flight.reportedDelays;
  const firstReport = await timeline.send(await observe(oracles[0], firstDelay));
  await timeline.send(await observe(oracles[1], secondDelay));
  const quorumReport = await timeline.send(await observe(oracles[2], quorumDelay));
  const firstBatch = summarise(ledger, 'report', quorumReport);
  const transactions = [firstBatch];

  const total = book.issuance.length;
  let settled = settledBy(firstBatch);
  while (settled < total) {
    if (transactions.length >= MAX_SETTLEMENT_TRANSACTIONS) {
      throw new Error(`${book.flight.name}: ${settled} of ${total} policies settled after ${transactions.length} txs`);
    }
    const receipt = await timeline.send(() =>
      flight.connect(keeper).settle(book.feedId, SETTLEMENT_BATCH_SIZE, options),
    );
    const transaction = summarise(ledger, 'settle', receipt);
    transactions.push(transaction);
    settled += settledBy(transaction);
  }

  const [policies, done] = await flight.feedProgress(book.feedId);
  if (policies !== BigInt(total) || done !== BigInt(total)) {
    throw new Error(`${book.flight.name}: the product reports ${done} of ${policies} policies settled`);
  }
  return { book, firstReportGas: firstReport.gasUsed, transactions };
}
