import type { HardhatEthersSigner } from '@nomicfoundation/hardhat-ethers/types';
import { TypedDataEncoder, type ContractTransactionResponse } from 'ethers';
import { ObservationStatus, TREATY_TERMS_TYPES } from '../../services/shared/eip712.js';
import type {
  EvidenceRegistry,
  FlightDelayProduct,
  FreezableStablecoin,
  IFlightDelayProduct,
  IReinsuranceTreaty,
  MockStablecoin,
  ReinsuranceTreaty,
  RiskPool,
} from '../../types/ethers-contracts/index.js';
import { ethers, networkHelpers, ROLES } from './consortium.js';
import { coSignAsParty } from './cosign.js';
import {
  anchorSigned,
  deployParametricFixture,
  DOCUMENT_TYPE,
  flightTerms,
  FLIGHT_SETTINGS,
  flightTermsHash,
  HUB_SETTINGS,
  signObservation,
  TREATY,
  usd,
  type ParametricFixture,
} from './parametric.js';

/** Basis points in one whole, as the treaty counts them. */
export const BPS = 10_000n;

/** The EIP-712 struct hash of treaty terms, computed off chain as a wallet shows it to the signers. */
export function treatyTermsHash(terms: IReinsuranceTreaty.TreatyTermsStruct): string {
  return TypedDataEncoder.hashStruct('TreatyTerms', TREATY_TERMS_TYPES, terms);
}

/**
 * Anchors a document naming `requiredSigners` and has only `signedBy` co-sign it, so a test can leave a signature
 * out. Returns the document hash.
 */
export async function anchorDocument(
  registry: EvidenceRegistry,
  registrant: HardhatEthersSigner,
  options: {
    text: string;
    termsHash: string;
    documentType: number;
    requiredSigners: HardhatEthersSigner[];
    signedBy: HardhatEthersSigner[];
  },
): Promise<string> {
  const documentHash = ethers.sha256(ethers.toUtf8Bytes(options.text));
  await (
    await registry.connect(registrant).anchor({
      documentHash,
      termsHash: options.termsHash,
      documentType: options.documentType,
      retentionClass: 2,
      policyRef: `RT-${documentHash.slice(2, 10)}`,
      storagePointer: 'bafkreidvbhs33ighmljlvr7zbv2ywwzcmp5adtf4kqvlly67cy56bdtmve',
      requiredSigners: options.requiredSigners.map((signer) => signer.address),
    })
  ).wait();
  const deadline = BigInt(await networkHelpers.time.latest()) + 3_600n;
  for (const signer of options.signedBy) {
    await coSignAsParty(registry, signer, documentHash, deadline);
  }
  return documentHash;
}

/** Has each of `parties` (the pool's insurer, its treaty's reinsurer) consent to wiring `target` into `pool`. */
export async function consentToWiring(pool: RiskPool, target: string, parties: HardhatEthersSigner[]): Promise<void> {
  for (const party of parties) await (await pool.connect(party).consentToWiring(target, true)).wait();
}

/** Proposes a call under dual control and has a second ADMIN approve it; the caller executes. */
export async function proposeApproved(fixture: ParametricFixture, target: string, data: string): Promise<bigint> {
  const [proposer, approver] = fixture.admins;
  await (await fixture.access.connect(proposer).propose(target, data)).wait();
  const proposalId = await fixture.access.proposalCount();
  await (await fixture.access.connect(approver).approve(proposalId)).wait();
  return proposalId;
}

/** A signer for a contract's own address, so a test can call what only that contract may call. */
export async function impersonate(address: string): Promise<HardhatEthersSigner> {
  await networkHelpers.impersonateAccount(address);
  await networkHelpers.setBalance(address, 10n ** 18n);
  return ethers.getSigner(address);
}

/** Mints `amount` to `holder` and approves `spender` for it. */
export async function fund(
  stablecoin: MockStablecoin,
  holder: HardhatEthersSigner,
  spender: string,
  amount: bigint,
): Promise<void> {
  await (await stablecoin.mint(holder.address, amount)).wait();
  await (await stablecoin.connect(holder).approve(spender, amount)).wait();
}

/**
 * The parametric ledger, plus an account allowed as a "product" in the pool so tests can open, settle and refund
 * policies directly, and a second REINSURER party that is not the treaty's reinsurer.
 */
