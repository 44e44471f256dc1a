/**
 * Who may see a document, and how much of it. A document is visible to its registrant, its required signers, the
 * reader parties named at registration, and auditors. The API's private metadata goes to the same parties; its
 * personal fields are shown in full only to the registrant (the insurer that collected them), masked for the other
 * parties (see the records module's `maskPersonal`), and left out for auditors not named on the document, who oversee
 * the ledger but have no need of a policyholder's personal data.
 */
import type { Caller } from '../auth/caller.js';
import { maskPersonal } from '../records/masking.js';
import type { StoredDocument } from './store.js';

export interface VisibilityFacts {
  registrant: string;
  requiredSigners: readonly string[];
  readers: readonly string[];
}

export function isAuditor(caller: Caller): boolean {
  return caller.party.roles.includes('AUDITOR');
}

/** Whether `caller` may see the document at all. */
export function maySee(caller: Caller, facts: VisibilityFacts): boolean {
  return viewerMaySee({ account: caller.account, roles: caller.party.roles }, facts);
}

/** `maySee` for a viewer given by account and on-chain roles (the records module's actors). */
export function viewerMaySee(viewer: { account: string; roles: readonly string[] }, facts: VisibilityFacts): boolean {
  const account = viewer.account;
  return (
    viewer.roles.includes('AUDITOR') ||
    facts.registrant === account ||
    facts.requiredSigners.includes(account) ||
    facts.readers.includes(account)
  );
}

/** The personal fields of `stored` as `caller` may see them: in full, masked, or not at all. */
export function personalFieldsFor(caller: Caller, stored: StoredDocument): Record<string, unknown> | null {
  if (stored.personal === null) return null;
  const involved =
    stored.registrant === caller.account ||
    stored.readers.includes(caller.account) ||
    stored.requiredSigners.includes(caller.account);
  if (!involved) return null;
  // The clients a document names (signers, readers) are its data subjects; the records module decides who sees what.
  return maskPersonal(
    stored.personal,
    { account: caller.account, roles: caller.party.roles },
    { registrant: stored.registrant, dataSubjects: [...stored.requiredSigners, ...stored.readers] },
  );
}
