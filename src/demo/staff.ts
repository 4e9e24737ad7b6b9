import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { generatePassword } from '../backoffice/passwords.js';
import { ROLES, type Role } from '../backoffice/roles.js';
import { createUser } from '../backoffice/users.js';

export interface DemoAccount {
  username: string;
  role: Role;
  password: string;
}

const NAMES: Record<Role, string> = { agent: 'Демо служител', supervisor: 'Демо ръководител', admin: 'Демо администратор' };

/**
 * One back-office account per role for the demo, with generated passwords the caller shows once:
 * on the embedded default `izvestie user add` cannot run beside the server (the data directory is
 * locked), so a newcomer would have no way in. Does nothing once any staff account exists.
 */
export async function createDemoStaff(db: Kysely<DB>): Promise<DemoAccount[]> {
  const any = await db.selectFrom('staff_users').select('id').limit(1).executeTakeFirst();
  if (any) return [];
  const out: DemoAccount[] = [];
  for (const role of ROLES) {
    const account = { username: `demo-${role}`, role, password: generatePassword() };
    await createUser(db, { username: account.username, displayName: NAMES[role], role, password: account.password }, 'demo');
    out.push(account);
  }
  return out;
}
