import type { RecordUsagePayload } from '../jobs/job-payloads';
import { decodeLedgerCopyText, LEDGER_COPY_COLUMNS, ledgerCopyText } from './ledger-copy';

/** Records as the ledger's writers take them: a batch, or the objects themselves. */
export type LedgerRecords = LedgerBatch | readonly RecordUsagePayload[];

/**
 * Usage records on their way into the ledger, held in whichever form they came: objects (the
 * gateway's, a spool line's, a job of an older release) or `COPY` text (what gateways enqueue).
 * The ledger's usual write, one `COPY`, needs only the text; its fallbacks (an `INSERT` that skips
 * duplicates, row by row) need the objects. Each form is made from the other only when asked for,
 * so a worker passes a job's text to Postgres without ever building its records.
 */
export class LedgerBatch {
  private constructor(
    readonly count: number,
    private objects: readonly RecordUsagePayload[] | null,
    private text: string | null,
    /** The columns the text's lines carry. */
    private columns: readonly string[],
  ) {}

  /** The batch itself, or one of the records given. */
  static of(records: LedgerRecords): LedgerBatch {
    return records instanceof LedgerBatch
      ? records
      : new LedgerBatch(records.length, records, null, LEDGER_COPY_COLUMNS);
  }

  /** `count` lines of `COPY` text whose fields are `columns`, in order. */
  static ofCopyText(columns: readonly string[], text: string, count: number): LedgerBatch {
    // Every line ends in a newline, the last one too, so that texts can be joined as they are.
    const lines = text.length === 0 || text.endsWith('\n') ? text : `${text}\n`;
    return new LedgerBatch(count, null, lines, columns);
  }

  /** Batches as one, for a single `COPY`: their texts joined when each is in this release's columns. */
  static concat(batches: readonly LedgerBatch[]): LedgerBatch {
    const count = batches.reduce((sum, batch) => sum + batch.count, 0);
    return new LedgerBatch(
      count,
      null,
      batches.map((batch) => batch.copyText()).join(''),
      LEDGER_COPY_COLUMNS,
    );
  }

  records(): readonly RecordUsagePayload[] {
    this.objects ??= decodeLedgerCopyText(this.columns, this.text ?? '');
    return this.objects;
  }

  /** The records as `COPY` text in this release's columns (`COPY_LEDGER`). */
  copyText(): string {
    if (this.text === null || !sameColumns(this.columns, LEDGER_COPY_COLUMNS)) {
      this.text = ledgerCopyText(this.records());
      this.columns = LEDGER_COPY_COLUMNS;
    }
    return this.text;
  }
}

function sameColumns(a: readonly string[], b: readonly string[]): boolean {
  return a === b || (a.length === b.length && a.every((column, index) => column === b[index]));
}
