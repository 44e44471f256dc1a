import type { Signer } from 'ethers';
import type { EvidenceRegistry } from '../../types/ethers-contracts/index.js';
import {
  CO_SIGNATURE_TYPES,
  domainOf,
  EVIDENCE_DOMAIN_NAME,
  FLIGHT_DELAY_CO_SIGNATURE_TYPES,
  TermsType,
  WEATHER_INDEX_CO_SIGNATURE_TYPES,
  type TypedDataTypes,
} from '../shared/eip712.js';

import type { LedgerClient } from './client.js';
import {
  anchorDocument,
  coSignatureTypedData,
  randomCoSignatureNonce,
  relayCoSignature,
  relayTermsCoSignature,
  signCoSignature,
  type AnchoredDocument,
  type AnchorInput,
} from './documents.js';
import type { SendOptions } from './transactions.js';

/**
 * Helpers over a connected `EvidenceRegistry` contract, for the contracts' own tests; services use the actions of
 * `documents.ts`, which these re-export where they are the same.
 */
export { randomCoSignatureNonce, type AnchorInput };

/**
 * The required signers of an anchored document, in anchoring order, from its `DocumentAnchored` event: the registry
 * stores only a commitment to the list, and each co-signature's relayer supplies the list.
 */
export async function requiredSignersOf(registry: EvidenceRegistry, documentHash: string): Promise<string[]> {
  const events = await registry.queryFilter(registry.filters.DocumentAnchored(documentHash));
  const anchored = events.at(-1);
  if (anchored === undefined) throw new Error(`document ${documentHash} has not been anchored`);
  return [...anchored.args.requiredSigners];
}

/** Signs the EIP-712 co-signature of `documentHash` with `signer`'s key, as its wallet would. */
export async function coSignDocument(
  registry: EvidenceRegistry,
  signer: Signer,
  documentHash: string,
  deadline: bigint,
): Promise<{ signer: string; nonce: bigint; deadline: bigint; signature: string }> {
  const account = await signer.getAddress();
  const nonce = randomCoSignatureNonce();
  const [{ chainId }, anchored] = await Promise.all([
    registry.runner!.provider!.getNetwork(),
    registry.getAnchor(documentHash),
  ]);
  const domain = domainOf(EVIDENCE_DOMAIN_NAME, chainId, await registry.getAddress());
  const signature = await signer.signTypedData(domain, CO_SIGNATURE_TYPES, {
    documentHash,
    termsHash: anchored.termsHash,
    signer: account,
    nonce,
    deadline,
  });
  return { signer: account, nonce, deadline, signature };
}

/** The EIP-712 types of the co-signature that nests terms of `termsType` (`IEvidenceRegistry.TermsType`). */
export function termsCoSignatureTypes(termsType: number): TypedDataTypes {
  if (termsType === TermsType.FlightDelay) return FLIGHT_DELAY_CO_SIGNATURE_TYPES;
  if (termsType === TermsType.WeatherIndex) return WEATHER_INDEX_CO_SIGNATURE_TYPES;
  throw new Error(`unknown terms type ${termsType}`);
}

/**
 * Signs, as `signer`'s wallet would, a co-signature of `documentHash` that carries its `terms` (the wallet shows them),
 * to be relayed with `registry.cosignTerms(documentHash, requiredSigners, termsType, signer, nonce, deadline,
 * signature)` (`requiredSignersOf` gives the list). The terms
 * must be those whose struct hash was anchored as the document's termsHash, or the registry refuses the signature.
 */
export async function coSignTermsOfDocument(
  registry: EvidenceRegistry,
  signer: Signer,
  documentHash: string,
  termsType: number,
  terms: Record<string, unknown>,
  deadline: bigint,
): Promise<{ signer: string; termsType: number; nonce: bigint; deadline: bigint; signature: string }> {
  const account = await signer.getAddress();
  const nonce = randomCoSignatureNonce();
  const { chainId } = await registry.runner!.provider!.getNetwork();
  const domain = domainOf(EVIDENCE_DOMAIN_NAME, chainId, await registry.getAddress());
  const signature = await signer.signTypedData(domain, termsCoSignatureTypes(termsType), {
    documentHash,
    terms,
    signer: account,
    nonce,
    deadline,
  });
  return { signer: account, termsType, nonce, deadline, signature };
}

/** Terms a policy document carries (`termsType` as `IEvidenceRegistry.TermsType` numbers them), as the product takes them. */
export interface PolicyTerms {
  termsType: number;
  terms: Record<string, unknown>;
}

/**
 * Anchors `input` as the client's signer (the registrant), then relays each of `signers`' co-signatures, each signed
 * by its own key from `coSignatureTypedData` as its wallet would. With `policyTerms`, the policyholder they name
 * co-signs over the terms themselves (`cosignTerms`, what a product requires of the holder); every other signer, and
 * every signer without them, over the document hash.
 */
export async function anchorAndCoSign(
  client: LedgerClient,
  input: AnchorInput,
  signers: Signer[],
  policyTerms?: PolicyTerms,
  options?: SendOptions,
): Promise<AnchoredDocument> {
  const anchored = await anchorDocument(client, input, options);
  const latest = await client.provider.getBlock('latest');
  const deadline = BigInt((latest?.timestamp ?? Math.floor(Date.now() / 1000)) + 3600);
  const holder = policyTerms === undefined ? undefined : String(policyTerms.terms.policyholder).toLowerCase();
  const { documentHash, requiredSigners } = anchored;
  for (const signer of signers) {
    const account = await signer.getAddress();
    const terms = account.toLowerCase() === holder ? policyTerms : undefined;
    const typedData = await coSignatureTypedData(client, { documentHash, signer: account, deadline, terms });
    const relay = {
      documentHash,
      signer: account,
      nonce: String(typedData.message.nonce),
      deadline,
      signature: await signCoSignature(signer, typedData),
      requiredSigners,
    };
    if (terms === undefined) await relayCoSignature(client, relay, options);
    else await relayTermsCoSignature(client, { ...relay, termsType: terms.termsType }, options);
  }
  return anchored;
}
