import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/record.js';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import { defaultPolicy, parsePolicy, type DunningPolicy } from './policy.js';

export interface PolicyVersion {
  /** 0: the built-in default, in force until a first version is saved. */
  version: number;
  policy: DunningPolicy;
  createdBy: string;
  createdAt: Date | null;
  note: string | null;
}

/** The policy in force: the newest saved version, else the built-in default. */
export async function currentPolicy(db: Kysely<DB>): Promise<PolicyVersion> {
  const row = await db.selectFrom('dunning_policies').selectAll().orderBy('version', 'desc').limit(1).executeTakeFirst();
  if (!row) return { version: 0, policy: defaultPolicy, createdBy: 'built-in', createdAt: null, note: null };
  // Saved versions were valid when saved; parsing again keeps a hand-edited row from going unnoticed.
  return { version: row.version, policy: parsePolicy(row.policy), createdBy: row.created_by, createdAt: row.created_at, note: row.note };
}

/** "stages.1.minOverdueEurMinor: 500 → 1000" for every leaf that differs. */
export function policyChanges(before: unknown, after: unknown, path = ''): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
  if (isObject(before) && isObject(after) && Array.isArray(before) === Array.isArray(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((k) => policyChanges(before[k], after[k], path === '' ? k : `${path}.${k}`));
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const show = (v: unknown) => (v === undefined ? '(none)' : JSON.stringify(v));
  return [`${path || '(policy)'}: ${show(before)} → ${show(after)}`];
}

/**
 * Validates and saves a new version of the policy, with who saved it and why; the audit trail
 * gets the list of changes. Returns the new version. Two saves at once: one wins, one conflicts.
 */
export async function savePolicy(db: Kysely<DB>, input: unknown, actor: string, note: string | null = null): Promise<PolicyVersion> {
  const policy = parsePolicy(input);
  return db.transaction().execute(async (trx) => {
    const previous = await currentPolicy(trx);
    const version = previous.version + 1;
    try {
      await trx.insertInto('dunning_policies').values({ version, policy: JSON.stringify(policy), created_by: actor, note }).execute();
    } catch (e) {
      if ((e as { code?: string }).code === '23505') throw new AppError('CONFLICT', `Policy version ${version} was saved by someone else just now; reload and try again.`);
      throw e;
    }
    const changes = policyChanges(previous.policy, policy);
    await recordAudit(trx, { actor, action: 'dunning.policy_saved', subject: `dunning_policy:${version}`, details: { version, previous: previous.version, changes, note } });
    const saved = await trx.selectFrom('dunning_policies').select('created_at').where('version', '=', version).executeTakeFirstOrThrow();
    return { version, policy, createdBy: actor, createdAt: saved.created_at, note };
  });
}

