/**
 * Request and response schemas of selling and changing policies (zod): offers, proposals (a policy's wording anchored
 * and waiting for the client's consent), consent, endorsements, cancellations and credits. They validate at the edge
 * and feed the OpenAPI document. Amounts are decimal strings in the stablecoin's base units (6 decimals); the checks
 * here are those the products make of terms that do not depend on the chain's time or state.
 */
import { z } from 'zod';
import { addressSchema, hashSchema } from '../documents/schemas.js';
import { POLICY_ID_PATTERN } from '../../ledger/policy-ids.js';

/** The largest amount a product accepts (`MAX_AMOUNT`, uint48). */
export const MAX_AMOUNT = 2n ** 48n - 1n;
/** Most delay tiers (flight) or steps (weather) of a policy. */
export const MAX_TIERS = 4;
/** Longest weather window, in days (`MAX_COVERAGE_DAYS`). */
export const MAX_COVERAGE_DAYS = 31;
/** Largest magnitude of a weather trigger, exit or step threshold (`MAX_ABS_INDEX`). */
const MAX_ABS_INDEX = 31n * 10n ** 30n;
const MAX_ABS_DAILY_VALUE = 10n ** 30n;

export const amountSchema = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,14})$/, 'an amount is a decimal string of base units')
  .refine((value) => BigInt(value) <= MAX_AMOUNT, `at most ${MAX_AMOUNT} (the products' largest amount)`)
  .meta({ description: 'Stablecoin base units (6 decimals), decimal string', example: '50000000' });

const signedIntegerSchema = (limit: bigint) =>
  z
    .string()
    .regex(/^-?(0|[1-9][0-9]{0,31})$/, 'a decimal integer')
    .refine((value) => (BigInt(value) < 0n ? -BigInt(value) : BigInt(value)) <= limit, `magnitude at most ${limit}`);

const bpsSchema = z.number().int().min(0).max(10_000);
const monthsSchema = z
  .array(z.number().int().min(1).max(12))
  .min(1)
  .max(12)
  .refine((months) => new Set(months).size === months.length, 'months must be distinct');

/** How the premium is set: a fixed amount, or a rate of the sum insured from the insurer's tariff. */
export const pricingSchema = z
  .union([
    z.object({ premium: amountSchema }).strict(),
    z
      .object({
        tariff: z
          .array(
            z
              .object({
                route: z
                  .string()
                  .regex(/^[A-Z]{3}-[A-Z]{3}$/, 'a route is ORIGIN-DESTINATION (IATA airport codes)')
                  .optional(),
                location: z.string().min(1).max(64).optional(),
                months: monthsSchema.meta({ description: 'The season: months (1-12, UTC) of the cover start' }),
                rateBps: z.number().int().min(1).max(10_000),
              })
              .strict(),
          )
          .min(1)
          .max(64),
      })
      .strict(),
  ])
  .meta({
    description:
      'Either { premium } or { tariff: [{ route | location, months, rateBps }] }: the first rate whose route (flight) ' +
      'or location (weather) matches, or that names none, and whose months include the cover start month, gives ' +
      'premium = sumInsured × rateBps / 10,000',
  });
export type Pricing = z.output<typeof pricingSchema>;

