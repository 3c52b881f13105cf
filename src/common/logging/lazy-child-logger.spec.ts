import pino from 'pino';
import { LazyChildLogger } from './lazy-child-logger';

/** A pino logger at `level` whose lines land in `lines` as they are written. */
function parentAt(level: string, lines: Record<string, unknown>[]): pino.Logger {
  return pino(
    { level },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
}

describe('LazyChildLogger', () => {
  function lazyAt(level: string) {
    const lines: Record<string, unknown>[] = [];
    const parent = parentAt(level, lines);
    const made: unknown[] = [];
    const lazy = new LazyChildLogger(parent, () => {
      made.push(true);
      return parent.child({ requestId: 'r-1' });
    });
    return { lines, made, lazy };
  }

  it('should make no child for lines below the level', () => {
    const { lines, made, lazy } = lazyAt('warn');
    lazy.info({ a: 1 }, 'not written');
    lazy.debug('not written');
    lazy.trace('not written');
    expect(made).toHaveLength(0);
    expect(lines).toHaveLength(0);
    expect(lazy.level).toBe('warn');
  });

  it('should make the child once, for the first line written, and write through it', () => {
    const { lines, made, lazy } = lazyAt('warn');
    lazy.warn({ a: 1 }, 'first');
    lazy.error('second');
    expect(made).toHaveLength(1);
    expect(lines.map((line) => [line.level, line.msg, line.requestId, line.a])).toEqual([
      [40, 'first', 'r-1', 1],
      [50, 'second', 'r-1', undefined],
    ]);
  });

  it('should write nothing at silent and make a child for child() and level changes', () => {
    const silent = lazyAt('silent');
    silent.lazy.fatal('not written');
    expect(silent.made).toHaveLength(0);
    const { lines, made, lazy } = lazyAt('warn');
    lazy.child({ part: 'x' }).warn('from a grandchild');
    expect(made).toHaveLength(1);
    expect(lines[0]).toMatchObject({ requestId: 'r-1', part: 'x', msg: 'from a grandchild' });
    lazy.level = 'debug';
    lazy.debug('now written');
    expect(made).toHaveLength(1);
    expect(lines[1]).toMatchObject({ level: 20, msg: 'now written' });
  });
});
