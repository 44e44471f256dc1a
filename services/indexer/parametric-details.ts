/**
 * What `PolicyIssued` does not say, read when the indexer meets one: the cover window from the product's policy
 * record, and the terms from the transaction's calldata when the insurer called the product itself.
 */
import type { Log, Provider, TransactionResponse } from 'ethers';
import { readPolicyCover } from '../ledger/policy-views.js';
import { parseParametric, termsFromCalldata, type ParametricContracts } from './parametric-decode.js';
import type { IssuedPolicyDetails } from './parametric-types.js';

export async function readIssuedPolicy(
  provider: Provider,
  contracts: ParametricContracts,
  log: Log,
  transaction: Pick<TransactionResponse, 'to' | 'data'> | null | undefined,
): Promise<IssuedPolicyDetails> {
  const parsed = parseParametric(log, contracts);
  if (parsed === null || parsed.description.name !== 'PolicyIssued') throw new Error('not a PolicyIssued log');
  const { policyId, holder } = parsed.description.args as unknown as { policyId: bigint; holder: string };
  const cover = await readPolicyCover(provider, log.address, policyId);
  return {
    coverageStart: new Date(cover.coverageStart * 1000).toISOString(),
    coverageEnd: new Date(cover.coverageEnd * 1000).toISOString(),
    cancellationRefundBps: cover.cancellationRefundBps,
    terms: termsFromCalldata(parsed.contract, log.address, transaction, holder),
  };
}
