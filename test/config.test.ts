import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, ConfigError } from '../src/config.js';
import { settingsTable } from '../src/config-docs.js';
import { missingProviders } from '../src/delivery/providers.js';
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
  const smpp = { SMPP_URL: 'smpp://u:p@127.0.0.1:2775', SMTP_URL: 'smtp://127.0.0.1:25', PUBLIC_URL: 'https://izvestie.example.bg' };
  const byDefault = loadConfig({ ...smpp, SMPP_WINDOW: '25', SMTP_POOL_SIZE: '3' });
  assert.deepEqual([byDefault.delivery.smpp?.inFlight, byDefault.delivery.smtp?.inFlight], [100, 12]);
  assert.deepEqual([deliveryConfigFrom(byDefault).pacing.smpp?.window, deliveryConfigFrom(byDefault).pacing.smtp?.window], [100, 12]);
  const set = loadConfig({ ...smpp, SMPP_WINDOW: '25', SMPP_IN_FLIGHT: '30', SMTP_IN_FLIGHT: '5' });
  assert.deepEqual([set.delivery.smpp?.window, set.delivery.smpp?.inFlight, set.delivery.smtp?.inFlight], [25, 30, 5]);
  assert.throws(() => loadConfig({ ...smpp, SMPP_IN_FLIGHT: '0' }), (e: unknown) => e instanceof ConfigError && /^SMPP_IN_FLIGHT: /.test(e.message));
});

const SMPP = { SMPP_URL: 'smpp://izvestie:secret@127.0.0.1:2775' };
const SMTP = { SMTP_URL: 'smtp://mail:pw@127.0.0.1:25', PUBLIC_URL: 'https://izvestie.example.bg' };
const GATEWAY = {
  HTTP_SMS_URL: 'https://sms.example.bg/send',
  HTTP_SMS_OPTIONS: JSON.stringify({ bodyTemplate: { to: '{to}', text: '{text}' }, callbackSecret: 'a-callback-secret-of-32-characters', callbackMode: 'token' }),
};

/** The one line a ConfigError carries, or a failure naming what loadConfig did instead. */
function configError(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    assert.ok(!e.message.includes('\n'), e.message);
    return e.message;
  }
  assert.fail(`accepted ${JSON.stringify(env)}`);
}

test('the sandbox is on by itself only when no provider at all is configured', () => {
  const cases: Array<[Record<string, string>, boolean]> = [
    [{}, true],
    [SMPP, false],
    [SMTP, false],
    [GATEWAY, false],
    [{ ...SMPP, ...SMTP }, false],
    [{ IZVESTIE_SANDBOX: 'on' }, true],
    [{ ...SMPP, ...SMTP, IZVESTIE_SANDBOX: 'on' }, true],
    [{ IZVESTIE_SANDBOX: 'off' }, false],
  ];
  for (const [env, sandbox] of cases) assert.equal(loadConfig(env).sandbox, sandbox, JSON.stringify(env));
});

test('a channel without a provider waits, named with the setting it needs, unless the sandbox takes everything', () => {
  assert.deepEqual(missingProviders(loadConfig({})), [], 'the demo: the sandbox sends both');
  assert.deepEqual(missingProviders(loadConfig(SMPP)), [{ channel: 'email', setting: 'SMTP_URL' }]);
  assert.deepEqual(missingProviders(loadConfig(SMTP)), [{ channel: 'sms', setting: 'SMPP_URL or HTTP_SMS_URL' }]);
  assert.deepEqual(missingProviders(loadConfig({ ...GATEWAY, ...SMTP })), []);
  assert.deepEqual(missingProviders(loadConfig({ IZVESTIE_SANDBOX: 'off' })).map((m) => m.channel), ['sms', 'email']);
  assert.deepEqual(missingProviders(loadConfig({ ...SMPP, IZVESTIE_SANDBOX: 'on' })), []);
});

test('settings that only fail together with another stop at load, naming the variable', () => {
  assert.match(configError({ SMTP_URL: 'smtp://127.0.0.1:25', PUBLIC_URL: 'http://izvestie.example.bg' }), /^PUBLIC_URL: must be an https:\/\/ URL when SMTP_URL is set/);
  assert.match(configError({ SMTP_URL: 'smtp://127.0.0.1:25' }), /^PUBLIC_URL: .*it is http:\/\/localhost:3000$/, 'the default public URL is not https either');
  assert.match(configError({ ...GATEWAY, HTTP_SMS_OPTIONS: '{bad' }), /^HTTP_SMS_OPTIONS: must be a JSON object$/);
  assert.match(configError({ ...GATEWAY, HTTP_SMS_OPTIONS: '[1]' }), /^HTTP_SMS_OPTIONS: must be a JSON object$/);
  assert.match(configError({ ...GATEWAY, HTTP_SMS_OPTIONS: '{}' }), /^HTTP_SMS_OPTIONS: bodyTemplate: is required$/);
  const short = { ...JSON.parse(GATEWAY.HTTP_SMS_OPTIONS), callbackSecret: 'short' };
  assert.match(configError({ ...GATEWAY, HTTP_SMS_OPTIONS: JSON.stringify(short) }), /^HTTP_SMS_OPTIONS: callbackSecret: must be at least 16 characters$/);
  const placeholder = { ...short, callbackSecret: 'a-callback-secret-of-32-characters', bodyTemplate: { to: '{phone}' } };
  assert.match(configError({ ...GATEWAY, HTTP_SMS_OPTIONS: JSON.stringify(placeholder) }), /^HTTP_SMS_OPTIONS: bodyTemplate\.to: unknown placeholder \{phone\}/);
  assert.match(configError({ ...GATEWAY, HTTP_SMS_URL: 'ftp://sms.example.bg' }), /^HTTP_SMS_URL: must be an http:\/\/ or https:\/\/ URL$/);
  // Ignored while SMPP_URL takes precedence, and while there is no gateway to configure.
  assert.equal(loadConfig({ ...SMPP, ...GATEWAY, HTTP_SMS_OPTIONS: '{}' }).delivery.httpSms, null);
  assert.equal(loadConfig({ HTTP_SMS_OPTIONS: '{}' }).delivery.httpSms, null);
});

