// Shared pieces of the portal tests: customers with recent and old invoices, the portal on a
// Fastify app with a movable clock, a cookie-keeping form client for inject(), and the codes as the
// outbox holds them (what the customer's phone or inbox would show).
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { normaliseEmail, normalisePhone } from '../../src/contacts/address.js';
import type { Database } from '../../src/db/open.js';
import type { DB } from '../../src/db/schema.js';
import { trustProxyOption } from '../../src/http/client-ip.js';
import { registerErrorHandler } from '../../src/http/error-handler.js';
import { silentLogger, type Logger } from '../../src/log.js';
import { portalRoutes } from '../../src/portal/routes.js';
import { testConfig } from '../support/app.js';
import { assemble } from '../../src/app/root.js';

export const DAY = 86_400_000;

export interface Clock {
  now: () => Date;
  advance(ms: number): void;
}

export function clock(start = new Date()): Clock {
  let t = start.getTime();
  return { now: () => new Date(t), advance: (ms) => (t += ms) };
}

export interface SeededCustomer {
  customerNumber: string;
  /** Issued a month ago. */
  invoice: string;
  /** Issued 13 months ago. */
  oldInvoice: string;
}

/** `n` customers numbered from `first`, each with a recent and an old invoice. */
export async function seedCustomers(database: Database, first: number, n: number, today = new Date()): Promise<SeededCustomer[]> {
  const out: SeededCustomer[] = [];
  for (let i = 0; i < n; i++) {
    const cn = String(first + i);
    out.push({ customerNumber: cn, invoice: `R${cn}`, oldInvoice: `O${cn}` });
  }
  const iso = (ms: number) => new Date(today.getTime() - ms).toISOString().slice(0, 10);
  await database.db
    .insertInto('customers')
    .values(out.map((c) => ({ customer_number: c.customerNumber, name: 'Мария Иванова', street: 'ул. Шипка 1', town: 'Варна', postcode: '9000', customer_class: 'household' as const })))
    .execute();
  const recent = iso(30 * DAY);
  const old = iso(400 * DAY);
  await database.db
    .insertInto('invoices')
    .values(
      out.flatMap((c) => [
        { invoice_number: c.invoice, customer_number: c.customerNumber, issue_date: recent, due_date: recent, amount_minor: 4200, currency: recent < '2026-01-01' ? ('BGN' as const) : ('EUR' as const) },
        { invoice_number: c.oldInvoice, customer_number: c.customerNumber, issue_date: old, due_date: old, amount_minor: 4200, currency: old < '2026-01-01' ? ('BGN' as const) : ('EUR' as const) },
      ]),
    )
    .execute();
  return out;
}

export interface PortalApp {
  app: FastifyInstance;
  clock: Clock;
}

/** The portal alone on a Fastify app (as the server registers it), with its own clock and settings. */
export async function portalApp(database: Database, o: { env?: Record<string, string>; clock?: Clock; logger?: Logger } = {}): Promise<PortalApp> {
  const c = o.clock ?? clock();
  const logger = o.logger ?? silentLogger;
  const config = testConfig({ IZVESTIE_SANDBOX: 'on', ...o.env });
  const app = Fastify({ loggerInstance: logger as FastifyBaseLogger, trustProxy: trustProxyOption(config.http.trustProxy) });
  registerErrorHandler(app);
  const root = await assemble(config, logger, database);
  await app.register(portalRoutes(root, { now: c.now }));
  await app.ready();
  return { app, clock: c };
}

export interface Page {
  status: number;
  body: string;
  headers: LightMyRequestResponse['headers'];
}

/** A browser stand-in for inject(): keeps cookies, follows nothing, fills the CSRF token itself. */
export function webClient(app: FastifyInstance, ip = '192.0.2.10') {
  const cookies = new Map<string, string>();
  let csrf = '';
  const remember = (res: LightMyRequestResponse) => {
    for (const c of res.cookies) cookies.set(c.name, c.value);
    const m = /name="_csrf" value="([^"]*)"/.exec(res.body);
    if (m) csrf = m[1] as string;
  };
  const cookie = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  return {
    cookies,
    get csrf() {
      return csrf;
    },
    async get(url: string): Promise<Page> {
      const res = await app.inject({ method: 'GET', url, remoteAddress: ip, headers: { cookie: cookie() } });
      remember(res);
      return { status: res.statusCode, body: res.body, headers: res.headers };
    },
    async post(url: string, form: Record<string, string>, o: { csrf?: string; headers?: Record<string, string> } = {}): Promise<Page> {
      const payload = new URLSearchParams({ _csrf: o.csrf ?? csrf, ...form }).toString();
      const res = await app.inject({
        method: 'POST',
        url,
        remoteAddress: ip,
        payload,
        headers: { cookie: cookie(), 'content-type': 'application/x-www-form-urlencoded', ...o.headers },
      });
      remember(res);
      return { status: res.statusCode, body: res.body, headers: res.headers };
    },
  };
}

