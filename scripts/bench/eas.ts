import { strict as assert } from 'node:assert';
import type { HardhatEthersSigner } from '@nomicfoundation/hardhat-ethers/types';
import { AbiCoder, ZeroAddress, ZeroHash, type ContractTransactionReceipt } from 'ethers';
import type { DocumentRecord } from './documents.js';
import type { AttestationRequestData, EasContract, EasDeployment } from './eas-contracts.js';
import type { Measurement, Timeline } from './measure.js';
import type { BenchScenario } from './scenario.js';

/** An EAS schema with the same fields as the evidence registry's `AnchorInput`. */
export const EVIDENCE_SCHEMA =
  'bytes32 documentHash,bytes32 termsHash,uint8 documentType,uint8 retentionClass,string policyRef,string storagePointer,address[] requiredSigners';

/** A document's fields ABI-encoded in `EVIDENCE_SCHEMA` order, which is how EAS attestation data is encoded. */
function encodeEvidence(document: DocumentRecord): string {
  return AbiCoder.defaultAbiCoder().encode(EVIDENCE_SCHEMA.split(','), [
    document.documentHash,
    document.termsHash,
    document.documentType,
    document.retentionClass,
    document.policyRef,
    document.storagePointer,
    document.requiredSigners,
  ]);
}

/**
 * The attestation request for a document: no recipient (the parties are in the data, as in our anchor; a zero
 * recipient is also EAS's cheapest case), no expiry, revocable, optionally referencing an earlier attestation.
 */
function attestationData(document: DocumentRecord, refUID: string = ZeroHash): AttestationRequestData {
  return {
    recipient: ZeroAddress,
    expirationTime: 0n,
    revocable: true,
    refUID,
    data: encodeEvidence(document),
    value: 0n,
  };
}

/** The UIDs of the attestations a mined transaction made, in order. */
function attestedUids(eas: EasContract, receipt: ContractTransactionReceipt): string[] {
  const uids: string[] = [];
  for (const log of receipt.logs) {
    const event = eas.interface.parseLog(log);
    if (event?.name !== 'Attested') continue;
    const uid: unknown = event.args.getValue('uid');
    if (typeof uid !== 'string') throw new Error(`Attested event without a UID in ${receipt.hash}`);
    uids.push(uid);
  }
  return uids;
}

function onlyUid(eas: EasContract, receipt: ContractTransactionReceipt): string {
  const [uid, ...others] = attestedUids(eas, receipt);
  if (uid === undefined || others.length > 0) throw new Error(`expected one attestation in ${receipt.hash}`);
  return uid;
}

/** Runs the benchmark's operations on EAS, with the insurer as attester, on the same documents as ours. */
export async function benchEas(
  timeline: Timeline,
  deployment: EasDeployment,
  attester: HardhatEthersSigner,
  scenario: BenchScenario,
): Promise<Measurement[]> {
  const { schemaRegistry, eas } = deployment.as(attester);
  const schema = await schemaRegistry.register.staticCall(EVIDENCE_SCHEMA, ZeroAddress, true);
  await timeline.send(() => schemaRegistry.register(EVIDENCE_SCHEMA, ZeroAddress, true));
  const measurement = (operation: string, receipt: ContractTransactionReceipt, documents = 1): Measurement => ({
    system: 'eas',
    operation,
    documents,
    transactionGas: [receipt.gasUsed],
  });

  await timeline.send(() => eas.attest({ schema, data: attestationData(scenario.warmUp) }));

  const attestReceipt = await timeline.send(() => eas.attest({ schema, data: attestationData(scenario.policy) }));
  const policyUid = onlyUid(eas, attestReceipt);

  // An endorsement is a new attestation that references the one it amends.
  const endorsementReceipt = await timeline.send(() =>
    eas.attest({ schema, data: attestationData(scenario.endorsement, policyUid) }),
  );
  const endorsementUid = onlyUid(eas, endorsementReceipt);
  assert.equal((await eas.getAttestation(endorsementUid)).refUID, policyUid);

  const revokeReceipt = await timeline.send(() => eas.revoke({ schema, data: { uid: endorsementUid, value: 0n } }));
  assert.notEqual((await eas.getAttestation(endorsementUid)).revocationTime, 0n, 'the endorsement is not revoked');

  const multiReceipt = await timeline.send(() =>
    eas.multiAttest([{ schema, data: scenario.bulk.map((document) => attestationData(document)) }]),
  );
  const bulkUids = attestedUids(eas, multiReceipt);
  assert.equal(bulkUids.length, scenario.bulk.length);
  const [lastUid, lastDocument] = [bulkUids.at(-1), scenario.bulk.at(-1)];
  if (lastUid === undefined || lastDocument === undefined) throw new Error('multiAttest recorded nothing');
  assert.equal((await eas.getAttestation(lastUid)).data, encodeEvidence(lastDocument));

  return [
    measurement('attest', attestReceipt),
    measurement('attest+refUID', endorsementReceipt),
    measurement('revoke', revokeReceipt),
    measurement(`multiAttest-${scenario.bulk.length}`, multiReceipt, scenario.bulk.length),
  ];
}
