/**
 * The whole API as `npm run api` composes it (`startApi`: documents, verification and records routes, the SQLite
 * index, a Helia store, the anchoring outbox and the records keeper) over a test ledger, with API keys for the local
 * parties — for the authorisation matrix and the bad-request corpus. Party 7 (an ORACLE) is also made an INSURER, so
 * that a second party of the registrant's role can be refused where ownership matters; party 9 gets a key and is then
 * deactivated.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NonceManager, Wallet, type Signer } from 'ethers';
import { loadApiConfig } from '../../services/api/config.js';
import { silentLogger } from '../../services/api/logger.js';
import { startApi, type RunningApi } from '../../services/api/main.js';
import { underDualControl } from '../../services/ledger/governance.js';
import { roleId } from '../../services/ledger/parties.js';
import { withoutDomainType } from '../../services/ledger/documents.js';
import { localEncryptionKeyPair } from '../../services/storage/index.js';
import { ConsortiumAccess__factory } from '../../types/ethers-contracts/index.js';
import type { TestLedger } from '../helpers/api-chain.js';
import { apiKeyFor } from '../helpers/api-client.js';

export const ADMIN = 0;
export const INSURER = 2;
export const REINSURER = 3;
export const CLIENT = 4;
export const ORACLE = 5;
export const OTHER_INSURER = 7;
export const AUDITOR = 8;
export const INACTIVE = 9;

/** The parties the API holds transaction keys for (registrants). */
const HOSTED = [INSURER, REINSURER, OTHER_INSURER];

export interface MatrixStack {
  url: string;
  api: RunningApi;
  /** `Authorization` header values by party index (party 9's made before its deactivation). */
  auth: Map<number, string>;
  address(party: number): string;
  wallet(party: number): Wallet;
  close(): Promise<void>;
}

export interface Registration {
  documentHash: string;
  cid: string;
  operation: { id: string; state: string; href: string };
}

/** Runs `data` against ConsortiumAccess under dual control of the two local ADMINs (parties 0 and 1). */
export async function governance(ledger: TestLedger, data: string): Promise<void> {
  const access = ConsortiumAccess__factory.connect(ledger.deployment.consortiumAccess, ledger.parties[0]!.signer);
  await underDualControl(
    access,
    ledger.parties[0]!.signer,
    ledger.parties[1]!.signer,
    ledger.deployment.consortiumAccess,
    data,
  );
}

