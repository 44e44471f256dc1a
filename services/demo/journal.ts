/**
 * The demo's journal, `<dataDir>/demo/journal.json`: each run's number and what its finished steps produced (offer
 * and policy ids, flight dates, document hashes). A run interrupted by a crash of the stack is resumed by the next
 * `npm run demo`: finished steps are not repeated, and the step that was under way runs again, which is safe because
 * every step is idempotent (clock moves go to absolute times, writes carry an Idempotency-Key derived from the run and
 * step, and a sale or a new version already made is found rather than made twice). A finished run starts a new one,
 * so a second demo sells new policies on new dates.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

interface RunRecord {
  run: number;
  startedAt: string;
  finishedAt: string | null;
  steps: Record<string, unknown>;
  /** Per part, how many times its steps were forgotten and done again (a new Idempotency-Key each time). */
  attempts?: Record<string, number>;
}

interface JournalFile {
  runs: RunRecord[];
}

export class DemoJournal {
  private constructor(
    private readonly file: string,
    private readonly content: JournalFile,
    /** The run this demo carries out. */
    readonly current: RunRecord,
    /** True when `current` was started by an earlier, interrupted demo. */
    readonly resumed: boolean,
  ) {}

  /** Opens the journal under `dataDir`, resuming its last run when that did not finish, else starting a new one. */
  static open(dataDir: string, options: { fresh?: boolean } = {}): DemoJournal {
    const file = path.join(dataDir, 'demo', 'journal.json');
    const content: JournalFile = existsSync(file)
      ? (JSON.parse(readFileSync(file, 'utf8')) as JournalFile)
      : { runs: [] };
    const last = content.runs.at(-1);
    if (last !== undefined && last.finishedAt === null && options.fresh !== true) {
      return new DemoJournal(file, content, last, true);
    }
    const run: RunRecord = {
      run: (last?.run ?? 0) + 1,
      startedAt: new Date().toISOString(),
      finishedAt: null,
      steps: {},
    };
    content.runs.push(run);
    const journal = new DemoJournal(file, content, run, false);
    journal.save();
    return journal;
  }

  /** What step `name` of this run produced, if it finished. */
  get<T>(name: string): T | undefined {
    return this.current.steps[name] as T | undefined;
  }

  /** Records what step `name` produced, durably (written to a temporary file, then renamed over the journal). */
  record(name: string, result: unknown): void {
    this.current.steps[name] = result;
    this.save();
  }

  /**
   * Forgets step `name` (`<part>/<step>`) and every later step of its part, so that they run again: their effect was
   * lost, e.g. with the chain's last blocks in a crash. Their writes then go out under new Idempotency-Keys.
   */
  forgetFrom(name: string): void {
    const names = Object.keys(this.current.steps);
    const from = names.indexOf(name);
    if (from === -1) return;
    const part = name.split('/')[0]!;
    for (const later of names.slice(from)) if (later.startsWith(`${part}/`)) delete this.current.steps[later];
    this.current.attempts = { ...this.current.attempts, [part]: (this.current.attempts?.[part] ?? 0) + 1 };
    this.save();
  }

  finish(): void {
    this.current.finishedAt = new Date().toISOString();
    this.save();
  }

  /** An Idempotency-Key for `step` (`<part>/<step>`) of this run: the same on a resumed run, new on the next run. */
  key(step: string): string {
    const attempt = this.current.attempts?.[step.split('/')[0]!] ?? 0;
    return `demo-run-${this.current.run}-${this.current.startedAt}-${attempt}-${step}`;
  }

  private save(): void {
    mkdirSync(path.dirname(this.file), { recursive: true });
    const temporary = `${this.file}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(this.content, null, 2)}\n`);
    renameSync(temporary, this.file);
  }
}
