/**
 * `GET /v1/policies` and `GET /v1/policies/{id}` by role, over the parametric scenario: the client reads its own, the
 * insurer its book, the reinsurer the ceded policies and the auditor all of them, both with holders masked; ADMIN and
 * ORACLE parties are refused. Filters and cursor pagination as for documents.
 */
import { expect } from 'chai';
import { Wallet } from 'ethers';
import { roleId } from '../../../services/ledger/parties.js';
import { ConsortiumAccess__factory } from '../../../types/ethers-contracts/index.js';
import { apiKeyFor } from '../../helpers/api-client.js';
import { governance } from '../matrix-stack.js';
import { ADMIN, AUDITOR, CLIENT, INSURER, ORACLE, REINSURER, startReadStack, type ReadStack } from './read-stack.js';

interface PolicyBody {
  id: string;
  product: string;
  holder: string;
  holderMasked: boolean;
  status: string;
  premium: string;
  payout: string | null;
  refund: string | null;
  ceded: boolean;
  cover: { start: string; end: string };
  terms: Record<string, unknown> | null;
  insured: Record<string, unknown> | null;
  links: { timeline: string };
}

describe('policies API: reading policies', function () {
  this.timeout(240_000);
  let stack: ReadStack;
  /** Party 9, an ORACLE made a CLIENT too: a client holding none of the scenario's policies. */
  let otherClient: string;

  before(async function () {
    this.timeout(240_000);
    stack = await startReadStack();
    const other = stack.ledger.parties[9]!.wallet;
    const access = ConsortiumAccess__factory.connect(stack.ledger.deployment.consortiumAccess);
    await governance(stack.ledger, access.interface.encodeFunctionData('grantRole', [roleId('CLIENT'), other.address]));
    otherClient = await apiKeyFor(stack.api.url, new Wallet(other.privateKey));
  });

  after(async () => {
    await stack?.close();
  });

  async function list(
    party: number | undefined,
    query = '',
  ): Promise<{ items: PolicyBody[]; nextCursor: string | null }> {
    const answer = await stack.get(party, `/v1/policies${query}`);
    expect(answer.status, await answer.clone().text()).to.equal(200);
    return (await answer.json()) as { items: PolicyBody[]; nextCursor: string | null };
  }

  const holder = () => stack.ledger.parties[CLIENT]!.wallet.address;
  const allIds = () => [
    stack.scenario.paidFlight.id,
    stack.scenario.cancelledFlight.id,
    stack.scenario.expiredFlight.id,
    stack.scenario.paidWeather.id,
  ];

  it('gives the client its own policies, holder in clear', async () => {
    const { items } = await list(CLIENT);
    expect(items.map((item) => item.id)).to.deep.equal(allIds());
    expect(items.every((item) => item.holder === holder() && !item.holderMasked)).to.equal(true);
    const answer = await fetch(`${stack.api.url}/v1/policies`, { headers: { Authorization: otherClient } });
    expect(((await answer.json()) as { items: unknown[] }).items).to.deep.equal([]);
    const foreign = await fetch(`${stack.api.url}/v1/policies/${stack.scenario.paidFlight.id}`, {
      headers: { Authorization: otherClient },
    });
    expect(foreign.status).to.equal(404);
    expect(((await foreign.json()) as { code: string }).code).to.equal('POLICY_NOT_FOUND');
  });

  it('gives the insurer its book in clear, the reinsurer the ceded policies and the auditor all, masked', async () => {
    expect((await list(INSURER)).items.map((item) => [item.id, item.holder])).to.deep.equal(
      allIds().map((id) => [id, holder()]),
    );
    for (const party of [REINSURER, AUDITOR]) {
      const { items } = await list(party);
      expect(items.map((item) => item.id)).to.deep.equal(allIds());
      for (const item of items) {
        expect(item.holderMasked).to.equal(true);
        expect(item.holder).to.not.equal(holder());
        expect(item.holder.endsWith(holder().slice(-4))).to.equal(true);
        if (item.terms !== null) expect(item.terms.policyholder).to.equal(item.holder);
      }
    }
  });

  it('refuses ADMIN and ORACLE parties, and callers without credentials', async () => {
    for (const party of [ADMIN, ORACLE]) {
      const answer = await stack.get(party, '/v1/policies');
      expect(answer.status).to.equal(403);
      expect(((await answer.json()) as { code: string }).code).to.equal('ROLE_REQUIRED');
    }
    expect((await stack.get(undefined, `/v1/policies/${stack.scenario.paidFlight.id}`)).status).to.equal(401);
  });

  it('answers one policy with its money, cover, terms and what it insures', async () => {
    const answer = await stack.get(CLIENT, `/v1/policies/${stack.scenario.paidFlight.id}`);
    expect(answer.status).to.equal(200);
    const policy = (await answer.json()) as PolicyBody;
    expect(policy).to.deep.include({
      id: stack.scenario.paidFlight.id,
      product: 'flight',
      status: 'Paid',
      premium: '20000000',
      payout: '200000000',
      ceded: true,
    });
    expect(policy.insured).to.deep.include({ kind: 'flight', carrier: 'BA', flightNumber: '196' });
    expect(policy.links.timeline).to.equal(`/v1/policies/${stack.scenario.paidFlight.id}/timeline`);
    const weather = (await (
      await stack.get(CLIENT, `/v1/policies/${stack.scenario.paidWeather.id}`)
    ).json()) as PolicyBody;
    expect(weather.insured).to.deep.include({ kind: 'weather', latitudeE4: 522671, metric: 'PrecipitationSum' });
    expect(
      (await (await stack.get(CLIENT, `/v1/policies/${stack.scenario.cancelledFlight.id}`)).json()) as PolicyBody,
    ).to.deep.include({ status: 'Cancelled', refund: '18000000' });
    const unknown = await stack.get(AUDITOR, '/v1/policies/flight-999');
    expect(unknown.status).to.equal(404);
  });

  it('filters, and pages with a cursor; a foreign cursor is 400 INVALID_CURSOR', async () => {
    expect((await list(INSURER, '?product=weather')).items.map((item) => item.id)).to.deep.equal([
      stack.scenario.paidWeather.id,
    ]);
    expect((await list(INSURER, '?status=Paid')).items).to.have.length(2);
    expect(
      (await list(INSURER, `?feedId=${stack.scenario.expiredFlight.feedId}`)).items.map((i) => i.id),
    ).to.deep.equal([stack.scenario.expiredFlight.id]);
    expect((await list(INSURER, `?documentHash=${stack.scenario.paidWeather.documentHash}`)).items).to.have.length(1);
    expect((await list(INSURER, '?issuedTo=2000-01-01')).items).to.deep.equal([]);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(INSURER, `?limit=3${cursor === null ? '' : `&cursor=${cursor}`}`);
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen).to.deep.equal(allIds());
    const bad = await stack.get(INSURER, '/v1/policies?cursor=bm90LWEtY3Vyc29y');
    expect(bad.status).to.equal(400);
    expect(((await bad.json()) as { code: string }).code).to.equal('INVALID_CURSOR');
    const badId = await stack.get(INSURER, '/v1/policies/policy-1');
    expect(badId.status).to.equal(400);
    expect(((await badId.json()) as { code: string }).code).to.equal('INVALID_REQUEST');
  });
});