/** Starts the full API over `ledger`; `env` adds settings (e.g. a small POLICYLEDGER_MAX_DOCUMENT_BYTES). */
export async function startMatrixStack(ledger: TestLedger, env: Record<string, string> = {}): Promise<MatrixStack> {
  const access = ConsortiumAccess__factory.connect(ledger.deployment.consortiumAccess);
  const address = (party: number) => ledger.parties[party]!.wallet.address;
  await governance(
    ledger,
    access.interface.encodeFunctionData('grantRole', [roleId('INSURER'), address(OTHER_INSURER)]),
  );

  const scratch = mkdtempSync(path.join(tmpdir(), 'policyledger-matrix-'));
  const config = loadApiConfig({
    POLICYLEDGER_DATA_DIR: scratch,
    POLICYLEDGER_RPC_URL: ledger.rpcUrl,
    POLICYLEDGER_DEPLOYMENT: path.join(ledger.dataDir, 'deployments', `${ledger.deployment.chainId}.json`),
    POLICYLEDGER_API_PORT: '0',
    POLICYLEDGER_API_RATE_LIMIT_PER_IP: '0',
    POLICYLEDGER_API_RATE_LIMIT_PER_API_KEY: '0',
    POLICYLEDGER_API_LOG_LEVEL: 'silent',
    POLICYLEDGER_BATCH_WINDOW_MS: '100',
    POLICYLEDGER_CONFIRM_TIMEOUT_MS: '15000',
    ...env,
  });
  // The API's own connections of the keys it holds, apart from the test's, so that nonces are tracked in one place.
  const signers = new Map<string, Signer>(
    HOSTED.map((i) => [
      address(i),
      new NonceManager(new Wallet(ledger.parties[i]!.wallet.privateKey, ledger.provider)),
    ]),
  );
  const encryptionKeys = new Map<string, Uint8Array>(
    ledger.parties.map((party) => [party.wallet.address, localEncryptionKeyPair(party.wallet.privateKey).privateKey]),
  );
  const api = await startApi(config, { logger: silentLogger(), keys: { signers, encryptionKeys } });
  const url = api.url;
  const auth = new Map<number, string>();
  for (const i of [ADMIN, INSURER, REINSURER, CLIENT, ORACLE, OTHER_INSURER, AUDITOR, INACTIVE]) {
    auth.set(i, await apiKeyFor(url, new Wallet(ledger.parties[i]!.wallet.privateKey)));
  }
  await governance(ledger, access.interface.encodeFunctionData('setPartyActive', [address(INACTIVE), false]));
  return {
    url,
    api,
    auth,
    address,
    wallet: (party) => new Wallet(ledger.parties[party]!.wallet.privateKey),
    async close() {
      await api.stop();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/** Fresh bytes, so that no two registrations share a hash. */
export function uniqueBytes(label: string): Uint8Array {
  return new TextEncoder().encode(`${label} ${randomBytes(16).toString('hex')}\n`);
}

/** The multipart body of a registration: `metadata` (object or raw text) then the file (or the other way round). */
export function uploadForm(
  metadata: unknown,
  bytes: Uint8Array | null,
  options: { fileFirst?: boolean; type?: string } = {},
): FormData {
  const form = new FormData();
  const file = bytes === null ? null : new Blob([Buffer.from(bytes)], { type: options.type ?? 'application/pdf' });
  if (file !== null && options.fileFirst === true) form.append('file', file, 'policy.pdf');
  form.append('metadata', typeof metadata === 'string' ? metadata : JSON.stringify(metadata));
  if (file !== null && options.fileFirst !== true) form.append('file', file, 'policy.pdf');
  return form;
}

export function policyMetadata(extra: object = {}): Record<string, unknown> {
  return {
    documentType: 'Policy',
    policyRef: `MX-${randomBytes(4).toString('hex')}`,
    retentionClass: 2,
    coverEndsAt: '2027-12-31',
    ...extra,
  };
}

/** Calls the API with `authorization` (none when undefined), sending a FormData or a JSON body. */
export function call(
  stack: Pick<MatrixStack, 'url'>,
  authorization: string | undefined,
  method: string,
  path: string,
  body?: FormData | object,
  headers: Record<string, string> = {},
): Promise<Response> {
  const all: Record<string, string> = { ...headers };
  if (authorization !== undefined) all.Authorization = authorization;
  const init: RequestInit = { method, headers: all };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    all['Content-Type'] = 'application/json';
  }
  return fetch(`${stack.url}${path}`, init);
}

/**
 * Registers a confidential document as the insurer with the reinsurer as reader and the client as required signer,
 * and waits for its anchor (`?confirm=true`).
 */
export async function registerTarget(stack: MatrixStack, label = 'target'): Promise<Registration> {
  const metadata = policyMetadata({
    confidential: true,
    readers: [stack.address(REINSURER)],
    requiredSigners: [stack.address(CLIENT)],
  });
  const response = await call(
    stack,
    stack.auth.get(INSURER),
    'POST',
    '/v1/documents?confirm=true',
    uploadForm(metadata, uniqueBytes(label)),
  );
  if (response.status !== 201) throw new Error(`registration answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as Registration;
}

/** The client's EIP-712 co-signature of `documentHash`, from the typed data the API gives the client. */
export async function clientCoSignature(
  stack: MatrixStack,
  documentHash: string,
): Promise<{ signer: string; nonce: string; deadline: string; signature: string }> {
  const client = stack.wallet(CLIENT);
  const response = await call(
    stack,
    stack.auth.get(CLIENT),
    'GET',
    `/v1/documents/${documentHash}/typed-data?signer=${client.address}`,
  );
  if (response.status !== 200) throw new Error(`typed-data answered ${response.status}: ${await response.text()}`);
  const typed = (await response.json()) as {
    domain: Record<string, unknown>;
    types: Record<string, { name: string; type: string }[]>;
    message: { nonce: string; deadline: string };
  };
  const signature = await client.signTypedData(typed.domain, withoutDomainType(typed.types), typed.message);
  return { signer: client.address, nonce: typed.message.nonce, deadline: typed.message.deadline, signature };
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
