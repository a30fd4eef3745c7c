/**
 * CSV text (RFC 4180), one home for every export: CRLF after every record, a field quoted when it
 * holds a comma, a double quote, CR or LF (quotes doubled), a UTF-8 byte-order mark by default so
 * Excel shows Chinese. `safeText` neutralises a text cell a spreadsheet would run as a formula.
 */
export type CsvCell = string | number | null;

const NEEDS_QUOTES = /[",\r\n]/;
const FORMULA_START = /^[=+\-@\t\r]/;

/** One field: numbers as-is, null as empty, text quoted when needed. */
export function csvField(value: CsvCell): string {
  if (value === null) return "";
  const text = String(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Neutralise a text cell a spreadsheet would evaluate as a formula (`= + - @`, tab, CR → leading `'`). */
export function safeText(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** RFC 4180 text of the records (CRLF after every record), with a BOM unless `bom: false`. */
export function toCsv(records: readonly (readonly CsvCell[])[], opts: { bom?: boolean } = {}): string {
  const body = records.map((r) => `${r.map(csvField).join(",")}\r\n`).join("");
  return (opts.bom ?? true ? "\uFEFF" : "") + body;
}
