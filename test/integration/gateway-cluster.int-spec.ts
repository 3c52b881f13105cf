import { request as httpRequest } from 'node:http';
import { Client } from 'pg';
import { FakeAnthropic } from '../support/fake-anthropic';
import { GatewayProcess } from '../support/gateway-process';
import { postMessage, startStream } from '../support/raw-messages';
import { waitFor } from '../support/redis-server';
import { seedUserAndKey, SeededKey } from '../support/seed';
import { GatewayBed, startGatewayBed } from '../support/gateway-bed';
import { TestApp } from '../support/test-app';
import { reusePortSupported } from '../../src/cluster/reuse-port';
import { commandLineOf, installedTestNode } from '../support/test-node';
import { childPids, holdsListeningSocket, listeningSocketsOf } from '../support/listening-sockets';

const CHUNKS = 10;
const CHUNK_DELAY_MS = 200;

/** The pid and slot of the gateway worker that answered one `/metrics` scrape on a new connection. */
function answeringWorker(port: number): Promise<{ pid: string; slot: string; roles: string }> {
  return new Promise((resolve, reject) => {
    // agent: false = a connection of its own, which the cluster may hand to any worker.
    const request = httpRequest(
      { host: '127.0.0.1', port, path: '/metrics', agent: false },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.once('end', () => {
          const line = /^cch_process_info\{(.*)\} 1$/m.exec(text)?.[1] ?? '';
          const label = (name: string): string =>
            new RegExp(`${name}="([^"]*)"`).exec(line)?.[1] ?? '';
          if (line) resolve({ pid: label('pid'), slot: label('slot'), roles: label('roles') });
          else reject(new Error(`no cch_process_info in /metrics: ${text.slice(0, 300)}`));
        });
      },
    );
    request.once('error', reject);
    // A connection handed to a worker as it is killed is never answered: give up on it.
    request.setTimeout(5_000, () => request.destroy(new Error('no answer within 5 s')));
    request.end();
  });
}

/** Scrapes on fresh connections until `count` distinct workers answered: pid and roles by slot. */
async function distinctWorkers(
  port: number,
  count: number,
): Promise<Map<string, { pid: string; roles: string }>> {
  const bySlot = new Map<string, { pid: string; roles: string }>();
  await waitFor(async () => {
    const answer = await answeringWorker(port).catch(() => null);
    if (answer) bySlot.set(answer.slot, { pid: answer.pid, roles: answer.roles });
    return bySlot.size >= count;
  }, 150_000);
  return bySlot;
}

/** One `/metrics` scrape on a connection of its own: the answering pid and the total of a counter. */
function scrapeTotal(port: number, metric: string): Promise<{ pid: string; total: number }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: '127.0.0.1', port, path: '/metrics', agent: false },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.once('end', () => {
          const pid = /^cch_process_info\{.*pid="(\d+)"/m.exec(text)?.[1] ?? '';
          const total = text
            .split('\n')
            .filter((line) => line.startsWith(`${metric}{`) || line.startsWith(`${metric} `))
            .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
          resolve({ pid, total });
        });
      },
    );
    request.once('error', reject);
    request.setTimeout(5_000, () => request.destroy(new Error('no answer within 5 s')));
    request.end();
  });
}

/** A Node.js that supports `reusePort`: this one, or the one `npm test` installs. */
function reusePortNode(): string {
  return reusePortSupported() ? process.execPath : installedTestNode();
}

