/**
 * Request and response schemas of the consortium routes (zod), which validate at the edge and feed the OpenAPI
 * document. Addresses are accepted in any case and answered checksummed; ids, amounts and values are decimal strings.
 */
import { FEED_PHASES } from '../../ledger/consortium-feeds.js';
import { GOVERNED_CONTRACTS } from '../../ledger/consortium-calls.js';
import { PROPOSAL_STATES } from '../../ledger/governance.js';
import { ObservationStatus, type ObservationStatusName } from '../../shared/eip712.js';
import { addressSchema, hashSchema } from '../documents/schemas.js';
import { openApiRegistry, z } from '../openapi.js';

export { addressSchema, hashSchema };

const proposalId = z
  .string()
  .regex(/^[1-9][0-9]{0,19}$/, 'a proposal id is a positive decimal integer')
  .transform((value) => BigInt(value))
  .openapi({ example: '7' });

export const proposalParamsSchema = z.object({ id: proposalId });

export const proposalListQuerySchema = z
  .object({
    state: z.enum(PROPOSAL_STATES).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(50),
    cursor: proposalId.optional().openapi({ description: 'The `nextCursor` of the page before' }),
  })
  .strict();

const calldata = z
  .string()
  .regex(/^0x([0-9a-fA-F]{2}){4,}$/, 'calldata is 0x-prefixed hex of at least a 4-byte selector')
  .transform((value) => value.toLowerCase());

/** A raw call, or a named action the API encodes (and validates against the contract's ABI). */
export const proposalRequestSchema = z.union([
  z
    .object({ target: addressSchema, data: calldata })
    .strict()
    .openapi({ title: 'Raw call', description: 'The call as calldata; decoded in the answer where an ABI knows it' }),
  z
    .object({
      contract: z.enum(GOVERNED_CONTRACTS as [string, ...string[]]),
      target: addressSchema
        .optional()
        .openapi({ description: "The contract's address; defaults to the deployment's own contract of that name" }),
      function: z.string().min(1).max(200).openapi({ example: 'setConsumer' }),
      args: z
        .union([z.record(z.string(), z.unknown()), z.array(z.unknown())])
        .default({})
        .openapi({
          description: 'By parameter name, or in order; integers as decimal strings; roles by name (ORACLE)',
          example: { consumer: '0x90F79bf6EB2c4f870365E785982E1f101E93b906', allowed: true },
        }),
    })
    .strict()
    .openapi({ title: 'Named action' }),
]);
export type ProposalRequest = z.infer<typeof proposalRequestSchema>;

export const feedParamsSchema = z.object({ feedId: hashSchema });
export const feedListQuerySchema = z.object({ state: z.enum(FEED_PHASES).optional() }).strict();

const STATUS_NAMES = (Object.keys(ObservationStatus) as ObservationStatusName[]).filter((name) => name !== 'None');
export const resolutionRequestSchema = z
  .object({
    status: z.enum(STATUS_NAMES as [ObservationStatusName, ...ObservationStatusName[]]),
    value: z
      .string()
      .regex(/^-?[0-9]{1,40}$/, 'a decimal integer in the feed’s scaled unit')
      .transform((value) => BigInt(value))
      .openapi({ example: '185', description: 'Arrival delay in minutes, or a weather value in hundredths' }),
  })
  .strict();

export const rotationRequestSchema = z
  .object({ retire: addressSchema.optional(), appoint: addressSchema.optional() })
  .strict()
  .refine((value) => value.retire !== undefined || value.appoint !== undefined, 'name an oracle to retire or appoint')
  .refine((value) => value.retire === undefined || value.retire !== value.appoint, 'retire and appoint differ');

export const poolParamsSchema = z.object({ address: addressSchema });
export const consentQuerySchema = z.object({ target: addressSchema }).strict();
export const consentRequestSchema = z.object({ target: addressSchema, consented: z.boolean().default(true) }).strict();

// ---------------------------------------------------------------------------------------------------------------
// Responses (documentation)
// ---------------------------------------------------------------------------------------------------------------

const Address = z.string().openapi({ example: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' });
const Time = z.string().openapi({ description: 'ISO-8601 UTC', example: '2026-11-30T09:00:00.000Z' });

const DecodedCallSchema = openApiRegistry.register(
  'DecodedCall',
  z.object({
    target: Address,
    contract: z.string().nullable(),
    decoded: z.boolean().openapi({ description: 'False when no PolicyLedger ABI decodes the calldata (raw only)' }),
    selector: z.string(),
    function: z.string().optional(),
    signature: z.string().optional().openapi({ example: 'setConsumer(address,bool)' }),
    args: z.record(z.string(), z.unknown()).optional(),
    roleNames: z.record(z.string(), z.string()).optional(),
    data: z.string(),
  }),
);

export const ProposalSchema = openApiRegistry.register(
  'Proposal',
  z.object({
    id: z.string(),
    href: z.string(),
    state: z.enum(PROPOSAL_STATES),
    proposer: Address,
    call: DecodedCallSchema,
    approvals: z.number().int(),
    validApprovals: z.number().int(),
    requiredApprovals: z.number().int(),
    approvers: z.array(Address),
    expiresAt: Time,
    history: z.array(
      z.object({
        step: z.enum(['proposed', 'approved', 'executed', 'cancelled']),
        by: Address,
        transactionHash: z.string(),
        blockNumber: z.number().int(),
      }),
    ),
    executionCheck: z
      .object({ wouldSucceed: z.boolean(), code: z.string().optional(), message: z.string().optional() })
      .optional()
      .openapi({ description: 'Open proposals: whether the call would succeed if executed now' }),
  }),
);

const UnsignedTransactionSchema = z.object({
  from: Address,
  to: Address,
  data: z.string(),
  value: z.literal('0'),
  chainId: z.string(),
  gasLimit: z.string(),
  nonce: z.number().int(),
});

/** How an action went: sent with the caller's key hosted here, or returned for the caller's wallet to send. */
export const ActionSchema = openApiRegistry.register(
  'ConsortiumAction',
  z.union([
    z.object({
      mode: z.literal('sent'),
      transaction: z.object({ hash: z.string(), blockNumber: z.number().int(), from: Address }),
    }),
    z.object({ mode: z.literal('unsigned'), transaction: UnsignedTransactionSchema }),
  ]),
);

export const ProposalActionSchema = openApiRegistry.register(
  'ProposalAction',
  z.intersection(ActionSchema, z.object({ call: DecodedCallSchema, proposal: ProposalSchema.nullable() })),
);

export const FeedSchema = openApiRegistry.register(
  'Feed',
  z.object({
    feedId: z.string(),
    href: z.string(),
    state: z.enum(FEED_PHASES),
    consumers: z.array(Address),
    dataDeadline: Time,
    tolerance: z.string(),
    outcome: z.object({ status: z.string(), value: z.string(), at: Time }).nullable(),
    disputeWindowEndsAt: Time.nullable(),
    disputedAt: Time.nullable(),
    expirableAfter: Time.nullable(),
    reports: z.array(
      z.object({ oracle: Address, status: z.string(), value: z.string(), observedAt: Time, payloadHash: z.string() }),
    ),
  }),
);

export const WiringConsentsSchema = openApiRegistry.register(
  'WiringConsents',
  z.object({
    riskPool: Address,
    target: Address,
    consents: z.array(z.object({ party: Address, role: z.enum(['INSURER', 'REINSURER']), consented: z.boolean() })),
  }),
);
