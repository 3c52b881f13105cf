import { IrRequest } from '../ir/ir-request';
import { ConversionContext, ProtocolRequestError } from '../protocol-adapter';
import { decodeChatRequest } from './openai-chat.request';
import { encodeChatRequest } from './openai-chat.request-encode';
import { ToolNameMapper } from './openai-chat.tool-names';

function testContext(): ConversionContext & { droppedItems: string[] } {
  let counter = 0;
  const droppedItems: string[] = [];
  return {
    now: () => 1_800_000_000_000,
    newId: (prefix) => `${prefix}test${++counter}`,
    toolNames: new Map(),
    dropped: (what) => droppedItems.push(what),
    droppedItems,
  };
}

function irRequest(overrides: Partial<IrRequest> = {}): IrRequest {
  return { model: 'm', system: [], messages: [], tools: [], stream: false, ...overrides };
}

describe(decodeChatRequest.name, () => {
  it.each([
    ['the body is not an object', [], 'Request body must be a JSON object'],
    ['model is missing', { messages: [] }, 'model: must be a non-empty string'],
    ['messages is not an array', { model: 'm', messages: {} }, 'messages: must be an array'],
    ['stream is not a boolean', { model: 'm', messages: [], stream: 'yes' }, 'stream: must be'],
    ['n is above 1', { model: 'm', messages: [], n: 2 }, 'n: only 1'],
    ['max_tokens is not positive', { model: 'm', messages: [], max_tokens: 0 }, 'max_tokens'],
    ['temperature is a string', { model: 'm', messages: [], temperature: '1' }, 'temperature'],
    ['stop holds a number', { model: 'm', messages: [], stop: [1] }, 'stop:'],
    [
      'reasoning_effort is unknown',
      { model: 'm', messages: [], reasoning_effort: 'huge' },
      'reason',
    ],
    ['a role is unknown', { model: 'm', messages: [{ role: 'bot', content: 'x' }] }, 'role'],
    ['a tool message has no id', { model: 'm', messages: [{ role: 'tool', content: 'x' }] }, 'id'],
    [
      'a tool is not a function',
      { model: 'm', messages: [], tools: [{ type: 'custom', custom: { name: 'x' } }] },
      'tools[0]',
    ],
    [
      'a user part type is unsupported',
      {
        model: 'm',
        messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: {} }] }],
      },
      'unsupported content part',
    ],
    [
      'a system message holds an image',
      {
        model: 'm',
        messages: [{ role: 'system', content: [{ type: 'image_url', image_url: { url: 'x' } }] }],
      },
      'only text parts',
    ],
    [
      'a tool call has no id',
      {
        model: 'm',
        messages: [
          { role: 'assistant', tool_calls: [{ type: 'function', function: { name: 'f' } }] },
        ],
      },
      'tool_calls[0].id',
    ],
  ])('should throw a ProtocolRequestError when %s', (_case, body, message) => {
    expect(() => decodeChatRequest(body, {})).toThrow(ProtocolRequestError);
    expect(() => decodeChatRequest(body, {})).toThrow(message);
  });

  it('should take the model and stream flag from the hints when the body has none', () => {
    const ir = decodeChatRequest({ messages: [] }, { model: 'from-path', stream: true });
    expect(ir).toMatchObject({ model: 'from-path', stream: true });
  });

  it('should prefer max_completion_tokens over max_tokens when both are present', () => {
    const ir = decodeChatRequest(
      { model: 'm', messages: [], max_tokens: 10, max_completion_tokens: 20 },
      {},
    );
    expect(ir.maxOutputTokens).toBe(20);
  });

  it('should map reasoning_effort none to reasoning off and required to any', () => {
    const ir = decodeChatRequest(
      { model: 'm', messages: [], reasoning_effort: 'none', tool_choice: 'required' },
      {},
    );
    expect(ir.reasoning).toEqual({ mode: 'off' });
    expect(ir.toolChoice).toEqual({ type: 'any' });
  });

  it('should keep {} as the input when tool arguments are not a JSON object', () => {
    const ir = decodeChatRequest(
      {
        model: 'm',
        messages: [
          {
            role: 'assistant',
            content: '',
            tool_calls: [
              { id: 'a', type: 'function', function: { name: 'f', arguments: '' } },
              { id: 'b', type: 'function', function: { name: 'f', arguments: '[1,2]' } },
              { id: 'c', type: 'function', function: { name: 'f', arguments: '{"x":' } },
            ],
          },
        ],
      },
      {},
    );
    expect(ir.messages[0].content).toEqual([
      { type: 'tool_call', id: 'a', name: 'f', input: {} },
      { type: 'tool_call', id: 'b', name: 'f', input: {} },
      { type: 'tool_call', id: 'c', name: 'f', input: {} },
    ]);
  });

  it('should read a file part as a document when it is given inline', () => {
    const ir = decodeChatRequest(
      {
        model: 'm',
        messages: [
          {
            role: 'user',
            content: [
              {
                type: 'file',
                file: { filename: 'spec.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' },
              },
            ],
          },
        ],
      },
      {},
    );
    expect(ir.messages[0].content).toEqual([
      {
        type: 'document',
        source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBERi0=' },
        title: 'spec.pdf',
      },
    ]);
  });

  it('should keep a system message that follows a tool result apart from the tool turn', () => {
    const ir = decodeChatRequest(
      {
        model: 'm',
        messages: [
          { role: 'user', content: 'go' },
          {
            role: 'assistant',
            tool_calls: [{ id: 't', function: { name: 'f', arguments: '{}' } }],
          },
          { role: 'tool', tool_call_id: 't', content: 'ok' },
          { role: 'system', content: 'note' },
          { role: 'user', content: 'next' },
        ],
      },
      {},
    );
    expect(ir.messages.map((m) => [m.role, m.content.map((b) => b.type)])).toEqual([
      ['user', ['text']],
      ['assistant', ['tool_call']],
      ['user', ['tool_result']],
      ['system', ['text']],
      ['user', ['text']],
    ]);
  });
});

