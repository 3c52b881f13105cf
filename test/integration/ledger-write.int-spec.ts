import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { copyIn } from '../../src/billing/copy-in-one-write';
import * as ledgerCopy from '../../src/billing/ledger-copy';
import { LedgerBatch } from '../../src/billing/ledger-batch';
import { LedgerBatchWriter, LedgerWriteCoalescer } from '../../src/billing/ledger-write-coalescer';
import { UsageStatus } from '../../src/billing/usage-record.entity';
import { UsageRecordsRepository } from '../../src/billing/usage-records.repository';
import { RecordUsagePayload } from '../../src/jobs/job-payloads';
import { startTestApp, TestApp } from '../support/test-app';
import { TEST_ENV } from '../support/test-env';
import { usagePayload } from '../support/usage-payload';

/** A record whose every text field carries something COPY's text format must escape. */
function awkwardRecord(): RecordUsagePayload {
  return usagePayload({
    providerId: randomUUID(),
    requestedModel: 'model\twith\ttabs',
    upstreamModel: 'line\nbreak\rreturn',
    sessionId: '\\N',
    stopReason: 'back\\slash \\. end',
    errorClass: 'ünïcødé 🚀',
    priceVersion: null,
    stream: false,
    status: UsageStatus.Error,
    httpStatus: null,
    ttfbMs: null,
    costUsd: '1234567890.0123456789',
    inputTokens: 9_007_199_254_740_991,
    attempts: 2,
    attemptLog: [
      {
        providerId: 'p-1',
        providerType: 'openai',
        outcome: 'say "\\502\\"\n',
        httpStatus: 502,
        ms: 7,
      },
      { providerId: 'p-2', providerType: 'anthropic', outcome: 'ok', httpStatus: 200, ms: 31 },
    ],
    createdAt: '2026-11-27T10:00:00.123Z',
  });
}

