import {
  parseSseChunks,
  readFixture,
  readJsonFixture,
  testContext,
} from '../../../test/fixtures/protocols/openai-responses/fixture-support';
import { IrStreamEvent } from '../ir/ir-stream';
import { stateForUpstream } from '../ir/reasoning-state';
import { openAiResponsesAdapter } from './openai-responses.adapter';

interface CodexBody {
  input: unknown[];
  [key: string]: unknown;
}

/** The items Codex keeps from a stream: those of `response.output_item.done`. */
function doneItems(sse: string): Record<string, unknown>[] {
  return parseSseChunks([sse])
    .map((event) => JSON.parse(event.data) as Record<string, unknown>)
    .filter((frame) => frame.type === 'response.output_item.done')
    .map((frame) => frame.item as Record<string, unknown>);
}

function relay(body: CodexBody, upstreamSse: string): { sse: string; upstreamBody: unknown } {
  const adapter = openAiResponsesAdapter;
  const context = testContext();
  const ir = adapter.decodeRequest(body, {});
  const upstreamBody = adapter.encodeRequest(ir, context).body;
  const decoder = adapter.createStreamDecoder(context);
  const encoder = adapter.createStreamEncoder(ir, context);
  const events: IrStreamEvent[] = parseSseChunks([upstreamSse]).flatMap((e) => decoder.push(e));
  events.push(...decoder.end());
  return {
    sse: events.map((event) => encoder.encode(event)).join('') + encoder.finish(),
    upstreamBody,
  };
}

describe('openAiResponsesAdapter', () => {
  it('should expose the openai-responses protocol and OpenAI error bodies', () => {
    expect(openAiResponsesAdapter.protocol).toBe('openai-responses');
    expect(openAiResponsesAdapter.encodeError(429, 'rate_limit_error', 'slow')).toEqual({
      error: { message: 'slow', type: 'requests', param: null, code: 'rate_limit_exceeded' },
    });
    expect(openAiResponsesAdapter.decodeError(500, {})).toMatchObject({ errorType: 'api_error' });
  });

  it('should replay OpenAI reasoning and calls to OpenAI next turn when Codex echoes them', () => {
    const body = readJsonFixture<CodexBody>('client-request.droid-tool-roundtrip.json');
    const first = relay(body, readFixture('upstream-stream.reasoning-tool.sse'));
    const items = doneItems(first.sse);
    expect(items.map((item) => item.type)).toEqual(['reasoning', 'function_call']);

    const next: CodexBody = {
      ...body,
      input: [
        ...body.input,
        ...items,
        { type: 'function_call_output', call_id: items[1]?.call_id, output: 'ok' },
      ],
    };
    const second = relay(next, readFixture('upstream-stream.text.sse'));
    const upstreamInput = (second.upstreamBody as CodexBody).input;
    expect(upstreamInput.slice(-3)).toEqual([
      {
        type: 'reasoning',
        id: 'rs_s2',
        summary: [{ type: 'summary_text', text: '**Plan** first.\n\nThen run.' }],
        encrypted_content: 'gAAAA-stream-enc',
      },
      {
        type: 'function_call',
        call_id: 'call_s2',
        name: 'exec_command',
        arguments: '{"cmd":"echo ok"}',
      },
      { type: 'function_call_output', call_id: 'call_s2', output: 'ok' },
    ]);
  });

  it('should carry another family’s reasoning state and namespaced calls through Codex and back', () => {
    const body = readJsonFixture<CodexBody>('client-request.codex-namespace.json');
    const ir = openAiResponsesAdapter.decodeRequest(body, {});
    const encoder = openAiResponsesAdapter.createStreamEncoder(ir, testContext());
    const events = readJsonFixture<{ events: IrStreamEvent[] }>(
      'client-stream.reasoning-namespace-tool.events.json',
    ).events;
    const items = doneItems(events.map((event) => encoder.encode(event)).join(''));
    expect(items[1]).toMatchObject({ name: 'close_agent', namespace: 'multi_agent_v1' });

    const next = openAiResponsesAdapter.decodeRequest(
      { ...body, input: [...body.input, ...items] },
      {},
    );
    const assistant = next.messages[next.messages.length - 1];
    const [reasoning, call] = assistant?.content ?? [];
    expect(
      reasoning?.type === 'reasoning' && stateForUpstream('anthropic', reasoning.providerState),
    ).toBe('sig-ant');
    expect(call).toMatchObject({
      type: 'tool_call',
      id: 'toolu_close',
      name: 'multi_agent_v1__close_agent',
    });
  });

  it('should give the answer the client tool names after the upstream renamed them', () => {
    const ir = openAiResponsesAdapter.decodeRequest(
      {
        model: 'gpt-5',
        input: 'read',
        tools: [{ type: 'function', name: 'fs.read', parameters: { type: 'object' } }],
      },
      {},
    );
    const context = testContext();
    const upstream = openAiResponsesAdapter.encodeRequest(ir, context).body as {
      tools: { name: string }[];
    };
    expect(upstream.tools[0]?.name).toBe('fs_read');
    const answer = openAiResponsesAdapter.decodeResponse(
      {
        id: 'r',
        status: 'completed',
        output: [{ type: 'function_call', call_id: 'c1', name: 'fs_read', arguments: '{}' }],
      },
      context,
    );
    const client = openAiResponsesAdapter.encodeResponse(answer, ir, context) as {
      output: Record<string, unknown>[];
    };
    expect(client.output[0]).toMatchObject({
      type: 'function_call',
      name: 'fs.read',
      call_id: 'c1',
    });
  });
});
