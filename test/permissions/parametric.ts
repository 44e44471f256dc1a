import { expect } from 'chai';
import type { HardhatEthersSigner } from '@nomicfoundation/hardhat-ethers/types';
import {
  FunctionFragment,
  TypedDataEncoder,
  type BaseContract,
  type ContractTransactionResponse,
  type Interface,
  type TransactionResponse,
} from 'ethers';
import { Aggregation, ObservationStatus, TREATY_TERMS_TYPES, WeatherMetric } from '../../services/shared/eip712.js';
import type { IWeatherIndexProduct, ReinsuranceTreaty, RiskPool } from '../../types/ethers-contracts/index.js';
import { ethers, networkHelpers, ROLES, underDualControl } from '../helpers/consortium.js';
import {
  anchorSigned,
  deployParametricFixture,
  DOCUMENT_TYPE,
  flightTerms,
  flightTermsHash,
  HUB_SETTINGS,
  issueFlightPolicy,
  issueWeatherPolicy,
  POLICY_STATUS,
  signObservation,
  TREATY,
  usd,
  weatherTermsHash,
} from '../helpers/parametric.js';
import { REVOCATION_REASON, signVoidConsent, supersedeSigned } from '../helpers/lifecycle.js';

/*
 * Who may call what on the parametric side: one row per mutating external function of OracleHub, RiskPool,
 * ReinsuranceTreaty, FlightDelayProduct and WeatherIndexProduct (some functions have a second row for another
 * situation, e.g. before and after an outcome is due), one column per kind of caller. Each cell is its own test: the
 * call either succeeds and emits the row's event, or reverts with the row's custom error and its exact arguments.
 */

const { time } = networkHelpers;

/** The kinds of caller, i.e. the columns of the matrix. */
type Caller =
  | 'ADMIN'
  | 'INSURER'
  | 'REINSURER'
  | 'CLIENT'
  | 'ORACLE'
  | 'AUDITOR'
  | 'STRANGER'
  | 'HOLDER'
  | 'DEACTIVATED_HOLDER'
  | 'OTHER_INSURER'
  | 'OTHER_REINSURER'
  | 'DEACTIVATED_INSURER'
  | 'DEACTIVATED_REINSURER'
  | 'DEACTIVATED_ORACLE'
  | 'DUAL_CONTROL'
  | 'POOL'
  | 'HUB'
  | 'PRODUCT';

/** Columns that are contracts: the consortium executing a proposal, or a contract account impersonated. */
type ContractCaller = 'DUAL_CONTROL' | 'POOL' | 'HUB' | 'PRODUCT';
type AccountCaller = Exclude<Caller, ContractCaller>;

const CALLER_LABELS: Record<Caller, string> = {
  ADMIN: 'ADMIN',
  INSURER: 'INSURER',
  REINSURER: 'REINSURER',
  CLIENT: 'CLIENT (not the holder)',
  ORACLE: 'ORACLE',
  AUDITOR: 'AUDITOR',
  STRANGER: 'stranger with no record',
  HOLDER: "the policy's holder (a CLIENT)",
  DEACTIVATED_HOLDER: "the policy's holder, deactivated",
  OTHER_INSURER: 'INSURER other than the pool and treaty insurer',
  OTHER_REINSURER: 'REINSURER other than the treaty reinsurer',
  DEACTIVATED_INSURER: 'deactivated INSURER',
  DEACTIVATED_REINSURER: 'deactivated treaty REINSURER',
  DEACTIVATED_ORACLE: 'deactivated ORACLE',
  DUAL_CONTROL: 'executed dual-control proposal',
  POOL: 'the risk pool',
  HUB: 'the oracle hub',
  PRODUCT: 'an allowed product (FlightDelayProduct)',
};

/** The columns every row has: one party per role and a stranger. */
const EVERYONE = ['ADMIN', 'INSURER', 'REINSURER', 'CLIENT', 'ORACLE', 'AUDITOR', 'STRANGER'] as const;

const INSURER_COLUMNS = [...EVERYONE, 'OTHER_INSURER', 'DEACTIVATED_INSURER', 'DUAL_CONTROL'] as const;
const REINSURER_COLUMNS = [...EVERYONE, 'OTHER_REINSURER', 'DEACTIVATED_REINSURER', 'DUAL_CONTROL'] as const;
const GOVERNED_COLUMNS = [...EVERYONE, 'DUAL_CONTROL'] as const;

/** One day in seconds. */
const DAY = 24 * 3600;

/** A dispute window that keeps a quorum's outcome from being paid at once, so that settlement can be pushed later. */
const DISPUTE_WINDOW = 3600;

/** The UTC date of a unix time, as yyyymmdd. */
function utcDate(seconds: number): number {
  const date = new Date(seconds * 1000);
  return date.getUTCFullYear() * 10_000 + (date.getUTCMonth() + 1) * 100 + date.getUTCDate();
}

/** Rain cover over one day two days from `now`: pays linearly from 10 mm to 50 mm of precipitation. */
function weatherTerms(policyholder: string, now: number): IWeatherIndexProduct.WeatherIndexTermsStruct {
  const day = utcDate(now + 2 * DAY);
  return {
    policyholder,
    latitudeE4: 515_074,
    longitudeE4: -1_278,
    stationId: '',
    metric: WeatherMetric.PrecipitationSum,
    startDate: day,
    endDate: day,
    aggregation: Aggregation.Sum,
    dayThreshold: 0,
    trigger: 1_000,
    exit: 5_000,
    stepThresholds: [],
    stepPayouts: [],
    sumInsured: usd(400),
    premium: usd(30),
    cancellationRefundBps: 5_000,
  };
}

/**
 * The parametric fixture, plus a second REINSURER (not party to the treaty) and one flight policy and one weather
 * policy held by the second client, whose cover has not started yet.
 */
async function deployPermissionFixture() {
  const fixture = await deployParametricFixture();
  const { access, admin1, admins, secondClient } = fixture;
  const otherReinsurer = (await ethers.getSigners())[14];
  if (otherReinsurer === undefined) throw new Error('the test network has no account #14');
  await (
    await access
      .connect(admin1)
      .registerParty(otherReinsurer.address, 'Southern Re SE', '5493000PERMISSION014', ethers.hexlify('0x02aa'))
  ).wait();
  await underDualControl(
    access,
    admins,
    await access.getAddress(),
    access.interface.encodeFunctionData('grantRole', [ROLES.REINSURER, otherReinsurer.address]),
  );

  const now = await time.latest();
  const flightPolicy = await issueFlightPolicy(fixture, flightTerms(secondClient.address, now), secondClient);
  const weatherPolicy = await issueWeatherPolicy(fixture, weatherTerms(secondClient.address, now), secondClient);
  return {
    ...fixture,
    otherReinsurer,
    holder: secondClient,
    flightPolicyId: flightPolicy.policyId,
    flightFeedId: (await fixture.flight.getPolicy(flightPolicy.policyId)).feedId,
    weatherPolicyId: weatherPolicy.policyId,
    weatherFeedId: (await fixture.weather.getPolicy(weatherPolicy.policyId)).feedId,
  };
}

async function permissionWorld() {
  const fixture = await networkHelpers.loadFixture(deployPermissionFixture);
  return {
    ...fixture,
    accessAddress: await fixture.access.getAddress(),
    hubAddress: await fixture.hub.getAddress(),
    poolAddress: await fixture.pool.getAddress(),
    flightAddress: await fixture.flight.getAddress(),
  };
}

