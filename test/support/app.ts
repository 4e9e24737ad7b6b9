import { loadConfig, type Config } from '../../src/config.js';
import type { Database } from '../../src/db/open.js';
import { buildServer } from '../../src/http/server.js';
import { silentLogger } from '../../src/log.js';

export const testApiKey = 'test-key-0123456789abcdefghij';

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ IZVESTIE_API_KEYS: `billing:${testApiKey}`, IZVESTIE_DEMO_DATA: 'off', ...env });
}

export async function testServer(database: Database, env: Record<string, string> = {}) {
  return buildServer({ config: testConfig(env), database, logger: silentLogger });
}
