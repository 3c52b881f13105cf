interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Collects the items added during one event-loop turn and hands them to `run` together, once,
 * when `schedule` says the turn ends (see `atTurnEnd`). Each `add` resolves with its own entry of
 * what `run` returns (same order), or rejects with `run`'s error. Adds made while `run` works
 * belong to the next batch.
 */
export class TurnBatch<T, R> {
  private waiting: Waiting<T, R>[] = [];

  constructor(
    private readonly schedule: (flush: () => void) => void,
    private readonly run: (items: T[]) => Promise<R[]>,
  ) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      if (this.waiting.length === 0) this.schedule(() => this.flush());
      this.waiting.push({ item, resolve, reject });
    });
  }

  private flush(): void {
    const batch = this.waiting;
    this.waiting = [];
    // Called now, not in a microtask: what `run` sends must leave with the turn's other commands.
    const running = (async () => this.run(batch.map((entry) => entry.item)))();
    running.then(
      (results) => {
        batch.forEach((entry, index) => entry.resolve(results[index]));
      },
      (error: unknown) => {
        for (const entry of batch) entry.reject(error);
      },
    );
  }
}
