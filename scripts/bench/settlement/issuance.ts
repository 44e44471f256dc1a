import { TypedDataEncoder, type ContractTransactionResponse, type Wallet } from 'ethers';
import { FLIGHT_DELAY_TERMS_TYPES } from '../../../services/shared/eip712.js';
import type { ParametricLedger } from './deploy.js';
import { coSignatureDomain, coSignDocument, coSignFlightTerms, policyDocument } from './documents.js';
import { flightDelayTerms, type BenchFlight } from './scenario.js';

/** Gas limit of the issuance transactions, sent without an estimate (each needs well under half of it). */
const ISSUANCE_GAS_LIMIT = 1_000_000n;

/** The gas of each transaction of one policy's issuance path. */
export interface IssuanceGas {
  anchor: bigint;
  insurerCoSignature: bigint;
  clientCoSignature: bigint;
  issue: bigint;
}

/** Policies issued on one flight: its feed, and the gas of every policy's issuance path in issuance order. */
export interface FlightBook {
  flight: BenchFlight;
  feedId: string;
  issuance: IssuanceGas[];
}

async function gasOf(transaction: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await transaction).wait();
  if (receipt?.status !== 1) throw new Error(`transaction ${receipt?.hash ?? '(not mined)'} failed`);
  return receipt.gasUsed;
}

/**
 * Issues one policy on `flight` to each client (each new: it has never co-signed), each through the whole path: the
 * insurer anchors the policy document carrying the terms hash, the insurer co-signs it and the client co-signs the terms
 * themselves (EIP-712, relayed by the insurer), the insurer issues.
 */
export async function issueFlightPolicies(
  ledger: ParametricLedger,
  flight: BenchFlight,
  clients: readonly Wallet[],
  firstSequence: number,
): Promise<FlightBook> {
  const { registry, insurer, flight: product } = ledger;
  const options = { gasLimit: ISSUANCE_GAS_LIMIT };
  const domain = await coSignatureDomain(registry);
  // Nonces are unordered: the insurer uses each policy's sequence number (1 and up; the treaty used 0), each client 0.
  let insurerNonce = BigInt(firstSequence);
  const issuance: IssuanceGas[] = [];
  for (const [index, client] of clients.entries()) {
    const terms = flightDelayTerms(flight, client.address, index);
    const termsHash = TypedDataEncoder.hashStruct('FlightDelayTerms', FLIGHT_DELAY_TERMS_TYPES, terms);
    const document = policyDocument(firstSequence + index, termsHash, insurer.address, client.address);
    const anchor = await gasOf(registry.connect(insurer).anchor(document, options));
    const insurerCoSignature = await gasOf(
      coSignDocument(registry, domain, insurer, insurerNonce++, document, insurer, options),
    );
    const clientCoSignature = await gasOf(
      coSignFlightTerms(registry, domain, client, 0n, document, terms, insurer, options),
    );
    const issue = await gasOf(product.connect(insurer).issue(terms, document.documentHash, options));
    issuance.push({ anchor, insurerCoSignature, clientCoSignature, issue });
  }
  const feedId = await product.flightFeedId(flight.carrier, flight.flightNumber, flight.departureDate);
  return { flight, feedId, issuance };
}
