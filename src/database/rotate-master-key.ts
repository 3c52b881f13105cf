import 'dotenv/config';
import { DataSource } from 'typeorm';
import { decodeMasterKey } from '../common/crypto/master-key';
import { SecretBox } from '../common/crypto/secret-box';
import { buildDataSourceOptions } from './data-source-options';

export interface RotationSummary {
  oldKeyId: string;
  newKeyId: string;
  /** Every provider row, soft-deleted ones included (their secrets are still at rest). */
  total: number;
  resealed: number;
  alreadyCurrent: number;
}

/** Thrown (and nothing changed) when some rows open with neither key. */
export class RotationRefusedError extends Error {
  constructor(readonly providerIds: string[]) {
    super(
      `${providerIds.length} provider secret(s) open with neither MASTER_KEY nor NEW_MASTER_KEY: ` +
        `${providerIds.join(', ')}; nothing was changed`,
    );
    this.name = 'RotationRefusedError';
  }
}

function toKey(value: string | Buffer, name: string): Buffer {
  const key = Buffer.isBuffer(value) ? value : decodeMasterKey(value);
  if (!key || key.length !== 32) {
    throw new Error(`${name} must be 32 bytes encoded as base64 (44 chars) or hex (64 chars)`);
  }
  return key;
}

function opens(box: SecretBox, sealed: string): boolean {
  try {
    box.open(sealed);
    return true;
  } catch {
    return false;
  }
}

/**
 * Re-seals every provider's `api_key_encrypted` under `newKey`, in one transaction with the rows
 * locked. Idempotent: values already sealed by the new key are left alone. If any value opens with
 * neither key, throws `RotationRefusedError` and the transaction rolls back (nothing changes).
 */
export async function rotateMasterKey(
  dataSource: DataSource,
  oldKey: string | Buffer,
  newKey: string | Buffer,
): Promise<RotationSummary> {
  const oldBox = new SecretBox(toKey(oldKey, 'MASTER_KEY'));
  const newBox = new SecretBox(toKey(newKey, 'NEW_MASTER_KEY'));
  if (oldBox.keyId === newBox.keyId) {
    throw new Error('NEW_MASTER_KEY is the same key as MASTER_KEY');
  }
  return dataSource.transaction(async (manager) => {
    // Raw SQL so soft-deleted rows are rotated too, and FOR UPDATE so no admin write interleaves.
    const rows: { id: string; api_key_encrypted: string }[] = await manager.query(
      'SELECT id, api_key_encrypted FROM providers ORDER BY id FOR UPDATE',
    );
    const unreadable: string[] = [];
    const updates: { id: string; sealed: string }[] = [];
    let alreadyCurrent = 0;
    for (const row of rows) {
      if (opens(newBox, row.api_key_encrypted)) {
        alreadyCurrent += 1;
        continue;
      }
      let plaintext: string;
      try {
        plaintext = oldBox.open(row.api_key_encrypted);
      } catch {
        unreadable.push(row.id);
        continue;
      }
      updates.push({ id: row.id, sealed: newBox.seal(plaintext) });
    }
    if (unreadable.length > 0) {
      throw new RotationRefusedError(unreadable);
    }
    for (const update of updates) {
      await manager.query('UPDATE providers SET api_key_encrypted = $1 WHERE id = $2', [
        update.sealed,
        update.id,
      ]);
    }
    return {
      oldKeyId: oldBox.keyId,
      newKeyId: newBox.keyId,
      total: rows.length,
      resealed: updates.length,
      alreadyCurrent,
    };
  });
}

/** `npm run rotate-master-key` (DATABASE_URL, MASTER_KEY = current, NEW_MASTER_KEY = new). */
async function main(): Promise<void> {
  const { DATABASE_URL, MASTER_KEY, NEW_MASTER_KEY } = process.env;
  if (!DATABASE_URL || !MASTER_KEY || !NEW_MASTER_KEY) {
    throw new Error('DATABASE_URL, MASTER_KEY and NEW_MASTER_KEY must all be set');
  }
  const dataSource = await new DataSource(buildDataSourceOptions(DATABASE_URL)).initialize();
  try {
    const summary = await rotateMasterKey(dataSource, MASTER_KEY, NEW_MASTER_KEY);
    process.stdout.write(
      `master key rotated ${summary.oldKeyId} -> ${summary.newKeyId}: ${summary.total} provider ` +
        `secret(s), ${summary.resealed} re-sealed, ${summary.alreadyCurrent} already under the ` +
        `new key.\nNow set MASTER_KEY to the new key and restart every CCH process.\n`,
    );
  } finally {
    await dataSource.destroy();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `master key rotation failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  });
}
