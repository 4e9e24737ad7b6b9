import { assemble, type Root } from '../../src/app/root.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { Database } from '../../src/db/open.js';
import { buildServer } from '../../src/http/server.js';
import { silentLogger } from '../../src/log.js';

export const testApiKey = 'test-key-0123456789abcdefghij';

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ IZVESTIE_API_KEYS: `billing:${testApiKey}`, IZVESTIE_DEMO_DATA: 'off', ...env });
}

/** The composition root over a test database, exactly as `main` assembles it. */
export function testRoot(database: Database, env: Record<string, string> = {}): Promise<Root> {
  return assemble(testConfig(env), silentLogger, database);
}

export async function testServer(database: Database, env: Record<string, string> = {}) {
  return buildServer(await testRoot(database, env));
}
