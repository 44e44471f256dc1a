/**
 * Consistency of the API's small rules across modules: every listing refuses a cursor it did not issue with 400
 * INVALID_CURSOR, and the records module's writes join an enclosing transaction (`inTransaction`) instead of opening
 * their own, so that they commit or roll back with the work around them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { hexlify, randomBytes, Wallet } from 'ethers';
import { ApiConfigError, describeApiConfig, loadApiConfig } from '../../../services/api/config.js';
import { inTransaction, openApiDatabase } from '../../../services/api/database.js';
import { AppError } from '../../../services/api/errors.js';
import { initAccessLogSchema, listAccessLog, recordAccess } from '../../../services/api/records/access-log.js';

function refusalOf(work: () => unknown): AppError {
  try {
    work();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('API consistency', () => {
  const db = openApiDatabase(':memory:');
  initAccessLogSchema(db);
  const access = () => ({
    documentHash: hexlify(randomBytes(32)),
    registrant: Wallet.createRandom().address,
    reader: Wallet.createRandom().address,
    via: 'api-key:test',
  });
  const entries = () => listAccessLog(db, {}, { limit: 1000 }).items.length;

  after(() => db.close());

  describe('cursors', () => {
    for (const cursor of ['', 'not-a-cursor', '-1', '1.5', 'eyJiIjoxLCJsIjowLCJvIjoiYXNjIn0']) {
      it(`refuses the access-log cursor "${cursor}" with 400 INVALID_CURSOR`, () => {
        const refusal = refusalOf(() => listAccessLog(db, {}, { cursor, limit: 10 }));
        expect(refusal).to.include({ status: 400, code: 'INVALID_CURSOR' });
      });
    }

    it('pages the access log with the cursors it returns', () => {
      for (let i = 0; i < 3; i++) recordAccess({ db }, access());
      const first = listAccessLog(db, {}, { limit: 2 });
      expect(first.nextCursor).to.be.a('string');
      const second = listAccessLog(db, {}, { cursor: first.nextCursor!, limit: 2 });
      expect(second.items[0]!.seq).to.equal(first.items[1]!.seq + 1);
    });
  });

  describe('transactions', () => {
    it('records an access inside an enclosing transaction, rolled back with it', () => {
      const before = entries();
      expect(() =>
        inTransaction(db, () => {
          recordAccess({ db }, access());
          throw new Error('the enclosing work fails');
        }),
      ).to.throw('the enclosing work fails');
      expect(entries()).to.equal(before);
      inTransaction(db, () => recordAccess({ db }, access()));
      expect(entries()).to.equal(before + 1);
    });
  });

  describe('peer APIs (POLICYLEDGER_API_PEERS)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'policyledger-peers-config-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const peersFile = (content: string) => {
      const file = path.join(dir, `${Math.random().toString(36).slice(2)}.json`);
      writeFileSync(file, content);
      return { POLICYLEDGER_API_PEERS: file };
    };
    const party = Wallet.createRandom().address;

    it('reads each peer’s party, URL and API key, and never logs the key', () => {
      const config = loadApiConfig(
        peersFile(
          JSON.stringify([{ party: party.toLowerCase(), url: 'https://api.insurer.example/', apiKey: 'pl_x' }]),
        ),
      );
      expect(config.peers).to.deep.equal([{ party, url: 'https://api.insurer.example', apiKey: 'pl_x' }]);
      expect(JSON.stringify(describeApiConfig(config))).not.to.contain('pl_x');
      expect(loadApiConfig({}).peers).to.deep.equal([]);
    });

    for (const [name, content] of [
      ['a file that is not JSON', 'peers'],
      ['a peer without an API key', JSON.stringify([{ party, url: 'https://a.example' }])],
      [
        'a peer whose party is no address',
        JSON.stringify([{ party: 'insurer', url: 'https://a.example', apiKey: 'k' }]),
      ],
      ['a peer whose URL is not http(s)', JSON.stringify([{ party, url: 'ftp://a.example', apiKey: 'k' }])],
    ]) {
      it(`refuses ${name}, naming the setting`, () => {
        expect(() => loadApiConfig(peersFile(content!)))
          .to.throw(ApiConfigError)
          .with.property('setting', 'POLICYLEDGER_API_PEERS');
      });
    }
  });
});
