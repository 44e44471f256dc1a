/**
 * The treaty history behind the reinsurer dashboard's charts (services/api/treaties/web-history.ts): cumulative
 * figures after each change, one point per instant, and the open exposure by accumulation key.
 */
import { expect } from 'chai';
import type { IndexedPolicy } from '../../services/indexer/parametric-types.js';
import type { TreatyRecord } from '../../services/ledger/treaty.js';
import type { TreatyStatement } from '../../services/api/treaties/statement.js';
import { treatyHistory } from '../../services/api/treaties/web-history.js';

const treaty = {
  address: '0x00000000000000000000000000000000000000aa',
  terms: { quotaShareBps: 3000 },
} as TreatyRecord;

function policy(id: string, maxPayout: string, issuedAt: string, closedAt: string | null, key: string): IndexedPolicy {
  return { id, maxPayout, issuedAt, closedAt, accumulationKey: key, ceded: true } as IndexedPolicy;
}

function line(kind: string, time: string, amounts: Record<string, string>) {
  return { kind, time, amounts } as TreatyStatement['lines'][number];
}

describe('treaty history for the reinsurer dashboard', function () {
  it('accumulates exposure, ceded premium and losses in time order, one point per instant', function () {
    const statement = {
      lines: [
        line('PremiumCeded', '2026-12-01T10:00:00.000Z', { cededPremium: '3600000', cedingCommission: '720000' }),
        line('CollateralPosted', '2026-12-01T09:00:00.000Z', { amount: '500000000' }),
        line('LossCeded', '2026-12-02T06:00:00.000Z', {
          gross: '50000000',
          cededQuotaShare: '15000000',
          cededExcessOfLoss: '1000000',
          net: '34000000',
        }),
        line('PremiumCeded', '2026-12-02T07:00:00.000Z', { cededPremium: '45000000', cedingCommission: '9000000' }),
      ],
    } as TreatyStatement;
    const policies = [
      policy('flight-1', '400000000', '2026-12-01T10:00:00.000Z', '2026-12-02T06:00:00.000Z', 'JQ762-20261202'),
      policy('weather-2', '3000000000', '2026-12-02T07:00:00.000Z', null, 'loc-52.2671-6.8207'),
    ];
    const history = treatyHistory(treaty, statement, policies);
    expect(history.points).to.deep.equal([
      {
        time: '2026-12-01T10:00:00.000Z',
        openLimits: '400000000',
        quotaShareExposure: '120000000',
        premiumCeded: '3600000',
        grossLosses: '0',
        lossesCeded: '0',
      },
      {
        time: '2026-12-02T06:00:00.000Z',
        openLimits: '0',
        quotaShareExposure: '0',
        premiumCeded: '3600000',
        grossLosses: '50000000',
        lossesCeded: '16000000',
      },
      {
        time: '2026-12-02T07:00:00.000Z',
        openLimits: '3000000000',
        quotaShareExposure: '900000000',
        premiumCeded: '48600000',
        grossLosses: '50000000',
        lossesCeded: '16000000',
      },
    ]);
    expect(history.exposureByKey).to.deep.equal([
      {
        accumulationKey: 'loc-52.2671-6.8207',
        policies: 1,
        openLimits: '3000000000',
        quotaShareExposure: '900000000',
      },
    ]);
  });

  it('answers no points for a treaty nothing was ceded to', function () {
    const history = treatyHistory(treaty, { lines: [] } as unknown as TreatyStatement, []);
    expect(history).to.deep.equal({ treaty: treaty.address, points: [], exposureByKey: [] });
  });
});
