import { randomBytes, randomInt, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { enqueue } from '../delivery/outbox/enqueue.js';
import type { Lang } from '../delivery/text/default-templates.js';
import { rules, type PortalDeps } from './deps.js';
import type { ContactChannel } from './flow-store.js';
import { codeMessage, codeTexts, SCRUBBED_CODE } from './messages.js';
import { PortalRefusal } from './refusal.js';
import type { CodePurpose } from './tables.js';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number, options: { N: number; r: number; p: number }) => Promise<Buffer>;

// scrypt, not a plain hash: a million possible codes would fall to a plain hash in a second. It runs
// on libuv's thread pool, outside any transaction.
async function hashCode(code: string, salt: Buffer): Promise<Buffer> {
  return scryptAsync(code, salt, 32, { N: 16_384, r: 8, p: 1 });
}

export interface NewCode {
  code: string;
  salt: Buffer;
  hash: Buffer;
}

/** A fresh uniformly random 6-digit code and its hash; made before the transaction that issues it. */
export async function newCode(): Promise<NewCode> {
  const code = String(randomInt(0, 10 ** rules.codeDigits)).padStart(rules.codeDigits, '0');
  const salt = randomBytes(16);
  return { code, salt, hash: await hashCode(code, salt) };
}

const ms = (n: number) => `${n} milliseconds`;

/** Counts one hit in a fixed window; the hits so far and when the window ends. */
async function bump(db: Kysely<DB>, scope: 'ip_code' | 'sms_budget', key: string, windowStart: Date, windowMs: number, now: Date) {
  const r = await sql<{ hits: number; window_start: Date }>`
    INSERT INTO portal_counters AS c (scope, key, window_start, hits) VALUES (${scope}, ${key}, ${windowStart}, 1)
    ON CONFLICT (scope, key) DO UPDATE SET
      hits = CASE WHEN c.window_start > ${now}::timestamptz - ${ms(windowMs)}::interval THEN c.hits + 1 ELSE 1 END,
      window_start = CASE WHEN c.window_start > ${now}::timestamptz - ${ms(windowMs)}::interval THEN c.window_start ELSE ${windowStart} END
    RETURNING hits, window_start`.execute(db);
  const row = r.rows[0]!;
  return { hits: row.hits, retryAfterSeconds: Math.max(1, Math.ceil((row.window_start.getTime() + windowMs - now.getTime()) / 1000)) };
}

/** Blanks the digits of code messages whose code is dead (scrubbed = true on the code rows). */
async function scrubMessages(db: Kysely<DB>, rows: ReadonlyArray<{ message_id: number | null }>): Promise<void> {
  const ids = rows.map((r) => r.message_id).filter((id): id is number => id !== null);
  if (ids.length === 0) return;
  const messages = await db.selectFrom('outbox_messages').select(['id', 'channel', 'lang']).where('id', 'in', ids).where('kind', '=', 'verification_code').execute();
  for (const m of messages) {
    if (m.channel === 'letter') continue;
    const t = codeTexts(m.channel, m.lang, SCRUBBED_CODE);
    await db.updateTable('outbox_messages').set({ body: t.body ?? null, html: t.html ?? null }).where('id', '=', m.id).execute();
  }
}

export interface IssueCode {
  sessionHash: Buffer;
  customerNumber: string;
  channel: ContactChannel;
  address: string;
  purpose: CodePurpose;
  subscriptionId: number;
  lang: Lang;
  ip: string;
  now: Date;
}

/**
 * Issues a code to a contact inside the caller's transaction: the code row and its urgent outbox
 * message commit together with the decision behind them. Refuses (PortalRefusal, which rolls the
 * transaction back) when the contact had its codes for the day, the IP its codes for the hour, or
 * an SMS would exceed the hourly budget. Replaces the flow's live code for the same channel.
 */