export async function deployCapitalFixture() {
  const fixture = await deployParametricFixture();
  const { access, admin1, pool, govern } = fixture;
  const signers = await ethers.getSigners();
  const product = signers[14]!;
  const secondReinsurer = signers[15]!;

  await (
    await access
      .connect(admin1)
      .registerParty(
        secondReinsurer.address,
        'Southern Re SE',
        '5493000CAPITAL000015',
        ethers.hexlify(ethers.randomBytes(33)),
      )
  ).wait();
  await govern(
    await access.getAddress(),
    access.interface.encodeFunctionData('grantRole', [ROLES.REINSURER, secondReinsurer.address]),
  );
  // The pool has a treaty: the reinsurer consents to the product beside the insurer.
  await consentToWiring(pool, product.address, [fixture.insurer, fixture.reinsurer]);
  await govern(await pool.getAddress(), pool.interface.encodeFunctionData('setProduct', [product.address, true]));
  return { ...fixture, product, secondReinsurer };
}

export type CapitalFixture = Awaited<ReturnType<typeof deployCapitalFixture>>;

/** The capital in the second pool: small, so that its solvency limits are easy to reach. */
export const SECOND_POOL_CAPITAL = usd(1_000);

/** Collateral the reinsurer posts to the second treaty once it is in force. */
export const SECOND_TREATY_COLLATERAL = usd(10_000);

/**
 * A second pool with 1,000 of capital and the capital fixture's product allowed, and a treaty written for it on the
 * standard terms, deployed but neither activated nor attached. The reinsurer holds and has approved the second
 * treaty's collateral; the client has approved the second pool for premiums.
 */
export async function deploySecondPoolFixture() {
  const fixture = await deployCapitalFixture();
  const { access, registry, stablecoin, insurer, reinsurer, client, product, govern } = fixture;
  const secondPool: RiskPool = await ethers.deployContract('RiskPool', [
    await access.getAddress(),
    insurer.address,
    await stablecoin.getAddress(),
    usd(1_000_000),
  ]);
  const secondPoolAddress = await secondPool.getAddress();
  await consentToWiring(secondPool, product.address, [insurer]);
  await govern(secondPoolAddress, secondPool.interface.encodeFunctionData('setProduct', [product.address, true]));
  await fund(stablecoin, insurer, secondPoolAddress, SECOND_POOL_CAPITAL);
  await (await secondPool.connect(insurer).depositCapital(SECOND_POOL_CAPITAL)).wait();
  await (await stablecoin.connect(client).approve(secondPoolAddress, ethers.MaxUint256)).wait();

  const secondTreatyTerms = {
    insurer: insurer.address,
    reinsurer: reinsurer.address,
    pool: secondPoolAddress,
    ...TREATY,
  };
  const secondTreaty: ReinsuranceTreaty = await ethers.deployContract('ReinsuranceTreaty', [
    await access.getAddress(),
    await registry.getAddress(),
    secondTreatyTerms,
  ]);
  await fund(stablecoin, reinsurer, await secondTreaty.getAddress(), SECOND_TREATY_COLLATERAL);
  return {
    ...fixture,
    secondPool,
    secondTreaty,
    secondTreatyTerms,
    secondTreatyTermsHash: treatyTermsHash(secondTreatyTerms),
  };
}

export type SecondPoolFixture = Awaited<ReturnType<typeof deploySecondPoolFixture>>;

/** Anchors the second treaty's document, co-signed by insurer and reinsurer; returns its hash. */
export async function anchorSecondTreatyDocument(fixture: SecondPoolFixture, text?: string): Promise<string> {
  return anchorSigned(
    fixture.registry,
    fixture.insurer,
    text ?? `Quota share treaty for pool ${await fixture.secondPool.getAddress()}`,
    fixture.secondTreatyTermsHash,
    DOCUMENT_TYPE.Treaty,
    [fixture.insurer, fixture.reinsurer],
  );
}

/** The second pool with its treaty activated, attached under dual control and collateralised with 10,000. */
export async function deployReinsuredSecondPoolFixture() {
  const fixture = await deploySecondPoolFixture();
  const { secondPool, secondTreaty, insurer, reinsurer, govern } = fixture;
  const documentHash = await anchorSecondTreatyDocument(fixture);
  await (await secondTreaty.connect(reinsurer).activate(documentHash)).wait();
  await consentToWiring(secondPool, await secondTreaty.getAddress(), [insurer]);
  await govern(
    await secondPool.getAddress(),
    secondPool.interface.encodeFunctionData('setTreaty', [await secondTreaty.getAddress()]),
  );
  await (await secondTreaty.connect(reinsurer).postCollateral(SECOND_TREATY_COLLATERAL)).wait();
  return fixture;
}

