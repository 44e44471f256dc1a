/**
 * Test helpers for the API: start an API in-process over a test ledger (`startTestApi`), sign a party in with SIWE
 * (`signIn`, returning the session cookie) and create an API key (`createApiKey`). Free of mocha so benchmarks can use
 * them too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Router } from 'express';
import { SiweMessage } from 'siwe';
import { createApp } from '../../services/api/app.js';
import { loadApiConfig } from '../../services/api/config.js';
import type { ApiContext } from '../../services/api/context.js';
import { openApiDatabase } from '../../services/api/database.js';
import { silentLogger } from '../../services/api/logger.js';
import { startApiServer } from '../../services/api/server.js';
import type { TestLedger } from './api-chain.js';

/**
 * A stand-in for a part of the context a test does not give: any use of it fails, naming what is missing — except the
 * members `given` implements (e.g. `absent<ChainIndex>('chain index', { headBlock: async () => 12 })`).
 */
export function absent<T extends object>(what: string, given: Partial<T> = {}): T {
  return new Proxy(given as T, {
    get(target, property) {
      if (property in target) return target[property as keyof T];
      if (property === 'then') return undefined; // not a thenable
      throw new Error(`this test API has no ${what} (asked for ${String(property)})`);
    },
  });
}

export interface TestApi {
  /** Where the server listens, e.g. http://127.0.0.1:40123 (also the public URL unless `env` names another). */
  url: string;
  ctx: ApiContext;
  close(): Promise<void>;
}

export interface TestApiOptions {
  /** Routers mounted after the system and identity routes. May be built from the context. */
  routers?: Router[] | ((ctx: ApiContext) => Router[]);
  /** Extra environment for `loadApiConfig` (rate limits are off unless set here). */
  env?: Record<string, string>;
  /** Parts of the context to give (index, content, anchoring, signers, encryptionKeys, logger…). */
  context?: Partial<Omit<ApiContext, 'config' | 'db' | 'ledger'>>;
  /** Data directory (a scratch one, removed by `close()`, when not given). */
  dataDir?: string;
}

