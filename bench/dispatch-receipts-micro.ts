// Micro-benchmark of the receipt store alone: recordReceipts for receipts of sent messages, in
// groups of a given size, one after the other; PostgreSQL CPU (the one backend) per receipt.
// tsx bench/dispatch-receipts-micro.ts [groupSizes=1,5,20,100,500] [receipts=4000]
import { sql } from 'kysely';
import pg from 'pg';
import { openDatabase } from '../src/db/open.js';
import { migrate } from '../src/db/migrate.js';
import { recordReceipts } from '../src/delivery/outbox/receipts.js';
import { silentLogger } from '../src/log.js';
import { noticeRenderer } from '../src/dunning/render.js';
import { postgresCpu } from './dispatch-cpu.js';
import { databaseUrl, ensureDatabase } from './dispatch-history.js';

const sizes = (process.argv[2] ?? '1,5,20,100,500').split(',').map(Number);
const total = Number(process.argv[3] ?? 4000);
const server = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const name = process.env.BENCH_DB ?? 'bench_receipts';
await ensureDatabase(server, name);
const url = databaseUrl(server, name);
const database = await openDatabase({ kind: 'postgres', url, poolSize: 1 }, silentLogger);
await migrate(database, silentLogger);
const { db } = database;
const pid = Number((await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(db)).rows[0]?.pid);
const render = noticeRenderer('https://izvestie.example.bg') as never;
for (const size of sizes) {
  const prefix = `m${size}-${Date.now()}-`;
  await sql`INSERT INTO outbox_messages (business_key, kind, channel, recipient, body, status, provider, provider_message_ids, sent_at)
    SELECT ${prefix} || g, 'text', 'sms', '+359888000000', 'x', 'sent', 'smpp', ARRAY[${prefix} || g], now() FROM generate_series(1, ${total}) g`.execute(db);
  await sql`VACUUM ANALYZE outbox_messages`.execute(db);
  const cpu = postgresCpu(name, new Set());
  const t = performance.now();
  for (let i = 0; i < total; i += size) {
    const group = Array.from({ length: Math.min(size, total - i) }, (_, j) => ({ provider: 'smpp', providerMessageId: `${prefix}${i + j + 1}`, status: 'DELIVRD', raw: 'id:x stat:DELIVRD' }));
    await recordReceipts(db, group, { render, hardFailureThreshold: 3 });
  }
  const ms = performance.now() - t;
  const used = cpu.stop();
  const delivered = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox_messages WHERE business_key LIKE ${prefix + '%'} AND status = 'delivered'`.execute(db)).rows[0]?.n;
  console.log(`group ${String(size).padStart(3)}: ${((used.ownMs * 1000) / total).toFixed(0)} µs PostgreSQL CPU per receipt, ${(total / (ms / 1000)).toFixed(0)} receipts/s, ${delivered} delivered (pid ${pid})`);
}
await database.close();
const c = new pg.Client({ connectionString: databaseUrl(server, 'postgres') });
await c.connect();
await c.query(`DROP DATABASE ${name}`);
await c.end();
