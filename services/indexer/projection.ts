/**
 * How each event changes the query tables: a list of statements, written in the transaction of its range after the
 * event itself. Events arrive in chain order, so a supersession finds its new version already inserted (the registry
 * emits `DocumentAnchored` before `DocumentSuperseded`) and a `TermsCoSigned` its `DocumentCoSigned`.
 */
import { foldParametric, poolPolicyIdOf } from './parametric-projection.js';
import type { ChainEvent } from './types.js';
import type { SqlValue } from './sql.js';

export interface Statement {
  sql: string;
  params: SqlValue[];
}

const statement = (sql: string, ...params: SqlValue[]): Statement => ({ sql, params });

/** Seconds since the epoch of an ISO block time. */
export function unixOf(isoTime: string): number {
  return Math.floor(Date.parse(isoTime) / 1000);
}

/**
 * The statements that record `event` and fold it into the query tables. What the event is about is recorded beside
 * it, for filtered reads; a pool or treaty event's policy is looked up from the pool's policy id.
 */
export function projectEvent(event: ChainEvent): Statement[] {
  const recorded = statement(
    `INSERT INTO chain_events (block_number, log_index, id, block_time, transaction_hash, contract, name, args,
       policy_id, feed_id, document_hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, COALESCE(?, (SELECT policy_key FROM chain_policies WHERE policy_id = ?)), ?, ?)`,
    event.blockNumber,
    event.logIndex,
    event.id,
    event.blockTime,
    event.transactionHash,
    event.contract,
    event.name,
    JSON.stringify(event.args),
    event.about?.policyId ?? null,
    poolPolicyIdOf(event),
    event.about?.feedId ?? null,
    event.about?.documentHash ?? null,
  );
  return [recorded, ...foldEvent(event)];
}

function foldEvent(event: ChainEvent): Statement[] {
  const at = (block: ChainEvent) => [block.blockNumber, block.logIndex] as const;
  switch (event.name) {
    case 'DocumentAnchored': {
      const a = event.args;
      return [
        statement(
          `INSERT INTO chain_documents (document_hash, registrant, terms_hash, document_type, retention_class, policy_ref,
             storage_pointer, required_signers, anchored_at, anchored_at_unix, block_number, transaction_hash, log_index,
             status, version, chain_root, previous_hash, superseded_by, revoked_at, revoked_by, revocation_reason,
             signature_count)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'current', 1, ?, NULL, NULL, NULL, NULL, NULL, 0)`,
          a.documentHash,
          a.registrant,
          a.termsHash,
          a.documentType,
          a.retentionClass,
          a.policyRef,
          a.storagePointer,
          JSON.stringify(a.requiredSigners),
          event.blockTime,
          unixOf(event.blockTime),
          event.blockNumber,
          event.transactionHash,
          event.logIndex,
          a.documentHash,
        ),
        ...a.requiredSigners.map((signer, position) =>
          statement(
            'INSERT INTO chain_document_signers (document_hash, signer, position) VALUES (?, ?, ?)',
            a.documentHash,
            signer,
            position,
          ),
        ),
      ];
    }
    case 'DocumentSuperseded': {
      const a = event.args;
      return [
        statement(
          `UPDATE chain_documents SET status = 'superseded', superseded_by = ? WHERE document_hash = ?`,
          a.documentHash,
          a.previousHash,
        ),
        statement(
          'UPDATE chain_documents SET chain_root = ?, version = ?, previous_hash = ? WHERE document_hash = ?',
          a.chainRoot,
          a.version,
          a.previousHash,
          a.documentHash,
        ),
      ];
    }
    case 'DocumentCoSigned': {
      const a = event.args;
      return [
        statement(
          `INSERT INTO chain_cosignatures (document_hash, signer, signed_at, block_number, log_index, transaction_hash,
             terms_type, nonce, deadline, signature)
           VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)`,
          a.documentHash,
          a.signer,
          event.blockTime,
          ...at(event),
          event.transactionHash,
          a.nonce,
          a.deadline,
          a.signature,
        ),
        statement(
          'UPDATE chain_documents SET signature_count = ? WHERE document_hash = ?',
          a.signatureCount,
          a.documentHash,
        ),
      ];
    }
    case 'TermsCoSigned':
      return [
        statement(
          'UPDATE chain_cosignatures SET terms_type = ? WHERE document_hash = ? AND signer = ?',
          event.args.termsType,
          event.args.documentHash,
          event.args.signer,
        ),
      ];
    case 'DocumentRevoked':
      return [
        statement(
          `UPDATE chain_documents SET status = 'revoked', revoked_at = ?, revoked_by = ?, revocation_reason = ?
           WHERE document_hash = ?`,
          event.blockTime,
          event.args.revokedBy,
          event.args.reason,
          event.args.documentHash,
        ),
      ];
    case 'BatchAnchored': {
      const a = event.args;
      return [
        statement(
          `INSERT INTO chain_batches (merkle_root, registrant, document_count, storage_pointer, anchored_at, block_number,
             transaction_hash, log_index)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          a.merkleRoot,
          a.registrant,
          a.documentCount,
          a.storagePointer,
          event.blockTime,
          event.blockNumber,
          event.transactionHash,
          event.logIndex,
        ),
      ];
    }
    case 'PartyRegistered': {
      const a = event.args;
      return [
        statement(
          `INSERT INTO chain_parties (account, legal_name, identifier, encryption_public_key, registered_at,
             registered_block, onboarded_by)
           VALUES (?, ?, ?, ?, ?, ?, NULL)`,
          a.account,
          a.legalName,
          a.identifier,
          a.encryptionPublicKey,
          event.blockTime,
          event.blockNumber,
        ),
        history(event, a.account, 'registered', null, 1),
      ];
    }
    case 'ClientOnboarded':
      return [
        statement(
          'UPDATE chain_parties SET onboarded_by = ? WHERE account = ?',
          event.args.insurer,
          event.args.account,
        ),
      ];
    case 'PartyEncryptionKeyChanged':
      return [
        statement(
          'UPDATE chain_parties SET encryption_public_key = ? WHERE account = ?',
          event.args.encryptionPublicKey,
          event.args.account,
        ),
      ];
    case 'PartyActiveChanged':
      return [history(event, event.args.account, 'active', null, event.args.active ? 1 : 0)];
    case 'RoleGranted':
      return [history(event, event.args.account, 'role', event.args.roleId, 1)];
    case 'RoleRevoked':
      return [history(event, event.args.account, 'role', event.args.roleId, 0)];
    default:
      return foldParametric(event);
  }
}

function history(
  event: ChainEvent,
  account: string,
  change: 'registered' | 'active' | 'role',
  roleId: string | null,
  value: 0 | 1,
): Statement {
  return statement(
    `INSERT INTO chain_party_history (account, block_number, log_index, change, role_id, value)
     VALUES (?, ?, ?, ?, ?, ?)`,
    account,
    event.blockNumber,
    event.logIndex,
    change,
    roleId,
    value,
  );
}
