import { testContext } from '../../../test/fixtures/protocols/gemini/golden';
import { clientToolName, GeminiToolNames } from './gemini.tool-names';

describe(GeminiToolNames.name, () => {
  it('should keep valid names and record only rewritten ones', () => {
    const context = testContext();
    const names = new GeminiToolNames(context, ['read_file', 'mcp.server:tool-1', 'bad name!']);
    expect(names.upstream('read_file')).toBe('read_file');
    expect(names.upstream('mcp.server:tool-1')).toBe('mcp.server:tool-1');
    expect(names.upstream('bad name!')).toBe('bad_name_');
    expect(names.upstream('bad name!')).toBe('bad_name_');
    expect([...context.toolNames]).toEqual([['bad_name_', 'bad name!']]);
    expect(clientToolName(context, 'bad_name_')).toBe('bad name!');
    expect(clientToolName(context, 'read_file')).toBe('read_file');
  });

  it('should keep two long names with the same prefix distinct', () => {
    const context = testContext();
    const a = `${'a'.repeat(130)}_one`;
    const b = `${'a'.repeat(130)}_two`;
    const names = new GeminiToolNames(context, [a, b]);
    const upstreamA = names.upstream(a);
    const upstreamB = names.upstream(b);
    expect(upstreamA).not.toBe(upstreamB);
    expect(upstreamA).toHaveLength(128);
    expect(upstreamB).toHaveLength(128);
  });
});
