// Staff sessions, kept in PostgreSQL so that every web process sees the same ones. The token is
// in a cookie only; the table holds its SHA-256. A session ends when idle too long, at its
// absolute end, on sign-out, or when an admin changes the user's rights.
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { BackofficeSettings } from '../config.js';
import type { DB } from '../db/schema.js';
import { newCsrfToken } from '../http/csrf.js';
import type { Role } from './roles.js';
import { purgeCounters } from './signin-throttle.js';

export interface StaffSession {
  hash: Buffer;
  stage: 'second_factor' | 'active';
  csrf: string;
  data: SessionData;
  createdAt: Date;
  expiresAt: Date;
  user: { id: number; username: string; displayName: string; role: Role; totpEnabled: boolean };
}

/** Small state carried between pages. */
export interface SessionData {
  /** A TOTP secret being enrolled (base32), until its first code is typed. */
  totpPending?: string;
  /** A one-time message for the next page. */
  flash?: string;
}

export type SessionLookup = { session: StaffSession } | { session: null; ended: 'idle' | 'expired' | null };

export const hashToken = (token: string): Buffer => createHash('sha256').update(token).digest();

// Writing last_seen_at on every request would turn each page view into a write; a minute of
// slack on a 30-minute idle timeout is harmless.
const TOUCH_EVERY_MS = 60_000;

export async function createSession(
  db: Kysely<DB>,
  cfg: BackofficeSettings,
  a: { userId: number; stage: StaffSession['stage']; ip: string; now: Date; expiresAt?: Date },
): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db
    .insertInto('staff_sessions')
    .values({
      token_hash: hashToken(token),
      user_id: a.userId,
      stage: a.stage,
      csrf: newCsrfToken(),
      ip: a.ip,
      created_at: a.now,
      last_seen_at: a.now,
      expires_at: a.expiresAt ?? new Date(a.now.getTime() + cfg.sessionMaxMs),
    })
    .execute();
  return token;
}

export async function loadSession(db: Kysely<DB>, cfg: BackofficeSettings, token: string, now: Date): Promise<SessionLookup> {
  if (!/^[\w-]{43}$/.test(token)) return { session: null, ended: null };
  const hash = hashToken(token);
  const r = await db
    .selectFrom('staff_sessions as s')
    .innerJoin('staff_users as u', 'u.id', 's.user_id')
    .select(['s.stage', 's.csrf', 's.data', 's.created_at', 's.last_seen_at', 's.expires_at', 'u.id', 'u.username', 'u.display_name', 'u.role', 'u.totp_secret', 'u.disabled_at'])
    .where('s.token_hash', '=', hash)
    .executeTakeFirst();
  if (!r || r.disabled_at !== null) return { session: null, ended: null };
  const idle = r.last_seen_at.getTime() + cfg.sessionIdleMs <= now.getTime();
  if (idle || r.expires_at <= now) {
    await db.deleteFrom('staff_sessions').where('token_hash', '=', hash).execute();
    return { session: null, ended: idle ? 'idle' : 'expired' };
  }
  if (now.getTime() - r.last_seen_at.getTime() >= TOUCH_EVERY_MS) {
    await db.updateTable('staff_sessions').set({ last_seen_at: now }).where('token_hash', '=', hash).execute();
  }
  return {
    session: {
      hash,
      stage: r.stage,
      csrf: r.csrf,
      data: r.data as SessionData,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      user: { id: r.id, username: r.username, displayName: r.display_name, role: r.role, totpEnabled: r.totp_secret !== null },
    },
  };
}

export async function saveSessionData(db: Kysely<DB>, s: StaffSession): Promise<void> {
  await db.updateTable('staff_sessions').set({ data: JSON.stringify(s.data) }).where('token_hash', '=', s.hash).execute();
}

export async function endSession(db: Kysely<DB>, hash: Buffer): Promise<void> {
  await db.deleteFrom('staff_sessions').where('token_hash', '=', hash).execute();
}

/**
 * The second factor was right: a new token replaces the half-signed-in one, so a token seen before
 * sign-in completed is worth nothing after.
 */
export async function promoteSession(db: Kysely<DB>, cfg: BackofficeSettings, s: StaffSession, ip: string, now: Date): Promise<string> {
  await endSession(db, s.hash);
  return createSession(db, cfg, { userId: s.user.id, stage: 'active', ip, now });
}

/** Removes sessions past their absolute end or idle too long, and spent sign-in counters (housekeeping). */
export async function purgeSessions(db: Kysely<DB>, cfg: BackofficeSettings, now: Date): Promise<number> {
  const r = await db
    .deleteFrom('staff_sessions')
    .where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<=', new Date(now.getTime() - cfg.sessionIdleMs))]))
    .executeTakeFirst();
  await purgeCounters(db, Math.max(cfg.lockoutMs, cfg.signinAddressMs), now);
  return Number(r.numDeletedRows);
}
