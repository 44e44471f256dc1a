/**
 * The treaty statement endpoints' schemas (zod), which validate at the edge and describe the paths in the shared
 * OpenAPI document. Amounts are decimal strings in the pool asset's base units; times ISO-8601 UTC block times.
 */
import { getAddress } from 'ethers';
import { STATEMENT_LINE_KINDS } from '../../ledger/treaty.js';
import { openApiRegistry, PARTY_SECURITY, problemResponses, z } from '../openapi.js';
import { STATEMENT_TOTALS } from './statement.js';

const addressPattern = /^0x[0-9a-fA-F]{40}$/;
/** An amount in base units of the pool asset, as a decimal string. */
export const amount = z
  .string()
  .regex(/^[0-9]+$/)
  .openapi({ description: 'Base units of the pool asset, decimal' });

/** A treaty's terms as the chain holds them: the statement states them, and the treaty listing shows them. */
export const TreatyTermsSchema = z.object({
  quotaShareBps: z.number().int(),
  cedingCommissionBps: z.number().int(),
  excessOfLossAttachment: amount,
  excessOfLossLimit: amount,
  excessOfLossAggregateLimit: amount,
});

export const TreatyParamsSchema = z.object({
  address: z
    .string()
    .regex(addressPattern, 'an address is 0x followed by 40 hex digits')
    // Any case: a wrong EIP-55 checksum is not a reason to refuse.
    .transform((value) => getAddress(value.toLowerCase()))
    .openapi({ description: 'The treaty contract (any case)', example: '0x5FbDB2315678afecb367f032d93F642f64180aa3' }),
});

const instant = z.iso
  .datetime({ offset: true })
  .transform((value) => new Date(value))
  .openapi({ description: 'ISO-8601 instant with Z or an offset, compared with block times' });

export const StatementQuerySchema = z
  .object({
    from: instant.optional().openapi({ description: 'First block time included (from the chain’s start when absent)' }),
    to: instant.optional().openapi({ description: 'First block time excluded (up to the latest block when absent)' }),
  })
  .strict()
  .refine(({ from, to }) => from === undefined || to === undefined || from.getTime() <= to.getTime(), {
    message: 'from must not be after to',
    path: ['from'],
  });

const StatementLineSchema = z
  .object({
    id: z.string().openapi({ description: '`<blockNumber>-<logIndex>`, stable', example: '412-3' }),
    kind: z.enum(STATEMENT_LINE_KINDS).openapi({ description: 'The treaty event the line comes from' }),
    blockNumber: z.number().int(),
    logIndex: z.number().int(),
    transactionHash: z.string(),
    time: z.string().openapi({ description: 'Block time, ISO-8601 UTC' }),
    policyId: z.string().nullable(),
    feedId: z.string().nullable().openapi({ description: 'The event (oracle feed) of a loss or shortfall' }),
    amounts: z.record(z.string(), amount).openapi({ description: 'The event’s amount fields by their names' }),
  })
  .openapi('TreatyStatementLine');

const StatementEventSchema = z
  .object({
    feedId: z.string(),
    losses: z.number().int(),
    gross: amount,
    cededQuotaShare: amount,
    cededExcessOfLoss: amount,
    retained: amount,
    shortfall: amount,
  })
  .openapi('TreatyStatementEvent');

export const TreatyStatementSchema = z
  .object({
    type: z.literal('PolicyLedgerTreatyStatement'),
    version: z.literal(1),
    chainId: z.string(),
    treaty: z.string(),
    pool: z.string(),
    insurer: z.string(),
    reinsurer: z.string(),
    terms: TreatyTermsSchema,
    period: z.object({
      from: z.string().nullable(),
      to: z.string().nullable(),
      fromBlock: z.number().int(),
      toBlock: z.number().int(),
    }),
    lines: z.array(StatementLineSchema),
    events: z.array(StatementEventSchema),
    totals: z.object({
      ...Object.fromEntries(STATEMENT_TOTALS.map((name) => [name, amount])),
      lines: z.number().int(),
    }),
  })
  .openapi('TreatyStatement');

