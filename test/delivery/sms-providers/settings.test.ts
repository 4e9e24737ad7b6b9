import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../../src/config.js';
import { providerHealth } from '../../../src/delivery/sms-providers/health.js';
import { routeShares } from '../../../src/delivery/sms-providers/routing.js';

const A1 = { name: 'a1', type: 'smpp', url: 'smpp://izv:secret@10.0.0.1:2775' };
const VIVACOM = { name: 'vivacom', type: 'smpp', url: 'smpp://izv:secret@10.0.0.2:2775', rate: 80, window: 5, prefixes: ['88', '99'] };
const load = (providers: unknown, extra: Record<string, string> = {}) => loadConfig({ SMS_PROVIDERS: typeof providers === 'string' ? providers : JSON.stringify(providers), ...extra });
const refused = (providers: unknown, message: RegExp, extra: Record<string, string> = {}) =>
  assert.throws(() => load(providers, extra), (e: unknown) => e instanceof ConfigError && message.test(e.message), String(message));

describe('SMS_PROVIDERS', () => {
  test('providers in priority order, each with its own rate, window and in-flight bound', () => {
    const d = load([A1, VIVACOM]).delivery;
    assert.deepEqual(
      d.smsProviders.map((p) => [p.name, p.type, p.rate, p.type === 'smpp' ? p.window : null, p.inFlight, p.prefixes]),
      [
        ['a1', 'smpp', 100, 10, 40, []],
        ['vivacom', 'smpp', 80, 5, 20, ['88', '99']],
      ],
    );
    assert.equal(load([A1]).sandbox, false, 'a provider list is a real provider: no sandbox');
  });

  test('SMPP_URL alone is a list of one named smpp, as before', () => {
    const d = loadConfig({ SMPP_URL: A1.url, SMPP_RATE: '120' }).delivery;
    assert.deepEqual(d.smsProviders.map((p) => [p.name, p.type, p.rate]), [['smpp', 'smpp', 120]]);
    assert.deepEqual(loadConfig({}).delivery.smsProviders, []);
  });

  test('mistakes are named by the entry and the field', () => {
    refused('[{', /^SMS_PROVIDERS: must be a JSON array/);
    refused([], /^SMS_PROVIDERS: must be a non-empty JSON array/);
    refused([A1, { ...VIVACOM, url: 'http://x' }], /^SMS_PROVIDERS: \[1\]\.url: Invalid SMPP URL/);
    refused([A1, { ...VIVACOM, type: 'carrier-pigeon' }], /^SMS_PROVIDERS: \[1\]\.type: must be "smpp" or "http"/);
    refused([A1, { ...VIVACOM, name: 'a1' }], /^SMS_PROVIDERS: \[1\]\.name: "a1" is used by an earlier provider/);
    refused([{ ...A1, rate: 0 }], /^SMS_PROVIDERS: \[0\]\.rate: /);
    refused([{ ...A1, prefixes: ['+35988'] }], /^SMS_PROVIDERS: \[0\]\.prefixes\.0: must be the digits after \+359/);
    refused([{ ...A1, windows: 3 }], /^SMS_PROVIDERS: \[0\]: .*windows/);
    refused([A1, { name: 'mobica', type: 'http', url: 'ftp://gw.example.bg/send', bodyTemplate: { to: '{to}' } }], /^SMS_PROVIDERS: \[1\]\.url: /);
    refused([A1], /^SMS_PROVIDERS: set either SMS_PROVIDERS or SMPP_URL/, { SMPP_URL: A1.url });
  });
});

describe('routing by health and prefix', () => {
  const settings = { failureRate: 0.5, windowMs: 10_000, minSamples: 4, recoveryMs: 1000 };
  function providers(connected: Record<string, boolean>) {
    let t = 0;
    const clock = { now: () => t, advance: (ms: number) => (t += ms) };
    const list = [
      { name: 'a1', prefixes: [] as string[] },
      { name: 'vivacom', prefixes: ['88'] },
      { name: 'yettel', prefixes: ['88', '89'] },
    ].map((p) => {
      const health = providerHealth({ provider: p.name, settings, connected: () => connected[p.name] ?? true, clock: clock.now });
      health.started();
      return { ...p, health };
    });
    return { list, clock };
  }

  test('the first healthy provider takes all but the prefixes a healthy provider is preferred for', () => {
    const { list } = providers({});
    assert.deepEqual(Object.fromEntries(routeShares(list)), { a1: { exclude: ['+35988%', '+35989%'] }, vivacom: { include: ['+35988%'] }, yettel: { include: ['+35989%'] } });
  });

  test('a provider tripped by its failure rate is skipped until probes have succeeded for the recovery time', () => {
    const { list, clock } = providers({});
    const a1 = list[0]?.health;
    assert.ok(a1);
    a1.record(true);
    a1.record(false, 'refused');
    a1.record(false, 'refused');
    assert.equal(a1.healthy(), true, 'under the minimum of samples');
    a1.record(false, 'refused');
    assert.equal(a1.healthy(), false, '3 of 4 failed: above 50%');
    assert.deepEqual(Object.fromEntries(routeShares(list)), { a1: null, vivacom: { exclude: ['+35989%'] }, yettel: { include: ['+35989%'] } });
    a1.probed(true);
    clock.advance(500);
    a1.probed(true);
    assert.equal(a1.healthy(), false, 'not yet the recovery time');
    clock.advance(600);
    a1.probed(true);
    assert.equal(a1.healthy(), true);
    assert.deepEqual(routeShares(list).get('a1'), { exclude: ['+35988%', '+35989%'] });
  });

  test('a lost bind takes a provider out at once; with none healthy, the first still connected takes everything', () => {
    const connected = { a1: false, vivacom: true, yettel: true };
    const { list } = providers(connected);
    assert.equal(routeShares(list).get('a1'), null);
    list[1]?.health.trip('timeout');
    list[2]?.health.trip('timeout');
    assert.deepEqual(Object.fromEntries(routeShares(list)), { a1: null, vivacom: {}, yettel: null });
  });
});
