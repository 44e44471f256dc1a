/**
 * The reinsurer's statement of a treaty, signed by this API's member key, and the check of such a signature.
 *
 * Who sees a statement: the treaty's insurer and reinsurer, ADMINs and AUDITORs. To any other party the treaty does
 * not exist — 404 TREATY_NOT_FOUND, as for an address that is no treaty, as the documents routes answer for a
 * document the caller may not see — so that the endpoint does not tell who has treaties with whom.
 */
import { Router, type Response } from 'express';
import type { Signer } from 'ethers';
import { readParty } from '../../ledger/parties.js';
import { readTreaty, type TreatyRecord } from '../../ledger/treaty.js';
import { hasRole, requireCaller, type Caller } from '../auth/caller.js';
import type { ApiContext } from '../context.js';
import { AppError } from '../errors.js';
import { parse } from '../validation.js';
import { statementCsv } from './csv.js';
import { StatementQuerySchema, TreatyParamsSchema, VerifyStatementRequestSchema } from './schemas.js';
import { checkStatementSignature, signStatement, type StatementSignature } from './signing.js';
import { buildTreatyStatement } from './statement.js';

export type TreatiesContext = Pick<ApiContext, 'ledger' | 'signers'>;

/** The treaty at `address` as `caller` may see it, or 404 TREATY_NOT_FOUND. */
export async function visibleTreaty(ctx: TreatiesContext, caller: Caller, address: string): Promise<TreatyRecord> {
  const treaty = await readTreaty(ctx.ledger, address);
  const party = treaty !== null && (caller.account === treaty.insurer || caller.account === treaty.reinsurer);
  if (treaty === null || !(party || hasRole(caller, 'ADMIN', 'AUDITOR'))) {
    throw new AppError(404, 'TREATY_NOT_FOUND', `No treaty at ${address}`, { details: { treaty: address } });
  }
  return treaty;
}

/**
 * The key statements are signed with: the member's own. A member's API holds one key, which is it; the embedded
 * stack holds the demo parties' keys, and there the treaty's reinsurer signs (else its insurer, else the first key).
 */
function statementSigner(ctx: TreatiesContext, treaty: TreatyRecord): Signer {
  const signer =
    ctx.signers.get(treaty.reinsurer) ?? ctx.signers.get(treaty.insurer) ?? ctx.signers.values().next().value;
  if (signer === undefined) {
    throw new AppError(503, 'NO_SIGNING_KEY', 'This API holds no member key to sign statements with');
  }
  return signer;
}

function sendCsv(res: Response, csv: string, signature: StatementSignature): void {
  res.setHeader('X-Statement-Signer', signature.signer);
  res.setHeader('X-Statement-Hash', signature.statementHash);
  res.setHeader('X-Statement-Signature', signature.signature);
  res.type('text/csv').send(csv);
}

export function treatiesRouter(ctx: TreatiesContext): Router {
  const router = Router();

  router.get('/v1/treaties/:address/statement', async (req, res) => {
    const caller = requireCaller(res);
    const { address } = parse(TreatyParamsSchema, req.params, 'params');
    const period = parse(StatementQuerySchema, req.query, 'query');
    const treaty = await visibleTreaty(ctx, caller, address);
    const statement = await buildTreatyStatement(ctx.ledger, treaty, period);
    const signature = await signStatement(statementSigner(ctx, treaty), statement);
    res.vary('Accept');
    if (req.accepts(['application/json', 'text/csv']) === 'text/csv') sendCsv(res, statementCsv(statement), signature);
    else res.json({ statement, signature });
  });

  router.post('/v1/treaties/statements/verify', async (req, res) => {
    parse(VerifyStatementRequestSchema, req.body, 'body');
    // The statement is hashed exactly as sent, not as parsed.
    const body = req.body as { statement: { chainId: string; treaty: string }; signature: StatementSignature };
    res.json(
      await checkStatementSignature(body.statement, body.signature, (account) => readParty(ctx.ledger, account)),
    );
  });

  return router;
}
