import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getBytes, ZeroHash } from 'ethers';
import { storedDocument, wrappedKeyFor } from '../../../services/api/documents/store.js';
import { AppError } from '../../../services/api/errors.js';
import { keepWrappedKey, rewrapForRotatedKeys, wrappedKeyForReader } from '../../../services/api/records/keys.js';
import {
  addYearsUtc,
  applyErasureNotices,
  eraseDocument,
  erasurePolicyRef,
  liftLegalHold,
  placeLegalHold,
  PUBLIC_CONTENT_LIMITATION,
} from '../../../services/api/records/retention.js';
import { readAnchorState, readChainTime, rotateEncryptionPublicKey } from '../../../services/ledger/records.js';
import { generateEncryptionKeyPair, unwrapContentKey } from '../../../services/storage/index.js';
import { startTestLedger, type TestLedger } from '../../helpers/api-chain.js';
import { registerTestDocument, startRecordsNode, syncThrough, waitAnchored, type RecordsNode } from './helpers.js';

const YEAR_S = 366 * 24 * 3600;

async function refusal(promise: Promise<unknown> | (() => unknown)): Promise<AppError> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('retention, legal hold, erasure and key rotation', function () {
  this.timeout(120_000);
  let ledger: TestLedger;
  let dir: string;
  let insurerNode: RecordsNode;
  let reinsurerNode: RecordsNode;
  let insurer: string;
  let reinsurer: string;
  let auditor: string;
  let client: string;
  let reinsurerKeys: { publicKey: Uint8Array; privateKey: Uint8Array };

  before(async () => {
    ledger = await startTestLedger();
    dir = mkdtempSync(path.join(tmpdir(), 'records-retention-'));
    const [insurerParty, reinsurerParty] = [ledger.parties[2]!, ledger.parties[3]!];
    insurer = insurerParty.wallet.address;
    reinsurer = reinsurerParty.wallet.address;
    client = ledger.parties[4]!.wallet.address;
    auditor = ledger.parties[8]!.wallet.address;
    const insurerKeys = await generateEncryptionKeyPair();
    reinsurerKeys = await generateEncryptionKeyPair();
    // The local parties register X25519 encryption keys (their deployment registered their wallets' public keys).
    for (const [party, keys] of [
      [insurerParty, insurerKeys],
      [reinsurerParty, reinsurerKeys],
    ] as const) {
      const writer = { deployment: ledger.deployment, provider: ledger.provider, signer: party.signer };
      await rotateEncryptionPublicKey(writer, keys.publicKey);
    }
    insurerNode = await startRecordsNode(ledger, path.join(dir, 'insurer'), [
      { signer: insurerParty.signer, address: insurer, encryptionPrivateKey: insurerKeys.privateKey },
    ]);
    reinsurerNode = await startRecordsNode(ledger, path.join(dir, 'reinsurer'), [
      { signer: reinsurerParty.signer, address: reinsurer, encryptionPrivateKey: reinsurerKeys.privateKey },
    ]);
  });

  after(async () => {
    await insurerNode?.stop();
    await reinsurerNode?.stop();
    await ledger.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const asInsurer = () => ({ account: insurer, roles: ['INSURER' as const] });
  const asAuditor = () => ({ account: auditor, roles: ['AUDITOR' as const] });

  async function coverEndingTomorrow(): Promise<string> {
    const now = await readChainTime(insurerNode.ctx.ledger);
    return new Date(now.getTime() + 24 * 3600 * 1000).toISOString();
  }

  it('rotates a reader key: the registrant re-wraps, the new key opens, the old key no longer does', async () => {
    const document = await registerTestDocument(insurerNode, insurer, {
      confidential: true,
      readers: [reinsurer],
      retentionClass: 2,
      coverEndsAt: await coverEndingTomorrow(),
    });
    const context = { documentHash: document.documentHash, recipient: reinsurer };
    const before = wrappedKeyFor(insurerNode.ctx.db, document.documentHash, reinsurer)!;
    const contentKey = await unwrapContentKey(before, reinsurerKeys.privateKey, context);

    const rotated = await generateEncryptionKeyPair();
    const writer = { deployment: ledger.deployment, provider: ledger.provider, signer: ledger.parties[3]!.signer };
    const rotation = await rotateEncryptionPublicKey(writer, rotated.publicKey);
    await syncThrough(insurerNode, rotation.blockNumber);
    const rewraps = await rewrapForRotatedKeys(insurerNode.ctx);
    expect(rewraps).to.deep.include({ documentHash: document.documentHash, party: reinsurer });

    const after = wrappedKeyFor(insurerNode.ctx.db, document.documentHash, reinsurer)!;
    expect(await unwrapContentKey(after, rotated.privateKey, context)).to.deep.equal(contentKey);
    let oldKeyOpened = true;
    await unwrapContentKey(after, reinsurerKeys.privateKey, context).catch(() => (oldKeyOpened = false));
    expect(oldKeyOpened).to.be.false;
    const recorded = insurerNode.ctx.db
      .prepare('SELECT party FROM rec_key_rotations WHERE document_hash = ?')
      .all(document.documentHash) as { party: string }[];
    expect(recorded.map((row) => row.party)).to.include(reinsurer);
    reinsurerKeys = rotated;
    reinsurerNode.ctx.encryptionKeys.set(reinsurer, rotated.privateKey);
  });

  it('refuses erasure before retention has passed, naming the date, and for a permanent class', async () => {
    const coverEndsAt = await coverEndingTomorrow();
    const property = await registerTestDocument(insurerNode, insurer, {
      confidential: true,
      readers: [],
      retentionClass: 2,
      coverEndsAt,
    });
    const early = await refusal(eraseDocument(insurerNode.ctx, asInsurer(), property.documentHash));
    expect(early).to.include({ status: 409, code: 'RETENTION_ACTIVE' });
    expect(early.details).to.include({ retainedUntil: addYearsUtc(new Date(coverEndsAt), 15).toISOString() });

    const life = await registerTestDocument(insurerNode, insurer, {
      confidential: true,
      readers: [],
      retentionClass: 1,
      coverEndsAt,
    });
    await ledger.advanceTime(25 * YEAR_S);
    const permanent = await refusal(eraseDocument(insurerNode.ctx, asInsurer(), life.documentHash));
    expect(permanent).to.include({ status: 409, code: 'RETENTION_ACTIVE' });
    expect(permanent.details).to.include({ permanent: true, retainedUntil: null });
  });

  it('keeps a document under legal hold; only the party that placed a hold lifts it', async () => {
    const document = await registerTestDocument(insurerNode, insurer, {
      confidential: true,
      readers: [],
      retentionClass: 2,
      coverEndsAt: await coverEndingTomorrow(),
    });
    await ledger.advanceTime(16 * YEAR_S);
    placeLegalHold(insurerNode.ctx, asAuditor(), document.documentHash, 'supervisory inquiry 2041-17');
    expect(
      await refusal(() =>
        placeLegalHold(insurerNode.ctx, { account: client, roles: ['CLIENT'] }, document.documentHash, 'x'),
      ),
      // The client is not named on the document: to it the document does not exist.
    ).to.include({ status: 404, code: 'DOCUMENT_NOT_FOUND' });
    expect(await refusal(eraseDocument(insurerNode.ctx, asInsurer(), document.documentHash))).to.include({
      status: 409,
      code: 'LEGAL_HOLD',
    });
    expect(await refusal(() => liftLegalHold(insurerNode.ctx, asInsurer(), document.documentHash))).to.include({
      status: 404,
      code: 'NO_LEGAL_HOLD',
    });
    liftLegalHold(insurerNode.ctx, asAuditor(), document.documentHash);
    const erased = await eraseDocument(insurerNode.ctx, asInsurer(), document.documentHash);
    expect(erased.wrappedKeysDestroyed).to.equal(1);
  });

  it('erases after retention: keys and blocks gone, content 410, the hash still anchored; members apply the notice', async () => {
    const document = await registerTestDocument(insurerNode, insurer, {
      confidential: true,
      readers: [reinsurer],
      retentionClass: 2,
      coverEndsAt: await coverEndingTomorrow(),
    });
    const other = await registerTestDocument(insurerNode, insurer, {
      confidential: true,
      readers: [reinsurer],
      retentionClass: 2,
      coverEndsAt: await coverEndingTomorrow(),
    });
    // The reinsurer's API keeps its own wrapped keys and a cached copy of the ciphertext.
    for (const { documentHash } of [document, other]) {
      const answer = wrappedKeyForReader(insurerNode.ctx, { account: reinsurer, via: 'api-key:test' }, documentHash);
      keepWrappedKey(reinsurerNode.ctx.db, documentHash, reinsurer, getBytes(answer.wrappedKey));
    }
    const ciphertext = await insurerNode.ctx.content.get(document.cid);
    expect(await reinsurerNode.ctx.content.add(ciphertext)).to.equal(document.cid);

    await ledger.advanceTime(16 * YEAR_S);
    const erased = await eraseDocument(insurerNode.ctx, asInsurer(), document.documentHash);
    expect(erased).to.include({ confidential: true, wrappedKeysDestroyed: 2, contentRemoved: true });
    expect(erased.limitation).to.equal(undefined);

    const rows = insurerNode.ctx.db
      .prepare('SELECT COUNT(*) AS n FROM doc_wrapped_keys WHERE document_hash = ?')
      .get(document.documentHash) as { n: number };
    expect(Number(rows.n)).to.equal(0);
    expect(await insurerNode.ctx.content.has(document.cid)).to.be.false;
    expect(storedDocument(insurerNode.ctx.db, document.documentHash)!.erasedAt).to.be.a('string');
    expect(
      await refusal(() =>
        wrappedKeyForReader(insurerNode.ctx, { account: reinsurer, via: 'api-key:test' }, document.documentHash),
      ),
    ).to.include({ status: 410, code: 'CONTENT_ERASED' });
    expect((await readAnchorState(insurerNode.ctx.ledger, document.documentHash)).anchored).to.be.true;
    expect(await refusal(eraseDocument(insurerNode.ctx, asInsurer(), document.documentHash))).to.include({
      code: 'ALREADY_ERASED',
    });

    // A notice for `other` anchored by someone else than its registrant is ignored.
    const forged = await reinsurerNode.anchoringService.accept({
      kind: 'anchor',
      mode: 'single',
      sender: reinsurer,
      input: {
        documentHash: `0x${'ab'.repeat(32)}`,
        termsHash: ZeroHash,
        documentType: 6,
        retentionClass: 1,
        policyRef: erasurePolicyRef(other.documentHash),
        storagePointer: 'bafy-forged',
        requiredSigners: [],
      },
    });
    await waitAnchored(reinsurerNode, forged.id);
    const noticeOperation = await insurerNode.anchoringService.waitFor(erased.notice!.operationId!, 20_000);
    expect(noticeOperation.state).to.equal('anchored');
    await syncThrough(reinsurerNode, noticeOperation.blockNumber!);
    expect(await applyErasureNotices(reinsurerNode.ctx)).to.include(document.documentHash);
    expect(wrappedKeyFor(reinsurerNode.ctx.db, document.documentHash, reinsurer)).to.equal(null);
    expect(await reinsurerNode.ctx.content.has(document.cid)).to.be.false;
    expect(wrappedKeyFor(reinsurerNode.ctx.db, other.documentHash, reinsurer)).to.not.equal(null);
    const notice = await readAnchorState(insurerNode.ctx.ledger, erased.notice!.documentHash);
    expect(notice).to.include({ anchored: true, registrant: insurer });
  });

  it('erases a public document only here, and says its bytes cannot be recalled from IPFS', async () => {
    const document = await registerTestDocument(insurerNode, insurer, {
      confidential: false,
      readers: [],
      retentionClass: 3,
      coverEndsAt: await coverEndingTomorrow(),
    });
    await ledger.advanceTime(21 * YEAR_S);
    const erased = await eraseDocument(insurerNode.ctx, asInsurer(), document.documentHash);
    expect(erased).to.include({ confidential: false, contentRemoved: true, limitation: PUBLIC_CONTENT_LIMITATION });
    expect(await insurerNode.ctx.content.has(document.cid)).to.be.false;
  });
});
