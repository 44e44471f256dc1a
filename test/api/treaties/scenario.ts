/**
 * A busy year of the local treaty (30 % quota share, 20 % commission, excess of loss 20k xs 10k, 50k aggregate), for
 * the statement and audit tests: 36 policies, a cancellation refund, three events (one through the excess-of-loss
 * layer, one beyond what the collateral covers), a shortfall repaid by later premium and by new collateral, and the
 * reinsurer withdrawing premium and collateral. The chain's clock moves a day between phases so that a period can
 * cut between them.
 *
 * The first event is a real one: two flight policies issued through the flight product (wording anchored and co-signed)
 * and settled by three oracles reporting the flight cancelled. For the rest the pool is driven as its flight product
 * (impersonated on anvil): the treaty sees exactly the calls the product makes when it issues, refunds and settles,
 * without a quorum of oracles reporting for each event.
 */
import { createHash } from 'node:crypto';
import { id, JsonRpcSigner, TypedDataEncoder, type Signer } from 'ethers';
import { anchorAndCoSign } from '../../../services/ledger/evidence.js';
import { approveStablecoin, mintTestStablecoin } from '../../../services/ledger/insurer-stack.js';
import { signObservation, submitReport } from '../../../services/ledger/oracle.js';
import {
  FLIGHT_DELAY_TERMS_TYPES,
  flightFeedId,
  ObservationStatus,
  TermsType,
} from '../../../services/shared/eip712.js';
import {
  FlightDelayProduct__factory,
  ReinsuranceTreaty__factory,
  RiskPool__factory,
} from '../../../types/ethers-contracts/index.js';
import type { TestLedger } from '../../helpers/api-chain.js';

const usd = (dollars: number) => BigInt(dollars) * 10n ** 6n;
const DAY = 86_400;

interface OpenPolicy {
  policyId: bigint;
  key: string;
  premium: bigint;
  locked: bigint;
}

/** Unix seconds of the latest block, asked of the node (not a cache). */
async function chainNow(ledger: TestLedger): Promise<number> {
  const block = (await ledger.provider.send('eth_getBlockByNumber', ['latest', false])) as { timestamp: string };
  return Number(BigInt(block.timestamp));
}

/**
 * Two cancellation-covered policies on one flight, issued as an insurer does, then the flight reported cancelled by
 * three oracles (the hub's quorum), which settles them: two `LossCeded` of 250 on the flight's feed.
 */
async function cancelledFlight(ledger: TestLedger): Promise<string> {
  const { deployment, provider, parties } = ledger;
  const [, , insurer, , client] = parties;
  const product = FlightDelayProduct__factory.connect(deployment.flightDelayProduct!, insurer!.signer);
  const departure = (await chainNow(ledger)) + 2 * DAY;
  const departureDate = Number(new Date(departure * 1000).toISOString().slice(0, 10).replaceAll('-', ''));
  for (const index of [0, 1]) {
    const holder = client!;
    const terms = {
      policyholder: holder.wallet.address,
      carrier: 'LX',
      flightNumber: '318',
      departureDate,
      scheduledDeparture: departure,
      scheduledArrival: departure + 2 * 3600,
      coverageStart: departure,
      coverageEnd: departure + DAY,
      delayTierMinutes: [15, 45, 120],
      delayTierPayouts: [usd(50), usd(150), usd(250)],
      cancellationPayout: usd(250),
      diversionPayout: usd(200),
      sumInsured: usd(250),
      premium: usd(12),
      cancellationRefundBps: 0,
    };
    const termsHash = TypedDataEncoder.hashStruct('FlightDelayTerms', FLIGHT_DELAY_TERMS_TYPES, terms);
    const wording = Buffer.from(`Flight delay policy LX318 ${departureDate} #${index}, terms hash ${termsHash}\n`);
    const documentHash = `0x${createHash('sha256').update(wording).digest('hex')}`;
    await anchorAndCoSign(
      { deployment, provider, signer: insurer!.signer },
      {
        documentHash,
        termsHash,
        documentType: 0,
        retentionClass: 2,
        policyRef: `LX318-${index}`,
        storagePointer: `test:${documentHash}`,
        requiredSigners: [insurer!.wallet.address, holder.wallet.address],
      },
      [insurer!.signer, holder.signer],
      { termsType: TermsType.FlightDelay, terms },
    );
    await (await product.issue(terms, documentHash)).wait();
  }
  await ledger.advanceTime(2 * DAY + 3 * 3600);
  const feedId = flightFeedId('LX', '318', departureDate);
  const observedAt = await chainNow(ledger);
  const oracles = [parties[5]!, parties[6]!, parties[7]!];
  for (const [index, oracle] of oracles.entries()) {
    const client = { deployment, provider, signer: oracle.signer };
    const observation = {
      feedId,
      oracle: oracle.wallet.address,
      status: ObservationStatus.Cancelled,
      value: 0,
      observedAt,
      payloadHash: id(`LX318 cancelled, as oracle ${index} read it`),
    };
    const signature = await signObservation(client, observation);
    const gasLimit = index === oracles.length - 1 ? 10_000_000n : undefined;
    await (await submitReport(client, { observation, signature }, gasLimit === undefined ? {} : { gasLimit })).wait();
  }
  return feedId;
}

