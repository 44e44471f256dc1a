/**
 * The public verification endpoints' schemas, registered in the API's OpenAPI document. The report and certificate
 * check bodies are the library's (`services/ledger/verification.ts`, `certificate.ts`); these schemas describe them.
 */
import { CERTIFICATE_STEP_CODES, EvidenceCertificateSchema } from '../../ledger/certificate.js';
import { VERIFICATION_STEP_CODES } from '../../ledger/verification.js';
import { openApiRegistry, problemResponses, z } from '../openapi.js';

/** The most chain endpoints one certificate check may name. */
export const MAX_CERTIFICATE_ENDPOINTS = 8;

const documentHashExample = '0x9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';

export const DocumentHashParamsSchema = z.object({
  documentHash: z.string().openapi({
    description: 'SHA-256 of the document bytes: 0x and 64 hex digits (any case)',
    example: documentHashExample,
  }),
});

const proofNode = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'a 32-byte hex hash');

export const VerifyQuerySchema = z.object({
  proof: z
    .string()
    .max(64 * 67)
    .optional()
    .openapi({
      description:
        'A Merkle batch proof to check: comma-separated 32-byte hex siblings (leaves as OpenZeppelin StandardMerkleTree `bytes32`). Batches this API anchored are proven without it.',
    }),
  merkleRoot: proofNode.optional().openapi({ description: 'The batch root the proof should lead to (optional)' }),
});

const StepStatusSchema = z.enum(['passed', 'failed', 'skipped', 'warning']);

const VerificationStepSchema = z
  .object({
    code: z.enum(VERIFICATION_STEP_CODES),
    title: z.string(),
    status: StepStatusSchema,
    details: z.record(z.string(), z.unknown()),
  })
  .openapi('VerificationStep');

export const VerificationReportSchema = openApiRegistry.register(
  'VerificationReport',
  z
    .object({
      documentHash: z.string(),
      verdict: z.enum(['anchored-current', 'superseded', 'revoked', 'unknown']).openapi({
        description:
          '`anchored-current`: anchored (alone or in a batch) and current; `superseded`: a later version replaced it; `revoked`: revoked by its registrant; `unknown`: this chain has no anchor of the hash (a normal answer).',
      }),
      checkedAt: z.string().openapi({ description: 'ISO-8601 UTC' }),
      chainId: z.string(),
      asOfBlock: z.number().int().openapi({ description: 'The last block of the chain index the report reflects' }),
      contracts: z.object({ evidenceRegistry: z.string(), consortiumAccess: z.string() }),
      steps: z.array(VerificationStepSchema).openapi({
        description:
          'HASH_COMPUTED, ANCHOR_FOUND, REGISTRANT_AUTHORISED, COSIGNATURES, VERSION_STATUS, BATCH_MEMBERSHIP, always in this order',
      }),
    })
    .openapi({ description: 'A public verification report: no personal data, no content' }),
);

// The library builds its schema with plain zod, possibly before `.openapi()` is added: wrap its shape here.
export const EvidenceCertificateComponent = openApiRegistry.register(
  'EvidenceCertificate',
  z.object(EvidenceCertificateSchema.shape).openapi({
    description: 'An evidence certificate (format policyledger-evidence-certificate, version 1)',
  }),
);

const CertificateStepSchema = z
  .object({
    code: z.enum(CERTIFICATE_STEP_CODES),
    title: z.string(),
    status: StepStatusSchema,
    details: z.record(z.string(), z.unknown()),
  })
  .openapi('CertificateStep');

const CertificateCheckSchema = z
  .object({
    documentHash: z.string().nullable(),
    checkedAt: z.string(),
    valid: z.boolean(),
    steps: z.array(CertificateStepSchema),
  })
  .openapi('CertificateOfflineCheck');

