import {
  inspectAnthropicBytes,
  inspectAnthropicRequest,
  replaceModelInJson,
} from './anthropic-messages.request';
import { seededRandom } from '../../../test/support/random-splits';

const SESSION = '0f8e2a4c-1b3d-4e5f-8a9b-0c1d2e3f4a5b';

function claudeCodeBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model: 'claude-opus-4-8',
    max_tokens: 64000,
    stream: true,
    metadata: {
      user_id: JSON.stringify({
        device_id: 'ab'.repeat(32),
        account_uuid: '',
        session_id: SESSION,
      }),
    },
    messages: [{ role: 'user', content: 'hi' }],
    ...overrides,
  };
}

describe(inspectAnthropicRequest.name, () => {
  it('should extract model, stream, max_tokens and the session id when the body is from Claude Code', () => {
    expect(inspectAnthropicRequest(claudeCodeBody())).toEqual({
      ok: true,
      model: 'claude-opus-4-8',
      stream: true,
      maxTokens: 64000,
      metadataSessionId: SESSION,
    });
  });

  it('should default stream to false and maxTokens to null when they are absent', () => {
    const result = inspectAnthropicRequest({ model: 'm', messages: [] });
    expect(result).toEqual({
      ok: true,
      model: 'm',
      stream: false,
      maxTokens: null,
      metadataSessionId: null,
    });
  });

  it('should extract the session uuid when user_id has the legacy form', () => {
    const body = claudeCodeBody({
      metadata: { user_id: `user_${'c'.repeat(64)}_account__session_${SESSION}` },
    });
    expect(inspectAnthropicRequest(body)).toMatchObject({ ok: true, metadataSessionId: SESSION });
  });

  it.each([
    ['user_id is not JSON', { user_id: '{not json' }],
    ['the JSON has no session_id', { user_id: '{"device_id":"d"}' }],
    ['session_id is not a string', { user_id: '{"session_id":42}' }],
    ['session_id is empty', { user_id: '{"session_id":""}' }],
    ['session_id is too long', { user_id: JSON.stringify({ session_id: 'x'.repeat(500) }) }],
    ['user_id is a JSON array', { user_id: '["session_id"]' }],
    ['user_id is a plain string', { user_id: 'alice' }],
    ['legacy session part is not a uuid', { user_id: 'user_abc_account__session_nope' }],
    ['user_id is not a string', { user_id: 7 }],
    ['metadata is not an object', 'meta'],
  ])('should give a null session id when %s', (_name, metadata) => {
    expect(inspectAnthropicRequest(claudeCodeBody({ metadata }))).toMatchObject({
      ok: true,
      metadataSessionId: null,
    });
  });

  it.each([
    ['the body is not an object', [], 'JSON object'],
    ['the body is null', null, 'JSON object'],
    ['model is missing', { messages: [] }, 'model'],
    ['model is empty', { model: '', messages: [] }, 'model'],
    ['model is not a string', { model: 3, messages: [] }, 'model'],
    ['messages is missing', { model: 'm' }, 'messages'],
    ['messages is an object', { model: 'm', messages: {} }, 'messages'],
    ['max_tokens is zero', { model: 'm', messages: [], max_tokens: 0 }, 'max_tokens'],
    ['max_tokens is fractional', { model: 'm', messages: [], max_tokens: 1.5 }, 'max_tokens'],
    ['max_tokens is a string', { model: 'm', messages: [], max_tokens: '10' }, 'max_tokens'],
    ['max_tokens is null', { model: 'm', messages: [], max_tokens: null }, 'max_tokens'],
    ['stream is a string', { model: 'm', messages: [], stream: 'true' }, 'stream'],
  ])('should reject the request when %s', (_name, body, field) => {
    const result = inspectAnthropicRequest(body);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain(field);
  });
});

