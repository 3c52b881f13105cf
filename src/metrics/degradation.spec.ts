import { Logger, LoggerService } from '@nestjs/common';
import { DEGRADATION_LOG_INTERVAL_MS, reportDegradation, reportRecovery } from './degradation';
import { cchMetrics } from './metrics-registry';

describe('degradation reporting', () => {
  const lines: { level: string; message: string }[] = [];
  const capture: LoggerService = {
    log: (message: unknown) => lines.push({ level: 'log', message: String(message) }),
    warn: (message: unknown) => lines.push({ level: 'warn', message: String(message) }),
    error: (message: unknown) => lines.push({ level: 'error', message: String(message) }),
  };

  beforeAll(() => {
    Logger.overrideLogger(capture);
  });
  afterAll(() => {
    Logger.overrideLogger(false);
  });
  beforeEach(() => {
    lines.length = 0;
  });

  async function count(control: string, mode: string, dependency: string): Promise<number> {
    const metric = await cchMetrics().degraded.get();
    const sample = metric.values.find(
      (value) =>
        value.labels.control === control &&
        value.labels.mode === mode &&
        value.labels.dependency === dependency,
    );
    return sample?.value ?? 0;
  }

  it('counts every occurrence but logs one line per interval, with the number it hid', async () => {
    const t0 = 1_000_000;
    const before = await count('stickiness', 'fail_open', 'redis');
    for (let i = 0; i < 5; i += 1) {
      reportDegradation('stickiness', 'fail_open', 'redis', 'not pinned', undefined, t0 + i);
    }
    expect(await count('stickiness', 'fail_open', 'redis')).toBe(before + 5);
    expect(lines).toEqual([
      {
        level: 'warn',
        message: 'degraded control=stickiness mode=fail_open dependency=redis: not pinned',
      },
    ]);
    reportDegradation(
      'stickiness',
      'fail_open',
      'redis',
      'not pinned',
      undefined,
      t0 + DEGRADATION_LOG_INTERVAL_MS,
    );
    expect(lines[1]?.message).toBe(
      'degraded control=stickiness mode=fail_open dependency=redis: not pinned (4 more since last line)',
    );
  });

  it('keeps modes and dependencies apart', () => {
    const now = 2_000_000;
    reportDegradation('limits', 'fail_open', 'redis', 'a', undefined, now);
    reportDegradation('limits', 'fail_closed', 'redis', 'b', undefined, now);
    reportDegradation('limits', 'fail_open', 'postgres', 'c', undefined, now);
    expect(lines).toHaveLength(3);
  });

  it('names the error class, code and first message line only', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:5432\nsecond line'), {
      code: 'ECONNREFUSED',
    });
    reportDegradation('admin_api', 'fail_closed', 'postgres', '503', error, 3_000_000);
    expect(lines[0]?.message).toBe(
      'degraded control=admin_api mode=fail_closed dependency=postgres: 503: Error ECONNREFUSED connect ECONNREFUSED 10.0.0.1:5432',
    );
    expect(lines[0]?.message).not.toContain('second line');
    expect(lines[0]?.message).not.toContain(' at ');
  });

  it('logs one recovery line, after which the next outage logs at once', () => {
    const t0 = 4_000_000;
    reportDegradation('breaker', 'fail_open', 'redis', 'closed', undefined, t0);
    reportRecovery('breaker', 'redis', t0 + 1_500);
    reportRecovery('breaker', 'redis', t0 + 1_600);
    reportDegradation('breaker', 'fail_open', 'redis', 'closed', undefined, t0 + 2_000);
    expect(lines.map((line) => line.message)).toEqual([
      'degraded control=breaker mode=fail_open dependency=redis: closed',
      'recovered control=breaker dependency=redis after 1500 ms degraded',
      'degraded control=breaker mode=fail_open dependency=redis: closed',
    ]);
  });

  it('does nothing on recovery of a control that never degraded', () => {
    reportRecovery('price_catalog', 'postgres', 5_000_000);
    expect(lines).toEqual([]);
  });
});
