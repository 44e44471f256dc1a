import { createHash } from 'node:crypto';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { expect } from 'chai';
import { AbiCoder, TypedDataEncoder, Wallet, concat, keccak256 } from 'ethers';
import type { HardhatEthersSigner } from '@nomicfoundation/hardhat-ethers/types';
import type { ConsortiumAccess, EvidenceRegistry } from '../../types/ethers-contracts/index.js';
import {
  ROLES,
  deployConsortiumFixture,
  ethers,
  networkHelpers,
  policyDocument,
  underDualControl,
} from '../helpers/consortium.js';
import { coSign, coSignTerms } from '../helpers/cosign.js';
import { FLIGHT_DELAY_TERMS_TYPES, TermsType, WEATHER_INDEX_TERMS_TYPES } from '../../services/shared/eip712.js';

// Mirrors of the registry's enums (IEvidenceRegistry), so assertions read as the interface does.
const DocumentType = { Policy: 0, Endorsement: 1, Schedule: 2, Certificate: 3, Treaty: 4, Claim: 5, Other: 6 } as const;
const DocumentStatus = { None: 0, Current: 1, Superseded: 2, Revoked: 3 } as const;
const RevocationReason = {
  Unspecified: 0,
  IssuedInError: 1,
  CancelledByInsurer: 2,
  CancelledByClient: 3,
  Rescinded: 4,
  Fraud: 5,
  RegulatoryOrder: 6,
} as const;
const SignerState = { NotRequired: 0, Pending: 1, Signed: 2 } as const;

const RETENTION = { LIFE: 1, PROPERTY: 2, HEALTH: 3 } as const;
const MAX_REQUIRED_SIGNERS = 8;
const ONE_HOUR = 3600n;
const BATCH_POINTER = 'bafybeihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku';
const TERMS_HASH = ethers.id('parametric terms: flight delay > 180 min pays EUR 250');

async function deadlineIn(seconds: bigint): Promise<bigint> {
  return BigInt(await networkHelpers.time.latest()) + seconds;
}

/** A policy anchored by the insurer that the insurer, the reinsurer and the client must all co-sign. */
async function coSigningFixture() {
  const base = await deployConsortiumFixture();
  const { registry, insurer, reinsurer, client } = base;
  const document = policyDocument(
    'Travel policy PL-2026-000123, co-signed by insurer, reinsurer and client',
    [insurer.address, reinsurer.address, client.address],
    { termsHash: TERMS_HASH },
  );
  await (await registry.connect(insurer).anchor(document.input)).wait();
  return { ...base, document, documentHash: document.input.documentHash, deadline: await deadlineIn(ONE_HOUR) };
}

/** Three versions of one policy: the original and two endorsements, all registered by the insurer. */
async function versionChainFixture() {
  const base = await deployConsortiumFixture();
  const { registry, insurer, client } = base;
  const v1 = policyDocument('Home policy PL-2026-000777, original wording', [client.address]);
  const v2 = policyDocument('Home policy PL-2026-000777, endorsement 1: sum insured raised', [client.address], {
    documentType: DocumentType.Endorsement,
  });
  const v3 = policyDocument('Home policy PL-2026-000777, endorsement 2: flood cover added', [client.address], {
    documentType: DocumentType.Endorsement,
  });
  await (await registry.connect(insurer).anchor(v1.input)).wait();
  await (await registry.connect(insurer).supersede(v1.input.documentHash, v2.input)).wait();
  await (await registry.connect(insurer).supersede(v2.input.documentHash, v3.input)).wait();
  const versions = [v1.input.documentHash, v2.input.documentHash, v3.input.documentHash] as const;
  return { ...base, versions };
}

/** Fifty claim receipts anchored as one StandardMerkleTree batch. */
async function batchFixture() {
  const base = await deployConsortiumFixture();
  const hashes = Array.from({ length: 50 }, (_, i) => ethers.sha256(ethers.toUtf8Bytes(`claim receipt CL-2026-${i}`)));
  const tree = StandardMerkleTree.of(
    hashes.map((hash) => [hash]),
    ['bytes32'],
  );
  await (await base.registry.connect(base.insurer).anchorBatch(tree.root, hashes.length, BATCH_POINTER)).wait();
  return { ...base, hashes, tree };
}

/** A client's smart-account wallet (EIP-1271) registered as a CLIENT party and required to co-sign a policy. */
async function contractWalletFixture() {
  const base = await deployConsortiumFixture();
  const { access, admins, admin1, registry, insurer } = base;
  const ownerKey = new Wallet(ethers.id('policyledger test: smart-account owner key'));
  const wallet = await ethers.deployContract('ERC1271WalletMock', [ownerKey.address]);
  const walletAddress = await wallet.getAddress();
  await (
    await access
      .connect(admin1)
      .registerParty(
        walletAddress,
        'Acme Travel GmbH (smart account)',
        '5493000TESTPARTY0099',
        ethers.hexlify(ethers.randomBytes(32)),
      )
  ).wait();
  await underDualControl(
    access,
    admins,
    await access.getAddress(),
    access.interface.encodeFunctionData('grantRole', [ROLES.CLIENT, walletAddress]),
  );
  const document = policyDocument(
    'Travel policy PL-2026-000456, co-signed by a smart-account wallet',
    [walletAddress],
    {
      termsHash: TERMS_HASH,
    },
  );
  await (await registry.connect(insurer).anchor(document.input)).wait();
  return {
    ...base,
    ownerKey,
    walletAddress,
    documentHash: document.input.documentHash,
    deadline: await deadlineIn(ONE_HOUR),
  };
}

/** Concrete flight delay terms as a client's wallet shows them: tiers in minutes, USDC amounts (6 decimals), times. */
function flightTerms(policyholder: string) {
  const usdc = (amount: number) => BigInt(amount) * 10n ** 6n;
  return {
    policyholder,
    carrier: 'BA',
    flightNumber: '196',
    departureDate: 20261120,
    scheduledDeparture: 1_795_168_800n, // 2026-11-20 09:20 UTC
    scheduledArrival: 1_795_201_200n, // 2026-11-20 18:20 UTC
    coverageStart: 1_795_100_000n,
    coverageEnd: 1_795_287_600n,
    delayTierMinutes: [60, 120, 180],
    delayTierPayouts: [usdc(50), usdc(100), usdc(250)],
    cancellationPayout: usdc(250),
    diversionPayout: usdc(150),
    sumInsured: usdc(250),
    premium: usdc(18),
    cancellationRefundBps: 9_000,
  };
}

/** Concrete weather index terms: rainfall over December at a London station, two payout steps. */
function weatherTerms(policyholder: string) {
  return {
    policyholder,
    latitudeE4: 515_074,
    longitudeE4: -1_278,
    stationId: 'EGLL',
    metric: 0,
    startDate: 20261201,
    endDate: 20261231,
    aggregation: 0,
    dayThreshold: 0n,
    trigger: 800n,
    exit: 1_600n,
    stepThresholds: [1_000n, 1_200n],
    stepPayouts: [1_000n * 10n ** 6n, 2_500n * 10n ** 6n],
    sumInsured: 5_000n * 10n ** 6n,
    premium: 400n * 10n ** 6n,
    cancellationRefundBps: 0,
  };
}

/** A flight and a weather policy, each anchored with the struct hash of its terms, for the insurer and client. */
async function termsFixture() {
  const base = await deployConsortiumFixture();
  const { registry, insurer, client } = base;
  const flight = flightTerms(client.address);
  const weather = weatherTerms(client.address);
  const flightDocument = policyDocument(
    'Flight delay policy PL-2026-000500 for BA196',
    [insurer.address, client.address],
    {
      termsHash: TypedDataEncoder.hashStruct('FlightDelayTerms', FLIGHT_DELAY_TERMS_TYPES, flight),
    },
  );
  const weatherDocument = policyDocument('Rainfall policy PL-2026-000501, London', [client.address], {
    termsHash: TypedDataEncoder.hashStruct('WeatherIndexTerms', WEATHER_INDEX_TERMS_TYPES, weather),
  });
  await (await registry.connect(insurer).anchor(flightDocument.input)).wait();
  await (await registry.connect(insurer).anchor(weatherDocument.input)).wait();
  return {
    ...base,
    flight,
    weather,
    flightHash: flightDocument.input.documentHash,
    weatherHash: weatherDocument.input.documentHash,
    deadline: await deadlineIn(ONE_HOUR),
  };
}

