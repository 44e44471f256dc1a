/**
 * A caller's party and roles, read from `ConsortiumAccess` at the chain's latest block for every authenticated
 * request. Reads are cached per (account, block number) and the cache is dropped as soon as a newer block is seen,
 * so a deactivation or a role revocation mined in block N refuses every request that starts after block N is mined:
 * each request's block number comes from a read sent after the request arrived (`fresh-block.ts` shares that read
 * among the requests that arrived meanwhile).
 */
import { JsonRpcApiProvider, type Provider } from 'ethers';
import { readParty, type PartyRecord } from '../../ledger/parties.js';
import type { ApiContext } from '../context.js';
import { AppError } from '../errors.js';
import { freshBlockNumber } from './fresh-block.js';

interface PartyCache {
  blockNumber: number;
  parties: Map<string, Promise<PartyRecord>>;
}

const caches = new WeakMap<ApiContext, PartyCache>();

/**
 * The chain's latest block number, asked of the node itself: ethers' `getBlockNumber` may answer from a cache up to
 * 250 ms old, which could let a request read roles from before a block the caller has already seen mined. A
 * JSON-RPC provider's own `send` holds every call for 10 ms to batch it with others (`batchStallTime`), which every
 * authenticated request would wait for; the read goes straight to the node through `_send` instead.
 */
export async function latestBlockNumber(provider: Provider): Promise<number> {
  if (provider instanceof JsonRpcApiProvider) {
    const [answer] = await provider._send({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] });
    if (answer === undefined || 'error' in answer) {
      throw new Error(`eth_blockNumber failed: ${answer?.error.message ?? 'no answer'}`, { cause: answer?.error });
    }
    return Number(BigInt(answer.result as string));
  }
  return provider.getBlockNumber();
}

/**
 * `account`'s party record at the latest block (cached for that block only). The cache is keyed by the lower-case
 * address: checksumming (keccak in JavaScript) is left to the chain read, once per account and block.
 */
export async function currentParty(ctx: ApiContext, account: string): Promise<PartyRecord> {
  const key = account.toLowerCase();
  let blockNumber: number;
  try {
    blockNumber = await freshBlockNumber(ctx.ledger.provider, latestBlockNumber);
  } catch (error) {
    throw new AppError(503, 'CHAIN_UNAVAILABLE', 'The chain node cannot be reached to read the caller’s roles', {
      cause: error,
    });
  }
  let cache = caches.get(ctx);
  if (cache === undefined || cache.blockNumber < blockNumber) {
    cache = { blockNumber, parties: new Map() };
    caches.set(ctx, cache);
  }
  if (cache.blockNumber > blockNumber) {
    // A lagging node answered an older block than one already seen: read at that block, uncached.
    return readPartyOrUnavailable(ctx, key, blockNumber);
  }
  let party = cache.parties.get(key);
  if (party === undefined) {
    party = readPartyOrUnavailable(ctx, key, blockNumber);
    cache.parties.set(key, party);
    const current = cache;
    party.catch(() => current.parties.delete(key));
  }
  return party;
}

async function readPartyOrUnavailable(ctx: ApiContext, account: string, blockNumber: number): Promise<PartyRecord> {
  try {
    return await readParty(ctx.ledger, account, blockNumber);
  } catch (error) {
    throw new AppError(503, 'CHAIN_UNAVAILABLE', 'The caller’s roles cannot be read from the chain', { cause: error });
  }
}
