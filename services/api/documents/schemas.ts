/**
 * The documents API's request and response schemas (zod), which validate at the edge and feed the OpenAPI document.
 * Addresses are accepted in any case and answered EIP-55 checksummed; hashes are 0x-prefixed lowercase hex.
 */
import { getAddress } from 'ethers';
import { z } from 'zod';
import { DOCUMENT_TYPES, type DocumentTypeName, REVOCATION_REASONS, TERMS_TYPES } from '../../ledger/documents.js';

/** The registry's enums by name (defined once, in the ledger client). */
export { DOCUMENT_TYPES, type DocumentTypeName, REVOCATION_REASONS, TERMS_TYPES };

export const DOCUMENT_STATUSES = ['pending', 'current', 'superseded', 'revoked'] as const;

/** The most co-signers the registry accepts for one document (`MAX_REQUIRED_SIGNERS`). */
export const MAX_REQUIRED_SIGNERS = 8;

export const addressSchema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, 'an address is 0x followed by 40 hex digits')
  .transform((value) => getAddress(value.toLowerCase()))
  .meta({
    description: 'Account address (any case accepted; answered EIP-55 checksummed)',
    example: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
  });

export const hashSchema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, 'a hash is 0x followed by 64 hex digits')
  .transform((value) => value.toLowerCase())
  .meta({ description: '32-byte hash, 0x-prefixed lowercase hex', example: `0x${'ab'.repeat(32)}` });

const uintString = z.string().regex(/^[0-9]{1,78}$/, 'a decimal unsigned integer');

const distinct = (values: string[]) => new Set(values).size === values.length;

/** The `personal` object: personal fields kept only in this API's store, never on chain or IPFS. */
export const personalFieldsSchema = z
  .record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'a field name'), z.string().max(256))
  .refine((value) => Object.keys(value).length <= 32, 'at most 32 personal fields')
  .meta({
    description: 'Personal fields (e.g. idNumber, phone, bankAccount), kept only by this API and masked in answers',
    example: { idNumber: 'AB123456', phone: '+44 20 7946 0958' },
  });

/** The terms behind a terms hash, so that a wallet can be shown (and sign) the terms themselves. */
export const documentTermsSchema = z
  .object({
    termsType: z.enum(TERMS_TYPES),
    terms: z.record(z.string(), z.unknown()),
  })
  .strict();

/** The `metadata` field of a registration (a JSON object sent before the `file` field). */
export const documentMetadataSchema = z
  .object({
    documentType: z.enum(DOCUMENT_TYPES),
    policyRef: z
      .string()
      .min(1)
      .max(128)
      .meta({ description: "The insurer's policy reference (goes on chain: no personal data)" }),
    retentionClass: z
      .union([z.literal(1), z.literal(2), z.literal(3)])
      .meta({ description: '1 life (permanent), 2 property (15 years after cover ends), 3 health (20 years)' }),
    coverEndsAt: z.iso
      .date()
      .or(z.iso.datetime())
      .meta({ description: 'When the cover ends (retention counts from it)' }),
    requiredSigners: z
      .array(addressSchema)
      .max(MAX_REQUIRED_SIGNERS)
      .refine(distinct, 'required signers must be distinct')
      .default([]),
    readers: z
      .array(addressSchema)
      .max(32)
      .refine(distinct, 'readers must be distinct')
      .default([])
      .meta({ description: 'Parties that may read the content (the registrant always may)' }),
    confidential: z.boolean().default(true),
    termsHash: hashSchema.optional().meta({ description: 'EIP-712 struct hash of the parametric terms' }),
    terms: documentTermsSchema.optional(),
    personal: personalFieldsSchema.optional(),
    mode: z
      .enum(['single', 'batch'])
      .optional()
      .meta({ description: 'Anchor at once or in the next Merkle batch (default: batch unless signers or terms)' }),
  })
  .strict()
  .meta({ id: 'DocumentMetadata' });
export type DocumentMetadata = z.output<typeof documentMetadataSchema>;

export const operationSchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    documentHash: z.string(),
    state: z.enum(['queued', 'sent', 'anchored', 'failed']),
    createdAt: z.string(),
    updatedAt: z.string(),
    transactionHash: z.string().optional(),
    blockNumber: z.number().int().optional(),
    merkleRoot: z.string().optional(),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
    href: z.string(),
  })
  .meta({ id: 'Operation' });

export const registrationResponseSchema = z
  .object({ documentHash: z.string(), cid: z.string(), operation: operationSchema })
  .meta({ id: 'DocumentRegistration' });

