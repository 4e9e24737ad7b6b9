// Property-based tests of the stage evaluation against the database: random customers, invoices,
// payments and holds, and a run on every day for almost four weeks, checked against a model that counts
// working days with the calendar directly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sql } from 'kysely';
import { describeEachBackend } from '../support/db.js';
import { addDays, fromEpochDay, makeCalendar, toEpochDay } from '../../src/dunning/calendar/index.js';
import { defaultPolicy } from '../../src/dunning/policy.js';
import { bgnToEurMinor } from '../../src/delivery/text/money.js';
import { addCustomer, addInvoice, notices, pay, reset, run } from './fixtures.js';

const calendar = makeCalendar([]);
const DAYS = 26;

interface InvoiceSpec {
  dueOffset: number;
  /** In the invoice's currency: leva for one issued before 2026-01-01 (the fixture issues 20 days before due). */
  amount: number;
  paidShare: number;
  /** Paid in full before the run of this day of the sequence (null: never). */
  payDay: number | null;
}

const invoiceSpec = fc
  .record({ dueOffset: fc.integer({ min: -20, max: 8 }), amount: fc.integer({ min: 100, max: 20_000 }), paidShare: fc.constantFrom(0, 0, 0, 0.5, 0.97, 1), payDay: fc.option(fc.integer({ min: 0, max: DAYS - 1 }), { freq: 3 }) })
  .map((x): InvoiceSpec => ({ dueOffset: x.dueOffset, amount: x.amount, paidShare: x.paidShare, payDay: x.payDay }));
const customerSpec = fc.record({ business: fc.boolean(), sms: fc.boolean(), email: fc.boolean(), held: fc.constantFrom(false, false, false, true), invoices: fc.array(invoiceSpec, { minLength: 1, maxLength: 3 }) });
const scenario = fc.record({
  start: fc.integer({ min: toEpochDay('2026-02-01'), max: toEpochDay('2026-12-01') }).map(fromEpochDay),
  customers: fc.array(customerSpec, { minLength: 1, maxLength: 8 }),
});

/** The invoice in euro cents as the database converts it, and what was paid of it before the sequence. */
function inEur(start: string, inv: InvoiceSpec): { eur: number; paidBefore: number } {
  const eur = addDays(start, inv.dueOffset - 20) < '2026-01-01' ? bgnToEurMinor(inv.amount) : inv.amount;
  return { eur, paidBefore: Math.floor(eur * inv.paidShare) };
}

/** The model: the stage reached on `day` by a customer whose oldest open invoice fell due on `due`. */
function stageOn(due: string, day: string): string | null {
  if (due >= day) return null;
  const n = calendar.workingDaysBetween(due, day);
  if (n >= defaultPolicy.disconnection.afterWorkingDays) return 'disconnection';
  return defaultPolicy.stages.filter((s) => s.afterWorkingDays <= n).at(-1)?.id ?? null;
}

describeEachBackend('stage evaluation (property-based)', (get) => {
  test('paid invoices are never notified; one notice per customer a day; every covered customer exactly one per stage; holds suppress', async () => {
    const { db } = get();
    await fc.assert(
      fc.asyncProperty(scenario, async ({ start, customers }) => {
        await reset(db);
        const numbers: string[] = [];
        for (const [i, c] of customers.entries()) {
          const cn = await addCustomer(db, i + 1, { class: c.business ? 'business' : 'household', sms: c.sms, email: c.email });
          numbers.push(cn);
          for (const [k, inv] of c.invoices.entries()) await addInvoice(db, cn, `I-${i + 1}-${k}`, addDays(start, inv.dueOffset), inv.amount, inEur(start, inv).paidBefore);
          if (c.held) await db.insertInto('dunning_holds').values({ customer_number: cn, reason: 'dispute', until: '2099-12-31', created_by: 'test' }).execute();
        }
        for (let d = 0; d < DAYS; d++) {
          const day = addDays(start, d);
          for (const [i, c] of customers.entries()) {
            for (const [k, inv] of c.invoices.entries()) {
              const { eur, paidBefore } = inEur(start, inv);
              if (inv.payDay === d && paidBefore < eur) {
                await pay(db, numbers[i] as string, `I-${i + 1}-${k}`, eur - paidBefore, `${day}T06:00:00Z`);
              }
            }
          }
          const r = await run(db, day);
          // A notice of this run names only invoices that were open and overdue at the run.
          const named = await sql<{ open: boolean; overdue: boolean }>`
            SELECT i.paid_eur_minor < i.amount_eur_minor AS open, i.due_date < ${day}::date AS overdue
              FROM outbox_messages m CROSS JOIN LATERAL jsonb_array_elements_text(m.payload->'invoices') x(n)
              JOIN invoices i ON i.invoice_number = x.n WHERE (m.payload->>'run_id')::bigint = ${r.runId}::bigint`.execute(db);
          assert.ok(named.rows.every((x) => x.open && x.overdue), `${day}: a notice names a paid or not yet overdue invoice`);
        }
        const all = await notices(db);
        const perDay = new Map<string, number>();
        for (const n of all) {
          const k = `${n.customer_number}:${String(n.payload.notified_on)}`;
          perDay.set(k, (perDay.get(k) ?? 0) + 1);
        }
        assert.ok([...perDay.values()].every((v) => v === 1), 'two notices for one customer on one day');
        const listed = new Set((await db.selectFrom('dunning_listings').select('customer_number').execute()).map((l) => l.customer_number));
        for (const [i, c] of customers.entries()) {
          const cn = numbers[i] as string;
          const mine = all.filter((n) => n.customer_number === cn);
          if (c.held) {
            assert.deepEqual(mine, [], `held customer ${cn} was notified`);
            assert.ok(!listed.has(cn), `held customer ${cn} was listed`);
            continue;
          }
          // The model covers customers whose invoices do not change during the sequence.
          if (c.invoices.some((inv) => inv.payDay !== null)) continue;
          const open = c.invoices.map((inv) => ({ ...inv, ...inEur(start, inv) })).filter((inv) => inv.paidBefore < inv.eur);
          const oldest = open.map((inv) => addDays(start, inv.dueOffset)).sort()[0];
          const expected = new Set<string>();
          let listedExpected = false;
          for (let d = 0; d < DAYS && oldest !== undefined; d++) {
            const day = addDays(start, d);
            const stage = stageOn(oldest, day);
            const total = open.filter((inv) => addDays(start, inv.dueOffset) < day).reduce((s, inv) => s + inv.eur - inv.paidBefore, 0);
            if (stage === null || total < 500) continue;
            if (stage === 'disconnection') listedExpected = true;
            else if (c.sms || c.email || stage === 'final') expected.add(stage);
          }
          const got = mine.map((n) => String(n.payload.stage)).sort();
          assert.deepEqual(got, [...expected].sort(), `customer ${cn}: notices by stage`);
          assert.equal(listed.has(cn), listedExpected, `customer ${cn}: disconnection listing`);
        }
      }),
      {
        numRuns: 6,
        // Found in CI: a leva invoice whose open rest is 500 in the model's raw amounts but far less in euro.
        examples: [[{ start: '2026-02-01', customers: [{ business: false, sms: false, email: false, held: false, invoices: [{ dueOffset: -12, amount: 999, paidShare: 0.5, payDay: null }] }] }]],
      },
    );
  });
});
