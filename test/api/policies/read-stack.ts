/**
 * The read side of the policies API over a test ledger that has run the parametric scenario
 * (`test/indexer/policies-scenario.ts`): a SQLite chain index synced to the chain's head, an in-process API with the
 * policy and book routes, and API keys for the local parties. One per test file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Wallet } from 'ethers';
import { bookRouter } from '../../../services/api/book/routes.js';
import { policyReadRouter } from '../../../services/api/policies/read-routes.js';
import { ChainIndexer, openChainIndex, type ChainIndex } from '../../../services/indexer/index.js';
import { startTestLedger, type TestLedger } from '../../helpers/api-chain.js';
import { apiKeyFor, startTestApi, type TestApi } from '../../helpers/api-client.js';
import { runPolicyScenario, type ScenarioResult } from '../../indexer/policies-scenario.js';

export const ADMIN = 0;
export const INSURER = 2;
export const REINSURER = 3;
export const CLIENT = 4;
export const ORACLE = 5;
export const AUDITOR = 8;

export interface ReadStack {
  ledger: TestLedger;
  api: TestApi;
  index: ChainIndex;
  scenario: ScenarioResult;
  /** API keys (`Authorization` values) by party index. */
  auth: Map<number, string>;
  get(party: number | undefined, path: string): Promise<Response>;
  /** Brings the index up to the chain's head. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

export async function startReadStack(): Promise<ReadStack> {
  const ledger = await startTestLedger();
  const scratch = mkdtempSync(path.join(tmpdir(), 'policyledger-policies-api-'));
  try {
    const scenario = await runPolicyScenario(ledger);
    const index = await openChainIndex({ sqliteFile: path.join(scratch, 'index.sqlite') });
    const indexer = new ChainIndexer({ deployment: ledger.deployment, provider: ledger.provider }, index);
    await indexer.syncOnce();
    const api = await startTestApi(ledger, {
      context: { index },
      routers: (ctx) => [policyReadRouter(ctx), bookRouter(ctx)],
      dataDir: scratch,
    });
    const auth = new Map<number, string>();
    for (const party of [ADMIN, INSURER, REINSURER, CLIENT, ORACLE, AUDITOR]) {
      auth.set(party, await apiKeyFor(api.url, new Wallet(ledger.parties[party]!.wallet.privateKey)));
    }
    return {
      ledger,
      api,
      index,
      scenario,
      auth,
      sync: async () => {
        await indexer.syncOnce();
      },
      get: (party, route) =>
        fetch(`${api.url}${route}`, party === undefined ? {} : { headers: { Authorization: auth.get(party)! } }),
      async close() {
        await api.close();
        await index.close();
        await ledger.stop();
        rmSync(scratch, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await ledger.stop();
    rmSync(scratch, { recursive: true, force: true });
    throw error;
  }
}
