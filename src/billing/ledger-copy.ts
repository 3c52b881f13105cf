import { RecordUsagePayload } from '../jobs/job-payloads';
import { LEDGER_COLUMNS } from './ledger-columns';

/**
 * Batches reach the ledger through COPY rather than INSERT: Postgres spends about half the CPU
 * per row (measured with `npm run bench:ledger`). COPY has no ON CONFLICT, so a batch that
 * repeats a request id already written fails whole, writes nothing, and is inserted again with
 * the idempotent INSERT (see UsageRecordsRepository.insertMany).
 */
export const COPY_LEDGER = `COPY usage_records (${LEDGER_COLUMNS.map(([, column]) => column).join(', ')}) FROM STDIN`;

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
