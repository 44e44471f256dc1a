/**
 * `GET /v1/oracles/health`: the oracle parties and their nodes' health, for the operations page (ADMIN, ORACLE,
 * AUDITOR). The browser may only call this origin, so the API asks the nodes (see `oracle-health.ts`).
 */
import { Router } from 'express';
import { requireRole } from '../auth/caller.js';
import type { ApiContext } from '../context.js';
import { openApiRegistry, PARTY_SECURITY, problemResponses, z } from '../openapi.js';
import { readOracleHealth } from './oracle-health.js';

export function oracleHealthRouter(ctx: ApiContext): Router {
  const router = Router();
  router.get('/v1/oracles/health', requireRole('ADMIN', 'ORACLE', 'AUDITOR'), async (_req, res) => {
    res.json(await readOracleHealth(ctx));
  });
  return router;
}

const Address = z.string().openapi({ example: '0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc' });
const Time = z.string().openapi({ description: 'ISO-8601 UTC', example: '2026-11-30T09:00:00.000Z' });

const NodeHealthSchema = openApiRegistry.register(
  'OracleNodeHealth',
  z.object({
    url: z.string().openapi({ example: 'http://127.0.0.1:9101/health' }),
    oracle: Address.nullable().openapi({ description: 'From the node’s answer, else from the setting' }),
    state: z.enum(['ok', 'failing', 'unreachable']).openapi({
      description: 'ok: 200; failing: the node answered its problems (503); unreachable: no answer in time',
    }),
    httpStatus: z.number().int().nullable(),
    node: z.string().nullable(),
    lastPassAt: Time.nullable(),
    problems: z.array(z.string()),
    feeds: z.record(z.string(), z.number().int()).openapi({ description: 'The node’s feeds by status' }),
    submissions: z.record(z.string(), z.number().int()).openapi({ description: 'Its submissions by state' }),
    responseMs: z.number().int().nullable(),
  }),
);

const OracleHealthSchema = openApiRegistry.register(
  'OracleHealth',
  z.object({
    checkedAt: Time,
    quorum: z.number().int(),
    oracles: z.array(
      z.object({
        account: Address,
        legalName: z.string(),
        lastReport: z
          .object({
            feedId: z.string(),
            status: z.string(),
            value: z.string(),
            observedAt: Time,
            reportedAt: Time,
            blockNumber: z.number().int(),
            transactionHash: z.string(),
          })
          .nullable(),
        nodes: z.array(NodeHealthSchema),
      }),
    ),
    nodes: z.array(NodeHealthSchema),
  }),
);

openApiRegistry.registerPath({
  method: 'get',
  path: '/v1/oracles/health',
  tags: ['Consortium'],
  summary: 'Each active oracle with its last report, and its nodes’ /health answers (ADMIN, ORACLE, AUDITOR)',
  description:
    'The nodes are those POLICYLEDGER_API_ORACLE_HEALTH_URLS names (npm start names its own), each asked with a ' +
    'short timeout; a node that does not answer is reported `unreachable`.',
  security: PARTY_SECURITY,
  responses: {
    200: { description: 'The oracles and nodes', content: { 'application/json': { schema: OracleHealthSchema } } },
    ...problemResponses(401, 403),
  },
});
