// No 5xx from bad input: strings with control characters, NUL, lone surrogates, very long values
// and odd Unicode thrown at every form field and query parameter of the portal, the back office
// (signed in as admin) and the API (with the key). Every answer is below 500 and the process still
// answers /healthz.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { routeTable } from '../../src/backoffice/routes.js';
import { importKinds } from '../../src/billing/kinds/index.js';
import { testApiKey, testServer } from '../support/app.js';
import { describeEachBackend } from '../support/db.js';
import { client, seedCustomer, seedStaff, signIn, type Client } from '../backoffice/support.js';

const CALLBACK_TOKEN = 'a-callback-secret-of-32-characters';
const ENV = {
  IZVESTIE_SANDBOX: 'on',
  HTTP_SMS_URL: 'http://127.0.0.1:9/',
  HTTP_SMS_OPTIONS: JSON.stringify({ bodyTemplate: { to: '{to}', text: '{text}' }, callbackSecret: CALLBACK_TOKEN, callbackMode: 'token' }),
};
const CUSTOMER = '3000000101';
const INVOICE = '7000000101';
const QUERY_NAMES = ['q', 'by', 'format', 'lang', 'next', 'ended', 'list', 'actor', 'subject', 'channel', 'action', 'notice', 'date', 'days', 'month', 'rcpt_to', 'skip_invalid', 'page', 'token'];
const auth = { authorization: `Bearer ${testApiKey}` };

const odd = fc.constantFrom('\0', '\uD800', '\uDC00', '\uDBFF\uDFFF', '\r\n', '\n', '\r', '\t', '\u0007', '\u001B', '\u007F', '\u0085', '\u2028', '\u202E', '\uFEFF', '\uFFFF', '😀', 'а', 'é', '%', '%00', '\\', '"', "'", '<', '&', '=', ';', ',', '../', ' ', '0', '+');
const plausible = fc.constantFrom(CUSTOMER, INVOICE, 'sms', 'email', '+359888123456', 'a@example.bg', 'admin1', 'agent', 'bg', 'en', 'csv', '2026-11-23', '2026-11', '7', 'true', '/backoffice/');
const char = fc.oneof(odd, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }));
const value = fc.oneof(
  { weight: 5, arbitrary: fc.string({ unit: char, maxLength: 40 }) },
  { weight: 2, arbitrary: fc.tuple(plausible, fc.string({ unit: char, maxLength: 3 })).map(([p, s]) => p + s) },
  { weight: 1, arbitrary: plausible },
  { weight: 1, arbitrary: fc.tuple(char, fc.integer({ min: 500, max: 70_000 })).map(([c, n]) => c.repeat(n)) },
);

/** Percent-encoding that also carries lone surrogates (as their three "WTF-8" bytes) and raw bytes. */
function pct(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch.length === 1 && c >= 0xd800 && c <= 0xdfff) out += [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    else out += encodeURIComponent(ch);
  }
  return out;
}

const formBody = (fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([k, v]) => `${pct(k)}=${pct(v)}`)
    .join('&');

function fill(names: readonly string[], values: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.map((n, i) => [n, values[i % values.length] ?? '']));
}

