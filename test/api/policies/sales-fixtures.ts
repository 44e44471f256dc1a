/**
 * Offers, proposals and policies made through the API for tests that need one (the authorisation matrix among them):
 * a flight delay offer, a proposal of it to a client for a flight three days after the chain's time, and the
 * client's consent signed with its wallet key as a browser wallet would.
 */
import type { Provider, Wallet } from 'ethers';
import { withoutDomainType } from '../../../services/ledger/documents.js';

type Caller = (
  stack: { url: string },
  authorization: string | undefined,
  method: string,
  path: string,
  body?: object,
) => Promise<Response>;

export interface TypedData {
  domain: Record<string, unknown>;
  types: Record<string, { name: string; type: string }[]>;
  primaryType: string;
  message: Record<string, unknown>;
}

export interface ProposalAnswer {
  proposal: { documentHash: string; href: string; premiumDue: string };
  consent: { termsCoSignature: TypedData; permit: TypedData | null; href: string } | null;
}

export const FLIGHT_OFFER = {
  kind: 'flight-delay',
  name: 'Matrix delay cover',
  delayTiers: [{ minutes: 120, payout: '20000000' }],
  cancellationPayout: '20000000',
  diversionPayout: '0',
  sumInsured: '20000000',
  cover: { endsAfterArrivalMinutes: 60 },
  cancellationRefundBps: 10_000,
  pricing: { premium: '1000000' },
};

async function json<T>(response: Response, expected: number, what: string): Promise<T> {
  if (response.status !== expected) throw new Error(`${what} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

/** Defines the flight delay offer as `insurer`; returns its id. */
export async function defineFlightOffer(call: Caller, stack: { url: string }, insurer: string): Promise<string> {
  const answer = await json<{ id: string }>(
    await call(stack, insurer, 'POST', '/v1/offers', FLIGHT_OFFER),
    201,
    'POST /v1/offers',
  );
  return answer.id;
}

/** A policy request on `offerId` for `client`, flying three days after the chain's time (departure in UTC+2). */
export async function flightPolicyRequest(provider: Provider, offerId: string, client: string): Promise<object> {
  const departure = (await provider.getBlock('latest'))!.timestamp + 3 * 86_400;
  const local = (unix: number) => new Date((unix + 7_200) * 1000).toISOString().replace(/\.\d{3}Z$/, '+02:00');
  return {
    offerId,
    client,
    flight: {
      carrier: 'BA',
      flightNumber: '117',
      scheduledDeparture: local(departure),
      scheduledArrival: local(departure + 8 * 3_600),
    },
  };
}

/** Proposes a flight policy on `offerId` to `client` as `insurer`. */
export async function proposeFlight(
  call: Caller,
  stack: { url: string },
  provider: Provider,
  insurer: string,
  offerId: string,
  client: string,
): Promise<ProposalAnswer> {
  const response = await call(
    stack,
    insurer,
    'POST',
    '/v1/policies',
    await flightPolicyRequest(provider, offerId, client),
  );
  return json<ProposalAnswer>(response, 201, 'POST /v1/policies');
}

/** The consent body: the terms co-signature and (when due) the permit, signed with the holder's wallet. */
export async function walletConsent(wallet: Wallet, proposal: ProposalAnswer): Promise<object> {
  const sign = (typed: TypedData) => wallet.signTypedData(typed.domain, withoutDomainType(typed.types), typed.message);
  const { termsCoSignature, permit } = proposal.consent!;
  return {
    termsSignature: {
      nonce: String(termsCoSignature.message.nonce),
      deadline: String(termsCoSignature.message.deadline),
      signature: await sign(termsCoSignature),
    },
    ...(permit === null
      ? {}
      : { permit: { deadline: String(permit.message.deadline), signature: await sign(permit) } }),
  };
}

/** Sells a flight policy to `holder` end to end (proposal, wallet consent); returns its API id. */
export async function sellFlight(
  call: Caller,
  stack: { url: string },
  provider: Provider,
  auth: { insurer: string; holder: string },
  offerId: string,
  holder: Wallet,
): Promise<string> {
  const proposal = await proposeFlight(call, stack, provider, auth.insurer, offerId, holder.address);
  const response = await call(
    stack,
    auth.holder,
    'POST',
    proposal.consent!.href,
    await walletConsent(holder, proposal),
  );
  return (await json<{ policy: { id: string } }>(response, 201, 'consent')).policy.id;
}
