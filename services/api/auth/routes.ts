/**
 * Identity routes: SIWE nonce and sign-in, sign-out, who am I, and the party's API keys.
 */
import { Router } from 'express';
import type { ApiContext } from '../context.js';
import { AppError } from '../errors.js';
import { openApiRegistry, PARTY_SECURITY, problemResponses, SESSION_COOKIE, z } from '../openapi.js';
import { parse } from '../validation.js';
import { clearSessionCookie, requireCaller } from './caller.js';
import { currentParty } from './parties.js';
import { verifySignIn } from './siwe.js';
import {
  createApiKey,
  createSession,
  issueNonce,
  listApiKeys,
  revokeApiKey,
  revokeSession,
  SESSION_TTL_MS,
} from './store.js';
import { PARTY_ROLES } from '../../ledger/parties.js';

const AddressSchema = z
  .string()
  .openapi({ description: 'EIP-55 checksummed address', example: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266' });

const NonceSchema = z
  .object({ nonce: z.string(), expiresAt: z.string().openapi({ format: 'date-time' }) })
  .openapi('SiweNonce');

const SignInRequestSchema = z
  .object({
    message: z.string().min(1).max(4096).openapi({ description: 'The EIP-4361 message text the wallet signed' }),
    signature: z
      .string()
      .regex(/^0x[0-9a-fA-F]+$/, 'must be 0x-prefixed hex')
      .max(4096)
      .openapi({
        description: 'The wallet signature (EIP-191 personal_sign; contract wallets: what EIP-1271 accepts)',
      }),
  })
  .strict()
  .openapi('SiweSignIn');

const PartySchema = z
  .object({
    legalName: z.string(),
    identifier: z.string(),
    active: z.boolean(),
    roles: z.array(z.enum(PARTY_ROLES)),
  })
  .openapi('CallerParty');

const SessionSchema = z
  .object({ account: AddressSchema, party: PartySchema, expiresAt: z.string().openapi({ format: 'date-time' }) })
  .openapi('Session');

const MeSchema = z
  .object({
    account: AddressSchema,
    party: PartySchema,
    roles: z.array(z.enum(PARTY_ROLES)),
    via: z.enum(['session', 'api-key']),
    apiKeyId: z.string().optional(),
  })
  .openapi('Me');

const ApiKeySchema = z
  .object({
    id: z.string(),
    label: z.string(),
    account: AddressSchema,
    createdAt: z.string().openapi({ format: 'date-time' }),
    revokedAt: z.string().openapi({ format: 'date-time' }).nullable(),
  })
  .openapi('ApiKey');

const CreatedApiKeySchema = ApiKeySchema.extend({
  token: z.string().openapi({ description: 'The key, `pl_<id>_<secret>`: shown once, never again' }),
}).openapi('CreatedApiKey');

const CreateApiKeySchema = z
  .object({ label: z.string().trim().min(1).max(100) })
  .strict()
  .openapi('CreateApiKey');
const ApiKeyParamsSchema = z.object({
  id: z.string().regex(/^[0-9a-f]{16}$/, 'must be an API key id (16 hex digits)'),
});

const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });

openApiRegistry.registerPath({
  method: 'post',
  path: '/v1/auth/nonce',
  tags: ['Identity'],
  summary: 'A single-use nonce for a Sign-In with Ethereum message (valid 10 minutes)',
  responses: { 201: { description: 'A fresh nonce', ...json(NonceSchema) }, ...problemResponses() },
});
openApiRegistry.registerPath({
  method: 'post',
  path: '/v1/auth/siwe',
  tags: ['Identity'],
  summary: 'Sign in with a signed EIP-4361 message; sets the session cookie (12 hours)',
  description:
    'Checks domain, URI, chain id, issued-at, expiry, not-before and the nonce, then the signature (EOA or EIP-1271). ' +
    'Failure codes: SIWE_MESSAGE_INVALID, SIWE_DOMAIN_MISMATCH, SIWE_URI_MISMATCH, SIWE_CHAIN_MISMATCH, ' +
    'SIWE_ISSUED_IN_FUTURE, SIWE_EXPIRED, SIWE_NOT_YET_VALID, SIWE_NONCE_UNKNOWN, SIWE_NONCE_USED, SIWE_NONCE_EXPIRED, ' +
    'SIWE_SIGNATURE_INVALID; PARTY_INACTIVE when the account is not an active party.',
  request: { body: { required: true, ...json(SignInRequestSchema) } },
  responses: {
    200: { description: `Signed in; \`${SESSION_COOKIE}\` cookie set`, ...json(SessionSchema) },
    ...problemResponses(400, 401, 403, 415),
  },
});
openApiRegistry.registerPath({
  method: 'post',
  path: '/v1/auth/sign-out',
  tags: ['Identity'],
  summary: 'Ends the session and clears its cookie',
  responses: { 204: { description: 'Signed out' }, ...problemResponses() },
});
openApiRegistry.registerPath({
  method: 'get',
  path: '/v1/me',
  tags: ['Identity'],
  summary: "The caller's account, party and roles, read from the chain",
  security: PARTY_SECURITY,
  responses: { 200: { description: 'The caller', ...json(MeSchema) }, ...problemResponses(401, 403) },
});
openApiRegistry.registerPath({
  method: 'post',
  path: '/v1/api-keys',
  tags: ['Identity'],
  summary: 'Creates an API key for the signed-in party (session only); the secret is shown once',
  security: [{ session: [] }],
  request: { body: { required: true, ...json(CreateApiKeySchema) } },
  responses: {
    201: { description: 'The new key', ...json(CreatedApiKeySchema) },
    ...problemResponses(400, 401, 403, 415),
  },
});
openApiRegistry.registerPath({
  method: 'get',
  path: '/v1/api-keys',
  tags: ['Identity'],
  summary: "The caller's API keys (no secrets)",
  security: PARTY_SECURITY,
  responses: {
    200: { description: 'The keys', ...json(z.object({ items: z.array(ApiKeySchema) })) },
    ...problemResponses(401, 403),
  },
});
openApiRegistry.registerPath({
  method: 'delete',
  path: '/v1/api-keys/{id}',
  tags: ['Identity'],
  summary: "Revokes one of the caller's API keys",
  security: PARTY_SECURITY,
  request: { params: ApiKeyParamsSchema },
  responses: {
    200: { description: 'The revoked key', ...json(ApiKeySchema) },
    ...problemResponses(400, 401, 403, 404),
  },
});

