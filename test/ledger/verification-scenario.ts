/**
 * The documents the verification tests check, anchored on a test ledger: one current with two co-signers (one
 * pending), a policy its client co-signed over the terms, a superseded version and its successor, a revoked one, and
 * a Merkle batch; plus a hash never anchored.
 */
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { randomBytes, sha256, TypedDataEncoder, ZeroHash } from 'ethers';
import { sharedContracts } from '../../services/ledger/client.js';
import { anchorAndCoSign, coSignDocument } from '../../services/ledger/evidence.js';
import { FLIGHT_DELAY_TERMS_TYPES, TermsType } from '../../services/shared/eip712.js';
import type { TestLedger } from '../helpers/api-chain.js';

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

export interface VerificationScenario {
  /** Anchored by the insurer; the reinsurer co-signed, the client has not. */
  current: { bytes: Uint8Array; hash: string };
  /** Anchored by the insurer with flight delay terms; the client co-signed over the terms. */
  withTerms: { hash: string };
  /** Version 1, superseded by `successor`. */
  superseded: { hash: string };
  successor: { hash: string };
  /** Revoked by the insurer for fraud. */
  revoked: { hash: string; revokedAt: string };
  /** One member of a batch of four, with its proof. */
  batchMember: { bytes: Uint8Array; hash: string; merkleRoot: string; proof: string[] };
  unknown: { hash: string };
}

const RETENTION_PROPERTY = 2;

function inputFor(documentHash: string, requiredSigners: string[], termsHash = ZeroHash): AnchorInput {
  return {
    documentHash,
    termsHash,
    documentType: 0,
    retentionClass: RETENTION_PROPERTY,
    policyRef: 'HM-2026-000123',
    storagePointer: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
    requiredSigners,
  };
}

function document(): { bytes: Uint8Array; hash: string } {
  const bytes = randomBytes(256);
  return { bytes, hash: sha256(bytes) };
}

export async function anchorVerificationScenario(ledger: TestLedger): Promise<VerificationScenario> {
  const client = { deployment: ledger.deployment, provider: ledger.provider };
  const { registry } = sharedContracts(client);
  const insurer = ledger.parties[2]!.signer;
  const reinsurer = ledger.parties[3]!.signer;
  const holder = ledger.parties[4]!.signer;
  const reinsurerAddress = await reinsurer.getAddress();
  const holderAddress = await holder.getAddress();
  const asInsurer = registry.connect(insurer);

  const current = document();
  const currentInput = inputFor(current.hash, [reinsurerAddress, holderAddress]);
  await (await asInsurer.anchor(currentInput)).wait();
  const latest = await ledger.provider.getBlock('latest');
  const signed = await coSignDocument(registry, reinsurer, current.hash, BigInt(latest!.timestamp + 3600));
  await (
    await asInsurer.cosign(
      current.hash,
      currentInput.requiredSigners,
      signed.signer,
      signed.nonce,
      signed.deadline,
      signed.signature,
    )
  ).wait();

  const terms = {
    policyholder: holderAddress,
    carrier: 'LH',
    flightNumber: '400',
    departureDate: 20270115,
    scheduledDeparture: 1_800_000_000n,
    scheduledArrival: 1_800_030_000n,
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
  const termsHash = TypedDataEncoder.hashStruct('FlightDelayTerms', FLIGHT_DELAY_TERMS_TYPES, terms);
  const withTerms = document();
  await anchorAndCoSign(
    { ...client, signer: insurer },
    inputFor(withTerms.hash, [holderAddress], termsHash),
    [holder],
    {
      termsType: TermsType.FlightDelay,
      terms,
    },
  );

  const superseded = document();
  const successor = document();
  await (await asInsurer.anchor(inputFor(superseded.hash, []))).wait();
  await (await asInsurer.supersede(superseded.hash, inputFor(successor.hash, []))).wait();

  const revoked = document();
  await (await asInsurer.anchor(inputFor(revoked.hash, []))).wait();
  await ledger.advanceTime(600);
  const revocation = await (await asInsurer.revoke(revoked.hash, 5 /* Fraud */)).wait();
  const revokedBlock = await ledger.provider.getBlock(revocation!.blockNumber);

  const members = [document(), document(), document(), document()];
  const tree = StandardMerkleTree.of(
    members.map((member) => [member.hash]),
    ['bytes32'],
  );
  await (await asInsurer.anchorBatch(tree.root, members.length, 'bafybatchmanifest')).wait();
  const batchMember = members[2]!;

  return {
    current,
    withTerms: { hash: withTerms.hash },
    superseded: { hash: superseded.hash },
    successor: { hash: successor.hash },
    revoked: { hash: revoked.hash, revokedAt: new Date(revokedBlock!.timestamp * 1000).toISOString() },
    batchMember: { ...batchMember, merkleRoot: tree.root, proof: tree.getProof([batchMember.hash]) },
    unknown: { hash: sha256(randomBytes(64)) },
  };
}
