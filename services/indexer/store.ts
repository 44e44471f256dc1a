/** The chain index over either SQL backend: the same queries, so both give the same answers. */
import { getAddress, ZeroHash } from 'ethers';
import { PARTY_ROLES, roleId } from '../ledger/parties.js';
import { projectEvent, unixOf } from './projection.js';
import { CHAIN_INDEX_SCHEMA, SCHEMA_VERSION } from './schema.js';
import { numberOf, textOrNull, type SqlDriver, type SqlRow, type SqlValue } from './sql.js';
import {
  allPolicies,
  cessions,
  eventsNamed,
  feedReports,
  feedsByAccumulationKey,
  filteredEvents,
  listPolicies,
  policyByKey,
  policyEvents,
  policyFeeds,
  settlements,
} from './parametric-store.js';
import type {
  EventFilter,
  IndexedCession,
  IndexedFeed,
  IndexedFeedReport,
  IndexedPolicy,
  IndexedSettlement,
  PolicyFilter,
} from './parametric-types.js';
import {
  IndexDeploymentMismatchError,
  IndexRangeGapError,
  InvalidCursorError,
  InvalidEventIdError,
  InvalidFilterError,
  type BatchManifestMember,
  type ChainEvent,
  type ChainEventName,
  type ChainIndex,
  type DocumentFilter,
  type DocumentPage,
  type DocumentStatusName,
  type DocumentTypeName,
  type IndexedBatch,
  type IndexedCoSignature,
  type IndexedDeployment,
  type IndexedDocument,
  type IndexedParty,
  type IndexedRange,
  type PartyStanding,
  type RevocationReasonName,
  type TermsTypeName,
} from './types.js';

/** The columns a listing reads, for single anchors. */
const SINGLE_DOCUMENTS = `SELECT document_hash, registrant, terms_hash, document_type, retention_class, policy_ref,
  storage_pointer, required_signers, anchored_at, anchored_at_unix, block_number, transaction_hash, log_index, status,
  version, chain_root, previous_hash, superseded_by, revoked_at, revoked_by, revocation_reason, signature_count,
  CAST(NULL AS TEXT) AS merkle_root, 0 AS batch_position
  FROM chain_documents`;

/**
 * The same columns for batch members: current, version 1, no terms, signers or revocation (a batch root records none
 * and a member cannot be superseded or revoked). A hash also anchored singly is listed as its single anchor only.
 */
const BATCH_MEMBERS = `SELECT m.document_hash, m.registrant, '${ZeroHash}' AS terms_hash, m.document_type, m.retention_class,
  m.policy_ref, m.storage_pointer, '[]' AS required_signers, m.anchored_at, m.anchored_at_unix, m.block_number,
  m.transaction_hash, m.log_index, 'current' AS status, 1 AS version, m.document_hash AS chain_root,
  CAST(NULL AS TEXT) AS previous_hash, CAST(NULL AS TEXT) AS superseded_by, CAST(NULL AS TEXT) AS revoked_at,
  CAST(NULL AS TEXT) AS revoked_by, CAST(NULL AS TEXT) AS revocation_reason, 0 AS signature_count, m.merkle_root,
  m.position AS batch_position
  FROM chain_batch_members m
  WHERE NOT EXISTS (SELECT 1 FROM chain_documents s WHERE s.document_hash = m.document_hash)`;

/** The largest page `listDocuments` returns, whatever the caller asks. */
export const MAX_PAGE_SIZE = 500;

/** A hash as the index stores it (lowercase hex). */
const hashKey = (hash: string) => hash.toLowerCase();
/** An address as the index stores it (checksummed), accepting any case. */
const addressKey = (address: string) => getAddress(address.toLowerCase());

export class SqlChainIndex implements ChainIndex {
  readonly description: string;

  private constructor(private readonly db: SqlDriver) {
    this.description = db.description;
  }

  /** Opens the index on `db`, creating its tables; refuses an index written by another schema version. */
  static async open(db: SqlDriver): Promise<SqlChainIndex> {
    try {
      // Checked before the script runs: an older index's tables lack columns the script's indexes name.
      const recorded = await recordedSchemaVersion(db);
      if (recorded !== undefined && recorded !== SCHEMA_VERSION) {
        throw new Error(
          `the chain index in ${db.description} has schema version ${recorded}, this code ` +
            `${SCHEMA_VERSION}: rebuild it (npm run index:rebuild)`,
        );
      }
      await db.exec(CHAIN_INDEX_SCHEMA);
      return new SqlChainIndex(db);
    } catch (error) {
      await db.close();
      throw error;
    }
  }

