import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.js';
import { describeEachBackend } from '../support/db.js';

// Migration 0027 says two CHECK constraints without regular expressions (each was evaluated on every
// status change of a message). They must accept exactly what the expressions they replace did.
const CASES = [
  { table: 'outbox_messages', constraint: 'outbox_messages_kind_check', column: 'kind', was: '^[a-z][a-z0-9_]{0,62}$', max: 70 },
  { table: 'delivery_receipts', constraint: 'delivery_receipts_status_check', column: 'status', was: '^[A-Z_]{1,20}$', max: 24 },
] as const;

// Near misses of both: the other case, digits first, neighbours of the ranges in ASCII, Cyrillic
// look-alikes, white space, and lengths around the limits.
const ALPHABET = [...'abyzABYZ019_', '`', '{', '@', '[', '/', ':', ' ', '\n', '-', 'а', 'е', 'А', 'Е', 'ß', '😀'];

async function definition(db: Kysely<DB>, table: string, constraint: string): Promise<string> {
  const r = await sql<{ def: string }>`
    SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = ${table}::regclass AND conname = ${constraint}`.execute(db);
  const def = r.rows[0]?.def ?? '';
  const m = /^CHECK \((.*)\)( NOT VALID)?$/s.exec(def);
  assert.ok(m, `${constraint}: ${def}`);
  return m[1] as string;
}

describeEachBackend('CHECK constraints of the sending path', (get) => {
  for (const c of CASES) {
    test(`${c.constraint} accepts exactly what ${c.was} did`, async () => {
      const { db } = get();
      const expr = await definition(db, c.table, c.constraint);
      assert.doesNotMatch(expr, /~/, 'no regular expression on the sending path');
      const value = fc.oneof(
        fc.string({ unit: fc.constantFrom(...ALPHABET), maxLength: c.max }),
        fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789_ABCDEFGHIJKLMNOPQRSTUVWXYZ'), minLength: c.max - 10, maxLength: c.max }),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(value, { minLength: 1, maxLength: 200 }), async (values) => {
          const r = await sql<{ v: string; was: boolean; now: boolean }>`
            SELECT v, v ~ ${c.was} AS was, (${sql.raw(expr.replaceAll(c.column, 'v'))}) AS now FROM unnest(${values}::text[]) AS t(v)`.execute(db);
          for (const x of r.rows) assert.equal(x.now, x.was, JSON.stringify(x.v));
        }),
        { numRuns: 40 },
      );
    });
  }

  test('bad kinds and receipt statuses are still refused where they are written', async () => {
    const { db } = get();
    const message = (kind: string) =>
      db.insertInto('outbox_messages').values({ business_key: `k:${kind}`, kind, channel: 'sms', recipient: '+359888000001', body: 'x' }).execute();
    await message('overdue_reminder');
    await message('a'.repeat(63));
    for (const bad of ['Overdue', '1st_notice', '_x', 'a'.repeat(64), 'напомняне', 'a-b', '']) {
      await assert.rejects(message(bad), /outbox_messages_kind_check/, bad);
    }
    const receipt = (status: string) =>
      db.insertInto('delivery_receipts').values({ provider: 'p', provider_message_id: `id-${status}`, status }).execute();
    await receipt('DELIVRD');
    await receipt('A'.repeat(20));
    for (const bad of ['delivrd', 'DELIV RD', 'A'.repeat(21), 'ДОСТАВЕНО', '']) {
      await assert.rejects(receipt(bad), /delivery_receipts_status_check/, bad);
    }
  });
});
