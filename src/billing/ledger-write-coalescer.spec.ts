import { usagePayload } from '../../test/support/usage-payload';
import type { RecordUsagePayload } from '../jobs/job-payloads';
import { LedgerBatch } from './ledger-batch';
import { LedgerBatchWriter, LedgerWriteCoalescer } from './ledger-write-coalescer';

type Records = readonly RecordUsagePayload[];

/** A ledger whose writes finish when the test says, recording what each call carried. */
class ControlledLedger implements LedgerBatchWriter {
  readonly calls: { kind: 'copy' | 'insert'; ids: string[] }[] = [];
  private readonly open: (() => void)[] = [];
  /** Request ids the ledger holds already: a COPY carrying one fails, an insert skips it. */
  readonly written = new Set<string>();
  copyFailure: Error | null = null;

  copyAll(batch: LedgerBatch): Promise<number> {
    const records = batch.records();
    return this.call('copy', records, () => {
      if (this.copyFailure) throw this.copyFailure;
      if (records.some((record) => this.written.has(record.requestId))) {
        throw Object.assign(new Error('duplicate key value'), { code: '23505' });
      }
      return this.store(records);
    });
  }

  insertAll(batch: LedgerBatch): Promise<number> {
    const records = batch.records();
    return this.call('insert', records, () => this.store(records));
  }

  /** Lets the oldest unfinished write finish. */
  finishNext(): void {
    this.open.shift()?.();
  }

  private store(records: Records): number {
    const fresh = records.filter((record) => !this.written.has(record.requestId));
    for (const record of fresh) this.written.add(record.requestId);
    return fresh.length;
  }

  private call(kind: 'copy' | 'insert', records: Records, run: () => number): Promise<number> {
    this.calls.push({ kind, ids: records.map((record) => record.requestId) });
    return new Promise<number>((resolve, reject) => {
      this.open.push(() => {
        try {
          resolve(run());
        } catch (error: unknown) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    });
  }
}

const batch = (size: number): RecordUsagePayload[] =>
  Array.from({ length: size }, () => usagePayload());
const ids = (...batches: Records[]): string[] => batches.flat().map((record) => record.requestId);
/** Lets every pending promise callback run. */
const settle = (): Promise<void> => new Promise((done) => setImmediate(done));

describe('LedgerWriteCoalescer', () => {
  it('should write a batch that finds the ledger idle at once, on its own', async () => {
    const ledger = new ControlledLedger();
    const coalescer = new LedgerWriteCoalescer(ledger);
    const lone = batch(3);
    const written = coalescer.write(lone);
    expect(ledger.calls).toEqual([{ kind: 'insert', ids: ids(lone) }]);
    ledger.finishNext();
    await expect(written).resolves.toBe(3);
  });

  it('should write the batches that arrive during a write as one COPY, each told its own count', async () => {
    const ledger = new ControlledLedger();
    const coalescer = new LedgerWriteCoalescer(ledger);
    const [first, second, third] = [batch(2), batch(4), batch(1)];
    const results = [coalescer.write(first), coalescer.write(second), coalescer.write(third)];
    expect(ledger.calls).toHaveLength(1);
    ledger.finishNext();
    await settle();
    expect(ledger.calls[1]).toEqual({ kind: 'copy', ids: ids(second, third) });
    ledger.finishNext();
    await expect(Promise.all(results)).resolves.toEqual([2, 4, 1]);
    expect(ledger.written.size).toBe(7);
  });

  it('should start a new COPY when the waiting batches would pass the records one may carry', async () => {
    const ledger = new ControlledLedger();
    const coalescer = new LedgerWriteCoalescer(ledger, 5);
    const [busy, a, b, c, big] = [batch(1), batch(2), batch(3), batch(2), batch(7)];
    const results = [busy, a, b, c, big].map((records) => coalescer.write(records));
    for (let write = 0; write < 4; write += 1) {
      ledger.finishNext();
      await settle();
    }
    // 2 + 3 fit in five; 2 + 7 do not; a batch larger than the limit still goes, alone.
    expect(ledger.calls.map((call) => [call.kind, call.ids.length])).toEqual([
      ['insert', 1],
      ['copy', 5],
      ['insert', 2],
      ['insert', 7],
    ]);
    await expect(Promise.all(results)).resolves.toEqual([1, 2, 3, 2, 7]);
  });

  it('should write each batch on its own when the COPY refuses one of them', async () => {
    const ledger = new ControlledLedger();
    const coalescer = new LedgerWriteCoalescer(ledger);
    const busy = batch(1);
    const clean = batch(2);
    // A retried job: one record of it is in the ledger already.
    const retried = batch(2);
    ledger.written.add(retried[0].requestId);
    const results = [busy, clean, retried].map((records) => coalescer.write(records));
    ledger.finishNext();
    await settle();
    ledger.finishNext(); // the COPY of clean + retried: refused, nothing written
    await settle();
    expect(ledger.calls.slice(2)).toEqual([
      { kind: 'insert', ids: ids(clean) },
      { kind: 'insert', ids: ids(retried) },
    ]);
    ledger.finishNext();
    ledger.finishNext();
    await expect(Promise.all(results)).resolves.toEqual([1, 2, 1]);
  });

  it('should fail every batch of the group, without a second try, while Postgres is unreachable', async () => {
    const ledger = new ControlledLedger();
    const coalescer = new LedgerWriteCoalescer(ledger);
    const first = coalescer.write(batch(1));
    const [a, b] = [coalescer.write(batch(1)), coalescer.write(batch(1))];
    ledger.finishNext();
    await first;
    await settle();
    ledger.copyFailure = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
    ledger.finishNext();
    await expect(a).rejects.toThrow('ECONNREFUSED');
    await expect(b).rejects.toThrow('ECONNREFUSED');
    expect(ledger.calls.map((call) => call.kind)).toEqual(['insert', 'copy']);
  });

  it('should pass on the failure of a batch written on its own, and go on with the next', async () => {
    let inserts = 0;
    const failingOnce: LedgerBatchWriter = {
      copyAll: () => Promise.reject(new Error('not expected')),
      insertAll: (records) =>
        (inserts += 1) === 1
          ? Promise.reject(new Error('value too long for type character varying(64)'))
          : Promise.resolve(records.count),
    };
    const coalescer = new LedgerWriteCoalescer(failingOnce);
    await expect(coalescer.write(batch(1))).rejects.toThrow('value too long');
    await expect(coalescer.write(batch(3))).resolves.toBe(3);
  });
});
