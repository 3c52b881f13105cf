import {
  readFixtureJson,
  testContext,
} from '../../../test/fixtures/protocols/anthropic-messages/fixture-support';
import { IrMessage, IrRequest } from '../ir/ir-request';
import { tagReasoningState } from '../ir/reasoning-state';
import { decodeAnthropicRequest } from './anthropic-messages.decode-request';
import { encodeAnthropicRequest, LEADING_USER_TEXT } from './anthropic-messages.encode-request';
import { DEFAULT_MAX_TOKENS, EFFORT_BUDGETS } from './anthropic-messages.request-policy';
import { AnthropicRequestBody } from './anthropic-messages.wire';

function encode(request: IrRequest, context = testContext()): AnthropicRequestBody {
  return encodeAnthropicRequest(request, context).body as AnthropicRequestBody;
}

function ir(messages: IrMessage[], extra: Partial<IrRequest> = {}): IrRequest {
  return { model: 'claude-sonnet-4-5', system: [], messages, tools: [], stream: false, ...extra };
}

function cacheMarks(body: AnthropicRequestBody): string[] {
  const marks: string[] = [];
  body.system?.forEach((b, i) => b.cache_control && marks.push(`system.${i}`));
  body.tools?.forEach((t, i) => t.cache_control && marks.push(`tools.${i}`));
  body.messages.forEach((m, i) =>
    m.content.forEach((b, j) => 'cache_control' in b && marks.push(`messages.${i}.${j}`)),
  );
  return marks;
}

const user = (text: string): IrMessage => ({ role: 'user', content: [{ type: 'text', text }] });

