import { expect } from 'chai';
import { Wallet } from 'ethers';
import { withoutDomainType } from '../../../services/ledger/documents.js';
import { premiumFunds, readPolicy } from '../../../services/ledger/policies.js';
import { parsePolicyId } from '../../../services/ledger/policy-ids.js';
import { startTestLedger, type TestLedger } from '../../helpers/api-chain.js';
import { call, DEMO_CLIENT, startSalesStack, type SalesStack } from './sales-stack.js';

const USD = 1_000_000n;
const HOUR = 3_600;
const DAY = 86_400;

interface TypedData {
  domain: Record<string, unknown>;
  types: Record<string, { name: string; type: string }[]>;
  primaryType: string;
  message: Record<string, unknown>;
}
interface ProposalAnswer {
  proposal: {
    documentHash: string;
    status: string;
    holder: string;
    premium: string;
    premiumDue: string;
    termsHash: string;
    terms: Record<string, unknown>;
    href: string;
  };
  consent: { termsCoSignature: TypedData; permit: TypedData | null; href: string } | null;
}
interface IssuedAnswer {
  policy: { id: string; holder: string; premium: string; transactionHash: string };
}
interface Problem {
  code: string;
  detail: string;
}

/** Signs typed data as a browser wallet does (`eth_signTypedData_v4`: the types with EIP712Domain). */
function walletSign(wallet: Wallet, typed: TypedData): Promise<string> {
  return wallet.signTypedData(typed.domain, withoutDomainType(typed.types), typed.message);
}

/** An ISO-8601 instant with a +01:00 offset, as a booking system gives a departure from a CET airport. */
function cet(unixSeconds: number): string {
  return new Date((unixSeconds + HOUR) * 1000).toISOString().replace(/\.\d{3}Z$/, '+01:00');
}

