import { csvFileName, numeric, toCsv } from './csv';

describe('toCsv', () => {
  it('should quote commas, quotes and line breaks as RFC 4180 says, with CRLF line ends', () => {
    const csv = toCsv(
      ['name', 'cost'],
      [
        ['Ada, "the Countess"', numeric('1.5000000000')],
        ['two\nlines', numeric('0')],
        [null, 3],
      ],
    );
    expect(csv).toBe(
      'name,cost\r\n"Ada, ""the Countess""",1.5000000000\r\n"two\nlines",0\r\n,3\r\n',
    );
  });

  it('should defuse spreadsheet formulas in text but leave numbers alone', () => {
    expect(toCsv(['m'], [['=HYPERLINK("x")'], ['-1'], [numeric('-1')]])).toBe(
      'm\r\n"\'=HYPERLINK(""x"")"\r\n\'-1\r\n-1\r\n',
    );
  });

  it('should make file names header-safe', () => {
    expect(csvFileName(['cch-costs', 'user', '2026-03-01T00:00:00.000Z', ''])).toBe(
      'cch-costs_user_2026-03-01T00-00-00.000Z.csv',
    );
  });
});