describe(inspectAnthropicBytes.name, () => {
  const bodies: [string, unknown][] = [
    ['a Claude Code body', claudeCodeBody()],
    ['a minimal body', { model: 'm', messages: [] }],
    ['a legacy session id', claudeCodeBody({ metadata: { user_id: `u_session_${SESSION}` } })],
    ['metadata that is not an object', claudeCodeBody({ metadata: 'meta' })],
    ['an array body', []],
    ['a null body', null],
    ['a missing model', { messages: [] }],
    ['a numeric model', { model: 3, messages: [] }],
    ['an escaped model', { model: 'a"b\\c', messages: [] }],
    ['messages as an object', { model: 'm', messages: {} }],
    ['a message without a role', { model: 'm', messages: [{ role: 'user' }, { content: 'x' }] }],
    ['a message whose role is a number', { model: 'm', messages: [{ role: 1 }] }],
    ['a message that is a string', { model: 'm', messages: ['user'] }],
    ['a nested role only', { model: 'm', messages: [{ content: { role: 'user' } }] }],
    ['max_tokens zero', { model: 'm', messages: [], max_tokens: 0 }],
    ['max_tokens as a float', { model: 'm', messages: [], max_tokens: 1.5 }],
    ['max_tokens as 1e3', { model: 'm', messages: [], max_tokens: 1e3 }],
    ['stream as a string', { model: 'm', messages: [], stream: 'true' }],
    ['stream null', { model: 'm', messages: [], stream: null }],
  ];

  it.each(bodies)('should inspect %s exactly as the parsed-body inspection does', (_name, body) => {
    const raw = Buffer.from(JSON.stringify(body, null, 1));
    expect(inspectAnthropicBytes(raw)).toEqual(inspectAnthropicRequest(body));
  });

  it('should find the first bad message of a long conversation, and judge only the last messages key', () => {
    const messages: unknown[] = Array.from({ length: 2000 }, (_, i) => ({
      content: [{ type: 'text', text: `turn ${i}`, role: 'nested, not the message role' }],
      role: i % 2 === 0 ? 'user' : 'assistant',
    }));
    messages[1500] = { content: 'no role', rolE: 'user' };
    messages[1700] = 'not an object';
    const body = { model: 'm', messages, max_tokens: 10 };
    const raw = Buffer.from(JSON.stringify(body));
    expect(inspectAnthropicBytes(raw)).toEqual(inspectAnthropicRequest(body));
    expect(inspectAnthropicBytes(raw)).toMatchObject({
      ok: false,
      message: expect.stringContaining('messages.1500'),
    });

    const fixedLater = Buffer.from(
      JSON.stringify(body).replace(/}$/, ',"messages":[{"role":"user","content":"hi"}]}'),
    );
    expect(inspectAnthropicBytes(fixedLater)).toEqual(
      inspectAnthropicRequest(JSON.parse(fixedLater.toString())),
    );
    expect(inspectAnthropicBytes(fixedLater)).toMatchObject({ ok: true });
  });

  it('should let the last duplicate key win, as JSON.parse does', () => {
    const raw = Buffer.from('{"model":"first","messages":[],"model":"second","stream":true}');
    expect(inspectAnthropicBytes(raw)).toEqual(inspectAnthropicRequest(JSON.parse(raw.toString())));
    expect(inspectAnthropicBytes(raw)).toMatchObject({ model: 'second', stream: true });
  });

  it('should throw on malformed JSON instead of inspecting it', () => {
    expect(() => inspectAnthropicBytes(Buffer.from('{"model":"m","messages":[}'))).toThrow();
  });
});

