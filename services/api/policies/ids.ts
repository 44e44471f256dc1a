/**
 * Policy ids as the API names them: the product kind and the product's on-chain policy id, `flight-<n>` or
 * `weather-<n>`. One insurer stack (one flight delay and one weather index product) serves a deployment, so the kind
 * names the contract and the number the policy in it; both products count from 1 on their own.
 */
import type { ProductKind } from '../../ledger/policies.js';

export const POLICY_ID_PATTERN = /^(flight|weather)-([1-9][0-9]{0,19})$/;

/** The API's id of policy `policyId` of `kind`'s product. */
export function policyIdOf(kind: ProductKind, policyId: number | bigint): string {
  return `${kind}-${policyId.toString()}`;
}

/** The product kind and on-chain id an API policy id names, or null when it is not one. */
export function parsePolicyId(id: string): { kind: ProductKind; policyId: number } | null {
  const match = POLICY_ID_PATTERN.exec(id);
  if (match === null) return null;
  const policyId = Number(match[2]);
  if (!Number.isSafeInteger(policyId)) return null;
  return { kind: match[1] as ProductKind, policyId };
}
