/**
 * The signed statement and its CSV rendition, fetched as one: both come from the chain at the moment of asking, so
 * the page asks for both and keeps them only when the CSV's `X-Statement-Hash` is the JSON's signed hash — the two
 * files it offers then state the same statement, totals included. Asked again (a few times) when the chain moved
 * between the two answers.
 */
import { ApiProblem, get } from '../lib/api.js';
import type { SignedStatement } from './types.js';

export interface StatementFiles {
  signed: SignedStatement;
  /** The JSON as served (the signed package), and the CSV as served. */
  json: string;
  csv: string;
}

const ATTEMPTS = 3;

async function csvOf(path: string): Promise<{ csv: string; hash: string | null }> {
  const response = await fetch(path, { headers: { Accept: 'text/csv' }, credentials: 'same-origin' });
  if (!response.ok) {
    const problem = (await response.json().catch(() => ({}))) as { code?: string; detail?: string };
    throw new ApiProblem(response.status, problem.code ?? `HTTP_${response.status}`, problem.detail ?? 'No CSV');
  }
  return { csv: await response.text(), hash: response.headers.get('X-Statement-Hash') };
}

export async function loadStatementFiles(treaty: string): Promise<StatementFiles> {
  const path = `/v1/treaties/${treaty}/statement`;
  for (let attempt = 1; ; attempt += 1) {
    const [signed, { csv, hash }] = await Promise.all([get<SignedStatement>(path), csvOf(path)]);
    if (hash === signed.signature.statementHash || attempt === ATTEMPTS) {
      if (hash !== signed.signature.statementHash) {
        throw new Error('The chain kept moving while the statement was read; reload the page to try again.');
      }
      return { signed, json: `${JSON.stringify(signed, null, 2)}\n`, csv };
    }
  }
}
