import { redactSecrets } from './redact';

describe('redactSecrets', () => {
  it('should replace secret fields at any depth and keep the rest', () => {
    const result = redactSecrets({
      name: 'p',
      apiKey: 'sk-secret',
      nested: { token: 't', keep: 1, list: [{ password: 'x', ok: true }] },
      keyPrefix: 'sk-cch-abc',
    });
    expect(result).toEqual({
      name: 'p',
      apiKey: '[redacted]',
      nested: { token: '[redacted]', keep: 1, list: [{ password: '[redacted]', ok: true }] },
      keyPrefix: 'sk-cch-abc',
    });
    expect(JSON.stringify(result)).not.toContain('sk-secret');
  });
});
