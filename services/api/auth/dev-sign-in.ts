/**
 * DEVELOPMENT ONLY: sign-in without a wallet as one of the local stack's demo parties, and the demo parties' names.
 * Mounted only by the embedded stack (`npm start`, `POLICYLEDGER_EMBEDDED=true`), whose demo parties' keys are public
 * development keys anyway; any other API answers 404 on the route. Real parties sign in with SIWE (`/v1/auth/siwe`).
 */
import { Router } from 'express';
import { localParties, type LocalRole } from '../../../scripts/lib/local-parties.js';
import type { ApiContext } from '../context.js';
import { AppError } from '../errors.js';
import { openApiRegistry, problemResponses, SESSION_COOKIE, z } from '../openapi.js';
import { parse } from '../validation.js';
import { currentParty } from './parties.js';
import { createSession, SESSION_TTL_MS } from './store.js';

/** The demo parties one can act as, by the name tools use for them ("as insurer"), each the first of its role. */
export const DEV_PARTY_ROLES = {
  admin: 'ADMIN',
  insurer: 'INSURER',
  reinsurer: 'REINSURER',
  client: 'CLIENT',
  auditor: 'AUDITOR',
} as const satisfies Record<string, LocalRole>;

export type DevPartyName = keyof typeof DEV_PARTY_ROLES;

export const DEV_PARTY_NAMES = Object.keys(DEV_PARTY_ROLES) as DevPartyName[];

export interface DevParty {
  name: DevPartyName;
  role: LocalRole;
  address: string;
  legalName: string;
}

/** The demo parties of the local stack, in `DEV_PARTY_NAMES` order. */
export function devParties(): DevParty[] {
  const parties = localParties();
  return DEV_PARTY_NAMES.map((name) => {
    const party = parties.find((candidate) => candidate.role === DEV_PARTY_ROLES[name]);
    if (party === undefined) throw new Error(`the local consortium has no ${DEV_PARTY_ROLES[name]}`);
    return { name, role: party.role, address: party.wallet.address, legalName: party.name };
  });
}

const DevSignInSchema = z
  .object({
    party: z.enum(DEV_PARTY_NAMES).openapi({ description: 'The local demo party to act as', example: 'insurer' }),
  })
  .strict()
  .openapi('DevSignIn');

openApiRegistry.registerPath({
  method: 'post',
  path: '/v1/dev/sign-in',
  tags: ['Identity'],
  summary: 'DEVELOPMENT ONLY: signs in as a local demo party without a wallet (embedded stack only)',
  description:
    'Served only by the embedded local stack (`npm start`); every other API answers 404 NOT_FOUND. Sets the same ' +
    'session cookie as `/v1/auth/siwe` for the named demo party (admin, insurer, reinsurer, client, auditor), whose ' +
    'keys are public development keys. Never expose it: real parties sign in with their wallet.',
  request: { body: { required: true, content: { 'application/json': { schema: DevSignInSchema } } } },
  responses: {
    200: {
      description: `Signed in; \`${SESSION_COOKIE}\` cookie set`,
      content: {
        'application/json': {
          schema: z.object({
            account: z.string(),
            party: z.enum(DEV_PARTY_NAMES),
            expiresAt: z.string().openapi({ format: 'date-time' }),
          }),
        },
      },
    },
    ...problemResponses(400, 403, 404, 415),
  },
});

/** `POST /v1/dev/sign-in`: the session cookie of a demo party, as a wallet sign-in would set it. */
export function devSignInRouter(ctx: ApiContext): Router {
  const router = Router();
  const parties = devParties();
  router.post('/v1/dev/sign-in', async (req, res) => {
    res.locals.idempotencyNotStored = true;
    const { party: name } = parse(DevSignInSchema, req.body, 'body');
    const party = parties.find((candidate) => candidate.name === name)!;
    if (!(await currentParty(ctx, party.address)).active) {
      throw new AppError(403, 'PARTY_INACTIVE', `${party.address} (${name}) is not an active party of the consortium`);
    }
    const session = createSession(ctx.db, party.address);
    res.cookie(SESSION_COOKIE, session.id, {
      httpOnly: true,
      sameSite: 'strict',
      secure: ctx.config.publicUrl.startsWith('https:'),
      path: '/',
      maxAge: SESSION_TTL_MS,
    });
    res.setHeader('Cache-Control', 'no-store');
    res.json({ account: party.address, party: name, expiresAt: new Date(session.expiresAt).toISOString() });
  });
  return router;
}
