import { ethers, type ContractTransactionResponse, type Signer, type TypedDataDomain } from 'ethers';
import {
  CO_SIGNATURE_TYPES,
  domainOf,
  EVIDENCE_DOMAIN_NAME,
  FLIGHT_DELAY_CO_SIGNATURE_TYPES,
  TermsType,
} from '../../../services/shared/eip712.js';
import type {
  EvidenceRegistry,
  IEvidenceRegistry,
  IFlightDelayProduct,
} from '../../../types/ethers-contracts/index.js';
import { policyRef, rawCidV1 } from '../documents.js';
import { CO_SIGNATURE_DEADLINE } from './scenario.js';

/** `EvidenceRegistry.RETENTION_PROPERTY`: kept 15 years after cover ends. */
export const RETENTION_CLASS = 2;

/** `IEvidenceRegistry.DocumentType.Policy`. */
const DOCUMENT_TYPE_POLICY = 0;

/** A document anchored in the registry, in the registry's input shape. */
export type AnchoredDocument = IEvidenceRegistry.AnchorInputStruct & { documentHash: string; termsHash: string };

/** The policy schedule of policy `sequence`, carrying its terms hash, to be co-signed by insurer and holder. */
export function policyDocument(sequence: number, termsHash: string, insurer: string, holder: string): AnchoredDocument {
  const reference = policyRef(sequence);
  const wording = ethers.toUtf8Bytes(`Flight delay policy ${reference} held by ${holder}, terms ${termsHash}`);
  return {
    documentHash: ethers.sha256(wording),
    termsHash,
    documentType: DOCUMENT_TYPE_POLICY,
    retentionClass: RETENTION_CLASS,
    policyRef: reference,
    storagePointer: rawCidV1(wording),
    requiredSigners: [insurer, holder],
  };
}

/** The registry's EIP-712 domain, as a wallet builds it. */
export async function coSignatureDomain(registry: EvidenceRegistry): Promise<TypedDataDomain> {
  const provider = registry.runner?.provider;
  if (provider == null) throw new Error('the registry is not connected to a provider');
  return domainOf(EVIDENCE_DOMAIN_NAME, (await provider.getNetwork()).chainId, await registry.getAddress());
}

/**
 * `signer` signs its EIP-712 co-signature of `document` with its registry nonce `nonce` (and a fixed deadline, so
 * calldata never varies) and `relayer` submits it, as the consortium's API would.
 */
export async function coSignDocument(
  registry: EvidenceRegistry,
  domain: TypedDataDomain,
  signer: Signer,
  nonce: bigint,
  document: AnchoredDocument,
  relayer: Signer,
  overrides: { gasLimit?: bigint } = {},
): Promise<ContractTransactionResponse> {
  const signerAddress = await signer.getAddress();
  const signature = await signer.signTypedData(domain, CO_SIGNATURE_TYPES, {
    documentHash: document.documentHash,
    termsHash: document.termsHash,
    signer: signerAddress,
    nonce,
    deadline: CO_SIGNATURE_DEADLINE,
  });
  return registry
    .connect(relayer)
    .cosign(
      document.documentHash,
      document.requiredSigners,
      signerAddress,
      nonce,
      CO_SIGNATURE_DEADLINE,
      signature,
      overrides,
    );
}

/**
 * The policyholder `signer` signs its EIP-712 co-signature of `document` over the flight delay terms themselves
 * (`FlightDelayCoSignature`, which its wallet displays and the product requires of the holder), with its registry
 * nonce `nonce` and the fixed deadline, and `relayer` submits it through `cosignTerms`.
 */
export async function coSignFlightTerms(
  registry: EvidenceRegistry,
  domain: TypedDataDomain,
  signer: Signer,
  nonce: bigint,
  document: AnchoredDocument,
  terms: IFlightDelayProduct.FlightDelayTermsStruct,
  relayer: Signer,
  overrides: { gasLimit?: bigint } = {},
): Promise<ContractTransactionResponse> {
  const signerAddress = await signer.getAddress();
  const signature = await signer.signTypedData(domain, FLIGHT_DELAY_CO_SIGNATURE_TYPES, {
    documentHash: document.documentHash,
    terms,
    signer: signerAddress,
    nonce,
    deadline: CO_SIGNATURE_DEADLINE,
  });
  return registry
    .connect(relayer)
    .cosignTerms(
      document.documentHash,
      document.requiredSigners,
      TermsType.FlightDelay,
      signerAddress,
      nonce,
      CO_SIGNATURE_DEADLINE,
      signature,
      overrides,
    );
}