const flightOfferSchema = z
  .object({
    kind: z.literal('flight-delay'),
    name: z.string().min(1).max(128),
    delayTiers: z
      .array(z.object({ minutes: z.number().int().min(1).max(65_535), payout: amountSchema }).strict())
      .min(1)
      .max(MAX_TIERS)
      .refine(
        (tiers) => tiers.every((tier, i) => i === 0 || tier.minutes > tiers[i - 1]!.minutes),
        'tiers must be in ascending order of minutes',
      )
      .refine((tiers) => tiers.every((tier) => BigInt(tier.payout) > 0n), 'each tier pays more than zero'),
    cancellationPayout: amountSchema,
    diversionPayout: amountSchema,
    sumInsured: amountSchema,
    cover: z
      .object({
        startsBeforeDepartureMinutes: z
          .number()
          .int()
          .min(0)
          .max(7 * 24 * 60)
          .default(0),
        endsAfterArrivalMinutes: z
          .number()
          .int()
          .min(0)
          .max(7 * 24 * 60),
      })
      .strict(),
    cancellationRefundBps: bpsSchema,
    pricing: pricingSchema,
  })
  .strict()
  .superRefine((offer, issues) => {
    const sum = BigInt(offer.sumInsured);
    offer.delayTiers.forEach((tier, i) => {
      if (BigInt(tier.payout) > sum) {
        issues.addIssue({ code: 'custom', path: ['delayTiers', i, 'payout'], message: 'above the sum insured' });
      }
    });
    for (const field of ['cancellationPayout', 'diversionPayout'] as const) {
      if (BigInt(offer[field]) > sum)
        issues.addIssue({ code: 'custom', path: [field], message: 'above the sum insured' });
    }
  });

export const WEATHER_METRICS = ['PrecipitationSum', 'TemperatureMax', 'WindSpeedMax'] as const;
export const AGGREGATIONS = ['Sum', 'Maximum', 'DaysAbove', 'DaysBelow'] as const;

const weatherOfferSchema = z
  .object({
    kind: z.literal('weather-index'),
    name: z.string().min(1).max(128),
    location: z
      .object({
        latitude: z.number().min(-90).max(90),
        longitude: z.number().min(-180).max(180),
        stationId: z.string().max(32).default(''),
      })
      .strict()
      .meta({ description: 'A point (degrees, kept to 1e-4) and/or a weather station id' }),
    metric: z.enum(WEATHER_METRICS).meta({
      description: 'Daily precipitation sum (0.01 mm), maximum temperature (0.01 °C) or maximum wind (0.01 km/h)',
    }),
    window: z.object({ startDate: z.iso.date(), endDate: z.iso.date() }).strict(),
    aggregation: z.enum(AGGREGATIONS),
    dayThreshold: signedIntegerSchema(MAX_ABS_DAILY_VALUE).default('0'),
    trigger: signedIntegerSchema(MAX_ABS_INDEX),
    exit: signedIntegerSchema(MAX_ABS_INDEX),
    steps: z
      .array(z.object({ threshold: signedIntegerSchema(MAX_ABS_INDEX), payout: amountSchema }).strict())
      .max(MAX_TIERS)
      .default([]),
    sumInsured: amountSchema,
    cancellationRefundBps: bpsSchema,
    pricing: pricingSchema,
  })
  .strict()
  .superRefine((offer, issues) => {
    const days = (Date.parse(offer.window.endDate) - Date.parse(offer.window.startDate)) / 86_400_000 + 1;
    if (days < 1 || days > MAX_COVERAGE_DAYS) {
      issues.addIssue({
        code: 'custom',
        path: ['window'],
        message: `the window runs 1 to ${MAX_COVERAGE_DAYS} days`,
      });
    }
    if (offer.trigger === offer.exit)
      issues.addIssue({ code: 'custom', path: ['exit'], message: 'equals the trigger' });
    const rising = BigInt(offer.exit) > BigInt(offer.trigger);
    offer.steps.forEach((step, i) => {
      if (BigInt(step.payout) === 0n || BigInt(step.payout) > BigInt(offer.sumInsured)) {
        issues.addIssue({ code: 'custom', path: ['steps', i, 'payout'], message: 'from 1 to the sum insured' });
      }
      const previous = offer.steps[i - 1];
      if (previous !== undefined) {
        const ordered = rising
          ? BigInt(step.threshold) > BigInt(previous.threshold)
          : BigInt(step.threshold) < BigInt(previous.threshold);
        if (!ordered) {
          issues.addIssue({
            code: 'custom',
            path: ['steps', i, 'threshold'],
            message: 'steps go from the trigger towards the exit',
          });
        }
      }
    });
  });

