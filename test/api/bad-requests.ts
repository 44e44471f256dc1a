/**
 * A corpus of bad requests against the whole API: each answers a 4xx `application/problem+json` with a stable code,
 * never a 5xx, and leaves nothing partly written (the API's own tables — documents, wrapped keys, outbox, operations,
 * idempotency, legal holds, access log, sessions — hold the same rows, and the registrant's listing shows nothing new).
 */
import { expect } from 'chai';
import { Wallet } from 'ethers';
import { startTestLedger, type TestLedger } from '../helpers/api-chain.js';
import { createApiKey, postSignIn, requestNonce, signedSiweMessage, signIn } from '../helpers/api-client.js';
import {
  call,
  CLIENT,
  clientCoSignature,
  eventually,
  INSURER,
  policyMetadata,
  registerTarget,
  REINSURER,
  startMatrixStack,
  uniqueBytes,
  uploadForm,
  type MatrixStack,
  type Registration,
} from './matrix-stack.js';
import { ADMIN } from './matrix-stack.js';
import { FLIGHT_OFFER } from './policies/sales-fixtures.js';
const MAX_DOCUMENT_BYTES = 4096;
const BODY_LIMIT_BYTES = 16_384;
const UNKNOWN_HASH = `0x${'ab'.repeat(32)}`;

interface Case {
  name: string;
  send(): Promise<Response>;
  status: number;
  code: string;
}

