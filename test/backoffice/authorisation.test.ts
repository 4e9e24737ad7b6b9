// The authorisation matrix, generated from the route table: every route, for anonymous visitors
// and for each role, is either allowed or refused exactly as its declared access says. A second,
// independent statement of who may use which part checks the declarations themselves, so a new
// route can neither escape the check nor be declared too open by mistake.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { allows, ROLES, type Access, type Role } from '../../src/backoffice/roles.js';
import { backofficeRoutes, routeTable } from '../../src/backoffice/routes.js';
import { registerErrorHandler } from '../../src/http/error-handler.js';
import { testRoot } from '../support/app.js';
import { describeEachBackend } from '../support/db.js';
import { client, seedCustomer, seedStaff, signIn, type Client } from './support.js';

const dryRun = async () => ({ plannedNotices: 0, figures: [] });
const table = routeTable({ dryRun });

// Who may use each part of the back office, said once more by hand (longest prefix wins).
const POLICY: Array<[prefix: string, access: Access]> = [
  ['/backoffice/assets/', 'public'],
  ['/backoffice/login', 'public'],
  ['/backoffice/logout', 'signed_in'],
  ['/backoffice/account', 'signed_in'],
  ['/backoffice/', 'signed_in'],
  ['/backoffice/customers', 'agent'],
  ['/backoffice/customers/:number/holds', 'supervisor'],
  ['/backoffice/holds', 'supervisor'],
  ['/backoffice/policy', 'supervisor'],
  ['/backoffice/templates', 'supervisor'],
  ['/backoffice/runs', 'supervisor'],
  ['/backoffice/dashboard', 'supervisor'],
  ['/backoffice/users', 'admin'],
  ['/backoffice/providers', 'admin'],
  ['/backoffice/audit', 'admin'],
];

function expectedAccess(url: string): Access | undefined {
  const rules = POLICY.filter(([p]) => url === p || url.startsWith(p.endsWith('/') ? p : `${p}/`) || url === p.replace(/\/$/, ''));
  return rules.sort((a, b) => b[0].length - a[0].length)[0]?.[1];
}

test('every route’s declared access matches the written policy of its part', () => {
  for (const r of table) assert.equal(r.access, expectedAccess(r.url), `${r.method} ${r.url}`);
});

describeEachBackend('back-office authorisation matrix', (get) => {
  let app: FastifyInstance;
  const registered: string[] = [];
  const sessions = new Map<Role, Client>();
  const params: Record<string, string> = { number: '3000000301', kind: 'overdue_reminder', version: '1', date: '2026-11-20', list: 'invoices', report: 'queue' };

  before(async () => {
    const database = get();
    app = Fastify({ logger: false });
    registerErrorHandler(app);
    app.addHook('onRoute', (r) => {
      for (const m of ([] as string[]).concat(r.method)) if (r.url.startsWith('/backoffice')) registered.push(`${m} ${r.url}`);
    });
    await app.register(backofficeRoutes(await testRoot(database), { dryRun }));
    await app.ready();
    await seedStaff(database);
    await seedCustomer(database, '3000000301');
    const hold = await database.db.insertInto('dunning_holds').values({ customer_number: '3000000301', reason: 'complaint', until: '2099-01-01', created_by: 'test' }).returning('id').executeTakeFirstOrThrow();
    const user = await database.db.selectFrom('staff_users').select('id').where('username', '=', 'agent1').executeTakeFirstOrThrow();
    params.id = String(Math.max(hold.id, user.id));
    for (const role of ROLES) sessions.set(role, await signIn(app, `${role}1`));
  });
  after(async () => {
    await app.close();
  });

  const urlOf = (pattern: string) =>
    pattern.replace(/:(\w+)/g, (_m, name: string) => {
      const v = params[name];
      if (v === undefined) throw new Error(`the matrix has no value for :${name} in ${pattern}: add one`);
      return v;
    });

  test('no route is served that is not in the table', () => {
    const declared = new Set(table.flatMap((r) => [`${r.method} ${r.url}`, ...(r.method === 'GET' ? [`HEAD ${r.url}`] : [])]));
    const normal = (s: string) => s.replace(/\/backoffice\/$/, '/backoffice/').replace(/ \/backoffice$/, ' /backoffice/');
    for (const r of registered) assert.ok(declared.has(normal(r)), `${r} is served but not in routeTable`);
    assert.ok(registered.length >= table.length);
  });

  for (const route of table) {
    test(`${route.method} ${route.url} (${route.access})`, async () => {
      const url = urlOf(route.url);
      const send = (c: Client) => (route.method === 'GET' ? c.get(url) : c.post(url, {}));
      const anon = client(app);
      if (route.method === 'POST') await anon.get('/backoffice/login');
      const a = await send(anon);
      if (route.access === 'public') assert.ok(a.status !== 403 && a.status < 500, `anonymous got ${a.status}`);
      else {
        assert.equal(a.status, 303, 'anonymous is sent to sign in');
        assert.match(a.location ?? '', /^\/backoffice\/login/);
      }
      for (const role of ROLES) {
        // Signing out would end the shared session: use a fresh one.
        const c = url.endsWith('/logout') ? await signIn(app, `${role}1`) : (sessions.get(role) as Client);
        await c.get('/backoffice/account');
        const r = await send(c);
        assert.ok(r.status < 500, `${role}: ${r.status}`);
        // The sign-in forms themselves answer signed-in users by their own rules (their own tokens).
        if (route.access === 'public') continue;
        if (allows(role, route.access)) {
          assert.notEqual(r.status, 403, `${role} is refused`);
          if (!url.endsWith('/logout')) assert.doesNotMatch(r.location ?? '', /^\/backoffice\/login/, `${role} is sent to sign in`);
        } else {
          assert.equal(r.status, 403, `${role} is let through`);
          assert.match(r.body, /Нямате достъп/);
        }
      }
    });
  }

  test('a refusal is audited', async () => {
    const refused = await get().db.selectFrom('audit_events').select(['actor', 'details']).where('action', '=', 'backoffice.access_denied').execute();
    assert.ok(refused.some((r) => r.actor === 'staff:agent1' && String(r.details.url).startsWith('/backoffice/users')));
  });
});