export const offerRequestSchema = z
  .discriminatedUnion('kind', [flightOfferSchema, weatherOfferSchema])
  .meta({ id: 'OfferRequest' });
export type OfferRequest = z.output<typeof offerRequestSchema>;
export type FlightOffer = Extract<OfferRequest, { kind: 'flight-delay' }>;
export type WeatherOffer = Extract<OfferRequest, { kind: 'weather-index' }>;

export const offerSchema = z
  .object({
    id: z.string(),
    insurer: z.string(),
    createdAt: z.string(),
    offer: z.record(z.string(), z.unknown()).meta({ description: 'The offer as defined (OfferRequest)' }),
  })
  .meta({ id: 'Offer' });

export const offerParamsSchema = z.object({ offerId: z.string().regex(/^offer-[0-9a-f]{16}$/, 'an offer id') });

/** An instant with its UTC offset, e.g. 2026-12-01T10:05:00+01:00 (Z counts as an offset). */
const instantSchema = z.iso
  .datetime({ offset: true })
  .meta({ description: 'ISO-8601 instant with its offset', example: '2026-12-01T10:05:00+01:00' });

export const flightApplicationSchema = z
  .object({
    carrier: z
      .string()
      .regex(/^[A-Za-z0-9]{2,3}$/, 'an IATA airline designator')
      .transform((value) => value.toUpperCase()),
    flightNumber: z
      .string()
      .regex(/^[0-9]{1,4}[A-Za-z]?$/, 'digits and an optional suffix letter')
      .transform((value) => value.toUpperCase()),
    scheduledDeparture: instantSchema,
    scheduledArrival: instantSchema,
    origin: z
      .string()
      .regex(/^[A-Z]{3}$/, 'an IATA airport code')
      .optional(),
    destination: z
      .string()
      .regex(/^[A-Z]{3}$/, 'an IATA airport code')
      .optional(),
    coverStart: instantSchema
      .optional()
      .meta({ description: "When cover starts; default the offer's cover window before departure" }),
  })
  .strict();
export type FlightApplication = z.output<typeof flightApplicationSchema>;

export const policyRequestSchema = z
  .object({
    offerId: offerParamsSchema.shape.offerId,
    client: addressSchema.meta({ description: 'The policyholder (an active CLIENT)' }),
    flight: flightApplicationSchema.optional().meta({ description: 'The flight (flight delay offers only)' }),
    premium: amountSchema.optional().meta({ description: "Overrides the offer's pricing" }),
  })
  .strict()
  .meta({ id: 'PolicyRequest' });
export type PolicyRequest = z.output<typeof policyRequestSchema>;

export const endorsementRequestSchema = z
  .object({
    offerId: offerParamsSchema.shape.offerId.optional().meta({ description: "Default: the policy's offer" }),
    flight: flightApplicationSchema.optional().meta({ description: 'The new flight (flight delay policies)' }),
    premium: amountSchema.optional(),
  })
  .strict()
  .meta({ id: 'EndorsementRequest' });
export type EndorsementRequest = z.output<typeof endorsementRequestSchema>;

const uintString = z.string().regex(/^[0-9]{1,78}$/, 'a decimal unsigned integer');
const signatureSchema = z.string().regex(/^0x[0-9a-fA-F]{130}$/, 'a 65-byte signature, 0x hex');

export const consentRequestSchema = z
  .object({
    termsSignature: z
      .object({ nonce: uintString, deadline: uintString, signature: signatureSchema })
      .strict()
      .optional()
      .meta({ description: 'The holder’s signature of the proposal’s termsCoSignature typed data' }),
    permit: z
      .object({ deadline: uintString, signature: signatureSchema })
      .strict()
      .optional()
      .meta({ description: 'The holder’s EIP-2612 permit of the premium (not needed after an approval)' }),
    signWithHostedKey: z
      .boolean()
      .optional()
      .meta({ description: 'Sign with the holder’s key held by this API (embedded demo parties only)' }),
  })
  .strict()
  .refine(
    (body) => (body.signWithHostedKey === true) !== (body.termsSignature !== undefined),
    'give either termsSignature or signWithHostedKey: true',
  )
  .meta({ id: 'ConsentRequest' });
