import { RecordUsageCopyPayload, RecordUsagePayload } from '../jobs/job-payloads';
import { LEDGER_COLUMNS } from './ledger-columns';

/** The ledger's column names in the order `ledgerCopyText` writes the fields of each line. */
export const LEDGER_COPY_COLUMNS: readonly string[] = LEDGER_COLUMNS.map(([, column]) => column);

/**
 * Batches reach the ledger through COPY rather than INSERT: Postgres spends about half the CPU
 * per row (measured with `npm run bench:ledger`). COPY has no ON CONFLICT, so a batch that
 * repeats a request id already written fails whole, writes nothing, and is inserted again with
 * the idempotent INSERT (see UsageRecordsRepository.insertMany).
 */
export const COPY_LEDGER = `COPY usage_records (${LEDGER_COPY_COLUMNS.join(', ')}) FROM STDIN`;

const FIELDS = LEDGER_COLUMNS.map(([field]) => field);

/** Characters COPY's text format gives a meaning to, inside a field. */
const SPECIAL = /[\\\t\n\r]/;
const SPECIAL_ALL = /[\\\t\n\r]/g;
const ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
};

/** One field in COPY's text format: `\N` for null, JSON for the attempt log, the rest as text. */
function copyField(value: RecordUsagePayload[keyof RecordUsagePayload]): string {
  if (value === null || value === undefined) return '\\N';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return SPECIAL.test(text) ? text.replace(SPECIAL_ALL, (char) => ESCAPES[char] ?? char) : text;
}

/** The records as COPY text: one line per record, fields in LEDGER_COLUMNS order, tab-separated. */
export function ledgerCopyText(records: readonly RecordUsagePayload[]): string {
  let text = '';
  for (const record of records) {
    let separator = '';
    for (const field of FIELDS) {
      text += separator + copyField(record[field]);
      separator = '\t';
    }
    text += '\n';
  }
  return text;
}

/** The records as a usage job carries them (JobName.RecordUsageCopy): this release's columns. */
export function ledgerCopyPayload(records: readonly RecordUsagePayload[]): RecordUsageCopyPayload {
  return {
    columns: [...LEDGER_COPY_COLUMNS],
    count: records.length,
    text: ledgerCopyText(records),
  };
}

const UNESCAPES: Readonly<Record<string, string>> = { '\\': '\\', t: '\t', n: '\n', r: '\r' };

/** One field of a line back to its value: the inverse of `copyField` for the column's type. */
function fieldValue(text: string, type: string): unknown {
  if (text === '\\N') return null;
  const value = text.includes('\\')
    ? text.replace(/\\(.)/g, (escape: string, char: string) => UNESCAPES[char] ?? escape)
    : text;
  if (type === 'boolean') return value === 'true' || value === 't';
  if (type === 'bigint' || type === 'integer') return Number(value);
  if (type === 'jsonb') return JSON.parse(value) as unknown;
  return value;
}

const TYPE_OF_COLUMN = new Map(
  LEDGER_COLUMNS.map(([field, column, type]) => [column, { field, type }]),
);

/**
 * Records back from COPY text whose lines carry `columns` (a job's, which may be an older or newer
 * release's list): what the ledger's fallbacks (an `INSERT` that skips duplicates, row by row)
 * and a change of columns need. A column this release does not know is dropped; one it knows
 * that the text lacks is null.
 */
export function decodeLedgerCopyText(
  columns: readonly string[],
  text: string,
): RecordUsagePayload[] {
  const known = columns.map((column) => TYPE_OF_COLUMN.get(column));
  const records: RecordUsagePayload[] = [];
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    const fields = line.split('\t');
    const record: Record<string, unknown> = {};
    for (const [field] of LEDGER_COLUMNS) record[field] = null;
    known.forEach((column, index) => {
      if (column) record[column.field] = fieldValue(fields[index] ?? '\\N', column.type);
    });
    records.push(record as unknown as RecordUsagePayload);
  }
  return records;
}
