import { hash, randomBytes } from 'node:crypto';

export const API_KEY_PREFIX = 'sk-cch-';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SECRET_CHARS = 48;
/** Characters of the key kept in clear so people can tell their keys apart. */
const VISIBLE_PREFIX_CHARS = API_KEY_PREFIX.length + 6;

export interface GeneratedApiKey {
  plaintext: string;
  hash: string;
  prefix: string;
}

/** `sk-cch-` + 48 base62 characters (~285 bits), drawn without modulo bias. */
export function generateApiKey(): GeneratedApiKey {
  let secret = '';
  while (secret.length < SECRET_CHARS) {
    for (const byte of randomBytes(64)) {
      // 62 * 4 = 248: bytes at or above it would bias the first characters.
      if (byte < 248 && secret.length < SECRET_CHARS) {
        secret += BASE62[byte % 62];
      }
    }
  }
  const plaintext = API_KEY_PREFIX + secret;
  return {
    plaintext,
    hash: hashApiKey(plaintext),
    prefix: plaintext.slice(0, VISIBLE_PREFIX_CHARS),
  };
}

/** SHA-256, hex. Once per proxied request: the one-shot `hash` costs a third of a `Hash` object. */
export function hashApiKey(plaintext: string): string {
  return hash('sha256', plaintext, 'hex');
}

export function looksLikeApiKey(value: string): boolean {
  return value.startsWith(API_KEY_PREFIX) && value.length === API_KEY_PREFIX.length + SECRET_CHARS;
}
