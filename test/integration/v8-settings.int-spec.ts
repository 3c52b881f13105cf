import { GatewayProcess } from '../support/gateway-process';
import { waitFor } from '../support/redis-server';

const SIZE_WARNING = 'V8_MAX_SEMI_SPACE_MB reaches cluster forks only';

/** The first JSON log line of `gateway` whose text has `text`, once it has been written. */
async function logLine(gateway: GatewayProcess, text: string): Promise<Record<string, unknown>> {
  await waitFor(() => Promise.resolve(gateway.logLines(text).length > 0), 30_000);
  return gateway.logLines(text)[0];
}

// A single process fixes V8's heap growing factor itself, but cannot size its own young
// generation: that takes node's command line, so it says how instead of ignoring the setting.
describe('V8 settings of a single gateway process', () => {
  let gateway: GatewayProcess | undefined;

  afterEach(async () => {
    await gateway?.stop();
    gateway = undefined;
  });

  it('should fix the heap growing factor and warn that the young generation size needs NODE_OPTIONS', async () => {
    gateway = await GatewayProcess.start({ LOG_LEVEL: 'info', V8_MAX_SEMI_SPACE_MB: '8' });
    const listening = await logLine(gateway, 'CCH listening');
    expect(listening.heapGrowing).toEqual({ source: 'setting', percent: 100 });
    const warning = await logLine(gateway, SIZE_WARNING);
    expect(warning.msg).toContain('NODE_OPTIONS=--max-semi-space-size=8');
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
    expect(gateway.output.join('')).not.toContain(SIZE_WARNING);
  }, 180_000);
});
