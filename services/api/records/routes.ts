/**
 * The records routes: the access log and its verification, legal holds, retention and erasure, and the reader's
 * wrapped-key fetch. Express stays here; the use cases are in access-log*.ts, retention.ts and keys.ts.
 */
import { createHash } from 'node:crypto';
import { Router, type Response } from 'express';
import type { Caller } from '../auth/caller.js';
import { hasRole, requireCaller, requireRole } from '../auth/caller.js';
import { AppError } from '../errors.js';
import { openApiRegistry, PARTY_SECURITY, problemResponses, z } from '../openapi.js';
import { parse } from '../validation.js';
import { initAccessLogSchema, listAccessLog } from './access-log.js';
import { checkAccessLog, exportAccessLog } from './access-log-check.js';
import type { RecordsContext } from './context.js';
import { ciphertextForReader, initKeysSchema, wrappedKeyForReader } from './keys.js';
import {
  activeLegalHolds,
  documentRetention,
  eraseDocument,
  erasureOf,
  initRetentionSchema,
  liftLegalHold,
  placeLegalHold,
} from './retention.js';

const Hash = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, 'a 0x-prefixed 32-byte hex hash')
  .transform((value) => value.toLowerCase())
  .openapi({ example: '0x9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08' });
const Address = z.string().openapi({ example: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' });
const HashParams = z.object({ hash: Hash });

const AccessLogEntrySchema = openApiRegistry.register(
  'AccessLogEntry',
  z.object({
    seq: z.number().int(),
    at: z.string().openapi({ description: 'ISO-8601 UTC' }),
    documentHash: z.string(),
    registrant: Address,
    reader: Address,
    via: z.string().openapi({ description: 'The credential: `api-key:<id>` or `session:<hash of the session id>`' }),
    purpose: z.string().nullable(),
    previousEntryHash: z.string(),
    entryHash: z.string().openapi({ description: 'SHA-256 of the canonical encoding (see the README)' }),
  }),
);

const AccessLogQuery = z.object({
  documentHash: Hash.optional(),
  cursor: z
    .string()
    .optional()
    .openapi({ description: 'A `nextCursor` of the previous page (else 400 INVALID_CURSOR)' }),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const BreakSchema = z.object({
  seq: z.number().int(),
  code: z.string(),
  message: z.string(),
  head: z.object({ fromSeq: z.number().int(), toSeq: z.number().int(), recordHash: z.string() }).optional(),
});
const CheckReportSchema = openApiRegistry.register(
  'AccessLogCheckReport',
  z.object({
    ok: z.boolean(),
    checkedAt: z.string(),
    entryCount: z.number().int(),
    lastSeq: z.number().int(),
    headHash: z.string(),
    anchoredThroughSeq: z.number().int(),
    heads: z.array(
      z.object({
        fromSeq: z.number().int(),
        toSeq: z.number().int(),
        recordHash: z.string(),
        status: z.enum(['anchored', 'pending', 'broken']),
        anchoredAt: z.string().nullable(),
        blockNumber: z.number().int().nullable(),
        registrant: Address.nullable(),
      }),
    ),
    firstBreak: BreakSchema.nullable(),
    breaks: z.array(BreakSchema),
  }),
);

const LegalHoldBody = z.object({ reason: z.string().trim().min(1).max(1000) });
const LegalHoldSchema = openApiRegistry.register(
  'LegalHold',
  z.object({
    documentHash: z.string(),
    placedBy: Address,
    placedAs: z.enum(['registrant', 'auditor']),
    reason: z.string(),
    placedAt: z.string(),
  }),
);
const RetentionSchema = openApiRegistry.register(
  'Retention',
  z.object({
    documentHash: z.string(),
    retentionClass: z.number().int(),
    retentionYears: z.number().int(),
    coverEndsAt: z.string(),
    permanent: z.boolean(),
    retainedUntil: z.string().nullable(),
    legalHolds: z.array(LegalHoldSchema),
    erasedAt: z.string().nullable(),
  }),
);
const ErasureSchema = openApiRegistry.register(
  'Erasure',
  z.object({
    documentHash: z.string(),
    erasedAt: z.string(),
    erasedBy: Address,
    source: z.enum(['registrant', 'notice']),
    confidential: z.boolean(),
    wrappedKeysDestroyed: z.number().int(),
    contentRemoved: z.boolean(),
    notice: z.object({ documentHash: z.string(), cid: z.string(), operationId: z.string().nullable() }).nullable(),
    limitation: z.string().optional().openapi({ description: 'Present for a public document: what erasure cannot do' }),
  }),
);
const WrappedKeySchema = openApiRegistry.register(
  'WrappedKey',
  z.object({
    documentHash: z.string(),
    recipient: Address,
    wrappedKey: z.string().openapi({ description: '0x hex of HPKE enc || ciphertext, for the caller only' }),
    cid: z.string(),
    contentType: z.string(),
    fileName: z.string().nullable(),
  }),
);

const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });

openApiRegistry.registerPath({
  method: 'get',
  path: '/v1/access-log',
  tags: ['Records'],
  summary: 'Reads of document content, in order (AUDITOR: all; INSURER/REINSURER: reads of its own documents)',
  security: PARTY_SECURITY,
  request: { query: AccessLogQuery },
  responses: {
    200: {
      description: 'A page of entries',
      ...json(z.object({ items: z.array(AccessLogEntrySchema), nextCursor: z.string().nullable() })),
    },
    ...problemResponses(400, 401, 403),
  },
});
openApiRegistry.registerPath({
  method: 'get',
  path: '/v1/access-log/verification',
  tags: ['Records'],
  summary: 'Checks the access log: the chain of entry hashes and each head anchored on chain',
  security: PARTY_SECURITY,
  responses: { 200: { description: 'The check report', ...json(CheckReportSchema) }, ...problemResponses(401, 403) },
});
openApiRegistry.registerPath({
  method: 'get',
  path: '/v1/access-log/export',
  tags: ['Records'],
  summary: 'The whole log and its heads, for checking elsewhere (AUDITOR)',
  security: PARTY_SECURITY,
  responses: {
    200: {
      description: 'The export',
      ...json(z.object({ format: z.string(), exportedAt: z.string(), entries: z.array(AccessLogEntrySchema) })),
    },
    ...problemResponses(401, 403),
  },
});
openApiRegistry.registerPath({
  method: 'get',
  path: '/v1/documents/{hash}/retention',
  tags: ['Records'],
  summary: "A document's retention, legal holds and erasure (registrant or AUDITOR)",
  security: PARTY_SECURITY,
  request: { params: HashParams },
  responses: { 200: { description: 'Retention', ...json(RetentionSchema) }, ...problemResponses(400, 401, 403, 404) },
});
openApiRegistry.registerPath({
  method: 'post',
  path: '/v1/documents/{hash}/legal-hold',
  tags: ['Records'],
  summary: 'Places a legal hold (the registrant or an AUDITOR; each party holds and lifts its own)',
  security: PARTY_SECURITY,
  request: { params: HashParams, body: { content: { 'application/json': { schema: LegalHoldBody } } } },
  responses: { 201: { description: 'The hold', ...json(LegalHoldSchema) }, ...problemResponses(400, 401, 403, 404) },
});
openApiRegistry.registerPath({
  method: 'delete',
  path: '/v1/documents/{hash}/legal-hold',
  tags: ['Records'],
  summary: "Lifts the caller's own legal hold",
  security: PARTY_SECURITY,
  request: { params: HashParams },
  responses: {
    200: {
      description: 'Lifted',
      ...json(z.object({ documentHash: z.string(), liftedAt: z.string(), remainingHolds: z.number().int() })),
    },
    ...problemResponses(400, 401, 403, 404),
  },
});
openApiRegistry.registerPath({
  method: 'post',
  path: '/v1/documents/{hash}/erasure',
  tags: ['Records'],
  summary:
    'Erases the content (registrant): wrapped keys destroyed, bytes removed, notice anchored; 409 RETENTION_ACTIVE / LEGAL_HOLD',
  security: PARTY_SECURITY,
  request: { params: HashParams },
  responses: { 200: { description: 'Erased', ...json(ErasureSchema) }, ...problemResponses(400, 401, 403, 404, 409) },
});
openApiRegistry.registerPath({
  method: 'get',
  path: '/v1/documents/{hash}/wrapped-key',
  tags: ['Records'],
  summary: "The document's content key wrapped for the calling reader party (for its own API to keep)",
  security: PARTY_SECURITY,
  request: { params: HashParams },
  responses: {
    200: { description: 'The wrapped key', ...json(WrappedKeySchema) },
    ...problemResponses(400, 401, 403, 404, 409, 410),
  },
});

openApiRegistry.registerPath({
  method: 'get',
  path: '/v1/documents/{hash}/ciphertext',
  tags: ['Records'],
  summary:
    "A confidential document's stored ciphertext (the bytes under its anchored CID), for a reader member's API to keep beside its wrapped key",
  security: PARTY_SECURITY,
  request: { params: HashParams },
  responses: {
    200: { description: 'The ciphertext', content: { 'application/octet-stream': { schema: z.string() } } },
    ...problemResponses(400, 401, 403, 404, 409, 410),
  },
});

/** The credential a caller used, as the access log names it (never the session id itself: it is a secret). */
export function viaOf(caller: Caller, res: Response): string {
  if (caller.via === 'api-key') return `api-key:${caller.apiKeyId ?? 'unknown'}`;
  const sessionId = res.locals.sessionId as string | undefined;
  if (sessionId === undefined) return 'session';
  return `session:${createHash('sha256').update(sessionId).digest('hex').slice(0, 16)}`;
}

function actorOf(caller: Caller) {
  return { account: caller.account, roles: caller.party.roles };
}

/** The records routes over `ctx`; creates the module's tables. */
export function recordsRouter(ctx: RecordsContext): Router {
  initAccessLogSchema(ctx.db);
  initRetentionSchema(ctx.db);
  initKeysSchema(ctx.db);
  const router = Router();

  router.get('/v1/access-log', requireRole('AUDITOR', 'INSURER', 'REINSURER'), (req, res) => {
    const caller = requireCaller(res);
    const query = parse(AccessLogQuery, req.query, 'query');
    const filter = {
      ...(hasRole(caller, 'AUDITOR') ? {} : { registrant: caller.account }),
      ...(query.documentHash === undefined ? {} : { documentHash: query.documentHash }),
    };
    res.json(
      listAccessLog(ctx.db, filter, {
        ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
        limit: query.limit,
      }),
    );
  });

  router.get('/v1/access-log/verification', requireRole('AUDITOR', 'INSURER', 'REINSURER'), async (_req, res) => {
    res.json(await checkAccessLog(ctx));
  });

  router.get('/v1/access-log/export', requireRole('AUDITOR'), (_req, res) => {
    res.json(exportAccessLog(ctx));
  });

  router.get('/v1/documents/:hash/retention', async (req, res) => {
    const caller = requireCaller(res);
    const { hash } = parse(HashParams, req.params, 'params');
    const { stored, retention } = await documentRetention(ctx, hash, actorOf(caller));
    if (caller.account !== stored.registrant && !hasRole(caller, 'AUDITOR')) {
      throw new AppError(403, 'NOT_REGISTRANT_OR_AUDITOR', `Only the registrant or an AUDITOR may see this`, {
        details: { documentHash: hash },
      });
    }
    res.json({
      documentHash: hash,
      ...retention,
      legalHolds: activeLegalHolds(ctx.db, hash),
      erasedAt: erasureOf(ctx.db, hash)?.erasedAt ?? stored.erasedAt,
    });
  });

  router.post('/v1/documents/:hash/legal-hold', (req, res) => {
    const caller = requireCaller(res);
    const { hash } = parse(HashParams, req.params, 'params');
    const { reason } = parse(LegalHoldBody, req.body, 'body');
    res.status(201).json(placeLegalHold(ctx, actorOf(caller), hash, reason));
  });

  router.delete('/v1/documents/:hash/legal-hold', (req, res) => {
    const caller = requireCaller(res);
    const { hash } = parse(HashParams, req.params, 'params');
    res.json(liftLegalHold(ctx, actorOf(caller), hash));
  });

  router.post('/v1/documents/:hash/erasure', async (req, res) => {
    const caller = requireCaller(res);
    const { hash } = parse(HashParams, req.params, 'params');
    res.json(await eraseDocument(ctx, actorOf(caller), hash));
  });

  router.get('/v1/documents/:hash/wrapped-key', (req, res) => {
    const caller = requireCaller(res);
    const { hash } = parse(HashParams, req.params, 'params');
    res.json(wrappedKeyForReader(ctx, { ...actorOf(caller), via: viaOf(caller, res) }, hash));
  });

  router.get('/v1/documents/:hash/ciphertext', async (req, res) => {
    const caller = requireCaller(res);
    const { hash } = parse(HashParams, req.params, 'params');
    const bytes = await ciphertextForReader(ctx, actorOf(caller), hash);
    res.setHeader('Cache-Control', 'private, no-store');
    res.type('application/octet-stream');
    res.send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  });

  return router;
}
