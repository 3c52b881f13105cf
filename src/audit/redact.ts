const SECRET_FIELDS = new Set([
  'apikey',
  'apikeyencrypted',
  'key',
  'keyhash',
  'token',
  'secret',
  'password',
  'authorization',
]);

/** Deep copy with every secret-bearing field replaced, for audit rows and logs. */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(redactSecrets);
  }
  if (value instanceof Date) {
    return value.toISOString();
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([field, inner]) => [
        field,
        SECRET_FIELDS.has(field.toLowerCase()) ? '[redacted]' : redactSecrets(inner),
      ]),
    );
  }
  return value;
}
