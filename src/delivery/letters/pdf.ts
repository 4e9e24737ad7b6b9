import PDFDocument from 'pdfkit';
import { createRequire } from 'node:module';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { readFileSync } from 'node:fs';
import { woffToSfnt } from './woff.js';

export interface Letter {
  /** Outbox message id or key; printed on every page so a page can be traced back. */
  reference: string;
  /** YYYY-MM-DD */
  date: string;
  sender: { name: string; addressLines: string[] };
  recipient: { name: string; addressLines: string[] };
  title: string;
  paragraphs: string[];
  invoices?: Array<{ number: string; dueDate: string; amount: string }>;
}

/** The utility's letterhead (BRAND_* settings): its logo (PNG or JPEG; null: none), colour and contacts. */
export interface LetterBrand {
  logo: Buffer | null;
  colour: string;
  phone: string;
  website: string;
}

export interface LetterRange {
  reference: string;
  pageFrom: number;
  pageTo: number;
}

// DejaVu Sans covers Latin, Cyrillic, digits, € and №. The fontsource "latin" files hold the
// whole font despite their name (checked: the 400 file has Ж, ъ, №, „ and €), unlike the npm
// Cyrillic-only subsets of other families. The WOFF files are unpacked to TrueType once per
// process (see woff.ts); pdfkit embeds a TrueType subset of the glyphs used (FontFile2).
const requireFromHere = createRequire(import.meta.url);
const FONT_REGULAR = requireFromHere.resolve('@fontsource/dejavu-sans/files/dejavu-sans-latin-400-normal.woff');
const FONT_BOLD = requireFromHere.resolve('@fontsource/dejavu-sans/files/dejavu-sans-latin-700-normal.woff');
let fonts: { regular: Buffer; bold: Buffer } | undefined;

function loadFonts(): { regular: Buffer; bold: Buffer } {
  fonts ??= { regular: woffToSfnt(readFileSync(FONT_REGULAR)), bold: woffToSfnt(readFileSync(FONT_BOLD)) };
  return fonts;
}

const mm = (v: number): number => (v * 72) / 25.4;

/*
 * Page geometry: A4 portrait (210 × 297 mm), DIN 5008 form B, for a DL (110 × 220 mm) or C5/6
 * (114 × 229 mm) envelope with a left window. The sheet is folded in three at 105 mm and 210 mm
 * from the top (fold marks on the left edge), which puts the address field behind the window:
 *
 *   address field   20 mm from the left edge, 45 mm from the top, 85 mm wide, 45 mm high
 *     ├─ 17.7 mm    additional-information zone; its last line carries the one-line return
 *     │             address in small type, so a returned letter reaches the sender
 *     └─ 27.3 mm    recipient zone, at most 6 lines; text starts 5 mm inside the field
 *                   (25 mm from the edge) so it keeps clear of the window's border
 *   info block      125 mm from the left, 50 mm from the top: date and reference
 *   body            25 mm left margin, 20 mm right margin, starting at 98.46 mm (form B)
 *   footer          12 mm above the bottom edge: reference and page number of the letter
 */
const PAGE_W = mm(210);
const PAGE_H = mm(297);
const LEFT = mm(25);
const RIGHT_MARGIN = mm(20);
const BODY_W = PAGE_W - LEFT - RIGHT_MARGIN;
const FIELD_X = mm(20);
const FIELD_Y = mm(45);
const FIELD_W = mm(85);
const INFO_ZONE_H = mm(17.7);
const RECIPIENT_ZONE_H = mm(27.3);
const TEXT_INSET = mm(5);
const INFO_X = mm(125);
const INFO_Y = mm(50);
const BODY_Y = mm(98.46);
const FOOTER_Y = PAGE_H - mm(12);
const FOLD_MARKS = [mm(105), mm(210)];
const MARGINS = { top: mm(20), bottom: mm(25), left: LEFT, right: RIGHT_MARGIN };

type Doc = PDFKit.PDFDocument;

function formatDate(iso: string, reference: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  const d = m === null ? null : new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (m === null || d === null || d.toISOString().slice(0, 10) !== iso) {
    throw new Error(`letter ${reference}: date must be YYYY-MM-DD, got ${JSON.stringify(iso)}`);
  }
  return `${m[3]}.${m[2]}.${m[1]}`;
}

/** Largest of the sizes at which every line fits the width and all lines fit the height. */
function fitSize(doc: Doc, font: string, lines: string[], width: number, height: number, sizes: number[]): number | null {
  doc.font(font);
  for (const size of sizes) {
    doc.fontSize(size);
    const fits = lines.every((l) => doc.widthOfString(l) <= width) && lines.length * doc.currentLineHeight(true) <= height;
    if (fits) return size;
  }
  return null;
}

