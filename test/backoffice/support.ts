// Shared pieces of the back-office tests: the back office on a Fastify app with a movable clock,
// staff users of each role, customers, and a cookie-keeping form client for inject().
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { backofficeRoutes } from '../../src/backoffice/routes.js';
import type { Role } from '../../src/backoffice/roles.js';
import { createUser } from '../../src/backoffice/users.js';
import type { Database } from '../../src/db/open.js';
import { registerErrorHandler } from '../../src/http/error-handler.js';
import { testRoot } from '../support/app.js';

export interface Clock {
  now: () => Date;
  advance(ms: number): void;
}

export function clock(start = new Date()): Clock {
  let t = start.getTime();
  return { now: () => new Date(t), advance: (ms) => (t += ms) };
}

export async function backofficeApp(database: Database, o: { env?: Record<string, string>; clock?: Clock } = {}): Promise<{ app: FastifyInstance; clock: Clock }> {
  const c = o.clock ?? clock();
  const app = Fastify({ logger: false });
  registerErrorHandler(app);
  await app.register(backofficeRoutes(await testRoot(database, { IZVESTIE_SANDBOX: 'on', ...o.env }), { now: c.now }));
  await app.ready();
  return { app, clock: c };
}

export const PASSWORD = 'correct horse battery staple';

/** One staff user per role, named after it (agent1, supervisor1, admin1 with the suffix given). */
export async function seedStaff(database: Database, suffix = '1'): Promise<Record<Role, string>> {
  const out = {} as Record<Role, string>;
  for (const role of ['agent', 'supervisor', 'admin'] as const) {
    const username = `${role}${suffix}`;
    await createUser(database.db, { username, displayName: `${role} ${suffix}`, role, password: PASSWORD }, 'test');
    out[role] = username;
  }
  return out;
}

export async function seedCustomer(database: Database, number: string, name = 'Иван Петров', invoices: Array<{ number: string; due: string; amountMinor: number; paidMinor?: number }> = []): Promise<void> {
  await database.db.insertInto('customers').values({ customer_number: number, name, street: 'ул. Шипка 1', town: 'Варна', postcode: '9000', customer_class: 'household' }).execute();
  for (const i of invoices) {
    await database.db
      .insertInto('invoices')
      .values({ invoice_number: i.number, customer_number: number, issue_date: i.due, due_date: i.due, amount_minor: i.amountMinor, currency: i.due < '2026-01-01' ? 'BGN' : 'EUR', paid_eur_minor: i.paidMinor ?? 0 })
      .execute();
  }
}

export interface Page {
  status: number;
  body: string;
  headers: LightMyRequestResponse['headers'];
  location: string | undefined;
}

/** A browser in miniature: keeps cookies, finds each page's CSRF token, posts forms. */
export interface Client {
  get(url: string): Promise<Page>;
  post(url: string, form: Record<string, string | string[]>, o?: { csrf?: string | null; headers?: Record<string, string> }): Promise<Page>;
  cookies: Map<string, string>;
  /** The _csrf of the last page that had a form. */
  csrf: string | undefined;
}

export function client(app: FastifyInstance): Client {
  const cookies = new Map<string, string>();
  const request = async (method: 'GET' | 'POST', url: string, body?: string, headers: Record<string, string> = {}): Promise<Page> => {
    const res = await app.inject({
      method,
      url,
      headers: {
        ...(cookies.size ? { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
        ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { payload: body } : {}),
    });
    for (const c of res.cookies as Array<{ name: string; value: string; maxAge?: number; expires?: Date }>) {
      if (c.value === '' || c.maxAge === 0 || (c.expires && c.expires.getTime() <= Date.now())) cookies.delete(c.name);
      else cookies.set(c.name, c.value);
    }
    const m = /name="_csrf" value="([^"]+)"/.exec(res.body);
    if (m) self.csrf = m[1];
    const location = res.headers.location;
    return { status: res.statusCode, body: res.body, headers: res.headers, location: typeof location === 'string' ? location : undefined };
  };
  const self: Client = {
    cookies,
    csrf: undefined,
    get: (url) => request('GET', url),
    post: (url, form, o = {}) => {
      const params = new URLSearchParams();
      const token = o.csrf === undefined ? self.csrf : o.csrf;
      if (token !== null && token !== undefined) params.append('_csrf', token);
      for (const [k, v] of Object.entries(form)) for (const x of Array.isArray(v) ? v : [v]) params.append(k, x);
      return request('POST', url, params.toString(), o.headers);
    },
  };
  return self;
}

/** Signs in with the password (and a TOTP code when asked); returns the client, signed in. */
export async function signIn(app: FastifyInstance, username: string, password = PASSWORD, code?: () => string): Promise<Client> {
  const c = client(app);
  await c.get('/backoffice/login');
  const r = await c.post('/backoffice/login', { username, password });
  if (r.status !== 303) throw new Error(`sign-in of ${username} failed: ${r.status}`);
  if (r.location?.startsWith('/backoffice/login/code')) {
    if (!code) throw new Error(`${username} needs a TOTP code`);
    await c.get(r.location);
    const k = await c.post(r.location, { code: code() });
    if (k.status !== 303) throw new Error(`second factor of ${username} failed: ${k.status}`);
  }
  return c;
}
