import { readFixtureJson } from '../../../test/fixtures/protocols/anthropic-messages/fixture-support';
import { tagReasoningState } from '../ir/reasoning-state';
import { ProtocolRequestError } from '../protocol-adapter';
import { decodeAnthropicRequest } from './anthropic-messages.decode-request';

function minimal(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model: 'claude-sonnet-4-5',
    max_tokens: 100,
    messages: [{ role: 'user', content: 'hi' }],
    ...extra,
  };
}

describe(decodeAnthropicRequest.name, () => {
  it.each(['claude-code', 'droid', 'sdk'])(
    'should decode the %s request into the golden IR',
    (name) => {
      const ir = decodeAnthropicRequest(readFixtureJson(`${name}.request.json`), {});
      expect(ir).toEqual(readFixtureJson(`${name}.ir.json`));
    },
  );

  it('should keep Claude Code mid-conversation system messages in place as system-role messages', () => {
    const ir = decodeAnthropicRequest(readFixtureJson('claude-code.request.json'), {});
    expect(ir.messages.map((m) => m.role)).toEqual(['user', 'system', 'assistant', 'user']);
    expect(ir.messages[1].content).toEqual([
      { type: 'text', text: 'Agent types available: explorer, builder.' },
    ]);
  });

  it('should tag thinking signatures and redacted data with the anthropic family', () => {
    const ir = decodeAnthropicRequest(readFixtureJson('droid.request.json'), {});
    expect(ir.messages[1].content.slice(0, 2)).toEqual([
      {
        type: 'reasoning',
        text: '',
        redacted: true,
        providerState: tagReasoningState('anthropic', 'ENCRYPTED-REDACTED-BLOB'),
      },
      {
        type: 'reasoning',
        text: 'Search first.',
        providerState: tagReasoningState('anthropic', 'sig-droid-Zm9v'),
      },
    ]);
  });

  it('should keep a gateway envelope echoed in a signature as it is', () => {
    const envelope = tagReasoningState('openai', 'gAAAA-blob');
    const ir = decodeAnthropicRequest(
      minimal({
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: [{ type: 'thinking', thinking: '', signature: envelope }] },
        ],
      }),
      {},
    );
    expect(ir.messages[1].content).toEqual([
      { type: 'reasoning', text: '', providerState: envelope },
    ]);
  });

  it('should map cache_control to cache hints with their TTL', () => {
    const ir = decodeAnthropicRequest(readFixtureJson('claude-code.request.json'), {});
    expect(ir.system.map((block) => block.cache)).toEqual([
      undefined,
      { ttl: '1h' },
      { ttl: '5m' },
    ]);
    expect(ir.messages[3].content[0]).toMatchObject({ type: 'tool_result', cache: { ttl: '5m' } });
  });

  it('should drop server tools and server tool blocks and flatten web search results to text', () => {
    const ir = decodeAnthropicRequest(readFixtureJson('droid.request.json'), {});
    expect(ir.tools.map((tool) => tool.name)).toEqual(['Grep']);
    expect(ir.messages[1].content.map((block) => block.type)).toEqual([
      'reasoning',
      'reasoning',
      'text',
      'tool_call',
    ]);
    expect(ir.messages[1].content[2]).toEqual({
      type: 'text',
      text: 'Web search results:\n- Cats (https://example.test/cats)',
    });
  });

  it('should drop file sources and unknown blocks', () => {
    const ir = decodeAnthropicRequest(
      minimal({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image', source: { type: 'file', file_id: 'f' } },
              { type: 'document', source: { type: 'content', content: [] } },
              { type: 'container_upload', file_id: 'f' },
              { type: 'text', text: 'kept' },
            ],
          },
        ],
      }),
      {},
    );
    expect(ir.messages[0].content).toEqual([{ type: 'text', text: 'kept' }]);
  });

  it.each([
    [{ type: 'enabled', budget_tokens: 5000 }, undefined, { mode: 'budget', budgetTokens: 5000 }],
    [{ type: 'adaptive' }, 'medium', { mode: 'effort', effort: 'medium' }],
    [{ type: 'adaptive' }, undefined, { mode: 'effort', effort: 'high' }],
    [{ type: 'disabled' }, undefined, { mode: 'off' }],
    [undefined, 'low', { mode: 'effort', effort: 'low' }],
    [undefined, undefined, undefined],
  ])('should map thinking %j with effort %s to %j', (thinking, effort, expected) => {
    const ir = decodeAnthropicRequest(
      minimal({ thinking, output_config: effort ? { effort } : undefined }),
      {},
    );
    expect(ir.reasoning).toEqual(expected);
  });

  it.each([
    [{ type: 'auto' }, { type: 'auto' }],
    [
      { type: 'any', disable_parallel_tool_use: true },
      { type: 'any', parallel: false },
    ],
    [
      { type: 'tool', name: 'Read', disable_parallel_tool_use: false },
      { type: 'tool', name: 'Read', parallel: true },
    ],
    [{ type: 'none' }, { type: 'none' }],
  ])('should map tool_choice %j to %j', (toolChoice, expected) => {
    expect(decodeAnthropicRequest(minimal({ tool_choice: toolChoice }), {}).toolChoice).toEqual(
      expected,
    );
  });

  it('should take the model and stream flag from the hints only when the body has none', () => {
    const body = minimal();
    delete body.model;
    expect(decodeAnthropicRequest(body, { model: 'from-path', stream: true })).toMatchObject({
      model: 'from-path',
      stream: true,
    });
    expect(
      decodeAnthropicRequest(minimal({ stream: false }), { model: 'other', stream: true }),
    ).toMatchObject({ model: 'claude-sonnet-4-5', stream: false });
  });

  it.each([
    ['a non-object body', [], 'Request body must be a JSON object'],
    ['a missing model', { max_tokens: 1, messages: [] }, 'model'],
    ['messages that are not an array', { model: 'm', max_tokens: 1, messages: {} }, 'messages'],
    ['a missing max_tokens', { model: 'm', messages: [] }, 'max_tokens'],
    ['a zero max_tokens', { model: 'm', max_tokens: 0, messages: [] }, 'max_tokens'],
    [
      'an unknown role',
      { model: 'm', max_tokens: 1, messages: [{ role: 'tool', content: 'x' }] },
      'messages.0.role',
    ],
    [
      'content that is neither string nor array',
      { model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 5 }] },
      'messages.0.content',
    ],
    [
      'a tool_use without id',
      {
        model: 'm',
        max_tokens: 1,
        messages: [{ role: 'assistant', content: [{ type: 'tool_use', name: 'x', input: {} }] }],
      },
      'messages.0.content.0',
    ],
    [
      'a custom tool without input_schema',
      { model: 'm', max_tokens: 1, messages: [], tools: [{ name: 'x' }] },
      'tools.0',
    ],
  ])('should reject %s with a ProtocolRequestError', (_what, body, message) => {
    expect(() => decodeAnthropicRequest(body, {})).toThrow(ProtocolRequestError);
    expect(() => decodeAnthropicRequest(body, {})).toThrow(message);
  });

  it('should decode a string system prompt and keep is_error on tool results', () => {
    const ir = decodeAnthropicRequest(
      minimal({
        system: 'Be terse.',
        messages: [
          {
            role: 'user',
            content: [{ type: 'tool_result', tool_use_id: 'toolu_1', is_error: true }],
          },
        ],
      }),
      {},
    );
    expect(ir.system).toEqual([{ type: 'text', text: 'Be terse.' }]);
    expect(ir.messages[0].content).toEqual([
      { type: 'tool_result', toolCallId: 'toolu_1', content: [], isError: true },
    ]);
  });
});
