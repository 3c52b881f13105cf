import {
  expectGoldenJson,
  readJsonFixture,
  testContext,
} from '../../../test/fixtures/protocols/openai-responses/fixture-support';
import { IrResponse } from '../ir/ir-response';
import { decodeResponsesRequest } from './openai-responses.request';
import { decodeResponsesResponse, encodeResponsesResponse } from './openai-responses.response';

describe(decodeResponsesResponse.name, () => {
  it.each(['reasoning-tool', 'incomplete'])(
    'should decode the %s upstream response into the golden IR',
    (name) => {
      // The upstream request renamed `mcp.fs/read-file`; the answer must use the IR name again.
      const context = testContext({ 'mcp_fs_read-file': 'mcp.fs/read-file' });
      const body = readJsonFixture(`upstream-response.${name}.json`);
      expectGoldenJson(`upstream-response.${name}.ir.json`, decodeResponsesResponse(body, context));
    },
  );

  it.each([
    ['completed', null, [], 'end_turn'],
    ['incomplete', 'content_filter', [], 'refusal'],
    ['incomplete', null, [], 'max_tokens'],
    [
      'completed',
      null,
      [{ type: 'message', content: [{ type: 'refusal', refusal: 'no' }] }],
      'refusal',
    ],
  ])('should map status %s with reason %s to the stop reason', (status, reason, output, stop) => {
    const body = { status, incomplete_details: reason ? { reason } : null, output };
    expect(decodeResponsesResponse(body, testContext()).stopReason).toBe(stop);
  });

  it('should throw when the upstream body is not an object', () => {
    expect(() => decodeResponsesResponse('oops', testContext())).toThrow(/not a JSON object/);
  });
});

describe(encodeResponsesResponse.name, () => {
  it.each(['namespace-call', 'max-tokens'])(
    'should encode the %s IR response into the golden client response',
    (name) => {
      const input = readJsonFixture<{ requestFixture: string; response: IrResponse }>(
        `client-response.${name}.input.json`,
      );
      const request = decodeResponsesRequest(readJsonFixture(input.requestFixture), {});
      const encoded = encodeResponsesResponse(input.response, request, testContext());
      expectGoldenJson(`client-response.${name}.json`, encoded);
    },
  );

  it('should report integer input, output and total tokens with cache reads inside the input', () => {
    const request = decodeResponsesRequest({ model: 'm', input: 'hi' }, {});
    const response: IrResponse = {
      id: 'x',
      model: 'm',
      content: [{ type: 'text', text: 'hey' }],
      stopReason: 'end_turn',
      usage: {
        inputTokens: 5,
        outputTokens: 7,
        cacheWrite5mTokens: 1,
        cacheWrite1hTokens: 2,
        cacheReadTokens: 100,
        reasoningTokens: 3,
      },
    };
    expect(encodeResponsesResponse(response, request, testContext()).usage).toEqual({
      input_tokens: 108,
      input_tokens_details: { cached_tokens: 100 },
      output_tokens: 7,
      output_tokens_details: { reasoning_tokens: 3 },
      total_tokens: 115,
    });
  });
});
