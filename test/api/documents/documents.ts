import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { Wallet } from 'ethers';
import { buildOpenApiDocument } from '../../../services/api/openapi.js';
import { eraseDocumentKeys } from '../../../services/api/documents/store.js';
import { withoutDomainType } from '../../../services/ledger/documents.js';
import '../../../services/api/documents/routes.js';
import { startTestLedger, type TestLedger } from '../../helpers/api-chain.js';
import {
  AUDITOR,
  CLIENT,
  eventually,
  INSURER,
  REINSURER,
  registerLegacyEncryptionKey,
  startDocumentsStack,
  type DocumentsStack,
} from './stack.js';

interface Problem {
  status: number;
  code: string;
  detail: string;
  issues?: { path: string }[];
  operation?: Operation;
}
interface Operation {
  id: string;
  state: string;
  href: string;
  blockNumber?: number;
  transactionHash?: string;
}
interface Registration {
  documentHash: string;
  cid: string;
  operation: Operation;
}
interface DocumentView {
  documentHash: string;
  status: string;
  registrant: string;
  versions: { documentHash: string; version: number; status: string }[];
  currentVersion: string | null;
  revocation: { reason: string } | null;
  signatures: { signer: string; state: string; signedAt: string | null }[];
  fullySigned: boolean;
  private: { readers: string[]; personal: Record<string, unknown> | null } | null;
}

const sha256 = (bytes: Uint8Array) => `0x${createHash('sha256').update(bytes).digest('hex')}`;

/** Fresh bytes for each document, so that no two tests register the same hash. */
const uniqueBytes = (label: string) => new TextEncoder().encode(`${label} ${randomBytes(16).toString('hex')}\n`);

