/** The documents API's paths in the shared OpenAPI registry (registered once, at module load). */
import { z } from 'zod';
import { openApiRegistry, PARTY_SECURITY, problemResponses } from '../openapi.js';
import {
  confirmQuerySchema,
  coSignatureRequestSchema,
  documentHashParamsSchema,
  documentListSchema,
  documentMetadataSchema,
  documentViewSchema,
  listQuerySchema,
  operationParamsSchema,
  operationResponseSchema,
  registrationResponseSchema,
  revocationRequestSchema,
  typedDataQuerySchema,
  typedDataResponseSchema,
} from './schemas.js';

const json = (schema: z.ZodType, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

const uploadBody = {
  required: true,
  content: {
    'multipart/form-data': {
      schema: z.object({
        metadata: z.string().meta({
          description: 'JSON of DocumentMetadata; must come before `file`',
          contentMediaType: 'application/json',
        }),
        file: z.string().meta({ description: 'The document bytes', format: 'binary' }),
      }),
      encoding: { metadata: { contentType: 'application/json' } },
    },
  },
};

const hashParams = documentHashParamsSchema;
const tags = ['Documents'];

openApiRegistry.register('DocumentMetadata', documentMetadataSchema);

openApiRegistry.registerPath({
  method: 'post',
  path: '/v1/documents',
  tags,
  summary: 'Register a document',
  description:
    'Streams the file once: SHA-256 (the documentHash) and, when confidential, AES-256-GCM under a fresh key wrapped ' +
    'with HPKE for each reader party. Content goes to IPFS; the anchor to the durable outbox. INSURER or REINSURER ' +
    'whose key this API holds (else 403 PARTY_NOT_HOSTED). 409 DOCUMENT_EXISTS, 422 READER_KEY_UNSUPPORTED.',
  security: PARTY_SECURITY,
  request: { query: confirmQuerySchema, body: uploadBody },
  responses: {
    201: json(registrationResponseSchema, 'Anchored (with ?confirm=true)'),
    202: json(registrationResponseSchema, 'Accepted: the anchor is in the durable outbox'),
    ...problemResponses(400, 401, 403, 408, 409, 413, 415, 422),
  },
});

openApiRegistry.registerPath({
  method: 'get',
  path: '/v1/documents',
  tags,
  summary: 'List the documents the caller may see',
  security: PARTY_SECURITY,
  request: { query: listQuerySchema },
  responses: { 200: json(documentListSchema, 'A page of documents'), ...problemResponses(400, 401, 403) },
});

openApiRegistry.registerPath({
  method: 'get',
  path: '/v1/documents/{hash}',
  tags,
  summary: "A document's metadata, version chain and signatures",
  security: PARTY_SECURITY,
  request: { params: hashParams },
  responses: { 200: json(documentViewSchema, 'The document'), ...problemResponses(400, 401, 403, 404) },
});

openApiRegistry.registerPath({
  method: 'get',
  path: '/v1/documents/{hash}/content',
  tags,
  summary: "A document's content (decrypted for a reader party whose key this API holds)",
  security: PARTY_SECURITY,
  request: { params: hashParams },
  responses: {
    200: {
      description: 'The document bytes, with their content type',
      content: { 'application/octet-stream': { schema: z.string().meta({ format: 'binary' }) } },
    },
    ...problemResponses(400, 401, 403, 404, 410),
  },
});

openApiRegistry.registerPath({
  method: 'get',
  path: '/v1/documents/{hash}/typed-data',
  tags,
  summary: 'The EIP-712 co-signature a required signer signs',
  security: PARTY_SECURITY,
  request: { params: hashParams, query: typedDataQuerySchema },
  responses: {
    200: json(typedDataResponseSchema, 'Typed data for eth_signTypedData_v4'),
    ...problemResponses(400, 401, 403, 404, 409, 422),
  },
});

openApiRegistry.registerPath({
  method: 'post',
  path: '/v1/documents/{hash}/cosignatures',
  tags,
  summary: 'Relay a co-signature through the outbox',
  description: "Checked first: required and pending signer, deadline, and an EOA's signature recovers to the signer.",
  security: PARTY_SECURITY,
  request: {
    params: hashParams,
    query: confirmQuerySchema,
    body: { required: true, content: { 'application/json': { schema: coSignatureRequestSchema } } },
  },
  responses: {
    200: json(operationResponseSchema, 'Anchored (with ?confirm=true)'),
    202: json(operationResponseSchema, 'Accepted'),
    ...problemResponses(400, 401, 403, 404, 408, 409, 415, 422),
  },
});

openApiRegistry.registerPath({
  method: 'post',
  path: '/v1/documents/{hash}/versions',
  tags,
  summary: 'Register a new version that supersedes this one (its registrant only)',
  security: PARTY_SECURITY,
  request: { params: hashParams, query: confirmQuerySchema, body: uploadBody },
  responses: {
    201: json(registrationResponseSchema, 'Anchored (with ?confirm=true)'),
    202: json(registrationResponseSchema, 'Accepted'),
    ...problemResponses(400, 401, 403, 404, 408, 409, 413, 415, 422),
  },
});

openApiRegistry.registerPath({
  method: 'post',
  path: '/v1/documents/{hash}/revocation',
  tags,
  summary: 'Revoke a document with a reason (its registrant only)',
  security: PARTY_SECURITY,
  request: {
    params: hashParams,
    query: confirmQuerySchema,
    body: { required: true, content: { 'application/json': { schema: revocationRequestSchema } } },
  },
  responses: {
    200: json(operationResponseSchema, 'Revoked (with ?confirm=true)'),
    202: json(operationResponseSchema, 'Accepted'),
    ...problemResponses(400, 401, 403, 404, 408, 409, 415, 422),
  },
});

openApiRegistry.registerPath({
  method: 'get',
  path: '/v1/operations/{id}',
  tags: ['Operations'],
  summary: 'An operation: queued, sent, anchored (block, transaction) or failed (reason)',
  security: PARTY_SECURITY,
  request: { params: operationParamsSchema },
  responses: { 200: json(operationResponseSchema, 'The operation'), ...problemResponses(401, 403, 404) },
});
