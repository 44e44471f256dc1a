/**
 * The chain index against a local chain, once with SQLite and once with a real PostgreSQL server started here: the
 * same behaviour tests (one factory run twice), then both backends compared on the whole chain.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { TypedDataEncoder, Wallet, getAddress, hexlify, randomBytes, type Signer } from 'ethers';
import { startTestLedger, type TestLedger } from '../helpers/api-chain.js';
import { composeBatch, manifestBytes } from '../../services/api/anchoring/batch.js';
import { anchorAndCoSign } from '../../services/ledger/evidence.js';
import { underDualControl } from '../../services/ledger/governance.js';
import { readParty, roleId } from '../../services/ledger/parties.js';
import type { LedgerClient } from '../../services/ledger/client.js';
import { FLIGHT_DELAY_TERMS_TYPES, TermsType } from '../../services/shared/eip712.js';
import {
  ChainIndexer,
  IndexDeploymentMismatchError,
  InvalidCursorError,
  InvalidEventIdError,
  InvalidFilterError,
  openChainIndex,
  rebuildChainIndex,
  type ChainEvent,
  type ChainIndex,
  type ChainIndexLocation,
  type IndexedDocument,
} from '../../services/indexer/index.js';
import {
  ConsortiumAccess__factory,
  EvidenceRegistry__factory,
  type ConsortiumAccess,
  type EvidenceRegistry,
} from '../../types/ethers-contracts/index.js';
import { findPostgresBin, startPostgresCluster, type PostgresCluster } from './postgres-cluster.js';

/** An anchor input as both the registry and the ledger actions take it. */
interface AnchorInput {
  documentHash: string;
  termsHash: string;
  documentType: number;
  retentionClass: number;
  policyRef: string;
  storagePointer: string;
  requiredSigners: string[];
}

const runFile = promisify(execFile);
const ZERO_HASH = `0x${'00'.repeat(32)}`;

/** A backend under test: where to put a fresh, empty index called `name`. */
interface Backend {
  name: string;
  /** Prepares the backend; skips the suite (loudly) when it cannot run here. */
  ready(context: Mocha.Context): Promise<void>;
  location(name: string): Promise<ChainIndexLocation>;
}

let ledger: TestLedger;
let client: LedgerClient;
let scratch: string;
let postgres: Promise<PostgresCluster | null> | undefined;

/** The PostgreSQL cluster, started on first use; null (after a loud banner) when the server is not installed. */
function postgresCluster(): Promise<PostgresCluster | null> {
  postgres ??= (async () => {
    const bin = findPostgresBin();
    if (bin !== null) return startPostgresCluster(bin);
    const why = "initdb not found under /usr/lib/postgresql — install Debian's postgresql to run it";
    if (process.env.POLICYLEDGER_REQUIRE_POSTGRES === '1') {
      throw new Error(`POLICYLEDGER_REQUIRE_POSTGRES=1 but ${why}`);
    }
    console.warn(`\n${'!'.repeat(100)}\n!! PostgreSQL suite LEFT OUT: ${why}\n${'!'.repeat(100)}\n`);
    return null;
  })();
  return postgres;
}

const sqlite: Backend = {
  name: 'SQLite',
  ready: () => Promise.resolve(),
  location: (name) => Promise.resolve({ sqliteFile: path.join(scratch, `${name}.sqlite`) }),
};

const postgresBackend: Backend = {
  name: 'PostgreSQL',
  async ready(context) {
    if ((await postgresCluster()) === null) context.skip();
  },
  async location(name) {
    const cluster = await postgresCluster();
    if (cluster === null) throw new Error('PostgreSQL is not available');
    return { databaseUrl: await cluster.createDatabase(name) };
  },
};

const party = (index: number) => ledger.parties[index]!;
const insurer = () => party(2).signer;
const reinsurer = () => party(3).signer;
const customer = () => party(4).signer;

function registryAs(signer?: Signer): EvidenceRegistry {
  return EvidenceRegistry__factory.connect(ledger.deployment.evidenceRegistry, signer ?? ledger.provider);
}