  async headBlock(): Promise<number | null> {
    return headOf(await this.db.all("SELECT value FROM chain_meta WHERE key = 'head_block'"));
  }

  async headTime(): Promise<string | null> {
    const [row] = await this.db.all("SELECT value FROM chain_meta WHERE key = 'head_time'");
    return row === undefined ? null : String(row.value);
  }

  async hubSettings(): Promise<{ quorum: number; disputeWindow: number } | null> {
    const [row] = await this.db.all("SELECT value FROM chain_meta WHERE key = 'hub_settings'");
    return row === undefined ? null : (JSON.parse(String(row.value)) as { quorum: number; disputeWindow: number });
  }

  async deployment(): Promise<IndexedDeployment | null> {
    const [row] = await this.db.all("SELECT value FROM chain_meta WHERE key = 'deployment'");
    return row === undefined ? null : (JSON.parse(String(row.value)) as IndexedDeployment);
  }

  async bindDeployment(deployment: IndexedDeployment): Promise<void> {
    await this.db.transaction(async (tx) => {
      const [row] = await tx.all(`SELECT value FROM chain_meta WHERE key = 'deployment'${this.db.dialect.forUpdate}`);
      if (row === undefined) {
        await tx.run("INSERT INTO chain_meta (key, value) VALUES ('deployment', ?)", [JSON.stringify(deployment)]);
        return;
      }
      const indexed = JSON.parse(String(row.value)) as IndexedDeployment;
      if (
        indexed.chainId !== deployment.chainId ||
        indexed.evidenceRegistry !== deployment.evidenceRegistry ||
        indexed.consortiumAccess !== deployment.consortiumAccess
      ) {
        throw new IndexDeploymentMismatchError(indexed, deployment);
      }
    });
  }

