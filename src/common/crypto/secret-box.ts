import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const FORMAT_VERSION = 'v1';

/**
 * Encrypts provider secrets at rest with AES-256-GCM under the master key.
 * Stored form: `v1:<keyId>:<iv>:<tag>:<ciphertext>` (base64url parts). The key id (first bytes of
 * the key's SHA-256) lets a rotation command tell which key sealed a value.
 */
export class SecretBox {
  readonly keyId: string;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) {
      throw new Error('SecretBox needs a 32-byte key');
    }
    this.keyId = createHash('sha256').update(key).digest('hex').slice(0, 8);
  }

  seal(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.key, iv);
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [FORMAT_VERSION, this.keyId, iv, tag, ciphertext]
      .map((part) => (Buffer.isBuffer(part) ? part.toString('base64url') : part))
      .join(':');
  }

  open(sealed: string): string {
    const [version, keyId, iv, tag, ciphertext] = sealed.split(':');
    if (version !== FORMAT_VERSION || !iv || !tag || ciphertext === undefined) {
      throw new Error('Unrecognised sealed secret format');
    }
    if (keyId !== this.keyId) {
      throw new Error(`Secret was sealed with key ${keyId}, not the current master key`);
    }
    const decipher = createDecipheriv(ALGORITHM, this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([
      decipher.update(Buffer.from(ciphertext, 'base64url')),
      decipher.final(),
    ]).toString('utf8');
  }
}

/** A preview that identifies a secret to a human without revealing it: `sk-a…wxyz`. */
export function maskSecret(secret: string): string {
  if (secret.length <= 8) {
    return '…';
  }
  return `${secret.slice(0, 4)}…${secret.slice(-4)}`;
}