export interface TreatyScenario {
  treaty: string;
  /** Block times (ISO) at the start of phases, for periods that cut between them; `end` is after the last. */
  marks: { eventB: string; shortfall: string; end: string };
  /** Feeds of the events: the real flight, then A, B and C. */
  feeds: { flight: string; a: string; b: string; c: string };
}

/** Runs the scenario on `ledger` (its local treaty and pool); returns where things are. */
export async function runTreatyScenario(ledger: TestLedger): Promise<TreatyScenario> {
  const { deployment, provider } = ledger;
  const [operator, , , reinsurer, client] = ledger.parties;
  const product = deployment.flightDelayProduct!;
  const treatyAddress = deployment.reinsuranceTreaty!;
  await provider.send('anvil_impersonateAccount', [product]);
  await provider.send('anvil_setBalance', [product, '0x8ac7230489e80000']);
  const asProduct: Signer = new JsonRpcSigner(provider, product);
  const pool = RiskPool__factory.connect(deployment.riskPool!, asProduct);
  const treaty = ReinsuranceTreaty__factory.connect(treatyAddress, reinsurer!.signer);
  await mintTestStablecoin(operator!.signer, deployment.stablecoin!, client!.wallet.address, usd(100_000));
  await approveStablecoin(reinsurer!.signer, deployment.stablecoin!, treatyAddress);
  const holder = client!.wallet.address;

  const open = async (key: string, premium: bigint, locked: bigint): Promise<OpenPolicy> => {
    const receipt = await (await pool.openPolicy(holder, holder, key, premium, locked)).wait();
    const opened = receipt!.logs.map((log) => pool.interface.parseLog(log)).find((e) => e?.name === 'PolicyOpened');
    return { policyId: opened!.args.policyId as bigint, key, premium, locked };
  };
  const settle = async (feedId: string, policies: OpenPolicy[], gross: (i: number) => bigint) => {
    const settlements = policies.map((p, i) => ({
      policyId: p.policyId,
      holder,
      gross: gross(i),
      locked: p.locked,
      premium: p.premium,
    }));
    await (await pool.settle(feedId, policies[0]!.key, settlements, { gasLimit: 10_000_000n })).wait();
  };
  const refund = async (p: OpenPolicy) =>
    (await pool.refund(p.policyId, holder, p.key, p.premium, p.locked, p.premium)).wait();
  /** Moves the clock a day on; returns the time of the block that marks it (asked of the node, not a cache). */
  const nextDay = async () => {
    await ledger.advanceTime(DAY);
    return new Date((await chainNow(ledger)) * 1000).toISOString();
  };

  const flight = await cancelledFlight(ledger);
  const feeds = { flight, a: id('scenario event A'), b: id('scenario event B'), c: id('scenario event C') };
  const keys = { a: id('flight A'), b: id('flight B'), c: id('location C'), d: id('location D') };

  // 32 policies on three exposures, premiums all different.
  const a: OpenPolicy[] = [];
  const b: OpenPolicy[] = [];
  const c: OpenPolicy[] = [];
  for (let i = 0; i < 12; i++) a.push(await open(keys.a, usd(100 + i) + 333n, usd(5_000)));
  for (let i = 0; i < 8; i++) b.push(await open(keys.b, usd(150 + i) + 7n, usd(5_000)));
  for (let i = 0; i < 12; i++) c.push(await open(keys.c, usd(90 + i) + 1n, usd(5_000)));

  // A cancellation: the premium refunded, the ceded share returned.
  await nextDay();
  await refund(c.pop()!);

  // Event A: ten losses of 3,000 and two without: the retention crosses the attachment, the layer pays 11,000.
  await nextDay();
  await settle(feeds.a, a, (i) => (i < 10 ? usd(3_000) : 0n));

  // Event B: eight losses of 1,000, within the retention.
  const eventB = await nextDay();
  await settle(feeds.b, b, () => usd(1_000));

  // The reinsurer takes some premium and all the collateral it may.
  await nextDay();
  await (await treaty.withdrawPremium(usd(50))).wait();
  const locked = await pool.totalLocked();
  const oneEvent = usd(20_000);
  const needed = (locked * 3_000n) / 10_000n + oneEvent;
  await (await treaty.withdrawCollateral((await treaty.collateral()) - needed)).wait();

  // New, large exposures without new collateral; event C then costs more than the collateral and premium held.
  const shortfall = await nextDay();
  const d: OpenPolicy[] = [];
  for (let i = 0; i < 3; i++) d.push(await open(keys.d, usd(400 + i), usd(40_000)));
  await settle(feeds.c, d, () => usd(40_000));

  // Premium ceded now pays the shortfall first; a refund finds nothing to return it from.
  await nextDay();
  await open(keys.a, usd(120), usd(5_000));
  await refund(c.pop()!);

  // The reinsurer posts collateral: the rest of the shortfall is repaid first.
  await nextDay();
  await (await treaty.postCollateral(usd(100_000))).wait();

  await provider.send('anvil_stopImpersonatingAccount', [product]);
  const end = await nextDay();
  return { treaty: treatyAddress, marks: { eventB, shortfall, end }, feeds };
}
