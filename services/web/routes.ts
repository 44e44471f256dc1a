/**
 * The web pages, served by the API on its own origin: each page's HTML shell, the bundled scripts and styles under
 * `/assets/` (content-hashed names, cached for good), the site icon, and `GET /v1/site`, what a page needs to know
 * before anyone signs in (the chain to sign in on, and in the embedded stack the demo parties). Compressed (gzip or
 * brotli, as the browser accepts).
 */
import compression from 'compression';
import { Router, type RequestHandler } from 'express';
import type { Caller } from '../api/auth/caller.js';
import { devParties } from '../api/auth/dev-sign-in.js';
import type { ApiContext } from '../api/context.js';
import { AppError } from '../api/errors.js';
import { openApiRegistry, problemResponses, z } from '../api/openapi.js';
import { webBundle } from './bundle.js';
import { WEB_PAGES } from './pages.js';
import { FAVICON_SVG, pageShell } from './shell.js';

const SiteSchema = z
  .object({
    name: z.string(),
    chainId: z.number().int().openapi({ description: 'The chain a wallet signs in on (SIWE chain id)' }),
    embedded: z.boolean().openapi({ description: 'True on the local stack (`npm start`): developer sign-in exists' }),
    devParties: z
      .array(z.object({ name: z.string(), role: z.string(), legalName: z.string(), address: z.string() }))
      .openapi({ description: 'The local demo parties one may sign in as (developer sign-in); empty elsewhere' }),
    pages: z.array(
      z.object({ path: z.string(), nav: z.string(), title: z.string(), audience: z.enum(['public', 'signed-in']) }),
    ),
  })
  .openapi('Site');

openApiRegistry.registerPath({
  method: 'get',
  path: '/v1/site',
  tags: ['System'],
  summary: "The site's public facts for the web pages: chain id, local stack or not, its demo parties, the pages",
  responses: {
    200: { description: 'The site', content: { 'application/json': { schema: SiteSchema } } },
    ...problemResponses(),
  },
});

const SessionStateSchema = z
  .object({
    signedIn: z.boolean(),
    account: z.string().optional(),
    party: z
      .object({ legalName: z.string(), identifier: z.string(), active: z.boolean(), roles: z.array(z.string()) })
      .optional(),
    roles: z.array(z.string()).optional(),
    via: z.enum(['session', 'api-key']).optional(),
  })
  .openapi('SessionState');

openApiRegistry.registerPath({
  method: 'get',
  path: '/v1/session',
  tags: ['Identity'],
  summary: 'Who is signed in, if anyone: 200 either way (pages ask it before sign-in; `/v1/me` answers 401 then)',
  responses: {
    200: { description: 'The session state', content: { 'application/json': { schema: SessionStateSchema } } },
    ...problemResponses(),
  },
});

export type Site = z.infer<typeof SiteSchema>;

export function webRouter(ctx: ApiContext): Router {
  const router = Router();
  const compress: RequestHandler = compression();
  const site: Site = {
    name: 'PolicyLedger',
    chainId: Number(ctx.ledger.deployment.chainId),
    embedded: ctx.config.embedded,
    devParties: ctx.config.embedded
      ? devParties().map(({ name, role, legalName, address }) => ({ name, role, legalName, address }))
      : [],
    pages: WEB_PAGES.map((page) => ({
      path: page.paths[0]!,
      nav: page.nav,
      title: page.title,
      audience: page.audience,
    })),
  };

  router.get('/v1/site', (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.json(site);
  });

  router.get('/v1/session', (_req, res) => {
    const caller = res.locals.caller as Caller | undefined;
    res.setHeader('Cache-Control', 'no-store');
    if (caller === undefined) {
      res.json({ signedIn: false });
      return;
    }
    const { legalName, identifier, active, roles } = caller.party;
    res.json({
      signedIn: true,
      account: caller.account,
      party: { legalName, identifier, active, roles },
      roles,
      via: caller.via,
    });
  });

  router.get('/favicon.svg', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=86400');
    res.type('image/svg+xml').send(FAVICON_SVG);
  });

  router.get('/assets/:name', compress, async (req, res) => {
    const name = String(req.params.name);
    const asset = (await webBundle()).assets.get(name);
    if (asset === undefined) throw new AppError(404, 'NOT_FOUND', `No asset ${name}`);
    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    res.type(asset.contentType).send(Buffer.from(asset.contents));
  });

  for (const page of WEB_PAGES) {
    router.get(page.paths, compress, async (_req, res) => {
      const assets = (await webBundle()).entries.get(page.entry);
      if (assets === undefined) throw new AppError(500, 'PAGE_NOT_BUILT', `The ${page.entry} page has no bundle`);
      res.setHeader('Cache-Control', 'no-cache');
      res.type('html').send(pageShell(page, assets));
    });
  }
  return router;
}
