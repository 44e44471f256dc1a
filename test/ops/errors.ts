import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ZeroHash } from 'ethers';
import { describeError } from '../../services/ledger/describe-error.js';
import { anchorDocument } from '../../services/ledger/documents.js';
import { EvidenceRegistry__factory } from '../../types/ethers-contracts/index.js';
import { startTestLedger, type TestLedger } from '../helpers/api-chain.js';

const AUDIT = fileURLToPath(new URL('../../scripts/audit-treaty.ts', import.meta.url));
const INSURER = 2;

/** Runs `npm run audit:treaty` (without the build); resolves with its exit code and standard error. */
function audit(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', AUDIT, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
}

/** The longest run of hex digits after a 0x in `text`. */
function longestHex(text: string): number {
  return Math.max(0, ...[...text.matchAll(/0x[0-9a-fA-F]*/g)].map((match) => match[0].length - 2));
}

describe('contract errors printed by the commands', function () {
  this.timeout(60_000);
  let ledger: TestLedger;
  const documentHash = `0x${'ab'.repeat(32)}`;
  const input = {
    documentHash,
    documentType: 'Policy' as const,
    retentionClass: 1,
    policyRef: 'OPS-ERR-1',
    storagePointer: '',
    requiredSigners: [],
  };

  before(async function () {
    this.timeout(120_000);
    ledger = await startTestLedger();
  });

  after(async () => {
    await ledger?.stop();
  });

  it('prints a revert from a ledger action as ErrorName(args)', async () => {
    const client = { ...ledger, signer: ledger.parties[INSURER]!.signer };
    const error = await anchorDocument(client, input).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(describeError(error)).to.equal(
      `anchorDocument reverted: EvidenceRegistryMissingStoragePointer(${documentHash})`,
    );
  });

  it('decodes the revert data of a call ethers could not decode, without its hex', async () => {
    const registry = EvidenceRegistry__factory.connect(ledger.deployment.evidenceRegistry, ledger.provider);
    const call = {
      from: ledger.parties[INSURER]!.wallet.address,
      to: ledger.deployment.evidenceRegistry,
      data: registry.interface.encodeFunctionData('anchor', [{ ...input, termsHash: ZeroHash, documentType: 0 }]),
    };
    const error = await ledger.provider.call(call).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    // What ethers itself says, without the contract's ABI, carries the call's data and the revert data as hex.
    expect(longestHex(String((error as Error).message))).to.be.above(72);
    const line = describeError(error);
    expect(line).to.equal(`the contract reverted: EvidenceRegistryMissingStoragePointer(${documentHash})`);
  });

  it('shortens any long hex an error carries', () => {
    const line = describeError(new Error(`call failed with data=0x${'00'.repeat(4096)}`));
    expect(line).to.equal('call failed with data=0x0000000000000000…(4096 bytes)');
  });

  it('audit:treaty says in one short line that a call reverted, without hex', async () => {
    const run = await audit(['--treaty', ledger.deployment.evidenceRegistry, '--rpc', ledger.rpcUrl]);
    expect(run.code).to.equal(2);
    const lines = run.stderr
      .split('\n')
      .filter((line) => line !== '' && !/ExperimentalWarning|trace-warnings/.test(line));
    expect(lines).to.deep.equal(['eth_call: execution reverted']);
    expect(longestHex(run.stderr)).to.be.below(72);
  });
});
