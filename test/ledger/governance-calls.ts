/**
 * The calls dual-control proposals carry, decoded and encoded against the PolicyLedger ABIs (no chain needed).
 */
import { expect } from 'chai';
import { Wallet } from 'ethers';
import {
  CallEncodingError,
  decodeCall,
  encodeCall,
  GOVERNED_CONTRACTS,
} from '../../services/ledger/consortium-calls.js';
import type { Deployment } from '../../services/ledger/deploy.js';
import { roleId } from '../../services/ledger/parties.js';

const address = () => Wallet.createRandom().address;

const deployment: Deployment = {
  chainId: '31337',
  consortiumAccess: address(),
  evidenceRegistry: address(),
  oracleHub: address(),
  riskPool: address(),
  flightDelayProduct: address(),
  weatherIndexProduct: address(),
  deployer: address(),
  blockNumber: 1,
  deployedAt: '2026-11-30T00:00:00.000Z',
};

describe('governance calls', () => {
  it('names only deployable contracts as proposal targets', () => {
    expect(GOVERNED_CONTRACTS).to.include.members(['ConsortiumAccess', 'OracleHub', 'RiskPool', 'FlightDelayProduct']);
    expect(
      GOVERNED_CONTRACTS.filter((name) => /^I[A-Z]|Mock|^ParametricProduct$|^ConsortiumGoverned$/.test(name)),
    ).to.deep.equal([]);
  });

  it('encodes a named action with arguments by name, struct and role name included, and decodes it back', () => {
    const settings = { quorum: 3, freshnessWindow: 21600, disputeWindow: 3600, resolutionPeriod: 604800 };
    const data = encodeCall('OracleHub', 'setSettings', { newSettings: settings });
    const decoded = decodeCall(deployment, deployment.oracleHub, data);
    expect(decoded).to.deep.include({
      contract: 'OracleHub',
      decoded: true,
      signature: 'setSettings((uint8,uint32,uint32,uint32))',
    });
    expect(decoded.args).to.deep.equal({
      newSettings: { quorum: '3', freshnessWindow: '21600', disputeWindow: '3600', resolutionPeriod: '604800' },
    });

    const oracle = address();
    const grant = decodeCall(
      deployment,
      deployment.consortiumAccess,
      encodeCall('ConsortiumAccess', 'grantRole', { role: 'ORACLE', account: oracle }),
    );
    expect(grant.args).to.deep.equal({ role: roleId('ORACLE'), account: oracle });
    expect(grant.roleNames).to.deep.equal({ role: 'ORACLE' });
  });

  it('names a function several contracts declare after the contract at the target address', () => {
    const data = encodeCall('WeatherIndexProduct', 'setSettlementBatchSize', ['250']);
    expect(decodeCall(deployment, deployment.flightDelayProduct!, data).contract).to.equal('FlightDelayProduct');
    expect(decodeCall(deployment, deployment.weatherIndexProduct!, data).contract).to.equal('WeatherIndexProduct');
  });

  it('decodes a call of an address the deployment does not know by the ABI that knows its selector', () => {
    const data = encodeCall('RiskPool', 'setAccumulationCap', ['1000000']);
    expect(decodeCall(deployment, address(), data)).to.deep.include({
      contract: 'RiskPool',
      function: 'setAccumulationCap',
    });
  });

  it('keeps calldata no ABI decodes raw, flagged', () => {
    const raw = decodeCall(deployment, deployment.oracleHub, '0xdeadbeef0102');
    expect(raw).to.deep.include({
      contract: 'OracleHub',
      decoded: false,
      selector: '0xdeadbeef',
      data: '0xdeadbeef0102',
    });
    expect(raw.args).to.equal(undefined);
    // A known selector with arguments that do not decode is no call of that function either.
    const truncated = encodeCall('OracleHub', 'setConsumer', [address(), true]).slice(0, 40);
    expect(decodeCall(deployment, deployment.oracleHub, truncated).decoded).to.equal(false);
  });

  it('refuses unknown contracts and functions, views, and missing, extra or malformed arguments', () => {
    const problem = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return error instanceof CallEncodingError ? error.code : `not a CallEncodingError: ${String(error)}`;
      }
      return 'nothing thrown';
    };
    expect(problem(() => encodeCall('MockStablecoin', 'mint', []))).to.equal('UNKNOWN_CONTRACT');
    expect(problem(() => encodeCall('OracleHub', 'setQuorum', []))).to.equal('UNKNOWN_FUNCTION');
    expect(problem(() => encodeCall('OracleHub', 'settings', []))).to.equal('READ_ONLY_FUNCTION');
    expect(problem(() => encodeCall('OracleHub', 'setConsumer', { consumer: address() }))).to.equal(
      'INVALID_ARGUMENTS',
    );
    expect(
      problem(() => encodeCall('OracleHub', 'setConsumer', { consumer: address(), allowed: true, extra: 1 })),
    ).to.equal('INVALID_ARGUMENTS');
    expect(problem(() => encodeCall('OracleHub', 'setConsumer', { consumer: 'nobody', allowed: true }))).to.equal(
      'INVALID_ARGUMENTS',
    );
  });
});