/** What a policy opened directly by the test product looks like. */
export interface DirectPolicy {
  payer: HardhatEthersSigner;
  holder: HardhatEthersSigner;
  accumulationKey: string;
  premium: bigint;
  maxPayout: bigint;
}

/** Opens a policy from the test product; returns the new policy id and the transaction. */
export async function openDirect(
  pool: RiskPool,
  product: HardhatEthersSigner,
  policy: DirectPolicy,
): Promise<{ policyId: bigint; tx: ContractTransactionResponse }> {
  const args = [
    policy.payer.address,
    policy.holder.address,
    policy.accumulationKey,
    policy.premium,
    policy.maxPayout,
  ] as const;
  const policyId = await pool.connect(product).openPolicy.staticCall(...args);
  const tx = await pool.connect(product).openPolicy(...args);
  await tx.wait();
  return { policyId, tx };
}

/** Issues a flight policy paying `cancellationPayout` on cancellation; returns its id, feed and transaction. */
export async function issueFlight(
  fixture: ParametricFixture,
  holder: HardhatEthersSigner,
  wording: string,
  overrides: Partial<IFlightDelayProduct.FlightDelayTermsStruct> = {},
): Promise<{ policyId: bigint; feedId: string; tx: ContractTransactionResponse }> {
  const now = await networkHelpers.time.latest();
  const terms = flightTerms(holder.address, now, overrides);
  const documentHash = await anchorSigned(
    fixture.registry,
    fixture.insurer,
    wording,
    flightTermsHash(terms),
    DOCUMENT_TYPE.Policy,
    [fixture.insurer, holder],
  );
  const tx = await fixture.flight.connect(fixture.insurer).issue(terms, documentHash);
  await tx.wait();
  const policyId = await fixture.flight.policyOfDocument(documentHash);
  return { policyId, feedId: (await fixture.flight.getPolicy(policyId)).feedId, tx };
}

/**
 * The first `HUB_SETTINGS.quorum` oracles report the same outcome for a flight, which finalises the feed and settles
 * its policies in the same transaction; returns that last report's transaction. Its gas limit is explicit because the
 * hub notifies the product inside a try/catch, so a tight estimate would finalise the feed but leave the settlement to
 * a later call.
 */
export async function finaliseFlight(
  fixture: ParametricFixture,
  feedId: string,
  status: number = ObservationStatus.Cancelled,
  value = 0,
): Promise<ContractTransactionResponse> {
  const observedAt = await networkHelpers.time.latest();
  const observation = { feedId, status, value, observedAt, payloadHash: ethers.id(`${feedId} ${status} ${value}`) };
  const reporters = fixture.oracles.slice(0, HUB_SETTINGS.quorum);
  if (reporters.length < HUB_SETTINGS.quorum) throw new Error(`the fixture has fewer oracles than the quorum`);
  let last: ContractTransactionResponse | undefined;
  for (const [index, oracle] of reporters.entries()) {
    const signed = await signObservation(fixture.hub, oracle, observation);
    const gasLimit = index === reporters.length - 1 ? 10_000_000n : undefined;
    last = await fixture.hub.connect(oracle).submitReport(signed.observation, signed.signature, { gasLimit });
    await last.wait();
  }
  if (last === undefined) throw new Error('a quorum of no oracles');
  return last;
}

/** One `LossCeded` record, as the reinsurer's audit reads it. */
export interface CessionRecord {
  policyId: bigint;
  feedId: string;
  gross: bigint;
  cededQuotaShare: bigint;
  cededExcessOfLoss: bigint;
  net: bigint;
}

