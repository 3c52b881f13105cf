import { createHash } from 'node:crypto';
import { generateApiKey, hashApiKey, looksLikeApiKey } from './api-key';
import { secretsEqual } from './constant-time';
import { decodeMasterKey } from './master-key';
import { maskSecret, SecretBox } from './secret-box';

describe('SecretBox', () => {
  const box = new SecretBox(Buffer.alloc(32, 3));

  it('should round-trip a secret and never store it in clear', () => {
    const sealed = box.seal('sk-ant-secret-value');
    expect(sealed).not.toContain('sk-ant-secret-value');
    expect(box.open(sealed)).toBe('sk-ant-secret-value');
  });

  it('should use a fresh IV for every seal', () => {
    expect(box.seal('same')).not.toBe(box.seal('same'));
  });

  it('should refuse a tampered ciphertext', () => {
    const parts = box.seal('secret').split(':');
    const ciphertext = Buffer.from(parts[4] ?? '', 'base64url');
    ciphertext[0] = (ciphertext[0] ?? 0) ^ 0xff;
    parts[4] = ciphertext.toString('base64url');
    expect(() => box.open(parts.join(':'))).toThrow();
  });

  it('should refuse a value sealed under another master key', () => {
    const other = new SecretBox(Buffer.alloc(32, 4));
    expect(() => box.open(other.seal('secret'))).toThrow(/not the current master key/);
  });
});

describe('decodeMasterKey', () => {
  it('should accept 32 bytes as hex, base64 and base64url', () => {
    const bytes = Buffer.alloc(32, 250);
    expect(decodeMasterKey(bytes.toString('hex'))).toEqual(bytes);
    expect(decodeMasterKey(bytes.toString('base64'))).toEqual(bytes);
    expect(decodeMasterKey(bytes.toString('base64url'))).toEqual(bytes);
  });

  it('should refuse other lengths', () => {
    expect(decodeMasterKey(Buffer.alloc(31).toString('base64'))).toBeNull();
    expect(decodeMasterKey('zz'.repeat(32))).toBeNull();
  });
});

describe('hashApiKey', () => {
  it('should be the hex SHA-256 of the key as UTF-8, as stored for every existing key', () => {
    expect(hashApiKey('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(hashApiKey('sk-cch-é')).toBe(
      createHash('sha256').update(Buffer.from('sk-cch-é', 'utf8')).digest('hex'),
    );
  });
});

describe('generateApiKey', () => {
  it('should produce sk-cch- plus 48 base62 chars with a matching hash and prefix', () => {
    const key = generateApiKey();
    expect(key.plaintext).toMatch(/^sk-cch-[0-9A-Za-z]{48}$/);
    expect(key.hash).toBe(hashApiKey(key.plaintext));
    expect(key.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(key.plaintext.startsWith(key.prefix)).toBe(true);
    expect(looksLikeApiKey(key.plaintext)).toBe(true);
  });

  it('should never repeat', () => {
    const keys = new Set(Array.from({ length: 1000 }, () => generateApiKey().plaintext));
    expect(keys.size).toBe(1000);
  });
});

describe('secretsEqual', () => {
  it('should compare exactly', () => {
    expect(secretsEqual('abc', 'abc')).toBe(true);
    expect(secretsEqual('abc', 'abd')).toBe(false);
    expect(secretsEqual('abc', 'abcd')).toBe(false);
  });
});

describe('maskSecret', () => {
  it('should keep only the ends of a long secret', () => {
    expect(maskSecret('sk-ant-api03-abcdefghijklmnop')).toBe('sk-a…mnop');
    expect(maskSecret('short')).toBe('…');
  });
});
