/**
 * The whole API (`startApi`, as `npm run api` composes it) over a test ledger, holding the insurer's key and, as the
 * embedded stack does, the demo client's; plus a client with its own wallet, registered in the test as a CLIENT with
 * an X25519 key and funded, whose key the API never sees.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hexlify, NonceManager, Wallet, type Signer } from 'ethers';
import { loadApiConfig } from '../../../services/api/config.js';
import { silentLogger } from '../../../services/api/logger.js';
import { startApi, type HostedKeys, type RunningApi } from '../../../services/api/main.js';
import { grantRole, registerParty } from '../../../services/ledger/governance.js';
import { mintTestStablecoin } from '../../../services/ledger/insurer-stack.js';
import { localEncryptionKeyPair } from '../../../services/storage/index.js';
import type { TestLedger } from '../../helpers/api-chain.js';
import { apiKeyFor } from '../../helpers/api-client.js';

export const INSURER = 2;
export const DEMO_CLIENT = 4;
export const OTHER_INSURER = 7;

export interface SalesStack {
  url: string;
  api: RunningApi;
  /** The wallet client's key: the test signs with it as a browser wallet would. */
  walletClient: Wallet;
  /** `Authorization` header values: the insurer, the demo client, the wallet client. */
  auth: { insurer: string; demoClient: string; walletClient: string };
  close(): Promise<void>;
}

/**
 * The keys the sales stack's API holds (the insurer's and the demo client's), connected anew: apart from the test's
 * own connections so that nonces are tracked in one place, and fresh for each start (as a restarted process has).
 */
export function hostedKeys(ledger: Pick<TestLedger, 'parties' | 'provider'>): HostedKeys {
  const hosted = [INSURER, DEMO_CLIENT].map((i) => ledger.parties[i]!.wallet);
  return {
    signers: new Map<string, Signer>(
      hosted.map((wallet) => [wallet.address, new NonceManager(new Wallet(wallet.privateKey, ledger.provider))]),
    ),
    encryptionKeys: new Map<string, Uint8Array>(
      hosted.map((wallet) => [wallet.address, localEncryptionKeyPair(wallet.privateKey).privateKey]),
    ),
  };
}

/**
 * Starts the API over `ledger` and registers the wallet client (with `cash` of the stablecoin); `env` adds to or
 * overrides the API's settings.
 */
export async function startSalesStack(
  ledger: TestLedger,
  cash: bigint,
  env: Record<string, string> = {},
): Promise<SalesStack> {
  const [admin, approver] = ledger.parties;
  const walletClient = new Wallet(Wallet.createRandom().privateKey);
  await registerParty(admin!.signer, ledger.deployment.consortiumAccess, {
    account: walletClient.address,
    legalName: 'Wallet Traveller Ltd',
    identifier: '5493000TESTCLIENT0001',
    encryptionPublicKey: hexlify(localEncryptionKeyPair(walletClient.privateKey).publicKey),
  });
  await grantRole(
    { consortiumAccess: ledger.deployment.consortiumAccess, proposer: admin!.signer, approver: approver!.signer },
    'CLIENT',
    walletClient.address,
  );
  await mintTestStablecoin(admin!.signer, ledger.deployment.stablecoin!, walletClient.address, cash);

  const scratch = mkdtempSync(path.join(tmpdir(), 'policyledger-sales-'));
  const config = loadApiConfig({
    POLICYLEDGER_DATA_DIR: scratch,
    POLICYLEDGER_RPC_URL: ledger.rpcUrl,
    POLICYLEDGER_DEPLOYMENT: path.join(ledger.dataDir, 'deployments', `${ledger.deployment.chainId}.json`),
    POLICYLEDGER_API_PORT: '0',
    POLICYLEDGER_API_RATE_LIMIT_PER_IP: '0',
    POLICYLEDGER_API_RATE_LIMIT_PER_API_KEY: '0',
    POLICYLEDGER_API_LOG_LEVEL: 'silent',
    POLICYLEDGER_CONFIRM_TIMEOUT_MS: '20000',
    ...env,
  });
  const api = await startApi(config, { logger: silentLogger(), keys: hostedKeys(ledger) });
  const keyOf = (wallet: Wallet) => apiKeyFor(api.url, wallet);
  return {
    url: api.url,
    api,
    walletClient,
    auth: {
      insurer: await keyOf(new Wallet(ledger.parties[INSURER]!.wallet.privateKey)),
      demoClient: await keyOf(new Wallet(ledger.parties[DEMO_CLIENT]!.wallet.privateKey)),
      walletClient: await keyOf(walletClient),
    },
    async close() {
      await api.stop();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/** A JSON call to the API as `authorization`. */
export function call(
  stack: Pick<SalesStack, 'url'>,
  authorization: string | undefined,
  method: string,
  pathname: string,
  body?: object,
  headers: Record<string, string> = {},
): Promise<Response> {
  const all: Record<string, string> = { ...headers };
  if (authorization !== undefined) all.Authorization = authorization;
  if (body !== undefined) all['Content-Type'] = 'application/json';
  return fetch(`${stack.url}${pathname}`, {
    method,
    headers: all,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}