const EndpointCheckSchema = z
  .object({
    rpcUrl: z.string(),
    reachable: z.boolean(),
    chainId: z.string().nullable(),
    verdict: z.enum(['anchored-current', 'superseded', 'revoked', 'unknown']).nullable(),
    matchesCertificate: z.boolean(),
    steps: z.array(CertificateStepSchema),
    error: z.string().optional(),
  })
  .openapi('CertificateEndpointCheck');

const ChainsCheckSchema = z
  .object({
    documentHash: z.string(),
    checkedAt: z.string(),
    endpoints: z.array(EndpointCheckSchema),
    agreement: z.object({
      unanimous: z.boolean(),
      disagreeing: z.array(z.string()),
      unreachable: z.array(z.string()),
    }),
  })
  .openapi('CertificateChainsCheck');

export const CertificateVerifyRequestSchema = z
  .object({
    certificate: z.record(z.string(), z.unknown()).openapi({
      description: 'An evidence certificate as `GET /v1/certificates/{documentHash}` gives it (checked, not trusted)',
    }),
    endpoints: z
      .array(z.url({ protocol: /^https?$/ }))
      .max(MAX_CERTIFICATE_ENDPOINTS)
      .optional()
      .openapi({
        description: `Chain JSON-RPC endpoints to check it against (at most ${MAX_CERTIFICATE_ENDPOINTS}), e.g. each consortium member's own node`,
      }),
  })
  .openapi('CertificateVerifyRequest');

export const CertificateVerifyResponseSchema = z
  .object({
    valid: z.boolean().openapi({
      description: 'The offline check passed and every endpoint given matched the certificate and agreed',
    }),
    offline: CertificateCheckSchema,
    chains: ChainsCheckSchema.nullable(),
  })
  .openapi('CertificateVerifyResult');

const json = (schema: z.ZodType, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

openApiRegistry.registerPath({
  method: 'get',
  path: '/v1/verify/{documentHash}',
  tags: ['Verification'],
  summary: 'Verify a document by its hash (public)',
  description:
    'The verification report of a document hash, from the chain index. An unknown hash answers 200 with verdict `unknown`.',
  request: { params: DocumentHashParamsSchema, query: VerifyQuerySchema },
  responses: {
    200: json(VerificationReportSchema, 'The report'),
    ...problemResponses(400, 503),
  },
});

openApiRegistry.registerPath({
  method: 'post',
  path: '/v1/verify',
  tags: ['Verification'],
  summary: 'Verify a document by uploading it (public)',
  description:
    'Multipart upload of one file (any field name); the bytes are hashed with SHA-256 as they stream in and never stored. Optional fields `proof` and `merkleRoot` as in the GET.',
  request: {
    body: {
      content: {
        'multipart/form-data': {
          schema: z.object({
            file: z.string().openapi({ format: 'binary' }),
            proof: z.string().optional(),
            merkleRoot: z.string().optional(),
          }),
        },
      },
    },
  },
  responses: {
    200: json(VerificationReportSchema, 'The report, with HASH_COMPUTED passed'),
    ...problemResponses(400, 413, 415, 503),
  },
});

openApiRegistry.registerPath({
  method: 'get',
  path: '/v1/certificates/{documentHash}',
  tags: ['Verification'],
  summary: 'Evidence certificate of an anchored document (public)',
  description:
    'Everything needed to check the document later without this API: hash, chain id, contracts, anchor block (number, hash, time) and transaction, Merkle proof, co-signatures with their signed messages, EIP-712 domain.',
  request: { params: DocumentHashParamsSchema },
  responses: {
    200: json(EvidenceCertificateComponent, 'The certificate'),
    ...problemResponses(400, 404, 503),
  },
});

openApiRegistry.registerPath({
  method: 'post',
  path: '/v1/certificates/verify',
  tags: ['Verification'],
  summary: 'Check an evidence certificate offline and against chain endpoints (public)',
  request: { body: { content: { 'application/json': { schema: CertificateVerifyRequestSchema } } } },
  responses: {
    200: json(CertificateVerifyResponseSchema, 'The checks, step by step'),
    ...problemResponses(400, 413, 415),
  },
});
