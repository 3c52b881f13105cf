import { usagePayload } from '../../test/support/usage-payload';
import type { RecordUsagePayload } from '../jobs/job-payloads';
import { LedgerBatch } from './ledger-batch';
import { decodeLedgerCopyText, LEDGER_COPY_COLUMNS, ledgerCopyText } from './ledger-copy';

/** Records whose every field kind is represented: nulls, escapes, JSON, false, zero. */
function variedRecords(): RecordUsagePayload[] {
  return [
    usagePayload({
      attemptLog: [
        {
          providerId: 'p-1',
          providerType: 'anthropic',
          outcome: 'say "a\\b"\t',
          httpStatus: 502,
          ms: 12,
        },
      ],
      attempts: 2,
    }),
    usagePayload({
      stream: false,
      sessionId: '\\N',
      requestedModel: 'a\tb\nc\rd\\e',
      providerId: null,
      costUsd: null,
      httpStatus: null,
      ttfbMs: null,
      reasoningTokens: 0,
    }),
  ];
}

/** A record as it comes back: an absent attempt log is a null one. */
const asDecoded = (record: RecordUsagePayload): RecordUsagePayload =>
  ({
    ...record,
    attemptLog: record.attemptLog ?? null,
  }) as RecordUsagePayload;

describe('LedgerBatch', () => {
  it('should give back the records its COPY text was made from, field for field', () => {
    const records = variedRecords();
    const text = ledgerCopyText(records);
    expect(decodeLedgerCopyText(LEDGER_COPY_COLUMNS, text)).toEqual(records.map(asDecoded));
    expect(LedgerBatch.ofCopyText(LEDGER_COPY_COLUMNS, text, 2).records()).toEqual(
      records.map(asDecoded),
    );
  });

  it("should hand on text in this release's columns as it came, without re-encoding it", () => {
    // COPY reads `t` as true; re-encoding the record would write `true`.
    const fields = ledgerCopyText([usagePayload()]).slice(0, -1).split('\t');
    fields[LEDGER_COPY_COLUMNS.indexOf('stream')] = 't';
    const text = `${fields.join('\t')}\n`;
    const batch = LedgerBatch.ofCopyText(LEDGER_COPY_COLUMNS, text, 1);
    expect(batch.copyText()).toBe(text);
    expect(batch.records()[0]?.stream).toBe(true);
  });

  it("should write text in another release's columns again in this release's", () => {
    const records = variedRecords();
    const own = ledgerCopyText(records);
    const columns = [...LEDGER_COPY_COLUMNS].reverse();
    const reversed = own
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => `${line.split('\t').reverse().join('\t')}\n`)
      .join('');
    const batch = LedgerBatch.ofCopyText(columns, reversed, 2);
    expect(batch.copyText()).toBe(own);
    expect(batch.records()).toEqual(records.map(asDecoded));
  });

  it('should drop columns it does not know and leave those the text lacks null', () => {
    const record = usagePayload();
    const columns = ['request_id', 'mystery', 'output_tokens'];
    const [decoded] = decodeLedgerCopyText(columns, `${record.requestId}\tx\t77\n`);
    expect(decoded).toMatchObject({ requestId: record.requestId, outputTokens: 77, userId: null });
    expect(decoded).not.toHaveProperty('mystery');
  });

  it('should join batches into one text and count their records', () => {
    const [a, b] = [variedRecords(), [usagePayload()]];
    const joined = LedgerBatch.concat([
      LedgerBatch.of(a),
      LedgerBatch.ofCopyText(LEDGER_COPY_COLUMNS, ledgerCopyText(b), 1),
    ]);
    expect(joined.count).toBe(3);
    expect(joined.copyText()).toBe(ledgerCopyText([...a, ...b]));
  });

  it('should end a text that lacks its last newline with one, so that joined texts keep their lines', () => {
    const [a, b] = [[usagePayload()], [usagePayload()]];
    const unterminated = ledgerCopyText(a).slice(0, -1);
    const joined = LedgerBatch.concat([
      LedgerBatch.ofCopyText(LEDGER_COPY_COLUMNS, unterminated, 1),
      LedgerBatch.ofCopyText(LEDGER_COPY_COLUMNS, ledgerCopyText(b), 1),
    ]);
    expect(joined.copyText()).toBe(ledgerCopyText([...a, ...b]));
  });

  it('should take a batch as itself and records as a batch of them', () => {
    const records = [usagePayload()];
    const batch = LedgerBatch.of(records);
    expect(LedgerBatch.of(batch)).toBe(batch);
    expect(batch.records()).toBe(records);
    expect(batch.count).toBe(1);
  });
});