export type ConsentRequest = z.output<typeof consentRequestSchema>;

export const proposalParamsSchema = z.object({ documentHash: hashSchema });
export const policyParamsSchema = z.object({
  id: z.string().regex(POLICY_ID_PATTERN, 'a policy id is flight-<n> or weather-<n>'),
});

export const cancellationRequestSchema = z.object({}).strict().meta({ id: 'CancellationRequest' });

export const creditClaimRequestSchema = z
  .object({ to: addressSchema.optional().meta({ description: 'Where to pay the credit; default the holder' }) })
  .strict()
  .meta({ id: 'CreditClaimRequest' });

const typedDataSchema = z.object({
  domain: z.record(z.string(), z.unknown()),
  types: z.record(z.string(), z.array(z.object({ name: z.string(), type: z.string() }))),
  primaryType: z.string(),
  message: z.record(z.string(), z.unknown()),
});

export const proposalSchema = z
  .object({
    documentHash: z.string(),
    kind: z.enum(['flight', 'weather']),
    purpose: z.enum(['issue', 'endorse']),
    status: z.enum(['awaiting-consent', 'issued']),
    insurer: z.string(),
    holder: z.string(),
    offerId: z.string(),
    policyRef: z.string(),
    termsHash: z.string(),
    terms: z.record(z.string(), z.unknown()),
    premium: z.string(),
    premiumDue: z.string().meta({ description: 'What the holder pays now (an endorsement: the increase)' }),
    previousPolicyId: z.string().nullable(),
    policyId: z.string().nullable(),
    transactionHash: z.string().nullable(),
    href: z.string(),
  })
  .meta({ id: 'PolicyProposal' });

export const proposalAnswerSchema = z
  .object({
    proposal: proposalSchema,
    consent: z
      .object({
        termsCoSignature: typedDataSchema.meta({
          description: 'EIP-712 typed data the holder signs (eth_signTypedData_v4): the terms themselves',
        }),
        permit: typedDataSchema.nullable().meta({
          description:
            'EIP-2612 permit of the premium to the risk pool (an endorsement refunds the old premium, then takes the ' +
            'new one: the balance moves by premiumDue); null for a zero premium',
        }),
        href: z.string(),
      })
      .nullable(),
  })
  .meta({ id: 'PolicyProposalAnswer' });

export const issuedAnswerSchema = z
  .object({
    proposal: proposalSchema,
    policy: z.object({
      id: z.string(),
      kind: z.enum(['flight', 'weather']),
      holder: z.string(),
      documentHash: z.string(),
      feedId: z.string(),
      premium: z.string(),
      maxPayout: z.string(),
      transactionHash: z.string(),
      blockNumber: z.number().int(),
    }),
  })
  .meta({ id: 'IssuedPolicy' });

export const cancellationAnswerSchema = z
  .object({
    cancellation: z.object({
      policyId: z.string(),
      cancelledBy: z.string(),
      refund: z.string(),
      transactionHash: z.string(),
      blockNumber: z.number().int(),
    }),
  })
  .meta({ id: 'PolicyCancellation' });

export const creditAnswerSchema = z.object({ holder: z.string(), credit: z.string() }).meta({ id: 'Credit' });

export const creditClaimAnswerSchema = z
  .object({
    claim: z.object({
      holder: z.string(),
      to: z.string(),
      amount: z.string(),
      transactionHash: z.string(),
      blockNumber: z.number().int(),
    }),
  })
  .meta({ id: 'CreditClaim' });
