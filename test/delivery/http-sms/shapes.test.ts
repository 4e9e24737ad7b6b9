import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../src/config.js';
import { verifyCallback, parseCallbacks } from '../../../src/delivery/http-sms/callback.js';
import { httpGatewayOptionsSchema } from '../../../src/delivery/http-sms/config.js';
import { sendHttpBatch } from '../../../src/delivery/http-sms/gateway.js';
import { startLoopback, json } from '../../support/gateways/server.js';

const SECRET = 'callback-secret-0123456789';

function startError(options: Record<string, unknown>, url = 'https://gw.example.bg'): string {
  try {
    loadConfig({ HTTP_SMS_URL: url, HTTP_SMS_OPTIONS: JSON.stringify(options) });
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

test('bad configuration stops the start with the setting and the field named', () => {
  assert.match(startError({ preset: 'infobip', from: 'EnergoPro', callbackSecret: SECRET }), /^HTTP_SMS_OPTIONS: token: is required with preset infobip/);
  assert.match(startError({ preset: 'mobica', user: 'u', from: 'EnergoPro' }), /^HTTP_SMS_OPTIONS: password: is required with preset mobica/);
  assert.match(startError({ preset: 'smsapi-bg', token: 't', from: 'EnergoPro' }), /^HTTP_SMS_OPTIONS: callbackSecret: is required with preset smsapi-bg/);
  assert.match(startError({ preset: 'twilio', token: 't' }), /^HTTP_SMS_OPTIONS: preset: must be one of mobica, smsapi-bg, infobip/);
  assert.match(startError({ bodyTemplate: { m: '{messages}' }, batchSize: 10 }), /^HTTP_SMS_OPTIONS: messageTemplate: is required for batches/);
  assert.match(startError({ method: 'POST', format: 'form', bodyTemplate: { to: '{to}', nested: { a: '{text}' } } }), /^HTTP_SMS_OPTIONS: bodyTemplate\.nested: a form request has flat fields only/);
  assert.match(startError({ bodyTemplate: { to: '{to}', key: '{token}' } }), /^HTTP_SMS_OPTIONS: token: is required: the request uses \{token\}/);
  assert.match(startError({ bodyTemplate: { to: '{to}' }, acceptedCodes: ['1'], permanentCodes: ['1'] }), /^HTTP_SMS_OPTIONS: permanentCodes: code 1 is already in acceptedCodes/);
  assert.match(startError({ preset: 'mobica', user: 'u', password: 'p', from: 'EnergoPro', poll: { intervalSeconds: 0 } }), /^HTTP_SMS_OPTIONS: poll\.intervalSeconds: /);
  assert.match(startError({ preset: 'mobica', user: 'u', password: 'p', from: 'EnergoPro' }, 'ftp://gw'), /^HTTP_SMS_URL: /);
  // A preset plus the account is a whole configuration.
  assert.equal(startError({ preset: 'mobica', user: 'u', password: 'p', from: 'EnergoPro' }), '');
  assert.equal(startError({ preset: 'infobip', token: 'k', from: 'EnergoPro', callbackSecret: SECRET }), '');
});

test('a preset is overridable field by field, and its paths follow the base URL', () => {
  const c = httpGatewayOptionsSchema.parse({ preset: 'mobica', url: 'https://gate.example.bg/', user: 'u', password: 'p', from: 'X', poll: { intervalSeconds: 30 }, batchSize: 20 });
  assert.equal(c.url, 'https://gate.example.bg/v2/multi/json/sms.php');
  assert.equal(c.poll?.url, 'https://gate.example.bg/v2/multi/json/status.php');
  assert.equal(c.poll?.intervalSeconds, 30);
  assert.equal(c.poll?.refPath, 'idd');
  assert.equal(c.batchSize, 20);
});

test('credentials in the query, a form body, per-message results in order with temporary and permanent codes', async (t) => {
  const gw = await startLoopback((req, res) => {
    const f = new URLSearchParams(req.raw);
    const code = f.get('to')?.endsWith('1') ? 'E42' : f.get('to')?.endsWith('2') ? 'BUSY' : 'OK';
    json(res, 200, { results: [{ code, id: `g-${f.get('ref')}` }] });
  });
  t.after(() => gw.stop());
  const cfg = httpGatewayOptionsSchema.parse({
    url: `${gw.base}/send`,
    format: 'form',
    user: 'acc',
    password: 'pw',
    query: { login: '{user}', key: '{password}' },
    bodyTemplate: { to: '{to}', text: '{text}', ref: '{ref}' },
    resultsPath: 'results',
    resultCodePath: 'code',
    providerIdPath: 'id',
    acceptedCodes: ['OK'],
    temporaryCodes: ['BUSY'],
  });
  const outs = await Promise.all(['+359888000000', '+359888000001', '+359888000002'].map((to, i) => sendHttpBatch(cfg, [{ to, text: 'Здравейте', ref: `r${i}` }])));
  assert.equal(gw.requests[0]?.query.get('login'), 'acc');
  assert.equal(gw.requests[0]?.query.get('key'), 'pw');
  assert.equal(new URLSearchParams(gw.requests[0]?.raw).get('text'), 'Здравейте');
  const [ok, perm, temp] = outs.map((o) => o[0]);
  assert.deepEqual(ok?.ok && ok.answer.providerId, 'g-r0');
  assert.deepEqual(!perm?.ok && [perm?.error.kind, perm?.error.code], ['permanent', 'E42']);
  assert.deepEqual(!temp?.ok && [temp?.error.kind, temp?.error.code], ['transient', 'BUSY']);
});

test('a batch: one request, each result matched by our reference whatever its order; a missing one is unknown', async (t) => {
  const gw = await startLoopback((req, res) => {
    const body = JSON.parse(req.raw) as { list: Array<{ ref: string }> };
    const results = body.list.filter((m) => m.ref !== 'c').reverse().map((m) => ({ ref: m.ref, st: m.ref === 'b' ? 9 : 0, mid: `x-${m.ref}` }));
    json(res, 200, { out: results });
  });
  t.after(() => gw.stop());
  const cfg = httpGatewayOptionsSchema.parse({
    url: `${gw.base}/batch`,
    authHeader: 'Authorization: Basic {basic_auth}',
    user: 'u',
    password: 'p',
    bodyTemplate: { list: '{messages}' },
    messageTemplate: { ref: '{ref}', to: '{to}', text: '{text}' },
    batchSize: 3,
    resultsPath: 'out',
    resultRefPath: 'ref',
    resultCodePath: 'st',
    providerIdPath: 'mid',
    acceptedCodes: [0],
    permanentCodes: [9],
  });
  const outs = await sendHttpBatch(cfg, ['a', 'b', 'c'].map((ref, i) => ({ to: `+35988800000${i}`, text: 't', ref })));
  assert.equal(gw.requests.length, 1);
  assert.equal(gw.requests[0]?.headers.authorization, `Basic ${Buffer.from('u:p').toString('base64')}`);
  assert.deepEqual(
    outs.map((o) => (o.ok ? ['ok', o.answer.providerId] : [o.error.kind, o.error.outcome])),
    [['ok', 'x-a'], ['permanent', 'rejected'], ['transient', 'unknown']],
  );
});

test('callbacks: basic auth, and a batch of reports read from its list', () => {
  const cfg = httpGatewayOptionsSchema.parse({
    url: 'https://gw.example.bg/send',
    bodyTemplate: { to: '{to}' },
    callbackMode: 'basic',
    callbackSecret: SECRET,
    callbackBatchPath: 'results',
    callbackFields: { ref: 'messageId', providerId: 'messageId', status: 'status.groupName' },
    callbackStatusMap: { DELIVERED: 'delivered', REJECTED: 'failed' },
  });
  const basic = (user: string, pass: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` });
  assert.equal(verifyCallback(cfg, { headers: basic('izvestie', SECRET), rawBody: '', query: {} }), true);
  assert.equal(verifyCallback(cfg, { headers: basic('izvestie', 'wrong-secret-0123456789'), rawBody: '', query: {} }), false);
  assert.equal(verifyCallback(cfg, { headers: basic('other', SECRET), rawBody: '', query: {} }), false);
  assert.equal(verifyCallback(cfg, { headers: {}, rawBody: '', query: { token: SECRET } }), false);
  const reports = parseCallbacks(cfg, { results: [{ messageId: 'izv1', status: { groupName: 'DELIVERED' } }, { messageId: 'izv2', status: { groupName: 'REJECTED' } }, { messageId: 'izv3', status: { groupName: 'ODD' } }] });
  assert.deepEqual(reports.map((r) => [r.ref, r.status]), [['izv1', 'delivered'], ['izv2', 'failed'], ['izv3', 'unknown']]);
  // Without a secret no report is taken at all.
  const none = httpGatewayOptionsSchema.parse({ url: 'https://gw.example.bg/send', bodyTemplate: { to: '{to}' } });
  assert.equal(verifyCallback(none, { headers: {}, rawBody: '', query: { token: '' } }), false);
});
