import { TypedDataEncoder, type Signer, type TypedDataDomain } from 'ethers';
import { CO_SIGNATURE_TYPES, domainOf, EVIDENCE_DOMAIN_NAME, TermsType } from '../../services/shared/eip712.js';
import { randomCoSignatureNonce, requiredSignersOf, termsCoSignatureTypes } from '../../services/ledger/evidence.js';
import type { EvidenceRegistry } from '../../types/ethers-contracts/index.js';
import { ethers } from './consortium.js';

/** The EIP-712 type a co-signer signs, shared with the services. */
export { CO_SIGNATURE_TYPES };

export interface CoSignatureValue {
  documentHash: string;
  termsHash: string;
  signer: string;
  nonce: bigint;
  deadline: bigint;
}

export interface CoSignature {
  /** The account the registry checks: the key's address, or a contract wallet's address for EIP-1271. */
  signer: string;
  nonce: bigint;
  deadline: bigint;
  signature: string;
  /** The document's required signers as anchored, which the relayer passes with the co-signature. */
  requiredSigners: string[];
  /** The EIP-712 digest of what was signed, as ethers computes it off chain. */
  digest: string;
  domain: TypedDataDomain;
  value: CoSignatureValue;
}

export interface CoSignOptions {
  documentHash: string;
  deadline: bigint;
  /** Defaults to the key's own address; give a contract wallet's address to sign on its behalf (EIP-1271). */
  signer?: string;
  /** Defaults to a random nonce: nonces are unordered, so signatures can be collected and relayed in any order. */
  nonce?: bigint;
  /** Defaults to the anchored document's terms hash, which is what a wallet would show the signer. */
  termsHash?: string;
  /** Defaults to the list in the document's `DocumentAnchored` event (empty if it was never anchored). */
  requiredSigners?: string[];
}

async function signersFor(registry: EvidenceRegistry, options: CoSignOptions): Promise<string[]> {
  if (options.requiredSigners !== undefined) return options.requiredSigners;
  return (await registry.isAnchored(options.documentHash)) ? requiredSignersOf(registry, options.documentHash) : [];
}

/** The registry's EIP-712 domain, built from the chain and the registry's address as a wallet would build it. */
export async function coSignatureDomain(registry: EvidenceRegistry): Promise<TypedDataDomain> {
  const { chainId } = await ethers.provider.getNetwork();
  return domainOf(EVIDENCE_DOMAIN_NAME, chainId, await registry.getAddress());
}

/** Signs a co-signature of `documentHash` with `key` through `signTypedData` (eth_signTypedData_v4 for node accounts). */
export async function coSign(registry: EvidenceRegistry, key: Signer, options: CoSignOptions): Promise<CoSignature> {
  const signer = options.signer ?? (await key.getAddress());
  const nonce = options.nonce ?? randomCoSignatureNonce();
  const termsHash = options.termsHash ?? (await registry.getAnchor(options.documentHash)).termsHash;
  const domain = await coSignatureDomain(registry);
  const value: CoSignatureValue = {
    documentHash: options.documentHash,
    termsHash,
    signer,
    nonce,
    deadline: options.deadline,
  };
  const signature = await key.signTypedData(domain, CO_SIGNATURE_TYPES, value);
  const digest = TypedDataEncoder.hash(domain, CO_SIGNATURE_TYPES, value);
  const requiredSigners = await signersFor(registry, options);
  return { signer, nonce, deadline: options.deadline, signature, requiredSigners, digest, domain, value };
}

/** Terms a terms-carrying co-signature nests: which type, and the terms as the product takes them. */
export type NestedTerms =
  | { termsType: typeof TermsType.FlightDelay; terms: Record<string, unknown> }
  | { termsType: typeof TermsType.WeatherIndex; terms: Record<string, unknown> };

export interface TermsCoSignature extends Omit<CoSignature, 'value'> {
  termsType: number;
}

/**
 * Signs, with `signTypedData` as a wallet does, a co-signature of `documentHash` whose message carries the terms
 * themselves (`FlightDelayCoSignature` or `WeatherIndexCoSignature`).
 */
export async function coSignTerms(
  registry: EvidenceRegistry,
  key: Signer,
  options: Omit<CoSignOptions, 'termsHash'> & NestedTerms,
): Promise<TermsCoSignature> {
  const signer = options.signer ?? (await key.getAddress());
  const nonce = options.nonce ?? randomCoSignatureNonce();
  const domain = await coSignatureDomain(registry);
  const types = termsCoSignatureTypes(options.termsType);
  const value = { documentHash: options.documentHash, terms: options.terms, signer, nonce, deadline: options.deadline };
  const signature = await key.signTypedData(domain, types, value);
  const digest = TypedDataEncoder.hash(domain, types, value);
  const requiredSigners = await signersFor(registry, options);
  return {
    signer,
    nonce,
    deadline: options.deadline,
    signature,
    requiredSigners,
    digest,
    domain,
    termsType: options.termsType,
  };
}

/** Relays `signed`, a co-signature of `documentHash`, to the registry with the document's required signers. */
export function relayCoSignature(registry: EvidenceRegistry, documentHash: string, signed: CoSignature) {
  return registry.cosign(
    documentHash,
    signed.requiredSigners,
    signed.signer,
    signed.nonce,
    signed.deadline,
    signed.signature,
  );
}

/** Policy terms quoted in this test run, by EIP-712 struct hash (see `rememberQuotedTerms`). */
const quotedTerms = new Map<string, NestedTerms>();

/**
 * Remembers `nested` under `termsHash`, as the client application that quoted the terms keeps them, so that
 * `coSignAsParty` can have the policyholder's wallet sign the terms themselves. A copy is kept: later changes to the
 * caller's object do not change what was quoted.
 */
export function rememberQuotedTerms(termsHash: string, nested: NestedTerms): void {
  quotedTerms.set(termsHash.toLowerCase(), { termsType: nested.termsType, terms: structuredClone(nested.terms) });
}

/**
 * Co-signs the anchored `documentHash` with `key` and relays it, as each party does: the policyholder of quoted terms
 * (`rememberQuotedTerms`) that the document carries signs over the terms themselves (`cosignTerms`, which the
 * products require of the holder); every other signer (the insurer, a reinsurer) signs over the document hash.
 */
export async function coSignAsParty(
  registry: EvidenceRegistry,
  key: Signer,
  documentHash: string,
  deadline: bigint,
): Promise<void> {
  const { termsHash } = await registry.getAnchor(documentHash);
  const quoted = quotedTerms.get(termsHash.toLowerCase());
  const signer = await key.getAddress();
  if (quoted !== undefined && String(quoted.terms.policyholder).toLowerCase() === signer.toLowerCase()) {
    const signed = await coSignTerms(registry, key, { documentHash, deadline, ...quoted });
    await (await relayTermsCoSignature(registry, documentHash, signed)).wait();
    return;
  }
  const signed = await coSign(registry, key, { documentHash, deadline });
  await (await relayCoSignature(registry, documentHash, signed)).wait();
}

/** Relays `signed`, a terms-carrying co-signature of `documentHash`, with the document's required signers. */
export function relayTermsCoSignature(registry: EvidenceRegistry, documentHash: string, signed: TermsCoSignature) {
  return registry.cosignTerms(
    documentHash,
    signed.requiredSigners,
    signed.termsType,
    signed.signer,
    signed.nonce,
    signed.deadline,
    signed.signature,
  );
}
