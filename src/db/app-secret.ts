import { randomBytes } from 'node:crypto';
import type { Database } from './open.js';

/** A named random secret kept in the database: made once, shared by every process. */
export async function appSecret(database: Database, name: string): Promise<Buffer> {
  await database.pool.query('INSERT INTO app_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, randomBytes(32)]);
  const r = await database.pool.query<{ value: Buffer }>('SELECT value FROM app_secrets WHERE name = $1', [name]);
  const value = r.rows[0]?.value;
  if (!value) throw new Error(`secret ${name} missing`);
  return value;
}
