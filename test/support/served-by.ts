import { call, JsonResponse } from './http';
import { FakeAnthropic } from './fake-anthropic';

/** A minimal Anthropic Messages request with a gateway key, as Claude Code's smallest call. */
export function askMessages(baseUrl: string, key: string): Promise<JsonResponse> {
  return call(baseUrl, 'POST', '/v1/messages', {
    token: null,
    headers: { 'x-api-key': key },
    body: {
      model: 'claude-sonnet-4-6',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
    },
  });
}

/**
 * Asks until `expected` serves (an admin change reaches the routing snapshot over pub/sub, so
 * not necessarily on the first request), then `thenAlso` more times, all of which `expected`
 * must serve and `other` must not see.
 */
export async function servedBy(
  ask: () => Promise<JsonResponse>,
  expected: FakeAnthropic,
  other: FakeAnthropic,
  thenAlso = 2,
): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const before = expected.requests.length;
    expect((await ask()).status).toBe(200);
    if (expected.requests.length > before) break;
    if (Date.now() > deadline) throw new Error('the expected provider never served');
  }
  const before = { expected: expected.requests.length, other: other.requests.length };
  for (let i = 0; i < thenAlso; i += 1) expect((await ask()).status).toBe(200);
  expect(expected.requests.length).toBe(before.expected + thenAlso);
  expect(other.requests.length).toBe(before.other);
}
