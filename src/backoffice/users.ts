// Staff accounts: creation, sign-in checks with lockout, the second factor, and an admin's changes.
// Every change and every sign-in attempt is in the audit trail.
import { sql, type Kysely, type Selectable } from 'kysely';
import { recordAudit } from '../audit/record.js';
import type { BackofficeSettings } from '../config.js';
import type { DB } from '../db/schema.js';
import { storable } from '../db/storable.js';
import { AppError } from '../errors.js';
import { burnPasswordCheck, hashPassword, needsRehash, parseParams, passwordProblem, verifyPassword } from './passwords.js';
import { ROLES, type Role } from './roles.js';
import { clearUser, clearUserAddress, countFailure as countKeyFailure, lockedUntil, userAddressKey } from './signin-throttle.js';
import type { StaffUsersTable } from './tables.js';
import { verifyTotp } from './totp.js';

export const USERNAME = /^[a-z0-9][a-z0-9._-]{1,39}$/;

export interface StaffUser {
  id: number;
  username: string;
  displayName: string;
  role: Role;
  totpEnabled: boolean;
  failedLogins: number;
  lockedUntil: Date | null;
  disabledAt: Date | null;
  lastLoginAt: Date | null;
  createdAt: Date;
  createdBy: string;
}

type Row = Selectable<StaffUsersTable>;

function toUser(r: Row): StaffUser {
  return {
    id: r.id,
    username: r.username,
    displayName: r.display_name,
    role: r.role,
    totpEnabled: r.totp_secret !== null,
    failedLogins: r.failed_logins,
    lockedUntil: r.locked_until,
    disabledAt: r.disabled_at,
    lastLoginAt: r.last_login_at,
    createdAt: r.created_at,
    createdBy: r.created_by,
  };
}

export const subjectOf = (username: string) => `staff_user:${username}`;
export const actorOf = (username: string) => `staff:${username}`;

export function normaliseUsername(input: string): string {
  return input.trim().toLowerCase();
}

export async function findUser(db: Kysely<DB>, id: number): Promise<StaffUser | null> {
  const r = await db.selectFrom('staff_users').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? toUser(r) : null;
}

export async function listUsers(db: Kysely<DB>): Promise<StaffUser[]> {
  return (await db.selectFrom('staff_users').selectAll().orderBy('username').execute()).map(toUser);
}

function passwordError(password: string, username: string): AppError | null {
  const p = passwordProblem(password, username);
  if (p === null) return null;
  const text = { too_short: 'at least 12 characters', too_long: 'at most 128 characters', is_username: 'must not contain the username' }[p];
  return new AppError('VALIDATION_FAILED', `password: ${text}`, { field: 'password', problem: p });
}

