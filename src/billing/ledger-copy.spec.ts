import { RecordUsagePayload } from '../jobs/job-payloads';
import { LEDGER_COLUMNS } from './ledger-columns';
import { COPY_LEDGER, ledgerCopyText } from './ledger-copy';
import { usagePayload } from '../../test/support/usage-payload';

/** A record with fixed ids and time, so its fields can be compared as text. */
function record(overrides: Partial<RecordUsagePayload> = {}): RecordUsagePayload {
  return usagePayload({
    requestId: 'req-1',
    upstreamModel: null,
    sessionId: null,
    createdAt: '2026-11-27T10:00:00.123Z',
    ...overrides,
  });
}

/** The fields of each line, still escaped. */
function fieldsOf(text: string): string[][] {
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => line.split('\t'));
}

/** Field `field` of a one-record text, still escaped. */
function field(text: string, name: keyof RecordUsagePayload): string | undefined {
  const index = LEDGER_COLUMNS.findIndex(([payloadField]) => payloadField === name);
  return fieldsOf(text)[0]?.[index];
}

describe('the ledger COPY text', () => {
  it('should name every ledger column, in the order the lines carry them', () => {
    const columns = LEDGER_COLUMNS.map(([, column]) => column).join(', ');
    expect(COPY_LEDGER).toBe(`COPY usage_records (${columns}) FROM STDIN`);
  });

  it('should write one line per record with one field per column', () => {
    const lines = fieldsOf(ledgerCopyText([record(), record({ requestId: 'req-2' })]));
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toHaveLength(LEDGER_COLUMNS.length);
    expect(lines.map((line) => line[0])).toEqual(['req-1', 'req-2']);
  });

  it('should write nothing for no records', () => {
    expect(ledgerCopyText([])).toBe('');
  });

  it('should write null, and a missing attempt log, as \\N', () => {
    const text = ledgerCopyText([record()]);
    expect(field(text, 'providerId')).toBe('\\N');
    expect(field(text, 'errorClass')).toBe('\\N');
    expect(field(text, 'attemptLog')).toBe('\\N');
  });

  it('should write numbers, booleans and decimal strings as Postgres reads them', () => {
    const text = ledgerCopyText([record({ stream: false })]);
    expect(field(text, 'inputTokens')).toBe('12');
    expect(field(text, 'stream')).toBe('false');
    expect(field(text, 'costUsd')).toBe('0.0012345678');
    expect(field(text, 'createdAt')).toBe('2026-11-27T10:00:00.123Z');
  });

  it('should escape the characters COPY gives a meaning to', () => {
    const text = ledgerCopyText([record({ requestedModel: 'a\tb\nc\rd\\e', sessionId: '\\N' })]);
    expect(fieldsOf(text)[0]).toHaveLength(LEDGER_COLUMNS.length);
    expect(field(text, 'requestedModel')).toBe('a\\tb\\nc\\rd\\\\e');
    // A session literally named \N stays a string, not a null.
    expect(field(text, 'sessionId')).toBe('\\\\N');
  });

  it('should write the attempt log as JSON, its backslashes escaped', () => {
    const attemptLog = [
      {
        providerId: 'p-1',
        providerType: 'anthropic',
        outcome: 'say "502"',
        httpStatus: 502,
        ms: 12,
      },
    ];
    const text = ledgerCopyText([record({ attemptLog })]);
    const unescaped = field(text, 'attemptLog')?.replace(/\\\\/g, '\\');
    expect(JSON.parse(unescaped ?? '')).toEqual(attemptLog);
    expect(field(text, 'attemptLog')).toContain('\\\\"502\\\\"');
  });
});
