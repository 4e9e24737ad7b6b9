import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { inflateSync } from 'node:zlib';
import { renderLetters } from '../../../src/delivery/letters/pdf.js';
import type { Letter } from '../../../src/delivery/letters/pdf.js';

const sender = { name: 'ЕНЕРГО-ПРО Продажби АД', addressLines: ['бул. „Владислав Варненчик“ 258', '9009 Варна'] };

function letter(n: number, over: Partial<Letter> = {}): Letter {
  return {
    reference: `overdue:12345678${n}0:2026-11-24:1`,
    date: '2026-11-24',
    sender,
    recipient: { name: n === 1 ? 'Иван Петров Щерев' : `Мария Георгиева ${n}`, addressLines: ['ул. „Шипка“ № 12, ет. 3, ап. 7', '9000 Варна'] },
    title: 'Напомняне за неплатени фактури',
    paragraphs: [
      'Уважаеми клиенти, по нашите данни следните фактури за електрическа енергия не са платени в срок.',
      'Ако вече сте платили, моля, не обръщайте внимание на това писмо: плащанията по банков път достигат до нас до 2 работни дни.',
    ],
    invoices: [
      { number: '0123456789', dueDate: '05.11.2026', amount: '123,45 €' },
      { number: '0123456790', dueDate: '05.10.2026', amount: '98,10 €' },
    ],
    ...over,
  };
}

async function render(letters: Letter[]): Promise<{ pdf: Buffer; result: Awaited<ReturnType<typeof renderLetters>> }> {
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      cb();
    },
  });
  const result = await renderLetters(letters, out);
  return { pdf: Buffer.concat(chunks), result };
}

const pageCount = (pdf: Buffer): number => (pdf.toString('latin1').match(/\/Type \/Page(?!s)\b/g) ?? []).length;

function pdftotext(pdf: Buffer): string | null {
  if (spawnSync('pdftotext', ['-v']).error !== undefined) return null;
  const dir = mkdtempSync(join(tmpdir(), 'izv-pdf-'));
  try {
    writeFileSync(join(dir, 'a.pdf'), pdf);
    const r = spawnSync('pdftotext', ['-layout', join(dir, 'a.pdf'), '-'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('three Cyrillic letters: a PDF with the right pages, ranges and an embedded DejaVu font', async (t) => {
  const many = Array.from({ length: 60 }, (_, i) => ({ number: `99000${i}`, dueDate: '05.10.2026', amount: `${i},00 €` }));
  const { pdf, result } = await render([letter(1), letter(2, { invoices: many }), letter(3)]);

  assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
  assert.ok(pdf.subarray(-6).toString('latin1').includes('%%EOF'));
  // 60 invoice rows do not fit under the address block: the second letter runs on.
  assert.ok(result.pages > 3);
  assert.equal(pageCount(pdf), result.pages);
  const second = result.ranges[1];
  assert.ok(second !== undefined && second.pageTo > second.pageFrom);
  assert.deepEqual(
    result.ranges.map((r) => r.reference),
    ['overdue:1234567810:2026-11-24:1', 'overdue:1234567820:2026-11-24:1', 'overdue:1234567830:2026-11-24:1'],
  );
  assert.deepEqual(result.ranges[0], { reference: 'overdue:1234567810:2026-11-24:1', pageFrom: 1, pageTo: 1 });
  assert.equal(result.ranges[2]?.pageTo, result.pages);
  for (let i = 1; i < result.ranges.length; i++) assert.equal(result.ranges[i]?.pageFrom, (result.ranges[i - 1]?.pageTo ?? 0) + 1);

  const text = pdf.toString('latin1');
  assert.match(text, /\/FontFile[23] \d+ 0 R/);
  assert.match(text, /\/FontName \/[A-Z]{6}\+DejaVuSans\b/);
  // The embedded program must hold Cyrillic glyphs: its ToUnicode map lists Cyrillic code points.
  const cmaps = [...text.matchAll(/stream\r?\n([\s\S]*?)\r?\nendstream/g)]
    .map((m) => {
      try {
        return inflateSync(Buffer.from(m[1] ?? '', 'latin1')).toString('latin1');
      } catch {
        return '';
      }
    })
    .filter((s) => s.includes('begincmap'));
  assert.ok(cmaps.some((c) => /<04[1-4][0-9A-F]>/i.test(c)), 'ToUnicode map with Cyrillic code points');

  const extracted = pdftotext(pdf);
  if (extracted === null) {
    t.diagnostic('pdftotext (poppler-utils) not installed: text extraction not checked');
    return;
  }
  assert.ok(extracted.includes('Иван Петров Щерев'));
  assert.ok(extracted.includes('Напомняне за неплатени фактури'));
  assert.ok(extracted.includes('0123456789'));
  assert.ok(extracted.includes('123,45 €'));
  assert.ok(extracted.includes('24.11.2026'));
  assert.ok(extracted.includes(`Страница 1 от ${(second?.pageTo ?? 0) - (second?.pageFrom ?? 0) + 1}`));
  // The recipient sits in the window: ask poppler for the text inside the 85 × 45 mm field.
  const dir = mkdtempSync(join(tmpdir(), 'izv-pdf-'));
  try {
    writeFileSync(join(dir, 'a.pdf'), pdf);
    const mmToPt = (v: number): number => Math.round((v * 72) / 25.4);
    const r = spawnSync(
      'pdftotext',
      ['-f', '1', '-l', '1', '-r', '72', '-x', String(mmToPt(20)), '-y', String(mmToPt(45)), '-W', String(mmToPt(85)), '-H', String(mmToPt(45)), join(dir, 'a.pdf'), '-'],
      { encoding: 'utf8' },
    );
    assert.ok(r.stdout.includes('Иван Петров Щерев'), r.stdout);
    assert.ok(r.stdout.includes('9000 Варна'), r.stdout);
    assert.ok(!r.stdout.includes('Напомняне'), 'the body stays out of the window');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the PDF streams to a file as it is made', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'izv-pdf-'));
  try {
    const file = join(dir, 'batch.pdf');
    const result = await renderLetters(
      Array.from({ length: 40 }, (_, i) => letter(i + 1)),
      createWriteStream(file),
    );
    const pdf = readFileSync(file);
    assert.equal(result.pages, 40);
    assert.equal(pageCount(pdf), 40);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a slow reader gets the whole PDF: output waits for it instead of piling up', async () => {
  const out = new PassThrough({ highWaterMark: 1024 });
  const chunks: Buffer[] = [];
  const reader = (async () => {
    for await (const chunk of out) {
      chunks.push(chunk as Buffer);
      await new Promise((r) => setImmediate(r));
    }
  })();
  const result = await renderLetters(Array.from({ length: 20 }, (_, i) => letter(i + 1)), out);
  await reader;
  const pdf = Buffer.concat(chunks);
  assert.equal(result.pages, 20);
  assert.equal(pageCount(pdf), 20);
  assert.ok(pdf.subarray(-6).toString('latin1').includes('%%EOF'));
});

test('bad input is refused, naming the letter', async () => {
  await assert.rejects(render([letter(1, { date: '2026-02-30' })]), /letter overdue:1234567810:2026-11-24:1: date/);
  await assert.rejects(render([]), /at least one letter/);
  const tooLong = letter(1, { recipient: { name: 'Иван Петров', addressLines: ['1', '2', '3', '4', '5', '6', '7', '8'] } });
  await assert.rejects(render([tooLong]), /recipient address does not fit/);
});
