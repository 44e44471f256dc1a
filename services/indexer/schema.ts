/**
 * The index's tables, the same in SQLite and PostgreSQL (BIGINT is an INTEGER in SQLite; flags are 0/1 integers so
 * both return the same values). Every table is prefixed `chain_` so a PostgreSQL database can hold other things too.
 * `chain_events` is the record of what the chain said; the other tables are projections of it, written in the same
 * transaction — except `chain_batch_members`, which lists a batch's members from its manifest (named by the batch's
 * storage pointer on chain, checked against its root) once the manifest can be read, possibly later.
 */

/** Bumped when the tables change: an index of another version must be rebuilt. 2: batch members and the parametric side. */
export const SCHEMA_VERSION = '2';

export const CHAIN_INDEX_TABLES = [
  'chain_meta',
  'chain_events',
  'chain_documents',
  'chain_document_signers',
  'chain_cosignatures',
  'chain_batches',
  'chain_batch_members',
  'chain_parties',
  'chain_party_history',
  'chain_policies',
  'chain_policy_feeds',
  'chain_feeds',
  'chain_feed_reports',
  'chain_settlements',
  'chain_cessions',
] as const;

/**
 * The parametric side: policies (keyed by their name, `flight-3`; `policy_id` is the pool's number), the feeds each
 * settles on, the hub's feeds and reports, and the settlements and cessions of the pool and treaty.
 */
const PARAMETRIC_SCHEMA = `
CREATE TABLE IF NOT EXISTS chain_policies (
  policy_key TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  product TEXT NOT NULL,
  policy_id TEXT NOT NULL UNIQUE,
  holder TEXT NOT NULL,
  status TEXT NOT NULL,
  premium TEXT NOT NULL,
  max_payout TEXT NOT NULL,
  accumulation_key TEXT NOT NULL,
  coverage_start TEXT,
  coverage_end TEXT,
  cancellation_refund_bps INTEGER,
  feed_id TEXT,
  document_hash TEXT,
  terms_hash TEXT,
  terms TEXT,
  issued_at TEXT NOT NULL,
  issued_at_unix BIGINT NOT NULL,
  block_number BIGINT NOT NULL,
  log_index INTEGER NOT NULL,
  transaction_hash TEXT NOT NULL,
  payout TEXT,
  refund TEXT,
  credited TEXT,
  closed_at TEXT,
  replaced_by TEXT,
  replaces TEXT,
  ceded INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX IF NOT EXISTS chain_policies_position ON chain_policies (block_number, log_index);
CREATE INDEX IF NOT EXISTS chain_policies_holder ON chain_policies (holder, block_number, log_index);
CREATE INDEX IF NOT EXISTS chain_policies_document ON chain_policies (document_hash);
CREATE TABLE IF NOT EXISTS chain_policy_feeds (
  policy_key TEXT NOT NULL,
  feed_id TEXT NOT NULL,
  PRIMARY KEY (policy_key, feed_id)
);
CREATE INDEX IF NOT EXISTS chain_policy_feeds_feed ON chain_policy_feeds (feed_id);
CREATE TABLE IF NOT EXISTS chain_feeds (
  feed_id TEXT PRIMARY KEY,
  kind TEXT,
  consumer TEXT NOT NULL,
  state TEXT NOT NULL,
  data_deadline TEXT NOT NULL,
  registered_at TEXT NOT NULL,
  carrier TEXT,
  flight_number TEXT,
  departure_date INTEGER,
  scheduled_arrival TEXT,
  location_key TEXT,
  latitude_e4 INTEGER,
  longitude_e4 INTEGER,
  station_id TEXT,
  metric TEXT,
  date INTEGER,
  outcome_status TEXT,
  outcome_value TEXT,
  outcome_at TEXT,
  outcome_transaction_hash TEXT,
  oracles TEXT,
  payload_hashes TEXT,
  dispute_window INTEGER,
  resolved_by_hand INTEGER NOT NULL DEFAULT 0,
  disputed_at TEXT,
  expired_at TEXT
);
CREATE INDEX IF NOT EXISTS chain_feeds_location ON chain_feeds (location_key, date);
CREATE TABLE IF NOT EXISTS chain_feed_reports (
  block_number BIGINT NOT NULL,
  log_index INTEGER NOT NULL,
  transaction_hash TEXT NOT NULL,
  reported_at TEXT NOT NULL,
  feed_id TEXT NOT NULL,
  oracle TEXT NOT NULL,
  status TEXT NOT NULL,
  value TEXT NOT NULL,
  observed_at TEXT NOT NULL,
  payload_hash TEXT NOT NULL,
  PRIMARY KEY (block_number, log_index)
);
CREATE INDEX IF NOT EXISTS chain_feed_reports_feed ON chain_feed_reports (feed_id, block_number, log_index);
CREATE TABLE IF NOT EXISTS chain_settlements (
  block_number BIGINT NOT NULL,
  log_index INTEGER NOT NULL,
  transaction_hash TEXT NOT NULL,
  settled_at TEXT NOT NULL,
  policy_key TEXT NOT NULL,
  feed_id TEXT,
  status TEXT NOT NULL,
  payout TEXT NOT NULL,
  PRIMARY KEY (block_number, log_index)
);
CREATE INDEX IF NOT EXISTS chain_settlements_policy ON chain_settlements (policy_key);
CREATE TABLE IF NOT EXISTS chain_cessions (
  block_number BIGINT NOT NULL,
  log_index INTEGER NOT NULL,
  transaction_hash TEXT NOT NULL,
  ceded_at TEXT NOT NULL,
  kind TEXT NOT NULL,
  policy_key TEXT,
  policy_id TEXT NOT NULL,
  feed_id TEXT,
  gross TEXT,
  ceded_quota_share TEXT,
  ceded_excess_of_loss TEXT,
  net TEXT,
  premium TEXT,
  ceded_premium TEXT,
  ceding_commission TEXT,
  refund TEXT,
  returned TEXT,
  PRIMARY KEY (block_number, log_index)
);
CREATE INDEX IF NOT EXISTS chain_cessions_policy ON chain_cessions (policy_key);
`;

