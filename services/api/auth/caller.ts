/**
 * Who is calling. `authenticate` reads the credentials of a request — an API key (`Authorization: Bearer pl_…` or
 * `X-API-Key`) or the session cookie set by SIWE sign-in — and the caller's party and roles from the chain, never
 * from the request. Routes then state what they need with `requireCaller` / `requireRole`.
 */
import type { Request, RequestHandler, Response } from 'express';
import type { PartyRecord, PartyRole } from '../../ledger/parties.js';
import type { ApiContext } from '../context.js';
import { AppError } from '../errors.js';
import { SESSION_COOKIE } from '../openapi.js';
import { currentParty } from './parties.js';
import { findApiKey, findSession } from './store.js';

export type { PartyRecord, PartyRole };

export interface Caller {
  account: string;
  party: PartyRecord;
  via: 'session' | 'api-key';
  apiKeyId?: string;
}

/** The value of cookie `name` in the request's Cookie header. */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index < 0) continue;
    if (part.slice(0, index).trim() === name) {
      const value = part.slice(index + 1).trim();
      try {
        return decodeURIComponent(value);
      } catch {
        return value;
      }
    }
  }
  return undefined;
}

/** The API key of the request, from `Authorization: Bearer …` or `X-API-Key`. */
function apiKeyOf(req: Request): string | undefined {
  const authorization = req.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match === null) {
      throw new AppError(401, 'UNAUTHENTICATED', 'The Authorization header must be "Bearer pl_<id>_<secret>"');
    }
    return match[1];
  }
  const header = req.headers['x-api-key'];
  return typeof header === 'string' ? header.trim() : undefined;
}

/** Clears the session cookie (same attributes as when it was set). */
export function clearSessionCookie(ctx: ApiContext, res: Response): void {
  res.clearCookie(SESSION_COOKIE, {
    httpOnly: true,
    sameSite: 'strict',
    secure: ctx.config.publicUrl.startsWith('https:'),
    path: '/',
  });
}

/**
 * Optional authentication: sets `res.locals.caller` when the request carries valid credentials. A wrong, unknown or
 * revoked API key is refused at once (401: the client sent it on purpose); a stale session cookie is cleared and the
 * request goes on anonymously, so public routes still answer and `requireCaller` says why it has no caller.
 */
export function authenticate(ctx: ApiContext): RequestHandler {
  return async (req, res, next) => {
    const token = apiKeyOf(req);
    if (token !== undefined) {
      const found = findApiKey(ctx.db, token);
      if (found.state === 'revoked') throw new AppError(401, 'API_KEY_REVOKED', 'This API key has been revoked');
      if (found.state !== 'valid') throw new AppError(401, 'API_KEY_INVALID', 'This API key is not valid');
      const party = await currentParty(ctx, found.record.account);
      res.locals.caller = {
        account: party.account,
        party,
        via: 'api-key',
        apiKeyId: found.record.id,
      } satisfies Caller;
      next();
      return;
    }
    const sessionId = readCookie(req, SESSION_COOKIE);
    if (sessionId !== undefined && sessionId !== '') {
      const session = findSession(ctx.db, sessionId);
      if (session.state === 'valid') {
        const party = await currentParty(ctx, session.account);
        res.locals.caller = { account: party.account, party, via: 'session' } satisfies Caller;
        res.locals.sessionId = sessionId;
      } else {
        res.locals.sessionProblem = session.state;
        clearSessionCookie(ctx, res);
      }
    }
    next();
  };
}

/** The caller, or a 401 problem when none. An inactive or unregistered party is refused with 403 PARTY_INACTIVE. */
export function requireCaller(res: Response): Caller {
  const caller = res.locals.caller as Caller | undefined;
  if (caller === undefined) {
    const problem = res.locals.sessionProblem as string | undefined;
    if (problem === 'expired') throw new AppError(401, 'SESSION_EXPIRED', 'The session has expired: sign in again');
    if (problem !== undefined) throw new AppError(401, 'SESSION_INVALID', 'The session is not valid: sign in again');
    throw new AppError(401, 'UNAUTHENTICATED', 'Sign in with Ethereum or send an API key');
  }
  if (!caller.party.active) {
    throw new AppError(
      403,
      'PARTY_INACTIVE',
      `${caller.account} is not an active party of the consortium (${caller.party.registered ? 'deactivated' : 'not registered'})`,
    );
  }
  return caller;
}

/** The caller when there is one (public routes that answer more to parties), without refusing anyone. */
export function optionalCaller(res: Response): Caller | undefined {
  return res.locals.caller as Caller | undefined;
}

/** True when the caller holds at least one of `roles` on chain now. */
export function hasRole(caller: Caller, ...roles: PartyRole[]): boolean {
  return caller.party.active && roles.some((role) => caller.party.roles.includes(role));
}

/** Middleware: refuses the request unless the caller is an active party holding one of `roles` (any role when none). */
export function requireRole(...roles: PartyRole[]): RequestHandler {
  return (_req, res, next) => {
    const caller = requireCaller(res);
    if (roles.length > 0 && !hasRole(caller, ...roles)) {
      throw new AppError(403, 'ROLE_REQUIRED', `This needs one of the roles ${roles.join(', ')}`, {
        details: { requiredRoles: roles, callerRoles: caller.party.roles },
      });
    }
    next();
  };
}