/** Submits a terms-carrying co-signature through `relayer`. */
function submitTerms(
  registry: EvidenceRegistry,
  relayer: HardhatEthersSigner,
  documentHash: string,
  coSignature: {
    requiredSigners: string[];
    termsType: number;
    signer: string;
    nonce: bigint;
    deadline: bigint;
    signature: string;
  },
) {
  return registry
    .connect(relayer)
    .cosignTerms(
      documentHash,
      coSignature.requiredSigners,
      coSignature.termsType,
      coSignature.signer,
      coSignature.nonce,
      coSignature.deadline,
      coSignature.signature,
    );
}

async function deactivateParty(
  access: ConsortiumAccess,
  admins: readonly [HardhatEthersSigner, HardhatEthersSigner, ...HardhatEthersSigner[]],
  account: string,
): Promise<void> {
  await underDualControl(
    access,
    admins,
    await access.getAddress(),
    access.interface.encodeFunctionData('setPartyActive', [account, false]),
  );
}

async function setRetentionClass(
  access: ConsortiumAccess,
  admins: readonly [HardhatEthersSigner, HardhatEthersSigner, ...HardhatEthersSigner[]],
  registry: EvidenceRegistry,
  retentionClass: number,
  retentionYears: number,
  defined: boolean,
): Promise<void> {
  await underDualControl(
    access,
    admins,
    await registry.getAddress(),
    registry.interface.encodeFunctionData('setRetentionClass', [retentionClass, retentionYears, defined]),
  );
}

/** Submits a co-signature through `relayer`, who need not be a party at all. */
function submit(
  registry: EvidenceRegistry,
  relayer: HardhatEthersSigner,
  documentHash: string,
  coSignature: { requiredSigners: string[]; signer: string; nonce: bigint; deadline: bigint; signature: string },
) {
  return registry
    .connect(relayer)
    .cosign(
      documentHash,
      coSignature.requiredSigners,
      coSignature.signer,
      coSignature.nonce,
      coSignature.deadline,
      coSignature.signature,
    );
}

// Our own Merkle tree, written independently of @openzeppelin/merkle-tree: the same double-hashed leaves and
// sorted-pair keccak nodes, but a plain layer-by-layer shape (leaves in given order, an odd node moves up unpaired).
function ownLeaf(documentHash: string): string {
  return keccak256(keccak256(AbiCoder.defaultAbiCoder().encode(['bytes32'], [documentHash])));
}

function ownNode(a: string, b: string): string {
  return BigInt(a) <= BigInt(b) ? keccak256(concat([a, b])) : keccak256(concat([b, a]));
}

function ownTree(leaves: string[]): string[][] {
  const layers = [leaves];
  for (let layer = leaves; layer.length > 1;) {
    const next: string[] = [];
    for (let i = 0; i < layer.length; i += 2) {
      const left = layer[i] as string;
      const right = layer[i + 1];
      next.push(right === undefined ? left : ownNode(left, right));
    }
    layers.push(next);
    layer = next;
  }
  return layers;
}

function ownProof(layers: string[][], leafIndex: number): string[] {
  const proof: string[] = [];
  let index = leafIndex;
  for (const layer of layers.slice(0, -1)) {
    const sibling = layer[index ^ 1];
    if (sibling !== undefined) proof.push(sibling);
    index >>= 1;
  }
  return proof;
}

