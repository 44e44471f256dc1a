/**
 * What anyone may push on the parametric stack, and what the API's keeper reads to decide it: a feed's settlement
 * progress on each product, the remaining settlement batches of a feed whose outcome is final, and who the stack's
 * pool and treaty belong to (to route their events). Reverts come back as `LedgerError`s named after the product's
 * custom errors (`ParametricProductNothingToSettle`, `ParametricProductOutcomeNotFinal`…).
 */
import {
  ParametricProduct__factory,
  ReinsuranceTreaty__factory,
  RiskPool__factory,
} from '../../types/ethers-contracts/index.js';
import type { LedgerClient } from './client.js';
import { sendTransaction, type SendOptions, type SentTransaction } from './transactions.js';

/** A feed's policies on one product and how many of them are settled (`feedProgress`). */
export interface FeedProgress {
  product: string;
  policies: number;
  settled: number;
}

/** The products of the client's deployment (flight delay, weather index), where deployed. */
export function productsOf(client: Pick<LedgerClient, 'deployment'>): string[] {
  const { flightDelayProduct, weatherIndexProduct } = client.deployment;
  return [flightDelayProduct, weatherIndexProduct].filter((address): address is string => address !== undefined);
}

/** How far `product` has settled the policies listed under `feedId`. */
export async function feedProgress(client: LedgerClient, product: string, feedId: string): Promise<FeedProgress> {
  const [policies, settled] = await ParametricProduct__factory.connect(product, client.provider).feedProgress(feedId);
  return { product, policies: Number(policies), settled: Number(settled) };
}

/**
 * Settles up to `maxPolicies` more of the feed's policies on `product` (anyone may): resolves once the node took the
 * transaction. The gas estimate runs the call first, so a revert (`ParametricProductNothingToSettle` when another
 * caller was first) throws before anything is sent.
 */
export async function settleFeedBatch(
  client: LedgerClient,
  product: string,
  feedId: string,
  maxPolicies: number,
  options?: SendOptions,
): Promise<SentTransaction> {
  const contract = ParametricProduct__factory.connect(product, client.provider);
  return sendTransaction(client, 'settleFeedBatch', contract.settle.populateTransaction(feedId, maxPolicies), options);
}

/** The insurer whose pool the stack pays from and the reinsurer of its treaty, where deployed. */
export async function stackParties(
  client: Pick<LedgerClient, 'deployment' | 'provider'>,
): Promise<{ insurer: string | null; reinsurer: string | null }> {
  const { riskPool, reinsuranceTreaty } = client.deployment;
  const insurer = riskPool === undefined ? null : await RiskPool__factory.connect(riskPool, client.provider).insurer();
  const reinsurer =
    reinsuranceTreaty === undefined
      ? null
      : (await ReinsuranceTreaty__factory.connect(reinsuranceTreaty, client.provider).terms()).reinsurer;
  return { insurer, reinsurer };
}