  async applyRange(range: IndexedRange): Promise<void> {
    await this.db.transaction(async (tx) => {
      // The head row is locked for the transaction, so two indexers writing one PostgreSQL index cannot interleave.
      const head = headOf(
        await tx.all(`SELECT value FROM chain_meta WHERE key = 'head_block'${this.db.dialect.forUpdate}`),
      );
      const [bound] = await tx.all("SELECT value FROM chain_meta WHERE key = 'deployment'");
      const deployment = bound === undefined ? null : (JSON.parse(String(bound.value)) as IndexedDeployment);
      const expected = head === null ? (deployment?.startBlock ?? range.fromBlock) : head + 1;
      if (range.fromBlock !== expected || range.toBlock < range.fromBlock) {
        throw new IndexRangeGapError(head, range.fromBlock);
      }
      for (const event of range.events) {
        for (const { sql, params } of projectEvent(event)) await tx.run(sql, params);
      }
      await tx.run("UPDATE chain_meta SET value = ? WHERE key = 'head_block'", [String(range.toBlock)]);
      if (range.toBlockTime !== undefined) {
        await tx.run(
          `INSERT INTO chain_meta (key, value) VALUES ('head_time', ?)
           ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
          [range.toBlockTime],
        );
      }
    });
  }

  async document(documentHash: string): Promise<IndexedDocument | null> {
    const [row] = await this.db.all('SELECT * FROM chain_documents WHERE document_hash = ?', [hashKey(documentHash)]);
    return row === undefined ? null : documentOf(row);
  }

  async coSignatures(documentHash: string): Promise<IndexedCoSignature[]> {
    const rows = await this.db.all(
      'SELECT * FROM chain_cosignatures WHERE document_hash = ? ORDER BY block_number, log_index',
      [hashKey(documentHash)],
    );
    return rows.map(coSignatureOf);
  }

  async versionChain(chainRoot: string): Promise<IndexedDocument[]> {
    const rows = await this.db.all('SELECT * FROM chain_documents WHERE chain_root = ? ORDER BY version', [
      hashKey(chainRoot),
    ]);
    return rows.map(documentOf);
  }

  async batchMember(documentHash: string): Promise<IndexedDocument | null> {
    const [row] = await this.db.all(`SELECT * FROM (${BATCH_MEMBERS}) m WHERE m.document_hash = ?`, [
      hashKey(documentHash),
    ]);
    return row === undefined ? null : documentOf(row);
  }

  async unlistedBatches(now: number, limit: number): Promise<IndexedBatch[]> {
    const rows = await this.db.all(
      `SELECT * FROM chain_batches WHERE members_state = 'pending' AND members_retry_at <= ?
       ORDER BY block_number, log_index LIMIT ?`,
      [now, Math.max(1, Math.floor(limit))],
    );
    return rows.map(batchOf);
  }

  async listBatchMembers(merkleRoot: string, members: BatchManifestMember[] | null): Promise<void> {
    await this.db.transaction(async (tx) => {
      const [row] = await tx.all(
        `SELECT * FROM chain_batches WHERE merkle_root = ? AND members_state = 'pending'${this.db.dialect.forUpdate}`,
        [hashKey(merkleRoot)],
      );
      if (row === undefined) return;
      const batch = batchOf(row);
      for (const [position, member] of (members ?? []).entries()) {
        await tx.run(
          `INSERT INTO chain_batch_members (document_hash, merkle_root, position, registrant, document_type,
             retention_class, policy_ref, storage_pointer, anchored_at, anchored_at_unix, block_number, transaction_hash,
             log_index)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (document_hash) DO NOTHING`,
          [
            hashKey(member.documentHash),
            batch.merkleRoot,
            position,
            batch.registrant,
            member.documentType,
            member.retentionClass,
            member.policyRef,
            member.storagePointer,
            batch.anchoredAt,
            unixOf(batch.anchoredAt),
            batch.blockNumber,
            batch.transactionHash,
            batch.logIndex,
          ],
        );
      }
      await tx.run('UPDATE chain_batches SET members_state = ? WHERE merkle_root = ?', [
        members === null ? 'invalid' : 'listed',
        batch.merkleRoot,
      ]);
    });
  }

  async deferBatch(merkleRoot: string, retryAt: number): Promise<void> {
    await this.db.run('UPDATE chain_batches SET members_retry_at = ? WHERE merkle_root = ?', [
      Math.floor(retryAt),
      hashKey(merkleRoot),
    ]);
  }

  async listDocuments(
    filter: DocumentFilter,
    page: DocumentPage,
  ): Promise<{ items: IndexedDocument[]; nextCursor: string | null }> {
    const order = page.order ?? 'asc';
    const limit = Math.max(1, Math.min(MAX_PAGE_SIZE, Math.floor(page.limit)));
    const conditions: string[] = [];
    const params: SqlValue[] = [];
    const where = (condition: string, ...values: SqlValue[]) => {
      conditions.push(condition);
      params.push(...values);
    };
    if (filter.registrant !== undefined) where('d.registrant = ?', addressKey(filter.registrant));
    if (filter.requiredSigner !== undefined) where(signerCondition(), addressKey(filter.requiredSigner));
    if (filter.policyRef !== undefined) where('d.policy_ref = ?', filter.policyRef);
    if (filter.documentType !== undefined) where('d.document_type = ?', filter.documentType);
    if (filter.status !== undefined) where('d.status = ?', filter.status);
    if (filter.anchoredFrom !== undefined)
      where('d.anchored_at_unix >= ?', timeBound('anchoredFrom', filter.anchoredFrom));
    if (filter.anchoredTo !== undefined) where('d.anchored_at_unix <= ?', timeBound('anchoredTo', filter.anchoredTo));
    if (filter.visibleTo !== undefined) {
      const account = addressKey(filter.visibleTo.account);
      where(
        `(d.registrant = ? OR ${signerCondition()} OR ${this.db.dialect.inJsonArray('d.document_hash')})`,
        account,
        account,
        JSON.stringify(filter.visibleTo.alsoHashes.map(hashKey)),
      );
    }
    if (page.cursor !== undefined) {
      const after = decodeCursor(page.cursor, order);
      where(
        `(d.block_number, d.log_index, d.batch_position) ${order === 'asc' ? '>' : '<'} (?, ?, ?)`,
        after.blockNumber,
        after.logIndex,
        after.position,
      );
    }
    const direction = order === 'asc' ? 'ASC' : 'DESC';
    // Single anchors and batch members in one order: chain order, then position in the batch.
    const rows = await this.db.all(
      `SELECT d.* FROM (${SINGLE_DOCUMENTS} UNION ALL ${BATCH_MEMBERS}) d
       ${conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`}
       ORDER BY d.block_number ${direction}, d.log_index ${direction}, d.batch_position ${direction}
       LIMIT ?`,
      [...params, limit + 1],
    );
    const items = rows.slice(0, limit).map(documentOf);
    const last = items.at(-1);
    const nextCursor = rows.length > limit && last !== undefined ? encodeCursor(last, order) : null;
    return { items, nextCursor };
  }

  async batch(merkleRoot: string): Promise<IndexedBatch | null> {
    const [row] = await this.db.all('SELECT * FROM chain_batches WHERE merkle_root = ?', [hashKey(merkleRoot)]);
    return row === undefined ? null : batchOf(row);
  }

  async partyAt(account: string, blockNumber: number): Promise<PartyStanding> {
    const rows = await this.db.all(
      `SELECT change, role_id, value FROM chain_party_history WHERE account = ? AND block_number <= ?
       ORDER BY block_number, log_index`,
      [addressKey(account), blockNumber],
    );
    let registered = false;
    let active = false;
    const held = new Set<string>();
    for (const row of rows) {
      const on = numberOf(row.value) === 1;
      if (row.change === 'registered') {
        registered = true;
        active = true;
      } else if (row.change === 'active') {
        active = on;
      } else if (on) {
        held.add(String(row.role_id));
      } else {
        held.delete(String(row.role_id));
      }
    }
    // As `hasActiveRole`: roles count only while the party is active.
    const roles = registered && active ? PARTY_ROLES.filter((role) => held.has(roleId(role))) : [];
    return { registered, active: registered && active, roles };
  }

  async party(account: string): Promise<IndexedParty | null> {
    const key = addressKey(account);
    const [row] = await this.db.all('SELECT * FROM chain_parties WHERE account = ?', [key]);
    const head = await this.headBlock();
    if (row === undefined || head === null) return null;
    return {
      account: key,
      ...(await this.partyAt(key, head)),
      legalName: String(row.legal_name),
      identifier: String(row.identifier),
      encryptionPublicKey: String(row.encryption_public_key),
      registeredAt: String(row.registered_at),
      registeredBlock: numberOf(row.registered_block),
      onboardedBy: textOrNull(row.onboarded_by),
    };
  }

  events(sinceId: string | undefined, limit: number): Promise<ChainEvent[]>;
  events(filter: EventFilter): Promise<ChainEvent[]>;
  events(sinceOrFilter: string | undefined | EventFilter, limit?: number): Promise<ChainEvent[]> {
    const filter: EventFilter =
      typeof sinceOrFilter === 'object'
        ? sinceOrFilter
        : { ...(sinceOrFilter === undefined ? {} : { sinceId: sinceOrFilter }), limit: limit ?? MAX_PAGE_SIZE };
    return filteredEvents(this.db, filter, parseEventId);
  }

  policy(id: string): Promise<IndexedPolicy | null> {
    return policyByKey(this.db, id);
  }

  listPolicies(
    filter: PolicyFilter,
    page: { cursor?: string; limit: number },
  ): Promise<{ items: IndexedPolicy[]; nextCursor: string | null }> {
    return listPolicies(this.db, filter, page);
  }

  policyFeeds(id: string): Promise<IndexedFeed[]> {
    return policyFeeds(this.db, id);
  }

  feedReports(feedIds: string[]): Promise<IndexedFeedReport[]> {
    return feedReports(this.db, feedIds);
  }

  policyEvents(id: string): Promise<ChainEvent[]> {
    return policyEvents(this.db, id);
  }

  allPolicies(): Promise<IndexedPolicy[]> {
    return allPolicies(this.db);
  }

  settlements(policyId?: string): Promise<IndexedSettlement[]> {
    return settlements(this.db, policyId);
  }

  cessions(policyId?: string): Promise<IndexedCession[]> {
    return cessions(this.db, policyId);
  }

  feedsByAccumulationKey(keys: string[]): Promise<IndexedFeed[]> {
    return feedsByAccumulationKey(this.db, this.db.dialect, keys);
  }

  eventsNamed(names: ChainEventName[]): Promise<ChainEvent[]> {
    return eventsNamed(this.db, names);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

/** The schema version an existing index records; undefined for a database without one. */
async function recordedSchemaVersion(db: SqlDriver): Promise<string | undefined> {
  try {
    const [row] = await db.all("SELECT value FROM chain_meta WHERE key = 'schema_version'");
    return row === undefined ? undefined : (textOrNull(row.value) ?? undefined);
  } catch {
    return undefined; // No chain_meta table: a new database.
  }
}

/** A filter's time bound in seconds; a bound that is no time is refused rather than matching nothing. */
function timeBound(name: string, isoTime: string): number {
  const seconds = unixOf(isoTime);
  if (!Number.isFinite(seconds)) throw new InvalidFilterError(`${name} "${isoTime}" is not an ISO-8601 time`);
  return seconds;
}

function signerCondition(): string {
  return 'EXISTS (SELECT 1 FROM chain_document_signers s WHERE s.document_hash = d.document_hash AND s.signer = ?)';
}

function headOf(rows: SqlRow[]): number | null {
  const value = rows[0]?.value;
  return value === undefined || value === '' ? null : Number(value);
}

/** `<blockNumber>-<logIndex>` as its two numbers. */
export function parseEventId(eventId: string): { blockNumber: number; logIndex: number } {
  const match = /^(\d{1,15})-(\d{1,9})$/.exec(eventId);
  if (match === null) throw new InvalidEventIdError(eventId);
  return { blockNumber: Number(match[1]), logIndex: Number(match[2]) };
}

function encodeCursor(document: IndexedDocument, order: 'asc' | 'desc'): string {
  const position = { b: document.blockNumber, l: document.logIndex, p: document.batchPosition, o: order };
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

function decodeCursor(
  cursor: string,
  order: 'asc' | 'desc',
): { blockNumber: number; logIndex: number; position: number } {
  try {
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
      b: unknown;
      l: unknown;
      p?: unknown;
      o: unknown;
    };
    // Cursors issued before batch members were listed carry no position: they point at a single anchor (position 0).
    const position = decoded.p ?? 0;
    if (
      Number.isSafeInteger(decoded.b) &&
      Number.isSafeInteger(decoded.l) &&
      Number.isSafeInteger(position) &&
      decoded.o === order
    ) {
      return { blockNumber: decoded.b as number, logIndex: decoded.l as number, position: position as number };
    }
  } catch {
    // Not base64url JSON: refused below like any other foreign cursor.
  }
  throw new InvalidCursorError(cursor);
}

function documentOf(row: SqlRow): IndexedDocument {
  return {
    documentHash: String(row.document_hash),
    registrant: String(row.registrant),
    termsHash: String(row.terms_hash),
    documentType: String(row.document_type) as DocumentTypeName,
    retentionClass: numberOf(row.retention_class),
    policyRef: String(row.policy_ref),
    storagePointer: String(row.storage_pointer),
    requiredSigners: JSON.parse(String(row.required_signers)) as string[],
    anchoredAt: String(row.anchored_at),
    blockNumber: numberOf(row.block_number),
    transactionHash: String(row.transaction_hash),
    logIndex: numberOf(row.log_index),
    status: String(row.status) as DocumentStatusName,
    version: numberOf(row.version),
    chainRoot: String(row.chain_root),
    previousHash: textOrNull(row.previous_hash),
    supersededBy: textOrNull(row.superseded_by),
    revokedAt: textOrNull(row.revoked_at),
    revokedBy: textOrNull(row.revoked_by),
    revocationReason: textOrNull(row.revocation_reason) as RevocationReasonName | null,
    signatureCount: numberOf(row.signature_count),
    merkleRoot: textOrNull(row.merkle_root),
    batchPosition: numberOf(row.batch_position ?? 0),
  };
}

function batchOf(row: SqlRow): IndexedBatch {
  return {
    merkleRoot: String(row.merkle_root),
    registrant: String(row.registrant),
    documentCount: numberOf(row.document_count),
    storagePointer: String(row.storage_pointer),
    anchoredAt: String(row.anchored_at),
    blockNumber: numberOf(row.block_number),
    transactionHash: String(row.transaction_hash),
    logIndex: numberOf(row.log_index),
  };
}

function coSignatureOf(row: SqlRow): IndexedCoSignature {
  return {
    documentHash: String(row.document_hash),
    signer: String(row.signer),
    signedAt: String(row.signed_at),
    blockNumber: numberOf(row.block_number),
    transactionHash: String(row.transaction_hash),
    logIndex: numberOf(row.log_index),
    termsType: textOrNull(row.terms_type) as TermsTypeName | null,
    nonce: textOrNull(row.nonce),
    deadline: textOrNull(row.deadline),
    signature: textOrNull(row.signature),
  };
}
