import { connect } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { FakeAnthropic } from '../support/fake-anthropic';
import { GatewayProcess } from '../support/gateway-process';
import { startStream } from '../support/raw-messages';
import { waitFor } from '../support/redis-server';
import { seedUserAndKey, SeededKey } from '../support/seed';
import { GatewayBed, startGatewayBed } from '../support/gateway-bed';
import { TestApp } from '../support/test-app';

const CHUNKS = 12;
const CHUNK_DELAY_MS = 200;

/** Whether a fresh TCP connection to the port is refused. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

/** A gateway process with info logs and a spool of its own, so the test app cannot rescue its records. */
function startReplica(graceMs: string): Promise<GatewayProcess> {
  return GatewayProcess.start({
    LOG_LEVEL: 'info',
    USAGE_SPOOL_DIR: mkdtempSync(join(tmpdir(), 'cch-shutdown-spool-')),
    SHUTDOWN_GRACE_MS: graceMs,
  });
}

describe('Graceful shutdown', () => {
  let bed: GatewayBed;
  let ctx: TestApp;
  let db: Client;
  let upstream: FakeAnthropic;
  let caller: SeededKey;
  let replica: GatewayProcess | undefined;

  beforeAll(async () => {
    // Admin (seeding) and the worker that writes the ledger rows the replica enqueues.
    bed = await startGatewayBed();
    ({ ctx, db, upstream } = bed);
    upstream.always({ kind: 'slow-stream', chunks: CHUNKS, delayMs: CHUNK_DELAY_MS });
    caller = await seedUserAndKey(ctx.baseUrl, { providerGroup: bed.group });
  });

  afterAll(async () => {
    replica?.signal('SIGKILL');
    await bed.close();
  });

  it('should finish the stream in flight on SIGTERM, refuse new connections, record usage once and exit 0', async () => {
    replica = await startReplica('20000');
    const call = await startStream(replica.port, caller.key);
    expect(call.response.statusCode).toBe(200);
    const requestId = String(call.response.headers['x-cch-request-id']);
    await waitFor(() => Promise.resolve(call.received().includes('content_block_delta')), 5_000);

    const signalledAt = Date.now();
    replica.signal('SIGTERM');

    // The listening socket closes at once, while the stream still runs.
    await waitFor(() => refused(replica?.port ?? 0), 2_000);
    expect(call.response.complete).toBe(false);
    expect(replica.exitCode).toBeNull();

    const body = await call.done;
    expect(body).toContain('event: message_stop');
    expect(body).toContain(`chunk-${CHUNKS - 1} `);
    expect(body).not.toContain('event: error');

    const exit = await replica.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    // It waited for the stream, but not for the grace period.
    expect(Date.now() - signalledAt).toBeLessThan(15_000);

    let rows: { status: string; output_tokens: string }[] = [];
    await waitFor(async () => {
      const result = await db.query<{ status: string; output_tokens: string }>(
        'SELECT status, output_tokens FROM usage_records WHERE request_id = $1',
        [requestId],
      );
      rows = result.rows;
      return rows.length > 0;
    }, 15_000);
    // Give a duplicate the chance to show up before counting.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const final = await db.query('SELECT 1 FROM usage_records WHERE request_id = $1', [requestId]);
    expect(final.rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'success', output_tokens: '7' });
    // Recorded through the queue, before the Redis and Postgres clients closed.
    const logs = replica.output.join('');
    expect(logs).not.toMatch(/control=usage_queue|usage record .* lost/);
    expect(logs).toContain('waiting up to 20000 ms for 1 request(s) in flight');
  });

  it('should cut streams that outlast SHUTDOWN_GRACE_MS and still exit 0', async () => {
    replica = await startReplica('300');
    const call = await startStream(replica.port, caller.key);
    const requestId = String(call.response.headers['x-cch-request-id']);
    await waitFor(() => Promise.resolve(call.received().includes('content_block_delta')), 5_000);
    replica.signal('SIGTERM');

    await expect(call.done).rejects.toThrow();
    expect(call.received()).not.toContain('event: message_stop');
    expect(await replica.exited).toEqual({ code: 0, signal: null });

    let status: string | undefined;
    await waitFor(async () => {
      const result = await db.query<{ status: string }>(
        'SELECT status FROM usage_records WHERE request_id = $1',
        [requestId],
      );
      status = result.rows[0]?.status;
      return status !== undefined;
    }, 15_000);
    expect(status).toBe('aborted');
  });
});
