/**
 * Checks an evidence certificate in the browser, with the same code the CLI and the API run
 * (`services/ledger/certificate.ts`): offline (form, EIP-712 domain, Merkle proof, co-signatures), then against the
 * chain through this origin's read-only relay (`POST /v1/chain/rpc`), so the answer comes from the chain's own state,
 * not from this API's report. Loaded on demand: it brings ethers, which the page's first load does without.
 */
import {
  verifyCertificateAgainstChains,
  verifyCertificateOffline,
  type CertificateCheck,
  type ChainsCheck,
} from '../../../services/ledger/certificate.js';

export interface BrowserCertificateCheck {
  offline: CertificateCheck;
  /** The check against the chain (one endpoint: the relay); null when the offline check could not read it. */
  chain: ChainsCheck['endpoints'][number] | null;
  valid: boolean;
}

export const RELAY_PATH = '/v1/chain/rpc';

export async function checkCertificate(certificate: unknown): Promise<BrowserCertificateCheck> {
  const offline = verifyCertificateOffline(certificate);
  if (offline.documentHash === null) return { offline, chain: null, valid: false };
  const chains = await verifyCertificateAgainstChains(certificate, [new URL(RELAY_PATH, location.origin).href]);
  const chain = chains.endpoints[0] ?? null;
  return { offline, chain, valid: offline.valid && chain !== null && chain.matchesCertificate };
}