function accessAs(signer?: Signer): ConsortiumAccess {
  return ConsortiumAccess__factory.connect(ledger.deployment.consortiumAccess, signer ?? ledger.provider);
}

const clientOf = (signer: Signer) => ({ deployment: ledger.deployment, provider: ledger.provider, signer });

const randomHash = () => hexlify(randomBytes(32));

function anchorInput(overrides: Partial<AnchorInput> = {}): AnchorInput {
  const documentHash = randomHash();
  return {
    documentHash,
    termsHash: ZERO_HASH,
    documentType: 0,
    retentionClass: 2,
    policyRef: `POL-${documentHash.slice(2, 10)}`,
    storagePointer: `bafy${documentHash.slice(2, 20)}`,
    requiredSigners: [],
    ...overrides,
  };
}

/** The error `promise` rejects with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

async function send(transaction: Promise<{ wait(): Promise<unknown> }>): Promise<void> {
  await (await transaction).wait();
}

/** The chain's latest block, from the node (ethers' `getBlockNumber` may answer from a short-lived cache). */
async function latestBlock(): Promise<number> {
  return Number(await ledger.provider.send('eth_blockNumber', []));
}

async function sync(index: ChainIndex, untilBlock?: number): Promise<number> {
  return new ChainIndexer(client, index, { batchBlocks: 7 }).syncOnce(untilBlock);
}