type World = Awaited<ReturnType<typeof permissionWorld>>;

function isContractCaller(caller: Caller): caller is ContractCaller {
  return caller === 'DUAL_CONTROL' || caller === 'POOL' || caller === 'HUB' || caller === 'PRODUCT';
}

/** The account a column stands for. DEACTIVATED_* accounts are deactivated just before their call. */
function signerOf(world: World, caller: AccountCaller): HardhatEthersSigner {
  const signers: Record<AccountCaller, HardhatEthersSigner> = {
    ADMIN: world.admin1,
    INSURER: world.insurer,
    REINSURER: world.reinsurer,
    CLIENT: world.client,
    ORACLE: world.oracles[0],
    AUDITOR: world.auditor,
    STRANGER: world.stranger,
    HOLDER: world.holder,
    DEACTIVATED_HOLDER: world.holder,
    OTHER_INSURER: world.secondInsurer,
    OTHER_REINSURER: world.otherReinsurer,
    DEACTIVATED_INSURER: world.insurer,
    DEACTIVATED_REINSURER: world.reinsurer,
    DEACTIVATED_ORACLE: world.oracles[2],
  };
  return signers[caller];
}

/** The `msg.sender` the called contract sees for a column. */
function addressOf(world: World, caller: Caller): string {
  switch (caller) {
    case 'DUAL_CONTROL':
      return world.accessAddress;
    case 'POOL':
      return world.poolAddress;
    case 'HUB':
      return world.hubAddress;
    case 'PRODUCT':
      return world.flightAddress;
    default:
      return signerOf(world, caller).address;
  }
}

/** What one cell sends, where, and the arguments of the event it emits or of the error it reverts with. */
interface Attempt {
  /** The contract called, which emits the event or the error. */
  target: BaseContract & { interface: Interface };
  data: string;
  /** Arguments of the row's event. */
  emitted: unknown[];
  /** Arguments of each error the row may revert with, by error name. */
  errorArgs: Record<string, unknown[]>;
}

type ContractName = 'OracleHub' | 'RiskPool' | 'ReinsuranceTreaty' | 'FlightDelayProduct' | 'WeatherIndexProduct';

interface Rule {
  contract: ContractName;
  fn: string;
  /** The situation of the row, when a function has rows for more than one. */
  situation?: string;
  /** The columns of this row. */
  callers: readonly Caller[];
  /** The columns whose call succeeds. */
  allowed: readonly Caller[];
  /** The event a successful call emits (on the called contract). */
  emits: string;
  /** The error every other column gets, unless `deniedOverrides` names another. */
  deniedWith: string;
  deniedOverrides?: Partial<Record<Caller, string>>;
  /** Prepares what the call needs (a policy, a finalised feed, a fresh treaty) and builds it. */
  attempt(world: World, caller: Caller): Promise<Attempt>;
}

// ---------------------------------------------------------------------------------------------------------------
// Preparations shared by rows
// ---------------------------------------------------------------------------------------------------------------

/** Executes a governed call with the first two ADMINs. */
async function govern(world: World, target: string, data: string): Promise<void> {
  await underDualControl(world.access, world.admins, target, data);
}

/** Opens a dispute window, so that a quorum finalises a feed without paying at once. */
async function openDisputeWindow(world: World): Promise<void> {
  const settings = { ...HUB_SETTINGS, disputeWindow: DISPUTE_WINDOW };
  await govern(world, world.hubAddress, world.hub.interface.encodeFunctionData('setSettings', [settings]));
}

/** Has three oracles agree on `values` (the first twice) for `feedId` with `status`; the third report finalises. */
async function finalise(world: World, feedId: string, status: number, values: readonly [bigint, bigint]) {
  for (const [index, value] of [...values, values[0]].entries()) {
    const oracle = world.oracles[[0, 1, 3][index]!]!;
    const signed = await signObservation(world.hub, oracle, {
      feedId,
      status,
      value,
      observedAt: await time.latest(),
      payloadHash: ethers.id(`provider responses ${index}`),
    });
    await (await world.hub.connect(oracle).submitReport(signed.observation, signed.signature)).wait();
  }
}

/** A fresh treaty on the fixture's pool, with its anchored document co-signed by insurer and reinsurer. */
async function inactiveTreaty(world: World, pool: RiskPool = world.pool, quotaShareBps = 2_500) {
  const terms = {
    ...TREATY,
    insurer: world.insurer.address,
    reinsurer: world.reinsurer.address,
    pool: await pool.getAddress(),
    quotaShareBps,
  };
  const treaty: ReinsuranceTreaty = await ethers.deployContract('ReinsuranceTreaty', [
    world.accessAddress,
    await world.registry.getAddress(),
    terms,
  ]);
  const termsHash = TypedDataEncoder.hashStruct('TreatyTerms', TREATY_TERMS_TYPES, terms);
  const documentHash = await anchorSigned(
    world.registry,
    world.insurer,
    `Treaty ${quotaShareBps} bps for pool ${terms.pool}`,
    termsHash,
    DOCUMENT_TYPE.Treaty,
    [world.insurer, world.reinsurer],
  );
  return { treaty, documentHash, termsHash };
}

/** Where the holder has its credit paid in the `claimCredit` row: an address no test signer holds. */
const CREDIT_RECIPIENT = ethers.getAddress(ethers.dataSlice(ethers.id('the holder’s other wallet'), 12));

/**
 * Leaves the holder a credit of `amount` in the pool: the stablecoin becomes a freezable one (same storage), the
 * holder is frozen while the flight product refunds it, then unfrozen.
 */
async function creditTheHolder(world: World, amount: bigint): Promise<void> {
  const stablecoinAddress = await world.stablecoin.getAddress();
  const freezableCode = await ethers.provider.getCode(
    await (await ethers.deployContract('FreezableStablecoin')).getAddress(),
  );
  await networkHelpers.setCode(stablecoinAddress, freezableCode);
  const stablecoin = await ethers.getContractAt('FreezableStablecoin', stablecoinAddress);
  await (await stablecoin.setFrozen(world.holder.address, true)).wait();
  const product = await ethers.getImpersonatedSigner(world.flightAddress);
  await networkHelpers.setBalance(world.flightAddress, 10n ** 18n);
  await (
    await world.pool
      .connect(product)
      .refund(world.flightPolicyId, world.holder.address, world.flightFeedId, amount, usd(250), usd(20))
  ).wait();
  await (await stablecoin.setFrozen(world.holder.address, false)).wait();
}

