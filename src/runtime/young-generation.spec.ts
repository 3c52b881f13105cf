import { missingSemiSpaceFlag, parseSemiSpaceSetting } from './young-generation';

describe('missingSemiSpaceFlag', () => {
  it('should give forks 8 MB semi-spaces on Node 24 and later with auto, and nothing before', () => {
    expect(missingSemiSpaceFlag('auto', '24.21.0', [], '')).toBe('--max-semi-space-size=8');
    expect(missingSemiSpaceFlag('auto', '26.0.0', [], '')).toBe('--max-semi-space-size=8');
    expect(missingSemiSpaceFlag('auto', '22.23.3', [], '')).toBeNull();
    expect(missingSemiSpaceFlag('auto', '20.20.2', [], '')).toBeNull();
  });

  it('should give the configured size on any Node, and nothing for 0', () => {
    expect(missingSemiSpaceFlag(16, '20.20.2', [], '')).toBe('--max-semi-space-size=16');
    expect(missingSemiSpaceFlag(4, '24.21.0', [], '')).toBe('--max-semi-space-size=4');
    expect(missingSemiSpaceFlag(0, '24.21.0', [], '')).toBeNull();
  });

  it("should leave a size given on node's command line or in NODE_OPTIONS to the forks' inheritance", () => {
    expect(missingSemiSpaceFlag('auto', '24.21.0', ['--max-semi-space-size=32'], '')).toBeNull();
    expect(missingSemiSpaceFlag(8, '24.21.0', ['--max-semi-space-size', '32'], '')).toBeNull();
    expect(
      missingSemiSpaceFlag('auto', '24.21.0', [], '--enable-source-maps --max-semi-space-size=32'),
    ).toBeNull();
    // Other flags do not count as a choice.
    expect(missingSemiSpaceFlag('auto', '24.21.0', ['--enable-source-maps'], '--inspect')).toBe(
      '--max-semi-space-size=8',
    );
  });
});

describe('parseSemiSpaceSetting', () => {
  it('should read auto and sizes', () => {
    expect(parseSemiSpaceSetting('auto')).toBe('auto');
    expect(parseSemiSpaceSetting('0')).toBe(0);
    expect(parseSemiSpaceSetting('16')).toBe(16);
  });
});
