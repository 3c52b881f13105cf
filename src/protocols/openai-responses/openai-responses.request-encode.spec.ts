import {
  expectGoldenJson,
  readJsonFixture,
  testContext,
} from '../../../test/fixtures/protocols/openai-responses/fixture-support';
import { IrRequest } from '../ir/ir-request';
import { decodeResponsesRequest } from './openai-responses.request';
import { encodeResponsesRequest } from './openai-responses.request-encode';

function encodeGolden(ir: IrRequest): unknown {
  const context = testContext();
  const encoded = encodeResponsesRequest(ir, context);
  return {
    ...encoded,
    dropped: context.droppedItems,
    toolNames: Object.fromEntries(context.toolNames),
  };
}

describe(encodeResponsesRequest.name, () => {
  it('should encode a cross-family IR request into the golden upstream request', () => {
    const ir = readJsonFixture<IrRequest>('upstream-request.cross-family.ir.json');
    expectGoldenJson('upstream-request.cross-family.json', encodeGolden(ir));
  });

  it.each(['codex-namespace', 'droid-tool-roundtrip', 'parallel-calls'])(
    'should re-encode the decoded %s client request into the golden upstream request',
    (name) => {
      const ir = decodeResponsesRequest(readJsonFixture(`client-request.${name}.json`), {});
      expectGoldenJson(`upstream-request.${name}.json`, encodeGolden(ir));
    },
  );

  it('should give back the reasoning item Codex sent, encrypted content and id included', () => {
    const ir = decodeResponsesRequest(readJsonFixture('client-request.codex-namespace.json'), {});
    const { body } = encodeResponsesRequest(ir, testContext());
    expect((body as { input: unknown[] }).input).toContainEqual({
      type: 'reasoning',
      id: 'rs_prev_1',
      summary: [
        { type: 'summary_text', text: '**Planning** the helper.\n\nIt needs the image path.' },
      ],
      encrypted_content: 'gAAAA-openai-blob-1',
    });
  });

  it('should rewrite invalid tool names reversibly, uniquely and within 64 characters', () => {
    const names = ['a.b', 'a_b', 'x'.repeat(80), `${'x'.repeat(80)}!`, 'ünï', ''];
    const ir: IrRequest = {
      model: 'm',
      system: [],
      messages: [],
      tools: names.map((name) => ({ name, inputSchema: { type: 'object' } })),
      stream: false,
    };
    const context = testContext();
    const body = encodeResponsesRequest(ir, context).body as { tools: { name: string }[] };
    const upstream = body.tools.map((tool) => tool.name);
    expect(new Set(upstream).size).toBe(names.length);
    for (const name of upstream) expect(name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    expect(upstream[1]).toBe('a_b'); // valid names are never renamed
    expect(upstream.map((name) => context.toolNames.get(name) ?? name)).toEqual(names);
  });

  it('should leave reasoning unset and not ask for encrypted content when reasoning is off', () => {
    const ir: IrRequest = {
      model: 'm',
      system: [],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      tools: [],
      reasoning: { mode: 'off' },
      stream: false,
    };
    const { path, body } = encodeResponsesRequest(ir, testContext());
    expect(path).toBe('responses');
    expect(body).toEqual({
      model: 'm',
      input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] }],
      store: false,
      stream: false,
    });
  });

  it.each([
    [{ mode: 'effort', effort: 'max' }, 'xhigh'],
    [{ mode: 'effort' }, 'medium'],
    [{ mode: 'budget', budgetTokens: 1024 }, 'low'],
    [{ mode: 'budget', budgetTokens: 32000 }, 'high'],
  ] as const)('should map reasoning %j to effort %s', (reasoning, effort) => {
    const ir: IrRequest = {
      model: 'm',
      system: [],
      messages: [],
      tools: [],
      reasoning,
      stream: true,
    };
    expect(encodeResponsesRequest(ir, testContext()).body).toMatchObject({
      reasoning: { effort, summary: 'auto' },
      include: ['reasoning.encrypted_content'],
    });
  });
});
