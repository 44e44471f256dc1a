/**
 * A read-only JSON-RPC relay to the chain node, for the web pages: a browser may only call this origin (CSP
 * `connect-src 'self'`), yet the verify page checks evidence certificates against the chain itself rather than
 * trusting this API's report. Only reads pass (an allowlist), `eth_getLogs` over a bounded block range, small bodies,
 * a per-client request budget; anything else is refused with a problem. The node's own JSON-RPC errors (a reverted
 * call) are relayed as JSON-RPC errors, as a node would answer them.
 */
import { Router, type RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { JsonRpcProvider } from 'ethers';
import type { ApiContext } from '../context.js';
import { AppError } from '../errors.js';
import { openApiRegistry, problemResponses, z } from '../openapi.js';
import { parse } from '../validation.js';

/** The methods the relay passes on: reads that a certificate or report check needs. */
export const RELAYED_METHODS = [
  'eth_chainId',
  'eth_blockNumber',
  'eth_call',
  'eth_getLogs',
  'eth_getTransactionReceipt',
  'eth_getTransactionByHash',
  'eth_getBlockByNumber',
  'eth_getBlockByHash',
] as const;

/** The widest block range one `eth_getLogs` may span. */
export const MAX_LOG_BLOCK_RANGE = 100_000;
/** The largest request body, and the most calls in one batch. */
export const MAX_RELAY_BODY_BYTES = 16 * 1024;
export const MAX_RELAY_BATCH = 20;
/** Requests per client IP per minute (a certificate check takes a few dozen). */
const RELAY_REQUESTS_PER_MINUTE = 600;

const RpcCallSchema = z
  .object({
    jsonrpc: z.literal('2.0'),
    id: z.union([z.string().max(64), z.number().int(), z.null()]),
    method: z.string().max(64),
    params: z.array(z.unknown()).max(4).optional(),
  })
  .openapi('JsonRpcCall');

const RpcBodySchema = z.union([RpcCallSchema, z.array(RpcCallSchema).min(1).max(MAX_RELAY_BATCH)]);

openApiRegistry.registerPath({
  method: 'post',
  path: '/v1/chain/rpc',
  tags: ['Verification'],
  summary: 'Read-only JSON-RPC relay to the chain node (public)',
  description: `For pages that check evidence themselves: one JSON-RPC 2.0 call or a batch of at most ${MAX_RELAY_BATCH}, methods ${RELAYED_METHODS.join(', ')} only; \`eth_getLogs\` over at most ${MAX_LOG_BLOCK_RANGE} blocks; bodies up to ${MAX_RELAY_BODY_BYTES} bytes; ${RELAY_REQUESTS_PER_MINUTE} requests per minute per client.`,
  request: { body: { content: { 'application/json': { schema: RpcBodySchema } } } },
  responses: {
    200: {
      description: "The node's JSON-RPC answer (a node error stays a JSON-RPC `error`)",
      content: { 'application/json': { schema: z.unknown() } },
    },
    ...problemResponses(400, 413, 429),
  },
});

type RpcCall = z.infer<typeof RpcCallSchema>;

/** A block tag or number as a number, `latest`-like tags as the head. */
function blockOf(tag: unknown, head: number, field: string): number {
  if (tag === undefined || tag === 'latest' || tag === 'safe' || tag === 'finalized' || tag === 'pending') return head;
  if (tag === 'earliest') return 0;
  if (typeof tag === 'string' && /^0x[0-9a-fA-F]{1,16}$/.test(tag)) return Number(BigInt(tag));
  throw new AppError(400, 'RPC_PARAMS_INVALID', `eth_getLogs ${field} must be a block tag or a hex block number`);
}

/**
 * Refuses a log query over a range wider than `MAX_LOG_BLOCK_RANGE`, unless it is targeted: one contract and an
 * indexed value besides the event's signature (a document's hash, a batch root), which a node answers from its blocks'
 * bloom filters without reading their logs. A certificate's checks are all targeted and start from the chain's first
 * block, so a consortium chain older than the range (100,000 blocks of 2 s: under three days) still answers them.
 */
async function checkLogRange(provider: JsonRpcProvider, call: RpcCall): Promise<void> {
  const filter = call.params?.[0];
  if (typeof filter !== 'object' || filter === null) {
    throw new AppError(400, 'RPC_PARAMS_INVALID', 'eth_getLogs takes one filter object');
  }
  const { fromBlock, toBlock, blockHash, address, topics } = filter as Record<string, unknown>;
  if (blockHash !== undefined) return;
  const targeted =
    typeof address === 'string' &&
    Array.isArray(topics) &&
    topics.slice(1).some((topic) => typeof topic === 'string' || (Array.isArray(topic) && topic.length > 0));
  if (targeted) return;
  const head = await provider.getBlockNumber();
  const from = blockOf(fromBlock, head, 'fromBlock');
  const to = blockOf(toBlock, head, 'toBlock');
  if (to - from > MAX_LOG_BLOCK_RANGE) {
    throw new AppError(
      400,
      'RPC_LOG_RANGE_TOO_WIDE',
      `eth_getLogs may span at most ${MAX_LOG_BLOCK_RANGE} blocks (asked ${from}..${to})`,
      { details: { fromBlock: from, toBlock: to, maxRange: MAX_LOG_BLOCK_RANGE } },
    );
  }
}

/** The read-only relay over the API's own node connection. */
export function chainRelayRouter(ctx: Pick<ApiContext, 'ledger'>): Router {
  const router = Router();
  // The ledger client's provider is the JsonRpcProvider main.ts builds; `_send` relays a payload as it is.
  const provider = ctx.ledger.provider as JsonRpcProvider;
  const budget: RequestHandler = rateLimit({
    windowMs: 60_000,
    limit: RELAY_REQUESTS_PER_MINUTE,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    identifier: 'chain-rpc',
    handler: (_req, _res, next) =>
      next(new AppError(429, 'RATE_LIMITED', `The chain relay takes ${RELAY_REQUESTS_PER_MINUTE} requests a minute`)),
  });

  router.post('/v1/chain/rpc', budget, async (req, res) => {
    const length = Number(req.get('Content-Length') ?? JSON.stringify(req.body ?? null).length);
    if (length > MAX_RELAY_BODY_BYTES) {
      throw new AppError(413, 'RPC_BODY_TOO_LARGE', `A relayed request may be at most ${MAX_RELAY_BODY_BYTES} bytes`);
    }
    const body = parse(RpcBodySchema, req.body, 'body');
    const calls = Array.isArray(body) ? body : [body];
    for (const call of calls) {
      if (!(RELAYED_METHODS as readonly string[]).includes(call.method)) {
        throw new AppError(
          403,
          'RPC_METHOD_NOT_ALLOWED',
          `The chain relay passes reads only; ${call.method} is not one`,
          {
            details: { method: call.method, allowed: RELAYED_METHODS },
          },
        );
      }
      if (call.method === 'eth_getLogs') await checkLogRange(provider, call);
    }
    const answers = await Promise.all(
      calls.map(async (call) => {
        const [answer] = await provider._send({
          jsonrpc: '2.0',
          id: 1,
          method: call.method,
          params: call.params ?? [],
        });
        return { ...answer, id: call.id };
      }),
    );
    res.json(Array.isArray(body) ? answers : answers[0]);
  });
  return router;
}
