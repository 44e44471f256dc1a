import { expect } from 'chai';
import { NonceManager, Wallet, type Signer } from 'ethers';
import { treatiesRouter } from '../../../services/api/treaties/routes.js';
import { auditTreaty } from '../../../scripts/audit-treaty.js';
import { startTestLedger, type TestLedger } from '../../helpers/api-chain.js';
import { apiKeyFor, startTestApi, type TestApi } from '../../helpers/api-client.js';
import { runTreatyScenario, type TreatyScenario } from './scenario.js';

const usd = (dollars: number) => (BigInt(dollars) * 10n ** 6n).toString();

interface Line {
  id: string;
  kind: string;
  transactionHash: string;
  policyId: string | null;
  feedId: string | null;
  amounts: Record<string, string>;
}
interface SignedStatement {
  statement: {
    treaty: string;
    period: { from: string | null; to: string | null; fromBlock: number; toBlock: number };
    lines: Line[];
    events: { feedId: string; losses: number; gross: string; cededExcessOfLoss: string; shortfall: string }[];
    totals: Record<string, string | number>;
  };
  signature: { signer: string; statementHash: string; signature: string };
}

/** The CSV's rows as objects by column name (the statement's CSV has no quoted fields). */
function csvRows(text: string): Record<string, string>[] {
  const [header, ...rows] = text.trimEnd().split('\r\n');
  const columns = header!.split(',');
  return rows.map((row) =>
    Object.fromEntries(row.split(',').map((value, i): [string, string] => [columns[i]!, value])),
  );
}