export const CHAIN_INDEX_SCHEMA = `
CREATE TABLE IF NOT EXISTS chain_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chain_events (
  block_number BIGINT NOT NULL,
  log_index INTEGER NOT NULL,
  id TEXT NOT NULL UNIQUE,
  block_time TEXT NOT NULL,
  transaction_hash TEXT NOT NULL,
  contract TEXT NOT NULL,
  name TEXT NOT NULL,
  args TEXT NOT NULL,
  policy_id TEXT,
  feed_id TEXT,
  document_hash TEXT,
  PRIMARY KEY (block_number, log_index)
);
CREATE INDEX IF NOT EXISTS chain_events_policy ON chain_events (policy_id, block_number, log_index);
CREATE INDEX IF NOT EXISTS chain_events_feed ON chain_events (feed_id, block_number, log_index);
CREATE INDEX IF NOT EXISTS chain_events_document ON chain_events (document_hash, block_number, log_index);
CREATE TABLE IF NOT EXISTS chain_documents (
  document_hash TEXT PRIMARY KEY,
  registrant TEXT NOT NULL,
  terms_hash TEXT NOT NULL,
  document_type TEXT NOT NULL,
  retention_class INTEGER NOT NULL,
  policy_ref TEXT NOT NULL,
  storage_pointer TEXT NOT NULL,
  required_signers TEXT NOT NULL,
  anchored_at TEXT NOT NULL,
  anchored_at_unix BIGINT NOT NULL,
  block_number BIGINT NOT NULL,
  transaction_hash TEXT NOT NULL,
  log_index INTEGER NOT NULL,
  status TEXT NOT NULL,
  version INTEGER NOT NULL,
  chain_root TEXT NOT NULL,
  previous_hash TEXT,
  superseded_by TEXT,
  revoked_at TEXT,
  revoked_by TEXT,
  revocation_reason TEXT,
  signature_count INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS chain_documents_position ON chain_documents (block_number, log_index);
CREATE INDEX IF NOT EXISTS chain_documents_registrant ON chain_documents (registrant, block_number, log_index);
CREATE INDEX IF NOT EXISTS chain_documents_policy_ref ON chain_documents (policy_ref);
CREATE INDEX IF NOT EXISTS chain_documents_chain ON chain_documents (chain_root, version);
CREATE TABLE IF NOT EXISTS chain_document_signers (
  document_hash TEXT NOT NULL,
  signer TEXT NOT NULL,
  position INTEGER NOT NULL,
  PRIMARY KEY (document_hash, signer)
);
CREATE INDEX IF NOT EXISTS chain_document_signers_signer ON chain_document_signers (signer);
CREATE TABLE IF NOT EXISTS chain_cosignatures (
  document_hash TEXT NOT NULL,
  signer TEXT NOT NULL,
  signed_at TEXT NOT NULL,
  block_number BIGINT NOT NULL,
  log_index INTEGER NOT NULL,
  transaction_hash TEXT NOT NULL,
  terms_type TEXT,
  nonce TEXT,
  deadline TEXT,
  signature TEXT,
  PRIMARY KEY (document_hash, signer)
);
CREATE TABLE IF NOT EXISTS chain_batches (
  merkle_root TEXT PRIMARY KEY,
  registrant TEXT NOT NULL,
  document_count INTEGER NOT NULL,
  storage_pointer TEXT NOT NULL,
  anchored_at TEXT NOT NULL,
  block_number BIGINT NOT NULL,
  transaction_hash TEXT NOT NULL,
  log_index INTEGER NOT NULL,
  members_state TEXT NOT NULL DEFAULT 'pending',
  members_retry_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS chain_batches_unlisted ON chain_batches (members_state, block_number, log_index);
CREATE TABLE IF NOT EXISTS chain_batch_members (
  document_hash TEXT PRIMARY KEY,
  merkle_root TEXT NOT NULL,
  position INTEGER NOT NULL,
  registrant TEXT NOT NULL,
  document_type TEXT NOT NULL,
  retention_class INTEGER NOT NULL,
  policy_ref TEXT NOT NULL,
  storage_pointer TEXT NOT NULL,
  anchored_at TEXT NOT NULL,
  anchored_at_unix BIGINT NOT NULL,
  block_number BIGINT NOT NULL,
  transaction_hash TEXT NOT NULL,
  log_index INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS chain_batch_members_position ON chain_batch_members (block_number, log_index, position);
CREATE INDEX IF NOT EXISTS chain_batch_members_registrant ON chain_batch_members (registrant);
CREATE INDEX IF NOT EXISTS chain_batch_members_policy_ref ON chain_batch_members (policy_ref);
CREATE TABLE IF NOT EXISTS chain_parties (
  account TEXT PRIMARY KEY,
  legal_name TEXT NOT NULL,
  identifier TEXT NOT NULL,
  encryption_public_key TEXT NOT NULL,
  registered_at TEXT NOT NULL,
  registered_block BIGINT NOT NULL,
  onboarded_by TEXT
);
CREATE TABLE IF NOT EXISTS chain_party_history (
  account TEXT NOT NULL,
  block_number BIGINT NOT NULL,
  log_index INTEGER NOT NULL,
  change TEXT NOT NULL,
  role_id TEXT,
  value INTEGER NOT NULL,
  PRIMARY KEY (account, block_number, log_index)
);
${PARAMETRIC_SCHEMA}
INSERT INTO chain_meta (key, value) VALUES ('schema_version', '${SCHEMA_VERSION}') ON CONFLICT (key) DO NOTHING;
INSERT INTO chain_meta (key, value) VALUES ('head_block', '') ON CONFLICT (key) DO NOTHING;
`;