describe(replaceModelInJson.name, () => {
  function replaced(json: string, from: string, to: string): string {
    return replaceModelInJson(Buffer.from(json), from, to).toString('utf8');
  }

  it('should replace only the top-level model when nested objects also have a model key', () => {
    const body = {
      messages: [{ role: 'user', content: [{ type: 'text', text: 'x', model: 'a' }], model: 'a' }],
      model: 'a',
      tools: [{ name: 't', input_schema: { properties: { model: { type: 'string' } } } }],
      metadata: { model: 'a' },
    };
    const out = replaced(JSON.stringify(body), 'a', 'b');
    expect(JSON.parse(out)).toEqual({ ...body, model: 'b' });
  });

  it('should leave every other byte untouched when it splices', () => {
    const json = '{ "z" : 1 ,\n  "model"  :  "old" ,"t":"é 🙂 \\u00e9"}';
    expect(replaced(json, 'old', 'brand-new')).toBe(
      '{ "z" : 1 ,\n  "model"  :  "brand-new" ,"t":"é 🙂 \\u00e9"}',
    );
  });

  it('should not treat "model" as a key when it is a value', () => {
    const json = '{"role":"model","x":["model","model"],"model":"a"}';
    expect(replaced(json, 'a', 'b')).toBe('{"role":"model","x":["model","model"],"model":"b"}');
  });

  it('should not be fooled by escaped quotes and "model" text inside strings', () => {
    const json =
      '{"system":"say \\"model\\": \\"a\\", then \\\\","q":"\\\\\\"model\\":","model":"a"}';
    const out = replaced(json, 'a', 'b');
    expect(JSON.parse(out)).toEqual({ ...JSON.parse(json), model: 'b' });
  });

  it('should handle strings ending in escaped backslashes before the model key', () => {
    const json = '{"p":"C:\\\\dir\\\\","model":"a","s":"\\\\"}';
    expect(JSON.parse(replaced(json, 'a', 'b'))).toEqual({ p: 'C:\\dir\\', model: 'b', s: '\\' });
  });

  it('should recognise an escaped key spelling and an escaped model value', () => {
    const json = '{"mod\\u0065l":"claude\\u002dx"}';
    expect(JSON.parse(replaced(json, 'claude-x', 'other'))).toEqual({ model: 'other' });
  });

  it('should escape the replacement when it contains quotes or backslashes', () => {
    const out = replaced('{"model":"a"}', 'a', 'we"ird\\name');
    expect(JSON.parse(out)).toEqual({ model: 'we"ird\\name' });
  });

  it('should replace every top-level duplicate when the effective (last) value matches', () => {
    const out = replaced('{"model":"x","a":1,"model":"a"}', 'a', 'b');
    expect(out).toBe('{"model":"b","a":1,"model":"b"}');
  });

  it('should return the same buffer when the top-level model does not equal from', () => {
    const raw = Buffer.from('{"messages":[{"model":"a"}],"model":"other"}');
    expect(replaceModelInJson(raw, 'a', 'b')).toBe(raw);
  });

  it('should return the same buffer when there is no top-level model', () => {
    const raw = Buffer.from('{"messages":[{"model":"a"}],"meta":{"model":"a"}}');
    expect(replaceModelInJson(raw, 'a', 'b')).toBe(raw);
  });

  it.each([
    ['a number', '{"model":1}'],
    ['an object', '{"model":{"model":"a"}}'],
    ['an array', '{"model":["a"]}'],
    ['null', '{"model":null}'],
    ['the last of two keys and not a string', '{"model":"a","model":true}'],
  ])('should return the same buffer when the model value is %s', (_name, json) => {
    const raw = Buffer.from(json);
    expect(replaceModelInJson(raw, 'a', 'b')).toBe(raw);
  });

  it.each([
    ['an array root', '[{"model":"a"}]'],
    ['a string root', '"model"'],
    ['an unterminated string', '{"x":"abc'],
    ['empty input', ''],
  ])('should return the same buffer when the input is %s', (_name, json) => {
    const raw = Buffer.from(json);
    expect(replaceModelInJson(raw, 'a', 'b')).toBe(raw);
  });

  it('should replace the model when it is the only key, with surrounding whitespace', () => {
    expect(replaced(' \n\t{ "model":"a" }\n', 'a', 'b')).toBe(' \n\t{ "model":"b" }\n');
  });

  it('should match JSON.parse/stringify semantics on seeded random nested bodies', () => {
    const random = seededRandom(0x5eed);
    const words = ['model', 'a', 'b', 'mod"el', 'x\\', '"model":"a"', 'é🙂', '\\"', ''];
    const pick = (): string => words[Math.floor(random() * words.length)];
    const value = (depth: number): unknown => {
      const r = random();
      if (depth > 3 || r < 0.3) return pick();
      if (r < 0.4) return Math.floor(random() * 1000);
      if (r < 0.5) return r < 0.45 ? null : true;
      if (r < 0.75) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
      const object: Record<string, unknown> = {};
      for (let i = Math.floor(random() * 4); i > 0; i--) object[pick()] = value(depth + 1);
      return object;
    };

    for (let round = 0; round < 500; round++) {
      const body: Record<string, unknown> = {};
      for (let i = Math.floor(random() * 5); i > 0; i--) body[pick()] = value(1);
      body.model = 'a';
      for (let i = Math.floor(random() * 5); i > 0; i--) {
        const key = pick();
        if (key !== 'model') body[key] = value(1);
      }
      const spacing = round % 2 === 0 ? undefined : 2;
      const json = JSON.stringify(body, null, spacing);
      const out = replaced(json, 'a', 'claude-"redirected"');
      expect(JSON.parse(out)).toEqual({ ...body, model: 'claude-"redirected"' });
    }
  });
});
