import {
  expectGoldenJson,
  readJsonFixture,
} from '../../../test/fixtures/protocols/openai-responses/fixture-support';
import { ProtocolRequestError } from '../protocol-adapter';
import { decodeResponsesRequest } from './openai-responses.request';

describe(decodeResponsesRequest.name, () => {
  it.each(['codex-namespace', 'droid-tool-roundtrip', 'parallel-calls'])(
    'should decode the %s client request into the golden IR',
    (name) => {
      const body = readJsonFixture(`client-request.${name}.json`);
      expectGoldenJson(`client-request.${name}.ir.json`, decodeResponsesRequest(body, {}));
    },
  );

  it('should turn a string input into one user message and take model and stream from hints', () => {
    const ir = decodeResponsesRequest({ input: 'say hi' }, { model: 'gpt-5', stream: true });
    expect(ir).toEqual({
      model: 'gpt-5',
      system: [],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'say hi' }] }],
      tools: [],
      stream: true,
    });
  });

  it('should keep leading developer messages as system and later ones as system-role messages', () => {
    const ir = decodeResponsesRequest(
      {
        model: 'm',
        instructions: 'base',
        input: [
          { role: 'developer', content: 'dev one' },
          { role: 'user', content: 'hi' },
          { role: 'system', content: [{ type: 'input_text', text: 'later' }] },
        ],
      },
      {},
    );
    expect(ir.system).toEqual([
      { type: 'text', text: 'base' },
      { type: 'text', text: 'dev one' },
    ]);
    expect(ir.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'hi' }] },
      { role: 'system', content: [{ type: 'text', text: 'later' }] },
    ]);
  });

  it.each([
    [undefined, undefined, undefined],
    ['auto', true, { type: 'auto', parallel: true }],
    ['required', undefined, { type: 'any' }],
    ['none', false, { type: 'none' }],
    [{ type: 'function', name: 'f' }, false, { type: 'tool', name: 'f', parallel: false }],
    [
      { type: 'function', name: 'close_agent', namespace: 'ns' },
      undefined,
      { type: 'tool', name: 'ns__close_agent' },
    ],
    [{ type: 'allowed_tools', mode: 'required', tools: [] }, undefined, { type: 'any' }],
    [{ type: 'web_search' }, undefined, { type: 'auto' }],
    [undefined, false, { type: 'auto', parallel: false }],
  ])('should map tool_choice %j with parallel_tool_calls %j', (choice, parallel, expected) => {
    const ir = decodeResponsesRequest(
      { model: 'm', input: [], tool_choice: choice, parallel_tool_calls: parallel },
      {},
    );
    expect(ir.toolChoice).toEqual(expected);
  });

  it.each([
    [{ effort: 'low' }, { mode: 'effort', effort: 'low' }],
    [
      { effort: 'xhigh', summary: 'auto' },
      { mode: 'effort', effort: 'xhigh' },
    ],
    [{ summary: 'auto' }, { mode: 'effort', effort: 'medium' }],
    [{ effort: 'none' }, { mode: 'off' }],
    [null, undefined],
  ])('should map reasoning %j to %j', (reasoning, expected) => {
    expect(decodeResponsesRequest({ model: 'm', reasoning }, {}).reasoning).toEqual(expected);
  });

  it.each([
    ['the body is not an object', []],
    ['the model is missing', { input: 'x' }],
    ['input is a number', { model: 'm', input: 3 }],
    ['an item is not an object', { model: 'm', input: ['x'] }],
    ['a message has an unknown role', { model: 'm', input: [{ role: 'tool', content: 'x' }] }],
    [
      'a function call has no call_id',
      { model: 'm', input: [{ type: 'function_call', name: 'f' }] },
    ],
    [
      'an output has no call_id',
      { model: 'm', input: [{ type: 'function_call_output', output: '' }] },
    ],
    ['previous_response_id is set', { model: 'm', previous_response_id: 'resp_1', input: [] }],
    ['an item_reference is sent', { model: 'm', input: [{ type: 'item_reference', id: 'x' }] }],
  ])('should reject the request with a ProtocolRequestError when %s', (_name, body) => {
    expect(() => decodeResponsesRequest(body, {})).toThrow(ProtocolRequestError);
  });

  it('should name the unsupported field when previous_response_id is set', () => {
    expect(() =>
      decodeResponsesRequest({ model: 'm', previous_response_id: 'resp_1' }, {}),
    ).toThrow(/previous_response_id/);
  });

  it('should drop hosted tools and their items silently', () => {
    const ir = decodeResponsesRequest(
      {
        model: 'm',
        tools: [
          { type: 'web_search' },
          { type: 'local_shell' },
          { type: 'mcp', server_label: 's' },
        ],
        input: [
          { type: 'local_shell_call', call_id: 'c', action: {} },
          { type: 'local_shell_call_output', call_id: 'c', output: 'x' },
          { type: 'compaction', encrypted_content: 'e' },
        ],
      },
      {},
    );
    expect(ir.tools).toEqual([]);
    expect(ir.messages).toEqual([]);
  });

  it('should keep a file given as a data URL and drop one given by file id', () => {
    const ir = decodeResponsesRequest(
      {
        model: 'm',
        input: [
          {
            role: 'user',
            content: [
              {
                type: 'input_file',
                filename: 'a.pdf',
                file_data: 'data:application/pdf;base64,JVBE',
              },
              { type: 'input_file', file_id: 'file-1' },
              { type: 'input_image', file_id: 'file-2' },
            ],
          },
        ],
      },
      {},
    );
    expect(ir.messages[0]?.content).toEqual([
      {
        type: 'document',
        title: 'a.pdf',
        source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBE' },
      },
    ]);
  });
});
