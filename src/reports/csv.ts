/** A CSV cell: text is guarded against spreadsheet formulas, numbers-as-strings are not. */
export type CsvCell = string | number | null | { numeric: string };

const NEEDS_QUOTES = /[",\r\n]/;
/** Cells a spreadsheet would evaluate as a formula (OWASP "CSV injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** Marks a decimal or integer string as a number column: written verbatim, never guarded. */
export function numeric(value: string | number): { numeric: string } {
  return { numeric: String(value) };
}

function cellText(cell: CsvCell): string {
  if (cell === null) return '';
  if (typeof cell === 'number') return String(cell);
  if (typeof cell === 'object') return cell.numeric;
  return FORMULA_START.test(cell) ? `'${cell}` : cell;
}

function quote(text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * RFC 4180: CRLF line ends, a header row, fields with commas, quotes or line breaks quoted and
 * their quotes doubled. Null is an empty field. Text starting with = + - @ gets a leading `'` so
 * that a spreadsheet shows it instead of evaluating it.
 */
export function toCsv(header: string[], rows: CsvCell[][]): string {
  const lines = [header.map(quote).join(',')];
  for (const row of rows) {
    lines.push(row.map((cell) => quote(cellText(cell))).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** A file name safe in `content-disposition` (no quotes, slashes or non-ASCII). */
export function csvFileName(parts: string[]): string {
  const base = parts
    .filter((part) => part.length > 0)
    .join('_')
    .replace(/[^A-Za-z0-9._-]+/g, '-');
  return `${base}.csv`;
}
