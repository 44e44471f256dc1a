import type { BaseContract, ContractTransactionResponse, Signer } from 'ethers';
import { domainOf, type TypedDataTypes } from '../../services/shared/eip712.js';
import type { IFlightDelayProduct, IWeatherIndexProduct } from '../../types/ethers-contracts/index.js';
import { ethers, networkHelpers } from './consortium.js';
import { coSignAsParty } from './cosign.js';
import { DOCUMENT_TYPE, type ParametricFixture } from './parametric.js';
import { anchorFlightDocument, anchorWeatherDocument } from './products.js';

/*
 * Helpers shared by the tests of a policy's life after issue: cancellation, voiding and endorsement.
 */

/** What the pool pays the treaty on a premium (fixture TREATY): the 30 % quota share less its 20 % commission. */
export function cededNet(premium: bigint): bigint {
  const ceded = (premium * 3_000n) / 10_000n;
  return ceded - (ceded * 2_000n) / 10_000n;
}

/** Anchors the co-signed document for flight `terms` and issues the policy; returns its id, document and feed. */
export async function issueFlight(
  fixture: ParametricFixture,
  terms: IFlightDelayProduct.FlightDelayTermsStruct,
  holder = fixture.client,
) {
  const documentHash = await anchorFlightDocument(fixture, terms, holder);
  await (await fixture.flight.connect(fixture.insurer).issue(terms, documentHash)).wait();
  const policyId = await fixture.flight.policyOfDocument(documentHash);
  return { policyId, documentHash, feedId: (await fixture.flight.getPolicy(policyId)).feedId };
}

/** Anchors the co-signed document for weather `terms` and issues the policy; returns its id and document. */
export async function issueWeather(
  fixture: ParametricFixture,
  terms: IWeatherIndexProduct.WeatherIndexTermsStruct,
  holder = fixture.client,
) {
  const documentHash = await anchorWeatherDocument(fixture, terms, holder);
  await (await fixture.weather.connect(fixture.insurer).issue(terms, documentHash)).wait();
  return { policyId: await fixture.weather.policyOfDocument(documentHash), documentHash };
}

/**
 * Has the first ADMIN propose a governed call and the second approve it, and returns the first ADMIN's execution,
 * so that a test can assert its events or its `ConsortiumAccessExecutionFailed` revert.
 */
export async function executeUnderDualControl(
  fixture: ParametricFixture,
  target: string,
  data: string,
): Promise<ContractTransactionResponse> {
  const { access, admins } = fixture;
  const receipt = await (await access.connect(admins[0]).propose(target, data)).wait();
  const created = receipt?.logs
    .map((log) => access.interface.parseLog(log))
    .find((event) => event?.name === 'ProposalCreated');
  if (created === undefined || created === null) throw new Error('propose did not emit ProposalCreated');
  const proposalId = created.args.proposalId as bigint;
  await (await access.connect(admins[1]).approve(proposalId)).wait();
  return access.connect(admins[0]).execute(proposalId);
}

/** The EIP-712 domain name of the parametric products, which verify a holder's consent to void its policy. */
export const PARAMETRIC_PRODUCT_DOMAIN_NAME = 'PolicyLedger Parametric Product';

/** A holder's consent to void its policy, whose document the insurer revoked for `reason` (a wallet shows it). */
export const VOID_CONSENT_TYPES: TypedDataTypes = {
  VoidConsent: [
    { name: 'policyId', type: 'uint256' },
    { name: 'documentHash', type: 'bytes32' },
    { name: 'reason', type: 'uint8' },
    { name: 'deadline', type: 'uint256' },
  ],
};

/** `IEvidenceRegistry.RevocationReason`. */
export const REVOCATION_REASON = {
  Unspecified: 0,
  IssuedInError: 1,
  CancelledByInsurer: 2,
  CancelledByClient: 3,
  Rescinded: 4,
  Fraud: 5,
  RegulatoryOrder: 6,
} as const;

/** Signs, as `key`, the consent to void `policyId` of `product` (document and reason as the product reads them). */
export async function signVoidConsent(
  product: BaseContract,
  key: Signer,
  consent: { policyId: bigint; documentHash: string; reason: number; deadline: bigint },
): Promise<string> {
  const { chainId } = await ethers.provider.getNetwork();
  const domain = domainOf(PARAMETRIC_PRODUCT_DOMAIN_NAME, chainId, await product.getAddress());
  return key.signTypedData(domain, VOID_CONSENT_TYPES, consent);
}

/**
 * The insurer supersedes `previousHash` with a new version carrying `termsHash` (an endorsement), naming the insurer
 * and `holder` as co-signers; each of `signing` (by default both) co-signs it. Returns the new version's hash.
 */
export async function supersedeSigned(
  fixture: ParametricFixture,
  previousHash: string,
  termsHash: string,
  text: string,
  holder = fixture.client,
  signing: Signer[] = [fixture.insurer, holder],
): Promise<string> {
  const { registry, insurer } = fixture;
  const documentHash = ethers.sha256(ethers.toUtf8Bytes(text));
  await (
    await registry.connect(insurer).supersede(previousHash, {
      documentHash,
      termsHash,
      documentType: DOCUMENT_TYPE.Endorsement,
      retentionClass: 2,
      policyRef: `PL-${previousHash.slice(2, 10)}`,
      storagePointer: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
      requiredSigners: [insurer.address, holder.address],
    })
  ).wait();
  const deadline = BigInt(await networkHelpers.time.latest()) + 3_600n;
  for (const signer of signing) {
    await coSignAsParty(registry, signer, documentHash, deadline);
  }
  return documentHash;
}
