import { expect } from 'chai';
import { Wallet } from 'ethers';
import { signCoSignature } from '../../services/ledger/documents.js';
import { LedgerError } from '../../services/ledger/errors.js';
import { mintTestStablecoin } from '../../services/ledger/insurer-stack.js';
import {
  policyTermsHash,
  premiumFunds,
  premiumPermitTypedData,
  readIssuanceSettings,
  relayPremiumPermit,
  utcDateOf,
  type FlightDelayTerms,
  type WeatherIndexTerms,
} from '../../services/ledger/policies.js';
import { FlightDelayProduct__factory, WeatherIndexProduct__factory } from '../../types/ethers-contracts/index.js';
import { startTestLedger, type TestLedger } from '../helpers/api-chain.js';

const INSURER = 2;

describe('ledger: policies', function () {
  this.timeout(120_000);
  let ledger: TestLedger;

  before(async function () {
    this.timeout(180_000);
    ledger = await startTestLedger();
  });

  after(async () => ledger?.stop());

  const client = () => ({ deployment: ledger.deployment, provider: ledger.provider });
  const holder = '0x90F79bf6EB2c4f870365E785982E1f101E93b906';

  it('hashes flight delay and weather index terms as the products do', async () => {
    const departure = 1_800_000_000;
    const flight: FlightDelayTerms = {
      policyholder: holder,
      carrier: 'LH',
      flightNumber: '400',
      departureDate: utcDateOf(departure),
      scheduledDeparture: departure,
      scheduledArrival: departure + 9 * 3600,
      coverageStart: departure - 3600,
      coverageEnd: departure + 12 * 3600,
      delayTierMinutes: [60, 180],
      delayTierPayouts: ['50000000', '150000000'],
      cancellationPayout: '200000000',
      diversionPayout: '100000000',
      sumInsured: '200000000',
      premium: '12000000',
      cancellationRefundBps: 5_000,
    };
    const weather: WeatherIndexTerms = {
      policyholder: holder,
      latitudeE4: 481_372,
      longitudeE4: -115_756,
      stationId: '',
      metric: 0,
      startDate: 20270101,
      endDate: 20270107,
      aggregation: 2,
      dayThreshold: '-500',
      trigger: '2',
      exit: '5',
      stepThresholds: ['3', '4'],
      stepPayouts: ['1000', '2000'],
      sumInsured: '5000',
      premium: '100',
      cancellationRefundBps: 0,
    };
    const flightProduct = FlightDelayProduct__factory.connect(ledger.deployment.flightDelayProduct!, ledger.provider);
    const weatherProduct = WeatherIndexProduct__factory.connect(
      ledger.deployment.weatherIndexProduct!,
      ledger.provider,
    );
    expect(policyTermsHash({ kind: 'flight', terms: flight })).to.equal(
      (await flightProduct.hashTerms(flight)).toLowerCase(),
    );
    expect(policyTermsHash({ kind: 'weather', terms: weather })).to.equal(
      (await weatherProduct.hashTerms(weather)).toLowerCase(),
    );
  });

  it("reads the products' issuance cut-offs", async () => {
    const flight = await readIssuanceSettings(client(), 'flight');
    expect(flight.cutoffSeconds).to.equal(2 * 3600);
    expect(flight.maxCoverAfterArrivalSeconds).to.equal(24 * 3600);
    expect((await readIssuanceSettings(client(), 'weather')).cutoffSeconds).to.equal(2 * 3600);
  });

  it("relays a client's EIP-2612 permit of the premium to the risk pool", async () => {
    const owner = Wallet.createRandom();
    await mintTestStablecoin(ledger.parties[0]!.signer, ledger.deployment.stablecoin!, owner.address, 10_000_000n);
    const relayer = { ...client(), signer: ledger.parties[INSURER]!.signer };
    const deadline = (await ledger.provider.getBlock('latest'))!.timestamp + 3600;
    const typed = await premiumPermitTypedData(client(), { owner: owner.address, value: 7_000_000n, deadline });
    expect(typed.domain.name).to.equal('PolicyLedger Test Dollar');
    expect(typed.message.spender).to.equal(ledger.deployment.riskPool);

    const forged = await signCoSignature(Wallet.createRandom(), typed);
    const refused = await relayPremiumPermit(relayer, {
      owner: owner.address,
      value: 7_000_000n,
      deadline,
      signature: forged,
    }).catch((error: unknown) => error);
    expect(refused).to.be.instanceOf(LedgerError);
    expect((refused as LedgerError).code).to.equal('ERC2612InvalidSigner');

    await relayPremiumPermit(relayer, {
      owner: owner.address,
      value: 7_000_000n,
      deadline,
      signature: await signCoSignature(owner, typed),
    });
    expect((await premiumFunds(client(), owner.address)).allowance).to.equal(7_000_000n);
  });
});
