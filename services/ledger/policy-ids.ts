/**
 * How PolicyLedger names a policy: its product kind and the pool's policy id, `flight-<n>` or `weather-<n>`. The pool
 * numbers policies across its products, so the number alone is unique in a deployment (one insurer stack each); the
 * kind says which terms apply without a lookup. The index, the API and the CLI all use these names.
 */
export const PRODUCT_KINDS = ['flight', 'weather'] as const;
export type ProductKind = (typeof PRODUCT_KINDS)[number];

export const POLICY_ID_PATTERN = /^(flight|weather)-([1-9][0-9]{0,17})$/;

/** The name of pool policy `policyId` issued by `kind`'s product. */
export function policyIdOf(kind: ProductKind, policyId: number | bigint | string): string {
  return `${kind}-${policyId.toString()}`;
}

/** The product kind and pool policy id a policy name stands for, or null when it is not one. */
export function parsePolicyId(id: string): { kind: ProductKind; policyId: number } | null {
  const match = POLICY_ID_PATTERN.exec(id);
  if (match === null) return null;
  return { kind: match[1] as ProductKind, policyId: Number(match[2]) };
}
