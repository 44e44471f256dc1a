/**
 * Public verification (no sign-in): reports by hash or by upload, evidence certificates, and certificate checks.
 *
 * The verify routes read the chain index only (no RPC call per request, so they answer at the index's rate) and keep
 * each report for as long as the index head does not move: a report is a function of (hash, batch proof, head).
 * Certificates also read the hashes of the blocks they name from the node (the index does not keep them).
 * Checking a certificate against chain endpoints makes this API call the endpoints the caller names: at most
 * `MAX_CERTIFICATE_ENDPOINTS`, http(s) only, each bounded by a timeout.
 */
import { Router, type Request, type Response } from 'express';
import {
  buildCertificate,
  certificateBlockHashes,
  DocumentNotFoundError,
  verifyCertificateAgainstChains,
  verifyCertificateOffline,
  type ChainsCheck,
} from '../../ledger/certificate.js';
import {
  buildVerificationReport,
  InvalidDocumentHashError,
  normaliseDocumentHash,
  type ReportOptions,
  type SuppliedBatchProof,
  type VerificationReport,
} from '../../ledger/verification.js';
import { evidenceFromIndex, IndexNotReadyError, type VerificationIndex } from '../../ledger/verification-index.js';
import type { ApiContext } from '../context.js';
import { AppError } from '../errors.js';
import { parse } from '../validation.js';
import { CertificateVerifyRequestSchema, DocumentHashParamsSchema, VerifyQuerySchema } from './schemas.js';
import { hashUpload } from './upload.js';

/** Where the API finds the proofs of the batches it anchored (`AnchoringService.batchProof`). */
export interface BatchProofSource {
  batchProof(documentHash: string): { merkleRoot: string; proof: string[] } | null;
}

/**
 * What the verification routes use of the API context: the chain index as `ChainIndex` (services/indexer) gives it
 * and the anchoring service's batch proofs. `ApiContext` satisfies it once it carries those modules' types.
 */
export type VerificationContext = Pick<ApiContext, 'config' | 'ledger' | 'logger'> & {
  index: VerificationIndex;
  anchoring: BatchProofSource;
};

/** Timeout of each chain endpoint a certificate is checked against. */
const ENDPOINT_TIMEOUT_MS = 10_000;
/** Reports kept per index head; the cache empties when the head moves. */
const REPORT_CACHE_ENTRIES = 10_000;

/** A report without its `checkedAt`, per (hash, proof) at one index head. */
class ReportCache {
  private head: number | null = null;
  private readonly reports = new Map<string, Promise<Omit<VerificationReport, 'checkedAt'> & { asOfBlock: number }>>();

  get(
    head: number,
    key: string,
    build: () => Promise<Omit<VerificationReport, 'checkedAt'> & { asOfBlock: number }>,
  ): Promise<Omit<VerificationReport, 'checkedAt'> & { asOfBlock: number }> {
    if (head !== this.head) {
      this.reports.clear();
      this.head = head;
    }
    const cached = this.reports.get(key);
    if (cached !== undefined) return cached;
    if (this.reports.size >= REPORT_CACHE_ENTRIES) this.reports.clear();
    const building = build();
    this.reports.set(key, building);
    // A failed read is not kept: the next request tries again.
    building.catch(() => this.reports.delete(key));
    return building;
  }
}

function documentHashOf(params: unknown): string {
  const { documentHash } = parse(DocumentHashParamsSchema, params, 'params');
  try {
    return normaliseDocumentHash(documentHash);
  } catch (error) {
    if (error instanceof InvalidDocumentHashError) {
      throw new AppError(400, 'INVALID_DOCUMENT_HASH', error.message, { details: { documentHash } });
    }
    throw error;
  }
}

/** The batch proof the caller supplied (query or form fields), else the one of a batch this API anchored. */
function batchProofOf(
  ctx: VerificationContext,
  documentHash: string,
  supplied: { proof?: string | undefined; merkleRoot?: string | undefined },
): SuppliedBatchProof | null {
  if (supplied.proof !== undefined) {
    const proof = supplied.proof === '' ? [] : supplied.proof.split(',').map((node) => node.trim());
    if (!proof.every((node) => /^0x[0-9a-fA-F]{64}$/.test(node))) {
      throw new AppError(400, 'INVALID_BATCH_PROOF', 'proof must be comma-separated 32-byte hex hashes');
    }
    return { proof, ...(supplied.merkleRoot === undefined ? {} : { merkleRoot: supplied.merkleRoot }) };
  }
  return ctx.anchoring.batchProof(documentHash);
}

