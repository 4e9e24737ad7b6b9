import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { assemble } from '../../src/app/root.js';
import { loadConfig } from '../../src/config.js';
import { buildServer } from '../../src/http/server.js';
import { logOptions } from '../../src/log.js';
import { describeEachBackend } from '../support/db.js';
import { testConfig } from '../support/app.js';
import { resetCounters, seedCustomers, type SeededCustomer } from '../portal/fixtures.js';

test('TRUST_PROXY: false, a number of proxies, or their addresses', () => {
  const trust = (v: string) => loadConfig({ TRUST_PROXY: v }).http.trustProxy;
  assert.equal(loadConfig({}).http.trustProxy, false);
  assert.equal(trust('false'), false);
  assert.equal(trust('0'), false);
  assert.equal(trust('true'), 1, 'the old boolean: the right-most entry, as the limiters always took');
  assert.equal(trust('2'), 2);
  assert.deepEqual(trust('10.0.0.0/8, 192.0.2.1,::1,fd00::/8,loopback'), ['10.0.0.0/8', '192.0.2.1', '::1', 'fd00::/8', 'loopback']);
  for (const bad of ['maybe', '10.0.0.0/33', '10.0.0.1/8/8', '10.0.0.300', '-1'] as const) {
    assert.throws(() => trust(bad), /^Error: TRUST_PROXY: must be false, a number of proxies, or their addresses/, bad);
  }
});

describeEachBackend('one client address for logs and limits', (get) => {
  let customer: SeededCustomer;
  before(async () => {
    [customer] = (await seedCustomers(get(), 5_800_000_001, 1)) as [SeededCustomer];
  });

  /** What the request log and the portal's per-IP failure counter each took as the client's address. */
  async function addresses(setting: string, remoteAddress: string): Promise<{ logged: string[]; counted: string[] }> {
    await resetCounters(get());
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const app = await buildServer(await assemble(testConfig({ TRUST_PROXY: setting }), pino(logOptions('info'), sink), get()));
    try {
      const r = await app.inject({
        method: 'POST',
        url: '/api/v1/self-service/identity',
        remoteAddress,
        // The left-most entry is the client's to write; the right-most is what a proxy appended.
        headers: { 'x-forwarded-for': '100.64.0.9, 192.0.2.77' },
        payload: { customer_number: customer.customerNumber, invoice_number: 'NOPE', purpose: 'register' },
      });
      assert.equal(r.statusCode, 422, r.body);
    } finally {
      await app.close();
    }
    const logged = lines.map((l) => JSON.parse(l) as { req?: { remoteAddress: string } }).flatMap((l) => (l.req ? [l.req.remoteAddress] : []));
    const counted = await get().db.selectFrom('portal_counters').select('key').where('scope', '=', 'ip_failure').execute();
    return { logged, counted: counted.map((c) => c.key) };
  }

  const cases: Array<[setting: string, peer: string, client: string]> = [
    ['false', '127.0.0.1', '127.0.0.1'],
    ['1', '127.0.0.1', '192.0.2.77'],
    ['2', '127.0.0.1', '100.64.0.9'],
    ['127.0.0.1', '127.0.0.1', '192.0.2.77'],
    ['127.0.0.1, 192.0.2.0/24', '127.0.0.1', '100.64.0.9'],
    // Not from a trusted proxy: the header is the client's own, and ignored.
    ['10.0.0.0/8', '198.51.100.4', '198.51.100.4'],
  ];
  for (const [setting, peer, client] of cases) {
    test(`TRUST_PROXY=${setting}, from ${peer}: the log and the limits both take ${client}`, async () => {
      const { logged, counted } = await addresses(setting, peer);
      assert.ok(logged.length > 0);
      assert.deepEqual([...new Set(logged)], [client]);
      assert.deepEqual(counted, [client]);
    });
  }
});