/** The treaty's `LossCeded` records in a transaction, in the order they were emitted. */
export async function cessionsIn(treaty: ReinsuranceTreaty, tx: ContractTransactionResponse): Promise<CessionRecord[]> {
  const receipt = await tx.wait();
  if (receipt === null) throw new Error('no receipt');
  const treatyAddress = (await treaty.getAddress()).toLowerCase();
  const records: CessionRecord[] = [];
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== treatyAddress) continue;
    const parsed = treaty.interface.parseLog(log);
    if (parsed?.name !== 'LossCeded') continue;
    const [policyId, feedId, gross, cededQuotaShare, cededExcessOfLoss, net] = parsed.args.toArray() as [
      bigint,
      string,
      bigint,
      bigint,
      bigint,
      bigint,
    ];
    records.push({ policyId, feedId, gross, cededQuotaShare, cededExcessOfLoss, net });
  }
  return records;
}

/** How many events named `name` a contract emitted in a transaction. */
export async function countEvents(
  contract: RiskPool | ReinsuranceTreaty,
  tx: ContractTransactionResponse,
  name: string,
): Promise<number> {
  const receipt = await tx.wait();
  if (receipt === null) throw new Error('no receipt');
  const address = (await contract.getAddress()).toLowerCase();
  return receipt.logs.filter(
    (log) => log.address.toLowerCase() === address && contract.interface.parseLog(log)?.name === name,
  ).length;
}

/** Capital in the pool written in the freezable stablecoin. */
export const FREEZABLE_POOL_CAPITAL = usd(10_000);

/** What each client of the freezable pool holds in the freezable stablecoin to pay premiums. */
export const FREEZABLE_CLIENT_FUNDS = usd(1_000);

/**
 * The capital fixture plus a third CLIENT and a second pool of the insurer written in a stablecoin whose issuer can
 * freeze accounts, with its own flight delay product (a consumer of the hub) and the test product allowed in it. The
 * pool has 10,000 of capital and no treaty; the three clients hold 1,000 each and have approved it. The returned
 * `pool` and `flight` are the freezable ones, so the flight helpers issue and settle there.
 */
export async function deployFreezablePoolFixture() {
  const fixture = await deployCapitalFixture();
  const { access, registry, hub, admin1, insurer, client, secondClient, product, govern } = fixture;
  const thirdClient = (await ethers.getSigners())[19]!;
  await (
    await access
      .connect(admin1)
      .registerParty(
        thirdClient.address,
        'Third Client BV',
        '5493000CAPITAL000019',
        ethers.hexlify(ethers.randomBytes(33)),
      )
  ).wait();
  await govern(
    await access.getAddress(),
    access.interface.encodeFunctionData('grantRole', [ROLES.CLIENT, thirdClient.address]),
  );

  const coin: FreezableStablecoin = await ethers.deployContract('FreezableStablecoin');
  const pool: RiskPool = await ethers.deployContract('RiskPool', [
    await access.getAddress(),
    insurer.address,
    await coin.getAddress(),
    usd(1_000_000),
  ]);
  const poolAddress = await pool.getAddress();
  const flight: FlightDelayProduct = await ethers.deployContract('FlightDelayProduct', [
    await access.getAddress(),
    await hub.getAddress(),
    await registry.getAddress(),
    poolAddress,
    FLIGHT_SETTINGS.batchSize,
    FLIGHT_SETTINGS.dataGracePeriod,
    FLIGHT_SETTINGS.delayToleranceMinutes,
  ]);
  const flightAddress = await flight.getAddress();
  await govern(await hub.getAddress(), hub.interface.encodeFunctionData('setConsumer', [flightAddress, true]));
  for (const allowed of [flightAddress, product.address]) {
    await consentToWiring(pool, allowed, [insurer]);
    await govern(poolAddress, pool.interface.encodeFunctionData('setProduct', [allowed, true]));
  }
  await (await coin.mint(insurer.address, FREEZABLE_POOL_CAPITAL)).wait();
  await (await coin.connect(insurer).approve(poolAddress, FREEZABLE_POOL_CAPITAL)).wait();
  await (await pool.connect(insurer).depositCapital(FREEZABLE_POOL_CAPITAL)).wait();
  for (const holder of [client, secondClient, thirdClient]) {
    await (await coin.mint(holder.address, FREEZABLE_CLIENT_FUNDS)).wait();
    await (await coin.connect(holder).approve(poolAddress, ethers.MaxUint256)).wait();
  }
  return { ...fixture, thirdClient, coin, pool, flight, mainPool: fixture.pool, mainFlight: fixture.flight };
}

export type FreezablePoolFixture = Awaited<ReturnType<typeof deployFreezablePoolFixture>>;