export async function createUser(db: Kysely<DB>, u: { username: string; displayName: string; role: Role; password: string }, actor: string): Promise<StaffUser> {
  const username = normaliseUsername(u.username);
  if (!USERNAME.test(username)) throw new AppError('VALIDATION_FAILED', 'username: 2-40 characters: a-z, 0-9, . _ - (starting with a letter or digit)', { field: 'username', problem: 'format' });
  const displayName = u.displayName.trim();
  if (displayName === '' || displayName.length > 100) throw new AppError('VALIDATION_FAILED', 'display name: 1-100 characters', { field: 'display_name', problem: 'format' });
  if (!ROLES.includes(u.role)) throw new AppError('VALIDATION_FAILED', `role: one of ${ROLES.join(', ')}`, { field: 'role', problem: 'format' });
  const bad = passwordError(u.password, username);
  if (bad) throw bad;
  const h = await hashPassword(u.password);
  return db.transaction().execute(async (tx) => {
    const row = await tx
      .insertInto('staff_users')
      .values({ username, display_name: displayName, role: u.role, password_hash: h.hash, password_salt: h.salt, password_params: JSON.stringify(h.params), created_by: actor })
      .onConflict((oc) => oc.column('username').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new AppError('CONFLICT', `username: ${username} is taken`, { field: 'username', problem: 'taken' });
    await recordAudit(tx, { actor, action: 'staff.user_created', subject: subjectOf(username), details: { id: row.id, role: u.role, display_name: displayName } });
    return toUser(row);
  });
}

export type SignInResult =
  | { ok: true; user: StaffUser; secondFactor: boolean }
  | { ok: false; reason: 'invalid' | 'locked' | 'disabled' }
  | { ok: false; reason: 'throttled'; until: Date };

/**
 * One failure more for the account, at its address and user-wide. The failure that reaches the
 * limit locks the account from that address for the lockout time, and everywhere for the short
 * back-off only: enough to slow guesses spread over many addresses, too short for an attacker to
 * keep the rightful user out. Atomic, so parallel guesses cannot slip past the limit.
 */
async function countFailure(tx: Kysely<DB>, userId: number, ip: string, cfg: BackofficeSettings, now: Date): Promise<Date | null> {
  const here = await countKeyFailure(tx, 'user_address', userAddressKey(userId, ip), { failures: cfg.lockoutFailures, ms: cfg.lockoutMs }, now);
  const r = await tx
    .updateTable('staff_users')
    .set({
      failed_logins: sql`CASE WHEN failed_logins + 1 >= ${cfg.lockoutFailures} THEN 0 ELSE failed_logins + 1 END`,
      locked_until: sql`CASE WHEN failed_logins + 1 >= ${cfg.lockoutFailures} THEN ${new Date(now.getTime() + cfg.signinUserBackoffMs)}::timestamptz ELSE locked_until END`,
    })
    .where('id', '=', userId)
    .returning('locked_until')
    .executeTakeFirst();
  const everywhere = r?.locked_until !== null && r?.locked_until !== undefined && r.locked_until > now ? r.locked_until : null;
  return here ?? everywhere;
}

/** Whether the account is locked for a sign-in from ip: from there, or by the user-wide back-off. */
async function isLocked(db: Kysely<DB>, row: Row, ip: string, now: Date): Promise<boolean> {
  if (row.locked_until !== null && row.locked_until > now) return true;
  return (await lockedUntil(db, 'user_address', userAddressKey(row.id, ip), now)) !== null;
}

/**
 * The password step of signing in. Every outcome costs one scrypt, so timing tells nothing about
 * which usernames exist; the page shows the same words for all failures.
 */
export async function checkPassword(db: Kysely<DB>, cfg: BackofficeSettings, a: { username: string; password: string; ip: string; now: Date }): Promise<SignInResult> {
  const username = normaliseUsername(a.username);
  // An address over its limit is refused before any account is looked at or any scrypt is spent.
  const throttled = await lockedUntil(db, 'address', a.ip, a.now);
  if (throttled) return { ok: false, reason: 'throttled', until: throttled };
  const addressFailed = async (tx: Kysely<DB>) => {
    const until = await countKeyFailure(tx, 'address', a.ip, { failures: cfg.signinAddressFailures, ms: cfg.signinAddressMs }, a.now);
    if (until) await recordAudit(tx, { actor: 'system', action: 'staff.sign_in_throttled', subject: null, details: { ip: a.ip, until: until.toISOString() } });
  };
  const row = USERNAME.test(username) ? await db.selectFrom('staff_users').selectAll().where('username', '=', username).executeTakeFirst() : undefined;
  const fail = async (reason: 'invalid' | 'locked' | 'disabled', extra: Record<string, unknown> = {}): Promise<SignInResult> => {
    await db.transaction().execute(async (tx) => {
      await addressFailed(tx);
      await recordAudit(tx, { actor: row ? actorOf(row.username) : 'anonymous', action: 'staff.sign_in_failed', subject: row ? subjectOf(row.username) : null, details: { username: storable(username.slice(0, 40)), reason, ip: a.ip, ...extra } });
    });
    return { ok: false, reason };
  };
  if (!row) {
    await burnPasswordCheck(a.password);
    return fail('invalid', { known: false });
  }
  if (await isLocked(db, row, a.ip, a.now)) {
    await burnPasswordCheck(a.password);
    return fail('locked');
  }
  const params = parseParams(row.password_params);
  const right = await verifyPassword(a.password, { hash: row.password_hash, salt: row.password_salt, params });
  if (!right) {
    const locked = await db.transaction().execute(async (tx) => {
      await addressFailed(tx);
      const until = await countFailure(tx, row.id, a.ip, cfg, a.now);
      await recordAudit(tx, { actor: actorOf(row.username), action: 'staff.sign_in_failed', subject: subjectOf(row.username), details: { username, reason: 'wrong_password', ip: a.ip, locked: until !== null } });
      if (until) await recordAudit(tx, { actor: 'system', action: 'staff.locked', subject: subjectOf(row.username), details: { until: until.toISOString(), ip: a.ip } });
      return until !== null;
    });
    return { ok: false, reason: locked ? 'locked' : 'invalid' };
  }
  if (row.disabled_at !== null) return fail('disabled');
  const secondFactor = row.totp_secret !== null;
  if (!secondFactor) await db.transaction().execute((tx) => completeSignIn(tx, row.id, a.ip, a.now, 'password'));
  if (needsRehash(params)) {
    const h = await hashPassword(a.password);
    await db.updateTable('staff_users').set({ password_hash: h.hash, password_salt: h.salt, password_params: JSON.stringify(h.params) }).where('id', '=', row.id).execute();
  }
  return { ok: true, user: toUser(row), secondFactor };
}

async function completeSignIn(tx: Kysely<DB>, userId: number, ip: string, now: Date, factors: 'password' | 'password+totp'): Promise<void> {
  const u = await tx.updateTable('staff_users').set({ failed_logins: 0, locked_until: null, last_login_at: now }).where('id', '=', userId).returning('username').executeTakeFirstOrThrow();
  await clearUserAddress(tx, userId, ip);
  await recordAudit(tx, { actor: actorOf(u.username), action: 'staff.signed_in', subject: subjectOf(u.username), details: { ip, factors } });
}

/** The TOTP step. A wrong code counts towards the same lockout as a wrong password. */
export async function checkSecondFactor(db: Kysely<DB>, cfg: BackofficeSettings, a: { userId: number; code: string; ip: string; now: Date }): Promise<'ok' | 'wrong' | 'locked'> {
  return db.transaction().execute(async (tx) => {
    const row = await tx.selectFrom('staff_users').selectAll().where('id', '=', a.userId).forUpdate().executeTakeFirst();
    if (!row || row.totp_secret === null || row.disabled_at !== null) return 'wrong';
    if (await isLocked(tx, row, a.ip, a.now)) return 'locked';
    const step = verifyTotp(row.totp_secret, a.code.replace(/\s/g, ''), a.now, row.totp_last_step);
    if (step === null) {
      const locked = (await countFailure(tx, row.id, a.ip, cfg, a.now)) !== null;
      await recordAudit(tx, { actor: actorOf(row.username), action: 'staff.sign_in_failed', subject: subjectOf(row.username), details: { username: row.username, reason: 'wrong_code', ip: a.ip, locked } });
      return locked ? 'locked' : 'wrong';
    }
    await tx.updateTable('staff_users').set({ totp_last_step: step }).where('id', '=', row.id).execute();
    await completeSignIn(tx, row.id, a.ip, a.now, 'password+totp');
    return 'ok';
  });
}

async function target(tx: Kysely<DB>, userId: number): Promise<Row> {
  const row = await tx.selectFrom('staff_users').selectAll().where('id', '=', userId).forUpdate().executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', `No staff user ${userId}.`);
  return row;
}

// Rights removed take effect at once: the user's sessions end with them.
async function endSessions(tx: Kysely<DB>, userId: number, keep: Buffer | null = null): Promise<void> {
  let q = tx.deleteFrom('staff_sessions').where('user_id', '=', userId);
  if (keep) q = q.where('token_hash', '<>', keep);
  await q.execute();
}

/** An admin may not take away the last enabled admin (there would be no way back but the CLI). */
async function assertAnotherAdmin(tx: Kysely<DB>, userId: number): Promise<void> {
  const r = await tx
    .selectFrom('staff_users')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('role', '=', 'admin')
    .where('disabled_at', 'is', null)
    .where('id', '<>', userId)
    .executeTakeFirstOrThrow();
  if (Number(r.n) === 0) throw new AppError('CONFLICT', 'This is the last enabled admin.', { problem: 'last_admin' });
}

export async function setRole(db: Kysely<DB>, userId: number, role: Role, actor: string): Promise<void> {
  if (!ROLES.includes(role)) throw new AppError('VALIDATION_FAILED', `role: one of ${ROLES.join(', ')}`);
  await db.transaction().execute(async (tx) => {
    const row = await target(tx, userId);
    if (row.role === role) return;
    if (row.role === 'admin') await assertAnotherAdmin(tx, userId);
    await tx.updateTable('staff_users').set({ role, updated_at: new Date() }).where('id', '=', userId).execute();
    await endSessions(tx, userId);
    await recordAudit(tx, { actor, action: 'staff.role_changed', subject: subjectOf(row.username), details: { from: row.role, to: role } });
  });
}

export async function setDisabled(db: Kysely<DB>, userId: number, disabled: boolean, actor: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const row = await target(tx, userId);
    if ((row.disabled_at !== null) === disabled) return;
    if (disabled && row.role === 'admin') await assertAnotherAdmin(tx, userId);
    await tx.updateTable('staff_users').set({ disabled_at: disabled ? new Date() : null, updated_at: new Date() }).where('id', '=', userId).execute();
    if (disabled) await endSessions(tx, userId);
    await recordAudit(tx, { actor, action: disabled ? 'staff.disabled' : 'staff.enabled', subject: subjectOf(row.username) });
  });
}

