// One part per SMS notice, on the wire: a real daily run (`izvestie run`, its dry run first) and a
// running `izvestie worker` send every overdue notice to the SMSC as one GSM-7 submit_sm, without a
// concatenation header, even with a five-figure amount and its leva equivalent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backends, openTestPostgres } from '../support/db.js';
import { until } from '../support/delivery-e2e.js';
import { cli, importText, programEnv, textsByDestination } from '../support/program.js';
import { startSmsc } from '../support/smsc.js';
import { startWorkerProcess } from '../support/worker-process.js';

const postgres = backends.find((b) => b.name === 'postgres');

test('a daily run\'s SMS notices reach the SMSC as single-part GSM-7 submit_sm', { skip: postgres?.skip ?? 'no PostgreSQL' }, async (t) => {
  const database = await openTestPostgres();
  const smsc = await startSmsc();
  const env = { ...programEnv(database.url), SMPP_URL: smsc.url, DUNNING_RUN_AT: '23:59' };
  const worker = startWorkerProcess(env);
  t.after(async () => {
    worker.kill('SIGTERM');
    await worker.exited;
    await smsc.stop();
    await database.close();
  });
  const customers = [
    ['3000000901', 'Иван Петров', '0888 800 901', '7000000901', '48.20', 'EUR'],
    ['3000000902', 'Анна Колева', '0888 800 902', '7000000902', '99999.99', 'EUR'],
    ['3000000903', 'Щерьо Щерев', '0888 800 903', '7000000903', '1234.56', 'EUR'],
  ] as const;
  await importText(database, 'customers', ['customer_number;name;street;town;postcode;customer_class', ...customers.map((c) => `${c[0]};${c[1]};ул. Шипка 5;Варна;9000;household`)].join('\n'));
  await importText(database, 'invoices', ['invoice_number,customer_number,issue_date,due_date,amount,currency', ...customers.map((c) => `${c[3]},${c[0]},2026-01-20,2026-02-20,${c[4]},${c[5]}`)].join('\n'));
  await importText(database, 'subscriptions', ['customer_number,channel,address,registered_at,consent_version', ...customers.map((c) => `${c[0]},sms,${c[2]},2025-01-10,test-v1`)].join('\n'));

  // Before 2026-08-08 prices are shown in euro and leva: the longest text a notice gets.
  const dry = await cli(['run', '--date', '2026-02-25', '--dry-run'], env);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /SMS notices: 3; average parts per SMS notice: 1\.00 \(reminder 1\.00\)\./);
  const run = await cli(['run', '--date', '2026-02-25'], env);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /Created 3 notice\(s\); SMS about 3 part\(s\)/);

  await until(() => textsByDestination(smsc.submitted).size === 3, 60_000, `the three SMS at the SMSC\n${worker.output()}`);
  assert.equal(smsc.submitted.length, 3, 'one submit_sm per notice');
  for (const sm of smsc.submitted) {
    assert.deepEqual([sm.data_coding, sm.esm_class, sm.udh], [0, 0, undefined], sm.destination_addr);
    assert.ok(sm.short_message.length <= 160, `${sm.short_message.length} septets`);
  }
  const texts = textsByDestination(smsc.submitted);
  assert.match(texts.get('359888800901')?.[0] ?? '', /^PRIMER: Neplateno po kl\.No \*{6}0901: 48,20 EUR \(94,27 lv\.\), padezh 20\.02\.2026\. Platete: https:\/\/izvestie\.example\.bg\//);
  assert.match(texts.get('359888800902')?.[0] ?? '', /^PRIMER: Neplateno po kl\.No \*{6}0902: 99 999,99 EUR \(195 582,98 lv\.\), padezh 20\.02\.2026\. Platete: https:\/\//);
  assert.match(texts.get('359888800903')?.[0] ?? '', /: 1 234,56 EUR \(2 414,59 lv\.\)/);

  const rows = () => database.db.selectFrom('outbox_messages').select(['status', 'segments', 'encoding']).where('kind', '=', 'overdue_reminder').execute();
  await until(async () => (await rows()).every((r) => r.status === 'sent'), 30_000, 'the notices recorded as sent');
  assert.deepEqual((await rows()).map((r) => [r.segments, r.encoding]), [[1, 'gsm7'], [1, 'gsm7'], [1, 'gsm7']]);
});
