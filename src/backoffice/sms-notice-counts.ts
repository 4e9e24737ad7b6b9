// SMS notices over the last 30 days: what the template editor multiplies a change of parts by to
// show what it costs a month.
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Lang } from '../delivery/text/default-templates.js';

const DAY_MS = 86_400_000;

/** SMS messages of `kind` in `lang` created in the 30 days before `now` (outbox_created_idx). */
export async function smsNoticesLast30Days(db: Kysely<DB>, kind: string, lang: Lang, now: Date = new Date()): Promise<number> {
  const r = await db
    .selectFrom('outbox_messages')
    .select(sql<string>`count(*)`.as('n'))
    .where('created_at', '>=', new Date(now.getTime() - 30 * DAY_MS))
    .where('kind', '=', kind)
    .where('lang', '=', lang)
    .where('channel', '=', 'sms')
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