describe('bad requests', function () {
  this.timeout(300_000);
  let ledger: TestLedger;
  let stack: MatrixStack;
  let target: Registration;
  let insurer: string;

  before(async function () {
    this.timeout(300_000);
    ledger = await startTestLedger();
    stack = await startMatrixStack(ledger, {
      POLICYLEDGER_MAX_DOCUMENT_BYTES: String(MAX_DOCUMENT_BYTES),
      POLICYLEDGER_API_BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES),
    });
    target = await registerTarget(stack);
    insurer = stack.auth.get(INSURER)!;
    await eventually('the target indexed', async () => {
      const answer = await fetch(`${stack.url}/v1/certificates/${target.documentHash}`);
      return answer.status === 200 ? true : undefined;
    });
  });

  after(async function () {
    await stack?.close();
    await ledger?.stop();
  });

  /** Row counts of every table of the API's database. */
  function tableCounts(): Record<string, number> {
    const db = stack.api.ctx.db;
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
      name: string;
    }[];
    return Object.fromEntries(
      tables
        // A nonce is issued by the cases that sign in: that is the one write a refused sign-in leaves. `rec_state`
        // is the records keeper's own bookmark (how far it followed the index), written in the background.
        .filter(({ name }) => name !== 'auth_nonces' && name !== 'rec_state' && !name.startsWith('sqlite_'))
        .map(({ name }) => [name, (db.prepare(`SELECT COUNT(*) AS n FROM "${name}"`).get() as { n: number }).n]),
    );
  }

  async function listedHashes(): Promise<string[]> {
    const response = await call(stack, insurer, 'GET', '/v1/documents?limit=100');
    expect(response.status).to.equal(200);
    return ((await response.json()) as { items: { documentHash: string }[] }).items.map((item) => item.documentHash);
  }

  const json = (method: string, path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${stack.url}${path}`, {
      method,
      headers: { Authorization: insurer, 'Content-Type': 'application/json', ...headers },
      body,
    });
  const statementOf = (treaty = ledger.deployment.reinsuranceTreaty!) => `/v1/treaties/${treaty}/statement`;
  const revocation = (hash = target.documentHash) => `/v1/documents/${hash}/revocation`;
  const register = (form: FormData, authorization = insurer, headers: Record<string, string> = {}) =>
    call(stack, authorization, 'POST', '/v1/documents', form, headers);
  const siwe = async (wallet: Wallet, fields: Parameters<typeof signedSiweMessage>[2] = {}) =>
    postSignIn(stack.url, await signedSiweMessage(stack.url, wallet, fields));
  /** Bad requests to the consortium routes, by the ADMIN (whose key the API does not hold) or the insurer. */
  function consortiumCases(): Case[] {
    const admin = () => stack.auth.get(ADMIN);
    const unknownFeed = `0x${'fe'.repeat(32)}`;
    const pool = () => ledger.deployment.riskPool!;
    const someone = Wallet.createRandom().address;
    const propose = (body: object) => call(stack, admin(), 'POST', '/v1/proposals', body);
    const named = (fn: string, args: object) => propose({ contract: 'OracleHub', function: fn, args });
    const rotation = (body: object) => call(stack, admin(), 'POST', '/v1/oracles/rotation', body);
    const bad = (name: string, send: () => Promise<Response>, status: number, code: string): Case => ({
      name,
      send,
      status,
      code,
    });
    return [
      bad(
        'broken JSON for a proposal',
        () =>
          fetch(`${stack.url}/v1/proposals`, {
            method: 'POST',
            headers: { Authorization: admin()!, 'Content-Type': 'application/json' },
            body: '{"target":',
          }),
        400,
        'MALFORMED_JSON',
      ),
      bad('a proposal neither raw nor named', () => propose({ action: 'grant' }), 400, 'INVALID_REQUEST'),
      bad(
        'a proposal with a bad target',
        () => propose({ target: '0x1234', data: '0x12345678' }),
        400,
        'INVALID_REQUEST',
      ),
      bad(
        'a proposal with calldata short of a selector',
        () => propose({ target: someone, data: '0x1234' }),
        400,
        'INVALID_REQUEST',
      ),
      bad(
        'a proposal of an unknown contract',
        () => propose({ contract: 'Treasury', function: 'pay', args: {} }),
        400,
        'INVALID_REQUEST',
      ),
      bad('a proposal of an unknown function', () => named('setQuorum', {}), 422, 'UNKNOWN_FUNCTION'),
      bad('a proposal of a view', () => named('settings', {}), 422, 'READ_ONLY_FUNCTION'),
      bad(
        'a proposal missing an argument',
        () => named('setConsumer', { consumer: someone }),
        422,
        'INVALID_ARGUMENTS',
      ),
      bad(
        'a proposal with a malformed argument',
        () => named('setConsumer', { consumer: 'nobody', allowed: true }),
        422,
        'INVALID_ARGUMENTS',
      ),
      bad(
        'a proposal calling an account without code',
        () => propose({ target: someone, data: '0x12345678' }),
        422,
        'CONSORTIUM_ACCESS_INVALID_TARGET',
      ),
      bad('proposal id 0', () => call(stack, admin(), 'GET', '/v1/proposals/0'), 400, 'INVALID_REQUEST'),
      bad(
        'a proposal id that is no number',
        () => call(stack, admin(), 'GET', '/v1/proposals/first'),
        400,
        'INVALID_REQUEST',
      ),
      bad('an unknown proposal', () => call(stack, admin(), 'GET', '/v1/proposals/99999'), 404, 'PROPOSAL_NOT_FOUND'),
      bad(
        'the approval of an unknown proposal',
        () => call(stack, admin(), 'POST', '/v1/proposals/99999/approval'),
        404,
        'PROPOSAL_NOT_FOUND',
      ),
      bad(
        'an unknown proposal state',
        () => call(stack, admin(), 'GET', '/v1/proposals?state=done'),
        400,
        'INVALID_REQUEST',
      ),
      bad('a proposal page of 0', () => call(stack, admin(), 'GET', '/v1/proposals?limit=0'), 400, 'INVALID_REQUEST'),
      bad('an unknown feed state', () => call(stack, admin(), 'GET', '/v1/feeds?state=late'), 400, 'INVALID_REQUEST'),
      bad('a malformed feed id', () => call(stack, admin(), 'GET', '/v1/feeds/0x12'), 400, 'INVALID_REQUEST'),
      bad(
        'a resolution with status None',
        () => call(stack, admin(), 'POST', `/v1/feeds/${unknownFeed}/resolution`, { status: 'None', value: '0' }),
        400,
        'INVALID_REQUEST',
      ),
      bad(
        'a resolution with a fractional value',
        () => call(stack, admin(), 'POST', `/v1/feeds/${unknownFeed}/resolution`, { status: 'Landed', value: '1.5' }),
        400,
        'INVALID_REQUEST',
      ),
      bad('a rotation naming nobody', () => rotation({}), 400, 'INVALID_REQUEST'),
      bad(
        'a rotation retiring whom it appoints',
        () => rotation({ retire: someone, appoint: someone }),
        400,
        'INVALID_REQUEST',
      ),
      bad(
        'a rotation appointing an unregistered account',
        () => rotation({ appoint: someone }),
        422,
        'CONSORTIUM_ACCESS_UNKNOWN_PARTY',
      ),
      bad(
        'wiring consents without a target',
        () => call(stack, insurer, 'GET', `/v1/pools/${pool()}/wiring-consents`),
        400,
        'INVALID_REQUEST',
      ),
      bad(
        'wiring consents of an account that is no pool',
        () => call(stack, insurer, 'GET', `/v1/pools/${someone}/wiring-consents?target=${someone}`),
        404,
        'POOL_NOT_FOUND',
      ),
      bad(
        'a consent that is not a boolean',
        () =>
          call(stack, insurer, 'POST', `/v1/pools/${pool()}/wiring-consents`, { target: someone, consented: 'yes' }),
        400,
        'INVALID_REQUEST',
      ),
    ];
  }
  const cases: Case[] = [
    // Broken JSON and wrong JSON types
    { name: 'broken JSON', send: () => json('POST', revocation(), '{"reason":'), status: 400, code: 'MALFORMED_JSON' },
    {
      name: 'broken JSON to sign in',
      send: () => json('POST', '/v1/auth/siwe', '{message'),
      status: 400,
      code: 'MALFORMED_JSON',
    },
    {
      name: 'a number for the revocation reason',
      send: () => call(stack, insurer, 'POST', revocation(), { reason: 5 }),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'an unknown revocation reason',
      send: () => call(stack, insurer, 'POST', revocation(), { reason: 'Boredom' }),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'an array as the body',
      send: () => json('POST', revocation(), '[]'),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'an unknown field in the body',
      send: () => call(stack, insurer, 'POST', revocation(), { reason: 'Fraud', by: 'me' }),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'a list as the legal hold reason',
      send: () => call(stack, insurer, 'POST', `/v1/documents/${target.documentHash}/legal-hold`, { reason: [] }),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'wrong types in a co-signature',
      send: () =>
        call(stack, insurer, 'POST', `/v1/documents/${target.documentHash}/cosignatures`, {
          signer: 1,
          nonce: true,
          deadline: [],
          signature: 'none',
        }),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'wrong types to sign in',
      send: () => call(stack, undefined, 'POST', '/v1/auth/siwe', { message: 1, signature: true }),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'a number as an API key label',
      send: async () => {
        const cookie = await signIn(stack.url, stack.wallet(INSURER));
        return fetch(`${stack.url}/v1/api-keys`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Cookie: cookie },
          body: JSON.stringify({ label: 42 }),
        });
      },
      // The sign-in itself writes a session: compared below against the counts after it.
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      // (A malformed certificate inside the body is a normal answer: a report saying it is not valid.)
      name: 'a certificate check without a certificate',
      send: () => call(stack, undefined, 'POST', '/v1/certificates/verify', { cert: 1 }),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'an invalid confirm flag',
      send: () => call(stack, insurer, 'POST', `${revocation()}?confirm=yes`, { reason: 'Fraud' }),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    // Oversize bodies
    {
      name: 'a JSON body over the limit',
      send: () => call(stack, insurer, 'POST', revocation(), { reason: 'Fraud', note: 'x'.repeat(BODY_LIMIT_BYTES) }),
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
    },
    {
      name: 'an upload over the document limit',
      send: () => register(uploadForm(policyMetadata(), new Uint8Array(MAX_DOCUMENT_BYTES + 1).fill(7))),
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
    },
    {
      name: 'a new version over the document limit',
      send: () =>
        call(
          stack,
          insurer,
          'POST',
          `/v1/documents/${target.documentHash}/versions`,
          uploadForm(policyMetadata(), new Uint8Array(MAX_DOCUMENT_BYTES + 1).fill(8)),
        ),
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
    },
    {
      name: 'a verification upload over the document limit',
      send: () => {
        const form = new FormData();
        form.append('file', new Blob([new Uint8Array(MAX_DOCUMENT_BYTES + 1)]), 'big.pdf');
        return call(stack, undefined, 'POST', '/v1/verify', form);
      },
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
    },
    // Wrong media types
    {
      name: 'a registration as JSON',
      send: () => call(stack, insurer, 'POST', '/v1/documents', { metadata: policyMetadata() }),
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
    {
      name: 'a revocation as text',
      send: () => json('POST', revocation(), 'reason=Fraud', { 'Content-Type': 'text/plain' }),
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
    {
      name: 'a revocation as a form',
      send: () => {
        const form = new FormData();
        form.append('reason', 'Fraud');
        return call(stack, insurer, 'POST', revocation(), form);
      },
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'a verification upload as JSON',
      send: () => call(stack, undefined, 'POST', '/v1/verify', { file: 'abc' }),
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
    // Multipart
    {
      name: 'the file before the metadata',
      send: () => register(uploadForm(policyMetadata(), uniqueBytes('file first'), { fileFirst: true })),
      status: 400,
      code: 'INVALID_MULTIPART',
    },
    {
      name: 'metadata without a file',
      send: () => register(uploadForm(policyMetadata(), null)),
      status: 400,
      code: 'INVALID_MULTIPART',
    },
    {
      name: 'metadata that is not JSON',
      send: () => register(uploadForm('{"documentType":', uniqueBytes('broken metadata'))),
      status: 400,
      code: 'MALFORMED_JSON',
    },
    {
      name: 'metadata of the wrong types',
      send: () =>
        register(uploadForm(policyMetadata({ retentionClass: 'life', confidential: 'yes' }), uniqueBytes('t'))),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'a multipart body without a boundary',
      send: () =>
        fetch(`${stack.url}/v1/documents`, {
          method: 'POST',
          headers: { Authorization: insurer, 'Content-Type': 'multipart/form-data' },
          body: 'hello',
        }),
      status: 400,
      code: 'INVALID_MULTIPART',
    },
    // Invalid hashes and addresses
    {
      name: 'a short hash in the path',
      send: () => call(stack, insurer, 'GET', '/v1/documents/0x1234'),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'a hash that is not hex in the path',
      send: () => call(stack, insurer, 'GET', `/v1/documents/0x${'zz'.repeat(32)}/content`),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'an invalid hash to revoke',
      send: () => call(stack, insurer, 'POST', revocation('nothash'), { reason: 'Fraud' }),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'an invalid hash to verify',
      send: () => call(stack, undefined, 'GET', '/v1/verify/0x12'),
      status: 400,
      code: 'INVALID_DOCUMENT_HASH',
    },
    {
      name: 'an invalid hash for a certificate',
      send: () => call(stack, undefined, 'GET', '/v1/certificates/hello'),
      status: 400,
      code: 'INVALID_DOCUMENT_HASH',
    },
    {
      name: 'an invalid hash for the retention',
      send: () => call(stack, insurer, 'GET', '/v1/documents/0x00/retention'),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'an invalid address in a query',
      send: () => call(stack, insurer, 'GET', '/v1/documents?registrant=0x1234'),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'an invalid signer address',
      send: () => call(stack, insurer, 'GET', `/v1/documents/${target.documentHash}/typed-data?signer=alice`),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'an unknown query parameter',
      send: () => call(stack, insurer, 'GET', '/v1/documents?owner=me'),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'a page size out of range',
      send: () => call(stack, insurer, 'GET', '/v1/documents?limit=1000'),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'an invalid reader address in the metadata',
      send: () => register(uploadForm(policyMetadata({ readers: ['0xnotanaddress'] }), uniqueBytes('bad reader'))),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'a reader that is no party',
      send: () =>
        register(uploadForm(policyMetadata({ readers: [Wallet.createRandom().address] }), uniqueBytes('stranger'))),
      status: 422,
      code: 'READER_NOT_A_PARTY',
    },
    {
      name: 'an invalid signer address in a co-signature',
      send: () =>
        call(stack, insurer, 'POST', `/v1/documents/${target.documentHash}/cosignatures`, {
          signer: '0x12',
          nonce: '0',
          deadline: '1',
          signature: '0x00',
        }),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'a forged co-signature',
      send: async () => {
        const signed = await clientCoSignature(stack, target.documentHash);
        const forged = await Wallet.createRandom().signMessage('not the typed data');
        return call(stack, stack.auth.get(CLIENT), 'POST', `/v1/documents/${target.documentHash}/cosignatures`, {
          ...signed,
          signature: forged,
        });
      },
      status: 422,
      code: 'INVALID_SIGNATURE',
    },
    // Unknown ids and hashes
    {
      name: 'an unknown operation id',
      send: () => call(stack, insurer, 'GET', '/v1/operations/no-such-operation'),
      status: 404,
      code: 'OPERATION_NOT_FOUND',
    },
    {
      name: 'an operation id too long',
      send: () => call(stack, insurer, 'GET', `/v1/operations/${'x'.repeat(101)}`),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'an unknown document',
      send: () => call(stack, insurer, 'GET', `/v1/documents/${UNKNOWN_HASH}`),
      status: 404,
      code: 'DOCUMENT_NOT_FOUND',
    },
    {
      name: 'the content of an unknown document',
      send: () => call(stack, insurer, 'GET', `/v1/documents/${UNKNOWN_HASH}/content`),
      status: 404,
      code: 'DOCUMENT_NOT_FOUND',
    },
    {
      name: 'revoking an unknown document',
      send: () => call(stack, insurer, 'POST', revocation(UNKNOWN_HASH), { reason: 'Fraud' }),
      status: 404,
      code: 'DOCUMENT_NOT_FOUND',
    },
    {
      name: 'a new version of an unknown document',
      send: () =>
        call(
          stack,
          insurer,
          'POST',
          `/v1/documents/${UNKNOWN_HASH}/versions`,
          uploadForm(policyMetadata(), uniqueBytes('orphan version')),
        ),
      status: 404,
      code: 'DOCUMENT_NOT_FOUND',
    },
    {
      name: 'typed data of an unknown document',
      send: () =>
        call(
          stack,
          stack.auth.get(CLIENT),
          'GET',
          `/v1/documents/${UNKNOWN_HASH}/typed-data?signer=${stack.address(CLIENT)}`,
        ),
      status: 404,
      code: 'DOCUMENT_NOT_FOUND',
    },
    {
      name: 'a legal hold on an unknown document',
      send: () => call(stack, insurer, 'POST', `/v1/documents/${UNKNOWN_HASH}/legal-hold`, { reason: 'audit' }),
      status: 404,
      code: 'DOCUMENT_NOT_FOUND',
    },
    {
      name: 'erasing an unknown document',
      send: () => call(stack, insurer, 'POST', `/v1/documents/${UNKNOWN_HASH}/erasure`),
      status: 404,
      code: 'DOCUMENT_NOT_FOUND',
    },
    {
      name: 'the wrapped key of an unknown document',
      send: () => call(stack, stack.auth.get(REINSURER), 'GET', `/v1/documents/${UNKNOWN_HASH}/wrapped-key`),
      status: 404,
      code: 'DOCUMENT_NOT_FOUND',
    },
    {
      name: 'the certificate of an unknown document',
      send: () => call(stack, undefined, 'GET', `/v1/certificates/${UNKNOWN_HASH}`),
      status: 404,
      code: 'DOCUMENT_NOT_FOUND',
    },
    {
      name: 'revoking an unknown API key',
      send: () => call(stack, insurer, 'DELETE', '/v1/api-keys/0123456789abcdef'),
      status: 404,
      code: 'API_KEY_NOT_FOUND',
    },
    {
      name: 'revoking an API key by a malformed id',
      send: () => call(stack, insurer, 'DELETE', '/v1/api-keys/no-such-key'),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'an unknown route',
      send: () => call(stack, insurer, 'GET', '/v1/nothing-here'),
      status: 404,
      code: 'NOT_FOUND',
    },
    {
      // Development-only sign-in: only the embedded local stack serves it; this API is not embedded.
      name: 'the developer sign-in on an API that is not the embedded stack',
      send: () => call(stack, undefined, 'POST', '/v1/dev/sign-in', { party: 'insurer' }),
      status: 404,
      code: 'NOT_FOUND',
    },
    // Cursors
    {
      name: 'an invalid cursor',
      send: () => call(stack, insurer, 'GET', '/v1/documents?cursor=not-a-cursor'),
      status: 400,
      code: 'INVALID_CURSOR',
    },
    {
      name: 'an invalid access-log cursor',
      send: () => call(stack, insurer, 'GET', '/v1/access-log?cursor=not-a-cursor'),
      status: 400,
      code: 'INVALID_CURSOR',
    },
    {
      name: 'an empty documents cursor',
      send: () => call(stack, insurer, 'GET', '/v1/documents?cursor='),
      status: 400,
      code: 'INVALID_CURSOR',
    },
    {
      name: 'an access-log cursor given to the documents listing',
      send: () => call(stack, insurer, 'GET', '/v1/documents?cursor=3'),
      status: 400,
      code: 'INVALID_CURSOR',
    },
    {
      name: 'an empty access-log cursor',
      send: () => call(stack, insurer, 'GET', '/v1/access-log?cursor='),
      status: 400,
      code: 'INVALID_CURSOR',
    },
    // Sign-In with Ethereum
    {
      name: 'a replayed SIWE message',
      send: async () => {
        const signed = await signedSiweMessage(stack.url, stack.wallet(CLIENT));
        expect((await postSignIn(stack.url, signed)).status).to.equal(200);
        return postSignIn(stack.url, signed);
      },
      status: 401,
      code: 'SIWE_NONCE_USED',
    },
    {
      name: 'an expired SIWE message',
      send: () =>
        siwe(stack.wallet(CLIENT), {
          issuedAt: new Date(Date.now() - 3_600_000),
          expirationTime: new Date(Date.now() - 60_000),
        }),
      status: 401,
      code: 'SIWE_EXPIRED',
    },
    {
      name: 'a SIWE message for another domain',
      send: () => siwe(stack.wallet(CLIENT), { domain: 'evil.example', uri: 'https://evil.example' }),
      status: 401,
      code: 'SIWE_DOMAIN_MISMATCH',
    },
    {
      name: 'a SIWE message for another chain',
      send: () => siwe(stack.wallet(CLIENT), { chainId: 1 }),
      status: 401,
      code: 'SIWE_CHAIN_MISMATCH',
    },
    {
      name: 'a SIWE nonce this API never issued',
      send: () => siwe(stack.wallet(CLIENT), { nonce: 'abcdefgh12345678' }),
      status: 401,
      code: 'SIWE_NONCE_UNKNOWN',
    },
    {
      name: 'a SIWE message signed by another wallet',
      send: async () => {
        const nonce = await requestNonce(stack.url);
        const message = await signedSiweMessage(stack.url, stack.wallet(CLIENT), { nonce });
        const signature = await Wallet.createRandom().signMessage(message.message);
        return postSignIn(stack.url, { message: message.message, signature });
      },
      status: 401,
      code: 'SIWE_SIGNATURE_INVALID',
    },
    {
      name: 'a message that is no SIWE message',
      send: () => call(stack, undefined, 'POST', '/v1/auth/siwe', { message: 'let me in', signature: '0x00' }),
      status: 400,
      code: 'SIWE_MESSAGE_INVALID',
    },
    // API keys
    {
      name: 'a revoked API key',
      send: async () => {
        const cookie = await signIn(stack.url, stack.wallet(INSURER));
        const key = await createApiKey(stack.url, cookie, 'to revoke');
        const revoked = await call(stack, `Bearer ${key.token}`, 'DELETE', `/v1/api-keys/${key.id}`);
        expect(revoked.status).to.equal(200);
        return call(stack, `Bearer ${key.token}`, 'GET', '/v1/documents');
      },
      status: 401,
      code: 'API_KEY_REVOKED',
    },
    {
      name: 'a malformed Authorization header',
      send: () => call(stack, 'Basic aW5zdXJlcjpzZWNyZXQ=', 'GET', '/v1/documents'),
      status: 401,
      code: 'UNAUTHENTICATED',
    },
    {
      name: 'a malformed API key',
      send: () => call(stack, 'Bearer pl_garbage', 'GET', '/v1/documents'),
      status: 401,
      code: 'API_KEY_INVALID',
    },
    {
      name: 'a wrong secret for a real API key id',
      send: () => call(stack, insurer.replace(/.{4}$/, 'AAAA'), 'GET', '/v1/documents'),
      status: 401,
      code: 'API_KEY_INVALID',
    },
    {
      name: 'a malformed X-API-Key',
      send: () => call(stack, undefined, 'GET', '/v1/me', undefined, { 'X-API-Key': 'not-a-key' }),
      status: 401,
      code: 'API_KEY_INVALID',
    },
    // Idempotency keys
    {
      name: 'an Idempotency-Key too long',
      send: () =>
        call(stack, insurer, 'POST', revocation(), { reason: 'Fraud' }, { 'Idempotency-Key': 'k'.repeat(300) }),
      status: 400,
      code: 'IDEMPOTENCY_KEY_INVALID',
    },
    ...consortiumCases(),
    {
      name: 'a treaty address that is no address',
      send: () => call(stack, stack.auth.get(REINSURER), 'GET', '/v1/treaties/0x12/statement'),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'a statement period with a date that is no ISO-8601 instant',
      send: () => call(stack, stack.auth.get(REINSURER), 'GET', `${statementOf()}?from=last%20year`),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'a statement period with a time without a zone',
      send: () => call(stack, stack.auth.get(REINSURER), 'GET', `${statementOf()}?to=2026-01-01T00:00:00`),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'a statement period from after to',
      send: () =>
        call(
          stack,
          stack.auth.get(REINSURER),
          'GET',
          `${statementOf()}?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`,
        ),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'an unknown statement parameter',
      send: () => call(stack, stack.auth.get(REINSURER), 'GET', `${statementOf()}?currency=EUR`),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'the statement of an address with no contract',
      send: () => call(stack, stack.auth.get(REINSURER), 'GET', statementOf(Wallet.createRandom().address)),
      status: 404,
      code: 'TREATY_NOT_FOUND',
    },
    {
      name: 'the statement of a contract that is no treaty',
      send: () => call(stack, stack.auth.get(REINSURER), 'GET', statementOf(ledger.deployment.consortiumAccess)),
      status: 404,
      code: 'TREATY_NOT_FOUND',
    },
    {
      name: 'a statement to verify without its signature',
      send: () =>
        call(stack, undefined, 'POST', '/v1/treaties/statements/verify', {
          statement: { chainId: ledger.deployment.chainId, treaty: ledger.deployment.reinsuranceTreaty },
        }),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'the history of a treaty address that is no address',
      send: () => call(stack, stack.auth.get(REINSURER), 'GET', '/v1/treaties/0x12/history'),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'a statement to audit without its signature',
      send: () =>
        call(stack, stack.auth.get(REINSURER), 'POST', `/v1/treaties/${ledger.deployment.reinsuranceTreaty}/audit`, {
          statement: { chainId: ledger.deployment.chainId, treaty: ledger.deployment.reinsuranceTreaty },
        }),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'a statement of another treaty to audit against this one',
      send: () =>
        call(stack, stack.auth.get(REINSURER), 'POST', `/v1/treaties/${ledger.deployment.reinsuranceTreaty}/audit`, {
          statement: { chainId: ledger.deployment.chainId, treaty: Wallet.createRandom().address },
          signature: {
            signer: Wallet.createRandom().address,
            statementHash: `0x${'ab'.repeat(32)}`,
            signature: `0x${'cd'.repeat(65)}`,
          },
        }),
      status: 400,
      code: 'STATEMENT_OF_ANOTHER_TREATY',
    },
    {
      name: 'an offer of an unknown kind',
      send: () => call(stack, insurer, 'POST', '/v1/offers', { ...FLIGHT_OFFER, kind: 'earthquake' }),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'an offer whose delay tiers are not ascending',
      send: () =>
        call(stack, insurer, 'POST', '/v1/offers', {
          ...FLIGHT_OFFER,
          delayTiers: [
            { minutes: 180, payout: '1000000' },
            { minutes: 60, payout: '2000000' },
          ],
        }),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'an offer paying more than its sum insured',
      send: () => call(stack, insurer, 'POST', '/v1/offers', { ...FLIGHT_OFFER, cancellationPayout: '99000000' }),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'an amount as a number',
      send: () => call(stack, insurer, 'POST', '/v1/offers', { ...FLIGHT_OFFER, sumInsured: 20000000 }),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'a policy for a malformed client address',
      send: () => call(stack, insurer, 'POST', '/v1/policies', { offerId: 'offer-0123456789abcdef', client: '0x12' }),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'a departure without its UTC offset',
      send: () =>
        call(stack, insurer, 'POST', '/v1/policies', {
          offerId: 'offer-0123456789abcdef',
          client: stack.address(CLIENT),
          flight: {
            carrier: 'BA',
            flightNumber: '117',
            scheduledDeparture: '2030-01-01T10:00:00',
            scheduledArrival: '2030-01-01T18:00:00+01:00',
          },
        }),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'a policy on an unknown offer',
      send: () =>
        call(stack, insurer, 'POST', '/v1/policies', {
          offerId: 'offer-0123456789abcdef',
          client: stack.address(CLIENT),
        }),
      status: 404,
      code: 'OFFER_NOT_FOUND',
    },
    {
      name: 'a proposal listing in an unknown state',
      send: () => call(stack, insurer, 'GET', '/v1/policy-proposals?status=pending'),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'a consent with both a signature and the hosted key',
      send: () =>
        call(stack, insurer, 'POST', `/v1/policy-proposals/${target.documentHash}/consent`, {
          signWithHostedKey: true,
          termsSignature: { nonce: '1', deadline: '1', signature: `0x${'11'.repeat(65)}` },
        }),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'a consent to a document that is no proposal',
      send: () =>
        call(stack, insurer, 'POST', `/v1/policy-proposals/${target.documentHash}/consent`, {
          signWithHostedKey: true,
        }),
      status: 404,
      code: 'PROPOSAL_NOT_FOUND',
    },
    {
      name: 'a malformed policy id',
      send: () => call(stack, insurer, 'POST', '/v1/policies/policy-1/cancellation', {}),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'a cancellation of a policy never issued',
      send: () => call(stack, insurer, 'POST', '/v1/policies/weather-999999/cancellation', {}),
      status: 404,
      code: 'POLICY_NOT_FOUND',
    },
    {
      name: 'a credit claim to a malformed address',
      send: () => call(stack, insurer, 'POST', '/v1/credits/claim', { to: 'me' }),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'a stream position that is no event id',
      send: () => call(stack, insurer, 'GET', '/v1/events?after=yesterday'),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'a Last-Event-ID that is no event id',
      send: () => call(stack, insurer, 'GET', '/v1/events', undefined, { 'Last-Event-ID': '12' }),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'a short feed id to stream',
      send: () => call(stack, insurer, 'GET', '/v1/events?feedId=0x12'),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'a webhook URL that is not http(s)',
      send: () => call(stack, insurer, 'POST', '/v1/webhooks', { url: 'ftp://receiver.invalid/hook' }),
      status: 400,
      code: 'WEBHOOK_URL_INVALID',
    },
    {
      name: 'a webhook URL carrying credentials',
      send: () => call(stack, insurer, 'POST', '/v1/webhooks', { url: 'https://user:secret@receiver.invalid/' }),
      status: 400,
      code: 'WEBHOOK_URL_INVALID',
    },
    {
      name: 'a webhook on a loopback address, not allowed here',
      send: () => call(stack, insurer, 'POST', '/v1/webhooks', { url: 'http://127.0.0.1:9/hook' }),
      status: 400,
      code: 'WEBHOOK_URL_PRIVATE',
    },
    {
      name: 'a string for the webhook event types',
      send: () => call(stack, insurer, 'POST', '/v1/webhooks', { url: 'https://receiver.invalid/', eventTypes: 'all' }),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'an unknown field in a webhook',
      send: () => call(stack, insurer, 'POST', '/v1/webhooks', { url: 'https://receiver.invalid/', retries: 3 }),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'a webhook id that is no UUID',
      send: () => call(stack, insurer, 'GET', '/v1/webhooks/42'),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'a replay from no event id',
      send: () =>
        call(stack, insurer, 'POST', '/v1/webhooks/6f1c1d1e-8a3b-4c5d-9e7f-0a1b2c3d4e5f/replay', { from: 'start' }),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'a replay of an unknown webhook',
      send: () =>
        call(stack, insurer, 'POST', '/v1/webhooks/6f1c1d1e-8a3b-4c5d-9e7f-0a1b2c3d4e5f/replay', { from: '1-0' }),
      status: 404,
      code: 'WEBHOOK_NOT_FOUND',
    },
    {
      name: 'a policy id that is not flight-<n> or weather-<n>',
      send: () => call(stack, insurer, 'GET', '/v1/policies/policy-7'),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'a policy id with a leading zero',
      send: () => call(stack, insurer, 'GET', '/v1/policies/flight-07/timeline'),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'an unknown policy',
      send: () => call(stack, insurer, 'GET', '/v1/policies/weather-999999/timeline'),
      status: 404,
      code: 'POLICY_NOT_FOUND',
    },
    {
      name: 'a policy cursor this API did not issue',
      send: () => call(stack, insurer, 'GET', '/v1/policies?cursor=eyJwIjoyfQ'),
      status: 400,
      code: 'INVALID_CURSOR',
    },
    {
      name: 'an unknown policy status filter',
      send: () => call(stack, insurer, 'GET', '/v1/policies?status=Lapsed'),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'an unknown filter on policies',
      send: () => call(stack, insurer, 'GET', '/v1/policies?owner=me'),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'a policy page larger than 100',
      send: () => call(stack, insurer, 'GET', '/v1/policies?limit=1000'),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'a book of a pool that is no address',
      send: () => call(stack, insurer, 'GET', '/v1/book?pool=the-big-one'),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'a book of a pool the index does not follow',
      send: () => call(stack, insurer, 'GET', `/v1/book?pool=0x${'12'.repeat(20)}`),
      status: 404,
      code: 'POOL_NOT_FOUND',
    },
    {
      name: 'a policy preview for a malformed client address',
      send: () =>
        call(stack, insurer, 'POST', '/v1/policy-previews', { offerId: 'offer-0123456789abcdef', client: '0x12' }),
      status: 400,
      code: 'INVALID_REQUEST',
    },
    {
      name: 'a policy preview on an unknown offer',
      send: () =>
        call(stack, insurer, 'POST', '/v1/policy-previews', {
          offerId: 'offer-0123456789abcdef',
          client: stack.address(CLIENT),
        }),
      status: 404,
      code: 'OFFER_NOT_FOUND',
    },
  ];

  for (const bad of cases) {
    it(`answers ${bad.name} with ${bad.status} ${bad.code} and writes nothing`, async () => {
      const listedBefore = await listedHashes();
      const before = tableCounts();
      const response = await bad.send();
      const text = await response.text();
      expect(response.status, text).to.equal(bad.status);
      expect(response.headers.get('content-type')).to.match(/^application\/problem\+json/);
      const problem = JSON.parse(text) as { status: number; code: string };
      expect(problem.status).to.equal(bad.status);
      expect(problem.code).to.equal(bad.code);
      expect(
        response.headers
          .getSetCookie()
          .filter((cookie) => cookie.startsWith('pl_session=') && !cookie.startsWith('pl_session=;')),
      ).to.deep.equal([]);
      const after = tableCounts();
      // Cases that sign in (or revoke a key) first made their one session or key on purpose.
      for (const table of ['auth_sessions', 'auth_api_keys']) {
        delete before[table];
        delete after[table];
      }
      expect(after, 'rows in the API database').to.deep.equal(before);
      expect(await listedHashes()).to.deep.equal(listedBefore);
    });
  }

  it('refuses an Idempotency-Key reused with another body (409), keeping only the first registration', async () => {
    const key = `matrix-${Date.now()}`;
    const first = await register(uploadForm(policyMetadata(), uniqueBytes('first')), insurer, {
      'Idempotency-Key': key,
    });
    expect(first.status, await first.clone().text()).to.equal(202);
    const registered = (await first.json()) as Registration;
    const before = tableCounts();
    const again = await register(uploadForm(policyMetadata(), uniqueBytes('second')), insurer, {
      'Idempotency-Key': key,
    });
    expect(again.status).to.equal(409);
    expect(again.headers.get('content-type')).to.match(/^application\/problem\+json/);
    expect(((await again.json()) as { code: string }).code).to.equal('IDEMPOTENCY_KEY_REUSED');
    expect(tableCounts()).to.deep.equal(before);
    const document = await call(stack, insurer, 'GET', `/v1/documents/${registered.documentHash}`);
    expect(document.status).to.equal(200);
    // Its batch is composed after the window: wait for it, so that the next test counts rows on a quiet outbox.
    await eventually('the registration anchored', async () => {
      const answer = await call(stack, insurer, 'GET', registered.operation.href);
      const { operation } = (await answer.json()) as { operation: { state: string } };
      return operation.state === 'anchored' ? true : undefined;
    });
  });

  it('refuses a JSON write reused with another body under the same Idempotency-Key (409)', async () => {
    const key = `hold-${Date.now()}`;
    const path = `/v1/documents/${target.documentHash}/legal-hold`;
    const first = await call(stack, insurer, 'POST', path, { reason: 'first' }, { 'Idempotency-Key': key });
    expect(first.status).to.equal(201);
    const before = tableCounts();
    const again = await call(stack, insurer, 'POST', path, { reason: 'second' }, { 'Idempotency-Key': key });
    expect(again.status).to.equal(409);
    expect(((await again.json()) as { code: string }).code).to.equal('IDEMPOTENCY_KEY_REUSED');
    expect(tableCounts()).to.deep.equal(before);
    const lifted = await call(stack, insurer, 'DELETE', path);
    expect(lifted.status).to.equal(200);
  });
});
