import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadConfig, ConfigError } from '../src/config.js';
import { settingsTable } from '../src/config-docs.js';
import { deliveryConfigFrom } from '../src/delivery/setup.js';

test('defaults: embedded database in ./data, port 3000, frozen', () => {
  const c = loadConfig({});
  assert.deepEqual(c.database, { kind: 'pglite', dataDir: './data' });
  assert.equal(c.http.port, 3000);
  assert.equal(c.http.publicUrl, 'http://localhost:3000');
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.http) && Object.isFrozen(c.apiKeys));
  assert.throws(() => {
    (c.http as { port: number }).port = 1;
  }, TypeError);
});

test('DATABASE_URL selects PostgreSQL with a pool', () => {
  const c = loadConfig({ DATABASE_URL: 'postgres://u@db/x', DATABASE_POOL_SIZE: '20' });
  assert.deepEqual(c.database, { kind: 'postgres', url: 'postgres://u@db/x', poolSize: 20 });
});

test('a bad value stops with one line naming the variable and what is wrong', () => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ PORT: 'abc' }, /^PORT: /],
    [{ PORT: '70000' }, /^PORT: .*65535/],
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL: must start with postgres/],
    [{ IZVESTIE_API_KEYS: 'billing:short' }, /^IZVESTIE_API_KEYS: .*24 characters/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL: /],
    [{ TRUST_PROXY: 'maybe' }, /^TRUST_PROXY: /],
  ];
  for (const [env, re] of cases) {
    assert.throws(() => loadConfig(env), (e: unknown) => e instanceof ConfigError && re.test(e.message) && !e.message.includes('\n'));
  }
});

test('API keys parse as name:key pairs', () => {
  const c = loadConfig({ IZVESTIE_API_KEYS: 'billing:aaaaaaaaaaaaaaaaaaaaaaaa, cashdesk:bbbbbbbbbbbbbbbbbbbbbbbbbb' });
  assert.deepEqual(c.apiKeys.map((k) => k.name), ['billing', 'cashdesk']);
});

test('the README table lists every setting exactly as the program defines it', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  assert.ok(readme.includes(settingsTable()), 'README.md settings table is stale: run npm run docs:config and paste it');
});

test('what a worker has under way defaults to 4 × the protocol window and can be set apart from it', () => {
  const smpp = { SMPP_URL: 'smpp://u:p@127.0.0.1:2775', SMTP_URL: 'smtp://127.0.0.1:25' };
  const byDefault = loadConfig({ ...smpp, SMPP_WINDOW: '25', SMTP_POOL_SIZE: '3' });
  assert.deepEqual([byDefault.delivery.smpp?.inFlight, byDefault.delivery.smtp?.inFlight], [100, 12]);
  assert.deepEqual([deliveryConfigFrom(byDefault).pacing.smpp?.window, deliveryConfigFrom(byDefault).pacing.smtp?.window], [100, 12]);
  const set = loadConfig({ ...smpp, SMPP_WINDOW: '25', SMPP_IN_FLIGHT: '30', SMTP_IN_FLIGHT: '5' });
  assert.deepEqual([set.delivery.smpp?.window, set.delivery.smpp?.inFlight, set.delivery.smtp?.inFlight], [25, 30, 5]);
  assert.throws(() => loadConfig({ ...smpp, SMPP_IN_FLIGHT: '0' }), (e: unknown) => e instanceof ConfigError && /^SMPP_IN_FLIGHT: /.test(e.message));
});
