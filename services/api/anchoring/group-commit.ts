/**
 * Group commit: the writes that arrive within a few milliseconds share one database transaction, so one fsync makes
 * them all durable, and each caller's promise resolves only once that transaction has committed. A synchronous commit
 * also blocks the event loop while it runs, so requests arriving meanwhile naturally gather for the next group.
 */
/** A result standing for one item's own failure: that item's promise is rejected, the rest of its group commits. */
export class ItemFailure {
  constructor(readonly error: unknown) {}
}

export class GroupCommitter<Item, Result> {
  private pending: { item: Item; resolve(result: Result): void; reject(error: unknown): void }[] = [];
  private timer: NodeJS.Timeout | null = null;

  /**
   * @param commit Writes every item in one transaction and returns their results in order (an `ItemFailure` for an
   * item that failed alone); throwing rejects them all.
   * @param windowMs How long the first item of a group waits for others.
   */
  constructor(
    private readonly commit: (items: Item[]) => (Result | ItemFailure)[],
    private readonly windowMs: number,
  ) {}

  submit(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.timer ??= setTimeout(() => this.flush(), this.windowMs);
    });
  }

  /** Commits whatever is waiting, now. */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const group = this.pending;
    this.pending = [];
    if (group.length === 0) return;
    let results: (Result | ItemFailure)[];
    try {
      results = this.commit(group.map((entry) => entry.item));
    } catch (error) {
      for (const entry of group) entry.reject(error);
      return;
    }
    group.forEach((entry, index) => {
      const result = results[index];
      if (result instanceof ItemFailure) entry.reject(result.error);
      else entry.resolve(result as Result);
    });
  }
}
