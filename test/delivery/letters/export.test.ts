import { after, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../../src/db/schema.js';
import { exportLetters, type ExportOptions } from '../../../src/delivery/letters/export.js';
import { enqueue, type NewMessage } from '../../../src/delivery/outbox/enqueue.js';
import { templateRenderer } from '../../../src/delivery/render.js';
import { NOTICE_KINDS } from '../../../src/dunning/policy.js';
import { noticeGuard } from '../../../src/dunning/stop-notices.js';
import { describeEachBackend } from '../../support/db.js';

const D = '2030-03-12';
// Noon in Sofia on D, and on the day after.
const ON_D = '2030-03-12T10:00:00Z';
const NEXT_DAY = '2030-03-13T10:00:00Z';
const sender = { name: 'Примерно Енергоснабдяване АД', addressLines: ['ул. „Примерна“ 1', '9000 Варна'] };
const guards = Object.fromEntries(NOTICE_KINDS.map((k) => [k, noticeGuard]));

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function outDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'izv-letters-'));
  dirs.push(d);
  return d;
}

const pageCount = (pdf: Buffer): number => (pdf.toString('latin1').match(/\/Type \/Page(?!s)\b/g) ?? []).length;

function pdfText(file: string): string | null {
  if (spawnSync('pdftotext', ['-v']).error !== undefined) return null;
  const r = spawnSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

function options(dir: string, over: Partial<ExportOptions> = {}): ExportOptions {
  return {
    date: D,
    outDir: dir,
    sender,
    failure: { render: templateRenderer(), hardFailureThreshold: 3 },
    createdBy: 'test',
    guards,
    now: () => new Date('2030-03-14T08:00:00Z'),
    ...over,
  };
}

async function reset(db: Kysely<DB>): Promise<void> {
  await sql`TRUNCATE letter_batches, delivery_receipts, message_attempts, outbox_messages, subscriptions, invoices, customers CASCADE`.execute(db);
}

async function customer(db: Kysely<DB>, n: number, name = `Клиент Петров ${n}`): Promise<string> {
  const customerNumber = String(3_000_000_000 + n);
  await db.insertInto('customers').values({ customer_number: customerNumber, name, street: `ул. „Шипка“ ${n}`, town: 'Варна', postcode: '9000', customer_class: 'household' }).execute();
  await db
    .insertInto('invoices')
    .values({ invoice_number: `INV-${n}`, customer_number: customerNumber, issue_date: '2030-01-01', due_date: '2030-01-21', amount_minor: 12_345, currency: 'EUR' })
    .execute();
  return customerNumber;
}

/** An overdue letter to customer n, body left to the renderer, naming the customer's invoice. */
async function letter(db: Kysely<DB>, n: number, createdAt = ON_D, extra: Partial<NewMessage> = {}): Promise<number> {
  const customerNumber = String(3_000_000_000 + n);
  const { id } = await enqueue(db, {
    businessKey: `dunning:${customerNumber}:reminder`,
    kind: 'overdue_reminder',
    channel: 'letter',
    recipient: `Клиент Петров ${n}\nул. „Шипка“ ${n}\n9000 Варна`,
    customerNumber,
    payload: {
      invoices: [`INV-${n}`],
      min_eur_minor: 100,
      vars: {
        customer_name: `Клиент Петров ${n}`,
        customer_number_masked: `******${String(n).padStart(4, '0')}`,
        total_eur: '123,45 EUR',
        total_bgn_note: '',
        invoice_count: 1,
        invoice_numbers: `INV-${n}`,
        oldest_due_date: '21.01.2030',
        pay_url: 'https://izvestie.example.bg/pay',
        customer_no: `******${String(n).padStart(4, '0')}`,
        pay_code: '',
        invoice_list: `- № INV-${n}, падеж 21.01.2030, дължимо 123,45 EUR`,
        ways_to_pay: 'Банков превод:\n  IBAN: BG80 BNBG 9661 1020 3456 78',
      },
    },
    ...extra,
  });
  await db.updateTable('outbox_messages').set({ created_at: createdAt }).where('id', '=', id).execute();
  return id;
}

const rowsOf = (db: Kysely<DB>, ids: number[]) => db.selectFrom('outbox_messages').selectAll().where('id', 'in', ids).orderBy('id').execute();
const attemptsOf = (db: Kysely<DB>, ids: number[]) => db.selectFrom('message_attempts').selectAll().where('message_id', 'in', ids).orderBy('message_id').orderBy('attempt').execute();

describeEachBackend('letters export', (get) => {
  beforeEach(() => reset(get().db));

  test("a day's letters become one PDF and a manifest, and are sent once both files exist", async (t) => {
    const { db } = get();
    for (const n of [1, 2, 3, 4]) await customer(db, n);
    const a = await letter(db, 1);
    const b = await letter(db, 2);
    // Given texts are printed as they are; created the next day: not in D's batch.
    const c = await letter(db, 3, ON_D, { body: 'Уважаеми клиенти,\n\nтова е писмо с готов текст.', subject: 'Готово писмо' });
    const later = await letter(db, 4, NEXT_DAY, { businessKey: 'later', recipient: 'Някой\nул. Друга 1\n9700 Шумен' });
    const dir = outDir();

    const r = await exportLetters(db, options(dir));

    assert.ok(r.batch !== null);
    assert.deepEqual([r.letters, r.cancelled, r.expired, r.failed], [3, 0, 0, 0]);
    assert.equal(r.batch.pdfFile, join(dir, `letters-${D}-${r.batch.id}.pdf`));
    assert.equal(r.batch.manifestFile, join(dir, `letters-${D}-${r.batch.id}.csv`));
    assert.deepEqual(readdirSync(dir).sort(), [`letters-${D}-${r.batch.id}.csv`, `letters-${D}-${r.batch.id}.pdf`]);

    const pdf = readFileSync(r.batch.pdfFile);
    assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
    assert.equal(pageCount(pdf), r.pages);
    assert.ok(r.pages >= 3);

    const manifest = parse(readFileSync(r.batch.manifestFile, 'utf8'), { bom: true, columns: true }) as Array<Record<string, string>>;
    assert.deepEqual(
      manifest.map((m) => [m.sequence, m.reference, m.name, m.address_line_1, m.postcode, m.town]),
      [
        ['1', `IZV-${a}`, 'Клиент Петров 1', 'ул. „Шипка“ 1', '9000', 'Варна'],
        ['2', `IZV-${b}`, 'Клиент Петров 2', 'ул. „Шипка“ 2', '9000', 'Варна'],
        ['3', `IZV-${c}`, 'Клиент Петров 3', 'ул. „Шипка“ 3', '9000', 'Варна'],
      ],
    );
    assert.equal(manifest[0]?.page_from, '1');
    assert.equal(manifest[2]?.page_to, String(r.pages));

    const sent = await rowsOf(db, [a, b, c]);
    for (const m of sent) {
      assert.deepEqual([m.status, m.provider, m.provider_message_ids, m.attempts, m.leased_by], ['sent', 'print', [String(r.batch.id)], 1, null]);
      assert.ok(m.sent_at !== null && m.body !== null);
    }
    // The text rendered for the letter is kept with it.
    assert.match(sent[0]?.body ?? '', /Здравейте, Клиент Петров 1,/);
    assert.equal(sent[2]?.body, 'Уважаеми клиенти,\n\nтова е писмо с готов текст.');
    const attempts = await attemptsOf(db, [a, b, c]);
    assert.deepEqual(attempts.map((x) => [x.attempt, x.provider, x.outcome]), [[1, 'print', 'accepted'], [1, 'print', 'accepted'], [1, 'print', 'accepted']]);
    assert.equal((await rowsOf(db, [later]))[0]?.status, 'queued');

    const batch = await db.selectFrom('letter_batches').selectAll().executeTakeFirstOrThrow();
    assert.deepEqual(
      [batch.id, batch.date, batch.pdf_file, batch.manifest_file, batch.letters, batch.pages, batch.created_by],
      [r.batch.id, D, r.batch.pdfFile, r.batch.manifestFile, 3, r.pages, 'test'],
    );

    const text = pdfText(r.batch.pdfFile);
    if (text === null) return t.diagnostic('pdftotext not installed: PDF text not checked');
    for (const s of ['Клиент Петров 1', 'Клиент Петров 2', 'Напомняне за неплатени сметки', 'Готово писмо', 'INV-1', '123,45 EUR', `IZV-${a}`, '12.03.2030', 'Примерно Енергоснабдяване АД']) {
      assert.ok(text.includes(s), s);
    }
    // The invoices table comes from the payload: the invoice and its due date.
    assert.ok(text.includes('21.01.2030'));
    assert.ok(!text.includes('Някой'));
  });

  test('running the same day again exports nothing and writes nothing; a later day takes the rest', async () => {
    const { db } = get();
    for (const n of [1, 4]) await customer(db, n);
    await letter(db, 1);
    const later = await letter(db, 4, NEXT_DAY);
    const dir = outDir();
    const first = await exportLetters(db, options(dir));
    assert.equal(first.letters, 1);
    const files = readdirSync(dir).sort();

    const again = await exportLetters(db, options(dir));
    assert.deepEqual(again, { date: D, batch: null, letters: 0, pages: 0, cancelled: 0, expired: 0, failed: 0 });
    assert.deepEqual(readdirSync(dir).sort(), files);
    assert.equal(Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM letter_batches`.execute(db)).rows[0]?.n), 1);

    const next = await exportLetters(db, options(dir, { date: '2030-03-13' }));
    assert.equal(next.letters, 1);
    assert.deepEqual((await rowsOf(db, [later])).map((m) => [m.status, m.provider_message_ids]), [['sent', [String(next.batch?.id)]]]);
  });

  test('a letter no longer wanted is cancelled by its guard and not printed', async (t) => {
    const { db } = get();
    for (const n of [1, 2]) await customer(db, n, n === 2 ? 'Платила Сметката' : undefined);
    const unpaid = await letter(db, 1);
    const paid = await letter(db, 2, ON_D, { recipient: 'Платила Сметката\nул. „Шипка“ 2\n9000 Варна' });
    // The bill is paid after the letter was planned.
    await db.updateTable('invoices').set({ paid_eur_minor: 12_345 }).where('invoice_number', '=', 'INV-2').execute();
    const dir = outDir();

    const r = await exportLetters(db, options(dir));

    assert.deepEqual([r.letters, r.cancelled], [1, 1]);
    const [u, p] = await rowsOf(db, [unpaid, paid]);
    assert.equal(u?.status, 'sent');
    assert.deepEqual([p?.status, p?.cancel_reason, p?.attempts, p?.provider], ['cancelled', 'invoices paid', 0, null]);
    assert.equal((await attemptsOf(db, [paid])).length, 0);
    const manifest = readFileSync(r.batch?.manifestFile ?? '', 'utf8');
    assert.ok(!manifest.includes('Платила'));
    const text = pdfText(r.batch?.pdfFile ?? '');
    if (text === null) return t.diagnostic('pdftotext not installed');
    assert.ok(!text.includes('Платила'));
    assert.ok(text.includes('Клиент Петров 1'));
  });

  test('an empty day (or one whose letters were all cancelled) says so and writes no file', async () => {
    const { db } = get();
    const dir = outDir();
    assert.deepEqual(await exportLetters(db, options(dir)), { date: D, batch: null, letters: 0, pages: 0, cancelled: 0, expired: 0, failed: 0 });
    await customer(db, 1);
    await letter(db, 1);
    await db.updateTable('invoices').set({ paid_eur_minor: 12_345 }).execute();
    const r = await exportLetters(db, options(dir));
    assert.deepEqual([r.batch, r.letters, r.cancelled], [null, 0, 1]);
    assert.deepEqual(readdirSync(dir), []);
    assert.equal(Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM letter_batches`.execute(db)).rows[0]?.n), 0);
  });

  test('when a file cannot be completed nothing is sent: the letters go back to the queue and the next run prints them', async () => {
    const { db } = get();
    for (const n of [1, 2]) await customer(db, n);
    const ids = [await letter(db, 1), await letter(db, 2)];
    const dir = outDir();
    // The manifest's final name is taken by a directory, so its rename fails after the PDF was written.
    const seq = Number((await sql<{ id: number }>`SELECT nextval('letter_batch_ids') AS id`.execute(db)).rows[0]?.id);
    mkdirSync(join(dir, `letters-${D}-${seq + 1}.csv`));
    mkdirSync(join(dir, `letters-${D}-${seq + 1}.csv`, 'x'));

    await assert.rejects(exportLetters(db, options(dir)));

    assert.deepEqual(readdirSync(dir), [`letters-${D}-${seq + 1}.csv`]);
    const back = await rowsOf(db, ids);
    assert.deepEqual(back.map((m) => [m.status, m.leased_by, m.provider, m.attempts]), [['queued', null, null, 1], ['queued', null, null, 1]]);
    assert.deepEqual((await attemptsOf(db, ids)).map((x) => x.outcome), ['transient', 'transient']);
    assert.equal(Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM letter_batches`.execute(db)).rows[0]?.n), 0);

    rmdirSync(join(dir, `letters-${D}-${seq + 1}.csv`, 'x'));
    rmdirSync(join(dir, `letters-${D}-${seq + 1}.csv`));
    const r = await exportLetters(db, options(dir));
    assert.equal(r.letters, 2);
    assert.deepEqual((await rowsOf(db, ids)).map((m) => [m.status, m.attempts]), [['sent', 2], ['sent', 2]]);
  });

  test('letters that cannot be printed fail alone; expired ones expire; the rest is printed', async () => {
    const { db } = get();
    for (const n of [1, 2, 3, 4]) await customer(db, n);
    const good = await letter(db, 1);
    const noAddress = await letter(db, 2, ON_D, { recipient: 'Само Име' });
    const tooLong = await letter(db, 3, ON_D, { recipient: ['Клиент Петров 3', ...Array.from({ length: 9 }, (_, i) => `ред ${i + 1}`)].join('\n') });
    const expired = await letter(db, 4, ON_D, { expiresAt: new Date('2030-03-13T00:00:00Z') });

    const r = await exportLetters(db, options(outDir()));

    assert.deepEqual([r.letters, r.failed, r.expired], [1, 2, 1]);
    const [g, n, l, e] = await rowsOf(db, [good, noAddress, tooLong, expired]);
    assert.equal(g?.status, 'sent');
    assert.deepEqual([n?.status, n?.attempts], ['failed', 0]);
    assert.match(n?.last_error ?? '', /postal address/);
    assert.deepEqual([l?.status, l?.attempts], ['failed', 1]);
    assert.match(l?.last_error ?? '', /does not fit the envelope window/);
    assert.deepEqual((await attemptsOf(db, [tooLong])).map((x) => x.outcome), ['permanent']);
    assert.equal(e?.status, 'expired');
  });

  test('two exports at once never print the same letter', async () => {
    const { db } = get();
    const ids: number[] = [];
    for (let n = 1; n <= 12; n++) {
      await customer(db, n);
      ids.push(await letter(db, n));
    }
    const dir = outDir();
    const [x, y] = await Promise.all([exportLetters(db, options(dir)), exportLetters(db, options(dir))]);
    assert.equal(x.letters + y.letters, 12);
    const rows = await rowsOf(db, ids);
    assert.ok(rows.every((m) => m.status === 'sent' && m.attempts === 1));
    const batches = await db.selectFrom('letter_batches').select(['id', 'letters']).execute();
    assert.equal(batches.reduce((s, b) => s + b.letters, 0), 12);
  });
});
