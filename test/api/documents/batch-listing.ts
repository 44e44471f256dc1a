/**
 * Documents anchored in a Merkle batch are listed and described like single anchors: the index lists each batch's
 * members from its manifest once the manifest proves to be the batch's, so `GET /v1/documents` filters and pages over
 * them with the same cursor, each caller sees only what it may, and `GET /v1/documents/{hash}` describes a member with
 * its batch anchor and proof.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { batchRootOf } from '../../../services/ledger/verification-proofs.js';
import { composeBatch, manifestBytes } from '../../../services/api/anchoring/batch.js';
import { batchMembersOf } from '../../../services/indexer/index.js';
import { startTestLedger, type TestLedger } from '../../helpers/api-chain.js';
import {
  AUDITOR,
  CLIENT,
  eventually,
  INSURER,
  REINSURER,
  startDocumentsStack,
  type DocumentsStack,
} from '../documents/stack.js';
import { policyMetadata, uniqueBytes, uploadForm } from '../matrix-stack.js';

interface Listed {
  documentHash: string;
  status: string;
  documentType: string;
  policyRef: string;
  anchor: {
    mode: string;
    blockNumber: number;
    transactionHash: string;
    anchoredAt: string | null;
    merkleRoot: string | null;
    proof: string[] | null;
  } | null;
}
interface Page {
  items: Listed[];
  nextCursor: string | null;
}

const randomHash = () => `0x${randomBytes(32).toString('hex')}`;

describe('batch members in the documents listing', function () {
  this.timeout(120_000);
  let ledger: TestLedger;
  let api: DocumentsStack;
  const policyRef = `BATCH-${randomBytes(4).toString('hex')}`;
  /** The batch members, in registration order; the first three name the reinsurer as a reader. */
  const members: string[] = [];
  let single: string;

  before(async function () {
    this.timeout(180_000);
    ledger = await startTestLedger();
    api = await startDocumentsStack(ledger, {
      callers: [INSURER, REINSURER, CLIENT, AUDITOR],
      env: { POLICYLEDGER_BATCH_WINDOW_MS: '1500', POLICYLEDGER_CONFIRM_TIMEOUT_MS: '20000' },
    });
    const reinsurer = ledger.parties[REINSURER]!.wallet.address;
    const registrations = await Promise.all(
      [0, 1, 2, 3, 4].map(async (i) => {
        const metadata = policyMetadata({
          policyRef,
          mode: 'batch',
          documentType: i === 4 ? 'Schedule' : 'Policy',
          readers: i < 3 ? [reinsurer] : [],
        });
        const response = await call(INSURER, '/v1/documents?confirm=true', uploadForm(metadata, uniqueBytes(`m${i}`)));
        expect(response.status, await response.clone().text()).to.equal(201);
        return ((await response.json()) as { documentHash: string }).documentHash;
      }),
    );
    members.push(...registrations);
    const response = await call(
      INSURER,
      '/v1/documents?confirm=true',
      uploadForm(policyMetadata({ policyRef, mode: 'single' }), uniqueBytes('single')),
    );
    expect(response.status).to.equal(201);
    single = ((await response.json()) as { documentHash: string }).documentHash;
    await eventually('all six listed', async () =>
      (await list(INSURER, `policyRef=${policyRef}&limit=100`)).items.length === 6 ? true : undefined,
    );
  });

  after(async () => {
    await api?.close();
    await ledger?.stop();
  });

  function call(party: number, path: string, body?: FormData): Promise<Response> {
    return fetch(`${api.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { Authorization: api.auth.get(party)! },
      ...(body === undefined ? {} : { body }),
    });
  }

  async function list(party: number, query: string): Promise<Page> {
    const response = await call(party, `/v1/documents?${query}`);
    expect(response.status, await response.clone().text()).to.equal(200);
    return (await response.json()) as Page;
  }

  it('lists the members of one batch with their batch anchor, in batch order after nothing else', async () => {
    const { items } = await list(INSURER, `policyRef=${policyRef}&limit=100`);
    const batched = items.filter((item) => item.anchor?.mode === 'batch');
    expect(batched.map((item) => item.documentHash).sort()).to.deep.equal([...members].sort());
    const root = batched[0]!.anchor!.merkleRoot!;
    for (const item of batched) {
      expect(item.status).to.equal('current');
      expect(item.anchor!.merkleRoot).to.equal(root);
      expect(item.anchor!.transactionHash).to.match(/^0x[0-9a-f]{64}$/);
      expect(item.anchor!.anchoredAt).to.be.a('string');
      expect(batchRootOf(item.documentHash, item.anchor!.proof!)).to.equal(root);
    }
    expect(items.find((item) => item.documentHash === single)!.anchor!.mode).to.equal('single');
    // Chain order: the single anchor came after the batch.
    expect(items.at(-1)!.documentHash).to.equal(single);
  });

  it('pages over batch members and single anchors with one cursor, each document once', async () => {
    const everything = (await list(INSURER, `policyRef=${policyRef}&limit=100`)).items.map((item) => item.documentHash);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Page = await list(
        INSURER,
        `policyRef=${policyRef}&limit=2${cursor === null ? '' : `&cursor=${cursor}`}`,
      );
      expect(page.items.length).to.be.at.most(2);
      seen.push(...page.items.map((item) => item.documentHash));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null);
    expect(pages).to.equal(3);
    expect(seen).to.deep.equal(everything);
  });

  it('filters batch members like single anchors', async () => {
    const schedules = await list(INSURER, `policyRef=${policyRef}&documentType=Schedule`);
    expect(schedules.items.map((item) => item.documentHash)).to.deep.equal([members[4]]);
    expect((await list(INSURER, `policyRef=${policyRef}&status=revoked`)).items).to.deep.equal([]);
    const current = await list(INSURER, `policyRef=${policyRef}&status=current&limit=100`);
    expect(current.items).to.have.length(6);
  });

  it('shows each caller only the members it may see', async () => {
    const reinsurer = await list(REINSURER, `policyRef=${policyRef}&limit=100`);
    expect(reinsurer.items.map((item) => item.documentHash).sort()).to.deep.equal(members.slice(0, 3).sort());
    expect((await list(CLIENT, `policyRef=${policyRef}&limit=100`)).items).to.deep.equal([]);
    expect((await list(AUDITOR, `policyRef=${policyRef}&limit=100`)).items).to.have.length(6);
  });

  it('describes a member as its listing does, and to a non-reader not at all', async () => {
    const listed = (await list(REINSURER, `policyRef=${policyRef}&limit=100`)).items.find(
      (item) => item.documentHash === members[0],
    )!;
    const response = await call(REINSURER, `/v1/documents/${members[0]}`);
    expect(response.status).to.equal(200);
    const document = (await response.json()) as Listed & { versions: unknown[]; currentVersion: string };
    expect(document.anchor).to.deep.equal(listed.anchor);
    expect(document.currentVersion).to.equal(members[0]);
    for (const party of [CLIENT]) {
      const refused = await call(party, `/v1/documents/${members[3]}`);
      expect(refused.status).to.equal(404);
      expect(((await refused.json()) as { code: string }).code).to.equal('DOCUMENT_NOT_FOUND');
    }
    expect((await call(REINSURER, `/v1/documents/${members[3]}`)).status).to.equal(404);
  });

  describe('manifest checks', () => {
    const input = (documentHash: string) => ({
      documentHash,
      storagePointer: 'bafy-member',
      documentType: 0,
      retentionClass: 2,
      policyRef: 'P-1',
    });

    it('takes the members of a manifest whose hashes make the anchored root', () => {
      const composed = composeBatch([input(randomHash()), input(randomHash()), input(randomHash())]);
      const checked = batchMembersOf(
        { merkleRoot: composed.merkleRoot, documentCount: 3 },
        manifestBytes(composed.manifest),
      );
      expect('members' in checked && checked.members.map((member) => member.documentHash)).to.deep.equal(
        composed.manifest.documentHashes,
      );
    });

    it('refuses a manifest that lists another hash, another count, or no anchor fields', () => {
      const composed = composeBatch([input(randomHash()), input(randomHash())]);
      const batch = { merkleRoot: composed.merkleRoot, documentCount: 2 };
      const swapped = { ...composed.manifest, documentHashes: [composed.manifest.documentHashes[0]!, randomHash()] };
      expect(batchMembersOf(batch, manifestBytes(swapped))).to.have.property('invalid');
      expect(batchMembersOf({ ...batch, documentCount: 3 }, manifestBytes(composed.manifest))).to.have.property(
        'invalid',
      );
      const bare = { ...composed.manifest, documentTypes: undefined };
      expect(batchMembersOf(batch, new TextEncoder().encode(JSON.stringify(bare)))).to.have.property('invalid');
      expect(batchMembersOf(batch, new TextEncoder().encode('not json'))).to.have.property('invalid');
    });
  });
});