describe('GATEWAY_WORKERS=2: a cluster of gateway workers on one port', () => {
  let bed: GatewayBed;
  let ctx: TestApp;
  let db: Client;
  let upstream: FakeAnthropic;
  let caller: SeededKey;
  let cluster: GatewayProcess | undefined;

  /** Four requests on connections of their own: their statuses. */
  const fourRequests = (port: number): Promise<number[]> =>
    Promise.all(Array.from({ length: 4 }, () => postMessage(port, caller.key)));

  /** Waits for both workers of `replica` to hold one listening socket each; their pids. */
  async function workersListening(replica: GatewayProcess, gone?: number): Promise<number[]> {
    let workers: number[] = [];
    await waitFor(() => {
      workers = childPids(replica.pid);
      return Promise.resolve(
        workers.length === 2 &&
          (gone === undefined || !workers.includes(gone)) &&
          workers.every((pid) => listeningSocketsOf(pid, replica.port).length === 1),
      );
    }, 150_000);
    return workers;
  }

  const socketsOf = (replica: GatewayProcess, workers: number[]): Set<string | undefined> =>
    new Set(workers.map((pid) => listeningSocketsOf(pid, replica.port)[0]));

  beforeAll(async () => {
    // Admin for seeding; this process's own worker role writes the ledger rows as well.
    bed = await startGatewayBed();
    ({ ctx, db, upstream } = bed);
    upstream.always({ kind: 'slow-stream', chunks: CHUNKS, delayMs: CHUNK_DELAY_MS });
    caller = await seedUserAndKey(ctx.baseUrl, { providerGroup: bed.group });
  });

  afterAll(async () => {
    await cluster?.stop();
    await bed.close();
  });

  it('should answer from two worker processes, run the BullMQ processors in one, and re-fork a worker that dies', async () => {
    cluster = await GatewayProcess.start({
      GATEWAY_WORKERS: '2',
      CCH_ROLES: 'gateway,worker',
      SHUTDOWN_GRACE_MS: '20000',
      LOG_LEVEL: 'info',
      // `auto` gives forks a size only on Node ≥ 24; an explicit one reaches them on any Node.
      V8_MAX_SEMI_SPACE_MB: '8',
    });
    const workers = await distinctWorkers(cluster.port, 2);
    expect([...workers.keys()].sort()).toEqual(['0', '1']);
    const pids = new Set([...workers.values()].map((worker) => worker.pid));
    expect(pids.size).toBe(2);
    expect(pids.has(String(cluster.pid))).toBe(false);
    // The BullMQ processors (worker role) run in slot 0 only: once per host, not per fork.
    expect(workers.get('0')?.roles).toBe('gateway,worker');
    expect(workers.get('1')?.roles).toBe('gateway');
    // Every fork fixes V8's heap growing factor at start-up (V8_HEAP_GROWING_PERCENT, 100).
    const listening = cluster.logLines('CCH listening');
    expect(new Set(listening.map((line) => String(line.pid)))).toEqual(pids);
    for (const line of listening) {
      expect(line.heapGrowing).toEqual({ source: 'setting', percent: 100 });
    }
    // The forks, not the primary, are started with the young generation's size.
    for (const pid of pids) {
      expect(commandLineOf(Number(pid))).toContain('--max-semi-space-size=8');
    }
    expect(commandLineOf(cluster.pid)).not.toContain('--max-semi-space-size=8');
    // Round-robin (the default): the primary alone accepts connections, then hands them over.
    expect(holdsListeningSocket(cluster.pid, cluster.port)).toBe(true);
    for (const { pid } of workers.values()) {
      expect(holdsListeningSocket(Number(pid), cluster.port)).toBe(false);
    }

    // Requests spread over both workers; any worker's /metrics counts all of them (the primary
    // aggregates the workers' registries).
    const statuses = await Promise.all(
      Array.from({ length: 4 }, () => postMessage(cluster?.port ?? 0, caller.key)),
    );
    expect(statuses).toEqual([200, 200, 200, 200]);
    const answeredBy = new Set<string>();
    await waitFor(async () => {
      const scrape = await scrapeTotal(cluster?.port ?? 0, 'cch_requests_total');
      if (scrape.total === 4) answeredBy.add(scrape.pid);
      return answeredBy.size === 2;
    }, 30_000);

    // Worker-local gauges are shown once, as the answering worker has them, never also summed.
    const exposition = await (await fetch(`http://127.0.0.1:${cluster.port}/metrics`)).text();
    const families = exposition
      .split('\n')
      .filter((line) => line.startsWith('# TYPE '))
      .map((line) => line.split(' ')[2]);
    expect(families).toEqual(expect.arrayContaining(['cch_dependency_up', 'cch_breaker_state']));
    expect(new Set(families).size).toBe(families.length);

    // A worker killed outright is re-forked into its slot, with a new pid.
    const victim = Number(workers.get('1')?.pid);
    process.kill(victim, 'SIGKILL');
    await waitFor(async () => {
      const answer = await answeringWorker(cluster?.port ?? 0).catch(() => null);
      if (!answer) return false;
      const { pid, slot } = answer;
      return slot === '1' && Number(pid) !== victim;
    }, 120_000);
    // Three ts-node processes boot on a shared machine (a minute or more under load), then a
    // fourth.
  }, 400_000);

  it('should finish a stream in flight on SIGTERM to the primary, record it once, and exit 0', async () => {
    const replica = cluster as GatewayProcess;
    const call = await startStream(replica.port, caller.key);
    expect(call.response.statusCode).toBe(200);
    const requestId = String(call.response.headers['x-cch-request-id']);
    await waitFor(() => Promise.resolve(call.received().includes('content_block_delta')), 5_000);

    replica.signal('SIGTERM');
    const body = await call.done;
    expect(body).toContain('event: message_stop');
    expect(body).toContain(`chunk-${CHUNKS - 1} `);
    expect(body).not.toContain('event: error');
    const exit = await replica.exited;
    if (exit.code !== 0) process.stderr.write(replica.output.join(''));
    expect(exit).toEqual({ code: 0, signal: null });

    let rows: { status: string; output_tokens: string }[] = [];
    await waitFor(async () => {
      const result = await db.query<{ status: string; output_tokens: string }>(
        'SELECT status, output_tokens FROM usage_records WHERE request_id = $1',
        [requestId],
      );
      rows = result.rows;
      return rows.length > 0;
    }, 15_000);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'success', output_tokens: '7' });
    const logs = replica.output.join('');
    expect(logs).not.toMatch(/usage queue unavailable|spooling|usage record .* lost/);
    expect(logs).toContain('waiting up to 20000 ms for 1 request(s) in flight');
  }, 60_000);

  // `os`: one socket, the primary's, which each worker accepts from. `reuseport`: a socket per
  // worker, none in the primary, so no connection waits for the primary to hand it over. `auto`
  // (the default) on a Node that has reusePort is `reuseport`.
  it.each([
    ['os', 1, () => process.execPath],
    ['reuseport', 2, reusePortNode],
    ['auto', 2, reusePortNode],
  ] as const)(
    'should let every worker accept connections itself with GATEWAY_CLUSTER_SCHEDULING=%s (%i socket(s))',
    async (scheduling, socketCount, nodeBinary) => {
      const replica = await GatewayProcess.start(
        // info: the primary's start line names the scheduling it decided on.
        { GATEWAY_WORKERS: '2', GATEWAY_CLUSTER_SCHEDULING: scheduling, LOG_LEVEL: 'info' },
        nodeBinary(),
      );
      try {
        const workers = await workersListening(replica);
        expect(socketsOf(replica, workers).size).toBe(socketCount);
        expect(holdsListeningSocket(replica.pid, replica.port)).toBe(socketCount === 1);
        expect(replica.output.join('')).toContain(
          `2 gateway workers, ${socketCount === 1 ? scheduling : 'reuseport'} scheduling`,
        );
        // Each answers: a few requests on connections of their own all succeed.
        expect(await fourRequests(replica.port)).toEqual([200, 200, 200, 200]);
        if (socketCount === 1) return;

        // A second cluster on the same port would join the SO_REUSEPORT group and take half of
        // the connections; it must refuse to start instead, and the first keep serving.
        const second = await GatewayProcess.start(
          {
            GATEWAY_WORKERS: '2',
            GATEWAY_CLUSTER_SCHEDULING: scheduling,
            PORT: String(replica.port),
          },
          nodeBinary(),
        );
        expect(await second.exited).toEqual({ code: 1, signal: null });
        expect(second.output.join('')).toContain(
          `CCH failed to start: 127.0.0.1:${replica.port} is already in use`,
        );

        // A socket per worker dies with its worker: the re-forked one must open its own again.
        const [victim, survivor] = workers;
        process.kill(victim, 'SIGKILL');
        const reforked = await workersListening(replica, victim);
        expect(reforked).toContain(survivor);
        expect(socketsOf(replica, reforked).size).toBe(2);
        expect(await fourRequests(replica.port)).toEqual([200, 200, 200, 200]);
      } finally {
        await replica.stop();
      }
    },
    350_000,
  );
});
