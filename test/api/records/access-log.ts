import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { randomBytes, hexlify } from 'ethers';
import {
  accessLogEntryHash,
  accessLogHeads,
  anchorAccessLogHead,
  initAccessLogSchema,
  listAccessLog,
  recordAccess,
  type HeadAnchoringContext,
} from '../../../services/api/records/access-log.js';
import {
  checkAccessLog,
  checkAccessLogExport,
  exportAccessLog,
  type AccessLogExport,
} from '../../../services/api/records/access-log-check.js';
import { runCheck } from '../../../services/api/records/cli.js';
import type { LedgerClient } from '../../../services/ledger/client.js';
import { startTestLedger, type TestLedger } from '../../helpers/api-chain.js';
import { directAnchoring, memoryContent } from './helpers.js';

describe('access log', function () {
  this.timeout(60_000);
  let ledger: TestLedger;
  let client: LedgerClient;
  let dir: string;
  let insurer: string;
  let reader: string;

  before(async () => {
    ledger = await startTestLedger();
    client = { deployment: ledger.deployment, provider: ledger.provider };
    dir = mkdtempSync(path.join(tmpdir(), 'records-log-'));
    insurer = ledger.parties[2]!.wallet.address;
    reader = ledger.parties[3]!.wallet.address;
  });

  after(async () => {
    await ledger.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A log of `count` reads with heads anchored on chain after entry 5 and after the last entry. */
  async function anchoredLog(count = 7): Promise<{ db: DatabaseSync; ctx: HeadAnchoringContext }> {
    const db = new DatabaseSync(path.join(dir, `${hexlify(randomBytes(6))}.sqlite`));
    initAccessLogSchema(db);
    const ctx: HeadAnchoringContext = {
      db,
      content: memoryContent(),
      anchoring: directAnchoring(client, ledger.parties[2]!.signer),
    };
    for (let i = 1; i <= count; i++) {
      recordAccess(ctx, {
        documentHash: hexlify(randomBytes(32)),
        registrant: insurer,
        reader,
        via: 'api-key:k1',
        purpose: i % 2 === 0 ? 'claims review' : null,
      });
      if (i === 5 || i === count) await anchorAccessLogHead(ctx, insurer);
    }
    return { db, ctx };
  }

  const check = (db: DatabaseSync, ctx: HeadAnchoringContext) =>
    checkAccessLog({ db, ledger: client, anchoring: ctx.anchoring });

  it('chains entries from seq 1 and finds an untouched log intact, anchored through its last entry', async () => {
    const { db, ctx } = await anchoredLog();
    const page = listAccessLog(db, {}, { limit: 4 });
    expect(page.items.map((entry) => entry.seq)).to.deep.equal([1, 2, 3, 4]);
    expect(page.items[1]!.previousEntryHash).to.equal(page.items[0]!.entryHash);
    expect(listAccessLog(db, {}, { cursor: page.nextCursor!, limit: 4 }).items.map((e) => e.seq)).to.deep.equal([
      5, 6, 7,
    ]);
    expect(accessLogHeads(db).map((head) => [head.fromSeq, head.toSeq])).to.deep.equal([
      [1, 5],
      [6, 7],
    ]);
    const report = await check(db, ctx);
    expect(report).to.include({ ok: true, entryCount: 7, lastSeq: 7, anchoredThroughSeq: 7, firstBreak: null });
    expect(report.heads.map((head) => head.status)).to.deep.equal(['anchored', 'anchored']);
    expect(report.heads[0]!.registrant).to.equal(insurer);
  });

  it('names the entry whose fields were changed in place', async () => {
    const { db, ctx } = await anchoredLog();
    db.prepare('UPDATE log_entries SET reader = ? WHERE seq = 3').run(ledger.parties[8]!.wallet.address);
    const report = await check(db, ctx);
    expect(report.ok).to.be.false;
    expect(report.firstBreak).to.include({ seq: 3, code: 'ENTRY_HASH_MISMATCH' });
    expect(report.anchoredThroughSeq).to.equal(0);
  });

  it('finds an entry rewritten with its hash recomputed at the next seq', async () => {
    const { db, ctx } = await anchoredLog();
    const row = listAccessLog(db, {}, { cursor: '2', limit: 1 }).items[0]!;
    const forged = { ...row, purpose: 'routine' };
    db.prepare('UPDATE log_entries SET purpose = ?, entry_hash = ? WHERE seq = 3').run(
      'routine',
      accessLogEntryHash(forged),
    );
    expect((await check(db, ctx)).firstBreak).to.include({ seq: 4, code: 'ENTRY_LINK_BROKEN' });
  });

  it('finds a rewrite that recomputes the whole chain through the anchored head', async () => {
    const { db, ctx } = await anchoredLog();
    let previous = listAccessLog(db, {}, { cursor: '1', limit: 1 }).items[0]!.entryHash;
    for (const entry of listAccessLog(db, {}, { cursor: '2', limit: 100 }).items) {
      const forged = { ...entry, purpose: 'rewritten', previousEntryHash: previous };
      previous = accessLogEntryHash(forged);
      db.prepare('UPDATE log_entries SET purpose = ?, previous_entry_hash = ?, entry_hash = ? WHERE seq = ?').run(
        forged.purpose,
        forged.previousEntryHash,
        previous,
        entry.seq,
      );
    }
    const report = await check(db, ctx);
    expect(report.firstBreak).to.include({ seq: 5, code: 'HEAD_HASH_MISMATCH' });
    expect(report.firstBreak!.head).to.include({ fromSeq: 1, toSeq: 5 });
  });

  it('names a deleted entry, and a deleted last entry that a head covers', async () => {
    const { db, ctx } = await anchoredLog();
    db.prepare('DELETE FROM log_entries WHERE seq = 4').run();
    expect((await check(db, ctx)).firstBreak).to.include({ seq: 4, code: 'ENTRY_MISSING' });

    const tail = await anchoredLog();
    tail.db.prepare('DELETE FROM log_entries WHERE seq = 7').run();
    const report = await check(tail.db, tail.ctx);
    expect(report.firstBreak).to.include({ seq: 7, code: 'HEAD_ENTRY_MISSING' });
    expect(report.anchoredThroughSeq).to.equal(5);
  });

  it('finds a head that is not on chain', async () => {
    const { db, ctx } = await anchoredLog();
    recordAccess(ctx, { documentHash: hexlify(randomBytes(32)), registrant: insurer, reader, via: 'session:s1' });
    const last = listAccessLog(db, {}, { cursor: '7', limit: 1 }).items[0]!;
    const heads = accessLogHeads(db);
    db.prepare(
      `INSERT INTO log_heads (to_seq, from_seq, head_hash, previous_head, record_hash, cid, registrant, operation_id, created_at)
       VALUES (8, 8, ?, ?, ?, 'bafy-never-stored', ?, 'op-unknown', ?)`,
    ).run(last.entryHash, heads[1]!.recordHash, hexlify(randomBytes(32)), insurer, new Date().toISOString());
    const report = await check(db, ctx);
    expect(report.firstBreak).to.include({ seq: 8, code: 'HEAD_NOT_ANCHORED' });
    expect(report.anchoredThroughSeq).to.equal(7);
  });

  it('checks an exported log file against a chain endpoint with the same findings', async () => {
    const { db } = await anchoredLog();
    const file = JSON.parse(JSON.stringify(exportAccessLog({ db, ledger: client }))) as AccessLogExport;
    const reading = { deployment: ledger.deployment, provider: ledger.provider };
    expect(await checkAccessLogExport(file.entries, file.heads, reading)).to.include({
      ok: true,
      anchoredThroughSeq: 7,
    });
    file.entries.splice(1, 1);
    expect((await checkAccessLogExport(file.entries, file.heads, reading)).firstBreak).to.include({
      seq: 2,
      code: 'ENTRY_MISSING',
    });
    const forgedHead = { ...file.heads[1]!, headHash: file.entries.at(-2)!.entryHash };
    const report = await checkAccessLogExport(file.entries, [file.heads[0]!, forgedHead], reading);
    expect(report.breaks.map((b) => b.code)).to.include('HEAD_NOT_ANCHORED');
  });

  it('npm run check -- access-log: exit 0 for the intact export, 1 once an entry is removed', async () => {
    const { db } = await anchoredLog();
    const exported = JSON.parse(JSON.stringify(exportAccessLog({ db, ledger: client }))) as AccessLogExport;
    const exportFile = path.join(dir, 'cli-export.json');
    const deploymentFile = path.join(dir, 'cli-deployment.json');
    writeFileSync(deploymentFile, JSON.stringify(ledger.deployment));
    writeFileSync(exportFile, JSON.stringify(exported));
    const args = ['access-log', exportFile, '--rpc', ledger.rpcUrl, '--deployment', deploymentFile];
    expect(await runCheck(args)).to.equal(0);
    exported.entries.splice(2, 1);
    writeFileSync(exportFile, JSON.stringify(exported));
    expect(await runCheck(args)).to.equal(1);
  });
});
