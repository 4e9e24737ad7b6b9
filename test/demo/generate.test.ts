import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CSV_HEADERS, DEMO_KINDS, demoCsv, generateDemo } from '../../src/demo/generate.js';
import { csvText, dataset, daysBetween, eurMinor } from './dataset.js';

const opts = { customers: 2000, seed: 42, today: '2026-03-10' };
const data = dataset(opts);

test('the same seed and today give byte-identical files; another seed or today gives others', async () => {
  const again = generateDemo(opts);
  const otherSeed = generateDemo({ ...opts, seed: 43 });
  const otherDay = generateDemo({ ...opts, today: '2026-04-10' });
  for (const kind of DEMO_KINDS) {
    assert.equal(csvText(again[kind]), data.text[kind], kind);
    assert.notEqual(csvText(otherSeed[kind]), data.text[kind], kind);
    let asyncText = '';
    for await (const chunk of again[kind]) asyncText += chunk;
    assert.equal(asyncText, data.text[kind], `${kind} read asynchronously`);
  }
  assert.notEqual(csvText(otherDay.invoices), data.text.invoices);
  assert.notEqual(csvText(otherDay.payments), data.text.payments);
});

test('headers are exact and every record has as many fields as its header', () => {
  for (const kind of DEMO_KINDS) {
    const [header, ...records] = data.records[kind];
    assert.deepEqual(header, CSV_HEADERS[kind].split(','));
    assert.ok(records.length > 0, kind);
    for (const r of records) assert.equal(r.length, header!.length, `${kind}: ${r.join('|')}`);
    assert.ok(!data.text[kind].includes('\r'), `${kind} uses LF only`);
    assert.ok(data.text[kind].endsWith('\n'));
  }
});

test('text comes in chunks of many rows', () => {
  const chunks = [...demoCsv('invoices', opts)];
  assert.ok(chunks.length > 1 && chunks.length < 100, `${chunks.length} chunks`);
  assert.ok(chunks[0]!.startsWith(`${CSV_HEADERS.invoices}\n`));
});

