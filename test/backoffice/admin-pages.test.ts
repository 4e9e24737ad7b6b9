import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { backofficeRoutes } from '../../src/backoffice/routes.js';
import { registerErrorHandler } from '../../src/http/error-handler.js';
import { testRoot } from '../support/app.js';
import type { Database } from '../../src/db/open.js';
import { describeEachBackend } from '../support/db.js';
import { seedStaff, signIn } from './support.js';

const dryRun = async () => ({ plannedNotices: 0, figures: [] });

async function adminPage(database: Database, url: string, env: Record<string, string> = {}): Promise<string> {
  const app: FastifyInstance = Fastify({ logger: false });
  registerErrorHandler(app);
  await app.register(backofficeRoutes(await testRoot(database, env), { dryRun }));
  await app.ready();
  try {
    const admin = await signIn(app, 'admin1');
    const page = await admin.get(url);
    assert.equal(page.status, 200);
    return page.body;
  } finally {
    await app.close();
  }
}

describeEachBackend('back-office admin pages', (get) => {
  before(async () => {
    await seedStaff(get());
  });

  test('the audit trail says how many entries it shows, and that it shows only the latest 500 when there are more', async () => {
    const count = Number((await get().db.selectFrom('audit_events').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    assert.ok(count < 490);
    assert.match(await adminPage(get(), '/backoffice/audit'), new RegExp(`<h2 id="audit-title">Записи: ${count + 1}</h2>`), 'this sign-in adds one');
    await get()
      .db.insertInto('audit_events')
      .values(Array.from({ length: 500 }, (_, i) => ({ actor: 'test', action: 'test.filled', subject: `s${i}`, details: '{}' })))
      .execute();
    assert.match(await adminPage(get(), '/backoffice/audit'), /<h2 id="audit-title">Последните 500 записа<\/h2>/);
  });
});
