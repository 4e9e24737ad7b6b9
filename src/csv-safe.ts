// CSV cells for files that people open in spreadsheets (print-house manifests, exported lists).
// A cell that begins with = + - @ TAB or CR is read as a formula by Excel and LibreOffice, so a
// customer who types "=HYPERLINK(...)" as their name could run code on an operator's machine
// (OWASP "CSV injection"); a leading single quote makes the spreadsheet show it as text.
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One CSV cell: strings are neutralised against formula injection and quoted when needed. */
export function csvCell(value: string | number): string {
  if (typeof value === 'number') {
    // Numbers are ours (sequence, page numbers), never user text: a negative one stays a number.
    return String(value);
  }
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** One CSV line, without the line terminator (the caller joins lines with CRLF). */
export function csvRow(values: ReadonlyArray<string | number>): string {
  return values.map(csvCell).join(',');
}
