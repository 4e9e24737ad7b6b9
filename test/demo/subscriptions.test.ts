import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { dataset } from './dataset.js';

const opts = { customers: 2000, seed: 42, today: '2026-03-10' };
const data = dataset(opts);
const subs = data.rows.subscriptions;
const customers = new Set(data.rows.customers.map((c) => c.customer_number));

test('35-45% of customers subscribe; of them ~75% by phone and ~35% by e-mail, one of each at most', () => {
  const byCustomer = new Map<string, string[]>();
  for (const s of subs) {
    assert.ok(customers.has(s.customer_number));
    byCustomer.set(s.customer_number!, [...(byCustomer.get(s.customer_number!) ?? []), s.channel!]);
  }
  const share = byCustomer.size / opts.customers;
  assert.ok(share >= 0.35 && share <= 0.45, `${share}`);
  const lists = [...byCustomer.values()];
  for (const channels of lists) assert.equal(new Set(channels).size, channels.length);
  const phone = lists.filter((c) => c.includes('sms')).length / lists.length;
  const email = lists.filter((c) => c.includes('email')).length / lists.length;
  assert.ok(phone > 0.68 && phone < 0.82, `phone ${phone}`);
  assert.ok(email > 0.28 && email < 0.42, `email ${email}`);
  assert.ok(lists.some((c) => c.length === 2));
});

test('phones are valid Bulgarian mobiles, mostly +359, some 0... and 00359...', () => {
  const phones = subs.filter((s) => s.channel === 'sms');
  const notation = { plus: 0, zero: 0, intl: 0 };
  const prefixes = new Set<string>();
  for (const s of phones) {
    const a = s.address!;
    if (a.startsWith('+359')) notation.plus++;
    else if (a.startsWith('00359')) notation.intl++;
    else if (a.startsWith('0')) notation.zero++;
    else assert.fail(`unexpected notation ${a}`);
    const parsed = parsePhoneNumberFromString(a, 'BG');
    assert.ok(parsed, a);
    assert.ok(parsed.isValid() && parsed.getType() === 'MOBILE', a);
    const national = parsed.nationalNumber;
    prefixes.add(national.startsWith('999') ? '999' : national.slice(0, 2));
    assert.equal(s.consent_version, 'legacy-2011');
    assert.ok(s.registered_at! >= '2011-03-01' && s.registered_at! <= opts.today);
  }
  assert.ok(notation.zero > 0.05 * phones.length && notation.zero < 0.15 * phones.length, `0...: ${notation.zero}`);
  assert.ok(notation.intl > 0 && notation.intl < 0.07 * phones.length, `00359...: ${notation.intl}`);
  for (const p of prefixes) assert.ok(['87', '88', '89', '98', '999'].includes(p), p);
  assert.ok(prefixes.has('87') && prefixes.has('88') && prefixes.has('89'));
});

test('e-mails are transliterated names at Bulgarian and global providers, some domains in capitals', () => {
  const emails = subs.filter((s) => s.channel === 'email');
  const domains = new Set<string>();
  for (const s of emails) {
    const m = /^([a-z0-9._]+)@([A-Za-z.]+)$/.exec(s.address!);
    assert.ok(m, s.address);
    assert.doesNotMatch(m[1]!, /^\.|\.\.|\.$/);
    domains.add(m[2]!);
    assert.ok(['abv.bg', 'mail.bg', 'gmail.com', 'yahoo.com', 'dir.bg'].includes(m[2]!.toLowerCase()), m[2]);
    assert.equal(s.consent_version, 'legacy-2014');
    assert.ok(s.registered_at! >= '2014-06-01' && s.registered_at! <= opts.today);
  }
  assert.ok([...domains].some((d) => d !== d.toLowerCase()), 'some upper-case domains');
  // Transliteration per the 2009 Act: Ж → zh, Щ → sht, Ц → ts, Ю → yu.
  assert.ok(emails.some((s) => /zh|sht|ts|ch|sh|yu|ya/.test(s.address!)));
});

test('no subscription before the service existed', () => {
  const early = dataset({ customers: 500, seed: 3, today: '2013-05-01' }).rows.subscriptions;
  assert.ok(early.length > 0);
  for (const s of early) {
    assert.equal(s.channel, 'sms');
    assert.ok(s.registered_at! >= '2011-03-01' && s.registered_at! <= '2013-05-01');
  }
});