/** Gives an account stablecoin and lets `spender` take it (contract columns cannot approve, nor need to). */
async function fund(world: World, caller: Caller, spender: string, amount: bigint): Promise<void> {
  await (await world.stablecoin.mint(addressOf(world, caller), amount)).wait();
  if (!isContractCaller(caller)) {
    await (await world.stablecoin.connect(signerOf(world, caller)).approve(spender, amount)).wait();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The two products, which share their rows
// ---------------------------------------------------------------------------------------------------------------

interface ProductCase {
  contract: 'FlightDelayProduct' | 'WeatherIndexProduct';
  product(world: World): World['flight'] | World['weather'];
  policyId(world: World): bigint;
  feedId(world: World): string;
  /** The outcome the oracles agree on, and what the fixture's policy pays for it. */
  outcome: { status: number; values: readonly [bigint, bigint]; payout: bigint };
  /** What cancelling the fixture's policy refunds. */
  cancellationRefund: bigint;
  /** An issue call for a new policy held by the holder, whose document `coSigner` anchored and co-signed. */
  issue(world: World, coSigner: HardhatEthersSigner): Promise<{ data: string; emitted: unknown[] }>;
  feedSettings: { event: string; data(world: World): string; emitted: unknown[] };
  issuanceSettings: { event: string; data(world: World): string; emitted: unknown[] };
}

const FLIGHT: ProductCase = {
  contract: 'FlightDelayProduct',
  product: (world) => world.flight,
  policyId: (world) => world.flightPolicyId,
  feedId: (world) => world.flightFeedId,
  // 50 and 52 minutes late agree within 5 minutes; the lower median, 50, reaches the 45-minute tier.
  outcome: { status: ObservationStatus.Landed, values: [50n, 52n], payout: usd(200) },
  cancellationRefund: (usd(20) * 9_000n) / 10_000n,
  issue: async (world, coSigner) => {
    const terms = flightTerms(world.holder.address, await time.latest());
    const termsHash = flightTermsHash(terms);
    const documentHash = await anchorSigned(
      world.registry,
      coSigner,
      `Flight policy issued by ${coSigner.address}`,
      termsHash,
      DOCUMENT_TYPE.Policy,
      [coSigner, world.holder],
    );
    const policyId = (await world.pool.policyCount()) + 1n;
    return {
      data: world.flight.interface.encodeFunctionData('issue', [terms, documentHash]),
      emitted: [policyId, world.holder.address, world.flightFeedId, documentHash, termsHash, usd(20), usd(250)],
    };
  },
  feedSettings: {
    event: 'FlightFeedSettingsSet',
    data: (world) => world.flight.interface.encodeFunctionData('setFeedSettings', [DAY, 10]),
    emitted: [DAY, 10],
  },
  issuanceSettings: {
    event: 'FlightIssuanceSettingsSet',
    data: (world) => world.flight.interface.encodeFunctionData('setIssuanceSettings', [3_600, DAY]),
    emitted: [3_600, DAY],
  },
};

const WEATHER: ProductCase = {
  contract: 'WeatherIndexProduct',
  product: (world) => world.weather,
  policyId: (world) => world.weatherPolicyId,
  feedId: (world) => world.weatherFeedId,
  // 30.00 and 30.20 mm agree within 0.5 mm; an index of 30 mm pays half the sum insured.
  outcome: { status: ObservationStatus.Observed, values: [3_000n, 3_020n], payout: usd(200) },
  cancellationRefund: (usd(30) * 5_000n) / 10_000n,
  issue: async (world, coSigner) => {
    const terms = weatherTerms(world.holder.address, await time.latest());
    const termsHash = weatherTermsHash(terms);
    const documentHash = await anchorSigned(
      world.registry,
      coSigner,
      `Weather policy issued by ${coSigner.address}`,
      termsHash,
      DOCUMENT_TYPE.Policy,
      [coSigner, world.holder],
    );
    const policyId = (await world.pool.policyCount()) + 1n;
    return {
      data: world.weather.interface.encodeFunctionData('issue', [terms, documentHash]),
      emitted: [policyId, world.holder.address, world.weatherFeedId, documentHash, termsHash, usd(30), usd(400)],
    };
  },
  feedSettings: {
    event: 'WeatherFeedSettingsSet',
    data: (world) => world.weather.interface.encodeFunctionData('setFeedSettings', [DAY, [10, 20, 30]]),
    emitted: [DAY, [10, 20, 30]],
  },
  issuanceSettings: {
    event: 'WeatherIssuanceSettingsSet',
    data: (world) => world.weather.interface.encodeFunctionData('setIssuanceSettings', [3_600]),
    emitted: [3_600],
  },
};

/** The dual-control-only error of a governed setter, for every column. */
function dualControlRequired(world: World, caller: Caller): Record<string, unknown[]> {
  return { ConsortiumGovernedDualControlRequired: [addressOf(world, caller)] };
}

/** Supersedes a policy's document with an endorsement carrying `termsHash`, co-signed by insurer and holder. */
async function endorsementDocument(world: World, previousHash: string, termsHash: string): Promise<string> {
  return supersedeSigned(world, previousHash, termsHash, `Endorsement of ${previousHash}`, world.holder);
}

/** The insurer revokes the document of the fixture's policy of a product; returns the policy. */
async function revokePolicyDocument(world: World, productCase: ProductCase, reason: number) {
  const policy = await productCase.product(world).getPolicy(productCase.policyId(world));
  await (await world.registry.connect(world.insurer).revoke(policy.documentHash, reason)).wait();
  return policy;
}

/** The errors of the reinsurer-only rows: another account, or the treaty's reinsurer once deactivated. */
function reinsurerErrors(world: World, caller: Caller): Record<string, unknown[]> {
  return {
    ReinsuranceTreatyOnlyReinsurer: [addressOf(world, caller)],
    ConsortiumGovernedUnauthorized: [addressOf(world, caller), ROLES.REINSURER],
  };
}

function productRules(productCase: ProductCase): Rule[] {
  const { contract } = productCase;
  /** The fixture's policy settled as paid, by whichever column pushes the settlement. */
  const settledAttempt = (world: World, caller: Caller, errors: Record<string, unknown[]>, data: string): Attempt => ({
    target: productCase.product(world),
    data,
    emitted: [productCase.policyId(world), productCase.feedId(world), POLICY_STATUS.Paid, productCase.outcome.payout],
    errorArgs: errors,
  });
  const agree = (world: World) =>
    finalise(world, productCase.feedId(world), productCase.outcome.status, productCase.outcome.values);

  return [
    {
      // Only the pool's insurer, while an active INSURER. The document is anchored and co-signed by the issuing
      // INSURER column (the fixture's insurer for the others), so another INSURER is refused for who it is, not for
      // its document.
      contract,
      fn: 'issue',
      callers: INSURER_COLUMNS,
      allowed: ['INSURER'],
      emits: 'PolicyIssued',
      deniedWith: 'ParametricProductNotPoolInsurer',
      attempt: async (world, caller) => {
        const coSigner = caller === 'OTHER_INSURER' ? world.secondInsurer : world.insurer;
        const { data, emitted } = await productCase.issue(world, coSigner);
        return {
          target: productCase.product(world),
          data,
          emitted,
          errorArgs: { ParametricProductNotPoolInsurer: [addressOf(world, caller)] },
        };
      },
    },
    {
      // The outcome is final once the dispute window has passed: anyone may push the settlement.
      contract,
      fn: 'settle',
      situation: 'outcome final',
      callers: GOVERNED_COLUMNS,
      allowed: GOVERNED_COLUMNS,
      emits: 'PolicySettled',
      deniedWith: 'none (every column succeeds)',
      attempt: async (world, caller) => {
        await openDisputeWindow(world);
        await agree(world);
        await time.increase(DISPUTE_WINDOW);
        const data = productCase.product(world).interface.encodeFunctionData('settle', [productCase.feedId(world), 10]);
        return settledAttempt(world, caller, {}, data);
      },
    },
    {
      // Finalised but still open to dispute: nobody may settle yet, not even dual control.
      contract,
      fn: 'settle',
      situation: 'within the dispute window',
      callers: GOVERNED_COLUMNS,
      allowed: [],
      emits: 'PolicySettled',
      deniedWith: 'ParametricProductOutcomeNotFinal',
      attempt: async (world) => {
        await openDisputeWindow(world);
        await agree(world);
        const feedId = productCase.feedId(world);
        return {
          target: productCase.product(world),
          data: productCase.product(world).interface.encodeFunctionData('settle', [feedId, 10]),
          emitted: [],
          errorArgs: { ParametricProductOutcomeNotFinal: [feedId] },
        };
      },
    },
    {
      // Before cover starts but within the pool's insurer's notice: the holder, while active; the insurer no more.
      contract,
      fn: 'cancel',
      situation: 'within the insurer’s notice',
      callers: [...INSURER_COLUMNS, 'HOLDER', 'DEACTIVATED_HOLDER'],
      allowed: ['HOLDER'],
      emits: 'PolicyCancelled',
      deniedWith: 'ParametricProductNotPolicyParty',
      deniedOverrides: { INSURER: 'ParametricProductInsurerCancellationClosed' },
      attempt: async (world, caller) => {
        const policyId = productCase.policyId(world);
        const deadline = await productCase.product(world).insurerCancellationDeadline(policyId);
        return {
          target: productCase.product(world),
          data: productCase.product(world).interface.encodeFunctionData('cancel', [policyId]),
          emitted: [policyId, addressOf(world, caller), productCase.cancellationRefund],
          errorArgs: {
            ParametricProductNotPolicyParty: [policyId, addressOf(world, caller)],
            ParametricProductInsurerCancellationClosed: [policyId, deadline],
          },
        };
      },
    },
    {
      contract,
      fn: 'setSettlementBatchSize',
      callers: GOVERNED_COLUMNS,
      allowed: ['DUAL_CONTROL'],
      emits: 'SettlementBatchSizeSet',
      deniedWith: 'ConsortiumGovernedDualControlRequired',
      attempt: (world, caller) =>
        Promise.resolve({
          target: productCase.product(world),
          data: productCase.product(world).interface.encodeFunctionData('setSettlementBatchSize', [50]),
          emitted: [50],
          errorArgs: dualControlRequired(world, caller),
        }),
    },
    {
      // The insurer revoked the document as issued in error; cover has not started: only the holder agrees.
      contract,
      fn: 'voidPolicy',
      situation: 'document revoked as IssuedInError',
      callers: [...INSURER_COLUMNS, 'HOLDER', 'DEACTIVATED_HOLDER'],
      allowed: ['HOLDER'],
      emits: 'PolicyVoided',
      deniedWith: 'ParametricProductNotPolicyHolder',
      attempt: async (world, caller) => {
        const policyId = productCase.policyId(world);
        const policy = await revokePolicyDocument(world, productCase, REVOCATION_REASON.IssuedInError);
        return {
          target: productCase.product(world),
          data: productCase.product(world).interface.encodeFunctionData('voidPolicy', [policyId]),
          emitted: [policyId, REVOCATION_REASON.IssuedInError, addressOf(world, caller), policy.premium],
          errorArgs: { ParametricProductNotPolicyHolder: [policyId, addressOf(world, caller)] },
        };
      },
    },
    {
      // The holder signed its consent: anyone may relay it.
      contract,
      fn: 'voidPolicyWithConsent',
      situation: 'document revoked as Rescinded, consent signed by the holder',
      callers: [...GOVERNED_COLUMNS, 'HOLDER'],
      allowed: [...GOVERNED_COLUMNS, 'HOLDER'],
      emits: 'PolicyVoided',
      deniedWith: 'ParametricProductInvalidConsent',
      attempt: async (world, caller) => {
        const policyId = productCase.policyId(world);
        const product = productCase.product(world);
        const policy = await revokePolicyDocument(world, productCase, REVOCATION_REASON.Rescinded);
        const deadline = BigInt(await time.latest()) + BigInt(DAY);
        const signature = await signVoidConsent(product, world.holder, {
          policyId,
          documentHash: policy.documentHash,
          reason: REVOCATION_REASON.Rescinded,
          deadline,
        });
        return {
          target: product,
          data: product.interface.encodeFunctionData('voidPolicyWithConsent', [policyId, deadline, signature]),
          emitted: [policyId, REVOCATION_REASON.Rescinded, addressOf(world, caller), policy.premium],
          errorArgs: {},
        };
      },
    },
    {
      // The insurer revoked the document for fraud: only the consortium voids, and the premium is not refunded.
      contract,
      fn: 'voidPolicyUnderDualControl',
      situation: 'document revoked for Fraud',
      callers: [...INSURER_COLUMNS, 'HOLDER'],
      allowed: ['DUAL_CONTROL'],
      emits: 'PolicyVoided',
      deniedWith: 'ConsortiumGovernedDualControlRequired',
      attempt: async (world, caller) => {
        const policyId = productCase.policyId(world);
        await revokePolicyDocument(world, productCase, REVOCATION_REASON.Fraud);
        return {
          target: productCase.product(world),
          data: productCase.product(world).interface.encodeFunctionData('voidPolicyUnderDualControl', [policyId]),
          emitted: [policyId, REVOCATION_REASON.Fraud, world.accessAddress, 0n],
          errorArgs: dualControlRequired(world, caller),
        };
      },
    },
    {
      // With a notice of zero the insurer may amend the policy until its cover starts.
      contract,
      fn: 'endorse',
      situation: 'co-signed endorsement of the policy’s document',
      callers: [...INSURER_COLUMNS, 'HOLDER'],
      allowed: ['INSURER'],
      emits: 'PolicyEndorsed',
      deniedWith: 'ParametricProductNotPoolInsurer',
      attempt: async (world, caller) => {
        const product = productCase.product(world);
        const policyId = productCase.policyId(world);
        const policy = await product.getPolicy(policyId);
        await govern(
          world,
          await product.getAddress(),
          product.interface.encodeFunctionData('setInsurerCancellationNotice', [0]),
        );
        const now = await time.latest();
        const premium = policy.premium + usd(5);
        let data: string;
        let documentHash: string;
        if (productCase.contract === 'FlightDelayProduct') {
          const terms = flightTerms(world.holder.address, now, { premium });
          documentHash = await endorsementDocument(world, policy.documentHash, flightTermsHash(terms));
          data = world.flight.interface.encodeFunctionData('endorse', [policyId, terms, documentHash]);
        } else {
          const terms = { ...weatherTerms(world.holder.address, now), premium };
          documentHash = await endorsementDocument(world, policy.documentHash, weatherTermsHash(terms));
          data = world.weather.interface.encodeFunctionData('endorse', [policyId, terms, documentHash]);
        }
        return {
          target: product,
          data,
          emitted: [policyId, (await world.pool.policyCount()) + 1n, documentHash, policy.premium, premium],
          errorArgs: { ParametricProductNotPoolInsurer: [addressOf(world, caller)] },
        };
      },
    },
    {
      contract,
      fn: 'setInsurerCancellationNotice',
      callers: GOVERNED_COLUMNS,
      allowed: ['DUAL_CONTROL'],
      emits: 'InsurerCancellationNoticeSet',
      deniedWith: 'ConsortiumGovernedDualControlRequired',
      attempt: (world, caller) =>
        Promise.resolve({
          target: productCase.product(world),
          data: productCase.product(world).interface.encodeFunctionData('setInsurerCancellationNotice', [DAY]),
          emitted: [DAY],
          errorArgs: dualControlRequired(world, caller),
        }),
    },
    {
      contract,
      fn: 'setFeedSettings',
      callers: GOVERNED_COLUMNS,
      allowed: ['DUAL_CONTROL'],
      emits: productCase.feedSettings.event,
      deniedWith: 'ConsortiumGovernedDualControlRequired',
      attempt: (world, caller) =>
        Promise.resolve({
          target: productCase.product(world),
          data: productCase.feedSettings.data(world),
          emitted: productCase.feedSettings.emitted,
          errorArgs: dualControlRequired(world, caller),
        }),
    },
    {
      contract,
      fn: 'setSettlementGasBudget',
      callers: GOVERNED_COLUMNS,
      allowed: ['DUAL_CONTROL'],
      emits: 'SettlementGasBudgetSet',
      deniedWith: 'ConsortiumGovernedDualControlRequired',
      attempt: (world, caller) =>
        Promise.resolve({
          target: productCase.product(world),
          data: productCase.product(world).interface.encodeFunctionData('setSettlementGasBudget', [8_000_000]),
          emitted: [8_000_000],
          errorArgs: dualControlRequired(world, caller),
        }),
    },
    {
      // Only ADMINs under dual control reach the policy; the fixture's policy is not parked, so even they are told so.
      contract,
      fn: 'resolveParked',
      situation: 'a policy that is not parked',
      callers: GOVERNED_COLUMNS,
      allowed: [],
      emits: 'ParkedPolicyResolved',
      deniedWith: 'ConsortiumGovernedDualControlRequired',
      deniedOverrides: { DUAL_CONTROL: 'ParametricProductNotParked' },
      attempt: (world, caller) =>
        Promise.resolve({
          target: productCase.product(world),
          data: productCase
            .product(world)
            .interface.encodeFunctionData('resolveParked', [productCase.policyId(world), 0]),
          emitted: [],
          errorArgs: {
            ...dualControlRequired(world, caller),
            ParametricProductNotParked: [productCase.policyId(world), POLICY_STATUS.Issued],
          },
        }),
    },
    {
      contract,
      fn: 'setIssuanceSettings',
      callers: GOVERNED_COLUMNS,
      allowed: ['DUAL_CONTROL'],
      emits: productCase.issuanceSettings.event,
      deniedWith: 'ConsortiumGovernedDualControlRequired',
      attempt: (world, caller) =>
        Promise.resolve({
          target: productCase.product(world),
          data: productCase.issuanceSettings.data(world),
          emitted: productCase.issuanceSettings.emitted,
          errorArgs: dualControlRequired(world, caller),
        }),
    },
    {
      // The hub's callback, with an outcome final and unpaid; the hub itself is impersonated for its column.
      contract,
      fn: 'onFeedOutcome',
      callers: [...GOVERNED_COLUMNS, 'HUB'],
      allowed: ['HUB'],
      emits: 'PolicySettled',
      deniedWith: 'ParametricProductOnlyOracleHub',
      attempt: async (world, caller) => {
        await openDisputeWindow(world);
        await agree(world);
        await time.increase(DISPUTE_WINDOW);
        const data = productCase
          .product(world)
          .interface.encodeFunctionData('onFeedOutcome', [productCase.feedId(world)]);
        return settledAttempt(world, caller, { ParametricProductOnlyOracleHub: [addressOf(world, caller)] }, data);
      },
    },
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// The matrix
// ---------------------------------------------------------------------------------------------------------------

const RULES: readonly Rule[] = [
  // ------------------------------------------------------------------------------------------------- OracleHub
  {
    contract: 'OracleHub',
    fn: 'registerFeed',
    callers: [...GOVERNED_COLUMNS, 'PRODUCT'],
    allowed: ['PRODUCT'],
    emits: 'FeedRegistered',
    deniedWith: 'OracleHubUnknownConsumer',
    attempt: async (world, caller) => {
      const feedId = ethers.id('a flight nobody has insured yet');
      const dataDeadline = (await time.latest()) + 10 * DAY;
      return {
        target: world.hub,
        data: world.hub.interface.encodeFunctionData('registerFeed', [feedId, dataDeadline, 5]),
        emitted: [feedId, world.flightAddress, dataDeadline, 5],
        errorArgs: { OracleHubUnknownConsumer: [addressOf(world, caller)] },
      };
    },
  },
  {
    // An active ORACLE signed the observation; whoever the column is relays it.
    contract: 'OracleHub',
    fn: 'submitReport',
    situation: 'relaying a report an active ORACLE signed',
    callers: GOVERNED_COLUMNS,
    allowed: GOVERNED_COLUMNS,
    emits: 'ObservationReported',
    deniedWith: 'none (every column succeeds)',
    attempt: async (world) => {
      const oracle = world.oracles[0];
      const { observation, signature } = await signObservation(world.hub, oracle, {
        feedId: world.flightFeedId,
        status: ObservationStatus.Landed,
        value: 50,
        observedAt: await time.latest(),
        payloadHash: ethers.id('provider responses'),
      });
      return {
        target: world.hub,
        data: world.hub.interface.encodeFunctionData('submitReport', [observation, signature]),
        emitted: [
          observation.feedId,
          oracle.address,
          observation.status,
          observation.value,
          observation.observedAt,
          observation.payloadHash,
        ],
        errorArgs: {},
      };
    },
  },
  {
    // The column signs an observation in its own name and submits it; a deactivated ORACLE signed while active.
    contract: 'OracleHub',
    fn: 'submitReport',
    situation: 'signed by the caller',
    callers: [...EVERYONE, 'DEACTIVATED_ORACLE'],
    allowed: ['ORACLE'],
    emits: 'ObservationReported',
    deniedWith: 'OracleHubUnknownOracle',
    attempt: async (world, caller) => {
      if (isContractCaller(caller)) throw new Error(`${caller} cannot sign an observation`);
      const signer = signerOf(world, caller);
      const { observation, signature } = await signObservation(world.hub, signer, {
        feedId: world.flightFeedId,
        status: ObservationStatus.Landed,
        value: 50,
        observedAt: await time.latest(),
        payloadHash: ethers.id('provider responses'),
      });
      return {
        target: world.hub,
        data: world.hub.interface.encodeFunctionData('submitReport', [observation, signature]),
        emitted: [
          observation.feedId,
          signer.address,
          observation.status,
          observation.value,
          observation.observedAt,
          observation.payloadHash,
        ],
        errorArgs: { OracleHubUnknownOracle: [signer.address] },
      };
    },
  },
  {
    // A quorum finalised the flight while a dispute window is open.
    contract: 'OracleHub',
    fn: 'dispute',
    callers: GOVERNED_COLUMNS,
    allowed: ['DUAL_CONTROL'],
    emits: 'FeedDisputed',
    deniedWith: 'ConsortiumGovernedDualControlRequired',
    attempt: async (world, caller) => {
      await openDisputeWindow(world);
      await finalise(world, world.flightFeedId, ObservationStatus.Landed, [50n, 52n]);
      return {
        target: world.hub,
        data: world.hub.interface.encodeFunctionData('dispute', [world.flightFeedId]),
        emitted: [world.flightFeedId],
        errorArgs: dualControlRequired(world, caller),
      };
    },
  },
  {
    // No quorum by the flight's data deadline: the outcome may be set by hand.
    contract: 'OracleHub',
    fn: 'resolve',
    callers: GOVERNED_COLUMNS,
    allowed: ['DUAL_CONTROL'],
    emits: 'FeedResolved',
    deniedWith: 'ConsortiumGovernedDualControlRequired',
    attempt: async (world, caller) => {
      const { dataDeadline } = await world.hub.getFeed(world.flightFeedId);
      await time.increaseTo(dataDeadline + 1n);
      return {
        target: world.hub,
        data: world.hub.interface.encodeFunctionData('resolve', [world.flightFeedId, ObservationStatus.Landed, 50]),
        emitted: [world.flightFeedId, ObservationStatus.Landed, 50],
        errorArgs: dualControlRequired(world, caller),
      };
    },
  },
  {
    // No outcome by the end of the resolution period: anyone may expire the feed (its policies are refunded).
    contract: 'OracleHub',
    fn: 'expire',
    situation: 'resolution period over',
    callers: GOVERNED_COLUMNS,
    allowed: GOVERNED_COLUMNS,
    emits: 'FeedExpired',
    deniedWith: 'none (every column succeeds)',
    attempt: async (world) => {
      const { dataDeadline } = await world.hub.getFeed(world.flightFeedId);
      await time.increaseTo(dataDeadline + BigInt(HUB_SETTINGS.resolutionPeriod) + 1n);
      return {
        target: world.hub,
        data: world.hub.interface.encodeFunctionData('expire', [world.flightFeedId]),
        emitted: [world.flightFeedId],
        errorArgs: {},
      };
    },
  },
  {
    // Before then nobody may, not even dual control.
    contract: 'OracleHub',
    fn: 'expire',
    situation: 'not yet due',
    callers: GOVERNED_COLUMNS,
    allowed: [],
    emits: 'FeedExpired',
    deniedWith: 'OracleHubNotYetDue',
    attempt: async (world) => {
      const { dataDeadline } = await world.hub.getFeed(world.flightFeedId);
      return {
        target: world.hub,
        data: world.hub.interface.encodeFunctionData('expire', [world.flightFeedId]),
        emitted: [],
        errorArgs: { OracleHubNotYetDue: [world.flightFeedId, dataDeadline + BigInt(HUB_SETTINGS.resolutionPeriod)] },
      };
    },
  },
  {
    contract: 'OracleHub',
    fn: 'setSettings',
    callers: GOVERNED_COLUMNS,
    allowed: ['DUAL_CONTROL'],
    emits: 'SettingsChanged',
    deniedWith: 'ConsortiumGovernedDualControlRequired',
    attempt: (world, caller) => {
      const settings = { quorum: 3, freshnessWindow: 3_600, disputeWindow: 600, resolutionPeriod: DAY };
      return Promise.resolve({
        target: world.hub,
        data: world.hub.interface.encodeFunctionData('setSettings', [settings]),
        emitted: [3, 3_600, 600, DAY],
        errorArgs: dualControlRequired(world, caller),
      });
    },
  },
  {
    contract: 'OracleHub',
    fn: 'setConsumer',
    callers: GOVERNED_COLUMNS,
    allowed: ['DUAL_CONTROL'],
    emits: 'ConsumerSet',
    deniedWith: 'ConsortiumGovernedDualControlRequired',
    attempt: (world, caller) => {
      const consumer = ethers.getAddress(ethers.dataSlice(ethers.id('a new product'), 12));
      return Promise.resolve({
        target: world.hub,
        data: world.hub.interface.encodeFunctionData('setConsumer', [consumer, true]),
        emitted: [consumer, true],
        errorArgs: dualControlRequired(world, caller),
      });
    },
  },
  // -------------------------------------------------------------------------------------------------- RiskPool
  {
    // Only the pool's own insurer, while an active INSURER.
    contract: 'RiskPool',
    fn: 'depositCapital',
    callers: INSURER_COLUMNS,
    allowed: ['INSURER'],
    emits: 'CapitalDeposited',
    deniedWith: 'RiskPoolNotInsurer',
    attempt: async (world, caller) => {
      await fund(world, caller, world.poolAddress, usd(1_000));
      return {
        target: world.pool,
        data: world.pool.interface.encodeFunctionData('depositCapital', [usd(1_000)]),
        emitted: [addressOf(world, caller), usd(1_000)],
        errorArgs: { RiskPoolNotInsurer: [addressOf(world, caller)] },
      };
    },
  },
  {
    // Only the pool's own insurer, while an active INSURER.
    contract: 'RiskPool',
    fn: 'withdrawCapital',
    callers: INSURER_COLUMNS,
    allowed: ['INSURER'],
    emits: 'CapitalWithdrawn',
    deniedWith: 'RiskPoolNotInsurer',
    attempt: (world, caller) =>
      Promise.resolve({
        target: world.pool,
        data: world.pool.interface.encodeFunctionData('withdrawCapital', [usd(1_000)]),
        emitted: [addressOf(world, caller), usd(1_000)],
        errorArgs: { RiskPoolNotInsurer: [addressOf(world, caller)] },
      }),
  },
  {
    contract: 'RiskPool',
    fn: 'openPolicy',
    callers: [...GOVERNED_COLUMNS, 'PRODUCT'],
    allowed: ['PRODUCT'],
    emits: 'PolicyOpened',
    deniedWith: 'RiskPoolUnknownProduct',
    attempt: async (world, caller) => {
      const accumulationKey = ethers.id('a flight opened directly');
      const holder = world.holder.address;
      const policyId = (await world.pool.policyCount()) + 1n;
      return {
        target: world.pool,
        data: world.pool.interface.encodeFunctionData('openPolicy', [
          holder,
          holder,
          accumulationKey,
          usd(10),
          usd(100),
        ]),
        emitted: [policyId, world.flightAddress, holder, accumulationKey, usd(10), usd(100)],
        errorArgs: { RiskPoolUnknownProduct: [addressOf(world, caller)] },
      };
    },
  },
  {
    // The fixture's flight policy paid 200 of its 250 locked; the treaty's quota share (30 %) recovers 60. Its premium
    // of 20 is released from the reserve.
    contract: 'RiskPool',
    fn: 'settle',
    callers: [...GOVERNED_COLUMNS, 'PRODUCT'],
    allowed: ['PRODUCT'],
    emits: 'ClaimsSettled',
    deniedWith: 'RiskPoolUnknownProduct',
    attempt: (world, caller) => {
      const settlement = {
        policyId: world.flightPolicyId,
        holder: world.holder.address,
        gross: usd(200),
        locked: usd(250),
        premium: usd(20),
      };
      return Promise.resolve({
        target: world.pool,
        data: world.pool.interface.encodeFunctionData('settle', [world.flightFeedId, world.flightFeedId, [settlement]]),
        emitted: [world.flightFeedId, world.flightAddress, 1, usd(200), usd(60), usd(250)],
        errorArgs: { RiskPoolUnknownProduct: [addressOf(world, caller)] },
      });
    },
  },
  {
    // The cancellation refund of the fixture's flight policy: 90 % of its premium of 20, which the reserve releases.
    contract: 'RiskPool',
    fn: 'refund',
    callers: [...GOVERNED_COLUMNS, 'PRODUCT'],
    allowed: ['PRODUCT'],
    emits: 'PremiumRefunded',
    deniedWith: 'RiskPoolUnknownProduct',
    attempt: (world, caller) =>
      Promise.resolve({
        target: world.pool,
        data: world.pool.interface.encodeFunctionData('refund', [
          world.flightPolicyId,
          world.holder.address,
          world.flightFeedId,
          usd(18),
          usd(250),
          usd(20),
        ]),
        emitted: [world.flightPolicyId, world.holder.address, usd(18), usd(250)],
        errorArgs: { RiskPoolUnknownProduct: [addressOf(world, caller)] },
      }),
  },
  {
    // The holder's cancellation refund of 18 could not be delivered (its account was frozen): it is held as a credit.
    contract: 'RiskPool',
    fn: 'claimCredit',
    callers: [...EVERYONE, 'HOLDER', 'DEACTIVATED_HOLDER'],
    allowed: ['HOLDER'],
    emits: 'CreditClaimed',
    deniedWith: 'RiskPoolNoCredit',
    deniedOverrides: { STRANGER: 'RiskPoolNotActiveParty', DEACTIVATED_HOLDER: 'RiskPoolNotActiveParty' },
    attempt: async (world, caller) => {
      await creditTheHolder(world, usd(18));
      return {
        target: world.pool,
        data: world.pool.interface.encodeFunctionData('claimCredit', [CREDIT_RECIPIENT]),
        emitted: [world.holder.address, CREDIT_RECIPIENT, usd(18)],
        errorArgs: {
          RiskPoolNoCredit: [addressOf(world, caller)],
          RiskPoolNotActiveParty: [addressOf(world, caller)],
        },
      };
    },
  },
  {
    // The main pool has a treaty: its insurer and its reinsurer may each consent to wiring a contract into it.
    contract: 'RiskPool',
    fn: 'consentToWiring',
    callers: [...INSURER_COLUMNS, 'OTHER_REINSURER', 'DEACTIVATED_REINSURER'],
    allowed: ['INSURER', 'REINSURER'],
    emits: 'WiringConsentSet',
    deniedWith: 'RiskPoolNotConsentingParty',
    attempt: (world, caller) => {
      const product = ethers.getAddress(ethers.dataSlice(ethers.id('a new product'), 12));
      return Promise.resolve({
        target: world.pool,
        data: world.pool.interface.encodeFunctionData('consentToWiring', [product, true]),
        emitted: [product, addressOf(world, caller), true],
        errorArgs: { RiskPoolNotConsentingParty: [addressOf(world, caller)] },
      });
    },
  },
  {
    contract: 'RiskPool',
    fn: 'setProduct',
    callers: GOVERNED_COLUMNS,
    allowed: ['DUAL_CONTROL'],
    emits: 'ProductSet',
    deniedWith: 'ConsortiumGovernedDualControlRequired',
    attempt: async (world, caller) => {
      const product = ethers.getAddress(ethers.dataSlice(ethers.id('a new product'), 12));
      // The pool's insurer and, as a treaty is attached, its reinsurer consent to the product.
      for (const party of [world.insurer, world.reinsurer]) {
        await (await world.pool.connect(party).consentToWiring(product, true)).wait();
      }
      return {
        target: world.pool,
        data: world.pool.interface.encodeFunctionData('setProduct', [product, true]),
        emitted: [product, true],
        errorArgs: dualControlRequired(world, caller),
      };
    },
  },
  {
    // A treaty attaches once, before any policy: the row works on a new pool and an active treaty written for it.
    contract: 'RiskPool',
    fn: 'setTreaty',
    callers: GOVERNED_COLUMNS,
    allowed: ['DUAL_CONTROL'],
    emits: 'TreatySet',
    deniedWith: 'ConsortiumGovernedDualControlRequired',
    attempt: async (world, caller) => {
      const pool: RiskPool = await ethers.deployContract('RiskPool', [
        world.accessAddress,
        world.insurer.address,
        await world.stablecoin.getAddress(),
        usd(1_000_000),
      ]);
      const { treaty, documentHash } = await inactiveTreaty(world, pool);
      await (await treaty.connect(world.reinsurer).activate(documentHash)).wait();
      const treatyAddress = await treaty.getAddress();
      await (await pool.connect(world.insurer).consentToWiring(treatyAddress, true)).wait();
      return {
        target: pool,
        data: pool.interface.encodeFunctionData('setTreaty', [treatyAddress]),
        emitted: [treatyAddress],
        errorArgs: dualControlRequired(world, caller),
      };
    },
  },
  {
    contract: 'RiskPool',
    fn: 'setAccumulationCap',
    callers: GOVERNED_COLUMNS,
    allowed: ['DUAL_CONTROL'],
    emits: 'AccumulationCapSet',
    deniedWith: 'ConsortiumGovernedDualControlRequired',
    attempt: (world, caller) =>
      Promise.resolve({
        target: world.pool,
        data: world.pool.interface.encodeFunctionData('setAccumulationCap', [usd(2_000_000)]),
        emitted: [usd(2_000_000)],
        errorArgs: dualControlRequired(world, caller),
      }),
  },
  // ----------------------------------------------------------------------------------------- ReinsuranceTreaty
  {
    // A new treaty whose document both parties co-signed; only its insurer or reinsurer may activate it, each while
    // active in that role.
    contract: 'ReinsuranceTreaty',
    fn: 'activate',
    callers: [...GOVERNED_COLUMNS, 'OTHER_INSURER', 'OTHER_REINSURER', 'DEACTIVATED_INSURER', 'DEACTIVATED_REINSURER'],
    allowed: ['INSURER', 'REINSURER'],
    emits: 'TreatyActivated',
    deniedWith: 'ReinsuranceTreatyNotParty',
    attempt: async (world, caller) => {
      const { treaty, documentHash, termsHash } = await inactiveTreaty(world);
      return {
        target: treaty,
        data: treaty.interface.encodeFunctionData('activate', [documentHash]),
        emitted: [documentHash, termsHash],
        errorArgs: { ReinsuranceTreatyNotParty: [addressOf(world, caller)] },
      };
    },
  },
  {
    contract: 'ReinsuranceTreaty',
    fn: 'postCollateral',
    callers: REINSURER_COLUMNS,
    allowed: ['REINSURER'],
    emits: 'CollateralPosted',
    deniedWith: 'ReinsuranceTreatyOnlyReinsurer',
    deniedOverrides: { DEACTIVATED_REINSURER: 'ConsortiumGovernedUnauthorized' },
    attempt: async (world, caller) => {
      await fund(world, caller, await world.treaty.getAddress(), usd(1_000));
      return {
        target: world.treaty,
        data: world.treaty.interface.encodeFunctionData('postCollateral', [usd(1_000)]),
        emitted: [addressOf(world, caller), usd(1_000)],
        errorArgs: reinsurerErrors(world, caller),
      };
    },
  },
  {
    contract: 'ReinsuranceTreaty',
    fn: 'withdrawCollateral',
    callers: REINSURER_COLUMNS,
    allowed: ['REINSURER'],
    emits: 'CollateralWithdrawn',
    deniedWith: 'ReinsuranceTreatyOnlyReinsurer',
    deniedOverrides: { DEACTIVATED_REINSURER: 'ConsortiumGovernedUnauthorized' },
    attempt: (world, caller) =>
      Promise.resolve({
        target: world.treaty,
        data: world.treaty.interface.encodeFunctionData('withdrawCollateral', [usd(1_000)]),
        emitted: [addressOf(world, caller), usd(1_000)],
        errorArgs: reinsurerErrors(world, caller),
      }),
  },
  {
    // The fixture's two policies ceded 4.80 + 7.20 of premium net of commission.
    contract: 'ReinsuranceTreaty',
    fn: 'withdrawPremium',
    callers: REINSURER_COLUMNS,
    allowed: ['REINSURER'],
    emits: 'PremiumWithdrawn',
    deniedWith: 'ReinsuranceTreatyOnlyReinsurer',
    deniedOverrides: { DEACTIVATED_REINSURER: 'ConsortiumGovernedUnauthorized' },
    attempt: (world, caller) =>
      Promise.resolve({
        target: world.treaty,
        data: world.treaty.interface.encodeFunctionData('withdrawPremium', [usd(1)]),
        emitted: [addressOf(world, caller), usd(1)],
        errorArgs: reinsurerErrors(world, caller),
      }),
  },
  {
    // 30 % of a 20.00 premium is ceded, less a 20 % commission.
    contract: 'ReinsuranceTreaty',
    fn: 'cedePremium',
    callers: [...GOVERNED_COLUMNS, 'POOL', 'PRODUCT'],
    allowed: ['POOL'],
    emits: 'PremiumCeded',
    deniedWith: 'ReinsuranceTreatyOnlyPool',
    attempt: (world, caller) =>
      Promise.resolve({
        target: world.treaty,
        data: world.treaty.interface.encodeFunctionData('cedePremium', [world.flightPolicyId, usd(20)]),
        emitted: [world.flightPolicyId, usd(20), usd(6), usd(1.2)],
        errorArgs: { ReinsuranceTreatyOnlyPool: [addressOf(world, caller)] },
      }),
  },
  {
    contract: 'ReinsuranceTreaty',
    fn: 'returnPremium',
    callers: [...GOVERNED_COLUMNS, 'POOL', 'PRODUCT'],
    allowed: ['POOL'],
    emits: 'PremiumReturned',
    deniedWith: 'ReinsuranceTreatyOnlyPool',
    attempt: (world, caller) =>
      Promise.resolve({
        target: world.treaty,
        data: world.treaty.interface.encodeFunctionData('returnPremium', [world.flightPolicyId, usd(20)]),
        emitted: [world.flightPolicyId, usd(20), usd(4.8)],
        errorArgs: { ReinsuranceTreatyOnlyPool: [addressOf(world, caller)] },
      }),
  },
  {
    // A 200 loss: 60 quota share, nothing from the excess of loss (attachment 2,000), 140 net.
    contract: 'ReinsuranceTreaty',
    fn: 'cedeLosses',
    callers: [...GOVERNED_COLUMNS, 'POOL', 'PRODUCT'],
    allowed: ['POOL'],
    emits: 'LossCeded',
    deniedWith: 'ReinsuranceTreatyOnlyPool',
    attempt: (world, caller) =>
      Promise.resolve({
        target: world.treaty,
        data: world.treaty.interface.encodeFunctionData('cedeLosses', [
          world.flightFeedId,
          [{ policyId: world.flightPolicyId, gross: usd(200) }],
        ]),
        emitted: [world.flightPolicyId, world.flightFeedId, usd(200), usd(60), 0, usd(140)],
        errorArgs: { ReinsuranceTreatyOnlyPool: [addressOf(world, caller)] },
      }),
  },
  // ---------------------------------------------------------------------------------------------- the products
  ...productRules(FLIGHT),
  ...productRules(WEATHER),
];

/**
 * Gets a column ready to send `data` to `to` and returns how to send it. Deactivated columns are deactivated here,
 * after the row's own preparation (which may need them active); contract accounts are impersonated; the dual-control
 * column is proposed and approved here, and sending it executes the proposal.
 */
async function readyCaller(
  world: World,
  caller: Caller,
  to: string,
  data: string,
): Promise<{ send: () => Promise<TransactionResponse | ContractTransactionResponse>; proposalId?: bigint }> {
  if (caller === 'DUAL_CONTROL') {
    await (await world.access.connect(world.admin1).propose(to, data)).wait();
    const proposalId = await world.access.proposalCount();
    await (await world.access.connect(world.admin2).approve(proposalId)).wait();
    return { send: () => world.access.connect(world.admin1).execute(proposalId), proposalId };
  }
  if (isContractCaller(caller)) {
    const address = addressOf(world, caller);
    await networkHelpers.setBalance(address, 10n ** 18n);
    const contractAccount = await ethers.getImpersonatedSigner(address);
    // A generous limit, as the hub forwards at least a million gas: a product's callback settles what its gas allows.
    return { send: () => contractAccount.sendTransaction({ to, data, gasLimit: 5_000_000 }) };
  }
  const signer = signerOf(world, caller);
  if (caller.startsWith('DEACTIVATED_')) {
    const deactivation = world.access.interface.encodeFunctionData('setPartyActive', [signer.address, false]);
    await govern(world, world.accessAddress, deactivation);
  }
  return { send: () => signer.sendTransaction({ to, data }) };
}

describe('parametric permissions', function () {
  it('the matrix covers every mutating external function of the five contracts', async function () {
    const world = await permissionWorld();
    const contracts: Record<ContractName, Interface> = {
      OracleHub: world.hub.interface,
      RiskPool: world.pool.interface,
      ReinsuranceTreaty: world.treaty.interface,
      FlightDelayProduct: world.flight.interface,
      WeatherIndexProduct: world.weather.interface,
    };
    for (const [contract, abi] of Object.entries(contracts)) {
      const mutating = abi.fragments
        .filter((fragment): fragment is FunctionFragment => FunctionFragment.isFragment(fragment))
        .filter((fragment) => fragment.stateMutability !== 'view' && fragment.stateMutability !== 'pure')
        .map((fragment) => fragment.name);
      const listed = new Set(RULES.filter((rule) => rule.contract === contract).map((rule) => rule.fn));
      expect([...listed], contract).to.have.members(mutating);
    }
  });

  for (const rule of RULES) {
    const title = `${rule.contract}.${rule.fn}${rule.situation === undefined ? '' : ` (${rule.situation})`}`;
    describe(title, function () {
      for (const caller of rule.callers) {
        const allowed = rule.allowed.includes(caller);
        const error = rule.deniedOverrides?.[caller] ?? rule.deniedWith;
        const outcome = allowed
          ? `succeeds (${rule.emits})`
          : caller === 'DUAL_CONTROL'
            ? `reverts with ConsortiumAccessExecutionFailed(${error})`
            : `reverts with ${error}`;

        it(`${CALLER_LABELS[caller]}: ${outcome}`, async function () {
          const world = await permissionWorld();
          const attempt = await rule.attempt(world, caller);
          const { target } = attempt;
          const { send, proposalId } = await readyCaller(world, caller, await target.getAddress(), attempt.data);

          if (allowed) {
            await expect(send())
              .to.emit(target, rule.emits)
              .withArgs(...attempt.emitted);
            return;
          }

          const errorArgs = attempt.errorArgs[error];
          if (errorArgs === undefined) throw new Error(`row ${title} gives no arguments for ${error}`);
          if (proposalId !== undefined) {
            // Through dual control the target's error comes back wrapped, as the execution's revert reason.
            await expect(send())
              .to.be.revertedWithCustomError(world.access, 'ConsortiumAccessExecutionFailed')
              .withArgs(proposalId, target.interface.encodeErrorResult(error, errorArgs));
          } else {
            await expect(send())
              .to.be.revertedWithCustomError(target, error)
              .withArgs(...errorArgs);
          }
        });
      }
    });
  }
});
