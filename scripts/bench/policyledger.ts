import { strict as assert } from 'node:assert';
import type { HardhatEthersSigner } from '@nomicfoundation/hardhat-ethers/types';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { ZeroHash, solidityPackedKeccak256, toBigInt, toUtf8Bytes } from 'ethers';
import { CO_SIGNATURE_TYPES } from '../../services/shared/eip712.js';
import type { EvidenceRegistry } from '../../types/ethers-contracts/index.js';
import type { BenchConsortium } from './consortium.js';
import { REVOCATION_CANCELLED_BY_INSURER, rawCidV1, type DocumentRecord } from './documents.js';
import type { Measurement, Timeline } from './measure.js';
import type { BenchScenario } from './scenario.js';

/** How long a collected co-signature stays valid. */
const CO_SIGNATURE_VALIDITY_SECONDS = 24 * 3600;

/**
 * Each party signs the document's EIP-712 co-signature and the relayer submits it, as the consortium's API would.
 * Returns the gas of every submission.
 */
async function coSignAll(
  timeline: Timeline,
  registry: EvidenceRegistry,
  document: DocumentRecord,
  signers: readonly HardhatEthersSigner[],
  relayer: HardhatEthersSigner,
): Promise<bigint[]> {
  const provider = registry.runner?.provider;
  if (provider == null) throw new Error('the registry is not connected to a provider');
  const domain = {
    name: 'PolicyLedger Evidence',
    version: '1',
    chainId: (await provider.getNetwork()).chainId,
    verifyingContract: await registry.getAddress(),
  };
  const deadline = BigInt(timeline.nextTimestamp + CO_SIGNATURE_VALIDITY_SECONDS);

  const gas: bigint[] = [];
  for (const signer of signers) {
    // A wallet picks an unordered nonce at random; this one is as random-looking but repeatable from run to run.
    const nonce = toBigInt(solidityPackedKeccak256(['bytes32', 'address'], [document.documentHash, signer.address]));
    const signature = await signer.signTypedData(domain, CO_SIGNATURE_TYPES, {
      documentHash: document.documentHash,
      termsHash: document.termsHash,
      signer: signer.address,
      nonce,
      deadline,
    });
    gas.push(
      await timeline.gasOf(() =>
        registry
          .connect(relayer)
          .cosign(document.documentHash, document.requiredSigners, signer.address, nonce, deadline, signature),
      ),
    );
  }
  return gas;
}

/**
 * Runs the benchmark's operations on the evidence registry: the insurer anchors, supersedes, revokes and relays the
 * co-signatures of the insurer, reinsurer and client, who are the required signers of every document.
 */
export async function benchPolicyLedger(
  timeline: Timeline,
  { registry, insurer, reinsurer, client }: BenchConsortium,
  scenario: BenchScenario,
): Promise<Measurement[]> {
  const asInsurer = registry.connect(insurer);
  const parties = [insurer, reinsurer, client] as const;
  const measurement = (operation: string, transactionGas: bigint[], documents = 1): Measurement => ({
    system: 'policyledger',
    operation,
    documents,
    transactionGas,
  });

  await timeline.send(() => asInsurer.anchor(scenario.warmUp));
  await coSignAll(timeline, registry, scenario.warmUp, parties, insurer);

  const anchorGas = await timeline.gasOf(() => asInsurer.anchor(scenario.policy));

  const coSignedAnchorGas = await timeline.gasOf(() => asInsurer.anchor(scenario.coSigned));
  const coSignGas = await coSignAll(timeline, registry, scenario.coSigned, parties, insurer);
  assert.ok(await registry.isFullySigned(scenario.coSigned.documentHash), 'the document is not fully co-signed');

  const supersedeGas = await timeline.gasOf(() =>
    asInsurer.supersede(scenario.policy.documentHash, scenario.endorsement),
  );
  assert.equal(await registry.currentVersion(scenario.policy.documentHash), scenario.endorsement.documentHash);

  const revokeGas = await timeline.gasOf(() =>
    asInsurer.revoke(scenario.endorsement.documentHash, REVOCATION_CANCELLED_BY_INSURER),
  );
  assert.equal(await registry.currentVersion(scenario.policy.documentHash), ZeroHash);

  const tree = StandardMerkleTree.of(
    scenario.batch.map((document): [string] => [document.documentHash]),
    ['bytes32'],
  );
  // The batch's storage pointer is the CID of the tree dump, from which any member's proof can be rebuilt.
  const treePointer = rawCidV1(toUtf8Bytes(JSON.stringify(tree.dump())));
  const batchGas = await timeline.gasOf(() => asInsurer.anchorBatch(tree.root, scenario.batch.length, treePointer));
  for (const [index, [documentHash]] of tree.entries()) {
    if (index % 128 !== 0) continue;
    assert.ok(
      await registry.verifyBatchMember(tree.root, documentHash, tree.getProof(index)),
      `batch member ${index} does not verify`,
    );
  }

  return [
    measurement('anchor', [anchorGas]),
    measurement('anchor+3cosign', [coSignedAnchorGas, ...coSignGas]),
    measurement('supersede', [supersedeGas]),
    measurement('revoke', [revokeGas]),
    measurement(`batch-${scenario.batch.length}`, [batchGas], scenario.batch.length),
  ];
}
