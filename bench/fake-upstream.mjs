// A fast fake LLM upstream for the benchmark: Anthropic `POST /v1/messages` and OpenAI
// `POST /v1/chat/completions`, non-streaming JSON or streaming SSE (`"stream":true` in the body).
//
// Configuration (environment, or the options of startFakeUpstream):
//   FAKE_PORT            port to listen on (0 = any free port; the port is printed)
//   FAKE_LATENCY_MS      added before the response headers (default 0)
//   FAKE_CHUNKS          content deltas per streamed answer (default 20)
//   FAKE_CHUNK_DELAY_MS  delay between two deltas (default 5; 0 writes them back to back)
//
// Run alone: `node bench/fake-upstream.mjs` prints `LISTENING <port>` and serves until killed
// (or until its stdin closes, so it never outlives the bench that started it).
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';

const USAGE_IN = 321;
const USAGE_OUT_PER_CHUNK = 1;
const DELTA_TEXT = 'lorem ';

let counter = 0;
const nextId = () => (++counter).toString(36).padStart(8, '0');

const MODEL_KEY = Buffer.from('"model":"');
/** The request's model without parsing a possibly 400 KB body. */
function modelOf(body) {
  const at = body.indexOf(MODEL_KEY);
  if (at < 0) return 'unknown';
  const start = at + MODEL_KEY.length;
  const end = body.indexOf(0x22, start);
  return end < 0 ? 'unknown' : body.toString('latin1', start, Math.min(end, start + 200));
}

const isStream = (body) => body.includes('"stream":true') || body.includes('"stream": true');
const wantsUsage = (body) =>
  body.includes('"include_usage":true') || body.includes('"include_usage": true');

const sse = (event, data) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
const chatSse = (data) => `data: ${JSON.stringify(data)}\n\n`;

function anthropicMessage(model, chunks) {
  return JSON.stringify({
    id: `msg_bench${nextId()}`,
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text: DELTA_TEXT.repeat(chunks).trimEnd() }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: {
      input_tokens: USAGE_IN,
      output_tokens: chunks * USAGE_OUT_PER_CHUNK,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    },
  });
}

function chatCompletion(model, chunks) {
  return JSON.stringify({
    id: `chatcmpl-bench${nextId()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: DELTA_TEXT.repeat(chunks).trimEnd() },
        finish_reason: 'stop',
      },
    ],
    usage: {
      prompt_tokens: USAGE_IN,
      completion_tokens: chunks * USAGE_OUT_PER_CHUNK,
      total_tokens: USAGE_IN + chunks * USAGE_OUT_PER_CHUNK,
    },
  });
}

/** Head, deltas and tail of a streamed answer, as strings to write in order. */
function anthropicStream(model, chunks) {
  const id = `msg_bench${nextId()}`;
  const head =
    sse('message_start', {
      type: 'message_start',
      message: {
        id,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: USAGE_IN, output_tokens: 1 },
      },
    }) +
    sse('content_block_start', {
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'text', text: '' },
    }) +
    sse('ping', { type: 'ping' });
  const delta = sse('content_block_delta', {
    type: 'content_block_delta',
    index: 0,
    delta: { type: 'text_delta', text: DELTA_TEXT },
  });
  const tail =
    sse('content_block_stop', { type: 'content_block_stop', index: 0 }) +
    sse('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: chunks * USAGE_OUT_PER_CHUNK },
    }) +
    sse('message_stop', { type: 'message_stop' });
  return { head, delta, tail };
}

function chatStream(model, chunks, includeUsage) {
  const base = {
    id: `chatcmpl-bench${nextId()}`,
    object: 'chat.completion.chunk',
    created: Math.floor(Date.now() / 1000),
    model,
  };
  const head = chatSse({
    ...base,
    choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }],
  });
  const delta = chatSse({
    ...base,
    choices: [{ index: 0, delta: { content: DELTA_TEXT }, finish_reason: null }],
  });
  let tail = chatSse({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
  if (includeUsage) {
    tail += chatSse({
      ...base,
      choices: [],
      usage: {
        prompt_tokens: USAGE_IN,
        completion_tokens: chunks * USAGE_OUT_PER_CHUNK,
        total_tokens: USAGE_IN + chunks * USAGE_OUT_PER_CHUNK,
      },
    });
  }
  tail += 'data: [DONE]\n\n';
  return { head, delta, tail };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function startFakeUpstream(options = {}) {
  const latencyMs = Number(options.latencyMs ?? 0);
  const chunks = Math.max(1, Number(options.chunks ?? 20));
  const chunkDelayMs = Number(options.chunkDelayMs ?? 5);
  const stats = { requests: 0, streams: 0, aborted: 0 };

  const server = createServer((request, response) => {
    const parts = [];
    request.on('data', (chunk) => parts.push(chunk));
    request.on('end', () => {
      void answer(request, response, Buffer.concat(parts)).catch(() => response.destroy());
    });
  });
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;

  async function answer(request, response, body) {
    stats.requests += 1;
    const path = (request.url ?? '/').split('?')[0];
    if (request.method === 'GET' && /^\/v1\/models\/?$/.test(path)) {
      return send(response, 200, 'application/json', '{"data":[],"object":"list"}');
    }
    const anthropic = path === '/v1/messages';
    const chat = path === '/v1/chat/completions';
    if (request.method !== 'POST' || (!anthropic && !chat)) {
      return send(
        response,
        404,
        'application/json',
        JSON.stringify({ error: { type: 'not_found_error', message: `no route ${path}` } }),
      );
    }
    if (latencyMs > 0) await sleep(latencyMs);
    const model = modelOf(body);
    if (!isStream(body)) {
      const json = anthropic ? anthropicMessage(model, chunks) : chatCompletion(model, chunks);
      return send(response, 200, 'application/json', json);
    }
    stats.streams += 1;
    const { head, delta, tail } = anthropic
      ? anthropicStream(model, chunks)
      : chatStream(model, chunks, wantsUsage(body));
    let closed = false;
    response.on('close', () => {
      if (!response.writableFinished) {
        closed = true;
        stats.aborted += 1;
      }
    });
    response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
    });
    response.write(head);
    for (let i = 0; i < chunks; i += 1) {
      if (chunkDelayMs > 0) await sleep(chunkDelayMs);
      if (closed) return;
      response.write(delta);
    }
    response.end(tail);
  }

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(options.port ?? 0), options.host ?? '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        port,
        url: `http://127.0.0.1:${port}`,
        stats,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
  });
}

function send(response, status, type, text) {
  response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const fake = await startFakeUpstream({
    port: process.env.FAKE_PORT ?? 0,
    latencyMs: process.env.FAKE_LATENCY_MS ?? 0,
    chunks: process.env.FAKE_CHUNKS ?? 20,
    chunkDelayMs: process.env.FAKE_CHUNK_DELAY_MS ?? 5,
  });
  process.stdout.write(`LISTENING ${fake.port}\n`);
  // Never outlive the parent: it holds our stdin open.
  if (process.env.BENCH_CHILD === '1') {
    process.stdin.on('end', () => process.exit(0));
    process.stdin.on('error', () => process.exit(0));
    process.stdin.resume();
  }
  process.on('SIGTERM', () => process.exit(0));
}
