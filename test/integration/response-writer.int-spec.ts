import { once } from 'node:events';
import { createServer, get, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { sendJson } from '../../src/proxy/response-writer';

/** `sendJson` over a real socket: the framing a client sees. */
describe('sendJson', () => {
  let server: Server;
  let body: Buffer | string = '';
  let url = '';

  beforeAll(async () => {
    server = createServer((_, response) => sendJson(response, 200, body, { 'x-test': '1' }));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  afterAll(async () => {
    server.close();
    await once(server, 'close');
  });

  async function fetchRaw(): Promise<{ answer: IncomingMessage; bytes: Buffer }> {
    const answer = await new Promise<IncomingMessage>((resolve, reject) =>
      get(url, resolve).on('error', reject),
    );
    const parts: Buffer[] = [];
    for await (const part of answer) parts.push(part as Buffer);
    return { answer, bytes: Buffer.concat(parts) };
  }

  it.each([
    ['ASCII text', '{"ok":true}'],
    ['text with multi-byte characters', '{"message":"modèle « claude » introuvable — 模型"}'],
    ['a buffer', Buffer.from('{"id":"msg_1","usage":{"input_tokens":3}}')],
  ])('should send %s whole, with its length in bytes and no chunking', async (_, sent) => {
    body = sent;
    const { answer, bytes } = await fetchRaw();
    const expected = typeof sent === 'string' ? Buffer.from(sent, 'utf8') : sent;
    expect(answer.headers['transfer-encoding']).toBeUndefined();
    expect(answer.headers['content-length']).toBe(String(expected.length));
    expect(answer.headers['content-type']).toBe('application/json');
    expect(answer.headers['x-test']).toBe('1');
    expect(bytes.equals(expected)).toBe(true);
  });
});
