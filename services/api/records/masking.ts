/**
 * Masking of the personal fields a document's private metadata carries (never on chain: only in the registrant's API
 * database). Who sees them in clear: the registrant (the insurer or reinsurer that holds the data and must act on it:
 * pay, contact, identify the insured) and a data subject reading its own document (a client named on it). Everyone
 * else who may read the metadata — co-signers, readers, auditors — sees them masked: an auditor checks that a record
 * exists and is consistent, not whom it is about.
 *
 * How each kind is masked:
 * - identifiers (ID, passport, tax and social-security numbers), phone numbers, bank accounts and IBANs: every letter
 *   and digit but the last 4 becomes `*` (separators kept, so the shape stays recognisable); 4 characters or fewer are
 *   masked whole;
 * - e-mail addresses: the local part becomes `***`, the domain stays (`***@example.com`);
 * - dates of birth: the year stays (`1984-**-**`);
 * - names: initials (`J. D.`); postal addresses and any other field: `***`.
 * Nested objects and arrays are masked field by field; numbers and booleans under a personal field are masked too
 * (`***`), and `null` stays `null`.
 */
import { getAddress } from 'ethers';
import type { PartyRole } from '../../ledger/parties.js';

type Masker = (value: string) => string;

export function maskKeepLast4(value: string): string {
  const positions = alphanumericPositions(value);
  const visibleFrom = positions.at(-4);
  if (positions.length <= 4 || visibleFrom === undefined) return value.replace(/[\p{L}\p{N}]/gu, '*');
  return [...value].map((char, index) => (index < visibleFrom && /[\p{L}\p{N}]/u.test(char) ? '*' : char)).join('');
}

function alphanumericPositions(value: string): number[] {
  return [...value].flatMap((char, index) => (/[\p{L}\p{N}]/u.test(char) ? [index] : []));
}

export function maskEmail(value: string): string {
  const at = value.lastIndexOf('@');
  return at < 0 ? '***' : `***${value.slice(at)}`;
}

export function maskDateOfBirth(value: string): string {
  const year = /^(\d{4})-\d{2}-\d{2}/.exec(value);
  return year === null ? '***' : `${year[1]}-**-**`;
}

export function maskName(value: string): string {
  const initials = value
    .split(/\s+/)
    .filter((part) => part.length > 0)
    .map((part) => `${[...part][0]}.`);
  return initials.length === 0 ? '***' : initials.join(' ');
}

const maskWhole: Masker = () => '***';

/** Field names (lower case, without `_` and `-`) and how each is masked; any other field is masked whole. */
const MASKERS: Record<string, Masker> = {
  idnumber: maskKeepLast4,
  nationalid: maskKeepLast4,
  passportnumber: maskKeepLast4,
  taxid: maskKeepLast4,
  socialsecuritynumber: maskKeepLast4,
  phone: maskKeepLast4,
  phonenumber: maskKeepLast4,
  mobile: maskKeepLast4,
  bankaccount: maskKeepLast4,
  iban: maskKeepLast4,
  accountnumber: maskKeepLast4,
  email: maskEmail,
  emailaddress: maskEmail,
  dateofbirth: maskDateOfBirth,
  birthdate: maskDateOfBirth,
  name: maskName,
  fullname: maskName,
  firstname: maskName,
  lastname: maskName,
  address: maskWhole,
};

function maskerFor(field: string): Masker {
  return MASKERS[field.toLowerCase().replace(/[_-]/g, '')] ?? maskWhole;
}

function maskValue(value: unknown, masker: Masker): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value === 'string') return masker(value);
  if (Array.isArray(value)) return value.map((item) => maskValue(item, masker));
  if (typeof value === 'object') return maskFields(value as Record<string, unknown>);
  return '***';
}

function maskFields(personal: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(personal).map(([field, value]) => [field, maskValue(value, maskerFor(field))]),
  );
}

/** Who is looking: an account and its roles on chain (null for an unauthenticated caller). */
export interface Viewer {
  account: string;
  roles: readonly PartyRole[];
}

/** Whose data it is: the document's registrant and the data subjects (clients the document is about). */
export interface PersonalDataHolders {
  registrant: string;
  dataSubjects?: readonly string[];
}

/** Whether `viewer` needs `document`'s personal fields in clear (see the header). */
export function seesPersonalData(viewer: Viewer | null, document: PersonalDataHolders): boolean {
  if (viewer === null) return false;
  const account = getAddress(viewer.account);
  if (account === getAddress(document.registrant)) {
    return viewer.roles.includes('INSURER') || viewer.roles.includes('REINSURER');
  }
  const isSubject = (document.dataSubjects ?? []).some((subject) => getAddress(subject) === account);
  return isSubject && viewer.roles.includes('CLIENT');
}

/**
 * `personal` as `viewer` may see it: in clear for the registrant and the data subject (see `seesPersonalData`),
 * masked field by field for anyone else. Never changes its argument.
 */
export function maskPersonal<T extends Record<string, unknown>>(
  personal: T,
  viewer: Viewer | null,
  document: PersonalDataHolders,
): T | Record<string, unknown> {
  return seesPersonalData(viewer, document) ? personal : maskFields(personal);
}