export async function issueCode(tx: Kysely<DB>, limits: PortalDeps['config']['portal'], c: IssueCode, secret: NewCode): Promise<{ codeId: number; expiresAt: Date }> {
  const now = c.now;
  // One contact's codes are issued one at a time, so the daily count cannot be raced past.
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`portal-code:${c.address}`}, 0))`.execute(tx);
  const dayAgo = new Date(now.getTime() - 86_400_000);
  const recent = await tx
    .selectFrom('verification_codes')
    .select((eb) => [eb.fn.countAll<string>().as('n'), eb.fn.min('created_at').as('oldest')])
    .where('address', '=', c.address)
    .where('created_at', '>', dayAgo)
    .executeTakeFirstOrThrow();
  if (Number(recent.n) >= rules.codesPerContactPerDay) {
    const oldest = recent.oldest === null ? now : new Date(recent.oldest);
    throw new PortalRefusal('contact_daily_limit', { retryAfterSeconds: Math.max(1, Math.ceil((oldest.getTime() + 86_400_000 - now.getTime()) / 1000)) });
  }
  const ip = await bump(tx, 'ip_code', c.ip, now, rules.ipWindowMs, now);
  if (ip.hits > limits.ipCodesPerHour) throw new PortalRefusal('ip_code_limit', { retryAfterSeconds: ip.retryAfterSeconds });
  if (c.channel === 'sms') {
    // A clock hour, the same for every process.
    const hour = new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000);
    const budget = await bump(tx, 'sms_budget', 'global', hour, 3_600_000, now);
    if (budget.hits > limits.smsCodesPerHour) throw new PortalRefusal('sms_budget', { retryAfterSeconds: budget.retryAfterSeconds });
  }

  const replaced = await tx
    .updateTable('verification_codes')
    .set({ replaced_at: now, scrubbed: true })
    .where('session_hash', '=', c.sessionHash)
    .where('channel', '=', c.channel)
    .where('used_at', 'is', null)
    .where('replaced_at', 'is', null)
    .returning('message_id')
    .execute();
  await scrubMessages(tx, replaced);

  const expiresAt = new Date(now.getTime() + rules.codeTtlMs);
  const { id: codeId } = await tx
    .insertInto('verification_codes')
    .values({
      session_hash: c.sessionHash,
      customer_number: c.customerNumber,
      channel: c.channel,
      address: c.address,
      purpose: c.purpose,
      subscription_id: c.subscriptionId,
      salt: secret.salt,
      code_hash: secret.hash,
      created_at: now,
      expires_at: expiresAt,
      client_ip: c.ip,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const message = await enqueue(tx, codeMessage({ ...c, codeId, code: secret.code, expiresAt }));
  await tx.updateTable('verification_codes').set({ message_id: message.id }).where('id', '=', codeId).execute();
  return { codeId, expiresAt };
}

export type CodeCheck = { match: boolean } | { dead: true };

/** Reads the flow's code and compares the typed one (outside any transaction: scrypt is slow). */
export async function compareCode(db: Kysely<DB>, a: { sessionHash: Buffer; codeId: number; code: string; now: Date }): Promise<CodeCheck> {
  const row = await db
    .selectFrom('verification_codes')
    .select(['salt', 'code_hash', 'tries', 'used_at', 'replaced_at', 'expires_at'])
    .where('id', '=', a.codeId)
    .where('session_hash', '=', a.sessionHash)
    .executeTakeFirst();
  if (!row || row.used_at !== null || row.replaced_at !== null || row.tries >= rules.codeTries || row.expires_at.getTime() <= a.now.getTime()) {
    return { dead: true };
  }
  const typed = await hashCode(a.code, row.salt);
  return { match: timingSafeEqual(typed, row.code_hash) };
}

export type TryResult = { ok: true } | { ok: false; triesLeft: number } | { ok: false; dead: true };

/**
 * Records one try of a compared code inside the caller's transaction. The conditions are checked
 * again in the UPDATE, so two tries at once cannot both use a code or exceed its tries.
 */
export async function recordTry(tx: Kysely<DB>, a: { codeId: number; match: boolean; now: Date }): Promise<TryResult> {
  const row = await tx
    .updateTable('verification_codes')
    .set((eb) => ({
      tries: eb('tries', '+', 1),
      used_at: a.match ? a.now : null,
      scrubbed: a.match ? true : sql<boolean>`${eb.ref('tries')} >= ${rules.codeTries - 1}`,
    }))
    .where('id', '=', a.codeId)
    .where('used_at', 'is', null)
    .where('replaced_at', 'is', null)
    .where('tries', '<', rules.codeTries)
    .where('expires_at', '>', a.now)
    .returning(['tries', 'message_id', 'scrubbed'])
    .executeTakeFirst();
  if (!row) return { ok: false, dead: true };
  if (row.scrubbed) await scrubMessages(tx, [row]);
  if (a.match) return { ok: true };
  const triesLeft = rules.codeTries - row.tries;
  return triesLeft > 0 ? { ok: false, triesLeft } : { ok: false, dead: true };
}

/** Blanks the messages of codes that expired unused; the housekeeping calls it. */
export async function scrubExpiredCodes(db: Kysely<DB>, now: Date, limit = 1000): Promise<number> {
  const rows = await sql<{ message_id: number | null }>`
    UPDATE verification_codes SET scrubbed = true
    WHERE id IN (SELECT id FROM verification_codes WHERE NOT scrubbed AND expires_at <= ${now} ORDER BY expires_at LIMIT ${limit})
    RETURNING message_id`.execute(db);
  await scrubMessages(db, rows.rows);
  return rows.rows.length;
}
