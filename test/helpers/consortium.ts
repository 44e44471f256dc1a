import { network } from 'hardhat';
import type { HardhatEthersSigner } from '@nomicfoundation/hardhat-ethers/types';
import { underDualControl as carryThroughDualControl } from '../../services/ledger/governance.js';
import type { ConsortiumAccess } from '../../types/ethers-contracts/index.js';

/** One simulated chain per test file; fixtures snapshot and restore it between tests. */
export const connection = await network.create();
export const { ethers, networkHelpers } = connection;

export const ROLES = {
  INSURER: ethers.id('INSURER_ROLE'),
  REINSURER: ethers.id('REINSURER_ROLE'),
  CLIENT: ethers.id('CLIENT_ROLE'),
  ORACLE: ethers.id('ORACLE_ROLE'),
  AUDITOR: ethers.id('AUDITOR_ROLE'),
  ADMIN: ethers.id('ADMIN_ROLE'),
} as const;

export type RoleName = keyof typeof ROLES;

/** A made-up but well-formed 20-character LEI for each test party. */
function lei(index: number): string {
  return `5493000TESTPARTY${String(index).padStart(4, '0')}`;
}

/** Carries a call through dual control: the first ADMIN proposes and executes, the second approves. */
export async function underDualControl(
  access: ConsortiumAccess,
  admins: readonly [HardhatEthersSigner, HardhatEthersSigner, ...HardhatEthersSigner[]],
  target: string,
  data: string,
): Promise<bigint> {
  return carryThroughDualControl(access, admins[0], admins[1], target, data);
}

/**
 * Three founding ADMINs, and one registered party per other role plus a stranger with no record. The INSURER,
 * REINSURER and CLIENT are also registered in the evidence registry's sense: they can anchor or co-sign.
 */
export async function deployConsortiumFixture() {
  const signers = await ethers.getSigners();
  const signer = (index: number): HardhatEthersSigner => {
    const account = signers[index];
    if (account === undefined) throw new Error(`the test network has no account #${index}`);
    return account;
  };
  const [admin1, admin2, admin3, insurer, reinsurer, client, oracle, auditor, stranger, secondInsurer] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
  ].map(signer) as [
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
  ];
  const admins = [admin1, admin2, admin3] as const;

  const founders = admins.map((admin, index) => ({
    account: admin.address,
    legalName: `Consortium Operator ${index + 1} Ltd`,
    identifier: lei(index + 1),
    encryptionPublicKey: ethers.hexlify(ethers.randomBytes(32)),
  }));
  const access = await ethers.deployContract('ConsortiumAccess', [founders]);
  const registry = await ethers.deployContract('EvidenceRegistry', [await access.getAddress()]);

  const members: [HardhatEthersSigner, string, RoleName][] = [
    [insurer, 'Harbour Mutual Insurance plc', 'INSURER'],
    [reinsurer, 'Northern Re AG', 'REINSURER'],
    [client, 'Acme Travel GmbH', 'CLIENT'],
    [oracle, 'Independent Data Oracle BV', 'ORACLE'],
    [auditor, 'Prudential Supervisor', 'AUDITOR'],
    [secondInsurer, 'Second Insurance SA', 'INSURER'],
  ];
  for (const [index, [member, legalName, role]] of members.entries()) {
    await (
      await access
        .connect(admin1)
        .registerParty(member.address, legalName, lei(10 + index), ethers.hexlify(ethers.randomBytes(32)))
    ).wait();
    await underDualControl(
      access,
      admins,
      await access.getAddress(),
      access.interface.encodeFunctionData('grantRole', [ROLES[role], member.address]),
    );
  }

  return {
    access,
    registry,
    admins,
    admin1,
    admin2,
    admin3,
    insurer,
    reinsurer,
    client,
    oracle,
    auditor,
    stranger,
    secondInsurer,
  };
}

/** A document as the API would anchor it: SHA-256 of its bytes, a CID-like pointer, the three co-signers. */
export function policyDocument(
  text: string,
  requiredSigners: string[] = [],
  overrides: Partial<{ termsHash: string; documentType: number; retentionClass: number; policyRef: string }> = {},
) {
  const bytes = ethers.toUtf8Bytes(text);
  return {
    bytes,
    input: {
      documentHash: ethers.sha256(bytes),
      termsHash: overrides.termsHash ?? ethers.ZeroHash,
      documentType: overrides.documentType ?? 0,
      retentionClass: overrides.retentionClass ?? 2,
      policyRef: overrides.policyRef ?? 'PL-2026-000123',
      storagePointer: 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi',
      requiredSigners,
    },
  };
}
