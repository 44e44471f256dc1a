/**
 * The signature that makes a treaty statement an audit package: the serving member signs, with EIP-712, the SHA-256
 * of the statement's RFC 8785 canonical JSON. Anyone holding the package re-canonicalises the statement, recomputes
 * the hash and recovers the signer; whether that signer is an active party is then read from the chain.
 *
 * The hash is over the canonical form, not the bytes served, so re-indenting or re-ordering the JSON keeps the
 * signature valid while any change of a value breaks it.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { getAddress, isHexString, verifyTypedData, type Signer, type TypedDataDomain } from 'ethers';
import type { PartyRecord } from '../../ledger/parties.js';
import type { TypedDataTypes } from '../../shared/eip712.js';

/**
 * RFC 8785 canonical JSON. Loaded with `require`: the package is CommonJS exporting the function itself, which its
 * type declaration presents as a default export that an ES import would not find.
 */
const canonicalize = createRequire(import.meta.url)('canonicalize') as (input: unknown) => string | undefined;

/** The EIP-712 domain name of statement signatures (no verifying contract: nothing on chain checks them). */
export const STATEMENT_DOMAIN_NAME = 'PolicyLedger Treaty Statement';

/** What the signer's wallet shows: the treaty and the hash of the statement about it. */
export const STATEMENT_SIGNATURE_TYPES: TypedDataTypes = {
  TreatyStatement: [
    { name: 'treaty', type: 'address' },
    { name: 'statementHash', type: 'bytes32' },
  ],
};

/** The signature part of a signed statement. */
export interface StatementSignature {
  signer: string;
  /** SHA-256 of the statement's RFC 8785 canonical JSON, 0x lowercase hex. */
  statementHash: string;
  /** 65-byte EIP-712 signature over `TreatyStatement(treaty, statementHash)` in `statementDomain(chainId)`. */
  signature: string;
}

/** The fields of a statement the signature binds beyond its hash. */
export interface SignableStatement {
  chainId: string;
  treaty: string;
}

/** The EIP-712 domain of statements on chain `chainId`. */
export function statementDomain(chainId: string): TypedDataDomain {
  return { name: STATEMENT_DOMAIN_NAME, version: '1', chainId: BigInt(chainId) };
}

/** SHA-256 of `statement`'s RFC 8785 canonical JSON. */
export function statementHash(statement: unknown): string {
  const canonical = canonicalize(statement);
  if (canonical === undefined) throw new Error('the statement has no JSON form');
  return `0x${createHash('sha256').update(canonical, 'utf8').digest('hex')}`;
}

/** Signs `statement` with `signer`. */
export async function signStatement(signer: Signer, statement: SignableStatement): Promise<StatementSignature> {
  const hash = statementHash(statement);
  const signature = await signer.signTypedData(statementDomain(statement.chainId), STATEMENT_SIGNATURE_TYPES, {
    treaty: statement.treaty,
    statementHash: hash,
  });
  return { signer: getAddress(await signer.getAddress()), statementHash: hash, signature };
}

/** The check of a signed statement, before and after asking the chain about the signer. */
export interface StatementSignatureCheck {
  /** The hash recomputed from the statement as given. */
  statementHash: string;
  /** The recomputed hash equals the one signed. */
  hashMatches: boolean;
  /** The account the signature recovers to over the recomputed hash, or null when it does not recover at all. */
  recoveredSigner: string | null;
  /** The recovered account is the claimed signer. */
  signerMatches: boolean;
  /** The claimed signer's party record now; null when not asked or the signature failed. */
  signerParty: Pick<PartyRecord, 'registered' | 'active' | 'legalName' | 'roles'> | null;
  /** Every check passed and the signer is an active party. */
  valid: boolean;
  /** What failed, in words. */
  problems: string[];
}

/**
 * Checks `signature` over `statement`: the hash recomputed from the statement, the signer recovered from the
 * signature over that hash, and — through `partyOf` — whether the signer is an active party of the consortium.
 */
export async function checkStatementSignature(
  statement: SignableStatement,
  signature: StatementSignature,
  partyOf: (account: string) => Promise<PartyRecord>,
): Promise<StatementSignatureCheck> {
  const problems: string[] = [];
  const hash = statementHash(statement);
  const hashMatches = hash === signature.statementHash.toLowerCase();
  if (!hashMatches) problems.push(`the statement hashes to ${hash}, not to the signed ${signature.statementHash}`);
  let recoveredSigner: string | null = null;
  if (isHexString(signature.signature, 65)) {
    try {
      recoveredSigner = verifyTypedData(
        statementDomain(statement.chainId),
        STATEMENT_SIGNATURE_TYPES,
        {
          treaty: statement.treaty,
          statementHash: hash,
        },
        signature.signature,
      );
    } catch {
      recoveredSigner = null;
    }
  }
  const signerMatches = recoveredSigner !== null && recoveredSigner === getAddress(signature.signer);
  if (recoveredSigner === null) problems.push('the signature is not a valid 65-byte ECDSA signature');
  else if (!signerMatches) problems.push(`the signature recovers to ${recoveredSigner}, not to ${signature.signer}`);
  let signerParty: StatementSignatureCheck['signerParty'] = null;
  if (signerMatches) {
    const party = await partyOf(recoveredSigner!);
    signerParty = {
      registered: party.registered,
      active: party.active,
      legalName: party.legalName,
      roles: party.roles,
    };
    if (!party.active) problems.push(`${recoveredSigner} is not an active party of the consortium`);
  }
  return {
    statementHash: hash,
    hashMatches,
    recoveredSigner,
    signerMatches,
    signerParty,
    valid: problems.length === 0,
    problems,
  };
}
