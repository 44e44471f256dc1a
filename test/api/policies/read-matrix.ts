/**
 * The policy the authorisation matrix reads: one flight policy of the client's, issued once per stack (through fresh
 * connections of the keys: the API keeps its own nonce count for the insurer) and awaited in the API's index. Answers
 * its name, `flight-<n>`.
 */
import { NonceManager, Wallet } from 'ethers';
import type { TestLedger } from '../../helpers/api-chain.js';
import { flightTerms, issueFlight, now } from '../../indexer/policies-scenario.js';
import { AUDITOR, call, CLIENT, eventually, INSURER, type MatrixStack } from '../matrix-stack.js';

const issued = new WeakMap<MatrixStack, Promise<string>>();

export function matrixPolicy(ledger: TestLedger, stack: MatrixStack): Promise<string> {
  let policy = issued.get(stack);
  if (policy === undefined) {
    policy = issue(ledger, stack);
    issued.set(stack, policy);
  }
  return policy;
}

async function issue(ledger: TestLedger, stack: MatrixStack): Promise<string> {
  // Its own nonce count: the provider may answer a transaction count from a short cache between two sends.
  const wallet = (party: number) =>
    new NonceManager(new Wallet(ledger.parties[party]!.wallet.privateKey, ledger.provider));
  const terms = flightTerms(stack.address(CLIENT), await now(ledger), '404');
  const { id } = await issueFlight(ledger, terms, { insurer: wallet(INSURER), holder: wallet(CLIENT) });
  return eventually(`${id} indexed`, async () =>
    (await call(stack, stack.auth.get(AUDITOR), 'GET', `/v1/policies/${id}`)).status === 200 ? id : undefined,
  );
}
