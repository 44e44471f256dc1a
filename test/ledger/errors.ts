import { expect } from 'chai';
import { AbiCoder, id, JsonRpcProvider, NonceManager, randomBytes, sha256, Wallet, ZeroHash } from 'ethers';
import type { LedgerClient } from '../../services/ledger/client.js';
import { sharedContracts } from '../../services/ledger/client.js';
import { anchorDocument, supersedeDocument, type AnchorInput } from '../../services/ledger/documents.js';
import { decodeContractError, decodeRevertData, LedgerError, withDecodedErrors } from '../../services/ledger/errors.js';
import { roleId } from '../../services/ledger/parties.js';
import { startTestLedger, type TestLedger } from '../helpers/api-chain.js';

function freshHash(): string {
  return sha256(randomBytes(64));
}

/** What the action threw (fails the test when it did not throw). */
async function thrown(action: Promise<unknown>): Promise<unknown> {
  try {
    await action;
  } catch (error) {
    return error;
  }
  throw new Error('expected the action to throw');
}

describe('ledger errors: reverts decoded into our custom-error names', function () {
  this.timeout(60_000);
  let ledger: TestLedger;
  let insurer: LedgerClient;
  let reinsurer: LedgerClient;
  let client: LedgerClient;

  before(async function () {
    ledger = await startTestLedger();
    const { deployment, provider, parties } = ledger;
    insurer = { deployment, provider, signer: parties[2]!.signer };
    reinsurer = { deployment, provider, signer: parties[3]!.signer };
    client = { deployment, provider, signer: parties[4]!.signer };
  });

  after(async function () {
    await ledger?.stop();
  });

  function input(changes: Partial<AnchorInput> = {}): AnchorInput {
    return {
      documentHash: freshHash(),
      documentType: 'Policy',
      retentionClass: 2,
      policyRef: 'PL-ERRORS',
      storagePointer: 'bafkreierrors',
      requiredSigners: [],
      ...changes,
    };
  }

  describe('sending actions', function () {
    it('names EvidenceRegistryAlreadyAnchored with the hash when a document is anchored twice', async function () {
      const document = input();
      await anchorDocument(insurer, document);
      const error = await thrown(anchorDocument(insurer, document));
      expect(error).to.be.instanceOf(LedgerError);
      const ledgerError = error as LedgerError;
      expect(ledgerError.code).to.equal('EvidenceRegistryAlreadyAnchored');
      expect(ledgerError.action).to.equal('anchorDocument');
      expect(ledgerError.decoded).to.include({
        name: 'EvidenceRegistryAlreadyAnchored',
        signature: 'EvidenceRegistryAlreadyAnchored(bytes32)',
        message: `EvidenceRegistryAlreadyAnchored(${document.documentHash})`,
      });
      expect(ledgerError.decoded?.args).to.deep.equal([document.documentHash]);
      expect(ledgerError.message).to.equal(
        `anchorDocument reverted: EvidenceRegistryAlreadyAnchored(${document.documentHash})`,
      );
    });

    it('names EvidenceRegistryNotRegistrant with the caller and the registrant', async function () {
      const document = input();
      await anchorDocument(insurer, document);
      const error = (await thrown(supersedeDocument(reinsurer, document.documentHash, input()))) as LedgerError;
      expect(error.code).to.equal('EvidenceRegistryNotRegistrant');
      expect(error.decoded?.args).to.deep.equal([
        document.documentHash,
        ledger.parties[3]!.wallet.address,
        ledger.parties[2]!.wallet.address,
      ]);
    });

    it('names the access error when a CLIENT tries to anchor', async function () {
      const error = (await thrown(anchorDocument(client, input()))) as LedgerError;
      expect(error.code).to.equal('ConsortiumGovernedUnauthorized');
      expect(error.decoded?.args[0]).to.equal(ledger.parties[4]!.wallet.address);
      expect([roleId('INSURER'), roleId('REINSURER')]).to.include(error.decoded?.args[1]);
    });

    it('names EvidenceRegistryUnknownRetentionClass and EvidenceRegistryInvalidSigner', async function () {
      const badClass = (await thrown(anchorDocument(insurer, input({ retentionClass: 77 })))) as LedgerError;
      expect(badClass.code).to.equal('EvidenceRegistryUnknownRetentionClass');
      expect(badClass.decoded?.args).to.deep.equal(['77']);
      const stranger = '0x000000000000000000000000000000000000dEaD';
      const badSigner = (await thrown(anchorDocument(insurer, input({ requiredSigners: [stranger] })))) as LedgerError;
      expect(badSigner.code).to.equal('EvidenceRegistryInvalidSigner');
      expect(badSigner.decoded?.args).to.deep.equal([stranger]);
    });

    it('spends no nonce of a NonceManager on a refused transaction: nothing is sent, the next one goes through', async function () {
      // Uncached, so that each refused anchor is estimated afresh (ethers answers an identical call from a 250 ms
      // cache otherwise, and the transaction would be sent, mined and reverted).
      const provider = new JsonRpcProvider(ledger.rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
      try {
        const signer = new NonceManager(new Wallet(ledger.parties[2]!.wallet.privateKey, provider));
        const uncached: LedgerClient = { deployment: ledger.deployment, provider, signer };
        const document = input();
        await anchorDocument(uncached, document);
        const sent = await provider.getTransactionCount(ledger.parties[2]!.wallet.address, 'pending');
        for (let attempt = 0; attempt < 3; attempt++) {
          const error = (await thrown(anchorDocument(uncached, document))) as LedgerError;
          expect(error.code).to.equal('EvidenceRegistryAlreadyAnchored');
          expect(error.transactionHash).to.equal(undefined);
        }
        expect(await provider.getTransactionCount(ledger.parties[2]!.wallet.address, 'pending')).to.equal(sent);
        await anchorDocument(uncached, input());
        // The shared NonceManager of the other tests must not lag behind the transactions sent here.
        ledger.parties[2]!.signer.reset();
      } finally {
        provider.destroy();
      }
    });

    it('decodes a transaction mined and reverted by replaying it, and names its transaction', async function () {
      const document = input();
      await anchorDocument(insurer, document);
      // A fixed gas limit skips the estimate, so the refused anchor is mined and reverts on chain.
      const error = (await thrown(anchorDocument(insurer, document, { gasLimit: 300_000 }))) as LedgerError;
      expect(error).to.be.instanceOf(LedgerError);
      expect(error.code).to.equal('EvidenceRegistryAlreadyAnchored');
      expect(error.transactionHash).to.match(/^0x[0-9a-f]{64}$/);
      const receipt = await ledger.provider.getTransactionReceipt(error.transactionHash!);
      expect(receipt?.status).to.equal(0);
      // The nonce was spent on chain and counted: the next transaction goes through.
      await anchorDocument(insurer, input());
    });
  });

  describe('decodeContractError', function () {
    it('decodes the CALL_EXCEPTION of a reverting read', async function () {
      const { registry } = sharedContracts(insurer, ledger.provider);
      const unknown = freshHash();
      const error = await thrown(registry.isFullySigned(unknown));
      expect(decodeContractError(error)).to.include({
        name: 'EvidenceRegistryUnknownDocument',
        message: `EvidenceRegistryUnknownDocument(${unknown})`,
      });
    });

    it('decodes the JSON-RPC error body anvil answers', async function () {
      const { registry } = sharedContracts(insurer, ledger.provider);
      const unknown = freshHash();
      const response = await fetch(ledger.rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'eth_call',
          params: [
            {
              to: ledger.deployment.evidenceRegistry,
              data: registry.interface.encodeFunctionData('isFullySigned', [unknown]),
            },
            'latest',
          ],
        }),
      });
      const body = (await response.json()) as unknown;
      expect(decodeContractError(body)?.name).to.equal('EvidenceRegistryUnknownDocument');
      // And the same wrapped as ethers wraps a server's answer: `info.error` or a raw `body` text.
      expect(decodeContractError({ info: body })?.name).to.equal('EvidenceRegistryUnknownDocument');
      expect(decodeContractError({ body: JSON.stringify(body) })?.name).to.equal('EvidenceRegistryUnknownDocument');
    });

    it('never takes a transaction’s calldata for revert data', function () {
      const calldata = id('EvidenceRegistryAlreadyAnchored(bytes32)').slice(0, 10) + ZeroHash.slice(2);
      expect(decodeContractError({ transaction: { data: calldata } })).to.equal(null);
      expect(decodeContractError({ data: calldata })?.name).to.equal('EvidenceRegistryAlreadyAnchored');
    });

    it('decodes Error(string) and Panic(uint256), and leaves unknown selectors undecoded', function () {
      const coder = AbiCoder.defaultAbiCoder();
      expect(decodeRevertData(`0x08c379a0${coder.encode(['string'], ['not allowed']).slice(2)}`)).to.include({
        name: 'Error',
        message: 'Error("not allowed")',
      });
      expect(decodeRevertData(`0x4e487b71${coder.encode(['uint256'], [0x11]).slice(2)}`)).to.include({
        name: 'Panic',
        message: 'Panic(17): arithmetic overflow or underflow',
      });
      expect(decodeRevertData('0xdeadbeef')).to.equal(null);
      expect(decodeContractError(new Error('boom'))).to.equal(null);
    });
  });

  describe('withDecodedErrors', function () {
    it('lets failures that are not reverts through unchanged', async function () {
      const failure = new Error('connection refused');
      expect(await thrown(withDecodedErrors('readSomething', () => Promise.reject(failure)))).to.equal(failure);
    });
  });
});