function drawLines(doc: Doc, lines: string[], x: number, y: number, width: number): void {
  const step = doc.currentLineHeight(true);
  lines.forEach((line, i) => doc.text(line, x, y + i * step, { width, lineBreak: false }));
}

// The logo sits top right, inside this box, beside the sender's name and address.
const LOGO_W = mm(55);
const LOGO_H = mm(18);

function drawHead(doc: Doc, letter: Letter, date: string, brand: LetterBrand | undefined): void {
  // Letterhead: above the address field, so it never shows through the window.
  const headW = brand?.logo ? BODY_W - LOGO_W - mm(5) : BODY_W;
  if (brand?.logo) doc.image(brand.logo, PAGE_W - RIGHT_MARGIN - LOGO_W, mm(10), { fit: [LOGO_W, LOGO_H], align: 'right' });
  doc.font('bold').fontSize(12).fillColor(brand?.colour ?? 'black').text(letter.sender.name, LEFT, mm(15), { width: headW, lineBreak: false });
  doc.fillColor('black').font('regular').fontSize(8);
  const head = letter.sender.addressLines.slice(0, 4);
  if (brand) head.push(`Тел. / Phone: ${brand.phone} · ${brand.website.replace(/^https?:\/\//, '').replace(/\/$/, '')}`);
  drawLines(doc, head, LEFT, mm(15) + 16, headW);

  const textX = FIELD_X + TEXT_INSET;
  const textW = FIELD_W - TEXT_INSET * 2;
  // The post office needs the name and the postcode and town (the last line) most: drop the
  // street before shrinking below 6 pt, and cut with an ellipsis only as a last resort.
  const fullReturn = [letter.sender.name, ...letter.sender.addressLines].join(' · ');
  const shortReturn = [letter.sender.name, ...letter.sender.addressLines.slice(-1)].join(' · ');
  const returnSizes = [7, 6.5, 6];
  const fullSize = fitSize(doc, 'regular', [fullReturn], textW, INFO_ZONE_H, returnSizes);
  const returnLine = fullSize === null ? shortReturn : fullReturn;
  doc.font('regular').fontSize(fullSize ?? fitSize(doc, 'regular', [shortReturn], textW, INFO_ZONE_H, returnSizes) ?? 6);
  const returnY = FIELD_Y + INFO_ZONE_H - doc.currentLineHeight(true) - mm(1.5);
  doc.text(returnLine, textX, returnY, { width: textW, lineBreak: false, ellipsis: true, height: doc.currentLineHeight(true) });
  doc.moveTo(textX, FIELD_Y + INFO_ZONE_H - mm(1)).lineTo(textX + textW, FIELD_Y + INFO_ZONE_H - mm(1)).lineWidth(0.3).stroke('#888888');

  const recipient = [letter.recipient.name, ...letter.recipient.addressLines];
  const size = fitSize(doc, 'regular', recipient, textW, RECIPIENT_ZONE_H, [10, 9.5, 9, 8.5, 8]);
  if (size === null) {
    // A clipped address is an undeliverable letter: fail loudly instead of printing it.
    throw new Error(`letter ${letter.reference}: the recipient address does not fit the envelope window`);
  }
  doc.font('regular').fontSize(size).fillColor('black');
  drawLines(doc, recipient, textX, FIELD_Y + INFO_ZONE_H, textW);

  doc.font('regular').fontSize(9);
  const infoW = PAGE_W - RIGHT_MARGIN - INFO_X;
  doc.text(`Дата / Date: ${date}`, INFO_X, INFO_Y, { width: infoW });
  doc.text(`Реф. / Ref.: ${letter.reference}`, INFO_X, doc.y + 2, { width: infoW });

  for (const y of FOLD_MARKS) doc.moveTo(mm(4), y).lineTo(mm(9), y).lineWidth(0.3).stroke('#888888');
  doc.fillColor('black');
}

const COLUMNS = [
  { title: 'Фактура № / Invoice no.', width: mm(70), align: 'left' as const },
  { title: 'Падеж / Due date', width: mm(45), align: 'left' as const },
  { title: 'Сума / Amount', width: BODY_W - mm(115), align: 'right' as const },
];

