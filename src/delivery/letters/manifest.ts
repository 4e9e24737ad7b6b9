import { csvRow } from '../../csv-safe.js';

export interface ManifestRow {
  sequence: number;
  reference: string;
  pageFrom: number;
  pageTo: number;
  name: string;
  addressLines: string[];
  postcode: string;
  town: string;
}

// Excel opens a CSV as the local ANSI code page unless it starts with a UTF-8 BOM, which would
// turn every Cyrillic name into mojibake; RFC 4180 asks for CRLF line ends.
const BOM = '\uFEFF';
const CRLF = '\r\n';

/**
 * The print house's manifest: one line per letter with its page range in the PDF, so the
 * inserter can split the PDF into envelopes, and the address for its own checks.
 */
export function manifestCsv(rows: ReadonlyArray<ManifestRow>): string {
  // Print-house tools want fixed columns, so address lines get as many columns as the longest has.
  const addressColumns = Math.max(1, ...rows.map((r) => r.addressLines.length));
  const header = [
    'sequence',
    'reference',
    'page_from',
    'page_to',
    'pages',
    'name',
    ...Array.from({ length: addressColumns }, (_, i) => `address_line_${i + 1}`),
    'postcode',
    'town',
  ];
  const lines = [csvRow(header)];
  for (const r of rows) {
    const address = Array.from({ length: addressColumns }, (_, i) => r.addressLines[i] ?? '');
    lines.push(
      csvRow([r.sequence, r.reference, r.pageFrom, r.pageTo, r.pageTo - r.pageFrom + 1, r.name, ...address, r.postcode, r.town]),
    );
  }
  return BOM + lines.join(CRLF) + CRLF;
}