describe('EvidenceRegistry', function () {
  describe('anchor', function () {
    it('stores the registrant, block time and number, type, retention class, terms hash, version 1 and status Current', async function () {
      const { registry, insurer, client } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const document = policyDocument('Certificate of insurance CI-2026-0042', [client.address], {
        termsHash: TERMS_HASH,
        documentType: DocumentType.Certificate,
        retentionClass: RETENTION.HEALTH,
      });

      const receipt = await (await registry.connect(insurer).anchor(document.input)).wait();
      if (receipt === null) throw new Error('anchor was not mined');
      const block = await ethers.provider.getBlock(receipt.blockNumber);
      if (block === null) throw new Error(`block ${receipt.blockNumber} not found`);

      const anchor = await registry.getAnchor(document.input.documentHash);
      expect(anchor.registrant).to.equal(insurer.address);
      expect(anchor.anchoredAt).to.equal(block.timestamp);
      expect(anchor.blockNumber).to.equal(receipt.blockNumber);
      expect(anchor.documentType).to.equal(DocumentType.Certificate);
      expect(anchor.retentionClass).to.equal(RETENTION.HEALTH);
      expect(anchor.status).to.equal(DocumentStatus.Current);
      expect(anchor.termsHash).to.equal(TERMS_HASH);
      expect(anchor.requiredSignerCount).to.equal(1);
      expect(anchor.signatureCount).to.equal(0);
      expect(anchor.version).to.equal(1);
      expect(anchor.revocationReason).to.equal(RevocationReason.Unspecified);
      expect(anchor.revokedAt).to.equal(0);
      expect(await registry.isAnchored(document.input.documentHash)).to.equal(true);
    });

    it('emits DocumentAnchored with hash, registrant, terms, type, retention class, policy ref, pointer and signers', async function () {
      const { registry, insurer, reinsurer, client } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const signers = [insurer.address, reinsurer.address, client.address];
      const document = policyDocument('Reinsurance treaty RT-2026-7', signers, {
        termsHash: TERMS_HASH,
        documentType: DocumentType.Treaty,
        retentionClass: RETENTION.LIFE,
        policyRef: 'RT-2026-7',
      });

      await expect(registry.connect(insurer).anchor(document.input))
        .to.emit(registry, 'DocumentAnchored')
        .withArgs(
          document.input.documentHash,
          insurer.address,
          TERMS_HASH,
          DocumentType.Treaty,
          RETENTION.LIFE,
          'RT-2026-7',
          document.input.storagePointer,
          signers,
        );
    });

    it('anchors the SHA-256 of the exact document bytes, the hash sha256sum prints', async function () {
      const { registry, insurer } = await networkHelpers.loadFixture(deployConsortiumFixture);
      // Non-ASCII characters and the final newline are part of the bytes and so of the hash.
      const text = 'Policy PL-2026-000123\nInsured: Müller & Söhne GmbH, Zürich\nPremium: € 1 250,00\n';
      const document = policyDocument(text);
      const sha256sum = createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex');
      expect(document.input.documentHash).to.equal(`0x${sha256sum}`);

      await expect(registry.connect(insurer).anchor(document.input))
        .to.emit(registry, 'DocumentAnchored')
        .withArgs(
          `0x${sha256sum}`,
          insurer.address,
          ethers.ZeroHash,
          DocumentType.Policy,
          RETENTION.PROPERTY,
          document.input.policyRef,
          document.input.storagePointer,
          [],
        );
      expect(await registry.isAnchored(`0x${sha256sum}`)).to.equal(true);
      const withoutFinalNewline = createHash('sha256').update(Buffer.from(text.trimEnd(), 'utf8')).digest('hex');
      expect(await registry.isAnchored(`0x${withoutFinalNewline}`)).to.equal(false);
    });

    it('lets an active REINSURER anchor', async function () {
      const { registry, reinsurer } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const document = policyDocument('Retrocession slip RS-2026-3', [], { documentType: DocumentType.Treaty });

      await registry.connect(reinsurer).anchor(document.input);

      expect((await registry.getAnchor(document.input.documentHash)).registrant).to.equal(reinsurer.address);
    });

    it('marks each required signer Pending and everyone else NotRequired, given the anchored list', async function () {
      const { registry, insurer, reinsurer, client, oracle } =
        await networkHelpers.loadFixture(deployConsortiumFixture);
      const signers = [reinsurer.address, client.address];
      const document = policyDocument('Policy with two co-signers', signers);

      await registry.connect(insurer).anchor(document.input);

      const hash = document.input.documentHash;
      expect(await registry.requiredSignerState(hash, signers, reinsurer.address)).to.equal(SignerState.Pending);
      expect(await registry.requiredSignerState(hash, signers, client.address)).to.equal(SignerState.Pending);
      expect(await registry.requiredSignerState(hash, signers, oracle.address)).to.equal(SignerState.NotRequired);
      expect(await registry.requiredSignerState(hash, signers, insurer.address)).to.equal(SignerState.NotRequired);
      // Without the list, an account that has not signed is Pending while the document awaits co-signatures.
      expect(await registry.signerState(hash, client.address)).to.equal(SignerState.Pending);
    });

    it('stores a commitment to the list of required signers, which the event carries in full', async function () {
      const { registry, insurer, reinsurer, client } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const signers = [reinsurer.address, client.address];
      const document = policyDocument('Policy with a committed signer list', signers);

      await expect(registry.connect(insurer).anchor(document.input))
        .to.emit(registry, 'DocumentAnchored')
        .withArgs(
          document.input.documentHash,
          insurer.address,
          document.input.termsHash,
          document.input.documentType,
          document.input.retentionClass,
          document.input.policyRef,
          document.input.storagePointer,
          signers,
        );
      const encoded = AbiCoder.defaultAbiCoder().encode(
        ['bytes32', 'address[]'],
        [document.input.documentHash, signers],
      );
      expect(await registry.signersCommitment(document.input.documentHash, signers)).to.equal(
        ethers.dataSlice(keccak256(encoded), 0, 20),
      );
      await expect(registry.requiredSignerState(document.input.documentHash, [client.address], client.address))
        .to.be.revertedWithCustomError(registry, 'EvidenceRegistryWrongSignerList')
        .withArgs(document.input.documentHash);
    });

    it('reverts when the caller is not an active INSURER or REINSURER', async function () {
      const { registry, client, stranger } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const document = policyDocument('Policy anchored by the wrong party');

      for (const caller of [client, stranger]) {
        await expect(registry.connect(caller).anchor(document.input))
          .to.be.revertedWithCustomError(registry, 'ConsortiumGovernedUnauthorized')
          .withArgs(caller.address, ROLES.INSURER);
      }
    });

    it('reverts when the document hash is already anchored', async function () {
      const { registry, insurer, secondInsurer } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const document = policyDocument('Policy anchored once');
      await registry.connect(insurer).anchor(document.input);

      for (const caller of [insurer, secondInsurer]) {
        await expect(registry.connect(caller).anchor({ ...document.input, policyRef: 'PL-OTHER' }))
          .to.be.revertedWithCustomError(registry, 'EvidenceRegistryAlreadyAnchored')
          .withArgs(document.input.documentHash);
      }
      expect((await registry.getAnchor(document.input.documentHash)).registrant).to.equal(insurer.address);
    });

    it('reverts when the document hash is zero', async function () {
      const { registry, insurer } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const document = policyDocument('ignored');

      await expect(registry.connect(insurer).anchor({ ...document.input, documentHash: ethers.ZeroHash }))
        .to.be.revertedWithCustomError(registry, 'EvidenceRegistryInvalidDocumentHash')
        .withArgs(ethers.ZeroHash);
    });

    it('reverts when the retention class is not defined', async function () {
      const { registry, insurer } = await networkHelpers.loadFixture(deployConsortiumFixture);

      for (const retentionClass of [0, 4, 255]) {
        const document = policyDocument(`Policy in class ${retentionClass}`, [], { retentionClass });
        await expect(registry.connect(insurer).anchor(document.input))
          .to.be.revertedWithCustomError(registry, 'EvidenceRegistryUnknownRetentionClass')
          .withArgs(retentionClass);
      }
    });

    it('reverts when the storage pointer is empty', async function () {
      const { registry, insurer } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const document = policyDocument('Policy without a stored copy');

      await expect(registry.connect(insurer).anchor({ ...document.input, storagePointer: '' }))
        .to.be.revertedWithCustomError(registry, 'EvidenceRegistryMissingStoragePointer')
        .withArgs(document.input.documentHash);
    });

    it('accepts eight distinct active parties as required signers', async function () {
      const { registry, admin1, admin2, admin3, insurer, reinsurer, client, oracle, auditor } =
        await networkHelpers.loadFixture(deployConsortiumFixture);
      const eight = [admin1, admin2, admin3, insurer, reinsurer, client, oracle, auditor].map((s) => s.address);
      const document = policyDocument('Consortium-wide schedule', eight, { documentType: DocumentType.Schedule });

      await registry.connect(insurer).anchor(document.input);

      expect((await registry.getAnchor(document.input.documentHash)).requiredSignerCount).to.equal(
        MAX_REQUIRED_SIGNERS,
      );
    });

    it('reverts when more than eight signers are required', async function () {
      const { registry, admin1, admin2, admin3, insurer, reinsurer, client, oracle, auditor, secondInsurer } =
        await networkHelpers.loadFixture(deployConsortiumFixture);
      const nine = [admin1, admin2, admin3, insurer, reinsurer, client, oracle, auditor, secondInsurer].map(
        (s) => s.address,
      );
      const document = policyDocument('Schedule with one signer too many', nine);

      await expect(registry.connect(insurer).anchor(document.input))
        .to.be.revertedWithCustomError(registry, 'EvidenceRegistryTooManySigners')
        .withArgs(9, MAX_REQUIRED_SIGNERS);
    });

    it('reverts when a required signer is listed twice', async function () {
      const { registry, insurer, reinsurer, client } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const document = policyDocument('Policy listing the client twice', [
        client.address,
        reinsurer.address,
        client.address,
      ]);

      await expect(registry.connect(insurer).anchor(document.input))
        .to.be.revertedWithCustomError(registry, 'EvidenceRegistryInvalidSigner')
        .withArgs(client.address);
    });

    it('reverts when a required signer is not a registered party', async function () {
      const { registry, insurer, client, stranger } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const document = policyDocument('Policy naming an outsider', [client.address, stranger.address]);

      await expect(registry.connect(insurer).anchor(document.input))
        .to.be.revertedWithCustomError(registry, 'EvidenceRegistryInvalidSigner')
        .withArgs(stranger.address);
    });

    it('reverts when a required signer has been deactivated', async function () {
      const { access, admins, registry, insurer, client } = await networkHelpers.loadFixture(deployConsortiumFixture);
      await deactivateParty(access, admins, client.address);
      const document = policyDocument('Policy naming a deactivated client', [client.address]);

      await expect(registry.connect(insurer).anchor(document.input))
        .to.be.revertedWithCustomError(registry, 'EvidenceRegistryInvalidSigner')
        .withArgs(client.address);
    });
  });

  describe('cosign', function () {
    it("signs, through signTypedData, exactly the digest the registry's coSignatureDigest returns", async function () {
      const { registry, client, documentHash, deadline } = await networkHelpers.loadFixture(coSigningFixture);

      const coSignature = await coSign(registry, client, { documentHash, deadline });

      // The domain a wallet builds is the one the registry publishes (EIP-5267).
      const published = await registry.eip712Domain();
      expect(coSignature.domain).to.deep.equal({
        name: published.name,
        version: published.version,
        chainId: published.chainId,
        verifyingContract: published.verifyingContract,
      });
      expect(coSignature.value.termsHash).to.equal(TERMS_HASH);
      const onChainDigest = await registry.coSignatureDigest(documentHash, client.address, coSignature.nonce, deadline);
      expect(coSignature.digest).to.equal(onChainDigest);
      expect(ethers.recoverAddress(onChainDigest, coSignature.signature)).to.equal(client.address);
    });

    it('emits DocumentCoSigned with the counts as the insurer, reinsurer and client sign, relayed by a stranger', async function () {
      const { registry, insurer, reinsurer, client, stranger, documentHash, deadline } =
        await networkHelpers.loadFixture(coSigningFixture);

      for (const [index, party] of [insurer, reinsurer, client].entries()) {
        const coSignature = await coSign(registry, party, { documentHash, deadline });
        await expect(submit(registry, stranger, documentHash, coSignature))
          .to.emit(registry, 'DocumentCoSigned')
          .withArgs(documentHash, party.address, index + 1, 3);
        expect(await registry.signerState(documentHash, party.address)).to.equal(SignerState.Signed);
      }
      expect((await registry.getAnchor(documentHash)).signatureCount).to.equal(3);
    });

    it('reports the document fully signed only once all three required signers have signed', async function () {
      const { registry, insurer, reinsurer, client, stranger, documentHash, deadline } =
        await networkHelpers.loadFixture(coSigningFixture);

      expect(await registry.isFullySigned(documentHash)).to.equal(false);
      await submit(registry, stranger, documentHash, await coSign(registry, client, { documentHash, deadline }));
      expect(await registry.isFullySigned(documentHash)).to.equal(false);
      await submit(registry, stranger, documentHash, await coSign(registry, insurer, { documentHash, deadline }));
      expect(await registry.isFullySigned(documentHash)).to.equal(false);
      await submit(registry, stranger, documentHash, await coSign(registry, reinsurer, { documentHash, deadline }));
      expect(await registry.isFullySigned(documentHash)).to.equal(true);
    });

    it('reports a document with no required signers as fully signed', async function () {
      const { registry, insurer } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const document = policyDocument('Internal schedule nobody co-signs', [], { documentType: DocumentType.Schedule });

      await registry.connect(insurer).anchor(document.input);

      expect(await registry.isFullySigned(document.input.documentHash)).to.equal(true);
    });

    it('accepts two co-signatures relayed in the opposite order from the one they were signed in', async function () {
      const { registry, insurer, client, stranger, documentHash, deadline } =
        await networkHelpers.loadFixture(coSigningFixture);
      const second = policyDocument('Second policy for the same client', [client.address]);
      await registry.connect(insurer).anchor(second.input);

      // The client signs both in its wallet before either is relayed; the second reaches the ledger first.
      const first = await coSign(registry, client, { documentHash, deadline });
      const later = await coSign(registry, client, { documentHash: second.input.documentHash, deadline });
      expect(later.nonce).to.not.equal(first.nonce);

      await expect(submit(registry, stranger, second.input.documentHash, later)).to.emit(registry, 'DocumentCoSigned');
      await expect(submit(registry, stranger, documentHash, first)).to.emit(registry, 'DocumentCoSigned');
      expect(await registry.signerState(documentHash, client.address)).to.equal(SignerState.Signed);
      expect(await registry.signerState(second.input.documentHash, client.address)).to.equal(SignerState.Signed);
    });

    it('marks the nonce of each accepted co-signature used, for that signer only', async function () {
      const { registry, reinsurer, client, stranger, documentHash, deadline } =
        await networkHelpers.loadFixture(coSigningFixture);
      const nonce = 7n * 256n + 3n;
      expect(await registry.isNonceUsed(client.address, nonce)).to.equal(false);

      await submit(registry, stranger, documentHash, await coSign(registry, client, { documentHash, deadline, nonce }));

      expect(await registry.isNonceUsed(client.address, nonce)).to.equal(true);
      expect(await registry.nonceBitmap(client.address, 7n)).to.equal(1n << 3n);
      expect(await registry.isNonceUsed(client.address, nonce + 1n)).to.equal(false);
      expect(await registry.isNonceUsed(reinsurer.address, nonce)).to.equal(false);
    });

    it('accepts a co-signature submitted in the block whose time is its deadline', async function () {
      const { registry, client, stranger, documentHash, deadline } = await networkHelpers.loadFixture(coSigningFixture);
      const coSignature = await coSign(registry, client, { documentHash, deadline });

      await networkHelpers.time.setNextBlockTimestamp(deadline);

      await expect(submit(registry, stranger, documentHash, coSignature)).to.emit(registry, 'DocumentCoSigned');
    });

    it('reverts when the nonce was already used, on this document or another (no replay)', async function () {
      const { registry, insurer, client, stranger, documentHash, deadline } =
        await networkHelpers.loadFixture(coSigningFixture);
      const second = policyDocument('Second policy for the same client', [client.address]);
      await registry.connect(insurer).anchor(second.input);
      const first = await coSign(registry, client, { documentHash, deadline });
      await submit(registry, stranger, documentHash, first);

      const reused = await coSign(registry, client, {
        documentHash: second.input.documentHash,
        deadline,
        nonce: first.nonce,
      });
      await expect(submit(registry, stranger, second.input.documentHash, reused))
        .to.be.revertedWithCustomError(registry, 'EvidenceRegistryNonceUsed')
        .withArgs(client.address, first.nonce);
      expect(await registry.signerState(second.input.documentHash, client.address)).to.equal(SignerState.Pending);
    });

    it('reverts when the deadline has passed', async function () {
      const { registry, client, stranger, documentHash, deadline } = await networkHelpers.loadFixture(coSigningFixture);
      const coSignature = await coSign(registry, client, { documentHash, deadline });

      await networkHelpers.time.setNextBlockTimestamp(deadline + 1n);

      await expect(submit(registry, stranger, documentHash, coSignature))
        .to.be.revertedWithCustomError(registry, 'EvidenceRegistrySignatureExpired')
        .withArgs(deadline, deadline + 1n);
      expect(await registry.signerState(documentHash, client.address)).to.equal(SignerState.Pending);
    });

    describe('cancelNonces', function () {
      it('refuses a signed but unrelayed co-signature once its nonce is cancelled', async function () {
        const { registry, client, stranger, documentHash, deadline } =
          await networkHelpers.loadFixture(coSigningFixture);
        const coSignature = await coSign(registry, client, { documentHash, deadline });
        const word = coSignature.nonce >> 8n;
        const mask = 1n << (coSignature.nonce & 255n);

        await expect(registry.connect(client).cancelNonces(word, mask))
          .to.emit(registry, 'NoncesCancelled')
          .withArgs(client.address, word, mask);

        expect(await registry.isNonceUsed(client.address, coSignature.nonce)).to.equal(true);
        await expect(submit(registry, stranger, documentHash, coSignature))
          .to.be.revertedWithCustomError(registry, 'EvidenceRegistryNonceUsed')
          .withArgs(client.address, coSignature.nonce);
      });

      it("cancels only the caller's own nonces", async function () {
        const { registry, client, stranger, documentHash, deadline } =
          await networkHelpers.loadFixture(coSigningFixture);
        const coSignature = await coSign(registry, client, { documentHash, deadline });

        await registry.connect(stranger).cancelNonces(coSignature.nonce >> 8n, 1n << (coSignature.nonce & 255n));

        await expect(submit(registry, stranger, documentHash, coSignature)).to.emit(registry, 'DocumentCoSigned');
      });
    });

    it('reverts when the signature was made by another key', async function () {
      const { registry, client, stranger, documentHash, deadline } = await networkHelpers.loadFixture(coSigningFixture);
      const forged = await coSign(registry, stranger, { documentHash, deadline, signer: client.address });

      await expect(submit(registry, stranger, documentHash, forged))
        .to.be.revertedWithCustomError(registry, 'EvidenceRegistryInvalidSignature')
        .withArgs(documentHash, client.address);
      expect(await registry.isNonceUsed(client.address, forged.nonce)).to.equal(false);
    });

    it('reverts when the signature is for another document', async function () {
      const { registry, insurer, client, stranger, document, documentHash, deadline } =
        await networkHelpers.loadFixture(coSigningFixture);
      const other = policyDocument('Another policy the client must sign', [client.address], { termsHash: TERMS_HASH });
      await registry.connect(insurer).anchor(other.input);
      const forOther = await coSign(registry, client, { documentHash: other.input.documentHash, deadline });

      await expect(
        submit(registry, stranger, documentHash, { ...forOther, requiredSigners: document.input.requiredSigners }),
      )
        .to.be.revertedWithCustomError(registry, 'EvidenceRegistryInvalidSignature')
        .withArgs(documentHash, client.address);
    });

    it('reverts when the signature covers other terms than the anchored ones', async function () {
      const { registry, client, stranger, documentHash, deadline } = await networkHelpers.loadFixture(coSigningFixture);
      const otherTerms = await coSign(registry, client, {
        documentHash,
        deadline,
        termsHash: ethers.id('parametric terms: flight delay > 60 min pays EUR 900'),
      });

      await expect(submit(registry, stranger, documentHash, otherTerms))
        .to.be.revertedWithCustomError(registry, 'EvidenceRegistryInvalidSignature')
        .withArgs(documentHash, client.address);
    });

    const wrongLists: { what: string; list: (signers: string[], stranger: string) => string[] }[] = [
      { what: 'in another order', list: ([a, b, c]) => [b!, a!, c!] },
      { what: 'missing a signer', list: (signers) => signers.slice(1) },
      { what: 'with an extra account', list: (signers, stranger) => [...signers, stranger] },
      { what: 'empty', list: () => [] },
    ];
    for (const { what, list } of wrongLists) {
      it(`reverts with EvidenceRegistryWrongSignerList for the required signers ${what}`, async function () {
        const { registry, client, stranger, document, documentHash, deadline } =
          await networkHelpers.loadFixture(coSigningFixture);
        const coSignature = await coSign(registry, client, { documentHash, deadline });
        const requiredSigners = list(document.input.requiredSigners, stranger.address);

        await expect(submit(registry, stranger, documentHash, { ...coSignature, requiredSigners }))
          .to.be.revertedWithCustomError(registry, 'EvidenceRegistryWrongSignerList')
          .withArgs(documentHash);
        expect(await registry.signerState(documentHash, client.address)).to.equal(SignerState.Pending);
      });
    }

    it('answers NotRequired for an account without a co-signature once the document is fully signed', async function () {
      const { registry, insurer, reinsurer, client, oracle, stranger, documentHash, deadline } =
        await networkHelpers.loadFixture(coSigningFixture);
      for (const party of [insurer, reinsurer, client]) {
        await submit(registry, stranger, documentHash, await coSign(registry, party, { documentHash, deadline }));
      }

      expect(await registry.signerState(documentHash, oracle.address)).to.equal(SignerState.NotRequired);
      expect(await registry.signerState(documentHash, client.address)).to.equal(SignerState.Signed);
    });

    it('reverts when the signer is not a required signer', async function () {
      const { registry, oracle, stranger, documentHash, deadline } = await networkHelpers.loadFixture(coSigningFixture);
      const coSignature = await coSign(registry, oracle, { documentHash, deadline });

      await expect(submit(registry, stranger, documentHash, coSignature))
        .to.be.revertedWithCustomError(registry, 'EvidenceRegistrySignerNotRequired')
        .withArgs(documentHash, oracle.address);
    });

    it('reverts when the signer has already signed', async function () {
      const { registry, client, stranger, documentHash, deadline } = await networkHelpers.loadFixture(coSigningFixture);
      const first = await coSign(registry, client, { documentHash, deadline });
      await submit(registry, stranger, documentHash, first);

      const again = await coSign(registry, client, { documentHash, deadline });
      for (const coSignature of [first, again]) {
        await expect(submit(registry, stranger, documentHash, coSignature))
          .to.be.revertedWithCustomError(registry, 'EvidenceRegistryAlreadySigned')
          .withArgs(documentHash, client.address);
      }
      expect((await registry.getAnchor(documentHash)).signatureCount).to.equal(1);
    });

    it('reverts when the document is revoked', async function () {
      const { registry, insurer, client, stranger, documentHash, deadline } =
        await networkHelpers.loadFixture(coSigningFixture);
      const coSignature = await coSign(registry, client, { documentHash, deadline });
      await registry.connect(insurer).revoke(documentHash, RevocationReason.IssuedInError);

      await expect(submit(registry, stranger, documentHash, coSignature))
        .to.be.revertedWithCustomError(registry, 'EvidenceRegistryAlreadyRevoked')
        .withArgs(documentHash);
    });

    it('reverts when the signer was deactivated after anchoring', async function () {
      const { access, admins, registry, client, stranger, documentHash, deadline } =
        await networkHelpers.loadFixture(coSigningFixture);
      const coSignature = await coSign(registry, client, { documentHash, deadline });
      await deactivateParty(access, admins, client.address);

      await expect(submit(registry, stranger, documentHash, coSignature))
        .to.be.revertedWithCustomError(registry, 'EvidenceRegistryInvalidSigner')
        .withArgs(client.address);
    });

    it('reverts when the document was never anchored', async function () {
      const { registry, client, stranger, deadline } = await networkHelpers.loadFixture(coSigningFixture);
      const unknown = policyDocument('Never anchored').input.documentHash;
      const coSignature = await coSign(registry, client, { documentHash: unknown, deadline });

      await expect(submit(registry, stranger, unknown, coSignature))
        .to.be.revertedWithCustomError(registry, 'EvidenceRegistryUnknownDocument')
        .withArgs(unknown);
    });

    describe('through an EIP-1271 contract wallet', function () {
      it("accepts a co-signature made by the wallet owner's key for the wallet address", async function () {
        const { registry, ownerKey, walletAddress, stranger, documentHash, deadline } =
          await networkHelpers.loadFixture(contractWalletFixture);
        const coSignature = await coSign(registry, ownerKey, { documentHash, deadline, signer: walletAddress });
        expect(coSignature.digest).to.equal(
          await registry.coSignatureDigest(documentHash, walletAddress, coSignature.nonce, deadline),
        );

        await expect(submit(registry, stranger, documentHash, coSignature))
          .to.emit(registry, 'DocumentCoSigned')
          .withArgs(documentHash, walletAddress, 1, 1);
        expect(await registry.signerState(documentHash, walletAddress)).to.equal(SignerState.Signed);
        expect(await registry.isFullySigned(documentHash)).to.equal(true);
        expect(await registry.isNonceUsed(walletAddress, coSignature.nonce)).to.equal(true);
      });

      it('reverts when a key other than the wallet owner signs', async function () {
        const { registry, client, walletAddress, stranger, documentHash, deadline } =
          await networkHelpers.loadFixture(contractWalletFixture);
        const otherKey = new Wallet(ethers.id('policyledger test: not the owner'));

        for (const key of [otherKey, client]) {
          const coSignature = await coSign(registry, key, { documentHash, deadline, signer: walletAddress });
          await expect(submit(registry, stranger, documentHash, coSignature))
            .to.be.revertedWithCustomError(registry, 'EvidenceRegistryInvalidSignature')
            .withArgs(documentHash, walletAddress);
        }
        expect(await registry.signerState(documentHash, walletAddress)).to.equal(SignerState.Pending);
      });
    });
  });

  describe('cosignTerms', function () {
    it('accepts flight terms signed with signTypedData when they hash to the anchored termsHash', async function () {
      const { registry, client, stranger, flight, flightHash, deadline } =
        await networkHelpers.loadFixture(termsFixture);
      const coSignature = await coSignTerms(registry, client, {
        documentHash: flightHash,
        deadline,
        termsType: TermsType.FlightDelay,
        terms: flight,
      });
      expect(coSignature.digest).to.equal(
        await registry.termsCoSignatureDigest(
          flightHash,
          TermsType.FlightDelay,
          client.address,
          coSignature.nonce,
          deadline,
        ),
      );

      await expect(submitTerms(registry, stranger, flightHash, coSignature))
        .to.emit(registry, 'DocumentCoSigned')
        .withArgs(flightHash, client.address, 1, 2)
        .and.to.emit(registry, 'TermsCoSigned')
        .withArgs(flightHash, client.address, TermsType.FlightDelay, (await registry.getAnchor(flightHash)).termsHash);
      expect(await registry.signedTerms(flightHash, client.address)).to.equal(true);
      expect(await registry.signerState(flightHash, client.address)).to.equal(SignerState.Signed);
    });

    it('accepts weather terms signed with signTypedData and completes the document', async function () {
      const { registry, client, stranger, weather, weatherHash, deadline } =
        await networkHelpers.loadFixture(termsFixture);
      const coSignature = await coSignTerms(registry, client, {
        documentHash: weatherHash,
        deadline,
        termsType: TermsType.WeatherIndex,
        terms: weather,
      });

      await expect(submitTerms(registry, stranger, weatherHash, coSignature))
        .to.emit(registry, 'TermsCoSigned')
        .withArgs(
          weatherHash,
          client.address,
          TermsType.WeatherIndex,
          (await registry.getAnchor(weatherHash)).termsHash,
        );
      expect(await registry.signedTerms(weatherHash, client.address)).to.equal(true);
      expect(await registry.isFullySigned(weatherHash)).to.equal(true);
    });

    const changes: { what: string; change: (terms: ReturnType<typeof flightTerms>) => void }[] = [
      { what: 'a higher delay tier payout', change: (terms) => (terms.delayTierPayouts[2] = 2_500n * 10n ** 6n) },
      { what: 'a shorter first delay tier', change: (terms) => (terms.delayTierMinutes[0] = 15) },
      { what: 'another departure time', change: (terms) => (terms.scheduledDeparture += 3_600n) },
      { what: 'another flight', change: (terms) => (terms.flightNumber = '197') },
    ];
    for (const { what, change } of changes) {
      it(`reverts when the signed terms differ from the anchored ones (${what})`, async function () {
        const { registry, client, stranger, flight, flightHash, deadline } =
          await networkHelpers.loadFixture(termsFixture);
        const other = structuredClone(flight);
        change(other);
        const coSignature = await coSignTerms(registry, client, {
          documentHash: flightHash,
          deadline,
          termsType: TermsType.FlightDelay,
          terms: other,
        });

        await expect(submitTerms(registry, stranger, flightHash, coSignature))
          .to.be.revertedWithCustomError(registry, 'EvidenceRegistryInvalidSignature')
          .withArgs(flightHash, client.address);
        expect(await registry.signedTerms(flightHash, client.address)).to.equal(false);
        expect(await registry.signerState(flightHash, client.address)).to.equal(SignerState.Pending);
      });
    }

    it('reverts when the message nests the other terms type', async function () {
      const { registry, client, stranger, flight, flightHash, deadline } =
        await networkHelpers.loadFixture(termsFixture);
      const coSignature = await coSignTerms(registry, client, {
        documentHash: flightHash,
        deadline,
        termsType: TermsType.FlightDelay,
        terms: flight,
      });

      await expect(submitTerms(registry, stranger, flightHash, { ...coSignature, termsType: TermsType.WeatherIndex }))
        .to.be.revertedWithCustomError(registry, 'EvidenceRegistryInvalidSignature')
        .withArgs(flightHash, client.address);
    });

    it('refuses a replay, on the same document or with the same nonce on another', async function () {
      const { registry, client, stranger, flight, weather, flightHash, weatherHash, deadline } =
        await networkHelpers.loadFixture(termsFixture);
      const coSignature = await coSignTerms(registry, client, {
        documentHash: flightHash,
        deadline,
        termsType: TermsType.FlightDelay,
        terms: flight,
      });
      await submitTerms(registry, stranger, flightHash, coSignature);

      await expect(submitTerms(registry, stranger, flightHash, coSignature))
        .to.be.revertedWithCustomError(registry, 'EvidenceRegistryAlreadySigned')
        .withArgs(flightHash, client.address);
      const sameNonce = await coSignTerms(registry, client, {
        documentHash: weatherHash,
        deadline,
        nonce: coSignature.nonce,
        termsType: TermsType.WeatherIndex,
        terms: weather,
      });
      await expect(submitTerms(registry, stranger, weatherHash, sameNonce))
        .to.be.revertedWithCustomError(registry, 'EvidenceRegistryNonceUsed')
        .withArgs(client.address, coSignature.nonce);
    });

    it('leaves signedTerms false for a co-signature over the hash only', async function () {
      const { registry, insurer, stranger, flightHash, deadline } = await networkHelpers.loadFixture(termsFixture);

      await submit(
        registry,
        stranger,
        flightHash,
        await coSign(registry, insurer, { documentHash: flightHash, deadline }),
      );

      expect(await registry.signerState(flightHash, insurer.address)).to.equal(SignerState.Signed);
      expect(await registry.signedTerms(flightHash, insurer.address)).to.equal(false);
    });

    it('reverts for a document anchored without terms', async function () {
      const { registry, insurer, client, stranger, flight, deadline } = await networkHelpers.loadFixture(termsFixture);
      const plain = policyDocument('Home policy with a wording but no executable terms', [client.address]);
      await registry.connect(insurer).anchor(plain.input);
      const coSignature = await coSignTerms(registry, client, {
        documentHash: plain.input.documentHash,
        deadline,
        termsType: TermsType.FlightDelay,
        terms: flight,
      });

      await expect(submitTerms(registry, stranger, plain.input.documentHash, coSignature))
        .to.be.revertedWithCustomError(registry, 'EvidenceRegistryNoTerms')
        .withArgs(plain.input.documentHash);
    });
  });

  describe('supersede', function () {
    it('makes the new version current and the old one Superseded, numbering them 1 and 2', async function () {
      const { registry, insurer } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const original = policyDocument('Motor policy PL-2026-000900');
      const endorsement = policyDocument('Motor policy PL-2026-000900, endorsement 1', [], {
        documentType: DocumentType.Endorsement,
      });
      await registry.connect(insurer).anchor(original.input);

      await registry.connect(insurer).supersede(original.input.documentHash, endorsement.input);

      const previous = await registry.getAnchor(original.input.documentHash);
      const current = await registry.getAnchor(endorsement.input.documentHash);
      expect(previous.status).to.equal(DocumentStatus.Superseded);
      expect(previous.version).to.equal(1);
      expect(current.status).to.equal(DocumentStatus.Current);
      expect(current.version).to.equal(2);
      expect(current.documentType).to.equal(DocumentType.Endorsement);
      expect(current.registrant).to.equal(insurer.address);
      expect(await registry.currentVersion(original.input.documentHash)).to.equal(endorsement.input.documentHash);
    });

    it('emits DocumentSuperseded with the previous hash, the new hash, the chain root and the version', async function () {
      const { registry, insurer, versions } = await networkHelpers.loadFixture(versionChainFixture);
      const [v1, , v3] = versions;
      const v4 = policyDocument('Home policy PL-2026-000777, endorsement 3', [], {
        documentType: DocumentType.Endorsement,
      });

      await expect(registry.connect(insurer).supersede(v3, v4.input))
        .to.emit(registry, 'DocumentSuperseded')
        .withArgs(v3, v4.input.documentHash, v1, 4)
        .and.to.emit(registry, 'DocumentAnchored')
        .withArgs(
          v4.input.documentHash,
          insurer.address,
          ethers.ZeroHash,
          DocumentType.Endorsement,
          RETENTION.PROPERTY,
          v4.input.policyRef,
          v4.input.storagePointer,
          [],
        );
    });

    it('answers the head from currentVersion for every member of a three-version chain', async function () {
      const { registry, versions } = await networkHelpers.loadFixture(versionChainFixture);
      const [, , v3] = versions;

      for (const version of versions) {
        expect(await registry.currentVersion(version)).to.equal(v3);
      }
      const statuses = await Promise.all(versions.map(async (v) => (await registry.getAnchor(v)).status));
      expect(statuses).to.deep.equal([
        BigInt(DocumentStatus.Superseded),
        BigInt(DocumentStatus.Superseded),
        BigInt(DocumentStatus.Current),
      ]);
      const numbers = await Promise.all(versions.map(async (v) => (await registry.getAnchor(v)).version));
      expect(numbers).to.deep.equal([1n, 2n, 3n]);
    });

    it('answers the first version from chainRoot and the replaced version from previousVersion', async function () {
      const { registry, versions } = await networkHelpers.loadFixture(versionChainFixture);
      const [v1, v2, v3] = versions;

      for (const version of versions) {
        expect(await registry.chainRoot(version)).to.equal(v1);
      }
      expect(await registry.previousVersion(v1)).to.equal(ethers.ZeroHash);
      expect(await registry.previousVersion(v2)).to.equal(v1);
      expect(await registry.previousVersion(v3)).to.equal(v2);
    });

    it('reverts when the version being replaced is already superseded', async function () {
      const { registry, insurer, versions } = await networkHelpers.loadFixture(versionChainFixture);
      const [v1, v2, v3] = versions;
      const fork = policyDocument('Home policy PL-2026-000777, a competing endorsement');

      for (const superseded of [v1, v2]) {
        await expect(registry.connect(insurer).supersede(superseded, fork.input))
          .to.be.revertedWithCustomError(registry, 'EvidenceRegistryNotCurrentVersion')
          .withArgs(superseded, DocumentStatus.Superseded);
      }
      expect(await registry.currentVersion(v1)).to.equal(v3);
      expect(await registry.isAnchored(fork.input.documentHash)).to.equal(false);
    });

    it('reverts when another insurer supersedes', async function () {
      const { registry, insurer, secondInsurer, versions } = await networkHelpers.loadFixture(versionChainFixture);
      const [, , v3] = versions;
      const takeover = policyDocument('Home policy PL-2026-000777, rewritten by a competitor');

      await expect(registry.connect(secondInsurer).supersede(v3, takeover.input))
        .to.be.revertedWithCustomError(registry, 'EvidenceRegistryNotRegistrant')
        .withArgs(v3, secondInsurer.address, insurer.address);
    });

    it('reverts when the version being replaced was never anchored', async function () {
      const { registry, insurer } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const unknown = policyDocument('Never anchored').input.documentHash;
      const endorsement = policyDocument('Endorsement of nothing', [], { documentType: DocumentType.Endorsement });

      await expect(registry.connect(insurer).supersede(unknown, endorsement.input))
        .to.be.revertedWithCustomError(registry, 'EvidenceRegistryUnknownDocument')
        .withArgs(unknown);
    });

    it('reverts when the new version is already anchored, leaving the chain unchanged', async function () {
      const { registry, insurer, versions } = await networkHelpers.loadFixture(versionChainFixture);
      const [v1, , v3] = versions;
      const first = policyDocument('Home policy PL-2026-000777, original wording', [], {});

      await expect(registry.connect(insurer).supersede(v3, first.input))
        .to.be.revertedWithCustomError(registry, 'EvidenceRegistryAlreadyAnchored')
        .withArgs(v1);
      expect((await registry.getAnchor(v3)).status).to.equal(DocumentStatus.Current);
    });

    it('reverts from currentVersion, chainRoot and previousVersion for a document never anchored', async function () {
      const { registry } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const unknown = policyDocument('Never anchored').input.documentHash;

      await expect(registry.currentVersion(unknown))
        .to.be.revertedWithCustomError(registry, 'EvidenceRegistryUnknownDocument')
        .withArgs(unknown);
      await expect(registry.chainRoot(unknown))
        .to.be.revertedWithCustomError(registry, 'EvidenceRegistryUnknownDocument')
        .withArgs(unknown);
      await expect(registry.previousVersion(unknown))
        .to.be.revertedWithCustomError(registry, 'EvidenceRegistryUnknownDocument')
        .withArgs(unknown);
    });
  });

  describe('revoke', function () {
    it('stores the reason and the revocation time and marks the document Revoked', async function () {
      const { registry, insurer, documentHash } = await networkHelpers.loadFixture(coSigningFixture);

      const receipt = await (await registry.connect(insurer).revoke(documentHash, RevocationReason.Fraud)).wait();
      if (receipt === null) throw new Error('revoke was not mined');
      const block = await ethers.provider.getBlock(receipt.blockNumber);
      if (block === null) throw new Error(`block ${receipt.blockNumber} not found`);

      const anchor = await registry.getAnchor(documentHash);
      expect(anchor.status).to.equal(DocumentStatus.Revoked);
      expect(anchor.revocationReason).to.equal(RevocationReason.Fraud);
      expect(anchor.revokedAt).to.equal(block.timestamp);
      expect(await registry.isAnchored(documentHash)).to.equal(true);
    });

    it('emits DocumentRevoked with the hash, the registrant and the reason', async function () {
      const { registry, insurer, documentHash } = await networkHelpers.loadFixture(coSigningFixture);

      await expect(registry.connect(insurer).revoke(documentHash, RevocationReason.CancelledByClient))
        .to.emit(registry, 'DocumentRevoked')
        .withArgs(documentHash, insurer.address, RevocationReason.CancelledByClient);
    });

    it('leaves the chain without a current version when its head is revoked', async function () {
      const { registry, insurer, versions } = await networkHelpers.loadFixture(versionChainFixture);
      const [, , v3] = versions;

      await registry.connect(insurer).revoke(v3, RevocationReason.Rescinded);

      for (const version of versions) {
        expect(await registry.currentVersion(version)).to.equal(ethers.ZeroHash);
      }
    });

    it('never lets a revoked head or its predecessors be superseded', async function () {
      const { registry, insurer, versions } = await networkHelpers.loadFixture(versionChainFixture);
      const [v1, v2, v3] = versions;
      await registry.connect(insurer).revoke(v3, RevocationReason.Rescinded);
      const revival = policyDocument('Home policy PL-2026-000777, reinstated', [], {
        documentType: DocumentType.Endorsement,
      });

      await expect(registry.connect(insurer).supersede(v3, revival.input))
        .to.be.revertedWithCustomError(registry, 'EvidenceRegistryNotCurrentVersion')
        .withArgs(v3, DocumentStatus.Revoked);
      for (const superseded of [v1, v2]) {
        await expect(registry.connect(insurer).supersede(superseded, revival.input))
          .to.be.revertedWithCustomError(registry, 'EvidenceRegistryNotCurrentVersion')
          .withArgs(superseded, DocumentStatus.Superseded);
      }
      expect((await registry.getAnchor(v3)).status).to.equal(DocumentStatus.Revoked);
      expect(await registry.currentVersion(v1)).to.equal(ethers.ZeroHash);
    });

    it('leaves the head current when an old superseded version is revoked', async function () {
      const { registry, insurer, versions } = await networkHelpers.loadFixture(versionChainFixture);
      const [v1, , v3] = versions;

      await registry.connect(insurer).revoke(v1, RevocationReason.IssuedInError);

      expect((await registry.getAnchor(v1)).status).to.equal(DocumentStatus.Revoked);
      expect((await registry.getAnchor(v3)).status).to.equal(DocumentStatus.Current);
      for (const version of versions) {
        expect(await registry.currentVersion(version)).to.equal(v3);
      }
    });

    it('reverts when the document is already revoked', async function () {
      const { registry, insurer, documentHash } = await networkHelpers.loadFixture(coSigningFixture);
      await registry.connect(insurer).revoke(documentHash, RevocationReason.IssuedInError);

      await expect(registry.connect(insurer).revoke(documentHash, RevocationReason.Fraud))
        .to.be.revertedWithCustomError(registry, 'EvidenceRegistryAlreadyRevoked')
        .withArgs(documentHash);
      expect((await registry.getAnchor(documentHash)).revocationReason).to.equal(RevocationReason.IssuedInError);
    });

    it('reverts when someone other than the registrant revokes', async function () {
      const { registry, insurer, reinsurer, secondInsurer, documentHash } =
        await networkHelpers.loadFixture(coSigningFixture);

      for (const caller of [secondInsurer, reinsurer]) {
        await expect(registry.connect(caller).revoke(documentHash, RevocationReason.RegulatoryOrder))
          .to.be.revertedWithCustomError(registry, 'EvidenceRegistryNotRegistrant')
          .withArgs(documentHash, caller.address, insurer.address);
      }
      expect((await registry.getAnchor(documentHash)).status).to.equal(DocumentStatus.Current);
    });

    it('reverts when the caller is not an active INSURER or REINSURER', async function () {
      const { registry, client, documentHash } = await networkHelpers.loadFixture(coSigningFixture);

      await expect(registry.connect(client).revoke(documentHash, RevocationReason.CancelledByClient))
        .to.be.revertedWithCustomError(registry, 'ConsortiumGovernedUnauthorized')
        .withArgs(client.address, ROLES.INSURER);
    });

    it('reverts when the document was never anchored', async function () {
      const { registry, insurer } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const unknown = policyDocument('Never anchored').input.documentHash;

      await expect(registry.connect(insurer).revoke(unknown, RevocationReason.IssuedInError))
        .to.be.revertedWithCustomError(registry, 'EvidenceRegistryUnknownDocument')
        .withArgs(unknown);
    });
  });

  describe('anchorBatch', function () {
    it('emits BatchAnchored with the root, the registrant, the document count and the storage pointer', async function () {
      const { registry, reinsurer } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const tree = StandardMerkleTree.of(
        [[ethers.id('bordereau line 1')], [ethers.id('bordereau line 2')]],
        ['bytes32'],
      );

      await expect(registry.connect(reinsurer).anchorBatch(tree.root, 2, BATCH_POINTER))
        .to.emit(registry, 'BatchAnchored')
        .withArgs(tree.root, reinsurer.address, 2, BATCH_POINTER);
    });

    it('stores the registrant, block time and number and document count', async function () {
      const { registry, insurer, hashes, tree } = await networkHelpers.loadFixture(batchFixture);
      const events = await registry.queryFilter(registry.filters.BatchAnchored(tree.root));
      const event = events[0];
      if (event === undefined) throw new Error('BatchAnchored was not emitted');
      const block = await ethers.provider.getBlock(event.blockNumber);
      if (block === null) throw new Error(`block ${event.blockNumber} not found`);

      const batch = await registry.getBatch(tree.root);
      expect(batch.registrant).to.equal(insurer.address);
      expect(batch.anchoredAt).to.equal(block.timestamp);
      expect(batch.blockNumber).to.equal(event.blockNumber);
      expect(batch.documentCount).to.equal(hashes.length);
    });

    it('reverts when the root is already anchored', async function () {
      const { registry, insurer, secondInsurer, tree } = await networkHelpers.loadFixture(batchFixture);

      for (const caller of [insurer, secondInsurer]) {
        await expect(registry.connect(caller).anchorBatch(tree.root, 1, 'bafy-other'))
          .to.be.revertedWithCustomError(registry, 'EvidenceRegistryBatchAlreadyAnchored')
          .withArgs(tree.root);
      }
      expect((await registry.getBatch(tree.root)).documentCount).to.equal(50);
    });

    it('reverts when the root is zero or the batch has no documents', async function () {
      const { registry, insurer } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const root = StandardMerkleTree.of([[ethers.id('only line')]], ['bytes32']).root;

      await expect(registry.connect(insurer).anchorBatch(ethers.ZeroHash, 50, BATCH_POINTER))
        .to.be.revertedWithCustomError(registry, 'EvidenceRegistryInvalidBatch')
        .withArgs(ethers.ZeroHash, 50);
      await expect(registry.connect(insurer).anchorBatch(root, 0, BATCH_POINTER))
        .to.be.revertedWithCustomError(registry, 'EvidenceRegistryInvalidBatch')
        .withArgs(root, 0);
    });

    it('reverts when the storage pointer is empty', async function () {
      const { registry, insurer } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const root = StandardMerkleTree.of([[ethers.id('only line')]], ['bytes32']).root;

      await expect(registry.connect(insurer).anchorBatch(root, 1, ''))
        .to.be.revertedWithCustomError(registry, 'EvidenceRegistryMissingStoragePointer')
        .withArgs(root);
    });

    it('reverts when the caller is not an active INSURER or REINSURER', async function () {
      const { registry, oracle } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const root = StandardMerkleTree.of([[ethers.id('only line')]], ['bytes32']).root;

      await expect(registry.connect(oracle).anchorBatch(root, 1, BATCH_POINTER))
        .to.be.revertedWithCustomError(registry, 'ConsortiumGovernedUnauthorized')
        .withArgs(oracle.address, ROLES.INSURER);
    });
  });

  describe('verifyBatchMember', function () {
    it('accepts StandardMerkleTree proofs of members across the batch', async function () {
      const { registry, hashes, tree } = await networkHelpers.loadFixture(batchFixture);

      for (const index of [0, 1, 17, 31, 48, 49]) {
        const hash = hashes[index] as string;
        expect(await registry.verifyBatchMember(tree.root, hash, tree.getProof(index))).to.equal(true);
      }
    });

    it('rejects a hash that is not in the batch', async function () {
      const { registry, hashes, tree } = await networkHelpers.loadFixture(batchFixture);
      const outsider = ethers.sha256(ethers.toUtf8Bytes('claim receipt CL-2026-50'));
      expect(hashes).not.to.include(outsider);

      expect(await registry.verifyBatchMember(tree.root, outsider, tree.getProof(0))).to.equal(false);
      expect(await registry.verifyBatchMember(tree.root, outsider, [])).to.equal(false);
    });

    it('rejects a proof made for another member', async function () {
      const { registry, hashes, tree } = await networkHelpers.loadFixture(batchFixture);

      expect(await registry.verifyBatchMember(tree.root, hashes[4] as string, tree.getProof(3))).to.equal(false);
      expect(await registry.verifyBatchMember(tree.root, hashes[0] as string, tree.getProof(49))).to.equal(false);
    });

    it('answers false for a root that was never anchored, even with a valid proof', async function () {
      const { registry, insurer, hashes } = await networkHelpers.loadFixture(batchFixture);
      const unanchored = StandardMerkleTree.of(
        hashes.slice(0, 10).map((hash) => [hash]),
        ['bytes32'],
      );
      const hash = hashes[3] as string;
      expect(StandardMerkleTree.verify(unanchored.root, ['bytes32'], [hash], unanchored.getProof(3))).to.equal(true);

      expect(await registry.verifyBatchMember(unanchored.root, hash, unanchored.getProof(3))).to.equal(false);

      await registry.connect(insurer).anchorBatch(unanchored.root, 10, BATCH_POINTER);
      expect(await registry.verifyBatchMember(unanchored.root, hash, unanchored.getProof(3))).to.equal(true);
    });
  });

  describe('batchLeaf', function () {
    it('hashes a document hash to the leaf StandardMerkleTree uses', async function () {
      const { registry, hashes, tree } = await networkHelpers.loadFixture(batchFixture);

      for (const hash of [hashes[0], hashes[25], hashes[49]] as string[]) {
        const leaf = await registry.batchLeaf(hash);
        expect(leaf).to.equal(tree.leafHash([hash]));
        expect(leaf).to.equal(ownLeaf(hash));
      }
    });

    it('matches a tree we build ourselves, whose proofs the library and the registry both verify', async function () {
      const { registry, insurer, hashes } = await networkHelpers.loadFixture(batchFixture);
      const layers = ownTree(hashes.map(ownLeaf));
      const root = layers.at(-1)?.[0];
      if (root === undefined) throw new Error('our tree has no root');
      await registry.connect(insurer).anchorBatch(root, hashes.length, BATCH_POINTER);

      for (const index of [0, 7, 32, 48, 49]) {
        const hash = hashes[index] as string;
        const proof = ownProof(layers, index);
        expect(StandardMerkleTree.verify(root, ['bytes32'], [hash], proof)).to.equal(true);
        expect(await registry.verifyBatchMember(root, hash, proof)).to.equal(true);
      }
      // The library does not answer true for anything: a proof for another member fails.
      expect(StandardMerkleTree.verify(root, ['bytes32'], [hashes[1] as string], ownProof(layers, 2))).to.equal(false);
    });
  });

  describe('consortium', function () {
    it('answers the consortium access contract whose parties and proposals govern it', async function () {
      const { registry, access } = await networkHelpers.loadFixture(deployConsortiumFixture);

      expect(await registry.consortium()).to.equal(await access.getAddress());
    });
  });

  describe('retention classes', function () {
    it('defines life (permanent), property (15 years) and health (20 years) at deployment', async function () {
      const { registry } = await networkHelpers.loadFixture(deployConsortiumFixture);

      expect(await registry.RETENTION_LIFE()).to.equal(RETENTION.LIFE);
      expect(await registry.RETENTION_PROPERTY()).to.equal(RETENTION.PROPERTY);
      expect(await registry.RETENTION_HEALTH()).to.equal(RETENTION.HEALTH);
      const rules = await Promise.all([0, 1, 2, 3, 4].map(async (c) => await registry.retentionRule(c)));
      expect(rules.map((rule) => [rule.defined, rule.retentionYears])).to.deep.equal([
        [false, 0n],
        [true, 0n],
        [true, 15n],
        [true, 20n],
        [false, 0n],
      ]);
    });

    it('emits RetentionClassSet with the class, years and flag when dual control defines a class anchors can use', async function () {
      const { access, admins, registry, insurer } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const PENSIONS = 4;

      await setRetentionClass(access, admins, registry, PENSIONS, 40, true);

      const events = await registry.queryFilter(registry.filters.RetentionClassSet(PENSIONS), 'latest');
      expect(events.map((event) => [...event.args])).to.deep.equal([[BigInt(PENSIONS), 40n, true]]);
      const rule = await registry.retentionRule(PENSIONS);
      expect([rule.defined, rule.retentionYears]).to.deep.equal([true, 40n]);

      const document = policyDocument('Pension scheme policy PS-2026-1', [], { retentionClass: PENSIONS });
      await expect(registry.connect(insurer).anchor(document.input)).to.emit(registry, 'DocumentAnchored');
      expect((await registry.getAnchor(document.input.documentHash)).retentionClass).to.equal(PENSIONS);
    });

    it('makes anchors with a withdrawn class revert, and leaves documents already in it untouched', async function () {
      const { access, admins, registry, insurer } = await networkHelpers.loadFixture(deployConsortiumFixture);
      const before = policyDocument('Property policy anchored before the withdrawal');
      await registry.connect(insurer).anchor(before.input);

      await setRetentionClass(access, admins, registry, RETENTION.PROPERTY, 15, false);

      const events = await registry.queryFilter(registry.filters.RetentionClassSet(RETENTION.PROPERTY), 'latest');
      expect(events.map((event) => [...event.args])).to.deep.equal([[BigInt(RETENTION.PROPERTY), 15n, false]]);
      const after = policyDocument('Property policy anchored after the withdrawal');
      await expect(registry.connect(insurer).anchor(after.input))
        .to.be.revertedWithCustomError(registry, 'EvidenceRegistryUnknownRetentionClass')
        .withArgs(RETENTION.PROPERTY);
      expect((await registry.getAnchor(before.input.documentHash)).retentionClass).to.equal(RETENTION.PROPERTY);
    });

    it('reverts when setRetentionClass is called outside dual control', async function () {
      const { registry, admin1 } = await networkHelpers.loadFixture(deployConsortiumFixture);

      await expect(registry.connect(admin1).setRetentionClass(4, 40, true))
        .to.be.revertedWithCustomError(registry, 'ConsortiumGovernedDualControlRequired')
        .withArgs(admin1.address);
    });
  });
});
