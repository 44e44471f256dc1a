/**
 * The documents API's HTTP entry points: each route validates its input, calls one use case and answers; requests and
 * responses stay here. See `openapi.ts` for the documented contract of each route.
 */
import { Router, type Response } from 'express';
import type { ApiContext } from '../context.js';
import { documentsContext, type DocumentsContext } from './context.js';
import { requireCaller, requireRole } from '../auth/caller.js';
import { AppError } from '../errors.js';
import { jsonFingerprint, withIdempotency } from '../idempotency.js';
import { parse } from '../validation.js';
import { hashAndSeal } from '../../storage/index.js';
import { readContent } from './content.js';
import { coSignatureTypedData, relayCoSignature } from './cosign.js';
import { revokeDocument, supersedeDocument } from './lifecycle.js';
import { readOperation, operationView, type OperationView } from './operations.js';
import { initPeerCopiesSchema } from './peer-content.js';
import { listDocuments, readDocument } from './read.js';
import { ReaderKeys } from './reader-keys.js';
import { hostedSigner, registerDocument, type Registration } from './register.js';
import {
  confirmQuerySchema,
  coSignatureRequestSchema,
  documentHashParamsSchema,
  listQuerySchema,
  operationParamsSchema,
  revocationRequestSchema,
  typedDataQuerySchema,
} from './schemas.js';
import { initAccessLogSchema } from '../records/access-log.js';
import { initDocumentsSchema, storedDocument } from './store.js';
import { readUpload, type Upload } from './upload.js';
import './openapi.js';

export function documentsRouter(apiContext: ApiContext): Router {
  const ctx = documentsContext(apiContext);
  initDocumentsSchema(ctx.db);
  // Every content read is logged: the log's tables must exist even where the records routes are not mounted.
  initAccessLogSchema(ctx.db);
  initPeerCopiesSchema(ctx.db);
  const readerKeys = new ReaderKeys(ctx.ledger);
  const router = Router();

  router.post('/v1/documents', requireRole('INSURER', 'REINSURER'), async (req, res) => {
    const caller = requireCaller(res);
    hostedSigner(ctx, caller);
    const { confirm } = parse(confirmQuerySchema, req.query, 'query');
    const upload = await readUpload(req, hashAndSeal, ctx.config.maxDocumentBytes);
    await withIdempotency(
      ctx,
      req,
      res,
      () => uploadFingerprint(upload),
      async () => {
        const registration = await registerDocument(ctx, readerKeys, caller, upload);
        await answerRegistration(ctx, res, registration, confirm);
      },
    );
  });

  router.post('/v1/documents/:hash/versions', requireRole('INSURER', 'REINSURER'), async (req, res) => {
    const caller = requireCaller(res);
    hostedSigner(ctx, caller);
    const { hash } = parse(documentHashParamsSchema, req.params, 'params');
    const { confirm } = parse(confirmQuerySchema, req.query, 'query');
    const upload = await readUpload(req, hashAndSeal, ctx.config.maxDocumentBytes);
    await withIdempotency(
      ctx,
      req,
      res,
      () => uploadFingerprint(upload, hash),
      async () => {
        const registration = await supersedeDocument(ctx, readerKeys, caller, hash, upload);
        await answerRegistration(ctx, res, registration, confirm);
      },
    );
  });

  router.post('/v1/documents/:hash/revocation', requireRole('INSURER', 'REINSURER'), async (req, res) => {
    const caller = requireCaller(res);
    const { hash } = parse(documentHashParamsSchema, req.params, 'params');
    const { confirm } = parse(confirmQuerySchema, req.query, 'query');
    const request = parse(revocationRequestSchema, req.body, 'body');
    const operation = await revokeDocument(ctx, caller, hash, request);
    await answerOperation(ctx, res, operation, confirm);
  });

  router.get('/v1/documents/:hash/typed-data', async (req, res) => {
    const caller = requireCaller(res);
    const { hash } = parse(documentHashParamsSchema, req.params, 'params');
    const { signer } = parse(typedDataQuerySchema, req.query, 'query');
    await requireSignerOrRegistrant(ctx, caller.account, hash, signer);
    res.json(await coSignatureTypedData(ctx, hash, signer));
  });

  router.post('/v1/documents/:hash/cosignatures', async (req, res) => {
    const caller = requireCaller(res);
    const { hash } = parse(documentHashParamsSchema, req.params, 'params');
    const { confirm } = parse(confirmQuerySchema, req.query, 'query');
    const request = parse(coSignatureRequestSchema, req.body, 'body');
    await requireSignerOrRegistrant(ctx, caller.account, hash, request.signer);
    const operation = await relayCoSignature(ctx, caller, hash, request);
    await answerOperation(ctx, res, operation, confirm);
  });

  router.get('/v1/documents/:hash/content', async (req, res) => {
    const caller = requireCaller(res);
    const { hash } = parse(documentHashParamsSchema, req.params, 'params');
    const content = await readContent(ctx, caller, hash);
    // Uploaded bytes are never rendered as part of this origin: always a download, sandboxed if opened anyway.
    res.setHeader('Content-Security-Policy', 'sandbox');
    res.attachment(content.fileName ?? `${hash.slice(2, 18)}.bin`);
    res.type(content.contentType);
    res.setHeader('Cache-Control', 'private, no-store');
    res.send(Buffer.from(content.bytes.buffer, content.bytes.byteOffset, content.bytes.byteLength));
  });

  router.get('/v1/documents/:hash', async (req, res) => {
    const caller = requireCaller(res);
    const { hash } = parse(documentHashParamsSchema, req.params, 'params');
    res.setHeader('Cache-Control', 'private, no-store');
    res.json(await readDocument(ctx, caller, hash));
  });

  router.get('/v1/documents', async (req, res) => {
    const caller = requireCaller(res);
    const query = parse(listQuerySchema, req.query, 'query');
    res.setHeader('Cache-Control', 'private, no-store');
    res.json(await listDocuments(ctx, caller, query));
  });

  router.get('/v1/operations/:id', (req, res) => {
    const caller = requireCaller(res);
    const { id } = parse(operationParamsSchema, req.params, 'params');
    res.json({ operation: readOperation(ctx, caller, id) });
  });

  return router;
}

