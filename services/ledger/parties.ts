import { getAddress, hexlify, id } from 'ethers';
import { sharedContracts, type LedgerClient } from './client.js';

/** The consortium roles, by the name `ConsortiumAccess` hashes into each role id. */
export const PARTY_ROLES = ['ADMIN', 'INSURER', 'REINSURER', 'CLIENT', 'ORACLE', 'AUDITOR'] as const;
export type PartyRole = (typeof PARTY_ROLES)[number];

/** The role id `ConsortiumAccess` uses for `role` (`keccak256("<ROLE>_ROLE")`). */
export function roleId(role: PartyRole): string {
  return id(`${role}_ROLE`);
}

/** What the chain says about an account: whether it is a registered, active party, and its active roles. */
export interface PartyRecord {
  account: string;
  registered: boolean;
  active: boolean;
  legalName: string;
  identifier: string;
  /** Hex of the registered encryption public key ('0x' when none). */
  encryptionPublicKey: string;
  /** Roles the account holds while active; empty for an inactive or unknown account. */
  roles: PartyRole[];
}

/**
 * Reads `account`'s party record and active roles from `ConsortiumAccess`, at `blockTag` when given (the latest block
 * otherwise). Authorisation always comes from here, never from what a caller claims.
 */
export async function readParty(
  client: LedgerClient,
  account: string,
  blockTag?: number | string,
): Promise<PartyRecord> {
  const { access } = sharedContracts(client, client.provider);
  const overrides = blockTag === undefined ? {} : { blockTag };
  const party = await access.getParty(account, overrides);
  const registered = party.account !== '0x0000000000000000000000000000000000000000';
  const held = await Promise.all(
    PARTY_ROLES.map(async (role) => ((await access.hasActiveRole(roleId(role), account, overrides)) ? role : null)),
  );
  return {
    account: getAddress(account),
    registered,
    active: registered && party.active,
    legalName: party.legalName,
    identifier: party.identifier,
    encryptionPublicKey: hexlify(party.encryptionPublicKey),
    roles: held.filter((role): role is PartyRole => role !== null),
  };
}