test('customers: unique 10-digit numbers, Cyrillic names and addresses, known towns, ~6% businesses', () => {
  const customers = data.rows.customers;
  assert.equal(customers.length, opts.customers);
  assert.equal(new Set(customers.map((c) => c.customer_number)).size, customers.length);
  const towns = new Map<string, string>();
  for (const c of customers) {
    assert.match(c.customer_number!, /^\d{10}$/);
    assert.match(c.name!, /^[А-Яа-я"\- 0-9]+$/u);
    assert.match(c.street!, /^(ул\.|бул\.|ж\.к\.) "[^"]+" /);
    assert.match(c.postcode!, /^\d{4}$/);
    assert.ok(c.customer_class === 'household' || c.customer_class === 'business');
    if (towns.has(c.town!)) assert.equal(towns.get(c.town!), c.postcode, `one postcode per town (${c.town})`);
    towns.set(c.town!, c.postcode!);
  }
  assert.equal(towns.get('Варна'), '9000');
  assert.equal(towns.get('Добрич'), '9300');
  assert.ok([...towns.keys()].some((t) => t.startsWith('с. ')), 'some villages');
  const business = customers.filter((c) => c.customer_class === 'business');
  assert.ok(business.length > 0.03 * customers.length && business.length < 0.09 * customers.length, `${business.length} businesses`);
  assert.ok(business.some((c) => /^ЕТ "/.test(c.name!)) && business.some((c) => /" (ЕООД|ООД|АД)$/.test(c.name!)));
  // Gender agreement: a female first name goes with a female family name.
  const maria = customers.filter((c) => c.name!.startsWith('Мария '));
  assert.ok(maria.length > 0);
  for (const c of maria) assert.match(c.name!, /(ва|на|ска)$/);
});

test('invoices: 12 per customer in consecutive months, fixed due day, 20-day term, unique numbers', () => {
  const byCustomer = new Map<string, string[][]>();
  const numbers = new Set<string>();
  for (const i of data.rows.invoices) {
    assert.match(i.invoice_number!, /^5\d{9}$/);
    numbers.add(i.invoice_number!);
    assert.match(i.amount!, /^\d+\.\d{2}$/);
    assert.equal(daysBetween(i.issue_date!, i.due_date!), 20);
    assert.ok(i.issue_date! <= opts.today, 'issued by today');
    assert.ok(daysBetween(opts.today, i.due_date!) <= 25);
    byCustomer.set(i.customer_number!, [...(byCustomer.get(i.customer_number!) ?? []), [i.due_date!]]);
  }
  assert.equal(numbers.size, data.rows.invoices.length);
  assert.equal(byCustomer.size, opts.customers);
  const customerNumbers = new Set(data.rows.customers.map((c) => c.customer_number));
  for (const [customer, dues] of byCustomer) {
    assert.ok(customerNumbers.has(customer));
    assert.equal(dues.length, 12);
    const days = new Set(dues.map(([d]) => d!.slice(8)));
    assert.equal(days.size, 1, `one meter-reading group for ${customer}`);
    assert.ok(['05', '15', '20', '24'].includes([...days][0]!));
    const months = dues.map(([d]) => Number(d!.slice(0, 4)) * 12 + Number(d!.slice(5, 7))).sort((a, b) => a - b);
    assert.equal(months[11]! - months[0]!, 11, 'twelve consecutive months');
  }
});

test('BGN exactly for invoices issued before 2026-01-01', () => {
  let bgn = 0;
  for (const i of data.rows.invoices) {
    assert.equal(i.currency, i.issue_date! < '2026-01-01' ? 'BGN' : 'EUR', i.invoice_number);
    if (i.currency === 'BGN') bgn++;
  }
  assert.ok(bgn > 0 && bgn < data.rows.invoices.length);
});

test('amounts: households 25-180 EUR, businesses up to 3,000, winter above spring, stable per customer', () => {
  const business = new Set(data.rows.customers.filter((c) => c.customer_class === 'business').map((c) => c.customer_number));
  const winter: number[] = [];
  const spring: number[] = [];
  const summerByCustomer = new Map<string, number[]>();
  for (const i of data.rows.invoices) {
    const eur = eurMinor(i.amount!, i.currency!);
    if (['06', '07', '08'].includes(i.issue_date!.slice(5, 7))) summerByCustomer.set(i.customer_number!, [...(summerByCustomer.get(i.customer_number!) ?? []), eur]);
    if (business.has(i.customer_number)) assert.ok(eur >= 15_000 && eur <= 300_000, i.amount);
    else assert.ok(eur >= 2_500 && eur <= 18_000, `${i.amount} ${i.currency}`);
    const month = Number(i.issue_date!.slice(5, 7));
    if (month === 12 || month <= 2) winter.push(eur);
    if (month >= 3 && month <= 5) spring.push(eur);
  }
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(mean(winter) > 1.4 * mean(spring), `winter ${mean(winter)} spring ${mean(spring)}`);
  // A customer's level persists (noise of a few tens of percent), while customers differ widely.
  const summerMeans: number[] = [];
  for (const amounts of summerByCustomer.values()) {
    assert.ok(Math.max(...amounts) <= 1.45 * Math.min(...amounts), amounts.join(' '));
    summerMeans.push(mean(amounts));
  }
  assert.ok(Math.max(...summerMeans) > 2.5 * Math.min(...summerMeans));
});

test('options are checked', () => {
  assert.throws(() => generateDemo({ ...opts, today: '2026-02-30' }), RangeError);
  assert.throws(() => generateDemo({ ...opts, customers: -1 }), RangeError);
  assert.throws(() => generateDemo({ ...opts, customers: 1.5 }), RangeError);
  assert.throws(() => generateDemo({ ...opts, seed: Number.MAX_VALUE }), RangeError);
  assert.equal(csvText(demoCsv('customers', { ...opts, customers: 0 })), `${CSV_HEADERS.customers}\n`);
  // Any whole number is a seed; 0..2^32-1 stay distinct from the negative ones.
  assert.notEqual(csvText(demoCsv('customers', { ...opts, customers: 5, seed: -1 })), csvText(demoCsv('customers', { ...opts, customers: 5, seed: 0xffffffff })));
});
