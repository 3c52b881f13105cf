/**
 * Checks that what a client received is a complete, well-formed answer or a well-formed error in
 * its own protocol: the fault tests use it to prove no client ever gets a torn or foreign reply.
 */
export type ClientProtocol = 'anthropic' | 'openai-chat' | 'openai-responses' | 'gemini';

export type Outcome = 'answer' | 'error' | 'in-band-error';

/** Returns what the client got, or throws describing why the reply is not protocol-correct. */
export function classifyReply(
  protocol: ClientProtocol,
  status: number,
  contentType: string | null,
  text: string,
): Outcome {
  const sse = (contentType ?? '').includes('text/event-stream');
  if (status !== 200) {
    expectErrorEnvelope(protocol, parseJson(text));
    return 'error';
  }
  if (!sse) {
    expectAnswer(protocol, parseJson(text));
    return 'answer';
  }
  return classifyStream(protocol, text);
}

function classifyStream(protocol: ClientProtocol, text: string): Outcome {
  const frames = text
    .split('\n\n')
    .map((frame) => frame.trim())
    .filter((frame) => frame.length > 0);
  if (frames.length === 0) throw new Error('empty event stream');
  const events = frames.map((frame) => {
    const lines = frame.split('\n');
    const event = lines.find((line) => line.startsWith('event: '))?.slice(7) ?? null;
    const data = lines
      .filter((line) => line.startsWith('data: '))
      .map((line) => line.slice(6))
      .join('\n');
    return { event, data };
  });
  const last = events[events.length - 1];
  switch (protocol) {
    case 'anthropic': {
      for (const { event, data } of events) {
        const parsed = parseJson(data) as { type?: unknown };
        if (parsed.type !== event)
          throw new Error(`event ${event} carries type ${String(parsed.type)}`);
      }
      if (events[0]?.event !== 'message_start' && last.event !== 'error') {
        throw new Error(`stream starts with ${events[0]?.event}`);
      }
      if (last.event === 'message_stop') return 'answer';
      if (last.event === 'error') {
        expectErrorEnvelope(protocol, parseJson(last.data));
        return 'in-band-error';
      }
      throw new Error(`anthropic stream ends with ${last.event}`);
    }
    case 'openai-chat': {
      const payloads = events.map(({ data }) => data);
      if (payloads[payloads.length - 1] === '[DONE]') {
        const chunks = payloads.slice(0, -1).map((data) => parseJson(data));
        const failed = chunks.find((chunk) => 'error' in chunk);
        if (failed) {
          expectErrorEnvelope(protocol, failed);
          return 'in-band-error';
        }
        for (const chunk of chunks) {
          if (chunk.object !== 'chat.completion.chunk') throw new Error('not a chat chunk');
        }
        return 'answer';
      }
      const final = parseJson(payloads[payloads.length - 1]);
      expectErrorEnvelope(protocol, final);
      return 'in-band-error';
    }
    case 'openai-responses': {
      const terminal = parseJson(last.data);
      if (last.event === 'response.completed') return 'answer';
      if (last.event === 'response.failed' || last.event === 'error') {
        if (terminal.type !== last.event) throw new Error('responses event/type mismatch');
        return 'in-band-error';
      }
      throw new Error(`responses stream ends with ${last.event}`);
    }
    case 'gemini': {
      const chunks = events.map(({ data }) => parseJson(data));
      const failed = chunks.find((chunk) => 'error' in chunk);
      if (failed) {
        if (failed !== chunks[chunks.length - 1]) throw new Error('gemini error mid-stream');
        expectErrorEnvelope(protocol, failed);
        return 'in-band-error';
      }
      const finished = chunks.some((chunk) =>
        ((chunk.candidates as { finishReason?: string }[] | undefined) ?? []).some(
          (candidate) => typeof candidate.finishReason === 'string',
        ),
      );
      if (!finished) throw new Error('gemini stream ended without a finishReason');
      return 'answer';
    }
  }
}

function expectAnswer(protocol: ClientProtocol, body: Record<string, unknown>): void {
  const ok =
    protocol === 'anthropic'
      ? body.type === 'message' && Array.isArray(body.content)
      : protocol === 'openai-chat'
        ? body.object === 'chat.completion' && Array.isArray(body.choices)
        : protocol === 'openai-responses'
          ? body.object === 'response' && body.status === 'completed'
          : Array.isArray(body.candidates);
  if (!ok) throw new Error(`not a ${protocol} answer: ${JSON.stringify(body).slice(0, 200)}`);
}

/** The error envelope each protocol's SDK parses. */
export function expectErrorEnvelope(protocol: ClientProtocol, body: Record<string, unknown>): void {
  const error = body.error as Record<string, unknown> | undefined;
  const ok =
    protocol === 'anthropic'
      ? body.type === 'error' &&
        typeof error?.type === 'string' &&
        typeof error.message === 'string'
      : protocol === 'gemini'
        ? typeof error?.code === 'number' &&
          typeof error.message === 'string' &&
          typeof error.status === 'string'
        : typeof error?.message === 'string' && typeof error.type === 'string';
  if (!ok) throw new Error(`not a ${protocol} error: ${JSON.stringify(body).slice(0, 200)}`);
}

function parseJson(text: string): Record<string, unknown> {
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null) throw new Error(`not an object: ${text}`);
  return parsed as Record<string, unknown>;
}
