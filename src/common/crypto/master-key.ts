const KEY_BYTES = 32;

/** Accepts 32 bytes as 64 hex chars or as base64/base64url; returns null for anything else. */
export function decodeMasterKey(encoded: string): Buffer | null {
  const value = encoded.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) {
    return Buffer.from(value, 'hex');
  }
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) {
    const bytes = Buffer.from(value, 'base64');
    return bytes.length === KEY_BYTES ? bytes : null;
  }
  return null;
}
