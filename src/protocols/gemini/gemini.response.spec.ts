import {
  expectGolden,
  fixtureNames,
  readJsonFixture,
  testContext,
} from '../../../test/fixtures/protocols/gemini/golden';
import { IrRequest } from '../ir/ir-request';
import { IrResponse, IrStopReason } from '../ir/ir-response';
import {
  decodeGeminiResponse,
  encodeGeminiResponse,
  finishReasonToGemini,
  stopReasonFromGemini,
} from './gemini.response';

describe(decodeGeminiResponse.name, () => {
  const FOLDER = 'upstream-responses';

  it.each(fixtureNames(FOLDER, '.json', '.ir.json'))(
    'should decode the %s upstream answer to the golden IR',
    (name) => {
      const context = testContext();
      const ir = decodeGeminiResponse(readJsonFixture(FOLDER, `${name}.json`), context);
      expectGolden(FOLDER, `${name}.ir.json`, { response: ir, dropped: context.droppedItems });
    },
  );

  it('should give functionCall names back under the client names', () => {
    const context = testContext([['a_b', 'a/b']]);
    const ir = decodeGeminiResponse(
      {
        candidates: [
          {
            content: { role: 'model', parts: [{ functionCall: { name: 'a_b', args: { x: 1 } } }] },
          },
        ],
      },
      context,
    );
    expect(ir.content).toEqual([
      { type: 'tool_call', id: 'call_test0', name: 'a/b', input: { x: 1 } },
    ]);
    expect(ir.stopReason).toBe('tool_use');
    expect(ir.id).toBe('resp_test1');
  });

  it('should report generated media as dropped', () => {
    const context = testContext();
    const ir = decodeGeminiResponse(
      {
        candidates: [
          {
            content: {
              role: 'model',
              parts: [{ inlineData: { mimeType: 'image/png', data: 'AA' } }],
            },
            finishReason: 'STOP',
          },
        ],
      },
      context,
    );
    expect(ir.content).toEqual([]);
    expect(context.droppedItems).toEqual(['generated media']);
  });

  it('should throw when the answer is not a JSON object', () => {
    expect(() => decodeGeminiResponse('oops', testContext())).toThrow('not a JSON object');
  });
});

describe(stopReasonFromGemini.name, () => {
  it.each([
    ['STOP', false, 'end_turn'],
    ['STOP', true, 'tool_use'],
    ['MAX_TOKENS', true, 'tool_use'],
    ['MAX_TOKENS', false, 'max_tokens'],
    ['SAFETY', false, 'refusal'],
    ['RECITATION', false, 'refusal'],
    ['PROHIBITED_CONTENT', false, 'refusal'],
    ['BLOCKLIST', false, 'refusal'],
    ['SPII', false, 'refusal'],
    ['IMAGE_SAFETY', false, 'refusal'],
    ['MALFORMED_FUNCTION_CALL', false, 'end_turn'],
    ['OTHER', false, 'end_turn'],
    [null, false, 'end_turn'],
  ] as const)('should map %s (tool call seen: %s) to %s', (reason, sawToolCall, expected) => {
    expect(stopReasonFromGemini(reason, sawToolCall)).toBe(expected);
  });
});

describe(finishReasonToGemini.name, () => {
  it.each<[IrStopReason, string]>([
    ['end_turn', 'STOP'],
    ['stop_sequence', 'STOP'],
    ['tool_use', 'STOP'],
    ['pause_turn', 'STOP'],
    ['max_tokens', 'MAX_TOKENS'],
    ['context_window_exceeded', 'MAX_TOKENS'],
    ['refusal', 'SAFETY'],
  ])('should map %s to %s', (stopReason, finishReason) => {
    expect(finishReasonToGemini(stopReason)).toBe(finishReason);
  });
});

describe(encodeGeminiResponse.name, () => {
  const FOLDER = 'ir-responses';

  it.each(fixtureNames(FOLDER, '.json', '.client.json'))(
    'should encode the %s IR answer to the golden client body',
    (name) => {
      const { request, response } = readJsonFixture<{ request: IrRequest; response: IrResponse }>(
        FOLDER,
        `${name}.json`,
      );
      expectGolden(FOLDER, `${name}.client.json`, encodeGeminiResponse(response, request));
    },
  );
});
