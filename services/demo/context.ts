/**
 * What every part of the demo works with: the parties' API clients, the ledger's clock, the journal and the narrator,
 * and `step`, which runs one step at most once per run, timing and narrating it.
 */
import { performance } from 'node:perf_hooks';
import { PartyApi } from './api.js';
import type { LedgerClock } from './clock.js';
import type { DemoJournal } from './journal.js';
import type { DemoPart, Narrator } from './narrate.js';
import { DEMO_PARTIES, type DemoPartyName, type DemoStack } from './stack.js';

/** What a step hands back: its result (kept in the journal) and how to tell it. */
export interface StepOutcome<T> {
  result: T;
  what: string;
  transactionHash?: string | null;
  blockNumber?: number | null;
  data?: Record<string, unknown>;
}

interface JournalledStep<T> {
  result: T;
  what: string;
  transactionHash: string | null;
  blockNumber: number | null;
  seconds: number;
}

export class DemoContext {
  readonly api: Record<DemoPartyName, PartyApi>;

  constructor(
    readonly stack: DemoStack,
    readonly clock: LedgerClock,
    readonly journal: DemoJournal,
    readonly narrator: Narrator,
  ) {
    this.api = Object.fromEntries(
      DEMO_PARTIES.map((name) => [name, new PartyApi(stack.apiUrl, stack.parties[name])]),
    ) as Record<DemoPartyName, PartyApi>;
  }

  /**
   * Runs step `name` of `part` unless this run finished it before an interruption (then its journalled result is
   * told again and returned). `action` must be safe to repeat: a crash may interrupt it after it acted.
   */
  async step<T>(part: DemoPart, name: string, action: () => Promise<StepOutcome<T>>): Promise<T> {
    const key = `${part}/${name}`;
    const done = this.journal.get<JournalledStep<T>>(key);
    if (done !== undefined && (done.transactionHash === null || (await this.clock.isMined(done.transactionHash)))) {
      this.narrator.step({ part, step: name, ...done, resumed: true });
      return done.result;
    }
    // Its transaction was lost with the chain's last blocks: this step and the later ones of its part run again.
    if (done !== undefined) this.journal.forgetFrom(key);
    const started = performance.now();
    const outcome = await action();
    const record: JournalledStep<T> = {
      result: outcome.result,
      what: outcome.what,
      transactionHash: outcome.transactionHash ?? null,
      blockNumber: outcome.blockNumber ?? null,
      seconds: (performance.now() - started) / 1_000,
    };
    this.journal.record(key, record);
    this.narrator.step({
      part,
      step: name,
      ...record,
      resumed: false,
      ...(outcome.data === undefined ? {} : { data: outcome.data }),
    });
    return record.result;
  }

  /**
   * Forgets the part's steps from `from` on when the transaction of its journalled step `check` is no longer on the
   * chain (lost with its last blocks in a crash): a policy whose issue was lost is sold again, from a new proposal.
   */
  async reconcile(part: DemoPart, check: string, from: string): Promise<void> {
    const done = this.journal.get<JournalledStep<unknown>>(`${part}/${check}`);
    if (done?.transactionHash == null || (await this.clock.isMined(done.transactionHash))) return;
    this.narrator.say(`  (${part}: ${check} was lost with the chain's last blocks in the crash: done again)`);
    this.journal.forgetFrom(`${part}/${from}`);
  }

  /**
   * Forgets the part's steps from `from` on when step `until` is not done yet and the journalled result of `from` is
   * too late for it by now (`stale`): e.g. a flight chosen before a crash that has departed since.
   */
  async refreshUnless<T>(part: DemoPart, until: string, from: string, stale: (result: T, now: number) => boolean) {
    const chosen = this.journal.get<JournalledStep<T>>(`${part}/${from}`);
    if (chosen === undefined || this.journal.get(`${part}/${until}`) !== undefined) return;
    if (stale(chosen.result, await this.clock.now())) this.journal.forgetFrom(`${part}/${from}`);
  }

  /** An Idempotency-Key for a write of `part`/`name` in this run. */
  key(part: DemoPart, name: string): string {
    return this.journal.key(`${part}/${name}`);
  }
}

/** Polls `probe` every `intervalMs` until it answers something other than undefined, or throws after `timeoutMs`. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${Math.round(timeoutMs / 1000)} s`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