/** The fingerprint of an upload for idempotency: its document hash and its metadata, canonically. */
function uploadFingerprint(upload: Upload, previousHash?: string): string {
  return jsonFingerprint({
    documentHash: upload.sealed.documentHash,
    metadata: upload.metadata,
    contentType: upload.contentType,
    previousHash: previousHash ?? null,
  });
}

/** Only the signer itself or the document's registrant asks for or relays a co-signature. */
async function requireSignerOrRegistrant(
  ctx: DocumentsContext,
  account: string,
  documentHash: string,
  signer: string,
): Promise<void> {
  if (account === signer) return;
  const registrant =
    (await ctx.index.document(documentHash))?.registrant ?? storedDocument(ctx.db, documentHash)?.registrant;
  if (registrant === account) return;
  throw new AppError(403, 'NOT_SIGNER_OR_REGISTRANT', `Only ${signer} or the document's registrant may do this`, {
    details: { documentHash, signer },
  });
}

async function answerRegistration(
  ctx: DocumentsContext,
  res: Response,
  registration: Registration,
  confirm: boolean,
): Promise<void> {
  const operation = confirm ? await confirmed(ctx, res, registration.operation) : registration.operation;
  res.setHeader(
    'Location',
    operation.state === 'anchored' ? `/v1/documents/${registration.documentHash}` : operation.href,
  );
  res.status(operation.state === 'anchored' && confirm ? 201 : 202).json({ ...registration, operation });
}

async function answerOperation(
  ctx: DocumentsContext,
  res: Response,
  operation: OperationView,
  confirm: boolean,
): Promise<void> {
  const answered = confirm ? await confirmed(ctx, res, operation) : operation;
  res.setHeader('Location', answered.href);
  res.status(answered.state === 'anchored' && confirm ? 200 : 202).json({ operation: answered });
}

/**
 * Waits (bounded by the configured limit) for `operation` to reach the chain: 408 CONFIRMATION_TIMEOUT with the
 * operation when it has not by then (it goes on), 422 ANCHORING_FAILED when the chain refused it.
 */
async function confirmed(ctx: DocumentsContext, res: Response, operation: OperationView): Promise<OperationView> {
  const settled = operationView(await ctx.anchoring.waitFor(operation.id, ctx.config.confirmTimeoutMs));
  // Kept by the problem answer too: where to follow the operation.
  res.setHeader('Location', settled.href);
  if (settled.state === 'failed') {
    throw new AppError(422, 'ANCHORING_FAILED', settled.error?.message ?? 'The chain refused the transaction', {
      details: { operation: settled },
    });
  }
  if (settled.state !== 'anchored') {
    throw new AppError(
      408,
      'CONFIRMATION_TIMEOUT',
      `Not anchored within ${ctx.config.confirmTimeoutMs} ms; the operation goes on (${settled.href})`,
      { details: { operation: settled } },
    );
  }
  return settled;
}
