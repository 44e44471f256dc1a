/**
 * The oracle set, as dual control changes it: an oracle is an active party holding the ORACLE role, so rotating one
 * is granting the role to the new party and revoking it from the old one — two proposals, since a proposal makes one
 * call. The hub needs `quorum` agreeing reports, so a rotation must leave at least that many active oracles.
 */
import { getAddress } from 'ethers';
import { ConsortiumAccess__factory, OracleHub__factory } from '../../types/ethers-contracts/index.js';
import type { LedgerClient } from './client.js';
import type { CallRequest } from './consortium-transactions.js';
import type { Deployment } from './deploy.js';
import { roleId } from './parties.js';

/** The active ORACLE parties now, and the hub's quorum. */
export async function oracleSet(client: LedgerClient): Promise<{ active: string[]; quorum: number }> {
  const access = ConsortiumAccess__factory.connect(client.deployment.consortiumAccess, client.provider);
  const role = roleId('ORACLE');
  const [members, settings] = await Promise.all([
    access.getRoleMemberCount(role),
    OracleHub__factory.connect(client.deployment.oracleHub, client.provider).settings(),
  ]);
  const accounts = await Promise.all(
    Array.from({ length: Number(members) }, (_, index) => access.getRoleMember(role, index)),
  );
  const active = await Promise.all(accounts.map((account) => access.hasActiveRole(role, account)));
  return {
    active: accounts.filter((_, index) => active[index]).map((account) => getAddress(account)),
    quorum: Number(settings.quorum),
  };
}

/** The consortium call a proposal makes to grant or revoke the ORACLE role of `account`. */
export function oracleRoleCall(deployment: Deployment, change: 'grant' | 'revoke', account: string): CallRequest {
  const iface = ConsortiumAccess__factory.createInterface();
  const role = roleId('ORACLE');
  const data =
    change === 'grant'
      ? iface.encodeFunctionData('grantRole', [role, account])
      : iface.encodeFunctionData('revokeRole', [role, account]);
  return { to: deployment.consortiumAccess, data };
}
