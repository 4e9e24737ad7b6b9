import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachBackend } from '../support/db.js';
import { loadConfig } from '../../src/config.js';
import { checkPassword } from '../../src/backoffice/users.js';
import { createDemoStaff } from '../../src/demo/staff.js';

const settings = loadConfig({}).backoffice;

describeEachBackend('demo back-office accounts', (get) => {
  test('one account per role whose shown password signs in; none once any staff account exists', async () => {
    const { db } = get();
    const accounts = await createDemoStaff(db);
    assert.deepEqual(accounts.map((a) => [a.username, a.role]), [['demo-agent', 'agent'], ['demo-supervisor', 'supervisor'], ['demo-admin', 'admin']]);
    for (const a of accounts) {
      const r = await checkPassword(db, settings, { username: a.username, password: a.password, ip: '127.0.0.1', now: new Date() });
      assert.ok(r.ok && r.user.role === a.role, a.username);
    }
    assert.equal(new Set(accounts.map((a) => a.password)).size, 3);
    assert.deepEqual(await createDemoStaff(db), []);
  });
});
