/**
 * `GET /v1/book` over the parametric scenario and a few policies left open: the insurer's exposure by flight and by
 * location (agreeing with the pool's own totals), premiums, paid losses, recoveries and solvency; who may read which
 * pool.
 */
import { expect } from 'chai';
import { Wallet } from 'ethers';
import { roleId } from '../../../services/ledger/parties.js';
import { ConsortiumAccess__factory } from '../../../types/ethers-contracts/index.js';
import { apiKeyFor } from '../../helpers/api-client.js';
import {
  DAY,
  flightTerms,
  issueFlight,
  issueWeather,
  now,
  rainfallTerms,
  usd,
  utcDate,
} from '../../indexer/policies-scenario.js';
import { governance } from '../matrix-stack.js';
import {
  ADMIN,
  AUDITOR,
  CLIENT,
  INSURER,
  ORACLE,
  REINSURER,
  startReadStack,
  type ReadStack,
} from '../policies/read-stack.js';

interface Exposure {
  accumulationKey: string;
  locked: string;
  policies: number;
  flight?: string;
  metric?: string;
  dates?: number[];
}
interface Book {
  pool: string;
  exposure: {
    locked: string;
    lockedByIndex: string;
    openPolicies: number;
    byFlight: Exposure[];
    byLocation: Exposure[];
  };
  premiums: Record<string, string>;
  losses: Record<string, string | number>;
  recoveries: Record<string, string>;
  solvency: Record<string, string>;
  capital: Record<string, string>;
  accumulation: { cap: string; largest: string | null };
}

describe('book API: the insurer’s book', function () {
  this.timeout(240_000);
  let stack: ReadStack;
  let otherInsurer: string;
  let openFlightFeed: string;

  before(async function () {
    this.timeout(240_000);
    stack = await startReadStack();
    // Two more policies on one flight and a rainfall policy, all still open.
    const holder = stack.ledger.parties[CLIENT]!.wallet.address;
    const at = await now(stack.ledger);
    openFlightFeed = (await issueFlight(stack.ledger, flightTerms(holder, at, '15'))).feedId;
    await issueFlight(stack.ledger, { ...flightTerms(holder, at, '15'), premium: usd(25) });
    await issueWeather(stack.ledger, rainfallTerms(holder, utcDate(at + 2 * DAY), utcDate(at + 4 * DAY)));
    await stack.sync();
    // Party 7 (an ORACLE) made an INSURER: an insurer of no pool here.
    const other = stack.ledger.parties[7]!.wallet;
    const access = ConsortiumAccess__factory.connect(stack.ledger.deployment.consortiumAccess);
    await governance(
      stack.ledger,
      access.interface.encodeFunctionData('grantRole', [roleId('INSURER'), other.address]),
    );
    otherInsurer = await apiKeyFor(stack.api.url, new Wallet(other.privateKey));
  });

  after(async () => {
    await stack?.close();
  });

  async function book(party: number, query = ''): Promise<Book> {
    const answer = await stack.get(party, `/v1/book${query}`);
    expect(answer.status, await answer.clone().text()).to.equal(200);
    return (await answer.json()) as Book;
  }

  it('gives locked exposure by flight and by location, agreeing with the pool', async () => {
    const body = await book(INSURER);
    expect(body.pool).to.equal(stack.ledger.deployment.riskPool);
    expect(body.exposure.openPolicies).to.equal(3);
    expect(body.exposure.lockedByIndex).to.equal(body.exposure.locked);
    expect(body.exposure.locked).to.equal((usd(250) * 2n + usd(1_000)).toString());
    expect(body.exposure.byFlight).to.have.length(1);
    expect(body.exposure.byFlight[0]).to.deep.include({
      accumulationKey: openFlightFeed,
      flight: 'BA15',
      locked: usd(500).toString(),
      policies: 2,
    });
    expect(body.exposure.byLocation).to.have.length(1);
    expect(body.exposure.byLocation[0]).to.deep.include({ locked: usd(1_000).toString(), metric: 'PrecipitationSum' });
    expect(body.exposure.byLocation[0]!.dates).to.have.length(3);
    expect(body.accumulation.largest).to.equal(body.exposure.byLocation[0]!.accumulationKey);
    expect(body.premiums.reservedByIndex).to.equal(body.premiums.reserved);
  });

  it('totals premiums, paid losses, recoveries and solvency headroom', async () => {
    const body = await book(INSURER);
    expect(body.premiums).to.deep.include({
      written: usd(20 * 3 + 60 + 20 + 25 + 60).toString(),
      refunded: usd(18).toString(),
    });
    expect(body.losses).to.deep.include({ paid: usd(200 + 750).toString(), paidPolicies: 2, credited: '0' });
    expect(body.recoveries).to.deep.equal({
      quotaShare: usd(60 + 225).toString(),
      excessOfLoss: '0',
      total: usd(285).toString(),
    });
    expect(body.capital.deposited).to.equal(usd(1_000_000).toString());
    const { assets, reinsuranceCapacity, liabilities, headroom } = body.solvency;
    expect(BigInt(headroom!)).to.equal(BigInt(assets!) + BigInt(reinsuranceCapacity!) - BigInt(liabilities!));
  });

  it('lets ADMIN and AUDITOR read any pool the index follows, the insurer only its own', async () => {
    const pool = stack.ledger.deployment.riskPool!;
    expect((await book(ADMIN, `?pool=${pool}`)).pool).to.equal(pool);
    expect((await book(AUDITOR)).pool).to.equal(pool);
    for (const party of [REINSURER, CLIENT, ORACLE]) {
      const answer = await stack.get(party, '/v1/book');
      expect(answer.status).to.equal(403);
      expect(((await answer.json()) as { code: string }).code).to.equal('ROLE_REQUIRED');
    }
    const notOwn = await fetch(`${stack.api.url}/v1/book`, { headers: { Authorization: otherInsurer } });
    expect(notOwn.status).to.equal(403);
    expect(((await notOwn.json()) as { code: string }).code).to.equal('NOT_POOL_INSURER');
    const unknown = await stack.get(AUDITOR, `/v1/book?pool=${stack.ledger.deployment.oracleHub}`);
    expect(unknown.status).to.equal(404);
    expect(((await unknown.json()) as { code: string }).code).to.equal('POOL_NOT_FOUND');
    expect((await fetch(`${stack.api.url}/v1/book`)).status).to.equal(401);
  });
});
