import { effectiveScheduling, reusePortSupported } from './reuse-port';

describe('reusePortSupported', () => {
  it.each([
    ['20.20.2', 'linux', false],
    ['22.11.0', 'linux', false],
    ['22.12.0', 'linux', true],
    ['22.23.3', 'linux', true],
    ['23.0.0', 'linux', false],
    ['23.1.0', 'linux', true],
    ['24.0.0', 'linux', true],
    ['24.0.0', 'freebsd', true],
    ['24.0.0', 'darwin', false],
    ['24.0.0', 'win32', false],
  ] as const)('Node %s on %s: %s', (version, platform, expected) => {
    expect(reusePortSupported(version, platform)).toBe(expected);
  });
});

describe('effectiveScheduling', () => {
  it('should make auto reuseport where the runtime has it and round-robin elsewhere', () => {
    expect(effectiveScheduling('auto', true)).toBe('reuseport');
    expect(effectiveScheduling('auto', false)).toBe('round-robin');
  });

  it.each(['round-robin', 'os', 'reuseport'] as const)('should keep an explicit %s', (value) => {
    expect(effectiveScheduling(value, true)).toBe(value);
    expect(effectiveScheduling(value, false)).toBe(value);
  });
});