const fieldNames = (pages: string[]) => [...new Set(pages.flatMap((p) => [...p.matchAll(/<(?:input|select|textarea)[^>]*\sname="([^"]+)"/g)].map((m) => m[1]!)))].filter((n) => n !== '_csrf');

describeEachBackend('no 5xx from any input', (get) => {
  let app: FastifyInstance;
  let admin: Client;
  let names: string[];
  let officeGets: string[];
  let officePosts: string[];
  const portalGets = ['/', '/register/customer-number', '/register/invoice-number', '/register/channel', '/register/phone', '/register/email', '/register/consent', '/register/code', '/register/done', '/manage', '/manage/customer-number', '/manage/invoice-number', '/manage/send-code', '/manage/code', '/manage/phone', '/manage/email', '/manage/consent', '/manage/remove', '/manage/unsubscribe', '/manage/done', '/dev/outbox', '/u/abc'];
  const portalPosts = portalGets.filter((p) => p !== '/' && !p.endsWith('/done') && p !== '/manage' && p !== '/dev/outbox').concat(['/register/code/resend', '/manage/code/resend']);

  const alive = async () => assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  const below500 = (status: number, what: string) => assert.ok(status < 500, `${what} answered ${status}`);

  before(async () => {
    const database = get();
    app = await testServer(database, ENV);
    await seedStaff(database);
    const due = new Date(Date.now() - 40 * 86_400_000).toISOString().slice(0, 10);
    await seedCustomer(database, CUSTOMER, 'Иван Петров', [{ number: INVOICE, due, amountMinor: 5000 }]);
    admin = await signIn(app, 'admin1');
    const table = routeTable({ dryRun: async () => ({ plannedNotices: 0, figures: [] }) });
    const concrete = (url: string) => url.replace(':number', CUSTOMER).replace(':list', 'invoices').replace(':report', 'channels').replace(/:[a-z]+/g, '1');
    officeGets = table.filter((r) => r.method === 'GET' && !r.url.includes('/assets/')).map((r) => concrete(r.url));
    // Signing out would end the admin's session for the rest of the run; sign-in is tried anonymously.
    officePosts = table.filter((r) => r.method === 'POST' && !r.url.endsWith('/logout')).map((r) => concrete(r.url));
    const pages: string[] = [];
    for (const url of officeGets) pages.push((await admin.get(url)).body);
    const visitor = client(app);
    for (const url of portalGets) pages.push((await visitor.get(url)).body);
    names = fieldNames(pages).concat(['customer_number', 'invoice_number', 'username', 'password', 'display_name', 'note', 'code']);
    assert.ok(names.length > 15, `form fields found: ${names.join(' ')}`);
  });
  after(async () => {
    await app.close();
  });

  test('query parameters of every page and API read', async () => {
    const urls = [...officeGets, ...portalGets, '/api/v1/disconnections', '/api/v1/reports/effectiveness', '/api/v1/self-service/consent', '/api/v1/delivery/http-sms/callback'];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...urls), fc.subarray(QUERY_NAMES, { minLength: 1, maxLength: 4 }), fc.array(value, { minLength: 1, maxLength: 4 }), fc.constantFrom('', '&x=%FF', '&y=%C0%80', '&z=%'), async (url, qs, vs, raw) => {
        const query = qs.map((q, i) => `${q}=${pct(vs[i % vs.length]!)}`).join('&');
        const headers = url.startsWith('/api/v1/delivery') ? { 'x-callback-token': CALLBACK_TOKEN } : url.startsWith('/api/') ? auth : {};
        const r = url.startsWith('/backoffice') ? { statusCode: (await admin.get(`${url}?${query}${raw}`)).status } : await app.inject({ method: 'GET', url: `${url}?${query}${raw}`, headers });
        below500(r.statusCode, `GET ${url}?${query}`);
        await alive();
      }),
      { numRuns: 150 },
    );
  });

  test('every back-office form, signed in as admin, and the sign-in form', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...officePosts), fc.array(value, { minLength: 1, maxLength: 8 }), fc.subarray(names, { minLength: 1 }), async (url, vs, fields) => {
        const form = fill(fields, vs);
        const who = url.startsWith('/backoffice/login') ? client(app) : admin;
        if (who !== admin) await who.get('/backoffice/login');
        const r = await app.inject({
          method: 'POST',
          url,
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: [...who.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
          payload: `_csrf=${who.csrf ?? ''}&${formBody(form)}`,
        });
        below500(r.statusCode, `POST ${url} ${JSON.stringify(form).slice(0, 300)}`);
        await alive();
      }),
      { numRuns: 150 },
    );
  });

  test('every portal form, from a fresh visit and from a flow at the contact step', async () => {
    const deep = client(app);
    await deep.get('/register/customer-number');
    await deep.post('/register/customer-number', { customer_number: CUSTOMER });
    await deep.post('/register/invoice-number', { invoice_number: INVOICE });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...portalPosts), fc.boolean(), fc.array(value, { minLength: 1, maxLength: 6 }), fc.subarray(names, { minLength: 1, maxLength: 6 }), async (url, fresh, vs, fields) => {
        const who = fresh ? client(app) : deep;
        if (fresh) await who.get(url.replace(/\/resend$/, ''));
        const r = await app.inject({
          method: 'POST',
          url,
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: [...who.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
          payload: `_csrf=${who.csrf ?? ''}&${formBody(fill(fields, vs))}`,
        });
        below500(r.statusCode, `POST ${url}`);
        await alive();
      }),
      { numRuns: 120 },
    );
  });

  test('the API: imports as JSON and CSV, payments, self-service, the gateway callback', async () => {
    const kinds = Object.entries(importKinds);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: kinds.length - 1 }), fc.array(value, { minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: 5 }), async (k, vs, which) => {
        const [kind, def] = kinds[k]!;
        const row = fill(def.columns.map((c) => c.name), vs);
        const requests = [
          { url: `/api/v1/import/${kind}`, headers: { ...auth, 'content-type': 'application/json' }, payload: JSON.stringify([row]) },
          { url: `/api/v1/import/${kind}?skip_invalid=true`, headers: { ...auth, 'content-type': 'text/csv' }, payload: `${Object.keys(row).join(',')}\r\n${Object.values(row).join(vs.length % 2 ? ',' : ';')}\r\n` },
          { url: '/api/v1/payments', headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': `fuzz-${vs.length}-${k}-key` }, payload: JSON.stringify(fill(['payment_reference', 'customer_number', 'invoice_number', 'amount', 'currency', 'paid_at', 'channel'], vs)) },
          { url: '/api/v1/self-service/identity', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ ...fill(['customer_number', 'invoice_number'], vs), purpose: 'register', lang: 'bg' }) },
          { url: '/api/v1/delivery/http-sms/callback', headers: { 'content-type': 'application/json', 'x-callback-token': CALLBACK_TOKEN }, payload: JSON.stringify(fill(['id', 'ref', 'status', 'error'], vs)) },
          { url: '/api/v1/delivery/http-sms/callback', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-callback-token': CALLBACK_TOKEN }, payload: formBody(fill(['id', 'ref', 'status'], vs)) },
        ];
        const q = requests[which]!;
        const r = await app.inject({ method: 'POST', ...q });
        below500(r.statusCode, `POST ${q.url} ${q.payload.slice(0, 300)}`);
        await alive();
      }),
      { numRuns: 150 },
    );
  });

  test('a gateway report with an id too long to keep is refused, naming the field (found by the fuzz: seed 89915309)', async () => {
    const r = await app.inject({
      method: 'POST',
      url: '/api/v1/delivery/http-sms/callback',
      headers: { 'content-type': 'application/json', 'x-callback-token': CALLBACK_TOKEN },
      payload: JSON.stringify({ id: '\u{10000}'.repeat(3000), ref: '', status: '' }),
    });
    assert.equal(r.statusCode, 422);
    assert.match(r.body, /longer than 200 characters/);
    await alive();
  });
});
