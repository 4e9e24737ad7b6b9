// CSV cells for files that people open in spreadsheets (print-house manifests, exported lists).
// A cell that begins with = + - @ TAB or CR is read as a formula by Excel and LibreOffice, so a
// customer who types "=HYPERLINK(...)" as their name could run code on an operator's machine
// (OWASP "CSV injection"); a leading single quote makes the spreadsheet show it as text.
//
// The start of the cell is not enough: Excel splits on the list separator of the machine's locale,
// which is ';' in Bulgaria, and it reads a quoted field as quoted only when the quote opens the
// field. So "Ivan;=cmd|' /C calc'!A0" in a ','-file becomes the cell "=cmd|..." there, and a line
// break inside a quoted cell starts a new row. Every place inside a text cell where a spreadsheet
// using either separator could start a cell is therefore neutralised too.
const CELL_STARTS = /(?<=(?:^|[,;\r\n])[ "]*)(?=[=+\-@\t\r])/g;
const NEEDS_QUOTES = /[",;\r\n]/;
// A plain decimal ("-12.50") is a number to any spreadsheet, never a formula: amounts stay numbers.
const PLAIN_NUMBER = /^[-+]?\d+(\.\d+)?$/;

/**
 * One CSV cell: strings are neutralised against formula injection and quoted when needed. A plain
 * number is left as it is unless `first`: opened with the other separator, a whole line is one cell,
 * and one that begins with a minus is read as a formula.
 */
export function csvCell(value: string | number, first = false): string {
  const text = String(value);
  const safe = !first && PLAIN_NUMBER.test(text) ? text : text.replace(CELL_STARTS, "'");
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** One CSV line, without the line terminator (the caller joins lines with CRLF). */
export function csvRow(values: ReadonlyArray<string | number>): string {
  return values.map((v, i) => csvCell(v, i === 0)).join(',');
}
