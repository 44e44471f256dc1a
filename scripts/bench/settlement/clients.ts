import { Wallet } from 'ethers';
import type { ParametricLedger } from './deploy.js';

/** Ether each client gets for the gas of its one transaction (the premium approval). */
const CLIENT_GAS_MONEY = 10n ** 17n;

/** Gas limit of the setup transactions sent without an estimate (each needs well under a tenth of it). */
const SETUP_GAS_LIMIT = 1_000_000n;

/**
 * `count` clients, each a new key derived from `label` and its index (the same every run), registered as an active
 * CLIENT under dual control, holding exactly `premium` in stablecoin and having approved the pool for exactly that:
 * after paying its premium a client's balance is zero, so its payout is written to an empty balance.
 */
export async function onboardClients(
  ledger: ParametricLedger,
  label: string,
  count: number,
  premium: bigint,
): Promise<Wallet[]> {
  const { ethers, access, admins, stablecoin, pool } = ledger;
  const accessAddress = await access.getAddress();
  const poolAddress = await pool.getAddress();
  const clientRole = await access.CLIENT_ROLE();
  const { maxFeePerGas, maxPriorityFeePerGas } = await ethers.provider.getFeeData();
  const fees = { maxFeePerGas: maxFeePerGas ?? undefined, maxPriorityFeePerGas: maxPriorityFeePerGas ?? undefined };

  const [proposer, approver] = admins;
  let proposals = await access.proposalCount();

  const clients: Wallet[] = [];
  for (let index = 0; index < count; index++) {
    const client = new Wallet(ethers.id(`policyledger bench ${label} client ${index}`), ethers.provider);
    const sequence = String(index).padStart(6, '0');
    await access
      .connect(proposer)
      .registerParty(
        client.address,
        `Traveller ${label} ${sequence}`,
        `5493000BENCHCL${sequence}`,
        ethers.keccak256(ethers.toUtf8Bytes(`encryption key of ${client.address}`)),
        { gasLimit: SETUP_GAS_LIMIT },
      );
    // Dual control, as `underDualControl` does it, with fixed gas limits (no estimates: setup is what takes time).
    const grant = access.interface.encodeFunctionData('grantRole', [clientRole, client.address]);
    await access.connect(proposer).propose(accessAddress, grant, { gasLimit: SETUP_GAS_LIMIT });
    const proposalId = ++proposals;
    await access.connect(approver).approve(proposalId, { gasLimit: SETUP_GAS_LIMIT });
    await access.connect(proposer).execute(proposalId, { gasLimit: SETUP_GAS_LIMIT });
    await ethers.provider.send('hardhat_setBalance', [client.address, ethers.toQuantity(CLIENT_GAS_MONEY)]);
    await stablecoin.mint(client.address, premium, { gasLimit: SETUP_GAS_LIMIT });
    await stablecoin
      .connect(client)
      .approve(poolAddress, premium, { gasLimit: SETUP_GAS_LIMIT, nonce: 0, ...fees, type: 2 });
    clients.push(client);
  }
  return clients;
}
