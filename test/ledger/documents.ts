import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { expect } from 'chai';
import { randomBytes, sha256, TypedDataEncoder } from 'ethers';
import type { LedgerClient } from '../../services/ledger/client.js';
import {
  anchorDocument,
  anchorDocumentBatch,
  coSignatureTypedData,
  coSignerState,
  DocumentNotAnchoredError,
  findAnchorTransaction,
  isBatchAnchored,
  readAnchor,
  readBatch,
  relayCoSignature,
  relayTermsCoSignature,
  requiredSignersOf,
  revokeDocument,
  signCoSignature,
  supersedeDocument,
  TermsMismatchError,
  verifyBatchMember,
  type AnchorInput,
} from '../../services/ledger/documents.js';
import { FLIGHT_DELAY_TERMS_TYPES } from '../../services/shared/eip712.js';
import { startTestLedger, type TestLedger } from '../helpers/api-chain.js';

/** A fresh document's hash: SHA-256 of random bytes. */
function freshHash(): string {
  return sha256(randomBytes(64));
}

describe('ledger documents actions', function () {
  this.timeout(60_000);
  let ledger: TestLedger;
  /** The insurer's client (it anchors and relays), a read-only client, the reinsurer's. */
  let insurer: LedgerClient;
  let reader: LedgerClient;
  let reinsurer: LedgerClient;
  let insurerAddress: string;
  let reinsurerAddress: string;
  let clientAddress: string;

  before(async function () {
    ledger = await startTestLedger();
    const { deployment, provider, parties } = ledger;
    insurer = { deployment, provider, signer: parties[2]!.signer };
    reinsurer = { deployment, provider, signer: parties[3]!.signer };
    reader = { deployment, provider };
    insurerAddress = parties[2]!.wallet.address;
    reinsurerAddress = parties[3]!.wallet.address;
    clientAddress = parties[4]!.wallet.address;
  });

  after(async function () {
    await ledger?.stop();
  });

  function policyInput(changes: Partial<AnchorInput> = {}): AnchorInput {
    return {
      documentHash: freshHash(),
      documentType: 'Policy',
      retentionClass: 2,
      policyRef: 'PL-TEST-1',
      storagePointer: 'bafkreitestpointer',
      requiredSigners: [],
      ...changes,
    };
  }

  async function deadline(): Promise<bigint> {
    const latest = await ledger.provider.getBlock('latest');
    return BigInt(latest!.timestamp + 3600);
  }

  describe('anchorDocument', function () {
    it('anchors a document and answers where, with what the event recorded', async function () {
      const input = policyInput({ requiredSigners: [clientAddress.toLowerCase()] });
      const anchored = await anchorDocument(insurer, input);
      expect(anchored.documentHash).to.equal(input.documentHash.toLowerCase());
      expect(anchored.registrant).to.equal(insurerAddress);
      expect(anchored.documentType).to.equal('Policy');
      expect(anchored.requiredSigners).to.deep.equal([clientAddress]);
      expect(anchored.policyRef).to.equal('PL-TEST-1');
      const receipt = await ledger.provider.getTransactionReceipt(anchored.transactionHash);
      expect(receipt?.blockNumber).to.equal(anchored.blockNumber);
      expect(receipt?.status).to.equal(1);
    });

    it('reads the stored record back with its enums named', async function () {
      const input = policyInput({ documentType: 'Certificate', requiredSigners: [clientAddress] });
      const anchored = await anchorDocument(insurer, input);
      const record = await readAnchor(reader, input.documentHash);
      expect(record).to.include({
        documentHash: input.documentHash,
        registrant: insurerAddress,
        blockNumber: anchored.blockNumber,
        documentType: 'Certificate',
        retentionClass: 2,
        status: 'Current',
        requiredSignerCount: 1,
        signatureCount: 0,
        fullySigned: false,
        version: 1,
        revocationReason: null,
        revokedAt: null,
      });
      const block = await ledger.provider.getBlock(anchored.blockNumber);
      expect(record?.anchoredAt).to.equal(new Date(block!.timestamp * 1000).toISOString());
    });

    it('finds the transaction and log of a document’s anchoring', async function () {
      const input = policyInput({ requiredSigners: [insurerAddress, clientAddress] });
      const anchored = await anchorDocument(insurer, input);
      const found = await findAnchorTransaction(reader, input.documentHash);
      expect(found).to.deep.equal(anchored);
      expect(await requiredSignersOf(reader, input.documentHash)).to.deep.equal([insurerAddress, clientAddress]);
    });

    it('answers null, or DOCUMENT_NOT_ANCHORED where one is needed, for a hash never anchored', async function () {
      const unknown = freshHash();
      expect(await readAnchor(reader, unknown)).to.equal(null);
      expect(await findAnchorTransaction(reader, unknown)).to.equal(null);
      const refused = await requiredSignersOf(reader, unknown).catch((error: unknown) => error);
      expect(refused).to.be.instanceOf(DocumentNotAnchoredError);
      expect((refused as DocumentNotAnchoredError).code).to.equal('DOCUMENT_NOT_ANCHORED');
    });

    it('needs a signer to send', async function () {
      const refused = await anchorDocument(reader, policyInput()).catch((error: unknown) => error);
      expect(String(refused)).to.contain('anchorDocument sends a transaction and needs a signer');
    });
  });

  describe('anchorDocumentBatch', function () {
    it('anchors the root of a StandardMerkleTree whose proofs the registry accepts', async function () {
      const hashes = Array.from({ length: 5 }, freshHash);
      const tree = StandardMerkleTree.of(
        hashes.map((hash) => [hash]),
        ['bytes32'],
      );
      expect(await isBatchAnchored(reader, tree.root)).to.equal(false);
      const batch = await anchorDocumentBatch(insurer, {
        merkleRoot: tree.root,
        documentCount: hashes.length,
        storagePointer: 'bafkreibatchmanifest',
      });
      expect(batch).to.include({ merkleRoot: tree.root, registrant: insurerAddress, documentCount: 5 });
      expect(await isBatchAnchored(reader, tree.root)).to.equal(true);
      expect(await readBatch(reader, tree.root)).to.include({ documentCount: 5, blockNumber: batch.blockNumber });
      for (const [index, hash] of hashes.entries()) {
        const proof = tree.getProof(index);
        expect(await verifyBatchMember(reader, { merkleRoot: tree.root, documentHash: hash, proof })).to.equal(true);
      }
      const outsider = freshHash();
      expect(
        await verifyBatchMember(reader, { merkleRoot: tree.root, documentHash: outsider, proof: tree.getProof(0) }),
      ).to.equal(false);
    });
  });

  describe('supersedeDocument', function () {
    it('anchors a new version and leaves the old one superseded', async function () {
      const first = policyInput();
      await anchorDocument(insurer, first);
      const second = policyInput({ documentType: 'Endorsement', policyRef: 'PL-TEST-1/E1' });
      const superseding = await supersedeDocument(insurer, first.documentHash, second);
      expect(superseding).to.include({
        documentHash: second.documentHash,
        previousHash: first.documentHash,
        chainRoot: first.documentHash,
        version: 2,
        documentType: 'Endorsement',
      });
      expect((await readAnchor(reader, first.documentHash))?.status).to.equal('Superseded');
      expect(await readAnchor(reader, second.documentHash)).to.include({ status: 'Current', version: 2 });
    });
  });

  describe('revokeDocument', function () {
    it('revokes a document with its reason, by name', async function () {
      const input = policyInput();
      await anchorDocument(insurer, input);
      const revoked = await revokeDocument(insurer, input.documentHash, 'IssuedInError');
      expect(revoked).to.include({
        documentHash: input.documentHash,
        revokedBy: insurerAddress,
        reason: 'IssuedInError',
      });
      const record = await readAnchor(reader, input.documentHash);
      const block = await ledger.provider.getBlock(revoked.blockNumber);
      expect(record).to.include({
        status: 'Revoked',
        revocationReason: 'IssuedInError',
        revokedAt: new Date(block!.timestamp * 1000).toISOString(),
      });
    });
  });

  describe('co-signatures', function () {
    it('gives JSON-safe eth_signTypedData_v4 data that a wallet signs and the registry accepts', async function () {
      const input = policyInput({ requiredSigners: [insurerAddress, clientAddress] });
      await anchorDocument(insurer, input);
      const typedData = await coSignatureTypedData(reader, {
        documentHash: input.documentHash,
        signer: clientAddress.toLowerCase(),
        deadline: await deadline(),
      });
      expect(JSON.parse(JSON.stringify(typedData))).to.deep.equal(typedData);
      expect(typedData.primaryType).to.equal('CoSignature');
      expect(typedData.types.EIP712Domain?.map((field) => field.name)).to.deep.equal([
        'name',
        'version',
        'chainId',
        'verifyingContract',
      ]);
      expect(typedData.domain).to.deep.equal({
        name: 'PolicyLedger Evidence',
        version: '1',
        chainId: 31337,
        verifyingContract: ledger.deployment.evidenceRegistry,
      });
      expect(typedData.message).to.include({ signer: clientAddress, termsHash: `0x${'0'.repeat(64)}` });

      // The client's wallet signs with ethers' signTypedData (which derives EIP712Domain itself).
      const types = Object.fromEntries(Object.entries(typedData.types).filter(([name]) => name !== 'EIP712Domain'));
      const signature = await ledger.parties[4]!.wallet.signTypedData(typedData.domain, types, typedData.message);
      const coSigned = await relayCoSignature(insurer, {
        documentHash: input.documentHash,
        signer: clientAddress,
        nonce: String(typedData.message.nonce),
        deadline: String(typedData.message.deadline),
        signature,
      });
      expect(coSigned).to.include({ signer: clientAddress, signatureCount: 1, requiredSignerCount: 2 });
      expect(coSigned.fullySigned).to.equal(false);
      expect(await coSignerState(reader, input.documentHash, clientAddress)).to.equal('Signed');
      expect(await coSignerState(reader, input.documentHash, insurerAddress)).to.equal('Pending');
    });

    it('gives typed data that the node’s eth_signTypedData_v4 signs as it is', async function () {
      const input = policyInput({ requiredSigners: [insurerAddress] });
      await anchorDocument(insurer, input);
      const typedData = await coSignatureTypedData(reader, {
        documentHash: input.documentHash,
        signer: insurerAddress,
        deadline: await deadline(),
      });
      // Anvil holds the development keys: it signs the exact JSON a wallet is handed.
      const signature = (await ledger.provider.send('eth_signTypedData_v4', [
        insurerAddress,
        JSON.stringify(typedData),
      ])) as string;
      const coSigned = await relayCoSignature(reinsurer, {
        documentHash: input.documentHash,
        signer: insurerAddress,
        nonce: String(typedData.message.nonce),
        deadline: String(typedData.message.deadline),
        signature,
      });
      expect(coSigned.fullySigned).to.equal(true);
      expect((await readAnchor(reader, input.documentHash))?.fullySigned).to.equal(true);
    });

    describe('over the terms themselves', function () {
      function flightTerms(deadlineAt: bigint) {
        const departure = Number(deadlineAt) + 86_400;
        return {
          policyholder: clientAddress,
          carrier: 'BA',
          flightNumber: '196',
          departureDate: 20261120,
          scheduledDeparture: departure,
          scheduledArrival: departure + 33_000,
          coverageStart: departure,
          coverageEnd: departure + 86_400,
          delayTierMinutes: [15, 45, 120],
          delayTierPayouts: [50_000_000n, 150_000_000n, 400_000_000n],
          cancellationPayout: 250_000_000n,
          diversionPayout: 200_000_000n,
          sumInsured: 400_000_000n,
          premium: 10_000_000n,
          cancellationRefundBps: 0,
        };
      }

      it('gives the FlightDelayCoSignature message carrying the terms, relayed with cosignTerms', async function () {
        const until = await deadline();
        const terms = flightTerms(until);
        const termsHash = TypedDataEncoder.hashStruct('FlightDelayTerms', FLIGHT_DELAY_TERMS_TYPES, terms);
        const input = policyInput({ termsHash, requiredSigners: [clientAddress] });
        await anchorDocument(insurer, input);
        const typedData = await coSignatureTypedData(reader, {
          documentHash: input.documentHash,
          signer: clientAddress,
          deadline: until,
          terms: { termsType: 'FlightDelay', terms },
        });
        expect(JSON.parse(JSON.stringify(typedData))).to.deep.equal(typedData);
        expect(typedData.primaryType).to.equal('FlightDelayCoSignature');
        expect(Object.keys(typedData.types).sort()).to.deep.equal([
          'EIP712Domain',
          'FlightDelayCoSignature',
          'FlightDelayTerms',
        ]);
        expect(typedData.message.terms).to.include({ carrier: 'BA', sumInsured: '400000000' });

        const signature = await signCoSignature(ledger.parties[4]!.wallet, typedData);
        const coSigned = await relayTermsCoSignature(insurer, {
          documentHash: input.documentHash,
          termsType: 'FlightDelay',
          signer: clientAddress,
          nonce: String(typedData.message.nonce),
          deadline: until,
          signature,
        });
        expect(coSigned.terms).to.deep.equal({ termsType: 'FlightDelay', termsHash });
        expect(coSigned.fullySigned).to.equal(true);
      });

      it('refuses terms that do not hash to the anchored termsHash', async function () {
        const until = await deadline();
        const terms = flightTerms(until);
        const termsHash = TypedDataEncoder.hashStruct('FlightDelayTerms', FLIGHT_DELAY_TERMS_TYPES, terms);
        const input = policyInput({ termsHash, requiredSigners: [clientAddress] });
        await anchorDocument(insurer, input);
        const refused = await coSignatureTypedData(reader, {
          documentHash: input.documentHash,
          signer: clientAddress,
          deadline: until,
          terms: { termsType: 'FlightDelay', terms: { ...terms, sumInsured: 1n } },
        }).catch((error: unknown) => error);
        expect(refused).to.be.instanceOf(TermsMismatchError);
        expect((refused as TermsMismatchError).code).to.equal('TERMS_MISMATCH');
      });
    });

    it('refuses typed data for a document never anchored', async function () {
      const refused = await coSignatureTypedData(reader, {
        documentHash: freshHash(),
        signer: clientAddress,
        deadline: await deadline(),
      }).catch((error: unknown) => error);
      expect(refused).to.be.instanceOf(DocumentNotAnchoredError);
    });
  });

  it('lets the reinsurer anchor too', async function () {
    const anchored = await anchorDocument(reinsurer, policyInput({ documentType: 'Treaty' }));
    expect(anchored.registrant).to.equal(reinsurerAddress);
  });
});