function partyView(party: {
  legalName: string;
  identifier: string;
  active: boolean;
  roles: (typeof PARTY_ROLES)[number][];
}) {
  return { legalName: party.legalName, identifier: party.identifier, active: party.active, roles: party.roles };
}

export function authRouter(ctx: ApiContext): Router {
  const router = Router();
  const secure = ctx.config.publicUrl.startsWith('https:');

  router.post('/v1/auth/nonce', (_req, res) => {
    // A nonce (and below, a session or a key's secret) must never be kept for an idempotent replay.
    res.locals.idempotencyNotStored = true;
    const { nonce, expiresAt } = issueNonce(ctx.db);
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).json({ nonce, expiresAt: new Date(expiresAt).toISOString() });
  });

  router.post('/v1/auth/siwe', async (req, res) => {
    res.locals.idempotencyNotStored = true;
    const body = parse(SignInRequestSchema, req.body, 'body');
    const { account } = await verifySignIn(ctx.db, body.message, body.signature, {
      publicUrl: ctx.config.publicUrl,
      chainId: Number(ctx.ledger.deployment.chainId),
      provider: ctx.ledger.provider,
    });
    const party = await currentParty(ctx, account);
    if (!party.active) {
      throw new AppError(403, 'PARTY_INACTIVE', `${account} is not an active party of the consortium`);
    }
    const session = createSession(ctx.db, account);
    res.cookie(SESSION_COOKIE, session.id, {
      httpOnly: true,
      sameSite: 'strict',
      secure,
      path: '/',
      maxAge: SESSION_TTL_MS,
    });
    res.setHeader('Cache-Control', 'no-store');
    res.json({ account, party: partyView(party), expiresAt: new Date(session.expiresAt).toISOString() });
  });

  router.post('/v1/auth/sign-out', (_req, res) => {
    const sessionId = res.locals.sessionId as string | undefined;
    if (sessionId !== undefined) revokeSession(ctx.db, sessionId);
    clearSessionCookie(ctx, res);
    res.status(204).end();
  });

  router.get('/v1/me', (_req, res) => {
    const caller = requireCaller(res);
    res.json({
      account: caller.account,
      party: partyView(caller.party),
      roles: caller.party.roles,
      via: caller.via,
      ...(caller.apiKeyId === undefined ? {} : { apiKeyId: caller.apiKeyId }),
    });
  });

  router.post('/v1/api-keys', (req, res) => {
    res.locals.idempotencyNotStored = true;
    const caller = requireCaller(res);
    if (caller.via !== 'session') {
      throw new AppError(
        403,
        'SESSION_REQUIRED',
        'API keys are created by a party signed in with its wallet, not by a key',
      );
    }
    const { label } = parse(CreateApiKeySchema, req.body, 'body');
    const { token, record } = createApiKey(ctx.db, caller.account, label);
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).json({ ...record, token });
  });

  router.get('/v1/api-keys', (_req, res) => {
    const caller = requireCaller(res);
    res.json({ items: listApiKeys(ctx.db, caller.account) });
  });

  router.delete('/v1/api-keys/:id', (req, res) => {
    const caller = requireCaller(res);
    const { id } = parse(ApiKeyParamsSchema, req.params, 'params');
    const revoked = revokeApiKey(ctx.db, caller.account, id);
    if (revoked === null) throw new AppError(404, 'API_KEY_NOT_FOUND', `The caller has no API key ${id}`);
    res.json(revoked);
  });

  return router;
}
