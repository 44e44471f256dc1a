import { expect } from 'chai';
import { Router } from 'express';
import { Wallet } from 'ethers';
import { requireCaller, requireRole } from '../../../services/api/auth/caller.js';
import { roleId } from '../../../services/ledger/parties.js';
import { underDualControl } from '../../../services/ledger/governance.js';
import { ConsortiumAccess__factory } from '../../../types/ethers-contracts/index.js';
import { startTestLedger, type TestLedger } from '../../helpers/api-chain.js';
import { apiKeyFor, signIn, startTestApi, type TestApi } from '../../helpers/api-client.js';

async function codeOf(response: Response): Promise<string> {
  return ((await response.json()) as { code: string }).code;
}

describe('API identity: roles come from the chain, at the latest block', function () {
  this.timeout(90_000);
  let ledger: TestLedger;
  let api: TestApi;

  before(async function () {
    ledger = await startTestLedger();
    const routes = Router()
      .get('/test/any-party', (_req, res) => {
        res.json({ account: requireCaller(res).account });
      })
      .get('/test/client-only', requireRole('CLIENT'), (_req, res) => {
        res.json({ ok: true });
      });
    api = await startTestApi(ledger, { routers: [routes] });
  });

  after(async function () {
    await api?.close();
    await ledger?.stop();
  });

  function governance() {
    const [adminA, adminB] = ledger.parties;
    const access = ConsortiumAccess__factory.connect(ledger.deployment.consortiumAccess, adminA!.signer);
    return (data: string) =>
      underDualControl(access, adminA!.signer, adminB!.signer, ledger.deployment.consortiumAccess, data);
  }

  it('refuses a party deactivated under dual control from its next request on (session and API key)', async function () {
    const client = new Wallet(ledger.parties[4]!.wallet.privateKey);
    const cookie = await signIn(api.url, client);
    const authorization = await apiKeyFor(api.url, client);
    const credentials: Record<string, string>[] = [{ Cookie: cookie }, { Authorization: authorization }];
    for (const headers of credentials) {
      expect((await fetch(`${api.url}/test/client-only`, { headers })).status).to.equal(200);
    }

    const access = ConsortiumAccess__factory.connect(ledger.deployment.consortiumAccess);
    await governance()(access.interface.encodeFunctionData('setPartyActive', [client.address, false]));

    for (const headers of credentials) {
      for (const path of ['/test/client-only', '/test/any-party', '/v1/me']) {
        const response = await fetch(`${api.url}${path}`, { headers });
        expect(response.status, path).to.equal(403);
        expect(await codeOf(response)).to.equal('PARTY_INACTIVE');
      }
    }
    // Reactivated, it is served again at once.
    await governance()(access.interface.encodeFunctionData('setPartyActive', [client.address, true]));
    expect((await fetch(`${api.url}/test/client-only`, { headers: { Cookie: cookie } })).status).to.equal(200);
  });

  it('refuses a party that lost the role from its next request on', async function () {
    const client = new Wallet(ledger.parties[4]!.wallet.privateKey);
    const authorization = await apiKeyFor(api.url, client);
    expect((await fetch(`${api.url}/test/client-only`, { headers: { Authorization: authorization } })).status).to.equal(
      200,
    );

    const access = ConsortiumAccess__factory.connect(ledger.deployment.consortiumAccess);
    await governance()(access.interface.encodeFunctionData('revokeRole', [roleId('CLIENT'), client.address]));

    const refused = await fetch(`${api.url}/test/client-only`, { headers: { Authorization: authorization } });
    expect(refused.status).to.equal(403);
    expect(await codeOf(refused)).to.equal('ROLE_REQUIRED');
    // Still a party: routes that need no particular role serve it.
    expect((await fetch(`${api.url}/test/any-party`, { headers: { Authorization: authorization } })).status).to.equal(
      200,
    );
  });

  it('answers 401 without credentials', async function () {
    const response = await fetch(`${api.url}/test/client-only`);
    expect(response.status).to.equal(401);
    expect(await codeOf(response)).to.equal('UNAUTHENTICATED');
  });
});
