/**
 * The authorisation matrix: every endpoint of the OpenAPI document × every kind of caller (each role, the registrant
 * and a non-registrant of the same role, a deactivated party, no credentials), each allowed or refused with the right
 * status and problem code. A new endpoint without a row fails the first test.
 */
import { expect } from 'chai';
import { Wallet } from 'ethers';
import { startTestLedger, type TestLedger } from '../helpers/api-chain.js';
import { createApiKey, signedSiweMessage, signIn, postSignIn } from '../helpers/api-client.js';
import {
  ADMIN,
  AUDITOR,
  call,
  CLIENT,
  clientCoSignature,
  eventually,
  INACTIVE,
  INSURER,
  ORACLE,
  OTHER_INSURER,
  policyMetadata,
  registerTarget,
  REINSURER,
  startMatrixStack,
  uniqueBytes,
  uploadForm,
  type MatrixStack,
  type Registration,
} from './matrix-stack.js';

const CALLERS = {
  none: undefined,
  admin: ADMIN,
  insurer: INSURER,
  otherInsurer: OTHER_INSURER,
  reinsurer: REINSURER,
  client: CLIENT,
  oracle: ORACLE,
  auditor: AUDITOR,
  inactive: INACTIVE,
} as const;
type CallerName = keyof typeof CALLERS;
const CALLER_NAMES = Object.keys(CALLERS) as CallerName[];

/** An expected answer: an exact status, or a refusal with its problem code. */
type Expected = number | { status: number; code: string };

interface Row {
  method: 'get' | 'post' | 'delete';
  /** The OpenAPI path, e.g. `/v1/documents/{hash}`. */
  path: string;
  /** Makes the call as `caller` (`party` undefined = no credentials). */
  call(caller: CallerName, authorization: string | undefined): Promise<Response>;
  expected(caller: CallerName): Expected;
}

const refused = (status: number, code: string): Expected => ({ status, code });
const UNAUTHENTICATED = refused(401, 'UNAUTHENTICATED');
const INACTIVE_PARTY = refused(403, 'PARTY_INACTIVE');

/** Anyone, with or without credentials. */
const open = (status: number) => (): Expected => status;
/** Any active party; `parties` gives the answer for each (default `status`). */
function parties(status: Expected, overrides: Partial<Record<CallerName, Expected>> = {}) {
  return (caller: CallerName): Expected => {
    if (caller === 'none') return UNAUTHENTICATED;
    if (caller === 'inactive') return INACTIVE_PARTY;
    return overrides[caller] ?? status;
  };
}
/** Only the active parties listed in `allowed`; the others refused with `refusal`. */
function only(allowed: Partial<Record<CallerName, Expected>>, refusal: Expected) {
  return parties(refusal, allowed);
}
const roleRequired = refused(403, 'ROLE_REQUIRED');
// --- doc-gaps ---
/** A party the target does not name (nor an auditor): to it the document does not exist, on every route. */
const notVisible = refused(404, 'DOCUMENT_NOT_FOUND');
/** The parties the target names besides its registrant (a reader, a required signer), refused with `code`. */
const seesButNot = (code: string) => ({ reinsurer: refused(403, code), client: refused(403, code) });
// --- end doc-gaps ---

