import { expect } from 'chai';
import { Wallet } from 'ethers';
import { ConsortiumAccess__factory, ERC1271WalletMock__factory } from '../../../types/ethers-contracts/index.js';
import { startTestLedger, type TestLedger } from '../../helpers/api-chain.js';
import {
  postSignIn,
  requestNonce,
  sessionCookieOf,
  signedSiweMessage,
  startTestApi,
  type TestApi,
} from '../../helpers/api-client.js';

interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
}

async function problemOf(response: Response): Promise<Problem> {
  expect(response.headers.get('content-type')).to.match(/^application\/problem\+json/);
  return (await response.json()) as Problem;
}

describe('API identity: Sign-In with Ethereum', function () {
  this.timeout(60_000);
  let ledger: TestLedger;
  let api: TestApi;
  let insurer: Wallet;

  before(async function () {
    ledger = await startTestLedger();
    api = await startTestApi(ledger);
    insurer = new Wallet(ledger.parties[2]!.wallet.privateKey);
  });

  after(async function () {
    await api?.close();
    await ledger?.stop();
  });

  describe('POST /v1/auth/nonce', function () {
    it('issues a different alphanumeric nonce each time, valid for 10 minutes', async function () {
      const first = await fetch(`${api.url}/v1/auth/nonce`, { method: 'POST' });
      expect(first.status).to.equal(201);
      const body = (await first.json()) as { nonce: string; expiresAt: string };
      expect(body.nonce).to.match(/^[A-Za-z0-9]{22}$/);
      const lifetime = Date.parse(body.expiresAt) - Date.now();
      expect(lifetime).to.be.within(9 * 60_000, 10 * 60_000);
      expect(await requestNonce(api.url)).to.not.equal(body.nonce);
    });
  });

  describe('POST /v1/auth/siwe', function () {
    it('signs a party in: HttpOnly, SameSite=Strict session cookie, and /v1/me names its party and roles', async function () {
      const response = await postSignIn(api.url, await signedSiweMessage(api.url, insurer));
      expect(response.status).to.equal(200);
      const body = (await response.json()) as { account: string; party: { roles: string[]; legalName: string } };
      expect(body.account).to.equal(insurer.address);
      expect(body.party.roles).to.deep.equal(['INSURER']);
      const setCookie = response.headers.getSetCookie().find((header) => header.startsWith('pl_session='))!;
      expect(setCookie).to.match(/HttpOnly/i);
      expect(setCookie).to.match(/SameSite=Strict/i);
      expect(setCookie).to.match(/Max-Age=43200/);
      // Served over plain HTTP, the cookie cannot be Secure or the browser would never send it back.
      expect(setCookie).to.not.match(/Secure/i);

      const me = await fetch(`${api.url}/v1/me`, { headers: { Cookie: sessionCookieOf(response)! } });
      expect(me.status).to.equal(200);
      expect(await me.json()).to.deep.equal({
        account: insurer.address,
        party: {
          legalName: 'Harbour Mutual Insurance plc',
          identifier: '5493000LOCALINSURER01',
          active: true,
          roles: ['INSURER'],
        },
        roles: ['INSURER'],
        via: 'session',
      });
    });

    it('signs out: the session no longer authenticates', async function () {
      const cookie = sessionCookieOf(await postSignIn(api.url, await signedSiweMessage(api.url, insurer)))!;
      const out = await fetch(`${api.url}/v1/auth/sign-out`, { method: 'POST', headers: { Cookie: cookie } });
      expect(out.status).to.equal(204);
      expect(out.headers.getSetCookie().join()).to.match(/pl_session=;/);
      const me = await fetch(`${api.url}/v1/me`, { headers: { Cookie: cookie } });
      expect(me.status).to.equal(401);
      expect((await problemOf(me)).code).to.equal('SESSION_INVALID');
    });

    it('refuses a replayed message: its nonce was used', async function () {
      const signed = await signedSiweMessage(api.url, insurer);
      expect((await postSignIn(api.url, signed)).status).to.equal(200);
      const replayed = await postSignIn(api.url, signed);
      expect(replayed.status).to.equal(401);
      expect((await problemOf(replayed)).code).to.equal('SIWE_NONCE_USED');
    });

    it('refuses a nonce the client made up', async function () {
      const response = await postSignIn(
        api.url,
        await signedSiweMessage(api.url, insurer, { nonce: 'madeUpByTheClient1' }),
      );
      expect(response.status).to.equal(401);
      expect((await problemOf(response)).code).to.equal('SIWE_NONCE_UNKNOWN');
    });

    it('refuses an expired message', async function () {
      const signed = await signedSiweMessage(api.url, insurer, {
        issuedAt: new Date(Date.now() - 120_000),
        expirationTime: new Date(Date.now() - 60_000),
      });
      const response = await postSignIn(api.url, signed);
      expect(response.status).to.equal(401);
      expect((await problemOf(response)).code).to.equal('SIWE_EXPIRED');
    });

    it('refuses a message not valid yet, or issued in the future', async function () {
      const early = await postSignIn(
        api.url,
        await signedSiweMessage(api.url, insurer, { notBefore: new Date(Date.now() + 3_600_000) }),
      );
      expect((await problemOf(early)).code).to.equal('SIWE_NOT_YET_VALID');
      const future = await postSignIn(
        api.url,
        await signedSiweMessage(api.url, insurer, { issuedAt: new Date(Date.now() + 3_600_000) }),
      );
      expect(future.status).to.equal(401);
      expect((await problemOf(future)).code).to.equal('SIWE_ISSUED_IN_FUTURE');
    });

    it('refuses a message for another domain, another URI origin or another chain', async function () {
      const domain = await postSignIn(
        api.url,
        await signedSiweMessage(api.url, insurer, { domain: 'evil.example', uri: 'https://evil.example/login' }),
      );
      expect(domain.status).to.equal(401);
      expect((await problemOf(domain)).code).to.equal('SIWE_DOMAIN_MISMATCH');

      const uri = await postSignIn(
        api.url,
        await signedSiweMessage(api.url, insurer, { uri: 'https://evil.example/' }),
      );
      expect((await problemOf(uri)).code).to.equal('SIWE_URI_MISMATCH');

      const chain = await postSignIn(api.url, await signedSiweMessage(api.url, insurer, { chainId: 1 }));
      expect(chain.status).to.equal(401);
      expect((await problemOf(chain)).code).to.equal('SIWE_CHAIN_MISMATCH');
    });

    it('refuses a signature by another key, without burning the nonce', async function () {
      const nonce = await requestNonce(api.url);
      const impostor = Wallet.createRandom();
      // The message names the insurer's account but the impostor signs it.
      const forged = await signedSiweMessage(api.url, impostor, { nonce, address: insurer.address });
      const response = await postSignIn(api.url, forged);
      expect(response.status).to.equal(401);
      expect((await problemOf(response)).code).to.equal('SIWE_SIGNATURE_INVALID');
      // The real owner can still use the nonce it was issued.
      expect((await postSignIn(api.url, await signedSiweMessage(api.url, insurer, { nonce }))).status).to.equal(200);
    });

    it('refuses text that is not a SIWE message, and a body that breaks the schema', async function () {
      const text = await postSignIn(api.url, { message: 'please let me in', signature: '0x00' });
      expect(text.status).to.equal(400);
      expect((await problemOf(text)).code).to.equal('SIWE_MESSAGE_INVALID');
      const schema = await fetch(`${api.url}/v1/auth/siwe`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ message: 42 }),
      });
      expect(schema.status).to.equal(400);
      const problem = (await problemOf(schema)) as Problem & { issues: { path: string }[] };
      expect(problem.code).to.equal('INVALID_REQUEST');
      expect(problem.issues.map((issue) => issue.path)).to.include.members(['body.message', 'body.signature']);
    });

    it('refuses an account that is not an active party', async function () {
      const outsider = Wallet.createRandom();
      const response = await postSignIn(api.url, await signedSiweMessage(api.url, outsider));
      expect(response.status).to.equal(403);
      expect((await problemOf(response)).code).to.equal('PARTY_INACTIVE');
      expect(sessionCookieOf(response)).to.equal(undefined);
    });

    it('signs in a contract wallet (EIP-1271) its owner signs for', async function () {
      const owner = Wallet.createRandom();
      const admin = ledger.parties[0]!;
      const wallet = await new ERC1271WalletMock__factory(admin.signer).deploy(owner.address);
      await wallet.waitForDeployment();
      const walletAddress = await wallet.getAddress();
      const access = ConsortiumAccess__factory.connect(ledger.deployment.consortiumAccess, admin.signer);
      await (
        await access.registerParty(walletAddress, 'Smart Account Insurance SE', '5493000SMARTACCOUNT01', '0x01')
      ).wait();

      const signed = await signedSiweMessage(api.url, owner, { address: walletAddress });
      const response = await postSignIn(api.url, signed);
      expect(response.status).to.equal(200);
      expect(((await response.json()) as { account: string }).account).to.equal(walletAddress);

      const stranger = await signedSiweMessage(api.url, Wallet.createRandom(), { address: walletAddress });
      const refused = await postSignIn(api.url, stranger);
      expect((await problemOf(refused)).code).to.equal('SIWE_SIGNATURE_INVALID');
    });
  });

  describe('over TLS', function () {
    it('marks the session cookie Secure when the public URL is https', async function () {
      const tls = await startTestApi(ledger, { env: { POLICYLEDGER_API_PUBLIC_URL: 'https://api.insurer.example' } });
      try {
        const signed = await signedSiweMessage(tls.url, insurer, { publicUrl: 'https://api.insurer.example' });
        const response = await postSignIn(tls.url, signed);
        expect(response.status).to.equal(200);
        expect(response.headers.getSetCookie().join()).to.match(/Secure/);
        expect(response.headers.get('strict-transport-security')).to.match(/max-age=/);
      } finally {
        await tls.close();
      }
    });
  });
});
