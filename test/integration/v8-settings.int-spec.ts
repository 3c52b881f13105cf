import { GatewayProcess } from '../support/gateway-process';
import { waitFor } from '../support/redis-server';
import { commandLineOf, installedTestNode } from '../support/test-node';
import { RESTARTED_WITH_ENV } from '../../src/runtime/restart-with-flags';

const SIZE_WARNING = 'cannot restart itself with --max-semi-space-size';

/** The first JSON log line of `gateway` whose text has `text`, once it has been written. */
async function logLine(gateway: GatewayProcess, text: string): Promise<Record<string, unknown>> {
  await waitFor(() => Promise.resolve(gateway.logLines(text).length > 0), 30_000);
  return gateway.logLines(text)[0];
}

// A single process fixes V8's heap growing factor itself. Its young generation can only be sized
// on node's command line: where Node can (process.execve, ≥ 22.15) it starts again with the
// flag, keeping its pid; where it cannot (the machine's Node 20), it says how.
describe('V8 settings of a single gateway process', () => {
  let gateway: GatewayProcess | undefined;

  afterEach(async () => {
    await gateway?.stop();
    gateway = undefined;
  });

  it('should restart itself with the young generation size, keeping its pid, where Node can', async () => {
    gateway = await GatewayProcess.start(
      { LOG_LEVEL: 'info', V8_MAX_SEMI_SPACE_MB: '8' },
      installedTestNode(),
    );
    const listening = await logLine(gateway, 'CCH listening');
    expect(listening.restartedWith).toBe('--max-semi-space-size=8');
    expect(listening.heapGrowing).toEqual({ source: 'setting', percent: 100 });
    expect(listening.pid).toBe(gateway.pid);
    expect(commandLineOf(gateway.pid)).toContain('--max-semi-space-size=8');
    // Started once more, not twice: the restart does not restart itself.
    expect(gateway.logLines('CCH listening')).toHaveLength(1);
    expect(gateway.output.join('')).not.toContain(SIZE_WARNING);
    const health = await fetch(`${gateway.baseUrl}/healthz`);
    expect(health.status).toBe(200);
  }, 180_000);

  it('should fix the heap growing factor and, when it cannot restart itself, say the size needs NODE_OPTIONS', async () => {
    // Marked as a restart already (the loop guard), so it cannot restart on any Node.
    gateway = await GatewayProcess.start({
      LOG_LEVEL: 'info',
      V8_MAX_SEMI_SPACE_MB: '8',
      [RESTARTED_WITH_ENV]: '--some-earlier-flag',
    });
    const listening = await logLine(gateway, 'CCH listening');
    expect(listening.heapGrowing).toEqual({ source: 'setting', percent: 100 });
    const warning = await logLine(gateway, SIZE_WARNING);
    expect(warning.msg).toContain('NODE_OPTIONS=--max-semi-space-size=8');
    expect(commandLineOf(gateway.pid)).not.toContain('--max-semi-space-size');
  }, 180_000);

  it('should not warn when NODE_OPTIONS gives the size, and leave the factor to V8 with 0', async () => {
    gateway = await GatewayProcess.start({
      LOG_LEVEL: 'info',
      V8_MAX_SEMI_SPACE_MB: '8',
      V8_HEAP_GROWING_PERCENT: '0',
      NODE_OPTIONS: '--max-semi-space-size=8',
    });
    const listening = await logLine(gateway, 'CCH listening');
    expect(listening.heapGrowing).toEqual({ source: 'v8-dynamic' });
    expect(listening.restartedWith).toBeUndefined();
    expect(gateway.output.join('')).not.toContain(SIZE_WARNING);
  }, 180_000);
});
