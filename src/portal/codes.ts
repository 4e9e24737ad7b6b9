import { randomBytes, randomInt, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { contactKey } from '../contacts/address.js';
import { enqueue } from '../delivery/outbox/enqueue.js';
import type { Lang } from '../delivery/text/default-templates.js';
import { rules, type PortalDeps } from './deps.js';
import type { ContactChannel } from './flow-store.js';
import { ipLimitKey } from './ip-prefix.js';
import { codeMessage, SCRUBBED_CODE } from './messages.js';
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
const secondsUntil = (end: number, now: Date) => Math.max(1, Math.ceil((end - now.getTime()) / 1000));

/** Counts one hit in a fixed window; the hits so far and when the window ends. */
async function bump(db: Kysely<DB>, scope: 'ip_code', key: string, windowStart: Date, windowMs: number, now: Date) {
  const r = await sql<{ hits: number; window_start: Date }>`
    INSERT INTO portal_counters AS c (scope, key, window_start, hits) VALUES (${scope}, ${key}, ${windowStart}, 1)
    ON CONFLICT (scope, key) DO UPDATE SET
      hits = CASE WHEN c.window_start > ${now}::timestamptz - ${ms(windowMs)}::interval THEN c.hits + 1 ELSE 1 END,
      window_start = CASE WHEN c.window_start > ${now}::timestamptz - ${ms(windowMs)}::interval THEN c.window_start ELSE ${windowStart} END
    RETURNING hits, window_start`.execute(db);
  const row = r.rows[0]!;
  return { hits: row.hits, retryAfterSeconds: secondsUntil(row.window_start.getTime() + windowMs, now) };
}

/**
 * Blanks the digits of code messages whose code is dead (scrubbed = true on the code rows): the
 * blanked texts were rendered with the message (src/portal/messages.ts) and wait in its payload.
 * A message from before they were kept there has its one run of six digits blanked instead.
 */
async function scrubMessages(db: Kysely<DB>, rows: ReadonlyArray<{ message_id: number | null }>): Promise<void> {
  const ids = rows.map((r) => r.message_id).filter((id): id is number => id !== null);
  if (ids.length === 0) return;
  const messages = await db.selectFrom('outbox_messages').select(['id', 'channel', 'body', 'html', 'payload']).where('id', 'in', ids).where('kind', '=', 'verification_code').execute();
  for (const m of messages) {
    if (m.channel === 'letter' || m.channel === 'viber') continue;
    const { scrubbed, ...payload } = m.payload;
    const t = isTexts(scrubbed) ? scrubbed : { body: blank(m.body), html: blank(m.html) };
    await db.updateTable('outbox_messages').set({ body: t.body, html: t.html, payload: JSON.stringify(payload) }).where('id', '=', m.id).execute();
  }
}

const isTexts = (v: unknown): v is { body: string | null; html: string | null } => typeof v === 'object' && v !== null && 'body' in v && 'html' in v;
const blank = (text: string | null) => text?.replace(/\b\d{6}\b/g, SCRUBBED_CODE) ?? null;

/**
 * A replaced code's message still waiting is cancelled at once (the guard would cancel it when
 * claimed): it is never sent, so it no longer counts against the SMS budget.
 */
async function cancelUnsent(db: Kysely<DB>, rows: ReadonlyArray<{ message_id: number | null }>, now: Date): Promise<void> {
  const ids = rows.map((r) => r.message_id).filter((id): id is number => id !== null);
  if (ids.length === 0) return;
  await db
    .updateTable('outbox_messages')
    .set({ status: 'cancelled', cancel_reason: 'code replaced', final_at: now })
    .where('id', 'in', ids)
    .where('status', '=', 'queued')
    .execute();
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

type Limits = PortalDeps['config']['portal'];

/**
 * The customer number's codes of the last 24 hours: at most so many, to at most so many contacts.
 * Sign-in codes (to the customer's own contacts) are counted apart from the codes that prove a new
 * contact, so that someone who knows the customer and invoice numbers and spends the latter
 * still leaves the customer a way in.
 */
async function checkCustomer(tx: Kysely<DB>, limits: Limits, c: IssueCode, contact: string): Promise<void> {
  const since = new Date(c.now.getTime() - 86_400_000);
  const r = await tx
    .selectFrom('verification_codes')
    .select((eb) => [
      eb.fn.countAll<string>().as('codes'),
      sql<string>`count(DISTINCT lower(address))`.as('contacts'),
      sql<boolean>`coalesce(bool_or(lower(address) = ${contact}), false)`.as('known'),
      eb.fn.min('created_at').as('oldest'),
    ])
    .where('customer_number', '=', c.customerNumber)
    .where('created_at', '>', since)
    .where(sql<boolean>`(purpose = 'login') = ${c.purpose === 'login'}`)
    .executeTakeFirstOrThrow();
  if (Number(r.codes) >= limits.customerCodesPerDay || (!r.known && Number(r.contacts) >= limits.customerContactsPerDay)) {
    const oldest = r.oldest === null ? c.now : new Date(r.oldest);
    throw new PortalRefusal('customer_daily_limit', { retryAfterSeconds: secondsUntil(oldest.getTime() + 86_400_000, c.now) });
  }
}

/**
 * The hourly SMS budget counts the verification SMS of the clock hour that are sent or still to
 * be: a code replaced or cancelled before its message left gives its share back. Checked under
 * one lock for every process, taken last in the transaction (callers issue SMS codes last).
 */
async function checkSmsBudget(tx: Kysely<DB>, limits: Limits, now: Date): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtextextended('portal-sms-budget', 0))`.execute(tx);
  const hour = Math.floor(now.getTime() / 3_600_000) * 3_600_000;
  const r = await tx
    .selectFrom('verification_codes as v')
    .innerJoin('outbox_messages as m', 'm.id', 'v.message_id')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('v.channel', '=', 'sms')
    .where('v.created_at', '>=', new Date(hour))
    .where('v.created_at', '<', new Date(hour + 3_600_000))
    .where('m.status', 'not in', ['cancelled', 'expired'])
    .executeTakeFirstOrThrow();
  if (Number(r.n) >= limits.smsCodesPerHour) throw new PortalRefusal('sms_budget', { retryAfterSeconds: secondsUntil(hour + 3_600_000, now) });
}

/**
 * Issues a code to a contact inside the caller's transaction: the code row and its urgent outbox
 * message (in the utility's brand) commit together with the decision behind them. Refuses (PortalRefusal, which rolls the
 * transaction back) when the contact had its codes for the day, the customer number its codes or
 * contacts for the day, the IP (an IPv6 /48) its codes for the hour, or an SMS would exceed the
 * hourly budget. Replaces the flow's live code for the same channel.
 */
export async function issueCode(tx: Kysely<DB>, deps: Pick<PortalDeps, 'config' | 'siteVars'>, c: IssueCode, secret: NewCode): Promise<{ codeId: number; expiresAt: Date }> {
  const limits = deps.config.portal;
  const now = c.now;
  const contact = contactKey(c.address);
  // One customer number's codes, then one contact's, are issued one at a time (always in this
  // order), so the daily counts cannot be raced past.
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`portal-customer-code:${c.customerNumber}`}, 0))`.execute(tx);
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`portal-code:${contact}`}, 0))`.execute(tx);
  const recent = await tx
    .selectFrom('verification_codes')
    .select((eb) => [eb.fn.countAll<string>().as('n'), eb.fn.min('created_at').as('oldest')])
    .where(sql<string>`lower(address)`, '=', contact)
    .where('created_at', '>', new Date(now.getTime() - 86_400_000))
    .executeTakeFirstOrThrow();
  if (Number(recent.n) >= rules.codesPerContactPerDay) {
    const oldest = recent.oldest === null ? now : new Date(recent.oldest);
    throw new PortalRefusal('contact_daily_limit', { retryAfterSeconds: secondsUntil(oldest.getTime() + 86_400_000, now) });
  }
  await checkCustomer(tx, limits, c, contact);
  const ip = await bump(tx, 'ip_code', ipLimitKey(c.ip), now, rules.ipWindowMs, now);
  if (ip.hits > limits.ipCodesPerHour) throw new PortalRefusal('ip_code_limit', { retryAfterSeconds: ip.retryAfterSeconds });

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
  await cancelUnsent(tx, replaced, now);
  if (c.channel === 'sms') await checkSmsBudget(tx, limits, now);

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
  const message = await enqueue(tx, codeMessage({ ...c, codeId, code: secret.code, expiresAt, site: deps.siteVars }));
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
