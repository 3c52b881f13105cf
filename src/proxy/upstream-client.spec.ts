import { errors } from 'undici';
import { targetOf } from './upstream-client';

describe('targetOf', () => {
  it("should split a URL as undici's request(url) does, normalised by the URL parser", () => {
    expect(targetOf('https://API.Example.com:443/v1/messages?beta=true')).toEqual({
      origin: 'https://api.example.com',
      path: '/v1/messages?beta=true',
    });
    expect(targetOf('http://127.0.0.1:8080/v1beta/models/g:streamGenerateContent?alt=sse')).toEqual(
      {
        origin: 'http://127.0.0.1:8080',
        path: '/v1beta/models/g:streamGenerateContent?alt=sse',
      },
    );
    expect(targetOf('http://relay.internal/a/../v1/chat/completions')).toEqual({
      origin: 'http://relay.internal',
      path: '/v1/chat/completions',
    });
  });

  it('should parse each URL once and tell URLs that differ only in their query apart', () => {
    const first = targetOf('https://relay.example/v1/responses');
    expect(targetOf('https://relay.example/v1/responses')).toBe(first);
    expect(targetOf('https://relay.example/v1/responses?x=1').path).toBe('/v1/responses?x=1');
    // A very long URL is parsed alike but not kept.
    const long = `https://relay.example/v1/responses?q=${'a'.repeat(4_000)}`;
    expect(targetOf(long).path).toBe(`/v1/responses?q=${'a'.repeat(4_000)}`);
    expect(targetOf(long)).not.toBe(targetOf(long));
  });

  it('should refuse what is not an http(s) URL, as undici does', () => {
    expect(() => targetOf('ftp://files.example/v1/messages')).toThrow(errors.InvalidArgumentError);
    expect(() => targetOf('not a url')).toThrow('Invalid URL');
  });
});