/** Starts an API on a free port over `ledger` (its provider and deployment), with a fresh data directory. */
export async function startTestApi(
  ledger: Pick<TestLedger, 'provider' | 'deployment'>,
  options: TestApiOptions = {},
): Promise<TestApi> {
  const scratch = options.dataDir === undefined ? mkdtempSync(path.join(tmpdir(), 'policyledger-api-')) : undefined;
  const config = loadApiConfig({
    POLICYLEDGER_DATA_DIR: options.dataDir ?? scratch,
    POLICYLEDGER_API_PORT: '0',
    POLICYLEDGER_API_RATE_LIMIT_PER_IP: '0',
    POLICYLEDGER_API_RATE_LIMIT_PER_API_KEY: '0',
    POLICYLEDGER_API_LOG_LEVEL: 'silent',
    ...options.env,
  });
  const db = openApiDatabase(config.databaseFile);
  const ctx: ApiContext = {
    config,
    db,
    logger: silentLogger(),
    ledger: { deployment: ledger.deployment, provider: ledger.provider },
    signers: new Map(),
    encryptionKeys: new Map(),
    index: absent('chain index'),
    content: absent('content store'),
    anchoring: absent('anchoring service'),
    ...options.context,
  };
  const routers = typeof options.routers === 'function' ? options.routers(ctx) : (options.routers ?? []);
  const server = await startApiServer(createApp(ctx, routers), { host: '127.0.0.1', port: 0 });
  if (options.env?.POLICYLEDGER_API_PUBLIC_URL === undefined) ctx.config.publicUrl = server.url;
  return {
    url: server.url,
    ctx,
    async close() {
      await server.close({ graceMs: 1000 });
      db.close();
      if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/** What signs a SIWE message: an ethers wallet or signer. */
export interface MessageSigner {
  getAddress(): Promise<string>;
  signMessage(message: string): Promise<string>;
}

export interface SiweFields {
  /** Defaults to the host of `publicUrl`. */
  domain?: string;
  /** Defaults to `publicUrl`. */
  uri?: string;
  chainId?: number;
  /** Defaults to a fresh nonce from `POST /v1/auth/nonce`. */
  nonce?: string;
  issuedAt?: Date;
  expirationTime?: Date;
  notBefore?: Date;
  /** The account the message names; defaults to the signer's. */
  address?: string;
}

export interface SignInOptions extends SiweFields {
  /** The API's public URL (SIWE domain and URI); defaults to `baseUrl`. */
  publicUrl?: string;
}

/** A fresh nonce from the API. */
export async function requestNonce(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/v1/auth/nonce`, { method: 'POST' });
  if (response.status !== 201) throw new Error(`POST /v1/auth/nonce answered ${response.status}`);
  return ((await response.json()) as { nonce: string }).nonce;
}

/** A signed SIWE message for `signer` against the API at `baseUrl` (fields overridable to build bad ones). */
export async function signedSiweMessage(
  baseUrl: string,
  signer: MessageSigner,
  options: SignInOptions = {},
): Promise<{ message: string; signature: string }> {
  const publicUrl = options.publicUrl ?? baseUrl;
  const message = new SiweMessage({
    domain: options.domain ?? new URL(publicUrl).host,
    address: options.address ?? (await signer.getAddress()),
    statement: 'Sign in to the PolicyLedger party API',
    uri: options.uri ?? publicUrl,
    version: '1',
    chainId: options.chainId ?? 31337,
    nonce: options.nonce ?? (await requestNonce(baseUrl)),
    issuedAt: (options.issuedAt ?? new Date()).toISOString(),
    ...(options.expirationTime === undefined ? {} : { expirationTime: options.expirationTime.toISOString() }),
    ...(options.notBefore === undefined ? {} : { notBefore: options.notBefore.toISOString() }),
  }).prepareMessage();
  return { message, signature: await signer.signMessage(message) };
}

/** Posts a signed message to `POST /v1/auth/siwe` and returns the raw answer. */
export async function postSignIn(baseUrl: string, signed: { message: string; signature: string }): Promise<Response> {
  return fetch(`${baseUrl}/v1/auth/siwe`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(signed),
  });
}

/** The `name=value` pair of the session cookie in a Set-Cookie answer, ready for a Cookie header. */
export function sessionCookieOf(response: Response): string | undefined {
  for (const header of response.headers.getSetCookie()) {
    const pair = header.split(';')[0] ?? '';
    if (pair.startsWith('pl_session=') && pair !== 'pl_session=') return pair;
  }
  return undefined;
}

/** Signs `signer` in with SIWE; returns the Cookie header value of its session. */
export async function signIn(baseUrl: string, signer: MessageSigner, options: SignInOptions = {}): Promise<string> {
  const response = await postSignIn(baseUrl, await signedSiweMessage(baseUrl, signer, options));
  if (response.status !== 200) throw new Error(`sign-in answered ${response.status}: ${await response.text()}`);
  const cookie = sessionCookieOf(response);
  if (cookie === undefined) throw new Error('sign-in set no session cookie');
  return cookie;
}

/** Creates an API key with a signed-in session's cookie; returns its token (`pl_…`) and id. */
export async function createApiKey(
  baseUrl: string,
  cookie: string,
  label = 'test key',
): Promise<{ token: string; id: string }> {
  const response = await fetch(`${baseUrl}/v1/api-keys`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Cookie: cookie },
    body: JSON.stringify({ label }),
  });
  if (response.status !== 201)
    throw new Error(`POST /v1/api-keys answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as { token: string; id: string };
}

/** Signs `signer` in and creates an API key for its party: the `Authorization` header value to call with. */
export async function apiKeyFor(baseUrl: string, signer: MessageSigner, options: SignInOptions = {}): Promise<string> {
  const { token } = await createApiKey(baseUrl, await signIn(baseUrl, signer, options));
  return `Bearer ${token}`;
}
