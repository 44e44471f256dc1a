import { expect } from 'chai';
import { Router } from 'express';
import { Wallet } from 'ethers';
import { requireRole } from '../../../services/api/auth/caller.js';
import { startTestLedger, type TestLedger } from '../../helpers/api-chain.js';
import { createApiKey, signIn, startTestApi, type TestApi } from '../../helpers/api-client.js';

async function codeOf(response: Response): Promise<string> {
  expect(response.headers.get('content-type')).to.match(/^application\/problem\+json/);
  return ((await response.json()) as { code: string }).code;
}

describe('API identity: API keys', function () {
  this.timeout(60_000);
  let ledger: TestLedger;
  let api: TestApi;
  let insurerCookie: string;
  let reinsurerCookie: string;

  before(async function () {
    ledger = await startTestLedger();
    const insurerOnly = Router().get('/test/insurer-only', requireRole('INSURER'), (_req, res) => {
      res.json({ ok: true });
    });
    api = await startTestApi(ledger, { routers: [insurerOnly] });
    insurerCookie = await signIn(api.url, new Wallet(ledger.parties[2]!.wallet.privateKey));
    reinsurerCookie = await signIn(api.url, new Wallet(ledger.parties[3]!.wallet.privateKey));
  });

  after(async function () {
    await api?.close();
    await ledger?.stop();
  });

  it('creates a key for the signed-in party and shows its secret once', async function () {
    const response = await fetch(`${api.url}/v1/api-keys`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Cookie: insurerCookie },
      body: JSON.stringify({ label: 'claims system' }),
    });
    expect(response.status).to.equal(201);
    expect(response.headers.get('cache-control')).to.equal('no-store');
    const key = (await response.json()) as { id: string; token: string; label: string; account: string };
    expect(key.token).to.match(/^pl_[0-9a-f]{16}_[0-9a-f]{64}$/);
    expect(key.token.startsWith(`pl_${key.id}_`)).to.be.true;
    expect(key.account).to.equal(ledger.parties[2]!.wallet.address);

    const list = await fetch(`${api.url}/v1/api-keys`, { headers: { Cookie: insurerCookie } });
    const { items } = (await list.json()) as { items: Record<string, unknown>[] };
    const listed = items.find((item) => item.id === key.id)!;
    expect(listed).to.include({ label: 'claims system', revokedAt: null });
    expect(JSON.stringify(items)).to.not.include(key.token.slice(20));
  });

  it('stores only a hash of the secret', async function () {
    const { token, id } = await createApiKey(api.url, insurerCookie, 'hash check');
    const row = api.ctx.db.prepare('SELECT * FROM auth_api_keys WHERE id = ?').get(id) as Record<string, unknown>;
    expect(JSON.stringify(row)).to.not.include(token.split('_')[2]);
  });

  it('authenticates with Authorization: Bearer and with X-API-Key, roles read from the chain', async function () {
    const { token, id } = await createApiKey(api.url, insurerCookie, 'both headers');
    const variants: Record<string, string>[] = [{ Authorization: `Bearer ${token}` }, { 'X-API-Key': token }];
    for (const headers of variants) {
      const me = await fetch(`${api.url}/v1/me`, { headers });
      expect(me.status).to.equal(200);
      expect(await me.json()).to.include({ account: ledger.parties[2]!.wallet.address, via: 'api-key', apiKeyId: id });
      expect((await fetch(`${api.url}/test/insurer-only`, { headers })).status).to.equal(200);
    }
  });

  it('refuses a role the key’s party does not hold', async function () {
    const { token } = await createApiKey(api.url, reinsurerCookie);
    const response = await fetch(`${api.url}/test/insurer-only`, { headers: { Authorization: `Bearer ${token}` } });
    expect(response.status).to.equal(403);
    expect(await codeOf(response)).to.equal('ROLE_REQUIRED');
  });

  it('creates keys only from a wallet session, never from another key', async function () {
    const { token } = await createApiKey(api.url, insurerCookie);
    const response = await fetch(`${api.url}/v1/api-keys`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify({ label: 'child' }),
    });
    expect(response.status).to.equal(403);
    expect(await codeOf(response)).to.equal('SESSION_REQUIRED');
    const anonymous = await fetch(`${api.url}/v1/api-keys`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ label: 'anonymous' }),
    });
    expect(anonymous.status).to.equal(401);
    expect(await codeOf(anonymous)).to.equal('UNAUTHENTICATED');
  });

  it('revokes a key: the revoked key is refused from then on', async function () {
    const { token, id } = await createApiKey(api.url, insurerCookie, 'to revoke');
    const revoked = await fetch(`${api.url}/v1/api-keys/${id}`, {
      method: 'DELETE',
      headers: { Cookie: insurerCookie },
    });
    expect(revoked.status).to.equal(200);
    expect(((await revoked.json()) as { revokedAt: string | null }).revokedAt).to.be.a('string');
    const refused = await fetch(`${api.url}/v1/me`, { headers: { Authorization: `Bearer ${token}` } });
    expect(refused.status).to.equal(401);
    expect(await codeOf(refused)).to.equal('API_KEY_REVOKED');
  });

  it('lets a party revoke and list only its own keys', async function () {
    const { id } = await createApiKey(api.url, insurerCookie, 'insurer only');
    const other = await fetch(`${api.url}/v1/api-keys/${id}`, {
      method: 'DELETE',
      headers: { Cookie: reinsurerCookie },
    });
    expect(other.status).to.equal(404);
    expect(await codeOf(other)).to.equal('API_KEY_NOT_FOUND');
    const list = await fetch(`${api.url}/v1/api-keys`, { headers: { Cookie: reinsurerCookie } });
    const { items } = (await list.json()) as { items: { id: string }[] };
    expect(items.map((item) => item.id)).to.not.include(id);
  });

  it('refuses a malformed, unknown or wrong-secret key, and a malformed Authorization header', async function () {
    const { token } = await createApiKey(api.url, insurerCookie);
    const wrongSecret =
      `${token.slice(0, -4)}0000` === token ? `${token.slice(0, -4)}1111` : `${token.slice(0, -4)}0000`;
    for (const bad of ['pl_nothing', `pl_0123456789abcdef_${'0'.repeat(64)}`, wrongSecret]) {
      const response = await fetch(`${api.url}/v1/me`, { headers: { Authorization: `Bearer ${bad}` } });
      expect(response.status).to.equal(401);
      expect(await codeOf(response)).to.equal('API_KEY_INVALID');
    }
    const basic = await fetch(`${api.url}/v1/me`, { headers: { Authorization: 'Basic dXNlcjpwYXNz' } });
    expect(basic.status).to.equal(401);
    expect(await codeOf(basic)).to.equal('UNAUTHENTICATED');
  });

  it('refuses a bad key id or label with INVALID_REQUEST', async function () {
    const id = await fetch(`${api.url}/v1/api-keys/not-an-id`, {
      method: 'DELETE',
      headers: { Cookie: insurerCookie },
    });
    expect(id.status).to.equal(400);
    expect(await codeOf(id)).to.equal('INVALID_REQUEST');
    const label = await fetch(`${api.url}/v1/api-keys`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Cookie: insurerCookie },
      body: JSON.stringify({ label: '' }),
    });
    expect(label.status).to.equal(400);
    expect(await codeOf(label)).to.equal('INVALID_REQUEST');
  });

  it('limits requests per API key (429 RATE_LIMITED), apart from the party’s other keys and its session', async function () {
    const limited = await startTestApi(ledger, {
      env: { POLICYLEDGER_API_RATE_LIMIT_PER_API_KEY: '2', POLICYLEDGER_API_RATE_LIMIT_WINDOW_MS: '60000' },
    });
    try {
      const cookie = await signIn(limited.url, new Wallet(ledger.parties[2]!.wallet.privateKey));
      const first = await createApiKey(limited.url, cookie, 'busy');
      const second = await createApiKey(limited.url, cookie, 'quiet');
      const call = (token: string) => fetch(`${limited.url}/v1/me`, { headers: { Authorization: `Bearer ${token}` } });
      expect((await call(first.token)).status).to.equal(200);
      expect((await call(first.token)).status).to.equal(200);
      const refused = await call(first.token);
      expect(refused.status).to.equal(429);
      expect(Number(refused.headers.get('retry-after'))).to.be.greaterThan(0);
      expect(await codeOf(refused)).to.equal('RATE_LIMITED');
      expect((await call(second.token)).status).to.equal(200);
      expect((await fetch(`${limited.url}/v1/me`, { headers: { Cookie: cookie } })).status).to.equal(200);
    } finally {
      await limited.close();
    }
  });
});
