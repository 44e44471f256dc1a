import type { HardhatEthers, HardhatEthersSigner } from '@nomicfoundation/hardhat-ethers/types';
import { TypedDataEncoder } from 'ethers';
import { TREATY_TERMS_TYPES } from '../../../services/shared/eip712.js';
import type {
  FlightDelayProduct,
  MockStablecoin,
  OracleHub,
  ReinsuranceTreaty,
  RiskPool,
} from '../../../types/ethers-contracts/index.js';
import { deployBenchConsortium, underDualControl, type BenchConsortium } from '../consortium.js';
import { rawCidV1 } from '../documents.js';
import { coSignatureDomain, coSignDocument, RETENTION_CLASS } from './documents.js';
import {
  ACCUMULATION_CAP,
  DEPLOYED_BATCH_SIZE,
  FLIGHT_FEED_SETTINGS,
  HUB_SETTINGS,
  POOL_CAPITAL,
  SETTLEMENT_BATCH_SIZE,
  TREATY_COLLATERAL,
  TREATY_SHARES,
} from './scenario.js';

/** `IEvidenceRegistry.DocumentType.Treaty`. */
const DOCUMENT_TYPE_TREATY = 4;

/** The parametric ledger as the benchmark deploys it. */
export interface ParametricLedger extends BenchConsortium {
  ethers: HardhatEthers;
  /** Four independent oracles; three make a quorum. */
  oracles: readonly [HardhatEthersSigner, HardhatEthersSigner, HardhatEthersSigner, HardhatEthersSigner];
  /** An account with no consortium record that pushes settlements: anyone may. */
  keeper: HardhatEthersSigner;
  stablecoin: MockStablecoin;
  hub: OracleHub;
  pool: RiskPool;
  treaty: ReinsuranceTreaty;
  flight: FlightDelayProduct;
}

function accountAt(accounts: readonly HardhatEthersSigner[], index: number): HardhatEthersSigner {
  const account = accounts[index];
  if (account === undefined) throw new Error(`the simulated network has no account #${index}`);
  return account;
}

/**
 * Deploys the consortium, four oracles, a stablecoin, the insurer's risk pool with its capital, an active quota share
 * and excess of loss treaty with the reinsurer's collateral, and the flight delay product, wired under dual control;
 * the settlement batch size is raised to `SETTLEMENT_BATCH_SIZE` the same way.
 */
export async function deployParametricLedger(ethers: HardhatEthers): Promise<ParametricLedger> {
  const consortium = await deployBenchConsortium(ethers);
  const { access, registry, admins, insurer, reinsurer } = consortium;
  const accessAddress = await access.getAddress();
  const registryAddress = await registry.getAddress();
  const govern = (target: string, data: string) => underDualControl(access, admins, target, data);

  const accounts = await ethers.getSigners();
  const oracles = [
    accountAt(accounts, 5),
    accountAt(accounts, 6),
    accountAt(accounts, 7),
    accountAt(accounts, 8),
  ] as const;
  const keeper = accountAt(accounts, 9);
  const oracleRole = await access.ORACLE_ROLE();
  for (const [index, oracle] of oracles.entries()) {
    await (
      await access
        .connect(admins[0])
        .registerParty(
          oracle.address,
          `Flight Data Oracle ${index + 1} BV`,
          `5493000BENCHORACLE${index + 1}0`,
          ethers.keccak256(ethers.toUtf8Bytes(`oracle ${index + 1} encryption key`)),
        )
    ).wait();
    await govern(accessAddress, access.interface.encodeFunctionData('grantRole', [oracleRole, oracle.address]));
  }

  const stablecoin = await ethers.deployContract('MockStablecoin');
  const hub = await ethers.deployContract('OracleHub', [accessAddress, HUB_SETTINGS]);
  const hubAddress = await hub.getAddress();
  const pool = await ethers.deployContract('RiskPool', [
    accessAddress,
    insurer.address,
    await stablecoin.getAddress(),
    ACCUMULATION_CAP,
  ]);
  const poolAddress = await pool.getAddress();

  const treatyTerms = { insurer: insurer.address, reinsurer: reinsurer.address, pool: poolAddress, ...TREATY_SHARES };
  const treaty = await ethers.deployContract('ReinsuranceTreaty', [accessAddress, registryAddress, treatyTerms]);
  const treatyWording = ethers.toUtf8Bytes('Quota share and excess of loss treaty 2026: Harbour Mutual / Northern Re');
  const treatyDocument = {
    documentHash: ethers.sha256(treatyWording),
    termsHash: TypedDataEncoder.hashStruct('TreatyTerms', TREATY_TERMS_TYPES, treatyTerms),
    documentType: DOCUMENT_TYPE_TREATY,
    retentionClass: RETENTION_CLASS,
    policyRef: 'TR-2026-000001',
    storagePointer: rawCidV1(treatyWording),
    requiredSigners: [insurer.address, reinsurer.address],
  };
  await (await registry.connect(insurer).anchor(treatyDocument)).wait();
  const domain = await coSignatureDomain(registry);
  for (const party of [insurer, reinsurer]) {
    // Nonce 0 of each party's unordered nonces; the insurer's policies use 1 and up.
    await (await coSignDocument(registry, domain, party, 0n, treatyDocument, insurer)).wait();
  }
  await (await treaty.connect(reinsurer).activate(treatyDocument.documentHash)).wait();

  const flight = await ethers.deployContract('FlightDelayProduct', [
    accessAddress,
    hubAddress,
    registryAddress,
    poolAddress,
    DEPLOYED_BATCH_SIZE,
    FLIGHT_FEED_SETTINGS.dataGracePeriod,
    FLIGHT_FEED_SETTINGS.delayToleranceMinutes,
  ]);
  const flightAddress = await flight.getAddress();
  await govern(hubAddress, hub.interface.encodeFunctionData('setConsumer', [flightAddress, true]));
  for (const wired of [flightAddress, await treaty.getAddress()]) {
    await (await pool.connect(insurer).consentToWiring(wired, true)).wait();
  }
  await govern(poolAddress, pool.interface.encodeFunctionData('setProduct', [flightAddress, true]));
  await govern(poolAddress, pool.interface.encodeFunctionData('setTreaty', [await treaty.getAddress()]));
  await govern(flightAddress, flight.interface.encodeFunctionData('setSettlementBatchSize', [SETTLEMENT_BATCH_SIZE]));

  await (await stablecoin.mint(insurer.address, POOL_CAPITAL)).wait();
  await (await stablecoin.connect(insurer).approve(poolAddress, POOL_CAPITAL)).wait();
  await (await pool.connect(insurer).depositCapital(POOL_CAPITAL)).wait();
  await (await stablecoin.mint(reinsurer.address, TREATY_COLLATERAL)).wait();
  await (await stablecoin.connect(reinsurer).approve(await treaty.getAddress(), TREATY_COLLATERAL)).wait();
  await (await treaty.connect(reinsurer).postCollateral(TREATY_COLLATERAL)).wait();

  return { ...consortium, ethers, oracles, keeper, stablecoin, hub, pool, treaty, flight };
}
