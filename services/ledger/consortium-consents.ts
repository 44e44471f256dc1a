/**
 * The consents the hardening of the capital contracts added: nothing is wired into a risk pool (a product, a treaty)
 * without the recorded consent of the parties whose money it can draw on — the pool's insurer always, the attached
 * treaty's reinsurer for a product added while the treaty is there. Dual control then executes `setProduct` /
 * `setTreaty`, using each consent up. (A treaty's reinsurer consents to the pool by co-signing the treaty document.)
 */
import { getAddress } from 'ethers';
import { ReinsuranceTreaty__factory, RiskPool__factory } from '../../types/ethers-contracts/index.js';
import type { LedgerClient } from './client.js';
import type { CallRequest } from './consortium-transactions.js';
import { withDecodedErrors } from './errors.js';

/** The pool call by which the sender gives (or withdraws) its consent to wiring `target` into `riskPool`. */
export function wiringConsentRequest(riskPool: string, target: string, consented: boolean): CallRequest {
  const data = RiskPool__factory.createInterface().encodeFunctionData('consentToWiring', [target, consented]);
  return { to: riskPool, data };
}

/** Whose consent wiring `target` into `riskPool` needs now, and whether each has given it (and not used it up). */
export interface WiringConsents {
  riskPool: string;
  target: string;
  consents: { party: string; role: 'INSURER' | 'REINSURER'; consented: boolean }[];
}

/** Reads the consents to wiring `target` into `riskPool` (see `WiringConsents`). */
export async function readWiringConsents(
  client: LedgerClient,
  riskPool: string,
  target: string,
): Promise<WiringConsents> {
  const pool = RiskPool__factory.connect(riskPool, client.provider);
  return withDecodedErrors('wiringConsent', async () => {
    const [insurer, treaty] = await Promise.all([pool.insurer(), pool.treaty()]);
    const parties: { party: string; role: 'INSURER' | 'REINSURER' }[] = [{ party: insurer, role: 'INSURER' }];
    if (treaty !== '0x0000000000000000000000000000000000000000') {
      const terms = await ReinsuranceTreaty__factory.connect(treaty, client.provider).terms();
      parties.push({ party: terms.reinsurer, role: 'REINSURER' });
    }
    const consents = await Promise.all(
      parties.map(async ({ party, role }) => ({
        party: getAddress(party),
        role,
        consented: await pool.wiringConsent(target, party),
      })),
    );
    return { riskPool: getAddress(riskPool), target: getAddress(target), consents };
  });
}