async function indexHead(ctx: VerificationContext): Promise<number> {
  const head = await ctx.index.headBlock();
  if (head === null)
    throw new AppError(503, 'INDEX_NOT_READY', 'The chain index has not synced yet: try again shortly');
  return head;
}

function fromIndexErrors(error: unknown): never {
  if (error instanceof IndexNotReadyError) throw new AppError(503, 'INDEX_NOT_READY', error.message, { cause: error });
  throw error;
}

/** The verification routes over `ctx`. */
export function verificationRouter(ctx: VerificationContext): Router {
  const router = Router();
  const cache = new ReportCache();

  async function report(
    documentHash: string,
    batchProof: SuppliedBatchProof | null,
    options: ReportOptions = {},
  ): Promise<VerificationReport & { asOfBlock: number }> {
    const head = await indexHead(ctx);
    const key = `${documentHash}|${batchProof?.merkleRoot ?? ''}|${batchProof?.proof.join(',') ?? ''}|${options.hashedBytes?.size ?? ''}`;
    const kept = await cache
      .get(head, key, async () => {
        const evidence = await evidenceFromIndex(ctx.index, documentHash, { batchProof });
        const built: Partial<VerificationReport> = buildVerificationReport(evidence, options);
        delete built.checkedAt;
        return { ...(built as Omit<VerificationReport, 'checkedAt'>), asOfBlock: head };
      })
      .catch(fromIndexErrors);
    // Field order as the schema lists it; `checkedAt` is the time of this answer.
    return {
      documentHash: kept.documentHash,
      verdict: kept.verdict,
      checkedAt: new Date().toISOString(),
      chainId: kept.chainId,
      asOfBlock: kept.asOfBlock,
      contracts: kept.contracts,
      steps: kept.steps,
    };
  }

  router.get('/v1/verify/:documentHash', async (req: Request, res: Response) => {
    const documentHash = documentHashOf(req.params);
    const query = parse(VerifyQuerySchema, req.query, 'query');
    res.json(await report(documentHash, batchProofOf(ctx, documentHash, query)));
  });

  router.post('/v1/verify', async (req: Request, res: Response) => {
    let upload;
    try {
      upload = await hashUpload(req, ctx.config.maxDocumentBytes);
    } catch (error) {
      if (error instanceof AppError && error.status === 413) res.setHeader('Connection', 'close');
      throw error;
    }
    const fields = parse(VerifyQuerySchema, upload.fields, 'body');
    const batchProof = batchProofOf(ctx, upload.documentHash, fields);
    res.json(await report(upload.documentHash, batchProof, { hashedBytes: { size: upload.size } }));
  });

  router.get('/v1/certificates/:documentHash', async (req: Request, res: Response) => {
    const documentHash = documentHashOf(req.params);
    const batchProof = ctx.anchoring.batchProof(documentHash);
    const evidence = await evidenceFromIndex(ctx.index, documentHash, { batchProof }).catch(fromIndexErrors);
    // Nothing to fetch for an unknown document: buildCertificate refuses it below.
    const blockHashes = await certificateBlockHashes(ctx.ledger.provider, evidence);
    try {
      res.json(buildCertificate(evidence, { blockHashes }));
    } catch (error) {
      if (error instanceof DocumentNotFoundError) {
        throw new AppError(404, 'DOCUMENT_NOT_FOUND', error.message, { cause: error, details: { documentHash } });
      }
      throw error;
    }
  });

  router.post('/v1/certificates/verify', async (req: Request, res: Response) => {
    const body = parse(CertificateVerifyRequestSchema, req.body, 'body');
    const offline = verifyCertificateOffline(body.certificate);
    const endpoints = body.endpoints ?? [];
    let chains: ChainsCheck | null = null;
    if (offline.documentHash !== null && endpoints.length > 0) {
      chains = await verifyCertificateAgainstChains(body.certificate, endpoints, { timeoutMs: ENDPOINT_TIMEOUT_MS });
    }
    const chainsOk =
      chains === null ||
      (chains.agreement.disagreeing.length === 0 && chains.endpoints.every((endpoint) => endpoint.matchesCertificate));
    res.json({ valid: offline.valid && chainsOk, offline, chains });
  });

  return router;
}
