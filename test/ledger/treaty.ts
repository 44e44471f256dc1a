import { expect } from 'chai';
import { Wallet } from 'ethers';
import { blockRangeOfPeriod, readTreaty, treatyStatementLines } from '../../services/ledger/treaty.js';
import { startTestLedger, type TestLedger } from '../helpers/api-chain.js';

describe('treaty reads', function () {
  this.timeout(60_000);
  let ledger: TestLedger;

  before(async function () {
    this.timeout(60_000);
    ledger = await startTestLedger();
  });

  after(async function () {
    await ledger?.stop();
  });

  describe('readTreaty', () => {
    it('reads the local treaty: its parties and terms', async () => {
      const treaty = await readTreaty(ledger, ledger.deployment.reinsuranceTreaty!.toLowerCase());
      expect(treaty).to.deep.include({
        address: ledger.deployment.reinsuranceTreaty,
        pool: ledger.deployment.riskPool,
        insurer: ledger.parties[2]!.wallet.address,
        reinsurer: ledger.parties[3]!.wallet.address,
        consortium: ledger.deployment.consortiumAccess,
        active: true,
      });
      expect(treaty?.terms).to.deep.equal({
        quotaShareBps: 3_000,
        cedingCommissionBps: 2_000,
        excessOfLossAttachment: 10_000_000_000n,
        excessOfLossLimit: 20_000_000_000n,
        excessOfLossAggregateLimit: 50_000_000_000n,
      });
    });

    it('finds no treaty at an account without code, nor at a contract that is not a treaty', async () => {
      expect(await readTreaty(ledger, Wallet.createRandom().address)).to.equal(null);
      expect(await readTreaty(ledger, ledger.deployment.consortiumAccess)).to.equal(null);
    });
  });

  describe('blockRangeOfPeriod', () => {
    it('covers the blocks whose time is at or after from and before to', async () => {
      const latest = await ledger.provider.getBlock('latest');
      const at = new Date(latest!.timestamp * 1000);
      const range = await blockRangeOfPeriod(ledger, { from: at, to: new Date(at.getTime() + 1000) });
      const first = await ledger.provider.getBlock(range.fromBlock);
      expect(first!.timestamp).to.equal(latest!.timestamp);
      const before = await ledger.provider.getBlock(range.fromBlock - 1);
      expect(before!.timestamp).to.be.below(latest!.timestamp);
      const last = await ledger.provider.getBlock(range.toBlock);
      expect(last!.timestamp).to.equal(latest!.timestamp);
    });

    it('is empty for a period after the latest block, and has no lines', async () => {
      const range = await blockRangeOfPeriod(ledger, { from: new Date(Date.now() + 365 * 86_400_000) });
      expect(range.fromBlock).to.be.greaterThan(range.toBlock);
      expect(await treatyStatementLines(ledger, ledger.deployment.reinsuranceTreaty!, range)).to.deep.equal([]);
    });
  });

  describe('treatyStatementLines', () => {
    it('gives the collateral the reinsurer posted at deployment, pointing at its transaction and log', async () => {
      const range = await blockRangeOfPeriod(ledger, {});
      const lines = await treatyStatementLines(ledger, ledger.deployment.reinsuranceTreaty!, range);
      expect(lines).to.have.length(1);
      const [posted] = lines;
      expect(posted).to.deep.include({ kind: 'CollateralPosted', amounts: { amount: 500_000_000_000n } });
      expect(posted!.id).to.equal(`${posted!.blockNumber}-${posted!.logIndex}`);
      const receipt = await ledger.provider.getTransactionReceipt(posted!.transactionHash);
      expect(receipt!.logs.some((log) => log.index === posted!.logIndex)).to.equal(true);
    });
  });
});
