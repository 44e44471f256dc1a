/**
 * Who reads which policies: the client its own, the pool's insurer its whole book, the treaty's reinsurer the
 * policies whose premium was ceded to it, an auditor every policy. ORACLE and ADMIN parties read none (the routes
 * refuse them). Holders are personal data: in clear for the pool's insurer (which collected them) and for the holder
 * itself, masked for everyone else as the records module's masking decides (`seesPersonalData`).
 *
 * The pool's insurer and the treaty's reinsurer are read from the contracts once: both are fixed when the contracts
 * are deployed.
 */
import type { Caller } from '../auth/caller.js';
import type { ApiContext } from '../context.js';
import type { IndexedPolicy, PolicyFilter } from '../../indexer/parametric-types.js';
import { readPoolOwnership, readTreatyParties } from '../../ledger/policy-views.js';
import { seesPersonalData } from '../records/masking.js';

/** What a caller may list: everything, the ceded policies, its own, or nothing. */
export type PolicyScope = { kind: 'all' } | { kind: 'ceded' } | { kind: 'own'; holder: string } | { kind: 'none' };

interface Owners {
  /** The pool's insurer; null when the deployment has no pool. */
  insurer: string | null;
  /** The treaty's reinsurer; null when there is no treaty. */
  reinsurer: string | null;
}

export class PolicyReaders {
  private owners: Promise<Owners> | null = null;

  constructor(private readonly ctx: Pick<ApiContext, 'ledger'>) {}

  /** The pool's insurer and the treaty's reinsurer (read once). */
  poolOwners(): Promise<Owners> {
    this.owners ??= this.readOwners().catch((error: unknown) => {
      this.owners = null;
      throw error;
    });
    return this.owners;
  }

  async scopeOf(caller: Caller): Promise<PolicyScope> {
    const roles = caller.party.roles;
    if (roles.includes('AUDITOR')) return { kind: 'all' };
    const owners = await this.poolOwners();
    if (roles.includes('INSURER') && owners.insurer === caller.account) return { kind: 'all' };
    if (roles.includes('REINSURER') && owners.reinsurer === caller.account) return { kind: 'ceded' };
    if (roles.includes('CLIENT')) return { kind: 'own', holder: caller.account };
    return { kind: 'none' };
  }

  /** The index filter that keeps a listing to `scope`; null when the scope sees nothing. */
  static filterOf(scope: PolicyScope): Pick<PolicyFilter, 'holder' | 'cededOnly'> | null {
    switch (scope.kind) {
      case 'all':
        return {};
      case 'ceded':
        return { cededOnly: true };
      case 'own':
        return { holder: scope.holder };
      case 'none':
        return null;
    }
  }

  static mayRead(scope: PolicyScope, policy: IndexedPolicy): boolean {
    switch (scope.kind) {
      case 'all':
        return true;
      case 'ceded':
        return policy.ceded;
      case 'own':
        return policy.holder === scope.holder;
      case 'none':
        return false;
    }
  }

  /** Whether `caller` sees the holder of `policy` in clear (see the module header). */
  async seesHolder(caller: Caller, policy: IndexedPolicy): Promise<boolean> {
    const { insurer } = await this.poolOwners();
    return seesPersonalData(
      { account: caller.account, roles: caller.party.roles },
      { registrant: insurer ?? policy.product, dataSubjects: [policy.holder] },
    );
  }

  private async readOwners(): Promise<Owners> {
    const { deployment, provider } = this.ctx.ledger;
    const insurer =
      deployment.riskPool === undefined ? null : (await readPoolOwnership(provider, deployment.riskPool)).insurer;
    const reinsurer =
      deployment.reinsuranceTreaty === undefined
        ? null
        : (await readTreatyParties(provider, deployment.reinsuranceTreaty)).reinsurer;
    return { insurer, reinsurer };
  }
}
