import type { HardhatEthersSigner } from '@nomicfoundation/hardhat-ethers/types';
import {
  domainOf,
  OBSERVATION_TYPES,
  ObservationStatus,
  ORACLE_HUB_DOMAIN_NAME,
} from '../../services/shared/eip712.js';
import type { IOracleHub, OracleHub } from '../../types/ethers-contracts/index.js';
import { ethers, networkHelpers } from './consortium.js';
import { deployParametricFixture, flightTerms, issueFlightPolicy, type ParametricFixture } from './parametric.js';

/** An observation before the oracle's address and signature are added. */
export type UnsignedObservation = Omit<IOracleHub.ObservationStruct, 'oracle'>;

/** The SHA-256 of a made-up raw provider response, as an oracle node would hash it. */
export function providerPayloadHash(label: string): string {
  return ethers.sha256(ethers.toUtf8Bytes(`{"provider":"recorded","response":"${label}"}`));
}

/** A flight that landed `delayMinutes` late, seen at `observedAt`. */
export function landed(
  feedId: string,
  delayMinutes: number,
  observedAt: number,
  label = 'landed',
): UnsignedObservation {
  return {
    feedId,
    status: ObservationStatus.Landed,
    value: delayMinutes,
    observedAt,
    payloadHash: providerPayloadHash(`${label} ${delayMinutes}`),
  };
}

/**
 * The parametric ledger with one flight policy issued (so its flight's feed is open, registered by the flight
 * product), plus two more allowed consumers for hub-only tests: a plain account and a product contract whose
 * settlement always reverts.
 */
export async function deployOracleHubFixture() {
  const fixture = await deployParametricFixture();
  const { hub, govern, client, stablecoin, flight } = fixture;
  const feedOwner = (await ethers.getSigners())[14];
  if (feedOwner === undefined) throw new Error('the test network has no account #14');
  const hubAddress = await hub.getAddress();
  const revertingConsumer = await ethers.deployContract('RevertingFeedConsumer', [hubAddress]);
  for (const consumer of [feedOwner.address, await revertingConsumer.getAddress()]) {
    await govern(hubAddress, hub.interface.encodeFunctionData('setConsumer', [consumer, true]));
  }

  const clientBalanceBeforeIssue = await stablecoin.balanceOf(client.address);
  const terms = flightTerms(client.address, await networkHelpers.time.latest());
  const { policyId } = await issueFlightPolicy(fixture, terms);
  const feedId = (await flight.getPolicy(policyId)).feedId;

  return { ...fixture, feedOwner, revertingConsumer, terms, policyId, feedId, clientBalanceBeforeIssue };
}

export type OracleHubFixture = Awaited<ReturnType<typeof deployOracleHubFixture>>;

/**
 * Proposes a call on the hub and has a second ADMIN approve it, leaving the execution to the test (to watch its
 * events or its revert); returns the proposal id.
 */
export async function approvedHubProposal(
  fixture: Pick<ParametricFixture, 'access' | 'admin1' | 'admin2' | 'hub'>,
  data: string,
): Promise<bigint> {
  const { access, admin1, admin2, hub } = fixture;
  await (await access.connect(admin1).propose(await hub.getAddress(), data)).wait();
  const proposalId = await access.proposalCount();
  await (await access.connect(admin2).approve(proposalId)).wait();
  return proposalId;
}

/**
 * The revert data of the hub's error `name(args)`. `ConsortiumAccessExecutionFailed` carries the hub's revert data
 * as its reason, so comparing with this encoding checks the inner error and its arguments.
 */
export function hubErrorData(hub: OracleHub, name: string, args: readonly unknown[]): string {
  return hub.interface.encodeErrorResult(name, args);
}

/**
 * Signs `observation` with `signer`'s key while naming `claimed` as the oracle, for the hub at `verifyingContract`:
 * with another key or another hub, a forged report.
 */
export async function signAs(
  signer: HardhatEthersSigner,
  claimed: string,
  observation: UnsignedObservation,
  verifyingContract: string,
): Promise<{ observation: IOracleHub.ObservationStruct; signature: string }> {
  const { chainId } = await ethers.provider.getNetwork();
  const full = { ...observation, oracle: claimed };
  const signature = await signer.signTypedData(
    domainOf(ORACLE_HUB_DOMAIN_NAME, chainId, verifyingContract),
    OBSERVATION_TYPES,
    full,
  );
  return { observation: full, signature };
}