describe(encodeChatRequest.name, () => {
  it('should rewrite invalid tool names reversibly and use them everywhere', () => {
    const context = testContext();
    const longName = `mcp__${'x'.repeat(80)}`;
    const { body } = encodeChatRequest(
      irRequest({
        tools: [
          { name: 'mcp.fs/read', inputSchema: { type: 'object' } },
          { name: 'mcp_fs_read', inputSchema: { type: 'object' } },
          { name: longName, inputSchema: { type: 'object' } },
        ],
        toolChoice: { type: 'tool', name: 'mcp.fs/read' },
        messages: [
          {
            role: 'assistant',
            content: [{ type: 'tool_call', id: 'c1', name: 'mcp.fs/read', input: { p: 1 } }],
          },
        ],
      }),
      context,
    );
    const names = (body as { tools: { function: { name: string } }[] }).tools.map(
      (tool) => tool.function.name,
    );
    expect(names).toEqual(['mcp_fs_read_2', 'mcp_fs_read', `mcp__${'x'.repeat(59)}`]);
    expect(body).toMatchObject({
      tool_choice: { type: 'function', function: { name: 'mcp_fs_read_2' } },
      messages: [{ tool_calls: [{ function: { name: 'mcp_fs_read_2', arguments: '{"p":1}' } }] }],
    });
    expect([...context.toolNames]).toEqual([
      ['mcp_fs_read_2', 'mcp.fs/read'],
      [`mcp__${'x'.repeat(59)}`, longName],
    ]);
  });

  it('should drop what Chat cannot carry and report it when converting a foreign IR', () => {
    const context = testContext();
    const { body } = encodeChatRequest(
      irRequest({
        system: [{ type: 'text', text: 'sys', cache: { ttl: '1h' } }],
        topK: 5,
        stopSequences: ['a', 'b', 'c', 'd', 'e'],
        reasoning: { mode: 'budget', budgetTokens: 24576 },
        messages: [
          {
            role: 'assistant',
            content: [
              { type: 'reasoning', text: 'hmm', providerState: 'cch1.anthropic.c2ln' },
              { type: 'tool_call', id: 'c1', name: 'shot', input: {} },
            ],
          },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'see result' },
              {
                type: 'tool_result',
                toolCallId: 'c1',
                isError: true,
                content: [
                  { type: 'text', text: 'failed' },
                  { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'AA' } },
                ],
              },
            ],
          },
        ],
      }),
      context,
    );
    expect(body).toEqual({
      model: 'm',
      messages: [
        { role: 'system', content: 'sys' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c1', type: 'function', function: { name: 'shot', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'c1', content: 'failed' },
        { role: 'user', content: 'see result' },
      ],
      stop: ['a', 'b', 'c', 'd'],
      reasoning_effort: 'high',
    });
    expect(context.droppedItems).toEqual([
      'reasoning block (Chat cannot send it back)',
      'image inside a tool result',
      'tool_result is_error flag',
      'top_k',
      'stop sequences beyond 4',
    ]);
  });

  it.each([
    [{ mode: 'effort', effort: 'max' }, 'xhigh'],
    [{ mode: 'effort', effort: 'minimal' }, 'minimal'],
    [{ mode: 'budget', budgetTokens: 1024 }, 'low'],
    [{ mode: 'budget', budgetTokens: 8192 }, 'medium'],
    [{ mode: 'off' }, undefined],
  ] as const)('should map reasoning %j to reasoning_effort %s', (reasoning, effort) => {
    const { body } = encodeChatRequest(irRequest({ reasoning: { ...reasoning } }), testContext());
    expect((body as { reasoning_effort?: string }).reasoning_effort).toBe(effort);
  });

  it('should always ask for usage and default the schema name when streaming structured output', () => {
    const { body } = encodeChatRequest(
      irRequest({ stream: true, responseSchema: { type: 'object' } }),
      testContext(),
    );
    expect(body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
      response_format: { type: 'json_schema', json_schema: { name: 'output' } },
    });
  });

  it('should send base64 images as data URLs and PDFs as inline files', () => {
    const { body } = encodeChatRequest(
      irRequest({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image', source: { kind: 'base64', mediaType: 'image/jpeg', data: 'QQ==' } },
              {
                type: 'document',
                source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBE' },
              },
            ],
          },
        ],
      }),
      testContext(),
    );
    expect(body).toMatchObject({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,QQ==' } },
            {
              type: 'file',
              file: { filename: 'document.pdf', file_data: 'data:application/pdf;base64,JVBE' },
            },
          ],
        },
      ],
    });
  });
});

describe(ToolNameMapper.name, () => {
  it('should fall back to "tool" when a name has nothing usable', () => {
    const context = testContext();
    const mapper = new ToolNameMapper([''], context);
    expect(mapper.upstream('')).toBe('tool');
    expect(context.toolNames.get('tool')).toBe('');
  });
});
