// Average SMS parts per overdue notice over the demo's last 30 days: `npm start` on an empty
// database loads the demo (10,000 customers by default) and replays the daily runs of 60 days; this
// does the same through the same root, then counts the parts of the SMS notices those runs sent.
// For comparison, the same notices rendered with the Cyrillic variant of the same templates (UCS-2),
// which is what every notice cost before the one-part texts. Goal: ≤ 1.2 parts per notice.
//   npm run bench:sms-parts [-- --customers 10000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { assemble } from '../src/app/root.js';
import { loadConfig } from '../src/config.js';
import { migrate } from '../src/db/migrate.js';
import { openDatabase } from '../src/db/open.js';
import { loadDemoIfEmpty } from '../src/demo/load.js';
import type { Lang } from '../src/delivery/text/default-templates.js';
import { countSms } from '../src/delivery/text/segments.js';
import { NOTICE_KINDS } from '../src/dunning/policy.js';
import { silentLogger } from '../src/log.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

const dir = mkdtempSync(join(tmpdir(), 'izvestie-sms-parts-'));
try {
  const config = loadConfig({ IZVESTIE_DATA_DIR: dir, DATABASE_URL: '', IZVESTIE_DEMO_DATA: 'on', ...(arg('customers') ? { IZVESTIE_DEMO_CUSTOMERS: arg('customers') as string } : {}) });
  const database = await openDatabase(config.database, silentLogger);
  try {
    await migrate(database, silentLogger);
    const root = await assemble(config, silentLogger, database);
    const started = Date.now();
    await loadDemoIfEmpty(root);
    const loadMs = Date.now() - started;
    const db = database.db;

    const since = sql<Date>`now() - interval '30 days'`;
    const rows = await db
      .selectFrom('outbox_messages')
      .select(['kind', 'lang', 'payload', 'segments', 'encoding', 'body'])
      .where('channel', '=', 'sms')
      .where('kind', 'in', [...NOTICE_KINDS])
      .where('created_at', '>=', since)
      .where('sent_at', 'is not', null)
      .execute();
    const byKind = new Map<string, { notices: number; parts: number; cyrillicParts: number; gsm7: number; longest: number }>();
    // The Cyrillic variant: the same templates with smsScript 'cyrillic', through the same renderer.
    const cyrillic = root.renderWith((kind, lang) => {
      const t = root.templates.source(kind, lang);
      return t && { ...t, set: { ...t.set, smsScript: 'cyrillic' } };
    });
    for (const r of rows) {
      const k = byKind.get(r.kind) ?? { notices: 0, parts: 0, cyrillicParts: 0, gsm7: 0, longest: 0 };
      k.notices += 1;
      k.parts += r.segments ?? 0;
      if (r.encoding === 'gsm7') k.gsm7 += 1;
      k.longest = Math.max(k.longest, countSms(r.body ?? '').units);
      k.cyrillicParts += countSms(cyrillic(r.kind, 'sms', r.lang as Lang, r.payload).body).segments;
      byKind.set(r.kind, k);
    }
    const total = [...byKind.values()].reduce((a, k) => ({ notices: a.notices + k.notices, parts: a.parts + k.parts, cyrillicParts: a.cyrillicParts + k.cyrillicParts, gsm7: a.gsm7 + k.gsm7, longest: Math.max(a.longest, k.longest) }), { notices: 0, parts: 0, cyrillicParts: 0, gsm7: 0, longest: 0 });
    const avg = (parts: number, n: number) => (n === 0 ? '-' : (parts / n).toFixed(2));
    console.log(`demo: ${config.demo.customers} customers, 60 replayed days, loaded in ${(loadMs / 1000).toFixed(1)} s`);
    console.log('SMS notices of the last 30 days (sent by the replayed runs):');
    console.log('kind               notices  parts  avg parts  GSM-7  longest  Cyrillic variant: parts  avg');
    for (const [kind, k] of [...byKind.entries(), ['all', total] as const]) {
      console.log(
        `${kind.padEnd(17)} ${String(k.notices).padStart(8)} ${String(k.parts).padStart(6)} ${avg(k.parts, k.notices).padStart(10)} ${String(k.gsm7).padStart(6)} ${String(k.longest).padStart(8)} ${String(k.cyrillicParts).padStart(24)} ${avg(k.cyrillicParts, k.notices).padStart(5)}`,
      );
    }
    const goal = total.notices > 0 && total.parts / total.notices <= 1.2;
    console.log(`average parts per SMS notice: ${avg(total.parts, total.notices)} (goal ≤ 1.2: ${goal ? 'met' : 'NOT met'}); Cyrillic variant: ${avg(total.cyrillicParts, total.notices)}`);
    if (!goal) process.exitCode = 1;
  } finally {
    await database.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