describe('writing the ledger', () => {
  let ctx: TestApp;
  let ledger: UsageRecordsRepository;
  let db: Client;

  beforeAll(async () => {
    ctx = await startTestApp({ CCH_ROLES: 'admin' });
    ledger = ctx.app.get(UsageRecordsRepository);
    db = new Client({ connectionString: TEST_ENV.DATABASE_URL });
    await db.connect();
  });

  afterAll(async () => {
    await db.end();
    await ctx.close();
  });

  afterEach(() => jest.restoreAllMocks());

  /** The rows of these request ids, keyed by request id, without the generated id. */
  async function rowsOf(ids: string[]): Promise<Map<string, Record<string, unknown>>> {
    const { rows } = await db.query<Record<string, unknown>>(
      'SELECT * FROM usage_records WHERE request_id = ANY($1)',
      [ids],
    );
    return new Map(
      rows.map(({ id: _generated, ...row }) => [String(row.request_id), row] as const),
    );
  }

  it('should write through COPY exactly what the idempotent INSERT writes', async () => {
    const copySpy = jest.spyOn(ledgerCopy, 'ledgerCopyText');
    const copied = awkwardRecord();
    const inserted = { ...copied, requestId: randomUUID() };

    expect(await ledger.insertMany([copied, usagePayload()])).toBe(2);
    expect(copySpy).toHaveBeenCalledTimes(1);
    expect(await ledger.insertOnce(inserted)).toBe(true);
    expect(copySpy).toHaveBeenCalledTimes(1);

    const rows = await rowsOf([copied.requestId, inserted.requestId]);
    const viaCopy = rows.get(copied.requestId);
    expect(viaCopy).toMatchObject({
      requested_model: 'model\twith\ttabs',
      upstream_model: 'line\nbreak\rreturn',
      session_id: '\\N',
      stop_reason: 'back\\slash \\. end',
      error_class: 'ünïcødé 🚀',
      price_version: null,
      stream: false,
      http_status: null,
      cost_usd: '1234567890.0123456789',
      input_tokens: '9007199254740991',
      attempt_log: copied.attemptLog,
    });
    expect((viaCopy?.created_at as Date).toISOString()).toBe('2026-11-27T10:00:00.123Z');
    expect({ ...viaCopy, request_id: inserted.requestId }).toEqual(rows.get(inserted.requestId));
  });

  it('should skip request ids already written, and repeats within a batch, writing the rest', async () => {
    const written = usagePayload();
    expect(await ledger.insertMany([written])).toBe(1);
    const fresh = [usagePayload(), usagePayload()];

    expect(await ledger.insertMany([fresh[0], written, fresh[1]])).toBe(2);
    const again = usagePayload();
    expect(await ledger.insertMany([again, again])).toBe(1);

    const ids = [written, ...fresh, again].map((record) => record.requestId);
    const { rows } = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM usage_records WHERE request_id = ANY($1)',
      [ids],
    );
    expect(rows[0]?.n).toBe(4);
  });

  it('should write nothing of a batch with a bad record, and every good record one by one', async () => {
    const good = [usagePayload(), usagePayload()];
    const bad = usagePayload({ clientName: 'x'.repeat(33) });
    const ids = [...good, bad].map((record) => record.requestId);

    await expect(ledger.insertMany([good[0], bad, good[1]])).rejects.toMatchObject({
      code: '22001',
    });
    expect((await rowsOf(ids)).size).toBe(0);

    await expect(ledger.insertAll([good[0], bad, good[1]])).rejects.toMatchObject({
      code: '22001',
    });
    expect([...(await rowsOf(ids)).keys()].sort()).toEqual(
      good.map((record) => record.requestId).sort(),
    );
  });

  it('should hand every connection back to the pool after a refused COPY', async () => {
    const written = usagePayload();
    await ledger.insertMany([written]);
    // More refused COPYs than the pool has connections (20): a leaked one would hang the rest.
    for (let round = 0; round < 25; round += 1) {
      const tooLong = usagePayload({ clientName: 'y'.repeat(40) });
      await expect(ledger.insertMany([tooLong])).rejects.toMatchObject({ code: '22001' });
      expect(await ledger.insertMany([written])).toBe(0);
    }
    expect(await ledger.insertMany([usagePayload()])).toBe(1);
  });
  it('should write a batch larger than the socket buffer in one COPY', async () => {
    // 5,000 records (the coalescer's cap) are ~2 MB of COPY text, far more than one socket
    // write takes at once: the rest must follow without a byte lost.
    const records = Array.from({ length: 5_000 }, () => usagePayload());
    expect(await ledger.copyAll(records)).toBe(5_000);
    const ids = records.map((record) => record.requestId);
    const { rows } = await db.query<{ count: string }>(
      'SELECT count(*) FROM usage_records WHERE request_id = ANY($1)',
      [ids],
    );
    expect(rows[0]?.count).toBe('5000');
  });

  describe('a COPY sent in one write', () => {
    let client: Client;

    beforeEach(async () => {
      client = new Client({ connectionString: TEST_ENV.DATABASE_URL });
      await client.connect();
      await client.query('CREATE TEMP TABLE copied (n int PRIMARY KEY, label text)');
    });

    afterEach(async () => {
      await client.end();
    });

    function copy(statement: string, text: string): Promise<number> {
      return copyIn(client, statement, Buffer.from(text));
    }

    async function labels(): Promise<string[]> {
      const { rows } = await client.query<{ label: string }>('SELECT label FROM copied ORDER BY n');
      return rows.map((row) => row.label);
    }

    it('should report the rows written, and write them', async () => {
      expect(await copy('COPY copied (n, label) FROM STDIN', '1\tone\n2\ttwo\n')).toBe(2);
      expect(await labels()).toEqual(['one', 'two']);
    });

    it('should refuse a statement Postgres rejects, and keep the connection usable', async () => {
      // The data went out with the statement; Postgres drops it once the statement has failed.
      await expect(copy('COPY copied (n, missing) FROM STDIN', '1\tone\n')).rejects.toMatchObject({
        code: '42703',
      });
      expect(await copy('COPY copied (n, label) FROM STDIN', '3\tthree\n')).toBe(1);
      expect(await labels()).toEqual(['three']);
    });

    it('should write nothing of a COPY refused halfway, and keep the connection usable', async () => {
      await expect(
        copy('COPY copied (n, label) FROM STDIN', '1\tone\n2\ttwo\n1\tagain\n'),
      ).rejects.toMatchObject({ code: '23505' });
      await expect(copy('COPY copied (n, label) FROM STDIN', 'x\tbad\n')).rejects.toMatchObject({
        code: '22P02',
      });
      expect(await labels()).toEqual([]);
      expect(await copy('COPY copied (n, label) FROM STDIN', '1\tone\n')).toBe(1);
      expect(await labels()).toEqual(['one']);
    });

    it('should fail, not hang, when the connection is lost before the answer', async () => {
      const other = new Client({ connectionString: TEST_ENV.DATABASE_URL });
      await other.connect();
      const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]
        ?.pid;
      client.on('error', () => undefined);
      // Holds the table so that the COPY waits, then ends the COPY's backend.
      await other.query('BEGIN');
      await other.query('LOCK TABLE usage_records IN ACCESS EXCLUSIVE MODE');
      const failed = expect(
        copy(ledgerCopy.COPY_LEDGER, ledgerCopy.ledgerCopyText([usagePayload()])),
      ).rejects.toMatchObject({ code: '57P01' });
      await other.query('SELECT pg_terminate_backend($1)', [pid]);
      await other.query('ROLLBACK');
      await other.end();
      await failed;
    });
  });

  describe('batches coalesced by the worker', () => {
    /**
     * The real ledger, its first write held until `release` is called, and every call recorded:
     * what a worker running jobs side by side hands the coalescer.
     */
    function heldLedger(): {
      writer: LedgerBatchWriter;
      calls: { kind: 'copy' | 'insert'; ids: string[] }[];
      release: () => void;
    } {
      const calls: { kind: 'copy' | 'insert'; ids: string[] }[] = [];
      let release = (): void => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      const note = (kind: 'copy' | 'insert', batch: LedgerBatch): number =>
        calls.push({ kind, ids: batch.records().map((record) => record.requestId) });
      const writer: LedgerBatchWriter = {
        copyAll: (records) => {
          note('copy', records);
          return ledger.copyAll(records);
        },
        insertAll: async (records) => {
          if (note('insert', records) === 1) await held;
          return ledger.insertAll(records);
        },
      };
      return { writer, calls, release: () => release() };
    }

    const idsOf = (batches: RecordUsagePayload[][]): string[] =>
      batches.flat().map((record) => record.requestId);

    it('should write the batches that wait for a write as one COPY, each told its own count', async () => {
      const { writer, calls, release } = heldLedger();
      const coalescer = new LedgerWriteCoalescer(writer);
      const batches = Array.from({ length: 9 }, (_, index) =>
        Array.from({ length: index + 1 }, () => usagePayload()),
      );
      const results = batches.map((records) => coalescer.write(records));
      release();
      expect(await Promise.all(results)).toEqual(batches.map((records) => records.length));
      expect(calls).toEqual([
        { kind: 'insert', ids: idsOf(batches.slice(0, 1)) },
        { kind: 'copy', ids: idsOf(batches.slice(1)) },
      ]);
      expect((await rowsOf(idsOf(batches))).size).toBe(45);
    });

    it('should write each batch on its own when Postgres refuses the COPY of the group', async () => {
      const written = usagePayload();
      expect(await ledger.insertOnce(written)).toBe(true);
      const { writer, calls, release } = heldLedger();
      const coalescer = new LedgerWriteCoalescer(writer);
      const batches = [
        [usagePayload()],
        [usagePayload(), usagePayload()],
        [usagePayload(), written, usagePayload()],
        [usagePayload()],
      ];
      const results = batches.map((records) => coalescer.write(records));
      release();
      expect(await Promise.all(results)).toEqual([1, 2, 2, 1]);
      // The COPY of the three waiting batches met the written id (23505) and wrote nothing;
      // each batch then went on its own.
      expect(calls.map((call) => call.kind)).toEqual([
        'insert',
        'copy',
        'insert',
        'insert',
        'insert',
      ]);
      expect(calls[1]?.ids).toEqual(idsOf(batches.slice(1)));
      expect((await rowsOf(idsOf(batches))).size).toBe(7);
    });
  });
});