test('the HTTP gateway settings are parsed once, into the configuration', () => {
  const gateway = loadConfig(GATEWAY).delivery.httpSms;
  assert.equal(gateway?.options.url, GATEWAY.HTTP_SMS_URL);
  assert.equal(gateway?.options.method, 'POST');
  assert.deepEqual(gateway?.options.callbackFields, { ref: 'idd', providerId: 'id', status: 'status' });
});

test('the DKIM key is read at load: all three settings or none, a readable PEM private key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'izvestie-dkim-'));
  const keyFile = join(dir, 'dkim.pem');
  const pem = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  writeFileSync(keyFile, pem);
  const dkim = { ...SMTP, DKIM_DOMAIN: 'izvestie.example.bg', DKIM_SELECTOR: 'mail2026', DKIM_PRIVATE_KEY_FILE: keyFile };
  assert.deepEqual(loadConfig(dkim).delivery.smtp?.dkim, { domain: 'izvestie.example.bg', selector: 'mail2026', keyFile, privateKey: pem });
  assert.match(configError({ ...dkim, DKIM_PRIVATE_KEY_FILE: join(dir, 'missing.pem') }), /^DKIM_PRIVATE_KEY_FILE: cannot read .*missing\.pem \(ENOENT\)$/);
  writeFileSync(join(dir, 'public.pem'), 'not a key');
  assert.match(configError({ ...dkim, DKIM_PRIVATE_KEY_FILE: join(dir, 'public.pem') }), /^DKIM_PRIVATE_KEY_FILE: .* is not a PEM private key$/);
  assert.match(configError({ ...SMTP, DKIM_DOMAIN: 'izvestie.example.bg' }), /^DKIM_SELECTOR: must be set with/);
  assert.match(configError({ ...SMTP, DKIM_DOMAIN: 'izvestie.example.bg', DKIM_SELECTOR: 'mail2026' }), /^DKIM_PRIVATE_KEY_FILE: must be set with/);
});

test('values checked where they are used are checked at load too', () => {
  assert.match(configError({ SMPP_URL: 'smpp://127.0.0.1:2775' }), /^SMPP_URL: Invalid SMPP URL: no system_id/);
  assert.match(configError({ SMPP_SOURCE_ADDR: 'ELECTRICITY-CO' }), /^SMPP_SOURCE_ADDR: must be a number of up to 20 digits or a name of up to 11/);
  assert.equal(loadConfig({ SMPP_SOURCE_ADDR: '359888123456' }).delivery.smpp, null, 'a numeric sender is fine');
  assert.match(configError({ SMPP_RECEIPT_TZ: 'Europe/Varna' }), /^SMPP_RECEIPT_TZ: must be an IANA time zone/);
  assert.match(configError({ SMS_QUIET_HOURS: '09:00-09:00' }), /^SMS_QUIET_HOURS: must not start and end at the same time/);
  assert.match(configError({ EMAIL_QUIET_HOURS: '25:00-08:00' }), /^EMAIL_QUIET_HOURS: must be HH:MM-HH:MM or off/);
  assert.match(configError({ EMAIL_DOMAIN: 'izvestie example' }), /^EMAIL_DOMAIN: must be a domain name/);
  assert.match(configError({ LOG_FORMAT: 'xml' }), /^LOG_FORMAT: /);
  assert.equal(loadConfig({}).logFormat, 'auto');
});

test('an error about a secret setting never shows its value', () => {
  assert.doesNotMatch(configError({ SMPP_URL: 'smpp://izvestie-system-id-too-long:hunter2@127.0.0.1' }), /hunter2/);
  assert.doesNotMatch(configError({ DATABASE_URL: 'mysql://root:hunter2@db/x' }), /hunter2/);
  assert.doesNotMatch(configError({ ...GATEWAY, HTTP_SMS_OPTIONS: '{"callbackSecret":"hunter2"' }), /hunter2/);
  assert.match(configError({ PORT: 'abc' }), /\(got "abc"\)$/, 'other values are shown, to help');
});
