import {
  expectGolden,
  fixtureNames,
  readJsonFixture,
  testContext,
} from '../../../test/fixtures/protocols/gemini/golden';
import { IrRequest } from '../ir/ir-request';
import { decodeGeminiRequest } from './gemini.request';
import { encodeGeminiRequest } from './gemini.request-encoder';
import { GeminiRequestBody } from './gemini.wire';

const FOLDER = 'ir-requests';

function request(overrides: Partial<IrRequest> = {}): IrRequest {
  return {
    model: 'gemini-2.5-flash',
    system: [],
    messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
    tools: [],
    stream: false,
    ...overrides,
  };
}

function body(ir: IrRequest, context = testContext()): GeminiRequestBody {
  return encodeGeminiRequest(ir, context).body as GeminiRequestBody;
}

describe(encodeGeminiRequest.name, () => {
  it.each(fixtureNames(FOLDER, '.json', '.upstream.json'))(
    'should encode the %s IR request to the golden Gemini request',
    (name) => {
      const ir = readJsonFixture<IrRequest>(FOLDER, `${name}.json`);
      const context = testContext();
      const encoded = encodeGeminiRequest(ir, context);
      expectGolden(FOLDER, `${name}.upstream.json`, {
        ...encoded,
        dropped: context.droppedItems,
        toolNames: Object.fromEntries(context.toolNames),
      });
    },
  );

  it('should pick the streaming path with alt=sse when the request streams', () => {
    expect(encodeGeminiRequest(request({ stream: true }), testContext()).path).toBe(
      'models/gemini-2.5-flash:streamGenerateContent?alt=sse',
    );
    expect(encodeGeminiRequest(request(), testContext()).path).toBe(
      'models/gemini-2.5-flash:generateContent',
    );
  });

  it('should rename invalid and over-long tool names reversibly and consistently', () => {
    const long = `mcp__${'x'.repeat(200)}`;
    const context = testContext();
    const out = body(
      request({
        tools: [
          { name: 'a/b', inputSchema: { type: 'object' } },
          { name: 'a_b', inputSchema: { type: 'object' } },
          { name: long, inputSchema: { type: 'object' } },
          { name: '9lives', inputSchema: { type: 'object' } },
        ],
        messages: [
          { role: 'assistant', content: [{ type: 'tool_call', id: 't1', name: 'a/b', input: {} }] },
          {
            role: 'user',
            content: [{ type: 'tool_result', toolCallId: 't1', content: [] }],
          },
        ],
      }),
      context,
    );
    const names = out.tools?.[0].functionDeclarations.map((d) => d.name) ?? [];
    expect(names[0]).toBe('a_b_2');
    expect(names[1]).toBe('a_b');
    expect(names[2]).toHaveLength(128);
    expect(names[3]).toBe('_9lives');
    for (const name of names) expect(name).toMatch(/^[a-zA-Z_][a-zA-Z0-9_.:-]{0,127}$/);
    expect(context.toolNames.get('a_b_2')).toBe('a/b');
    expect(context.toolNames.get(names[2])).toBe(long);
    expect(context.toolNames.has('a_b')).toBe(false);
    expect(out.contents[0].parts[0].functionCall?.name).toBe('a_b_2');
    expect(out.contents[1].parts[0].functionResponse?.name).toBe('a_b_2');
  });

  it('should reuse names already mapped in the context', () => {
    const context = testContext([['first_name', 'first name']]);
    const out = body(request({ tools: [{ name: 'first name', inputSchema: {} }] }), context);
    expect(out.tools?.[0].functionDeclarations[0].name).toBe('first_name');
  });

  it('should report a mid-conversation system message only once the conversation started', () => {
    const context = testContext();
    const out = body(
      request({
        system: [{ type: 'text', text: 'base' }],
        messages: [
          { role: 'system', content: [{ type: 'text', text: 'early' }] },
          { role: 'user', content: [{ type: 'text', text: 'hi' }] },
          { role: 'system', content: [{ type: 'text', text: 'late' }] },
        ],
      }),
      context,
    );
    expect(out.systemInstruction).toEqual({
      parts: [{ text: 'base' }, { text: 'early' }, { text: 'late' }],
    });
    expect(context.droppedItems).toEqual(['mid-conversation system position']);
  });

  it.each([
    ['gemini-2.5-flash', { mode: 'off' }, { thinkingBudget: 0 }],
    ['gemini-2.5-pro', { mode: 'off' }, { thinkingBudget: 128 }],
    ['gemini-3-flash', { mode: 'off' }, { thinkingLevel: 'MINIMAL' }],
    ['gemini-3-pro', { mode: 'off' }, { thinkingLevel: 'LOW' }],
    [
      'gemini-2.5-pro',
      { mode: 'budget', budgetTokens: 4096 },
      { includeThoughts: true, thinkingBudget: 4096 },
    ],
    [
      'gemini-3-pro',
      { mode: 'budget', budgetTokens: 2048 },
      { includeThoughts: true, thinkingLevel: 'LOW' },
    ],
    [
      'gemini-3-pro',
      { mode: 'budget', budgetTokens: 16384 },
      { includeThoughts: true, thinkingLevel: 'MEDIUM' },
    ],
    [
      'gemini-3-pro',
      { mode: 'budget', budgetTokens: 32000 },
      { includeThoughts: true, thinkingLevel: 'HIGH' },
    ],
    [
      'gemini-2.5-pro',
      { mode: 'effort', effort: 'low' },
      { includeThoughts: true, thinkingBudget: -1 },
    ],
    [
      'gemini-3-pro',
      { mode: 'effort', effort: 'minimal' },
      { includeThoughts: true, thinkingLevel: 'MINIMAL' },
    ],
    [
      'gemini-3-pro',
      { mode: 'effort', effort: 'medium' },
      { includeThoughts: true, thinkingLevel: 'MEDIUM' },
    ],
    [
      'gemini-3-pro',
      { mode: 'effort', effort: 'max' },
      { includeThoughts: true, thinkingLevel: 'HIGH' },
    ],
    ['gemini-3-pro', { mode: 'effort' }, { includeThoughts: true }],
  ] as const)('should map reasoning for %s %j to thinkingConfig %j', (model, reasoning, config) => {
    const out = body(request({ model, reasoning: { ...reasoning } }));
    expect(out.generationConfig?.thinkingConfig).toEqual(config);
  });

  it('should give a Gemini client request back unchanged in substance after decode and encode', () => {
    const client = {
      contents: [
        { role: 'user', parts: [{ text: 'run echo' }] },
        {
          role: 'model',
          parts: [
            {
              functionCall: { id: 'c1', name: 'run_shell_command', args: { command: 'echo' } },
              thoughtSignature: 'U0lH',
            },
          ],
        },
        {
          role: 'user',
          parts: [
            {
              functionResponse: { id: 'c1', name: 'run_shell_command', response: { output: 'ok' } },
            },
          ],
        },
        { role: 'model', parts: [{ text: 'done' }, { text: '', thoughtSignature: 'VEFJTA==' }] },
        { role: 'user', parts: [{ text: 'thanks' }] },
      ],
      systemInstruction: { parts: [{ text: 'sys' }] },
      tools: [
        {
          functionDeclarations: [
            { name: 'run_shell_command', parametersJsonSchema: { type: 'object', properties: {} } },
          ],
        },
      ],
      generationConfig: {
        temperature: 1,
        thinkingConfig: { includeThoughts: true, thinkingBudget: 8192 },
      },
    };
    const ir = decodeGeminiRequest(client, { model: 'gemini-2.5-pro', stream: true });
    const context = testContext();
    const encoded = encodeGeminiRequest(ir, context);
    expect(encoded.path).toBe('models/gemini-2.5-pro:streamGenerateContent?alt=sse');
    expect(encoded.body).toEqual(client);
    expect(context.droppedItems).toEqual([]);
  });
});
