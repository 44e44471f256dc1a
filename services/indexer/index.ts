/**
 * The chain index: `openChainIndex` opens the query store (SQLite by default, PostgreSQL when a database URL is given),
 * `ChainIndexer` keeps it in step with the chain, `rebuildChainIndex` deletes and rebuilds it.
 */
export * from './types.js';
export * from './parametric-types.js';
export { deleteChainIndex, describeChainIndexLocation, openChainIndex, type ChainIndexLocation } from './open.js';
export { ChainIndexer, type ChainIndexerOptions } from './indexer.js';
export { MAX_PAGE_SIZE } from './store.js';
export { batchMembersOf, type ManifestSource } from './manifests.js';
export { rebuildChainIndex, type RebuildReport } from './rebuild.js';
export { indexConfigFromEnv, loadDeployment, type IndexConfig } from './config.js';
