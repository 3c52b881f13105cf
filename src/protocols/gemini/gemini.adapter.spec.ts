import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  GEMINI_FIXTURES,
  parseSse,
  testContext,
} from '../../../test/fixtures/protocols/gemini/golden';
import { geminiAdapter } from './gemini.adapter';
import { GeminiPart, GeminiRequestBody } from './gemini.wire';

/** What Gemini CLI keeps of a streamed answer for its history: the non-thought parts. */
function recordedParts(sse: string): GeminiPart[] {
  return parseSse([sse]).flatMap((event) => {
    const chunk = JSON.parse(event.data);
    const parts = (chunk.candidates?.[0]?.content?.parts ?? []) as GeminiPart[];
    return parts.filter(
      (part) => part.thought !== true && !(part.text === '' && !part.thoughtSignature),
    );
  });
}

describe('geminiAdapter', () => {
  it('should declare the gemini protocol', () => {
    expect(geminiAdapter.protocol).toBe('gemini');
  });

  it('should carry a thoughtSignature and call id from a Gemini upstream through Gemini CLI and back', () => {
    // Turn 1: the CLI asks, the upstream answers with a signed call that has no id.
    const firstClientBody = {
      contents: [{ role: 'user', parts: [{ text: 'run echo' }] }],
      tools: [
        {
          functionDeclarations: [
            { name: 'run_shell_command', parametersJsonSchema: { type: 'object' } },
          ],
        },
      ],
    };
    const ir1 = geminiAdapter.decodeRequest(firstClientBody, {
      model: 'gemini-2.5-pro',
      stream: true,
    });
    const context1 = testContext();
    expect(geminiAdapter.encodeRequest(ir1, context1).path).toBe(
      'models/gemini-2.5-pro:streamGenerateContent?alt=sse',
    );
    const upstream = readFileSync(
      join(GEMINI_FIXTURES, 'upstream-streams', 'thought-tool-crlf.sse'),
    );
    const decoder = geminiAdapter.createStreamDecoder(context1);
    const encoder = geminiAdapter.createStreamEncoder(ir1, context1);
    let clientSse = '';
    for (const event of parseSse([upstream])) {
      for (const ir of decoder.push(event)) clientSse += encoder.encode(ir);
    }
    for (const ir of decoder.end()) clientSse += encoder.encode(ir);
    clientSse += encoder.finish();

    const modelParts = recordedParts(clientSse);
    expect(modelParts).toEqual([
      {
        functionCall: {
          id: 'call_test0',
          name: 'run_shell_command',
          args: { command: 'echo tool-ok', description: 'Print tool-ok' },
        },
        thoughtSignature: 'c2lnLW9uLWNhbGw=',
      },
    ]);

    // Turn 2: the CLI echoes the call with its id and answers it.
    const secondClientBody = {
      ...firstClientBody,
      contents: [
        ...firstClientBody.contents,
        { role: 'model', parts: modelParts },
        {
          role: 'user',
          parts: [
            {
              functionResponse: {
                id: 'call_test0',
                name: 'run_shell_command',
                response: { output: 'tool-ok' },
              },
            },
          ],
        },
      ],
    };
    const ir2 = geminiAdapter.decodeRequest(secondClientBody, {
      model: 'gemini-2.5-pro',
      stream: true,
    });
    const upstreamBody = geminiAdapter.encodeRequest(ir2, testContext()).body as GeminiRequestBody;
    expect(upstreamBody.contents).toEqual(secondClientBody.contents);
  });

  it('should answer a non-streaming request with the client body shape', () => {
    const request = geminiAdapter.decodeRequest(
      { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] },
      { model: 'gemini-2.5-flash' },
    );
    const context = testContext();
    const response = geminiAdapter.decodeResponse(
      JSON.parse(readFileSync(join(GEMINI_FIXTURES, 'upstream-responses', 'text.json'), 'utf8')),
      context,
    );
    expect(geminiAdapter.encodeResponse(response, request, context)).toEqual({
      candidates: [
        {
          content: { role: 'model', parts: [{ text: 'Hello there.' }] },
          finishReason: 'STOP',
          index: 0,
        },
      ],
      usageMetadata: { promptTokenCount: 14, candidatesTokenCount: 3, totalTokenCount: 17 },
      modelVersion: 'gemini-2.5-pro',
      responseId: 'resp-text-1',
    });
  });

  it('should decode and encode errors in Google shape', () => {
    expect(
      geminiAdapter.decodeError(429, {
        error: { code: 429, message: 'm', status: 'RESOURCE_EXHAUSTED' },
      }),
    ).toEqual({
      status: 429,
      errorType: 'rate_limit_error',
      message: 'm',
    });
    expect(geminiAdapter.encodeError(503, 'overloaded_error', 'busy')).toEqual({
      error: { code: 503, message: 'busy', status: 'UNAVAILABLE' },
    });
  });
});
