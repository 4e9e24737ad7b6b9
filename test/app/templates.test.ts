// A template saved in the back office is what customers get: saved in one process (the web
// server, assembled as `izvestie start` assembles it), used by a running `izvestie worker` in
// another, without a restart, for the notices of a real daily run; the preview shows the same text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { assemble } from '../../src/app/root.js';
import { loadConfig } from '../../src/config.js';
import { buildServer } from '../../src/http/server.js';
import { silentLogger } from '../../src/log.js';
import { seedStaff, signIn } from '../backoffice/support.js';
import { backends, openTestPostgres } from '../support/db.js';
import { until } from '../support/delivery-e2e.js';
import { cli, importCustomers, programEnv, textsByDestination } from '../support/program.js';
import { startSmsc } from '../support/smsc.js';
import { startWorkerProcess } from '../support/worker-process.js';

const postgres = backends.find((b) => b.name === 'postgres');

function formOf(body: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const m of body.matchAll(/<textarea[^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/textarea>/g)) {
    fields[m[1] as string] = (m[2] as string).replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&amp;', '&');
  }
  return fields;
}

test('a template saved in the back office is what a running worker sends, and the timeline names its version', { skip: postgres?.skip ?? 'no PostgreSQL' }, async (t) => {
  const database = await openTestPostgres();
  const smsc = await startSmsc();
  const env = {
    ...programEnv(database.url),
    SMPP_URL: smsc.url,
    DUNNING_RUN_AT: '23:59',
  };
  const root = await assemble(loadConfig(env), silentLogger, database);
  const app = await buildServer(root);
  const worker = startWorkerProcess(env);
  t.after(async () => {
    worker.kill('SIGTERM');
    await worker.exited;
    await app.close();
    await smsc.stop();
    await database.close();
  });
  await importCustomers(database, [
    { number: '3000000801', name: 'Иван Петров', phone: '0888 800 801', invoices: [{ number: '7000000801', due: '2026-11-20', amount: '48.20' }] },
    { number: '3000000802', name: 'Анна Колева', phone: '0888 800 802', invoices: [{ number: '7000000802', due: '2026-11-20', amount: '19.90' }] },
  ]);
  await seedStaff(database);
  const supervisor = await signIn(app, 'supervisor1');

  const page = await supervisor.get('/backoffice/templates/overdue_reminder');
  assert.equal(page.status, 200);
  // In Cyrillic (UCS-2) this text takes two parts at worst: the supervisor raises its budget to 2.
  const draft = { ...formOf(page.body), sms_bg: 'ЕНЕРГО-ТЕСТ: дължите {{total_eur}} за ток. Платете на {{pay_url}}', sms_script_bg: 'cyrillic', sms_part_budget_bg: '2' };
  const preview = await supervisor.post('/backoffice/templates/overdue_reminder', { ...draft, action: 'preview' });
  assert.equal(preview.status, 200);
  assert.match(preview.body, /ЕНЕРГО-ТЕСТ: дължите 123,45 EUR за ток\. Платете на https?:\/\/[^/\s<]+\//);
  const saved = await supervisor.post('/backoffice/templates/overdue_reminder', { ...draft, note: 'shorter', action: 'save' });
  assert.equal(saved.status, 303);

  // The worker reads the templates in force every 2 s; it was started before the save.
  await sleep(4000);
  const run = await cli(['run', '--date', '2026-11-25'], env);
  assert.equal(run.code, 0, run.stderr);
  await until(() => textsByDestination(smsc.submitted).size === 2, 60_000, `both SMS at the SMSC\n${worker.output()}`);
  const texts = textsByDestination(smsc.submitted);
  // Sent as written (the template's Cyrillic script), not transliterated; the link is the notice's own.
  assert.match(texts.get('359888800801')?.join('|') ?? '', /^ЕНЕРГО-ТЕСТ: дължите 48,20 EUR за ток\. Платете на https:\/\/izvestie\.example\.bg\/\S*$/);
  assert.match(texts.get('359888800802')?.join('|') ?? '', /^ЕНЕРГО-ТЕСТ: дължите 19,90 EUR за ток\. Платете на https:\/\/izvestie\.example\.bg\/\S*$/);

  // The SMSC answers before the worker's record of the send commits.
  const rows = () => database.db.selectFrom('outbox_messages').select(['template_version', 'status']).where('kind', '=', 'overdue_reminder').execute();
  await until(async () => (await rows()).every((r) => r.status === 'sent'), 30_000, 'both notices recorded as sent');
  assert.deepEqual((await rows()).map((r) => [r.template_version, r.status]), [[1, 'sent'], [1, 'sent']]);
  const customerPage = await supervisor.get('/backoffice/customers/3000000801');
  assert.match(customerPage.body, />v1</);
});