describe(encodeAnthropicRequest.name, () => {
  it.each(['claude-code', 'droid', 'sdk'])(
    'should encode the %s IR into the golden upstream request on path messages',
    (name) => {
      const request = decodeAnthropicRequest(readFixtureJson(`${name}.request.json`), {});
      const encoded = encodeAnthropicRequest(request, testContext());
      expect(encoded.path).toBe('messages');
      expect(encoded.body).toEqual(readFixtureJson(`${name}.upstream.json`));
    },
  );

  it('should give back the Claude Code request except for the documented differences', () => {
    const original = readFixtureJson('claude-code.request.json') as Record<string, unknown> & {
      messages: { role: string; content: unknown }[];
    };
    const context = testContext();
    const body = encode(decodeAnthropicRequest(original, {}), context);
    // Same system blocks, cache breakpoints and TTLs, custom tools and metadata.
    expect(body.system).toEqual(original.system);
    expect(body.tools).toEqual(original.tools);
    expect(body.metadata).toEqual(original.metadata);
    expect(body.max_tokens).toBe(original.max_tokens);
    // Same turns, signatures, tool ids; the mid-conversation system message is folded in place.
    const [first, system, assistant, toolTurn] = original.messages;
    const firstContent = first.content as object[];
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [
          ...firstContent,
          {
            type: 'text',
            text: `<system-reminder>\n${String(system.content)}\n</system-reminder>`,
          },
        ],
      },
      assistant,
      toolTurn,
    ]);
    // adaptive + effort high becomes the "high" budget; context_management is not forwarded.
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: EFFORT_BUDGETS.high });
    expect(body).not.toHaveProperty('context_management');
    expect(context.droppedItems).toEqual([
      'mid-conversation system message: sent as a user <system-reminder> text',
    ]);
  });

  it('should give back the Droid request with its thinking, redacted thinking and cache TTLs', () => {
    const original = readFixtureJson('droid.request.json') as Record<string, unknown>;
    const body = encode(decodeAnthropicRequest(original, {}));
    expect(body.system).toEqual(original.system);
    expect(body.thinking).toEqual(original.thinking);
    expect(body.tool_choice).toEqual(original.tool_choice);
    expect(body.messages[1].content.slice(0, 2)).toEqual([
      { type: 'redacted_thinking', data: 'ENCRYPTED-REDACTED-BLOB' },
      { type: 'thinking', thinking: 'Search first.', signature: 'sig-droid-Zm9v' },
    ]);
  });

  it('should add cache breakpoints, drop foreign reasoning and turn thinking off for a Codex IR', () => {
    const context = testContext();
    const body = encode(readFixtureJson('codex.ir.json') as IrRequest, context);
    expect(body).toEqual(readFixtureJson('codex.upstream.json'));
    expect(cacheMarks(body)).toEqual(['system.0', 'tools.1', 'messages.2.1', 'messages.4.0']);
    expect(body.thinking).toBeUndefined();
    expect(context.droppedItems).toEqual([
      'reasoning without an Anthropic signature',
      'mid-conversation system message: sent as a user <system-reminder> text',
      'thinking: prior turns lack signatures',
    ]);
    expect([...context.toolNames]).toEqual([['shell_exec', 'shell.exec']]);
  });

  it('should add no breakpoint when the IR already carries cache hints', () => {
    const body = encode(
      ir([user('a'), { role: 'assistant', content: [{ type: 'text', text: 'b' }] }, user('c')], {
        system: [{ type: 'text', text: 's', cache: { ttl: '1h' } }],
        tools: [{ name: 't', inputSchema: { type: 'object' } }],
      }),
    );
    expect(cacheMarks(body)).toEqual(['system.0']);
  });

  it('should keep at most 4 breakpoints on a long cache-less conversation', () => {
    const messages: IrMessage[] = [];
    for (let i = 0; i < 10; i++) {
      messages.push(user(`q${i}`), {
        role: 'assistant',
        content: [{ type: 'text', text: `a${i}` }],
      });
    }
    messages.push(user('last'));
    const body = encode(
      ir(messages, {
        system: [
          { type: 'text', text: 's1' },
          { type: 'text', text: 's2' },
        ],
        tools: [
          { name: 'a', inputSchema: { type: 'object' } },
          { name: 'b', inputSchema: { type: 'object' } },
        ],
      }),
    );
    expect(cacheMarks(body)).toEqual(['system.1', 'tools.1', 'messages.18.0', 'messages.20.0']);
  });

  it('should enable thinking when the tool turn carries its Anthropic signature', () => {
    const context = testContext();
    const body = encode(
      ir(
        [
          user('go'),
          {
            role: 'assistant',
            content: [
              {
                type: 'reasoning',
                text: 'plan',
                providerState: tagReasoningState('anthropic', 'sig-1'),
              },
              { type: 'tool_call', id: 'toolu_1', name: 'Read', input: {} },
            ],
          },
          {
            role: 'user',
            content: [
              {
                type: 'tool_result',
                toolCallId: 'toolu_1',
                content: [{ type: 'text', text: 'x' }],
              },
            ],
          },
        ],
        { reasoning: { mode: 'effort', effort: 'medium' }, temperature: 0.5, topK: 5, topP: 0.9 },
      ),
      context,
    );
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: EFFORT_BUDGETS.medium });
    expect(body.messages[1].content[0]).toEqual({
      type: 'thinking',
      thinking: 'plan',
      signature: 'sig-1',
    });
    expect(body).not.toHaveProperty('temperature');
    expect(body).not.toHaveProperty('top_k');
    expect(body).not.toHaveProperty('top_p');
    expect(context.droppedItems).toEqual([
      'temperature: not allowed with thinking',
      'top_k: not allowed with thinking',
      'top_p: below 0.95 is not allowed with thinking',
    ]);
  });

  it('should turn thinking off when the assistant tool turn lacks its thinking block', () => {
    const context = testContext();
    const body = encode(
      ir(
        [
          user('go'),
          {
            role: 'assistant',
            content: [
              { type: 'reasoning', text: 'plan', providerState: tagReasoningState('gemini', 'g') },
              { type: 'tool_call', id: 'call_1', name: 'Read', input: {} },
            ],
          },
          { role: 'user', content: [{ type: 'tool_result', toolCallId: 'call_1', content: [] }] },
        ],
        { reasoning: { mode: 'budget', budgetTokens: 4000 } },
      ),
      context,
    );
    expect(body.thinking).toBeUndefined();
    expect(body.messages[1].content).toEqual([
      { type: 'tool_use', id: 'call_1', name: 'Read', input: {} },
    ]);
    expect(context.droppedItems).toContain('thinking: prior turns lack signatures');
  });

  it('should fit the thinking budget under max_tokens or leave thinking off', () => {
    const small = ir([user('x')], { maxOutputTokens: 4096, reasoning: { mode: 'effort' } });
    expect(encode(small).thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
    const context = testContext();
    const tiny = ir([user('x')], { maxOutputTokens: 1500, reasoning: { mode: 'effort' } });
    expect(encode(tiny, context).thinking).toBeUndefined();
    expect(context.droppedItems).toEqual(['thinking: max_tokens too small for a thinking budget']);
    const low = ir([user('x')], { reasoning: { mode: 'budget', budgetTokens: 100 } });
    expect(encode(low)).toMatchObject({
      max_tokens: DEFAULT_MAX_TOKENS,
      thinking: { type: 'enabled', budget_tokens: 1024 },
    });
    expect(encode(ir([user('x')], { reasoning: { mode: 'off' } })).thinking).toEqual({
      type: 'disabled',
    });
  });

  it('should leave thinking off when tool_choice forces a tool', () => {
    const context = testContext();
    const body = encode(
      ir([user('x')], {
        tools: [{ name: 'Read', inputSchema: { type: 'object' } }],
        toolChoice: { type: 'any' },
        reasoning: { mode: 'effort', effort: 'low' },
      }),
      context,
    );
    expect(body.thinking).toBeUndefined();
    expect(body.tool_choice).toEqual({ type: 'any' });
    expect(context.droppedItems).toEqual(['thinking: tool_choice forces tool use']);
  });

  it('should rename tools to Anthropic rules reversibly and stably', () => {
    const long = `mcp__server__${'x'.repeat(80)}`;
    const request = ir(
      [
        user('x'),
        {
          role: 'assistant',
          content: [{ type: 'tool_call', id: 'a', name: 'ns.tool', input: {} }],
        },
      ],
      {
        tools: [
          { name: 'ns.tool', inputSchema: { type: 'object' } },
          { name: 'ns_tool', inputSchema: { type: 'object' } },
          { name: long, inputSchema: { type: 'object' } },
        ],
        toolChoice: { type: 'tool', name: 'ns.tool' },
      },
    );
    const context = testContext();
    const body = encode(request, context);
    const names = body.tools?.map((tool) => tool.name) ?? [];
    expect(names[1]).toBe('ns_tool');
    for (const name of names) expect(name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    expect(new Set(names).size).toBe(3);
    expect(context.toolNames.get(names[0])).toBe('ns.tool');
    expect(context.toolNames.get(names[2])).toBe(long);
    expect(context.toolNames.has('ns_tool')).toBe(false);
    expect(body.messages[1].content[0]).toMatchObject({ name: names[0] });
    expect(body.tool_choice).toEqual({ type: 'tool', name: names[0] });
    expect(encode(request).tools?.map((tool) => tool.name)).toEqual(names);
  });

  it('should put the user first, merge same-role turns and lead with tool results', () => {
    const body = encode(
      ir([
        { role: 'assistant', content: [{ type: 'tool_call', id: 'c.1', name: 'T', input: 'bad' }] },
        { role: 'user', content: [{ type: 'text', text: 'after' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: '' },
            { type: 'tool_result', toolCallId: 'c.1', content: [{ type: 'text', text: 'ok' }] },
          ],
        },
      ]),
    );
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [{ type: 'text', text: LEADING_USER_TEXT, cache_control: { type: 'ephemeral' } }],
      },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'c_1', name: 'T', input: {} }] },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'c_1', content: 'ok' },
          { type: 'text', text: 'after', cache_control: { type: 'ephemeral' } },
        ],
      },
    ]);
  });

  it('should ensure an object schema at the root of every tool', () => {
    const context = testContext();
    const body = encode(
      ir([user('x')], {
        tools: [
          { name: 'a', inputSchema: { properties: { p: { type: 'string' } } } },
          { name: 'b', inputSchema: { type: 'string' } },
        ],
      }),
      context,
    );
    expect(body.tools?.map((tool) => tool.input_schema)).toEqual([
      { type: 'object', properties: { p: { type: 'string' } } },
      { type: 'object', properties: {} },
    ]);
    expect(context.droppedItems).toEqual([
      'tool b: non-object input schema replaced by an empty object schema',
    ]);
  });

  it('should encode the remaining request fields', () => {
    const body = encode(
      ir([user('x')], {
        stopSequences: ['STOP'],
        responseSchema: { type: 'object' },
        user: 'u-1',
        stream: true,
        temperature: 0.3,
      }),
    );
    expect(body).toMatchObject({
      max_tokens: DEFAULT_MAX_TOKENS,
      stop_sequences: ['STOP'],
      output_config: { format: { type: 'json_schema', schema: { type: 'object' } } },
      metadata: { user_id: 'u-1' },
      stream: true,
      temperature: 0.3,
    });
  });
});