/** Everything an index answers about the chain, for comparing two indexes. */
async function dump(index: ChainIndex) {
  const documents: IndexedDocument[] = [];
  let cursor: string | undefined;
  do {
    const page = await index.listDocuments({}, { limit: 4, ...(cursor === undefined ? {} : { cursor }) });
    documents.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  const events: ChainEvent[] = [];
  for (;;) {
    const next = await index.events(events.at(-1)?.id, 50);
    if (next.length === 0) break;
    events.push(...next);
  }
  const coSignatures = await Promise.all(documents.map((document) => index.coSignatures(document.documentHash)));
  const batches = await Promise.all(
    events.filter((event) => event.name === 'BatchAnchored').map((event) => index.batch(event.args.merkleRoot)),
  );
  const parties = await Promise.all(ledger.parties.map((member) => index.party(member.wallet.address)));
  return { documents, coSignatures, batches, events, parties };
}

/** Asserts two dumps equal, section by section and item by item, so a failure shows the first difference. */
function expectSameAnswers(actual: Awaited<ReturnType<typeof dump>>, expected: Awaited<ReturnType<typeof dump>>): void {
  for (const section of Object.keys(expected) as (keyof typeof expected)[]) {
    const [a, e] = [actual[section], expected[section]];
    if (Array.isArray(a) && Array.isArray(e)) {
      e.forEach((item, position) => expect(a[position], `${section}[${position}]`).to.deep.equal(item));
    }
    expect(a, section).to.deep.equal(e);
  }
}

/** Flight delay terms for `policyholder`, and their EIP-712 struct hash (the anchor's termsHash). */
function flightTerms(policyholder: string) {
  const terms = {
    policyholder,
    carrier: 'LH',
    flightNumber: 'LH123',
    departureDate: 20270115,
    scheduledDeparture: 1_800_000_000n,
    scheduledArrival: 1_800_007_200n,
    coverageStart: 1_799_990_000n,
    coverageEnd: 1_800_100_000n,
    delayTierMinutes: [60, 180],
    delayTierPayouts: [50_000_000n, 150_000_000n],
    cancellationPayout: 200_000_000n,
    diversionPayout: 100_000_000n,
    sumInsured: 200_000_000n,
    premium: 12_000_000n,
    cancellationRefundBps: 5_000,
  };
  return { terms, termsHash: TypedDataEncoder.hashStruct('FlightDelayTerms', FLIGHT_DELAY_TERMS_TYPES, terms) };
}

function describeChainIndex(backend: Backend): void {
  describe(`with ${backend.name}`, function () {
    let index: ChainIndex;
    let location: ChainIndexLocation;
    let signed: AnchorInput;
    let withTerms: AnchorInput;
    let firstVersion: AnchorInput;
    let secondVersion: AnchorInput;
    let merkleRoot: string;
    let syncedMidway: number;

    before(async function () {
      await backend.ready(this);
      location = await backend.location('resumed');
      index = await openChainIndex(location);
      // A first sync part of the way through, so the rest of the scenario is indexed by resuming.
      signed = anchorInput({ requiredSigners: [party(4).wallet.address, party(3).wallet.address] });
      await anchorAndCoSign(clientOf(insurer()), signed, [customer(), reinsurer()]);
      await sync(index);
      syncedMidway = (await index.headBlock())!;

      const flight = flightTerms(party(4).wallet.address);
      withTerms = anchorInput({ termsHash: flight.termsHash, requiredSigners: [party(4).wallet.address] });
      await anchorAndCoSign(clientOf(insurer()), withTerms, [customer()], {
        termsType: TermsType.FlightDelay,
        terms: flight.terms,
      });
      firstVersion = anchorInput({ documentType: 1 });
      secondVersion = anchorInput({ documentType: 1, policyRef: firstVersion.policyRef });
      await send(registryAs(insurer()).anchor(firstVersion));
      await send(registryAs(insurer()).supersede(firstVersion.documentHash, secondVersion));
      await send(registryAs(insurer()).revoke(secondVersion.documentHash, 4));
      merkleRoot = randomHash();
      await send(registryAs(reinsurer()).anchorBatch(merkleRoot, 3, 'bafybatchmanifest'));
      await sync(index);
    });

    after(async () => {
      await index?.close();
    });

    it('indexes an anchored document with its metadata, as the registry stored it', async () => {
      const document = await index.document(signed.documentHash.toString().toUpperCase().replace('0X', '0x'));
      const stored = await registryAs().getAnchor(signed.documentHash);
      expect(document).to.deep.include({
        documentHash: String(signed.documentHash),
        registrant: party(2).wallet.address,
        termsHash: ZERO_HASH,
        documentType: 'Policy',
        retentionClass: 2,
        policyRef: signed.policyRef,
        storagePointer: signed.storagePointer,
        requiredSigners: [party(4).wallet.address, party(3).wallet.address],
        anchoredAt: new Date(Number(stored.anchoredAt) * 1000).toISOString(),
        blockNumber: Number(stored.blockNumber),
        status: 'current',
        version: 1,
        chainRoot: String(signed.documentHash),
        previousHash: null,
        supersededBy: null,
        revokedAt: null,
        revocationReason: null,
        signatureCount: 2,
      });
      const receipt = await ledger.provider.getTransactionReceipt(document!.transactionHash);
      expect(receipt?.logs.map((log) => log.index)).to.include(document!.logIndex);
      expect(await index.document(randomHash())).to.equal(null);
    });

    it('keeps each co-signature with the nonce, deadline and signature that were relayed', async () => {
      const coSignatures = await index.coSignatures(String(signed.documentHash));
      expect(coSignatures.map((signature) => signature.signer)).to.deep.equal([
        party(4).wallet.address,
        party(3).wallet.address,
      ]);
      for (const coSignature of coSignatures) {
        const transaction = await ledger.provider.getTransaction(coSignature.transactionHash);
        const call = registryAs().interface.parseTransaction(transaction!)!;
        expect(call.name).to.equal('cosign');
        expect(coSignature).to.deep.include({
          termsType: null,
          nonce: (call.args.nonce as bigint).toString(),
          deadline: (call.args.deadline as bigint).toString(),
          signature: call.args.signature as string,
          blockNumber: transaction!.blockNumber,
        });
        const block = await ledger.provider.getBlock(transaction!.blockNumber!);
        expect(coSignature.signedAt).to.equal(new Date(block!.timestamp * 1000).toISOString());
      }
      const [overTerms] = await index.coSignatures(String(withTerms.documentHash));
      expect(overTerms).to.deep.include({ signer: party(4).wallet.address, termsType: 'FlightDelay' });
      expect(overTerms!.signature).to.match(/^0x[0-9a-f]{130}$/);
      expect((await index.document(String(withTerms.documentHash)))!.termsHash).to.equal(withTerms.termsHash);
    });

    it('follows a version chain through supersession and revocation', async () => {
      const chain = await index.versionChain(String(firstVersion.documentHash));
      expect(chain.map((document) => [document.documentHash, document.version, document.status])).to.deep.equal([
        [firstVersion.documentHash, 1, 'superseded'],
        [secondVersion.documentHash, 2, 'revoked'],
      ]);
      expect(chain[0]).to.deep.include({ supersededBy: secondVersion.documentHash, documentType: 'Endorsement' });
      const stored = await registryAs().getAnchor(secondVersion.documentHash);
      expect(chain[1]).to.deep.include({
        chainRoot: firstVersion.documentHash,
        previousHash: firstVersion.documentHash,
        revokedBy: party(2).wallet.address,
        revocationReason: 'Rescinded',
        revokedAt: new Date(Number(stored.revokedAt) * 1000).toISOString(),
      });
    });

    it('records a Merkle batch', async () => {
      const stored = await registryAs().getBatch(merkleRoot);
      expect(await index.batch(merkleRoot)).to.deep.include({
        merkleRoot,
        registrant: party(3).wallet.address,
        documentCount: 3,
        storagePointer: 'bafybatchmanifest',
        anchoredAt: new Date(Number(stored.anchoredAt) * 1000).toISOString(),
        blockNumber: Number(stored.blockNumber),
      });
      expect(await index.batch(randomHash())).to.equal(null);
    });
    it('lists a batch’s members from its manifest once it proves to be the batch’s, in one order with single anchors', async () => {
      const tag = backend.name.toLowerCase();
      const members = [0, 1, 2].map((i) => ({ ...anchorInput({ documentType: i }), storagePointer: `bafy${tag}${i}` }));
      const composed = composeBatch(members);
      const forged = composeBatch([anchorInput(), anchorInput()]);
      const forgedRoot = randomHash();
      const manifests = new Map([
        [`bafy${tag}good`, manifestBytes(composed.manifest)],
        // Names the root it is stored for, but its hashes make another: not that batch's manifest.
        [`bafy${tag}forged`, manifestBytes({ ...forged.manifest, merkleRoot: forgedRoot })],
      ]);
      await send(registryAs(reinsurer()).anchorBatch(composed.merkleRoot, 3, `bafy${tag}good`));
      await send(registryAs(reinsurer()).anchorBatch(forgedRoot, 2, `bafy${tag}forged`));
      await send(registryAs(reinsurer()).anchorBatch(randomHash(), 1, `bafy${tag}unreachable`));
      const listing = await openChainIndex(await backend.location('batch_members'));
      try {
        const indexer = new ChainIndexer(client, listing, {
          batchManifests: (cid) => Promise.resolve(manifests.get(cid) ?? null),
          manifestRetryMs: 60_000,
        });
        await indexer.syncOnce();
        const listed = (await listing.listDocuments({ registrant: party(3).wallet.address }, { limit: 500 })).items;
        const ofBatch = listed.filter((item) => item.merkleRoot === composed.merkleRoot);
        expect(ofBatch.map((item) => item.documentHash)).to.deep.equal(composed.manifest.documentHashes);
        expect(ofBatch.map((item) => item.batchPosition)).to.deep.equal([0, 1, 2]);
        expect(listed.filter((item) => item.merkleRoot === forgedRoot)).to.deep.equal([]);
        const member = await listing.batchMember(members[1]!.documentHash);
        expect(member).to.deep.include({
          merkleRoot: composed.merkleRoot,
          documentType: 'Endorsement',
          storagePointer: `bafy${tag}1`,
          status: 'current',
          registrant: party(3).wallet.address,
        });
        // Verification reads single anchors only: a member is not one.
        expect(await listing.document(members[1]!.documentHash)).to.equal(null);
        // The unreachable manifest waits for its next try; the others are settled.
        expect((await listing.unlistedBatches(Date.now(), 500)).map((batch) => batch.storagePointer)).to.deep.equal([]);
        const later = (await listing.unlistedBatches(Date.now() + 120_000, 500)).map((batch) => batch.storagePointer);
        expect(later).to.include(`bafy${tag}unreachable`);
        expect(later).not.to.include(`bafy${tag}forged`);
        expect(later).not.to.include(`bafy${tag}good`);
        // Paging with the cursor crosses the batch one member at a time.
        const paged: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await listing.listDocuments({}, { limit: 2, ...(cursor === undefined ? {} : { cursor }) });
          paged.push(...page.items.map((item) => item.documentHash));
          cursor = page.nextCursor ?? undefined;
        } while (cursor !== undefined);
        expect(paged.filter((hash) => composed.manifest.documentHashes.includes(hash))).to.deep.equal(
          composed.manifest.documentHashes,
        );
        expect(new Set(paged).size).to.equal(paged.length);
      } finally {
        await listing.close();
      }
    });
    it('lists documents by filter, visible only to whom they concern, a page at a time', async () => {
      const all = (await dump(index)).documents;
      const byInsurer = all.filter((document) => document.registrant === party(2).wallet.address);
      const insurerPages: IndexedDocument[] = [];
      let cursor: string | undefined;
      do {
        const page = await index.listDocuments(
          { registrant: party(2).wallet.address.toLowerCase() },
          { limit: 2, ...(cursor === undefined ? {} : { cursor }) },
        );
        expect(page.items.length).to.be.at.most(2);
        insurerPages.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      expect(insurerPages).to.deep.equal(byInsurer);
      const newestFirst = await index.listDocuments({}, { limit: 1000, order: 'desc' });
      expect(newestFirst.items).to.deep.equal([...all].reverse());

      const hashes = async (filter: Parameters<ChainIndex['listDocuments']>[0]) =>
        (await index.listDocuments(filter, { limit: 500 })).items.map((document) => document.documentHash);
      expect(await hashes({ requiredSigner: party(3).wallet.address })).to.include(signed.documentHash);
      expect(await hashes({ requiredSigner: party(3).wallet.address })).not.to.include(withTerms.documentHash);
      expect(await hashes({ policyRef: String(firstVersion.policyRef) })).to.deep.equal([
        firstVersion.documentHash,
        secondVersion.documentHash,
      ]);
      expect(await hashes({ documentType: 'Endorsement', status: 'revoked' })).to.include(secondVersion.documentHash);
      expect(await hashes({ documentType: 'Endorsement', status: 'revoked' })).not.to.include(
        firstVersion.documentHash,
      );
      const signedAt = (await index.document(String(signed.documentHash)))!.anchoredAt;
      expect(await hashes({ anchoredFrom: signedAt, anchoredTo: signedAt })).to.include(signed.documentHash);
      const later = new Date(Date.parse(signedAt) + 1000).toISOString();
      expect(await hashes({ anchoredFrom: later })).not.to.include(signed.documentHash);

      // The auditor registered nothing and co-signs nothing: it sees only what it was given to read.
      const auditor = party(8).wallet.address;
      expect(await hashes({ visibleTo: { account: auditor, alsoHashes: [] } })).to.deep.equal([]);
      const upperCase = `0x${String(withTerms.documentHash).slice(2).toUpperCase()}`;
      expect(await hashes({ visibleTo: { account: auditor, alsoHashes: [upperCase] } })).to.deep.equal([
        withTerms.documentHash,
      ]);
      const customerSees = await hashes({ visibleTo: { account: party(4).wallet.address, alsoHashes: [] } });
      expect(customerSees).to.include.members([signed.documentHash, withTerms.documentHash]);
      expect(customerSees).not.to.include(firstVersion.documentHash);

      expect(await rejection(index.listDocuments({}, { limit: 2, cursor: 'not-a-cursor' }))).to.be.instanceOf(
        InvalidCursorError,
      );
      expect(await rejection(index.listDocuments({ anchoredFrom: 'yesterday' }, { limit: 2 }))).to.be.instanceOf(
        InvalidFilterError,
      );
    });

    it('gives events in chain order with stable ids, from any id on', async () => {
      const { events } = await dump(index);
      expect(events.map((event) => event.id)).to.deep.equal(
        events.map((event) => `${event.blockNumber}-${event.logIndex}`),
      );
      const positions = events.map((event) => [event.blockNumber, event.logIndex] as const);
      const sorted = [...positions].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      expect(positions).to.deep.equal(sorted);
      const anchored = events.find(
        (event) => event.name === 'DocumentAnchored' && event.args.documentHash === signed.documentHash,
      );
      expect(anchored?.args).to.deep.include({ registrant: party(2).wallet.address, documentType: 'Policy' });
      const middle = events[Math.floor(events.length / 2)]!;
      expect(await index.events(middle.id, 500)).to.deep.equal(events.slice(events.indexOf(middle) + 1));
      expect(await rejection(index.events('latest', 10))).to.be.instanceOf(InvalidEventIdError);
      const names = new Set(events.map((event) => event.name));
      for (const name of ['PartyRegistered', 'RoleGranted', 'DocumentCoSigned', 'TermsCoSigned', 'BatchAnchored']) {
        expect(names).to.include(name);
      }
    });

    it('resumes where it stopped: two syncs give what one sync gives', async () => {
      expect(syncedMidway).to.be.below((await index.headBlock())!);
      const fresh = await openChainIndex(await backend.location('fresh'));
      try {
        // Anvil mines a block every second: both indexes stop at the same one.
        const until = await latestBlock();
        await new ChainIndexer(client, fresh, { batchBlocks: 1000 }).syncOnce(until);
        await sync(index, until);
        expect(await index.headBlock()).to.equal(until);
        expect(await fresh.headBlock()).to.equal(until);
        expectSameAnswers(await dump(index), await dump(fresh));
        expect(await sync(index, until)).to.equal(0);
      } finally {
        await fresh.close();
      }
    });

    it('knows the founding ADMINs, registered by the consortium constructor before the deployment block', async () => {
      const founder = await index.party(party(0).wallet.address);
      expect(founder).to.deep.include({ registered: true, active: true, roles: ['ADMIN'] });
      expect(founder!.registeredBlock).to.be.below(ledger.deployment.blockNumber);
      expect(founder!.legalName).to.equal(party(0).name);
    });

    it("answers a party's standing at each block as the chain does, through deactivation and role revocation", async () => {
      const account = Wallet.createRandom().address;
      const admins = [party(0).signer, party(1).signer] as const;
      const access = accessAs(admins[0]);
      const governed = (data: string) =>
        underDualControl(access, admins[0], admins[1], ledger.deployment.consortiumAccess, data);
      const blocks: number[] = [];
      const mark = async () => blocks.push(await latestBlock());
      await mark();
      await send(access.registerParty(account, 'Coastal Re Ltd', 'LEI-COASTAL-RE', hexlify(randomBytes(32))));
      await mark();
      await governed(access.interface.encodeFunctionData('grantRole', [roleId('REINSURER'), account]));
      await governed(access.interface.encodeFunctionData('grantRole', [roleId('AUDITOR'), account]));
      await mark();
      await governed(access.interface.encodeFunctionData('setPartyActive', [account, false]));
      await mark();
      await governed(access.interface.encodeFunctionData('setPartyActive', [account, true]));
      await mark();
      await governed(access.interface.encodeFunctionData('revokeRole', [roleId('AUDITOR'), account]));
      await mark();
      await sync(index);

      const standings = await Promise.all(blocks.map((block) => index.partyAt(account.toLowerCase(), block)));
      expect(standings).to.deep.equal([
        { registered: false, active: false, roles: [] },
        { registered: true, active: true, roles: [] },
        { registered: true, active: true, roles: ['REINSURER', 'AUDITOR'] },
        { registered: true, active: false, roles: [] },
        { registered: true, active: true, roles: ['REINSURER', 'AUDITOR'] },
        { registered: true, active: true, roles: ['REINSURER'] },
      ]);
      for (const [position, block] of blocks.entries()) {
        const onChain = await readParty(client, account, block);
        expect(standings[position]).to.deep.equal({
          registered: onChain.registered,
          active: onChain.active,
          roles: onChain.roles,
        });
      }
      expect(await index.party(account)).to.deep.include({
        account: getAddress(account),
        legalName: 'Coastal Re Ltd',
        roles: ['REINSURER'],
        onboardedBy: null,
      });
    });

    it('follows new blocks while started, until stopped', async () => {
      const indexer = new ChainIndexer(client, index, { pollIntervalMs: 50 });
      indexer.start();
      try {
        const input = anchorInput();
        await send(registryAs(insurer()).anchor(input));
        const deadline = Date.now() + 10_000;
        while ((await index.document(String(input.documentHash))) === null) {
          expect(Date.now(), 'the anchored document reached the index in time').to.be.below(deadline);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      } finally {
        await indexer.stop();
      }
      const head = await index.headBlock();
      await send(registryAs(insurer()).anchor(anchorInput()));
      await ledger.provider.send('evm_mine', []);
      expect(await index.headBlock()).to.equal(head);
    });

    it('refuses to index another deployment into the same store', async () => {
      const other = { ...ledger.deployment, evidenceRegistry: Wallet.createRandom().address };
      expect(await rejection(new ChainIndexer({ ...client, deployment: other }, index).syncOnce())).to.be.instanceOf(
        IndexDeploymentMismatchError,
      );
    });

    it('rebuilds to the same answers, in process and with the index:rebuild command', async () => {
      await sync(index);
      const before = await dump(index);
      await index.close();
      try {
        const report = await rebuildChainIndex(client, location);
        expect(report.events).to.equal(before.events.length);
      } finally {
        index = await openChainIndex(location);
      }
      expectSameAnswers(await dump(index), before);

      const env = {
        ...process.env,
        POLICYLEDGER_DATA_DIR: ledger.dataDir,
        POLICYLEDGER_RPC_URL: ledger.rpcUrl,
        ...('databaseUrl' in location
          ? { POLICYLEDGER_DATABASE_URL: location.databaseUrl }
          : { POLICYLEDGER_DATABASE_URL: '' }),
      };
      const { stdout } = await runFile(path.resolve('node_modules/.bin/tsx'), ['services/indexer/cli.ts', 'rebuild'], {
        env,
      });
      expect(stdout).to.match(new RegExp(`Indexed blocks \\d+ to \\d+: ${before.events.length} events`));
      const cliLocation: ChainIndexLocation =
        'databaseUrl' in location ? location : { sqliteFile: path.join(ledger.dataDir, 'api', 'index.sqlite') };
      const rebuilt = await openChainIndex(cliLocation);
      try {
        expectSameAnswers(await dump(rebuilt), before);
      } finally {
        await rebuilt.close();
      }
    });
  });
}

describe('chain index', function () {
  this.timeout(180_000);

  before(async () => {
    ledger = await startTestLedger();
    client = { deployment: ledger.deployment, provider: ledger.provider };
    scratch = mkdtempSync(path.join(tmpdir(), 'policyledger-index-'));
  });

  after(async () => {
    await (await postgres?.catch(() => null))?.stop();
    await ledger?.stop();
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  });

  describeChainIndex(sqlite);
  describeChainIndex(postgresBackend);

  describe('SQLite and PostgreSQL', function () {
    before(async function () {
      await postgresBackend.ready(this);
    });

    it('give the same answers for the whole chain', async () => {
      const indexes = [
        await openChainIndex(await sqlite.location('compared')),
        await openChainIndex(await postgresBackend.location('compared')),
      ];
      try {
        const until = await latestBlock();
        for (const index of indexes) await sync(index, until);
        const [fromSqlite, fromPostgres] = await Promise.all(indexes.map(dump));
        expect(fromSqlite!.documents.length).to.be.above(0);
        expectSameAnswers(fromPostgres!, fromSqlite!);
      } finally {
        await Promise.all(indexes.map((index) => index.close()));
      }
    });
  });
});
