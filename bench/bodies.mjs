// Request bodies of the benchmark lanes, built once, deterministic.

export const MODEL = 'claude-sonnet-4-5-20250929';

export const smallAnthropic = (stream) =>
  JSON.stringify({
    model: MODEL,
    max_tokens: 256,
    ...(stream ? { stream: true } : {}),
    messages: [{ role: 'user', content: 'Say hello in one short sentence.' }],
  });

/** What the same small request looks like to an OpenAI Chat upstream (the direct baseline). */
export const smallChat = (stream) =>
  JSON.stringify({
    model: MODEL,
    max_tokens: 256,
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    messages: [{ role: 'user', content: 'Say hello in one short sentence.' }],
  });

const WORDS = (
  'the function returns a promise that resolves when the request body has been read and ' +
  'validated against the schema of the provider then the gateway forwards the bytes upstream ' +
  'import export const let await async class interface type string number boolean null ' +
  'error retry timeout stream chunk buffer header status cache token usage ledger limit'
).split(' ');

/** Deterministic prose/code-like text of about `bytes` bytes. */
function filler(bytes, seed) {
  let state = seed >>> 0 || 1;
  const parts = [];
  let size = 0;
  let column = 0;
  while (size < bytes) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    const word = WORDS[state % WORDS.length];
    const sep = column > 90 ? '\n' : ' ';
    column = sep === '\n' ? 0 : column + word.length + 1;
    parts.push(word, sep);
    size += word.length + 1;
  }
  return parts.join('');
}

/**
 * A Claude-Code-sized request (~400 KB): a long system prompt, a few dozen tools with JSON
 * schemas, and a conversation of tool uses with file contents as tool results.
 */
export function largeAnthropic(targetBytes = 400 * 1024, stream = false) {
  const tools = Array.from({ length: 24 }, (_, i) => ({
    name: `Tool${i}`,
    description: filler(1500, 100 + i),
    input_schema: {
      type: 'object',
      properties: {
        path: { type: 'string', description: 'Absolute path of the file' },
        pattern: { type: 'string', description: 'A glob or regular expression' },
        limit: { type: 'number', description: 'Maximum number of lines' },
      },
      required: ['path'],
      additionalProperties: false,
    },
  }));
  const body = {
    model: MODEL,
    max_tokens: 32000,
    ...(stream ? { stream: true } : {}),
    system: [
      { type: 'text', text: 'You are Claude Code, a coding agent.' },
      { type: 'text', text: filler(14_000, 7), cache_control: { type: 'ephemeral' } },
    ],
    tools,
    metadata: { user_id: 'user_bench_account__session_00000000-0000-4000-8000-000000000000' },
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Refactor the proxy module.' }] }],
  };
  let turn = 0;
  while (JSON.stringify(body).length < targetBytes) {
    const id = `toolu_bench${String(turn).padStart(6, '0')}`;
    body.messages.push({
      role: 'assistant',
      content: [
        { type: 'text', text: filler(300, 1000 + turn) },
        {
          type: 'tool_use',
          id,
          name: `Tool${turn % tools.length}`,
          input: { path: `/src/f${turn}.ts` },
        },
      ],
    });
    body.messages.push({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: id, content: filler(6000, 5000 + turn) }],
    });
    turn += 1;
  }
  body.messages.push({ role: 'assistant', content: 'Reading the remaining files.' });
  body.messages.push({ role: 'user', content: 'Continue.' });
  return JSON.stringify(body);
}
