import type { HardhatEthers, HardhatEthersSigner } from '@nomicfoundation/hardhat-ethers/types';
import type { ConsortiumAccess, EvidenceRegistry } from '../../types/ethers-contracts/index.js';
import { underDualControl as carryThroughDualControl } from '../../services/ledger/governance.js';

/** The two founding ADMINs that carry every governed change through dual control. */
export type DualControlAdmins = readonly [proposer: HardhatEthersSigner, approver: HardhatEthersSigner];

/** A deployed consortium with the three parties of a policy: the insurer, its reinsurer and the client. */
export interface BenchConsortium {
  access: ConsortiumAccess;
  registry: EvidenceRegistry;
  admins: DualControlAdmins;
  insurer: HardhatEthersSigner;
  reinsurer: HardhatEthersSigner;
  client: HardhatEthersSigner;
}

/** A well-formed 20-character LEI-like identifier; the parties are fictitious. */
function legalEntityIdentifier(index: number): string {
  return `5493000BENCHPARTY${String(index).padStart(3, '0')}`;
}

/** Executes `data` on `target` through dual control: the first ADMIN proposes and executes, the second approves. */
export async function underDualControl(
  access: ConsortiumAccess,
  [proposer, approver]: DualControlAdmins,
  target: string,
  data: string,
): Promise<void> {
  await carryThroughDualControl(access, proposer, approver, target, data);
}

/**
 * Deploys `ConsortiumAccess` with two founding ADMINs and the `EvidenceRegistry` it governs, then registers an
 * insurer, a reinsurer and a client and grants their roles under dual control, as the consortium would.
 */
export async function deployBenchConsortium(ethers: HardhatEthers): Promise<BenchConsortium> {
  const accounts = await ethers.getSigners();
  const account = (index: number): HardhatEthersSigner => {
    const signer = accounts[index];
    if (signer === undefined) throw new Error(`the simulated network has no account #${index}`);
    return signer;
  };
  const admins: DualControlAdmins = [account(0), account(1)];
  const [insurer, reinsurer, client] = [account(2), account(3), account(4)];

  const founders = admins.map((admin, index) => ({
    account: admin.address,
    legalName: `Consortium Operator ${index + 1} Ltd`,
    identifier: legalEntityIdentifier(index + 1),
    encryptionPublicKey: ethers.hexlify(ethers.randomBytes(32)),
  }));
  const access = await ethers.deployContract('ConsortiumAccess', [founders]);
  const accessAddress = await access.getAddress();
  const registry = await ethers.deployContract('EvidenceRegistry', [accessAddress]);

  const members: [HardhatEthersSigner, string, string][] = [
    [insurer, 'Harbour Mutual Insurance plc', await access.INSURER_ROLE()],
    [reinsurer, 'Northern Re AG', await access.REINSURER_ROLE()],
    [client, 'Acme Logistics GmbH', await access.CLIENT_ROLE()],
  ];
  for (const [index, [member, legalName, role]] of members.entries()) {
    await (
      await access
        .connect(admins[0])
        .registerParty(
          member.address,
          legalName,
          legalEntityIdentifier(10 + index),
          ethers.hexlify(ethers.randomBytes(32)),
        )
    ).wait();
    await underDualControl(
      access,
      admins,
      accessAddress,
      access.interface.encodeFunctionData('grantRole', [role, member.address]),
    );
  }

  return { access, registry, admins, insurer, reinsurer, client };
}
