import { randomBytes, toBigInt, type Signer } from 'ethers';
import type { EvidenceRegistry } from '../../types/ethers-contracts/index.js';
import type { IEvidenceRegistry } from '../../types/ethers-contracts/evidence/EvidenceRegistry.js';
import {
  CO_SIGNATURE_TYPES,
  domainOf,
  EVIDENCE_DOMAIN_NAME,
  FLIGHT_DELAY_CO_SIGNATURE_TYPES,
  TermsType,
  WEATHER_INDEX_CO_SIGNATURE_TYPES,
  type TypedDataTypes,
} from '../shared/eip712.js';

export type AnchorInput = IEvidenceRegistry.AnchorInputStruct;

/**
 * A fresh co-signature nonce. The registry's nonces are unordered (one used-bit per nonce), so a random 256-bit nonce
 * never collides with another signature's and leaves the signer free to have them relayed in any order.
 */
export function randomCoSignatureNonce(): bigint {
  return toBigInt(randomBytes(32));
}

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
 * Anchors `input` as `registrant`, then relays each required signer's co-signature. With `policyTerms`, the policyholder
 * they name co-signs over the terms themselves (`cosignTerms`, what a product requires of the holder); every other
 * signer, and every signer without them, over the document hash.
 */
export async function anchorAndCoSign(
  registry: EvidenceRegistry,
  registrant: Signer,
  input: AnchorInput,
  signers: Signer[],
  policyTerms?: PolicyTerms,
): Promise<void> {
  await (await registry.connect(registrant).anchor(input)).wait();
  const latest = await registry.runner!.provider!.getBlock('latest');
  const deadline = BigInt((latest?.timestamp ?? Math.floor(Date.now() / 1000)) + 3600);
  const documentHash = String(input.documentHash);
  const holder = policyTerms === undefined ? undefined : String(policyTerms.terms.policyholder).toLowerCase();
  for (const signer of signers) {
    if (policyTerms !== undefined && (await signer.getAddress()).toLowerCase() === holder) {
      const signed = await coSignTermsOfDocument(
        registry,
        signer,
        documentHash,
        policyTerms.termsType,
        policyTerms.terms,
        deadline,
      );
      const relayed = await registry
        .connect(registrant)
        .cosignTerms(
          documentHash,
          input.requiredSigners,
          signed.termsType,
          signed.signer,
          signed.nonce,
          deadline,
          signed.signature,
        );
      await relayed.wait();
      continue;
    }
    const signed = await coSignDocument(registry, signer, documentHash, deadline);
    await (
      await registry
        .connect(registrant)
        .cosign(documentHash, input.requiredSigners, signed.signer, signed.nonce, deadline, signed.signature)
    ).wait();
  }
}