export const StatementSignatureSchema = z
  .object({
    signer: z.string().regex(addressPattern, 'an address is 0x followed by 40 hex digits'),
    statementHash: z
      .string()
      .regex(/^0x[0-9a-fA-F]{64}$/, 'a hash is 0x followed by 64 hex digits')
      .openapi({ description: 'SHA-256 of the statement’s RFC 8785 canonical JSON' }),
    signature: z
      .string()
      .regex(/^0x[0-9a-fA-F]+$/, 'a signature is 0x-prefixed hex')
      .openapi({ description: 'EIP-712 `TreatyStatement(address treaty,bytes32 statementHash)` signature' }),
  })
  .openapi('TreatyStatementSignature');

export const SignedStatementSchema = z
  .object({ statement: TreatyStatementSchema, signature: StatementSignatureSchema })
  .openapi('SignedTreatyStatement');

/**
 * A statement to check: only what the signature binds is required, everything else is hashed as given (the schema
 * passes unknown members through untouched, so a statement with extra or altered members fails on its hash).
 */
export const VerifyStatementRequestSchema = z.object({
  statement: z.looseObject({
    chainId: z.string().regex(/^[0-9]+$/, 'a decimal chain id'),
    treaty: z.string().regex(addressPattern, 'an address is 0x followed by 40 hex digits'),
  }),
  signature: StatementSignatureSchema,
});

export const StatementSignatureCheckSchema = z
  .object({
    valid: z.boolean().openapi({ description: 'Hash, signature and signer all check, and the signer is active' }),
    statementHash: z.string(),
    hashMatches: z.boolean(),
    recoveredSigner: z.string().nullable(),
    signerMatches: z.boolean(),
    signerParty: z
      .object({
        registered: z.boolean(),
        active: z.boolean(),
        legalName: z.string(),
        roles: z.array(z.string()),
      })
      .nullable(),
    problems: z.array(z.string()),
  })
  .openapi('TreatyStatementSignatureCheck');

openApiRegistry.registerPath({
  method: 'get',
  path: '/v1/treaties/{address}/statement',
  summary: 'The signed statement of a treaty',
  description:
    'Every premium ceded and returned, every loss ceded (quota share and excess of loss, per event), shortfalls and ' +
    'their repayment, collateral and premium moves, each line naming its transaction and log, with totals — read ' +
    'from the chain’s logs, signed by this API’s member key. The treaty’s insurer and reinsurer, ADMINs and ' +
    'AUDITORs see it; to anyone else the treaty does not exist (404). `Accept: text/csv` gives the CSV rendition ' +
    '(the signature then comes in the `X-Statement-*` headers, over the JSON statement).',
  tags: ['Treaties'],
  security: PARTY_SECURITY,
  request: { params: TreatyParamsSchema, query: StatementQuerySchema },
  responses: {
    200: {
      description: 'The signed statement',
      content: {
        'application/json': { schema: SignedStatementSchema },
        'text/csv': { schema: z.string() },
      },
    },
    ...problemResponses(400, 401, 403, 404, 503),
  },
});

openApiRegistry.registerPath({
  method: 'post',
  path: '/v1/treaties/statements/verify',
  summary: 'Check the signature of a treaty statement',
  description:
    'Recomputes the statement’s hash, recovers the signer and reads whether it is an active party. No sign-in: a ' +
    'statement is meant to be handed on. The figures themselves are checked by `npm run audit:treaty`.',
  tags: ['Treaties'],
  request: { body: { required: true, content: { 'application/json': { schema: SignedStatementSchema } } } },
  responses: {
    200: { description: 'The check', content: { 'application/json': { schema: StatementSignatureCheckSchema } } },
    ...problemResponses(400),
  },
});