export const confirmQuerySchema = z.object({
  confirm: z
    .enum(['true', 'false'])
    .optional()
    .transform((value) => value === 'true')
    .meta({ description: 'Wait (bounded) for the anchor: 201 when anchored, 408 after the limit' }),
});

export const documentHashParamsSchema = z.object({ hash: hashSchema });
export const operationParamsSchema = z.object({ id: z.string().min(1).max(100) });

export const coSignatureStateSchema = z.enum(['pending', 'signed']);

export const documentViewSchema = z
  .object({
    documentHash: z.string(),
    status: z.enum(DOCUMENT_STATUSES),
    registrant: z.string(),
    documentType: z.enum(DOCUMENT_TYPES),
    policyRef: z.string(),
    retentionClass: z.number().int(),
    termsHash: z.string().nullable(),
    cid: z.string().nullable(),
    anchor: z
      .object({
        mode: z.enum(['single', 'batch']),
        blockNumber: z.number().int().nullable(),
        transactionHash: z.string().nullable(),
        anchoredAt: z.string().nullable(),
        merkleRoot: z.string().nullable(),
        proof: z.array(z.string()).nullable(),
      })
      .nullable(),
    version: z.number().int().nullable(),
    versions: z.array(z.object({ documentHash: z.string(), version: z.number().int(), status: z.string() })),
    currentVersion: z.string().nullable(),
    revocation: z.object({ reason: z.string(), revokedAt: z.string().nullable() }).nullable(),
    signatures: z.array(
      z.object({ signer: z.string(), state: coSignatureStateSchema, signedAt: z.string().nullable() }),
    ),
    fullySigned: z.boolean(),
    operation: operationSchema.nullable(),
    private: z
      .object({
        confidential: z.boolean(),
        readers: z.array(z.string()),
        coverEndsAt: z.string(),
        contentType: z.string(),
        fileName: z.string().nullable(),
        size: z.number().int(),
        personal: z.record(z.string(), z.unknown()).nullable(),
        erased: z.boolean(),
      })
      .nullable()
      .meta({ description: "The API's private metadata, for the registrant, readers, required signers and auditors" }),
  })
  .meta({ id: 'Document' });
export type DocumentView = z.infer<typeof documentViewSchema>;

export const listQuerySchema = z
  .object({
    policyRef: z.string().min(1).max(128).optional(),
    documentType: z.enum(DOCUMENT_TYPES).optional(),
    status: z.enum(DOCUMENT_STATUSES).optional(),
    registrant: addressSchema.optional(),
    requiredSigner: addressSchema.optional(),
    anchoredFrom: z.iso.datetime().or(z.iso.date()).optional(),
    anchoredTo: z.iso.datetime().or(z.iso.date()).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(25),
    // Any string: one the index did not issue is 400 INVALID_CURSOR, as for every listing.
    cursor: z.string().optional(),
  })
  .strict();
export type ListQuery = z.output<typeof listQuerySchema>;

export const documentListSchema = z
  .object({ items: z.array(documentViewSchema), nextCursor: z.string().nullable() })
  .meta({ id: 'DocumentList' });

export const typedDataQuerySchema = z.object({ signer: addressSchema }).strict();

export const typedDataResponseSchema = z
  .object({
    domain: z.object({
      name: z.string(),
      version: z.string(),
      chainId: z.string(),
      verifyingContract: z.string(),
    }),
    types: z.record(z.string(), z.array(z.object({ name: z.string(), type: z.string() }))),
    primaryType: z.string(),
    message: z.record(z.string(), z.unknown()),
    termsType: z.enum(TERMS_TYPES).optional(),
  })
  .meta({ id: 'CoSignatureTypedData', description: 'What a wallet signs with eth_signTypedData_v4' });

export const coSignatureRequestSchema = z
  .object({
    signer: addressSchema,
    nonce: uintString,
    deadline: uintString,
    signature: z.string().regex(/^0x([0-9a-fA-F]{2})+$/, 'hex bytes'),
    termsType: z.enum(TERMS_TYPES).optional(),
  })
  .strict()
  .meta({ id: 'CoSignatureRequest' });
export type CoSignatureRequest = z.output<typeof coSignatureRequestSchema>;

export const revocationRequestSchema = z
  .object({ reason: z.enum(REVOCATION_REASONS), note: z.string().max(500).optional() })
  .strict()
  .meta({ id: 'RevocationRequest' });
export type RevocationRequest = z.output<typeof revocationRequestSchema>;

export const operationResponseSchema = z.object({ operation: operationSchema }).meta({ id: 'OperationAnswer' });
