/**
 * The contracts' enum names the CLI offers as choices. They are the ledger layer's lists (`DOCUMENT_TYPES` in
 * `services/ledger/documents.ts`, `POLICY_STATUSES` in `services/ledger/policies.ts`), repeated here because importing
 * those modules loads ethers and every contract type — seconds of start-up for a `--help`. `test/cli/names.ts` checks
 * that the lists are the same.
 */
export { PRODUCT_KINDS, POLICY_ID_PATTERN } from '../ledger/policy-ids.js';

export const DOCUMENT_TYPES = ['Policy', 'Endorsement', 'Schedule', 'Certificate', 'Treaty', 'Claim', 'Other'] as const;

export const POLICY_STATUSES = [
  'None',
  'Issued',
  'Paid',
  'Expired',
  'Cancelled',
  'Refunded',
  'Parked',
  'Voided',
  'Endorsed',
] as const;
