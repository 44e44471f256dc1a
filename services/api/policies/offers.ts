/**
 * Product offers: what an insurer sells (a flight delay or weather index product with its payouts, cover window and
 * pricing), kept in this API's database. The insurer that defined an offer sells policies on it; every party may read
 * offers, which hold no personal data.
 */
import { randomBytes } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import type { Caller } from '../auth/caller.js';
import { AppError } from '../errors.js';
import type { OfferRequest } from './sales-schemas.js';

export interface StoredOffer {
  id: string;
  insurer: string;
  createdAt: string;
  offer: OfferRequest;
}

export function initOffersSchema(db: DatabaseSync): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS sales_offers (
      id TEXT PRIMARY KEY,
      insurer TEXT NOT NULL,
      kind TEXT NOT NULL,
      body TEXT NOT NULL,
      created_at TEXT NOT NULL
    );
  `);
}

interface OfferRow {
  id: string;
  insurer: string;
  body: string;
  created_at: string;
}

function fromRow(row: OfferRow): StoredOffer {
  return { id: row.id, insurer: row.insurer, createdAt: row.created_at, offer: JSON.parse(row.body) as OfferRequest };
}

/** Records `offer` as `caller`'s. */
export function createOffer(db: DatabaseSync, caller: Caller, offer: OfferRequest): StoredOffer {
  const stored: StoredOffer = {
    id: `offer-${randomBytes(8).toString('hex')}`,
    insurer: caller.account,
    createdAt: new Date().toISOString(),
    offer,
  };
  db.prepare('INSERT INTO sales_offers (id, insurer, kind, body, created_at) VALUES (?, ?, ?, ?, ?)').run(
    stored.id,
    stored.insurer,
    offer.kind,
    JSON.stringify(offer),
    stored.createdAt,
  );
  return stored;
}

/** Offer `id`; 404 OFFER_NOT_FOUND when there is none. */
export function readOffer(db: DatabaseSync, id: string): StoredOffer {
  const row = db.prepare('SELECT id, insurer, body, created_at FROM sales_offers WHERE id = ?').get(id) as
    OfferRow | undefined;
  if (row === undefined) throw new AppError(404, 'OFFER_NOT_FOUND', `No offer ${id}`, { details: { offerId: id } });
  return fromRow(row);
}

/** Every offer, newest first. */
export function listOffers(db: DatabaseSync): StoredOffer[] {
  const rows = db
    .prepare('SELECT id, insurer, body, created_at FROM sales_offers ORDER BY created_at DESC, id')
    .all() as unknown as OfferRow[];
  return rows.map(fromRow);
}

/** Offer `id` for selling by `caller`: 403 NOT_OFFER_INSURER when another insurer defined it. */
export function offerToSell(db: DatabaseSync, caller: Caller, id: string): StoredOffer {
  const offer = readOffer(db, id);
  if (offer.insurer !== caller.account) {
    throw new AppError(403, 'NOT_OFFER_INSURER', `Offer ${id} is ${offer.insurer}'s: only that insurer sells on it`, {
      details: { offerId: id, insurer: offer.insurer },
    });
  }
  return offer;
}
