import {
  expectGolden,
  fixtureNames,
  readJsonFixture,
} from '../../../test/fixtures/protocols/gemini/golden';
import { ProtocolRequestError } from '../protocol-adapter';
import { decodeGeminiRequest } from './gemini.request';

const FOLDER = 'client-requests';

interface ClientRequestFixture {
  hints: { model?: string; stream?: boolean };
  body: unknown;
}

function decode(body: Record<string, unknown>) {
  return decodeGeminiRequest(body, { model: 'gemini-2.5-pro', stream: false });
}

function user(...parts: unknown[]) {
  return { role: 'user', parts };
}

function model(...parts: unknown[]) {
  return { role: 'model', parts };
}

describe(decodeGeminiRequest.name, () => {
  it.each(fixtureNames(FOLDER, '.json', '.ir.json'))(
    'should decode the %s client request to the golden IR',
    (name) => {
      const fixture = readJsonFixture<ClientRequestFixture>(FOLDER, `${name}.json`);
      expectGolden(FOLDER, `${name}.ir.json`, decodeGeminiRequest(fixture.body, fixture.hints));
    },
  );

  it('should take the model and stream flag from the hints, not the body', () => {
    const ir = decodeGeminiRequest(
      { model: 'ignored', contents: [user({ text: 'hi' })] },
      { model: 'models/gemini-2.5-flash', stream: true },
    );
    expect(ir).toMatchObject({ model: 'gemini-2.5-flash', stream: true });
  });

  it.each([
    ['the body is not an object', [], { model: 'm' }, 'JSON object'],
    ['the model is missing', { contents: [] }, {}, 'model'],
    ['contents is missing', {}, { model: 'm' }, 'contents'],
    ['a content has no parts', { contents: [{ role: 'user' }] }, { model: 'm' }, 'contents[0]'],
    [
      'a function declaration has no name',
      { contents: [], tools: [{ functionDeclarations: [{ description: 'x' }] }] },
      { model: 'm' },
      'name',
    ],
  ])('should throw a ProtocolRequestError when %s', (_name, body, hints, message) => {
    expect(() => decodeGeminiRequest(body, hints)).toThrow(ProtocolRequestError);
    expect(() => decodeGeminiRequest(body, hints)).toThrow(message);
  });

  it('should pair results by name and order when neither side has ids', () => {
    const ir = decode({
      contents: [
        user({ text: 'go' }),
        model(
          { functionCall: { name: 'a', args: {} } },
          { functionCall: { name: 'b', args: {} } },
          { functionCall: { name: 'a', args: {} } },
        ),
        user(
          { functionResponse: { name: 'b', response: { output: 'B' } } },
          { functionResponse: { name: 'a', response: { output: 'A1' } } },
          { functionResponse: { name: 'a', response: { output: 'A2' } } },
        ),
      ],
    });
    const calls = ir.messages[1].content.map((b) => (b.type === 'tool_call' ? b.id : null));
    const results = ir.messages[2].content.map((b) =>
      b.type === 'tool_result' ? b.toolCallId : null,
    );
    expect(calls).toEqual(['call_0', 'call_1', 'call_2']);
    expect(results).toEqual(['call_1', 'call_0', 'call_2']);
  });

  it('should pair a result with its own id to an id-less call of the same name', () => {
    const ir = decode({
      contents: [
        user({ text: 'go' }),
        model({ functionCall: { name: 'a', args: {} } }),
        user({ functionResponse: { id: 'client-made', name: 'a', response: {} } }),
      ],
    });
    expect(ir.messages[2].content[0]).toMatchObject({ type: 'tool_result', toolCallId: 'call_0' });
  });

  it('should not pair by name across two different explicit ids', () => {
    const ir = decode({
      contents: [
        user({ text: 'go' }),
        model({ functionCall: { id: 'x1', name: 'a', args: {} } }),
        user({ functionResponse: { id: 'x2', name: 'a', response: {} } }),
      ],
    });
    expect(ir.messages[2].content[0]).toMatchObject({ toolCallId: 'x2' });
  });

  it('should skip synthesized ids that a client already uses', () => {
    const ir = decode({
      contents: [
        user({ text: 'go' }),
        model(
          { functionCall: { id: 'call_0', name: 'a', args: {} } },
          { functionCall: { name: 'b', args: {} } },
        ),
      ],
    });
    expect(ir.messages[1].content.map((b) => (b.type === 'tool_call' ? b.id : ''))).toEqual([
      'call_0',
      'call_1',
    ]);
  });

  it('should keep ids stable when later turns re-send the history', () => {
    const turn1 = [
      user({ text: 'go' }),
      model({ functionCall: { name: 'a', args: {} } }),
      user({ functionResponse: { name: 'a', response: {} } }),
    ];
    const turn2 = [
      ...turn1,
      model({ functionCall: { name: 'a', args: { n: 2 } } }),
      user({ functionResponse: { name: 'a', response: {} } }),
    ];
    const first = decode({ contents: turn1 });
    const second = decode({ contents: turn2 });
    expect(second.messages.slice(0, 3)).toEqual(first.messages);
    expect(second.messages[3].content[0]).toMatchObject({ id: 'call_1' });
    expect(second.messages[4].content[0]).toMatchObject({ toolCallId: 'call_1' });
  });

  it.each([
    [{ mode: 'AUTO' }, { type: 'auto' }],
    [{ mode: 'VALIDATED' }, { type: 'auto' }],
    [{ mode: 'ANY' }, { type: 'any' }],
    [{ mode: 'ANY', allowedFunctionNames: ['a', 'b'] }, { type: 'any' }],
    [
      { mode: 'ANY', allowedFunctionNames: ['a'] },
      { type: 'tool', name: 'a' },
    ],
    [{ mode: 'none' }, { type: 'none' }],
    [{}, { type: 'auto' }],
  ])('should map functionCallingConfig %j to tool choice %j', (config, choice) => {
    const ir = decode({ contents: [], toolConfig: { functionCallingConfig: config } });
    expect(ir.toolChoice).toEqual(choice);
  });

  it.each([
    [{ thinkingBudget: 0 }, { mode: 'off' }],
    [{ thinkingBudget: -1 }, { mode: 'effort' }],
    [{ thinkingBudget: 2048.5 }, { mode: 'budget', budgetTokens: 2048 }],
    [{ thinkingLevel: 'low' }, { mode: 'effort', effort: 'low' }],
    [
      { thinkingLevel: 'MINIMAL', thinkingBudget: 10 },
      { mode: 'effort', effort: 'minimal' },
    ],
    [{ includeThoughts: true }, { mode: 'effort' }],
    [{ includeThoughts: false }, undefined],
  ])('should map thinkingConfig %j to reasoning %j', (thinkingConfig, reasoning) => {
    const ir = decode({ contents: [], generationConfig: { thinkingConfig } });
    expect(ir.reasoning).toEqual(reasoning);
  });

  it('should merge consecutive same-role contents and skip empty ones', () => {
    const ir = decode({
      contents: [
        user({ text: 'a' }),
        user({ text: '' }),
        user({ text: 'b' }),
        model({ text: 'c' }),
      ],
    });
    expect(ir.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'a' },
          { type: 'text', text: 'b' },
        ],
      },
      { role: 'assistant', content: [{ type: 'text', text: 'c' }] },
    ]);
  });

  it('should attach a signature on a text part to the thought just before it', () => {
    const ir = decode({
      contents: [
        model({ text: 'hmm', thought: true }, { text: 'answer', thoughtSignature: 'c2ln' }),
      ],
    });
    expect(ir.messages[0].content).toEqual([
      { type: 'reasoning', text: 'hmm', providerState: 'cch1.gemini.YzJsbg' },
      { type: 'text', text: 'answer' },
    ]);
  });

  it('should read media from a multimodal function response', () => {
    const ir = decode({
      contents: [
        user({
          functionResponse: {
            name: 'screenshot',
            response: { output: 'see image' },
            parts: [{ inlineData: { mimeType: 'image/png', data: 'AAAA' } }],
          },
        }),
      ],
    });
    expect(ir.messages[0].content[0]).toMatchObject({
      type: 'tool_result',
      content: [
        { type: 'text', text: 'see image' },
        { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'AAAA' } },
      ],
    });
  });
});
