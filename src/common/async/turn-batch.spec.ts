import { TurnBatch } from './turn-batch';

describe('TurnBatch', () => {
  const atImmediate = (flush: () => void) => setImmediate(flush);

  it('hands the items of one turn to one run, and each caller its own result', async () => {
    const runs: number[][] = [];
    const batch = new TurnBatch<number, string>(atImmediate, (items) => {
      runs.push(items);
      return Promise.resolve(items.map((item) => `#${item}`));
    });
    const first = await Promise.all([batch.add(1), batch.add(2), batch.add(3)]);
    const second = await batch.add(4);
    expect(first).toEqual(['#1', '#2', '#3']);
    expect(second).toBe('#4');
    expect(runs).toEqual([[1, 2, 3], [4]]);
  });

  it('calls run within the scheduled flush, not in a later microtask', () => {
    let flush: (() => void) | null = null;
    let ran = false;
    const batch = new TurnBatch<number, number>(
      (scheduled) => (flush = scheduled),
      (items) => {
        ran = true;
        return Promise.resolve(items);
      },
    );
    void batch.add(1);
    expect(ran).toBe(false);
    (flush as unknown as () => void)();
    expect(ran).toBe(true);
  });

  it('rejects every caller of a batch whose run throws or rejects', async () => {
    const throwing = new TurnBatch<number, number>(atImmediate, () => {
      throw new Error('down');
    });
    const rejecting = new TurnBatch<number, number>(atImmediate, () =>
      Promise.reject(new Error('down')),
    );
    for (const batch of [throwing, rejecting]) {
      const results = await Promise.allSettled([batch.add(1), batch.add(2)]);
      expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    }
  });

  it('puts what is added while a batch runs into the next batch', async () => {
    const runs: number[][] = [];
    const releases: (() => void)[] = [];
    const batch = new TurnBatch<number, number>(atImmediate, (items) => {
      runs.push(items);
      return new Promise((resolve) => releases.push(() => resolve(items)));
    });
    const first = batch.add(1);
    await new Promise((resolve) => setImmediate(resolve));
    const second = batch.add(2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(runs).toEqual([[1], [2]]);
    for (const release of releases) release();
    await expect(Promise.all([first, second])).resolves.toEqual([1, 2]);
  });
});
