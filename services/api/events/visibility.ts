/**
 * Which events a party receives, on the stream and by webhook. An event carries what the chain already shows every
 * member's node (hashes, addresses, amounts), never the API's private metadata, so the rule decides whom an event is
 * about rather than masking fields:
 *
 * - AUDITOR: every event (it oversees the ledger; events hold no personal data to withhold).
 * - Document events (anchored, superseded, co-signed, terms co-signed, revoked): the parties that may see the document
 *   (`documents/visibility.ts`: registrant, required signers, readers named at registration).
 * - Batch anchors: their registrant. Party events (registration, onboarding, key, activity, roles): the party itself,
 *   its onboarding insurer, and ADMINs (who govern membership).
 * - Oracle hub events and the products' feed announcements (`FlightFeedRegistered`, `WeatherFeedRegistered`: what the
 *   oracles are to observe, and until when): every active party — a feed names a flight or a location and day, not a
 *   person, and a client follows the feeds of its own policies through them.
 * - Other product, pool and treaty events: the pool's insurer, the treaty's reinsurer, and the policy's holder (a party
 *   sees its own policies). A pool's settlement batch totals (`ClaimsSettled`) name no policy: they are the insurer's
 *   book, not any one holder's.
 */
import type { DatabaseSync } from 'node:sqlite';
import type { ChainEvent, ChainIndex } from '../../indexer/index.js';
import { stackParties } from '../../ledger/keeper.js';
import type { LedgerClient } from '../../ledger/client.js';
import type { PartyRole } from '../../ledger/parties.js';
import type { Caller } from '../auth/caller.js';
import { maySee } from '../documents/visibility.js';
import { storedDocument } from '../documents/store.js';
import { subjectsOf } from './source.js';

/** Who receives: an account and its roles now. */
export interface Viewer {
  account: string;
  roles: readonly PartyRole[];
}

export interface VisibilityContext {
  db: DatabaseSync;
  index: ChainIndex;
  ledger: Pick<LedgerClient, 'deployment' | 'provider'>;
}

const DOCUMENT_EVENTS = new Set([
  'DocumentAnchored',
  'DocumentSuperseded',
  'DocumentCoSigned',
  'TermsCoSigned',
  'DocumentRevoked',
]);
const FEED_ANNOUNCEMENTS = new Set(['FlightFeedRegistered', 'WeatherFeedRegistered']);
const PARTY_EVENTS = new Set([
  'PartyRegistered',
  'ClientOnboarded',
  'PartyEncryptionKeyChanged',
  'PartyActiveChanged',
  'RoleGranted',
  'RoleRevoked',
]);

/** Decides visibility for one viewer, caching what it looked up (documents, holders, the stack's parties). */
export class EventVisibility {
  private stack: Promise<{ insurer: string | null; reinsurer: string | null }> | undefined;
  private readonly holders = new Map<string, string | null>();

  constructor(private readonly ctx: VisibilityContext) {}

  async maySee(viewer: Viewer, event: ChainEvent): Promise<boolean> {
    if (viewer.roles.includes('AUDITOR')) return true;
    const args = event.args as Record<string, unknown>;
    if (DOCUMENT_EVENTS.has(event.name)) return this.maySeeDocument(viewer, String(args.documentHash));
    if (event.name === 'BatchAnchored') return args.registrant === viewer.account;
    if (PARTY_EVENTS.has(event.name)) {
      return viewer.roles.includes('ADMIN') || args.account === viewer.account || args.insurer === viewer.account;
    }
    if ((event.contract as string) === 'OracleHub' || FEED_ANNOUNCEMENTS.has(event.name))
      return viewer.roles.length > 0;
    return this.maySeePolicyEvent(viewer, event);
  }

  private async maySeeDocument(viewer: Viewer, documentHash: string): Promise<boolean> {
    const indexed = await this.ctx.index.document(documentHash);
    const stored = storedDocument(this.ctx.db, documentHash);
    const registrant = indexed?.registrant ?? stored?.registrant;
    if (registrant === undefined) return false;
    const facts = {
      registrant,
      requiredSigners: indexed?.requiredSigners ?? stored?.requiredSigners ?? [],
      readers: stored?.readers ?? [],
    };
    return maySee(asCaller(viewer), facts);
  }

  private async maySeePolicyEvent(viewer: Viewer, event: ChainEvent): Promise<boolean> {
    this.stack ??= stackParties(this.ctx.ledger).catch(() => ({ insurer: null, reinsurer: null }));
    const { insurer, reinsurer } = await this.stack;
    if (viewer.account === insurer || viewer.account === reinsurer) return true;
    const args = event.args as Record<string, unknown>;
    if (args.holder === viewer.account) return true;
    const policyId = subjectsOf(event).policyId;
    return policyId !== null && (await this.holderOf(policyId)) === viewer.account;
  }

  /** The holder of a policy, from the index's policy records where it keeps them. */
  private async holderOf(policyId: string): Promise<string | null> {
    if (!this.holders.has(policyId)) {
      const policies = this.ctx.index as Partial<{ policy(id: string): Promise<{ holder: string } | null> }>;
      const policy = policies.policy === undefined ? null : await policies.policy(policyId);
      this.holders.set(policyId, policy?.holder ?? null);
    }
    return this.holders.get(policyId) ?? null;
  }
}

/** The viewer as the documents' rule takes a caller: it reads the account and the roles only. */
function asCaller(viewer: Viewer): Caller {
  return { account: viewer.account, via: 'api-key', party: { roles: [...viewer.roles] } } as Caller;
}
