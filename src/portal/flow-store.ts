import { createHash, randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Lang } from '../delivery/text/default-templates.js';
import type { CodePurpose } from './tables.js';
import { rules } from './deps.js';

export type ContactChannel = 'sms' | 'email';

/** A contact a code went to, and what its verification will do. */
export interface Awaiting {
  channel: ContactChannel;
  address: string;
  action: CodePurpose;
  /** The pending subscription to activate, or (login) the active one. */
  subscriptionId: number;
  codeId: number;
  /** ISO time the code stops working. */
  codeExpiresAt: string;
}

/** One customer's way through the portal: a web session or an app's flow token. */
export interface FlowData {
  lang: Lang;
  /** Web only: the synchronizer token of every form. */
  csrf?: string;
  purpose?: 'register' | 'manage';
  /** The customer number as typed on the first web step (not proven). */
  customerInput?: string;
  /** Proven by an invoice number. */
  customer?: string;
  /** Manage: a code to a contact of this customer was verified. */
  authenticated?: boolean;
  /** Registration answers so far. */
  channels?: ContactChannel[];
  contacts?: Partial<Record<ContactChannel, string>>;
  awaiting?: Awaiting[];
  /** Contacts verified in this flow. */
  completed?: Array<{ channel: ContactChannel; address: string }>;
}

export interface Flow {
  hash: Buffer;
  data: FlowData;
  expiresAt: Date;
}

export function tokenHash(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

// Flow writes commit asynchronously (no wait for the WAL flush): a crash may lose the last moment's
// steps, and the customer repeats one. Decisions (codes, subscriptions) never go through here, and
// these functions must not be called inside their transactions, which would then commit the same way.
const asyncCommit = sql`SELECT set_config('synchronous_commit', 'off', true)`;

export async function createFlow(db: Kysely<DB>, data: FlowData, now: Date): Promise<{ token: string; flow: Flow }> {
  const token = randomBytes(32).toString('base64url');
  const flow: Flow = { hash: tokenHash(token), data, expiresAt: new Date(now.getTime() + rules.flowTtlMs) };
  await sql`WITH a AS (${asyncCommit})
    INSERT INTO portal_sessions (token_hash, data, expires_at) SELECT ${flow.hash}, ${JSON.stringify(data)}::jsonb, ${flow.expiresAt} FROM a`.execute(db);
  return { token, flow };
}

/** The flow of a token, or null when unknown or expired. */
export async function loadFlow(db: Kysely<DB>, token: string, now: Date): Promise<Flow | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const hash = tokenHash(token);
  const row = await db.selectFrom('portal_sessions').select(['data', 'expires_at']).where('token_hash', '=', hash).executeTakeFirst();
  if (!row || row.expires_at.getTime() <= now.getTime()) return null;
  return { hash, data: row.data as unknown as FlowData, expiresAt: row.expires_at };
}

/** Stores the flow's data and gives it another full lifetime. */
export async function saveFlow(db: Kysely<DB>, flow: Flow, now: Date): Promise<void> {
  flow.expiresAt = new Date(now.getTime() + rules.flowTtlMs);
  await sql`WITH a AS (${asyncCommit})
    UPDATE portal_sessions SET data = ${JSON.stringify(flow.data)}::jsonb, expires_at = ${flow.expiresAt} FROM a WHERE token_hash = ${flow.hash}`.execute(db);
}