describe('treaty statement', function () {
  this.timeout(120_000);
  let ledger: TestLedger;
  let api: TestApi;
  let scenario: TreatyScenario;
  let reinsurerKey: string;
  let full: SignedStatement;

  before(async function () {
    this.timeout(120_000);
    ledger = await startTestLedger();
    scenario = await runTreatyScenario(ledger);
    const reinsurer = ledger.parties[3]!.wallet;
    // The API holds the reinsurer's key, as the reinsurer's own member API would.
    const signers = new Map<string, Signer>([
      [reinsurer.address, new NonceManager(new Wallet(reinsurer.privateKey, ledger.provider))],
    ]);
    api = await startTestApi(ledger, { routers: (ctx) => [treatiesRouter(ctx)], context: { signers } });
    reinsurerKey = await apiKeyFor(api.url, new Wallet(reinsurer.privateKey));
    // Up to a fixed time: the chain mines a block a second, and an open period would end at a new block each time.
    full = await statement(untilEnd());
  });

  after(async function () {
    await api?.close();
    await ledger?.stop();
  });

  const untilEnd = () => `?to=${encodeURIComponent(scenario.marks.end)}`;

  async function get(query = '', accept = 'application/json'): Promise<Response> {
    return fetch(`${api.url}/v1/treaties/${scenario.treaty}/statement${query}`, {
      headers: { Authorization: reinsurerKey, Accept: accept },
    });
  }

  async function statement(query = ''): Promise<SignedStatement> {
    const response = await get(query);
    expect(response.status, await response.clone().text()).to.equal(200);
    return (await response.json()) as SignedStatement;
  }

  it('states every cession, refund, shortfall and collateral move of the year', () => {
    const count = (kind: string) => full.statement.lines.filter((line) => line.kind === kind).length;
    expect(count('PremiumCeded')).to.equal(2 + 36);
    expect(count('PremiumReturned')).to.equal(2);
    expect(count('PremiumReturnShortfall')).to.equal(1);
    expect(count('LossCeded')).to.equal(2 + 10 + 8 + 3);
    expect(count('CollateralShortfall')).to.equal(1);
    expect(count('PremiumOffset')).to.equal(1);
    expect(count('ShortfallPaid')).to.equal(2);
    expect(count('PremiumWithdrawn')).to.equal(1);
    expect(count('CollateralWithdrawn')).to.equal(1);
    // The deployment's collateral and the scenario's.
    expect(count('CollateralPosted')).to.equal(2);
    for (const line of full.statement.lines) {
      expect(line.id).to.match(/^\d+-\d+$/);
      expect(line.transactionHash).to.match(/^0x[0-9a-f]{64}$/);
    }
  });

  it('cedes the excess-of-loss layer per event, within the aggregate', () => {
    const byFeed = new Map(full.statement.events.map((event) => [event.feedId, event]));
    expect(byFeed.get(scenario.feeds.flight)).to.include({ losses: 2, gross: usd(500), cededExcessOfLoss: '0' });
    expect(byFeed.get(scenario.feeds.a)).to.include({ losses: 10, cededExcessOfLoss: usd(11_000), shortfall: '0' });
    expect(byFeed.get(scenario.feeds.b)).to.include({ losses: 8, cededExcessOfLoss: '0' });
    // 39,000 of the aggregate was left; the 20,000 limit binds.
    expect(byFeed.get(scenario.feeds.c)).to.include({ losses: 3, cededExcessOfLoss: usd(20_000) });
    expect(full.statement.totals.lossesCededExcessOfLoss).to.equal(usd(31_000));
    expect(full.statement.totals.grossLosses).to.equal(usd(500 + 30_000 + 8_000 + 120_000));
  });

  it('shows the shortfall repaid in full', () => {
    const { totals } = full.statement;
    const owed = BigInt(totals.collateralShortfall!) + BigInt(totals.premiumReturnShortfall!);
    expect(owed > 0n).to.equal(true);
    expect(totals.shortfallRepaid).to.equal(owed.toString());
  });

  it('equals the independent re-derivation from the chain to the unit, signature included', async () => {
    const report = await auditTreaty({ treaty: scenario.treaty, rpcUrl: ledger.rpcUrl, statement: full });
    expect(report.differences).to.deep.equal([]);
    expect(report.derived.lines).to.deep.equal(full.statement.lines);
    expect(report.signature?.recoveredSigner).to.equal(ledger.parties[3]!.wallet.address);
  });

  it('states a period in block times, which the audit re-derives too', async () => {
    const query = `?from=${encodeURIComponent(scenario.marks.eventB)}&to=${encodeURIComponent(scenario.marks.shortfall)}`;
    const period = await statement(query);
    const kinds = new Set(period.statement.lines.map((line) => line.kind));
    expect([...kinds].sort()).to.deep.equal(['CollateralWithdrawn', 'LossCeded', 'PremiumWithdrawn']);
    expect(period.statement.events.map((event) => event.feedId)).to.deep.equal([scenario.feeds.b]);
    const report = await auditTreaty({ treaty: scenario.treaty, rpcUrl: ledger.rpcUrl, statement: period });
    expect(report.differences).to.deep.equal([]);
  });

  it('gives the same figures as CSV, signed in its headers', async () => {
    const response = await get(untilEnd(), 'text/csv');
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-type')).to.match(/^text\/csv/);
    const rows = csvRows(await response.text());
    const totals = Object.fromEntries(
      rows.filter((row) => row.section === 'total').map((row): [string, string | undefined] => [row.id!, row.amount]),
    );
    expect(totals).to.deep.equal(
      Object.fromEntries(Object.entries(full.statement.totals).map(([name, value]) => [name, String(value)])),
    );
    expect(rows.filter((row) => row.section === 'line').map((row) => row.id)).to.deep.equal(
      full.statement.lines.map((line) => line.id),
    );
    expect(response.headers.get('x-statement-hash')).to.equal(full.signature.statementHash);
  });

  describe('POST /v1/treaties/statements/verify', () => {
    async function verify(body: unknown): Promise<{ valid: boolean; hashMatches: boolean; problems: string[] }> {
      const response = await fetch(`${api.url}/v1/treaties/statements/verify`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status).to.equal(200);
      return (await response.json()) as { valid: boolean; hashMatches: boolean; problems: string[] };
    }

    it('recovers the reinsurer, an active party, from a genuine statement', async () => {
      const check = await verify(full);
      expect(check).to.include({ valid: true, hashMatches: true, signerMatches: true });
      expect(check).to.have.nested.property('signerParty.active', true);
    });

    it('refuses a tampered signature', async () => {
      const flipped = full.signature.signature.replace(/.$/, (last) => (last === '0' ? '1' : '0'));
      const check = await verify({ ...full, signature: { ...full.signature, signature: flipped } });
      expect(check.valid).to.equal(false);
      expect(check.problems.join(' ')).to.match(/signature/);
    });

    it('refuses a statement with one amount changed', async () => {
      const tampered = structuredClone(full);
      tampered.statement.totals.grossLosses = '1';
      const check = await verify(tampered);
      expect(check).to.include({ valid: false, hashMatches: false });
    });
  });
});
