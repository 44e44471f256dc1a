import type { ContractTransactionResponse } from 'ethers';
import type { IFlightDelayProduct, IWeatherIndexProduct } from '../../types/ethers-contracts/index.js';
import type { ParametricFixture } from './parametric.js';
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