export type WebClient = ReturnType<typeof webClient>;

/** The code in the newest verification message to this address, as the customer would read it. */
export async function lastCode(database: Database, address: string): Promise<string> {
  const m = await database.db
    .selectFrom('outbox_messages')
    .select('body')
    .where('kind', '=', 'verification_code')
    .where('recipient', '=', address)
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow();
  const code = /\b(\d{6})\b/.exec(m.body ?? '');
  if (!code) throw new Error(`no code in the last message to ${address}: ${m.body}`);
  return code[1] as string;
}

/** Every message to an address, oldest first. */
export async function messagesTo(database: Database, address: string) {
  return database.db.selectFrom('outbox_messages').selectAll().where('recipient', '=', address).orderBy('id').execute();
}

/** Forgets every counter (so one test's failures do not lock the next one's IP). */
export async function resetCounters(database: Database): Promise<void> {
  await sql`DELETE FROM portal_counters`.execute(database.db);
}

/** Registers a contact through the web pages and verifies it; returns the client. */
export async function registerViaWeb(app: FastifyInstance, database: Database, c: SeededCustomer, contact: { sms?: string; email?: string }, ip?: string): Promise<WebClient> {
  const web = webClient(app, ip);
  await web.get('/register/customer-number');
  await expect(web.post('/register/customer-number', { customer_number: c.customerNumber }), 303);
  await web.get('/register/invoice-number');
  await expect(web.post('/register/invoice-number', { invoice_number: c.invoice }), 303);
  await web.get('/register/channel');
  const channel = contact.sms && contact.email ? 'both' : contact.sms ? 'sms' : 'email';
  await expect(web.post('/register/channel', { channel }), 303);
  if (contact.sms) await expect(web.post('/register/phone', { phone: contact.sms }), 303);
  if (contact.email) await expect(web.post('/register/email', { email: contact.email }), 303);
  await web.get('/register/consent');
  await expect(web.post('/register/consent', { consent: 'yes' }), 303);
  for (const [channel, address] of [['sms', contact.sms], ['email', contact.email]] as const) {
    if (!address) continue;
    await web.get('/register/code');
    const stored = stored_(channel, address);
    await expect(web.post('/register/code', { channel, code: await lastCode(database, stored) }), 303);
  }
  return web;
}

/** A contact as the portal stores it. */
function stored_(channel: 'sms' | 'email', typed: string): string {
  const r = channel === 'sms' ? normalisePhone(typed) : normaliseEmail(typed);
  if (!r.ok) throw new Error(`test contact ${typed} is not valid: ${r.reason}`);
  return r.address;
}

async function expect(p: Promise<Page>, status: number): Promise<Page> {
  const r = await p;
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${r.body.slice(0, 2000)}`);
  return r;
}

/** The same database with every statement's SQL text recorded, in order. */
export function recording(database: Database): { database: Database; queries: string[] } {
  const queries: string[] = [];
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: database.pool }), log: (e) => void queries.push(e.query.sql) });
  return { database: { ...database, db }, queries };
}

/** The app's JSON API with one flow token. */
export function apiClient(app: FastifyInstance, ip = '192.0.2.20') {
  let token = '';
  const call = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, payload?: unknown) => {
    const res = await app.inject({
      method,
      url: `/api/v1/self-service${path}`,
      remoteAddress: ip,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
    // Tests read answers field by field and assert on them; a schema type would add nothing.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: res.statusCode, json: (res.body ? res.json() : null) as Record<string, any>, headers: res.headers };
  };
  return {
    call,
    get token() {
      return token;
    },
    set token(t: string) {
      token = t;
    },
    async identify(c: SeededCustomer, purpose: 'register' | 'manage' = 'register') {
      const r = await call('POST', '/identity', { customer_number: c.customerNumber, invoice_number: c.invoice, purpose });
      if (r.status !== 201) throw new Error(`identity: ${r.status} ${JSON.stringify(r.json)}`);
      token = r.json.flow_token as string;
      return r;
    },
    register: (contacts: { sms?: string; email?: string }) => call('POST', '/registration', { contacts, consent_version: '2026-01' }),
    verify: (channel: 'sms' | 'email', code: string) => call('POST', '/verify', { channel, code }),
    resend: (channel: 'sms' | 'email') => call('POST', '/resend', { channel }),
  };
}