export async function unlockUser(db: Kysely<DB>, userId: number, actor: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const row = await target(tx, userId);
    await tx.updateTable('staff_users').set({ locked_until: null, failed_logins: 0 }).where('id', '=', userId).execute();
    await clearUser(tx, userId);
    await recordAudit(tx, { actor, action: 'staff.unlocked', subject: subjectOf(row.username) });
  });
}

/** An admin sets a new password (the user forgot it): every session of that user ends. */
export async function resetPassword(db: Kysely<DB>, userId: number, password: string, actor: string): Promise<void> {
  const row = await target(db, userId);
  const bad = passwordError(password, row.username);
  if (bad) throw bad;
  const h = await hashPassword(password);
  await db.transaction().execute(async (tx) => {
    await tx
      .updateTable('staff_users')
      .set({ password_hash: h.hash, password_salt: h.salt, password_params: JSON.stringify(h.params), password_changed_at: new Date(), failed_logins: 0, locked_until: null, updated_at: new Date() })
      .where('id', '=', userId)
      .execute();
    await clearUser(tx, userId);
    await endSessions(tx, userId);
    await recordAudit(tx, { actor, action: 'staff.password_reset', subject: subjectOf(row.username) });
  });
}

/** The user changes their own password; their other sessions end, this one stays. */
export async function changeOwnPassword(
  db: Kysely<DB>,
  a: { userId: number; current: string; next: string; keepSession: Buffer },
): Promise<'ok' | 'wrong_current'> {
  const row = await target(db, a.userId);
  const right = await verifyPassword(a.current, { hash: row.password_hash, salt: row.password_salt, params: parseParams(row.password_params) });
  if (!right) return 'wrong_current';
  const bad = passwordError(a.next, row.username);
  if (bad) throw bad;
  const h = await hashPassword(a.next);
  await db.transaction().execute(async (tx) => {
    await tx
      .updateTable('staff_users')
      .set({ password_hash: h.hash, password_salt: h.salt, password_params: JSON.stringify(h.params), password_changed_at: new Date(), updated_at: new Date() })
      .where('id', '=', a.userId)
      .execute();
    await endSessions(tx, a.userId, a.keepSession);
    await recordAudit(tx, { actor: actorOf(row.username), action: 'staff.password_changed', subject: subjectOf(row.username) });
  });
  return 'ok';
}

/** Turns the second factor on once the user has typed a code made from the new secret. */
export async function enableTotp(db: Kysely<DB>, a: { userId: number; secret: Buffer; code: string; now: Date }): Promise<boolean> {
  const step = verifyTotp(a.secret, a.code.replace(/\s/g, ''), a.now, null);
  if (step === null) return false;
  await db.transaction().execute(async (tx) => {
    const row = await target(tx, a.userId);
    await tx.updateTable('staff_users').set({ totp_secret: a.secret, totp_last_step: step, updated_at: new Date() }).where('id', '=', a.userId).execute();
    await recordAudit(tx, { actor: actorOf(row.username), action: 'staff.totp_enabled', subject: subjectOf(row.username) });
  });
  return true;
}

/** The user (or an admin, for a lost phone) turns the second factor off. */
export async function disableTotp(db: Kysely<DB>, userId: number, actor: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const row = await target(tx, userId);
    if (row.totp_secret === null) return;
    await tx.updateTable('staff_users').set({ totp_secret: null, totp_last_step: null, updated_at: new Date() }).where('id', '=', userId).execute();
    await recordAudit(tx, { actor, action: 'staff.totp_disabled', subject: subjectOf(row.username) });
  });
}