function tableRow(doc: Doc, cells: string[], font: 'regular' | 'bold'): void {
  doc.font(font).fontSize(9);
  const height = Math.max(...cells.map((c, i) => doc.heightOfString(c, { width: (COLUMNS[i]?.width ?? 0) - 4 }))) + 4;
  if (doc.y + height > doc.page.maxY()) {
    doc.addPage();
    if (font === 'regular') tableRow(doc, COLUMNS.map((c) => c.title), 'bold');
    doc.font(font).fontSize(9);
  }
  const y = doc.y;
  let x = LEFT;
  cells.forEach((cell, i) => {
    const col = COLUMNS[i];
    if (col === undefined) return;
    doc.text(cell, x + 2, y + 2, { width: col.width - 4, align: col.align });
    x += col.width;
  });
  doc.moveTo(LEFT, y + height).lineTo(LEFT + BODY_W, y + height).lineWidth(font === 'bold' ? 0.8 : 0.3).stroke('#444444');
  doc.fillColor('black');
  doc.y = y + height;
}

function drawBody(doc: Doc, letter: Letter): void {
  doc.font('bold').fontSize(12).text(letter.title, LEFT, BODY_Y, { width: BODY_W });
  doc.moveDown(0.8);
  doc.font('regular').fontSize(10);
  for (const p of letter.paragraphs) {
    doc.font('regular').fontSize(10).text(p, LEFT, doc.y, { width: BODY_W, paragraphGap: 6, lineGap: 1.5 });
  }
  if (letter.invoices !== undefined && letter.invoices.length > 0) {
    doc.moveDown(0.5);
    tableRow(doc, COLUMNS.map((c) => c.title), 'bold');
    for (const inv of letter.invoices) tableRow(doc, [inv.number, inv.dueDate, inv.amount], 'regular');
  }
}

function drawFooter(doc: Doc, reference: string, page: number, of: number): void {
  // Writing below the bottom margin would make pdfkit start a new page.
  const bottom = doc.page.margins.bottom;
  doc.page.margins.bottom = 0;
  doc.font('regular').fontSize(7.5).fillColor('#444444');
  doc.text(`Реф. / Ref.: ${reference}`, LEFT, FOOTER_Y, { width: BODY_W / 2, lineBreak: false });
  doc.text(`Страница ${page} от ${of} / Page ${page} of ${of}`, LEFT + BODY_W / 2, FOOTER_Y, {
    width: BODY_W / 2,
    align: 'right',
    lineBreak: false,
  });
  doc.fillColor('black');
  doc.page.margins.bottom = bottom;
}

/** Waits while the PDF stream holds more than its buffer limit, so a big batch is never all in memory. */
async function drain(doc: Doc, out: NodeJS.WritableStream): Promise<void> {
  while (doc.readableLength > doc.readableHighWaterMark) {
    if (doc.readableFlowing === false) await once(out, 'drain');
    else await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * Renders the letters into one A4 PDF written to `out`, each letter starting on a new page.
 * Pages are flushed letter by letter. On an error (a date that is not YYYY-MM-DD, an address
 * too long for the window) the promise rejects and what reached `out` must be discarded. Returns the page count and each letter's page range.
 */
export async function renderLetters(letters: Letter[], out: NodeJS.WritableStream, brand?: LetterBrand): Promise<{ pages: number; ranges: LetterRange[] }> {
  if (letters.length === 0) throw new Error('renderLetters needs at least one letter');
  const dates = letters.map((l) => formatDate(l.date, l.reference));
  // bufferPages lets the footer say "page i of n" once the letter is laid out; the buffer is
  // flushed after every letter, so it holds one letter at a time.
  const doc = new PDFDocument({ size: 'A4', margins: MARGINS, autoFirstPage: false, bufferPages: true, info: { Title: 'Izvestie letters', Producer: 'izvestie' } });
  const { regular, bold } = loadFonts();
  doc.registerFont('regular', regular);
  doc.registerFont('bold', bold);
  doc.pipe(out);
  const done = finished(out, { readable: false });

  const ranges: LetterRange[] = [];
  let pages = 0;
  try {
    for (const [i, letter] of letters.entries()) {
      doc.addPage();
      drawHead(doc, letter, dates[i] ?? '', brand);
      drawBody(doc, letter);
      const { start, count } = doc.bufferedPageRange();
      for (let p = 0; p < count; p++) {
        doc.switchToPage(start + p);
        drawFooter(doc, letter.reference, p + 1, count);
      }
      doc.flushPages();
      ranges.push({ reference: letter.reference, pageFrom: pages + 1, pageTo: pages + count });
      pages += count;
      await drain(doc, out);
    }
  } catch (err) {
    // The output is incomplete and the caller discards it; end it so `out` is not left open.
    doc.end();
    await done.catch(() => undefined);
    throw err;
  }
  doc.end();
  await done;
  return { pages, ranges };
}