describe('selling policies through the API', function () {
  this.timeout(120_000);
  let ledger: TestLedger;
  let stack: SalesStack;
  let flightOffer: string;
  let weatherOffer: string;
  let now: number;

  const insurer = () => stack.auth.insurer;
  const chainNow = async () => (await ledger.provider.getBlock('latest'))!.timestamp;
  const flight = (departure: number, extra: object = {}) => ({
    carrier: 'lh',
    flightNumber: '400',
    scheduledDeparture: cet(departure),
    scheduledArrival: cet(departure + 9 * HOUR),
    origin: 'FRA',
    destination: 'JFK',
    ...extra,
  });

  before(async function () {
    this.timeout(180_000);
    ledger = await startTestLedger();
    stack = await startSalesStack(ledger, 1_000n * USD);
    now = await chainNow();
  });

  after(async function () {
    await stack?.close();
    await ledger?.stop();
  });

  describe('offers', () => {
    it('lets the insurer define a flight delay offer and a weather index offer with a seasonal tariff', async () => {
      const flightResponse = await call(stack, insurer(), 'POST', '/v1/offers', {
        kind: 'flight-delay',
        name: 'Transatlantic delay cover',
        delayTiers: [
          { minutes: 60, payout: String(50n * USD) },
          { minutes: 180, payout: String(150n * USD) },
        ],
        cancellationPayout: String(200n * USD),
        diversionPayout: String(100n * USD),
        sumInsured: String(200n * USD),
        cover: { startsBeforeDepartureMinutes: 60, endsAfterArrivalMinutes: 240 },
        cancellationRefundBps: 5_000,
        pricing: { premium: String(12n * USD) },
      });
      expect(flightResponse.status, await flightResponse.clone().text()).to.equal(201);
      flightOffer = ((await flightResponse.json()) as { id: string }).id;

      const start = new Date((now + 3 * DAY) * 1000).toISOString().slice(0, 10);
      const end = new Date((now + 9 * DAY) * 1000).toISOString().slice(0, 10);
      const month = Number(start.slice(5, 7));
      const weatherResponse = await call(stack, insurer(), 'POST', '/v1/offers', {
        kind: 'weather-index',
        name: 'Harvest rain cover',
        location: { latitude: 48.1372, longitude: 11.5756 },
        metric: 'PrecipitationSum',
        window: { startDate: start, endDate: end },
        aggregation: 'Sum',
        trigger: '5000',
        exit: '15000',
        sumInsured: String(1_000n * USD),
        cancellationRefundBps: 8_000,
        pricing: {
          tariff: [
            { location: '48.1372,11.5756', months: [month], rateBps: 450 },
            { months: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], rateBps: 900 },
          ],
        },
      });
      expect(weatherResponse.status, await weatherResponse.clone().text()).to.equal(201);
      weatherOffer = ((await weatherResponse.json()) as { id: string }).id;

      const listed = (await (await call(stack, stack.auth.walletClient, 'GET', '/v1/offers')).json()) as {
        items: { id: string }[];
      };
      expect(listed.items.map((item) => item.id)).to.have.members([flightOffer, weatherOffer]);
    });

    it('refuses tiers the product would refuse (out of order, above the sum insured)', async () => {
      const response = await call(stack, insurer(), 'POST', '/v1/offers', {
        kind: 'flight-delay',
        name: 'Bad tiers',
        delayTiers: [
          { minutes: 120, payout: String(50n * USD) },
          { minutes: 60, payout: String(500n * USD) },
        ],
        cancellationPayout: '0',
        diversionPayout: '0',
        sumInsured: String(200n * USD),
        cover: { endsAfterArrivalMinutes: 60 },
        cancellationRefundBps: 0,
        pricing: { premium: '1' },
      });
      expect(response.status).to.equal(400);
      const problem = (await response.json()) as Problem & { issues: { path: string }[] };
      expect(problem.code).to.equal('INVALID_REQUEST');
      expect(problem.issues.map((issue) => issue.path)).to.include('body.delayTiers');
    });

    it('keeps an offer defined with an Idempotency-Key once', async () => {
      const body = {
        kind: 'flight-delay',
        name: 'Short haul',
        delayTiers: [{ minutes: 90, payout: '1000000' }],
        cancellationPayout: '0',
        diversionPayout: '0',
        sumInsured: '1000000',
        cover: { endsAfterArrivalMinutes: 60 },
        cancellationRefundBps: 0,
        pricing: { premium: '100000' },
      };
      const first = await call(stack, insurer(), 'POST', '/v1/offers', body, { 'Idempotency-Key': 'offer-once' });
      const again = await call(stack, insurer(), 'POST', '/v1/offers', body, { 'Idempotency-Key': 'offer-once' });
      expect(again.headers.get('idempotent-replayed')).to.equal('true');
      expect(((await again.json()) as { id: string }).id).to.equal(((await first.json()) as { id: string }).id);
    });
  });

  describe('a flight delay policy for a client with its own wallet', () => {
    let proposal: ProposalAnswer;
    let policyId: string;

    it('proposes the policy: the wording anchored, the terms to co-sign and the permit', async () => {
      const departure = now + 3 * DAY;
      const response = await call(stack, insurer(), 'POST', '/v1/policies', {
        offerId: flightOffer,
        client: stack.walletClient.address,
        flight: flight(departure),
      });
      expect(response.status, await response.clone().text()).to.equal(201);
      proposal = (await response.json()) as ProposalAnswer;
      const { terms } = proposal.proposal;
      // The feed's date is the UTC date of the departure given with its offset.
      const utc = new Date(departure * 1000);
      expect(terms.departureDate).to.equal(
        utc.getUTCFullYear() * 10_000 + (utc.getUTCMonth() + 1) * 100 + utc.getUTCDate(),
      );
      expect(terms.scheduledDeparture).to.equal(departure);
      expect(terms.carrier).to.equal('LH');
      expect(terms.coverageStart).to.equal(departure - HOUR);
      // The wallet is shown the terms themselves, not a hash.
      const typed = proposal.consent!.termsCoSignature;
      expect(typed.primaryType).to.equal('FlightDelayCoSignature');
      expect((typed.message.terms as { delayTierMinutes: unknown[] }).delayTierMinutes.map(Number)).to.deep.equal([
        60, 180,
      ]);
      expect(proposal.consent!.permit!.primaryType).to.equal('Permit');
      expect(proposal.consent!.permit!.message.value).to.equal(String(12n * USD));

      const document = await call(stack, insurer(), 'GET', `/v1/documents/${proposal.proposal.documentHash}`);
      const view = (await document.json()) as { termsHash: string; documentType: string };
      expect(view.documentType).to.equal('Policy');
      expect(view.termsHash).to.equal(proposal.proposal.termsHash);
      // The wording states the terms in words and carries their struct hash.
      const content = await call(stack, insurer(), 'GET', `/v1/documents/${proposal.proposal.documentHash}/content`);
      const wording = await content.text();
      expect(wording).to.include('LH400');
      expect(wording).to.include(`scheduled departure ${cet(departure)}`);
      expect(wording).to.include('at least 180 minutes late: 150.0');
      expect(wording).to.include(proposal.proposal.termsHash);
    });

    it('refuses a co-signature made by another wallet and sends nothing', async () => {
      const stranger = new Wallet(Wallet.createRandom().privateKey);
      const typed = proposal.consent!.termsCoSignature;
      const response = await call(stack, stack.auth.walletClient, 'POST', proposal.consent!.href, {
        termsSignature: {
          nonce: String(typed.message.nonce),
          deadline: String(typed.message.deadline),
          signature: await walletSign(stranger, typed),
        },
      });
      expect(response.status).to.equal(422);
      expect(((await response.json()) as Problem).code).to.equal('INVALID_SIGNATURE');
      const state = (await (
        await call(stack, stack.auth.walletClient, 'GET', proposal.proposal.href)
      ).json()) as ProposalAnswer;
      expect(state.proposal.status).to.equal('awaiting-consent');
    });

    it('issues the policy once the client co-signs the terms and permits the premium in its wallet', async () => {
      const before = await premiumFunds(stack.api.ctx.ledger, stack.walletClient.address);
      const { termsCoSignature, permit, href } = proposal.consent!;
      const response = await call(stack, stack.auth.walletClient, 'POST', href, {
        termsSignature: {
          nonce: String(termsCoSignature.message.nonce),
          deadline: String(termsCoSignature.message.deadline),
          signature: await walletSign(stack.walletClient, termsCoSignature),
        },
        permit: {
          deadline: String(permit!.message.deadline),
          signature: await walletSign(stack.walletClient, permit!),
        },
      });
      expect(response.status, await response.clone().text()).to.equal(201);
      const issued = (await response.json()) as IssuedAnswer;
      policyId = issued.policy.id;
      expect(policyId).to.match(/^flight-\d+$/);
      expect(issued.policy.holder).to.equal(stack.walletClient.address);
      const after = await premiumFunds(stack.api.ctx.ledger, stack.walletClient.address);
      expect(before.balance - after.balance).to.equal(12n * USD);
      const onChain = await readPolicy(stack.api.ctx.ledger, 'flight', parsePolicyId(policyId)!.policyId);
      expect(onChain?.status).to.equal('Issued');
      expect(onChain?.documentHash).to.equal(proposal.proposal.documentHash);
    });

    it('refuses to issue a second policy on the same wording', async () => {
      const response = await call(stack, stack.auth.walletClient, 'POST', proposal.consent!.href, {
        signWithHostedKey: true,
      });
      expect(response.status).to.equal(409);
      expect(((await response.json()) as Problem).code).to.equal('PROPOSAL_ALREADY_ISSUED');
    });

    it('endorses the policy (a higher premium: the holder pays the increase), replacing it', async () => {
      const before = await premiumFunds(stack.api.ctx.ledger, stack.walletClient.address);
      const response = await call(stack, insurer(), 'POST', `/v1/policies/${policyId}/endorsements`, {
        premium: String(15n * USD),
      });
      expect(response.status, await response.clone().text()).to.equal(201);
      const endorsement = (await response.json()) as ProposalAnswer;
      expect(endorsement.proposal.premiumDue).to.equal(String(3n * USD));
      const { termsCoSignature, permit, href } = endorsement.consent!;
      const consent = await call(stack, stack.auth.walletClient, 'POST', href, {
        termsSignature: {
          nonce: String(termsCoSignature.message.nonce),
          deadline: String(termsCoSignature.message.deadline),
          signature: await walletSign(stack.walletClient, termsCoSignature),
        },
        permit: {
          deadline: String(permit!.message.deadline),
          signature: await walletSign(stack.walletClient, permit!),
        },
      });
      expect(consent.status, await consent.clone().text()).to.equal(201);
      const replaced = await readPolicy(stack.api.ctx.ledger, 'flight', parsePolicyId(policyId)!.policyId);
      expect(replaced?.status).to.equal('Endorsed');
      const after = await premiumFunds(stack.api.ctx.ledger, stack.walletClient.address);
      expect(before.balance - after.balance).to.equal(3n * USD);
      policyId = ((await consent.json()) as IssuedAnswer).policy.id;
    });

    it('lets the insurer cancel before its notice runs out, refunding the whole premium', async () => {
      const before = await premiumFunds(stack.api.ctx.ledger, stack.walletClient.address);
      const response = await call(stack, insurer(), 'POST', `/v1/policies/${policyId}/cancellation`, {});
      expect(response.status, await response.clone().text()).to.equal(200);
      const { cancellation } = (await response.json()) as { cancellation: { refund: string } };
      expect(cancellation.refund).to.equal(String(15n * USD));
      const after = await premiumFunds(stack.api.ctx.ledger, stack.walletClient.address);
      expect(after.balance - before.balance).to.equal(15n * USD);
      const again = await call(stack, insurer(), 'POST', `/v1/policies/${policyId}/cancellation`, {});
      expect(again.status).to.equal(409);
      expect(((await again.json()) as Problem).code).to.equal('POLICY_NOT_CANCELLABLE');
    });

    it("does not sign with a wallet client's key it does not hold", async () => {
      const response = await call(stack, insurer(), 'POST', '/v1/policies', {
        offerId: flightOffer,
        client: stack.walletClient.address,
        flight: flight(now + 4 * DAY),
      });
      const fresh = (await response.json()) as ProposalAnswer;
      const consent = await call(stack, stack.auth.walletClient, 'POST', fresh.consent!.href, {
        signWithHostedKey: true,
      });
      expect(consent.status).to.equal(403);
      expect(((await consent.json()) as Problem).code).to.equal('PARTY_NOT_HOSTED');
    });
  });

  describe('refusals before anything is sent', () => {
    async function refusal(body: object): Promise<Problem & { status: number }> {
      const response = await call(stack, insurer(), 'POST', '/v1/policies', body);
      return { ...((await response.json()) as Problem), status: response.status };
    }

    it('refuses cover for a flight that already departed', async () => {
      const problem = await refusal({
        offerId: flightOffer,
        client: stack.walletClient.address,
        flight: flight(now - HOUR),
      });
      expect(problem).to.include({ status: 422, code: 'FLIGHT_DEPARTED' });
    });

    it("refuses cover inside the product's cut-off before departure, naming it", async () => {
      const problem = await refusal({
        offerId: flightOffer,
        client: stack.walletClient.address,
        flight: flight((await chainNow()) + HOUR),
      });
      expect(problem).to.include({ status: 422, code: 'ISSUE_CLOSED' });
      expect(problem.detail).to.match(/120 minutes before departure/);
    });

    it('refuses a flight that departs before cover starts', async () => {
      const departure = now + 3 * DAY;
      const problem = await refusal({
        offerId: flightOffer,
        client: stack.walletClient.address,
        flight: flight(departure, { coverStart: cet(departure + HOUR) }),
      });
      expect(problem).to.include({ status: 422, code: 'DEPARTS_BEFORE_COVER' });
    });

    it('refuses a client that is not a party', async () => {
      const problem = await refusal({
        offerId: flightOffer,
        client: Wallet.createRandom().address,
        flight: flight(now + 3 * DAY),
      });
      expect(problem).to.include({ status: 422, code: 'CLIENT_NOT_A_PARTY' });
    });

    it('refuses a departure without its offset', async () => {
      const problem = await refusal({
        offerId: flightOffer,
        client: stack.walletClient.address,
        flight: flight(now + 3 * DAY, { scheduledDeparture: '2030-01-01T10:00:00' }),
      });
      expect(problem).to.include({ status: 400, code: 'INVALID_REQUEST' });
    });
  });

  describe('a weather index policy for the demo client, through the API without a wallet', () => {
    let policyId: string;

    it('prices it from the tariff and issues it with the hosted key', async () => {
      const response = await call(stack, insurer(), 'POST', '/v1/policies', {
        offerId: weatherOffer,
        client: ledger.parties[DEMO_CLIENT]!.wallet.address,
      });
      expect(response.status, await response.clone().text()).to.equal(201);
      const proposal = (await response.json()) as ProposalAnswer;
      // The location's own seasonal rate (4.5 %) comes before the general one.
      expect(proposal.proposal.premium).to.equal(String(45n * USD));
      expect(proposal.consent!.termsCoSignature.primaryType).to.equal('WeatherIndexCoSignature');
      const consent = await call(stack, stack.auth.demoClient, 'POST', proposal.consent!.href, {
        signWithHostedKey: true,
      });
      expect(consent.status, await consent.clone().text()).to.equal(201);
      policyId = ((await consent.json()) as IssuedAnswer).policy.id;
      expect(policyId).to.match(/^weather-\d+$/);
    });

    it('lets the holder cancel before cover starts, refunded as its terms say', async () => {
      const response = await call(stack, stack.auth.demoClient, 'POST', `/v1/policies/${policyId}/cancellation`, {});
      expect(response.status, await response.clone().text()).to.equal(200);
      const { cancellation } = (await response.json()) as { cancellation: { refund: string } };
      expect(cancellation.refund).to.equal(String((45n * USD * 8_000n) / 10_000n));
    });

    it('answers a holder without credit that there is nothing to claim', async () => {
      const credit = await call(stack, stack.auth.demoClient, 'GET', '/v1/credits');
      expect(((await credit.json()) as { credit: string }).credit).to.equal('0');
      const claim = await call(stack, stack.auth.demoClient, 'POST', '/v1/credits/claim', {});
      expect(claim.status).to.equal(409);
      expect(((await claim.json()) as Problem).code).to.equal('NO_CREDIT');
    });
  });

  describe('time passing between proposal and consent', () => {
    it("refuses the consent once the product's cut-off before departure has passed", async () => {
      const response = await call(stack, insurer(), 'POST', '/v1/policies', {
        offerId: flightOffer,
        client: ledger.parties[DEMO_CLIENT]!.wallet.address,
        flight: flight((await chainNow()) + 3 * HOUR),
      });
      expect(response.status, await response.clone().text()).to.equal(201);
      const proposal = (await response.json()) as ProposalAnswer;
      await ledger.advanceTime(2 * HOUR);
      const consent = await call(stack, stack.auth.demoClient, 'POST', proposal.consent!.href, {
        signWithHostedKey: true,
      });
      expect(consent.status).to.equal(422);
      expect(((await consent.json()) as Problem).code).to.equal('ISSUE_CLOSED');
      const state = (await (
        await call(stack, stack.auth.demoClient, 'GET', proposal.proposal.href)
      ).json()) as ProposalAnswer;
      expect(state.proposal.status).to.equal('awaiting-consent');
    });
  });
});