describe('authorisation matrix', function () {
  this.timeout(300_000);
  let ledger: TestLedger;
  let stack: MatrixStack;
  let target: Registration;
  let certificate: unknown;

  before(async function () {
    this.timeout(300_000);
    ledger = await startTestLedger();
    stack = await startMatrixStack(ledger);
    target = await registerTarget(stack);
    // The certificate comes from the index, which follows the chain a moment later.
    certificate = await eventually('the target indexed', async () => {
      const answer = await fetch(`${stack.url}/v1/certificates/${target.documentHash}`);
      return answer.status === 200 ? ((await answer.json()) as unknown) : undefined;
    });
  });

  after(async function () {
    await stack?.close();
    await ledger?.stop();
  });

  const on = (path: string) => path.replace('{hash}', target.documentHash);

  /** A fresh anchored target for a call that changes it, when the call is expected to succeed. */
  async function targetFor(caller: CallerName, succeeds: boolean): Promise<Registration> {
    return succeeds ? registerTarget(stack, `fresh for ${caller}`) : target;
  }

  const rows: Row[] = [
    // System
    { method: 'get', path: '/health', call: (_c, a) => call(stack, a, 'GET', '/health'), expected: open(200) },
    { method: 'get', path: '/ready', call: (_c, a) => call(stack, a, 'GET', '/ready'), expected: open(200) },
    { method: 'get', path: '/metrics', call: (_c, a) => call(stack, a, 'GET', '/metrics'), expected: open(200) },
    {
      method: 'get',
      path: '/openapi.json',
      call: (_c, a) => call(stack, a, 'GET', '/openapi.json'),
      expected: open(200),
    },
    { method: 'get', path: '/docs', call: (_c, a) => call(stack, a, 'GET', '/docs'), expected: open(200) },
    // Identity
    {
      method: 'post',
      path: '/v1/auth/nonce',
      call: (_c, a) => call(stack, a, 'POST', '/v1/auth/nonce'),
      expected: open(201),
    },
    {
      method: 'post',
      path: '/v1/auth/siwe',
      // Each caller signs in with its own wallet; "none" with a wallet that is no party.
      call: async (caller) => {
        const party = CALLERS[caller];
        const wallet = party === undefined ? Wallet.createRandom() : stack.wallet(party);
        return postSignIn(stack.url, await signedSiweMessage(stack.url, wallet));
      },
      expected: (caller) => (caller === 'none' || caller === 'inactive' ? INACTIVE_PARTY : 200),
    },
    {
      method: 'post',
      path: '/v1/auth/sign-out',
      call: (_c, a) => call(stack, a, 'POST', '/v1/auth/sign-out'),
      expected: open(204),
    },
    { method: 'get', path: '/v1/me', call: (_c, a) => call(stack, a, 'GET', '/v1/me'), expected: parties(200) },
    {
      method: 'post',
      path: '/v1/api-keys',
      // With an API key: keys are made by a wallet's session only.
      call: (_c, a) => call(stack, a, 'POST', '/v1/api-keys', { label: 'matrix' }),
      expected: parties(refused(403, 'SESSION_REQUIRED')),
    },
    {
      method: 'get',
      path: '/v1/api-keys',
      call: (_c, a) => call(stack, a, 'GET', '/v1/api-keys'),
      expected: parties(200),
    },
    {
      method: 'delete',
      path: '/v1/api-keys/{id}',
      // A spare key of the insurer's: only the insurer finds it (and revokes it); for anyone else it does not exist.
      call: async (_c, a) => {
        const spare = await createApiKey(stack.url, await signIn(stack.url, stack.wallet(INSURER)), 'spare');
        return call(stack, a, 'DELETE', `/v1/api-keys/${spare.id}`);
      },
      expected: parties(refused(404, 'API_KEY_NOT_FOUND'), { insurer: 200 }),
    },
    // Documents
    {
      method: 'post',
      path: '/v1/documents',
      call: (caller, a) =>
        call(stack, a, 'POST', '/v1/documents', uploadForm(policyMetadata(), uniqueBytes(`register by ${caller}`))),
      expected: only({ insurer: 202, otherInsurer: 202, reinsurer: 202 }, roleRequired),
    },
    {
      method: 'get',
      path: '/v1/documents',
      call: (_c, a) => call(stack, a, 'GET', '/v1/documents?limit=100'),
      expected: parties(200),
    },
    {
      method: 'get',
      path: '/v1/documents/{hash}',
      call: (_c, a) => call(stack, a, 'GET', on('/v1/documents/{hash}')),
      expected: only({ insurer: 200, reinsurer: 200, client: 200, auditor: 200 }, refused(404, 'DOCUMENT_NOT_FOUND')),
    },
    {
      method: 'get',
      path: '/v1/documents/{hash}/content',
      call: (_c, a) => call(stack, a, 'GET', on('/v1/documents/{hash}/content')),
      // Visible but not a reader: 403 NOT_A_READER; not visible at all: 404, as for an unknown document.
      expected: only(
        {
          insurer: 200,
          reinsurer: 200,
          client: refused(403, 'NOT_A_READER'),
          auditor: refused(403, 'NOT_A_READER'),
        },
        refused(404, 'DOCUMENT_NOT_FOUND'),
      ),
    },
    {
      method: 'get',
      path: '/v1/documents/{hash}/typed-data',
      call: (_c, a) =>
        call(stack, a, 'GET', `${on('/v1/documents/{hash}/typed-data')}?signer=${stack.address(CLIENT)}`),
      expected: only({ insurer: 200, client: 200 }, refused(403, 'NOT_SIGNER_OR_REGISTRANT')),
    },
    {
      method: 'post',
      path: '/v1/documents/{hash}/cosignatures',
      call: async (caller, a) => {
        const document = await targetFor(caller, caller === 'insurer' || caller === 'client');
        const signed = await clientCoSignature(stack, document.documentHash);
        return call(stack, a, 'POST', `/v1/documents/${document.documentHash}/cosignatures`, signed);
      },
      expected: only({ insurer: 202, client: 202 }, refused(403, 'NOT_SIGNER_OR_REGISTRANT')),
    },
    {
      method: 'post',
      path: '/v1/documents/{hash}/versions',
      call: async (caller, a) => {
        const document = await targetFor(caller, caller === 'insurer');
        const form = uploadForm(policyMetadata(), uniqueBytes(`version by ${caller}`));
        return call(stack, a, 'POST', `/v1/documents/${document.documentHash}/versions`, form);
      },
      expected: only(
        { insurer: 202, otherInsurer: refused(403, 'NOT_REGISTRANT'), reinsurer: refused(403, 'NOT_REGISTRANT') },
        roleRequired,
      ),
    },
    {
      method: 'post',
      path: '/v1/documents/{hash}/revocation',
      call: async (caller, a) => {
        const document = await targetFor(caller, caller === 'insurer');
        return call(stack, a, 'POST', `/v1/documents/${document.documentHash}/revocation`, {
          reason: 'IssuedInError',
        });
      },
      expected: only(
        { insurer: 202, otherInsurer: refused(403, 'NOT_REGISTRANT'), reinsurer: refused(403, 'NOT_REGISTRANT') },
        roleRequired,
      ),
    },
    {
      method: 'get',
      path: '/v1/operations/{id}',
      call: (_c, a) => call(stack, a, 'GET', target.operation.href),
      expected: only({ insurer: 200 }, refused(404, 'OPERATION_NOT_FOUND')),
    },
    // Public verification
    {
      method: 'get',
      path: '/v1/verify/{documentHash}',
      call: (_c, a) => call(stack, a, 'GET', `/v1/verify/${target.documentHash}`),
      expected: open(200),
    },
    {
      method: 'post',
      path: '/v1/verify',
      call: (_c, a) => {
        const form = new FormData();
        form.append('file', new Blob([Buffer.from(uniqueBytes('unknown'))]), 'any.pdf');
        return call(stack, a, 'POST', '/v1/verify', form);
      },
      expected: open(200),
    },
    {
      method: 'get',
      path: '/v1/certificates/{documentHash}',
      call: (_c, a) => call(stack, a, 'GET', `/v1/certificates/${target.documentHash}`),
      expected: open(200),
    },
    {
      method: 'post',
      path: '/v1/certificates/verify',
      call: (_c, a) => call(stack, a, 'POST', '/v1/certificates/verify', { certificate }),
      expected: open(200),
    },
    // Records
    {
      method: 'get',
      path: '/v1/access-log',
      call: (_c, a) => call(stack, a, 'GET', '/v1/access-log'),
      expected: only({ insurer: 200, otherInsurer: 200, reinsurer: 200, auditor: 200 }, roleRequired),
    },
    {
      method: 'get',
      path: '/v1/access-log/verification',
      call: (_c, a) => call(stack, a, 'GET', '/v1/access-log/verification'),
      expected: only({ insurer: 200, otherInsurer: 200, reinsurer: 200, auditor: 200 }, roleRequired),
    },
    {
      method: 'get',
      path: '/v1/access-log/export',
      call: (_c, a) => call(stack, a, 'GET', '/v1/access-log/export'),
      expected: only({ auditor: 200 }, roleRequired),
    },
    {
      method: 'get',
      path: '/v1/documents/{hash}/retention',
      call: (_c, a) => call(stack, a, 'GET', on('/v1/documents/{hash}/retention')),
      expected: only({ insurer: 200, auditor: 200, ...seesButNot('NOT_REGISTRANT_OR_AUDITOR') }, notVisible),
    },
    {
      method: 'post',
      path: '/v1/documents/{hash}/legal-hold',
      call: (_c, a) => call(stack, a, 'POST', on('/v1/documents/{hash}/legal-hold'), { reason: 'matrix hold' }),
      expected: only({ insurer: 201, auditor: 201, ...seesButNot('NOT_REGISTRANT_OR_AUDITOR') }, notVisible),
    },
    {
      method: 'delete',
      path: '/v1/documents/{hash}/legal-hold',
      // After the row above: the registrant and the auditor each lift their own hold.
      call: (_c, a) => call(stack, a, 'DELETE', on('/v1/documents/{hash}/legal-hold')),
      expected: only({ insurer: 200, auditor: 200, ...seesButNot('NOT_REGISTRANT_OR_AUDITOR') }, notVisible),
    },
    {
      method: 'post',
      path: '/v1/documents/{hash}/erasure',
      call: (_c, a) => call(stack, a, 'POST', on('/v1/documents/{hash}/erasure')),
      // The registrant passes the authorisation and meets the retention rule (property, 15 years after cover).
      expected: only(
        {
          ...seesButNot('NOT_REGISTRANT'),
          auditor: refused(403, 'NOT_REGISTRANT'),
          insurer: refused(409, 'RETENTION_ACTIVE'),
        },
        notVisible,
      ),
    },
    {
      method: 'get',
      path: '/v1/documents/{hash}/wrapped-key',
      call: (_c, a) => call(stack, a, 'GET', on('/v1/documents/{hash}/wrapped-key')),
      expected: only(
        { insurer: 200, reinsurer: 200, client: refused(403, 'NOT_A_READER'), auditor: refused(403, 'NOT_A_READER') },
        notVisible,
      ),
    },
    // --- doc-gaps ---
    {
      method: 'get',
      path: '/v1/documents/{hash}/ciphertext',
      call: (_c, a) => call(stack, a, 'GET', on('/v1/documents/{hash}/ciphertext')),
      expected: only(
        { insurer: 200, reinsurer: 200, client: refused(403, 'NOT_A_READER'), auditor: refused(403, 'NOT_A_READER') },
        notVisible,
      ),
    },
    // --- end doc-gaps ---
  ];

  it('has a row for every path and method of the OpenAPI document', async () => {
    const document = (await (await fetch(`${stack.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    // The server's own tests register a route under /test/ in the shared registry when they run in this process.
    const product = Object.entries(document.paths).filter(([path]) => !path.startsWith('/test/'));
    const documented = product.flatMap(([path, item]) =>
      Object.keys(item)
        .filter((method) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    const covered = rows.map((row) => `${row.method.toUpperCase()} ${row.path}`);
    expect(
      documented.filter((endpoint) => !covered.includes(endpoint)),
      'endpoints without a row',
    ).to.deep.equal([]);
    // Every row is a documented endpoint too (the docs page aside, which is HTML for people).
    expect(
      covered.filter((endpoint) => endpoint !== 'GET /docs' && !documented.includes(endpoint)),
      'rows for undocumented endpoints',
    ).to.deep.equal([]);
  });

  for (const name of CALLER_NAMES) {
    it(`answers ${name === 'none' ? 'a caller without credentials' : `the ${name}`} as the matrix says`, async function () {
      const wrong: string[] = [];
      for (const row of rows) {
        const party = CALLERS[name];
        const authorization = party === undefined ? undefined : stack.auth.get(party);
        const response = await row.call(name, authorization);
        const text = await response.text();
        const expected = row.expected(name);
        const status = typeof expected === 'number' ? expected : expected.status;
        const seen = `${response.status}${response.status >= 400 ? ` ${codeOf(text)}` : ''}`;
        const want = typeof expected === 'number' ? `${status}` : `${status} ${expected.code}`;
        if (seen !== want)
          wrong.push(`${row.method.toUpperCase()} ${row.path}: ${seen} (want ${want}) ${text.slice(0, 200)}`);
        if (response.status >= 400) {
          expect(response.headers.get('content-type'), `${row.path}`).to.match(/^application\/problem\+json/);
        }
      }
      expect(wrong, wrong.join('\n')).to.deep.equal([]);
    });
  }

  function codeOf(text: string): string {
    try {
      return (JSON.parse(text) as { code?: string }).code ?? '';
    } catch {
      return '';
    }
  }
});