describe('documents API', function () {
  it('documents every route in the OpenAPI document', () => {
    const document = buildOpenApiDocument() as { paths: Record<string, Record<string, unknown>> };
    for (const [path, method] of [
      ['/v1/documents', 'post'],
      ['/v1/documents', 'get'],
      ['/v1/documents/{hash}', 'get'],
      ['/v1/documents/{hash}/content', 'get'],
      ['/v1/documents/{hash}/typed-data', 'get'],
      ['/v1/documents/{hash}/cosignatures', 'post'],
      ['/v1/documents/{hash}/versions', 'post'],
      ['/v1/documents/{hash}/revocation', 'post'],
      ['/v1/operations/{id}', 'get'],
    ] as const) {
      expect(document.paths[path]?.[method], `${method} ${path}`).to.be.an('object');
    }
  });

  this.timeout(120_000);
  let ledger: TestLedger;
  let api: DocumentsStack;
  let address: (index: number) => string;

  before(async function () {
    this.timeout(180_000);
    ledger = await startTestLedger();
    address = (index) => ledger.parties[index]!.wallet.address;
    await registerLegacyEncryptionKey(ledger, AUDITOR);
    api = await startDocumentsStack(ledger, {
      callers: [INSURER, REINSURER, CLIENT, AUDITOR],
      env: {
        POLICYLEDGER_BATCH_WINDOW_MS: '300',
        POLICYLEDGER_CONFIRM_TIMEOUT_MS: '15000',
        POLICYLEDGER_MAX_DOCUMENT_BYTES: '65536',
      },
    });
  });

  after(async function () {
    await api?.close();
    await ledger?.stop();
  });

  function upload(metadata: unknown, bytes: Uint8Array, options: { fileFirst?: boolean; type?: string } = {}) {
    const form = new FormData();
    const file = new Blob([Buffer.from(bytes)], { type: options.type ?? 'application/pdf' });
    if (options.fileFirst === true) form.append('file', file, 'policy.pdf');
    form.append('metadata', typeof metadata === 'string' ? metadata : JSON.stringify(metadata));
    if (options.fileFirst !== true) form.append('file', file, 'policy.pdf');
    return form;
  }

  async function call(
    party: number,
    method: string,
    path: string,
    body?: FormData | object,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const init: RequestInit = { method, headers: { Authorization: api.auth.get(party)!, ...headers } };
    if (body instanceof FormData) init.body = body;
    else if (body !== undefined) {
      init.body = JSON.stringify(body);
      (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
    }
    return fetch(`${api.url}${path}`, init);
  }

  const policy = (extra: object = {}) => ({
    documentType: 'Policy',
    policyRef: `HM-${randomBytes(4).toString('hex')}`,
    retentionClass: 2,
    coverEndsAt: '2027-12-31',
    ...extra,
  });

  async function register(party: number, metadata: object, bytes: Uint8Array, query = ''): Promise<Registration> {
    const response = await call(party, 'POST', `/v1/documents${query}`, upload(metadata, bytes));
    expect(response.status, await response.clone().text()).to.be.oneOf([201, 202]);
    return (await response.json()) as Registration;
  }

  async function anchored(party: number, operation: Operation): Promise<Operation> {
    return eventually(`operation ${operation.id} anchored`, async () => {
      const response = await call(party, 'GET', operation.href);
      const { operation: current } = (await response.json()) as { operation: Operation };
      if (current.state === 'failed') throw new Error(`operation failed: ${JSON.stringify(current)}`);
      return current.state === 'anchored' ? current : undefined;
    });
  }

  async function documentOf(party: number, documentHash: string): Promise<DocumentView> {
    const response = await call(party, 'GET', `/v1/documents/${documentHash}`);
    expect(response.status, await response.clone().text()).to.equal(200);
    return (await response.json()) as DocumentView;
  }

  /** Waits until the index shows what `ready` looks for in the document. */
  function indexed(party: number, documentHash: string, ready: (document: DocumentView) => boolean) {
    return eventually(`document ${documentHash} indexed`, async () => {
      const response = await call(party, 'GET', `/v1/documents/${documentHash}`);
      if (response.status !== 200) return undefined;
      const document = (await response.json()) as DocumentView;
      return ready(document) ? document : undefined;
    });
  }

  async function content(party: number, documentHash: string): Promise<Response> {
    return call(party, 'GET', `/v1/documents/${documentHash}/content`);
  }

  function rowCount(table: string): number {
    return Number((api.ctx.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n);
  }

  describe('registration', () => {
    it('stores a public document under the CID Kubo gives its bytes and anchors it in a batch', async () => {
      const bytes = new TextEncoder().encode('hello world\n');
      const response = await call(INSURER, 'POST', '/v1/documents', upload(policy({ confidential: false }), bytes));
      expect(response.status).to.equal(202);
      const registration = (await response.json()) as Registration;
      expect(registration.cid).to.equal('QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o');
      expect(registration.documentHash).to.equal(sha256(bytes));
      expect(response.headers.get('location')).to.equal(`/v1/operations/${registration.operation.id}`);
      expect(registration.operation.state).to.be.oneOf(['queued', 'sent']);

      const done = (await anchored(INSURER, registration.operation)) as Operation & { merkleRoot?: string };
      expect(done.blockNumber).to.be.a('number');
      expect(done.merkleRoot).to.match(/^0x[0-9a-f]{64}$/);
      const document = await documentOf(INSURER, registration.documentHash);
      expect(document.status).to.equal('current');

      const read = await content(INSURER, registration.documentHash);
      expect(read.status).to.equal(200);
      expect(new Uint8Array(await read.arrayBuffer())).to.deep.equal(bytes);
    });

    it('encrypts a confidential document for each reader, and only readers whose key the API holds decrypt it', async () => {
      const bytes = uniqueBytes('confidential policy wording');
      const response = await call(
        INSURER,
        'POST',
        '/v1/documents?confirm=true',
        upload(policy({ readers: [address(REINSURER).toLowerCase()], mode: 'single' }), bytes),
      );
      expect(response.status, await response.clone().text()).to.equal(201);
      const registration = (await response.json()) as Registration;
      expect(registration.operation.state).to.equal('anchored');

      const stored = await api.ctx.content.get(registration.cid);
      expect(Buffer.from(stored).includes(Buffer.from(bytes))).to.equal(false);

      const loggedBefore = rowCount('log_entries');
      for (const reader of [INSURER, REINSURER]) {
        const read = await content(reader, registration.documentHash);
        expect(read.status).to.equal(200);
        expect(read.headers.get('content-type')).to.equal('application/pdf');
        expect(new Uint8Array(await read.arrayBuffer())).to.deep.equal(bytes);
      }
      // The client is not named on this document: to it the document does not exist.
      const refused = await content(CLIENT, registration.documentHash);
      expect(refused.status).to.equal(404);
      const problem = (await refused.json()) as Problem;
      expect(problem.code).to.equal('DOCUMENT_NOT_FOUND');
      expect(JSON.stringify(problem)).not.to.contain(Buffer.from(bytes).toString());
      // Each read that returned content is in the access log, the refused one is not.
      expect(rowCount('log_entries')).to.equal(loggedBefore + 2);
    });

    it('answers 408 with the operation when ?confirm=true outlasts the limit, and the operation goes on', async () => {
      const slow = await startDocumentsStack(ledger, {
        callers: [INSURER],
        env: { POLICYLEDGER_BATCH_WINDOW_MS: '3000', POLICYLEDGER_CONFIRM_TIMEOUT_MS: '200' },
      });
      try {
        const response = await fetch(`${slow.url}/v1/documents?confirm=true`, {
          method: 'POST',
          headers: { Authorization: slow.auth.get(INSURER)! },
          body: upload(policy({ confidential: false }), uniqueBytes('batched schedule')),
        });
        expect(response.status).to.equal(408);
        const problem = (await response.json()) as Problem;
        expect(problem.code).to.equal('CONFIRMATION_TIMEOUT');
        expect(problem.operation!.state).to.be.oneOf(['queued', 'sent']);
        expect(response.headers.get('location')).to.equal(problem.operation!.href);
        const done = await eventually('the batch anchored', () => {
          const operation = slow.ctx.anchoring.operation(problem.operation!.id);
          return Promise.resolve(operation?.state === 'anchored' ? operation : undefined);
        });
        expect(done.blockNumber).to.be.a('number');
      } finally {
        await slow.close();
      }
    });

    it('replays the first answer for the same Idempotency-Key and refuses the key with another body', async () => {
      const bytes = uniqueBytes('idempotent endorsement');
      const metadata = policy({ documentType: 'Endorsement' });
      const key = { 'Idempotency-Key': `endorsement-${randomBytes(4).toString('hex')}` };
      const first = await call(INSURER, 'POST', '/v1/documents', upload(metadata, bytes), key);
      expect(first.status).to.equal(202);
      const again = await call(INSURER, 'POST', '/v1/documents', upload(metadata, bytes), key);
      expect(again.status).to.equal(202);
      expect(again.headers.get('idempotent-replayed')).to.equal('true');
      expect(await again.json()).to.deep.equal(await first.json());

      const otherBody = await call(
        INSURER,
        'POST',
        '/v1/documents',
        upload({ ...metadata, retentionClass: 3 }, bytes),
        key,
      );
      expect(otherBody.status).to.equal(409);
      expect(((await otherBody.json()) as Problem).code).to.equal('IDEMPOTENCY_KEY_REUSED');
    });

    it('refuses a document already registered with 409 DOCUMENT_EXISTS naming its operation', async () => {
      const bytes = uniqueBytes('claim form');
      const registration = await register(INSURER, policy({ documentType: 'Claim' }), bytes);
      const response = await call(INSURER, 'POST', '/v1/documents', upload(policy(), bytes));
      expect(response.status).to.equal(409);
      const problem = (await response.json()) as Problem;
      expect(problem.code).to.equal('DOCUMENT_EXISTS');
      expect(problem.operation!.id).to.equal(registration.operation.id);
    });
  });

  describe('erasure and races', () => {
    it('answers 410 CONTENT_ERASED once the wrapped keys are destroyed, while the document stays described', async () => {
      const registration = await register(
        INSURER,
        policy({ mode: 'single' }),
        uniqueBytes('erasable'),
        '?confirm=true',
      );
      eraseDocumentKeys(api.ctx.db, registration.documentHash);
      const read = await content(INSURER, registration.documentHash);
      expect(read.status).to.equal(410);
      expect(((await read.json()) as Problem).code).to.equal('CONTENT_ERASED');
      const document = await indexed(INSURER, registration.documentHash, (view) => view.status === 'current');
      expect((document.private as { erased?: boolean }).erased).to.equal(true);
    });

    it('queues only one of two simultaneous uploads of the same bytes', async () => {
      const bytes = uniqueBytes('uploaded twice at once');
      const answers = await Promise.all(
        [0, 1].map(() => call(INSURER, 'POST', '/v1/documents', upload(policy(), bytes))),
      );
      expect(answers.map((answer) => answer.status).sort()).to.deep.equal([202, 409]);
      const documentHash = sha256(bytes);
      expect(api.ctx.anchoring.operationsOf(documentHash)).to.have.length(1);
    });
  });

  describe('bad registrations', () => {
    const cases: { name: string; status: number; code: string; path?: string; form: () => FormData | string }[] = [
      {
        name: 'an unknown document type',
        status: 400,
        code: 'INVALID_REQUEST',
        path: 'body.documentType',
        form: () => upload(policy({ documentType: 'Poem' }), uniqueBytes('x')),
      },
      {
        name: 'a retention class the registry does not define',
        status: 400,
        code: 'INVALID_REQUEST',
        path: 'body.retentionClass',
        form: () => upload(policy({ retentionClass: 4 }), uniqueBytes('x')),
      },
      {
        name: 'a malformed required signer',
        status: 400,
        code: 'INVALID_REQUEST',
        path: 'body.requiredSigners[0]',
        form: () => upload(policy({ requiredSigners: ['0x1234'] }), uniqueBytes('x')),
      },
      {
        name: 'a cover end that is not a date',
        status: 400,
        code: 'INVALID_REQUEST',
        path: 'body.coverEndsAt',
        form: () => upload(policy({ coverEndsAt: 'next year' }), uniqueBytes('x')),
      },
      {
        name: 'a malformed terms hash',
        status: 400,
        code: 'INVALID_REQUEST',
        path: 'body.termsHash',
        form: () => upload(policy({ termsHash: '0xabc' }), uniqueBytes('x')),
      },
      {
        name: 'batch mode for a document with required signers',
        status: 400,
        code: 'INVALID_REQUEST',
        path: 'body.mode',
        form: () => upload(policy({ requiredSigners: [address(CLIENT)], mode: 'batch' }), uniqueBytes('x')),
      },
      {
        name: 'an unknown metadata field',
        status: 400,
        code: 'INVALID_REQUEST',
        form: () => upload(policy({ holderName: 'Jane Doe' }), uniqueBytes('x')),
      },
      {
        name: 'metadata that is not JSON',
        status: 400,
        code: 'MALFORMED_JSON',
        form: () => upload('{"documentType":', uniqueBytes('x')),
      },
      {
        name: 'the file before the metadata',
        status: 400,
        code: 'INVALID_MULTIPART',
        form: () => upload(policy(), uniqueBytes('x'), { fileFirst: true }),
      },
      {
        name: 'an empty file',
        status: 400,
        code: 'INVALID_MULTIPART',
        form: () => upload(policy(), new Uint8Array(0)),
      },
      {
        name: 'a file over the size limit',
        status: 413,
        code: 'PAYLOAD_TOO_LARGE',
        form: () => upload(policy(), randomBytes(65537)),
      },
      {
        name: 'a reader whose registered key is not X25519',
        status: 422,
        code: 'READER_KEY_UNSUPPORTED',
        form: () => upload(policy({ readers: [address(AUDITOR)] }), uniqueBytes('x')),
      },
      {
        name: 'a JSON body instead of multipart',
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
        form: () => JSON.stringify(policy()),
      },
    ];

    for (const bad of cases) {
      it(`answers ${bad.status} ${bad.code} for ${bad.name}, writing nothing`, async () => {
        const before = ['doc_documents', 'doc_wrapped_keys', 'outbox_operations'].map(rowCount);
        const form = bad.form();
        const response =
          typeof form === 'string'
            ? await call(INSURER, 'POST', '/v1/documents', JSON.parse(form) as object)
            : await call(INSURER, 'POST', '/v1/documents', form);
        expect(response.status, await response.clone().text()).to.equal(bad.status);
        expect(response.headers.get('content-type')).to.contain('application/problem+json');
        const problem = (await response.json()) as Problem;
        expect(problem.code).to.equal(bad.code);
        if (bad.path !== undefined) expect(problem.issues?.map((issue) => issue.path)).to.include(bad.path);
        expect(['doc_documents', 'doc_wrapped_keys', 'outbox_operations'].map(rowCount)).to.deep.equal(before);
      });
    }

    it('refuses a party that may not register (403 ROLE_REQUIRED) and one whose key it does not hold (403 PARTY_NOT_HOSTED)', async () => {
      const client = await call(CLIENT, 'POST', '/v1/documents', upload(policy(), uniqueBytes('x')));
      expect(client.status).to.equal(403);
      expect(((await client.json()) as Problem).code).to.equal('ROLE_REQUIRED');
      const reinsurer = await call(REINSURER, 'POST', '/v1/documents', upload(policy(), uniqueBytes('x')));
      expect(reinsurer.status).to.equal(403);
      expect(((await reinsurer.json()) as Problem).code).to.equal('PARTY_NOT_HOSTED');
      const anonymous = await fetch(`${api.url}/v1/documents`, {
        method: 'POST',
        body: upload(policy(), uniqueBytes('x')),
      });
      expect(anonymous.status).to.equal(401);
    });

    it('hides an operation from parties that did not ask for it', async () => {
      const registration = await register(INSURER, policy(), uniqueBytes('schedule'));
      const response = await call(REINSURER, 'GET', registration.operation.href);
      expect(response.status).to.equal(404);
    });
  });

  describe('co-signing', () => {
    async function signedBy(wallet: Pick<Wallet, 'address' | 'signTypedData'>, documentHash: string, party = CLIENT) {
      const response = await call(
        party,
        'GET',
        `/v1/documents/${documentHash}/typed-data?signer=${wallet.address.toLowerCase()}`,
      );
      expect(response.status, await response.clone().text()).to.equal(200);
      const typed = (await response.json()) as {
        domain: Record<string, unknown>;
        types: Record<string, { name: string; type: string }[]>;
        primaryType: string;
        message: { nonce: string; deadline: string };
      };
      expect(typed.primaryType).to.equal('CoSignature');
      const signature = await wallet.signTypedData(typed.domain, withoutDomainType(typed.types), typed.message);
      return { signer: wallet.address, nonce: typed.message.nonce, deadline: typed.message.deadline, signature };
    }

    it('gives the typed data a wallet signs, relays the signature and the document becomes fully signed', async () => {
      const client = ledger.parties[CLIENT]!.wallet;
      const registration = await register(
        INSURER,
        policy({ requiredSigners: [address(CLIENT), address(INSURER)] }),
        uniqueBytes('signed policy'),
        '?confirm=true',
      );
      const documentHash = registration.documentHash;
      await indexed(CLIENT, documentHash, (document) => document.status === 'current');

      const forged = await signedBy(client, documentHash);
      const wrongKey = await Wallet.createRandom().signMessage('not a co-signature');
      const garbage = await call(CLIENT, 'POST', `/v1/documents/${documentHash}/cosignatures`, {
        ...forged,
        signature: wrongKey,
      });
      expect(garbage.status).to.equal(422);
      expect(((await garbage.json()) as Problem).code).to.equal('INVALID_SIGNATURE');

      const notRequired = await call(
        AUDITOR,
        'GET',
        `/v1/documents/${documentHash}/typed-data?signer=${address(AUDITOR)}`,
      );
      expect(notRequired.status).to.equal(422);
      expect(((await notRequired.json()) as Problem).code).to.equal('SIGNER_NOT_REQUIRED');

      for (const [party, wallet] of [
        [CLIENT, client],
        [INSURER, ledger.parties[INSURER]!.wallet],
      ] as const) {
        const signed = await signedBy(wallet, documentHash, party);
        const relayed = await call(party, 'POST', `/v1/documents/${documentHash}/cosignatures?confirm=true`, signed);
        expect(relayed.status, await relayed.clone().text()).to.equal(200);
        expect(((await relayed.json()) as { operation: Operation }).operation.state).to.equal('anchored');
      }

      const document = await indexed(INSURER, documentHash, (view) => view.fullySigned);
      expect(document.signatures.map((signature) => signature.state)).to.deep.equal(['signed', 'signed']);

      const twice = await call(CLIENT, 'POST', `/v1/documents/${documentHash}/cosignatures`, forged);
      expect(twice.status).to.equal(409);
      expect(((await twice.json()) as Problem).code).to.equal('ALREADY_SIGNED');
    });

    it('has a policyholder sign the terms themselves when the API knows the terms behind the terms hash', async () => {
      const client = ledger.parties[CLIENT]!.wallet;
      const terms = {
        policyholder: client.address,
        carrier: 'LH',
        flightNumber: 'LH123',
        departureDate: 20270115,
        scheduledDeparture: 1_800_000_000,
        scheduledArrival: 1_800_007_200,
        coverageStart: 1_799_990_000,
        coverageEnd: 1_800_100_000,
        delayTierMinutes: [60, 120],
        delayTierPayouts: ['50000000', '100000000'],
        cancellationPayout: '100000000',
        diversionPayout: '100000000',
        sumInsured: '100000000',
        premium: '5000000',
        cancellationRefundBps: 5000,
      };
      const registration = await register(
        INSURER,
        policy({ requiredSigners: [client.address], terms: { termsType: 'FlightDelay', terms } }),
        uniqueBytes('flight delay wording'),
        '?confirm=true',
      );
      await indexed(CLIENT, registration.documentHash, (document) => document.status === 'current');
      const response = await call(
        CLIENT,
        'GET',
        `/v1/documents/${registration.documentHash}/typed-data?signer=${client.address}`,
      );
      const typed = (await response.json()) as {
        domain: Record<string, unknown>;
        types: Record<string, { name: string; type: string }[]>;
        primaryType: string;
        termsType: string;
        message: { nonce: string; deadline: string; terms: { flightNumber: string } };
      };
      expect(typed.primaryType).to.equal('FlightDelayCoSignature');
      expect(typed.termsType).to.equal('FlightDelay');
      expect(typed.message.terms.flightNumber).to.equal('LH123');
      const signature = await client.signTypedData(typed.domain, withoutDomainType(typed.types), typed.message);
      const relayed = await call(
        CLIENT,
        'POST',
        `/v1/documents/${registration.documentHash}/cosignatures?confirm=true`,
        {
          signer: client.address,
          nonce: typed.message.nonce,
          deadline: typed.message.deadline,
          signature,
          termsType: 'FlightDelay',
        },
      );
      expect(relayed.status, await relayed.clone().text()).to.equal(200);
      const document = await indexed(CLIENT, registration.documentHash, (view) => view.fullySigned);
      expect(document.signatures).to.deep.equal([
        { signer: client.address, state: 'signed', signedAt: document.signatures[0]!.signedAt },
      ]);
    });

    it('refuses a signer the document does not require with 422 SIGNER_NOT_REQUIRED', async () => {
      const registration = await register(
        INSURER,
        policy({ requiredSigners: [address(CLIENT)] }),
        uniqueBytes('single signer'),
        '?confirm=true',
      );
      await indexed(INSURER, registration.documentHash, (document) => document.status === 'current');
      const response = await call(
        INSURER,
        'GET',
        `/v1/documents/${registration.documentHash}/typed-data?signer=${address(REINSURER)}`,
      );
      expect(response.status).to.equal(422);
      expect(((await response.json()) as Problem).code).to.equal('SIGNER_NOT_REQUIRED');
    });
  });

  describe('versions and revocation', () => {
    it('supersedes the current version, then revokes the new one, refusing what the chain would refuse', async () => {
      const first = await register(INSURER, policy({ mode: 'single' }), uniqueBytes('policy v1'), '?confirm=true');
      await indexed(INSURER, first.documentHash, (document) => document.status === 'current');

      const byOther = await call(REINSURER, 'POST', `/v1/documents/${first.documentHash}/revocation`, {
        reason: 'Fraud',
      });
      expect(byOther.status).to.equal(403);

      const response = await call(
        INSURER,
        'POST',
        `/v1/documents/${first.documentHash}/versions?confirm=true`,
        upload(policy({ documentType: 'Endorsement' }), uniqueBytes('policy v2')),
      );
      expect(response.status, await response.clone().text()).to.equal(201);
      const second = (await response.json()) as Registration;
      const current = await indexed(INSURER, second.documentHash, (document) => document.versions.length === 2);
      expect(current.currentVersion).to.equal(second.documentHash);
      expect(current.versions.map((version) => version.status)).to.deep.equal(['superseded', 'current']);

      const stale = await call(
        INSURER,
        'POST',
        `/v1/documents/${first.documentHash}/versions`,
        upload(policy(), uniqueBytes('policy v2 bis')),
      );
      expect(stale.status).to.equal(409);
      expect(((await stale.json()) as Problem).code).to.equal('NOT_CURRENT_VERSION');

      const revoked = await call(INSURER, 'POST', `/v1/documents/${second.documentHash}/revocation?confirm=true`, {
        reason: 'CancelledByClient',
        note: 'client withdrew',
      });
      expect(revoked.status, await revoked.clone().text()).to.equal(200);
      const view = await indexed(INSURER, second.documentHash, (document) => document.status === 'revoked');
      expect(view.revocation!.reason).to.equal('CancelledByClient');

      const again = await call(INSURER, 'POST', `/v1/documents/${second.documentHash}/revocation`, {
        reason: 'Fraud',
      });
      expect(again.status).to.equal(409);
      expect(((await again.json()) as Problem).code).to.equal('DOCUMENT_REVOKED');

      const badReason = await call(INSURER, 'POST', `/v1/documents/${second.documentHash}/revocation`, {
        reason: 'Boredom',
      });
      expect(badReason.status).to.equal(400);
    });
  });

  describe('reading and listing', () => {
    let shared: Registration;

    before(async () => {
      shared = await register(
        INSURER,
        policy({
          mode: 'single',
          policyRef: 'LIST-REF-1',
          readers: [address(REINSURER)],
          personal: { idNumber: 'X1234-5678-9012', phone: '+44 20 7946 0958' },
        }),
        uniqueBytes('listed'),
        '?confirm=true',
      );
      for (let i = 0; i < 3; i++) {
        await register(
          INSURER,
          policy({ mode: 'single', policyRef: 'LIST-REF-1' }),
          uniqueBytes(`private ${i}`),
          '?confirm=true',
        );
      }
      await indexed(INSURER, shared.documentHash, (document) => document.status === 'current');
    });

    it('shows personal fields in clear to the registrant, masked to a reader, not at all to an auditor', async () => {
      const insurer = await documentOf(INSURER, shared.documentHash);
      expect(insurer.private!.personal).to.deep.equal({ idNumber: 'X1234-5678-9012', phone: '+44 20 7946 0958' });
      const reinsurer = await documentOf(REINSURER, shared.documentHash);
      expect(reinsurer.private!.personal!.idNumber).to.equal('*****-****-9012');
      const auditor = await documentOf(AUDITOR, shared.documentHash);
      expect(auditor.private!.personal).to.equal(null);
      const client = await call(CLIENT, 'GET', `/v1/documents/${shared.documentHash}`);
      expect(client.status).to.equal(404);
    });

    it('lists only what each caller may see, page by page', async () => {
      const list = async (party: number, query: string) => {
        const response = await call(party, 'GET', `/v1/documents?${query}`);
        expect(response.status, await response.clone().text()).to.equal(200);
        return (await response.json()) as { items: DocumentView[]; nextCursor: string | null };
      };
      await eventually('all four indexed', async () =>
        (await list(INSURER, 'policyRef=LIST-REF-1&limit=100')).items.length === 4 ? true : undefined,
      );

      const reinsurer = await list(REINSURER, 'policyRef=LIST-REF-1');
      expect(reinsurer.items.map((item) => item.documentHash)).to.deep.equal([shared.documentHash]);
      expect((await list(CLIENT, 'policyRef=LIST-REF-1')).items).to.deep.equal([]);
      expect((await list(AUDITOR, 'policyRef=LIST-REF-1')).items).to.have.length(4);

      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await list(INSURER, `policyRef=LIST-REF-1&limit=3${cursor === null ? '' : `&cursor=${cursor}`}`);
        expect(page.items.length).to.be.at.most(3);
        seen.push(...page.items.map((item) => item.documentHash));
        cursor = page.nextCursor;
      } while (cursor !== null);
      expect(seen).to.have.length(4);
      expect(new Set(seen).size).to.equal(4);

      const tooMany = await call(INSURER, 'GET', '/v1/documents?limit=101');
      expect(tooMany.status).to.equal(400);
    });
  });
});
