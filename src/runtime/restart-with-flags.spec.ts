import { RESTARTED_WITH_ENV, RestartableProcess, restartWithNodeFlags } from './restart-with-flags';

/** A process whose execve records its call instead of replacing anything. */
function fakeProcess(
  env: NodeJS.ProcessEnv = {},
  execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => void,
): RestartableProcess & { calls: unknown[][] } {
  const calls: unknown[][] = [];
  return {
    calls,
    execPath: '/usr/bin/node',
    execArgv: ['-r', 'ts-node/register'],
    argv: ['/usr/bin/node', '/app/dist/src/main.js', '--flag-of-the-app'],
    env,
    execve:
      execve ??
      ((...args: unknown[]) => {
        calls.push(args);
      }),
  };
}

describe('restartWithNodeFlags', () => {
  it('should exec the same node and script with the flags first, marking the environment', () => {
    const proc = fakeProcess({ PATH: '/bin' });
    expect(restartWithNodeFlags(['--max-semi-space-size=8'], proc)).toBe(true);
    expect(proc.calls).toEqual([
      [
        '/usr/bin/node',
        [
          '/usr/bin/node',
          '--max-semi-space-size=8',
          '-r',
          'ts-node/register',
          '/app/dist/src/main.js',
          '--flag-of-the-app',
        ],
        { PATH: '/bin', [RESTARTED_WITH_ENV]: '--max-semi-space-size=8' },
      ],
    ]);
  });

  it('should never restart a restart, nor without flags', () => {
    const restarted = fakeProcess({ [RESTARTED_WITH_ENV]: '--max-semi-space-size=8' });
    expect(restartWithNodeFlags(['--max-semi-space-size=8'], restarted)).toBe(false);
    const proc = fakeProcess();
    expect(restartWithNodeFlags([], proc)).toBe(false);
    expect([...restarted.calls, ...proc.calls]).toEqual([]);
  });

  it('should change nothing where Node has no execve or the exec fails', () => {
    const old = { ...fakeProcess(), execve: undefined };
    expect(restartWithNodeFlags(['--max-semi-space-size=8'], old)).toBe(false);
    const failing = fakeProcess({}, () => {
      throw new Error('EACCES');
    });
    expect(restartWithNodeFlags(['--max-semi-space-size=8'], failing)).toBe(false);
  });
});
