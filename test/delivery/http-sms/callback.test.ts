import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { httpSmsConfigSchema } from '../../../src/delivery/http-sms/config.js';
import type { HttpSmsConfig } from '../../../src/delivery/http-sms/config.js';
import { parseCallback, verifyCallback } from '../../../src/delivery/http-sms/callback.js';
import type { CallbackReport } from '../../../src/delivery/http-sms/callback.js';
import { postSignedCallback } from '../../support/http-gateway.js';

const SECRET = 'callback-secret-0123456789';

function config(over: Record<string, unknown> = {}): HttpSmsConfig {
  return httpSmsConfigSchema.parse({
    url: 'https://sms.example.bg/send',
    bodyTemplate: { phone: '{to}', message: '{text}', idd: '{ref}' },
    callbackSecret: SECRET,
    callbackMode: 'hmac',
    ...over,
  });
}

const sign = (body: string | Buffer, secret = SECRET): string => createHmac('sha256', secret).update(body).digest('hex');

const BODY = '{"idd":"msg-42","id":"gw-7","status":"DELIVRD","err":"Доставено до абоната"}';

test('hmac: a correct signature is accepted; wrong, missing or from another secret is not', () => {
  const cfg = config();
  const ok = (headers: Record<string, string | string[] | undefined>, rawBody: string | Buffer = BODY): boolean =>
    verifyCallback(cfg, { headers, rawBody, query: {} });
  assert.equal(ok({ 'x-signature': sign(BODY) }), true);
  assert.equal(ok({ 'X-Signature': sign(BODY).toUpperCase() }), true);
  assert.equal(ok({ 'x-signature': `sha256=${sign(BODY)}` }), true);
  assert.equal(ok({ 'x-signature': sign(BODY) }, Buffer.from(BODY, 'utf8')), true);

  assert.equal(ok({}), false);
  assert.equal(ok({ 'x-signature': '' }), false);
  assert.equal(ok({ 'x-signature': sign(BODY, 'another-secret-0123456789') }), false);
  assert.equal(ok({ 'x-signature': sign(BODY).slice(0, 62) }), false);
  assert.equal(ok({ 'x-signature': [sign(BODY), sign(BODY)] }), false);
  // Token mode's credentials do not open hmac mode.
  assert.equal(verifyCallback(cfg, { headers: { 'x-callback-token': SECRET }, rawBody: BODY, query: { token: SECRET } }), false);
});

test('hmac: a body changed by one byte is refused', () => {
  const cfg = config();
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (bytes, at, flip) => {
      const body = Buffer.from(bytes);
      const signature = sign(body);
      assert.equal(verifyCallback(cfg, { headers: { 'x-signature': signature }, rawBody: body, query: {} }), true);
      const changed = Buffer.from(body);
      const i = at % changed.length;
      changed[i] = (changed[i] ?? 0) ^ flip;
      assert.equal(verifyCallback(cfg, { headers: { 'x-signature': signature }, rawBody: changed, query: {} }), false);
    }),
  );
});

test('token mode: the secret in the query or the header; nothing else', () => {
  const cfg = config({ callbackMode: 'token' });
  const ok = (headers: Record<string, string | string[] | undefined>, query: Record<string, unknown>): boolean =>
    verifyCallback(cfg, { headers, rawBody: '', query });
  assert.equal(ok({}, { token: SECRET }), true);
  assert.equal(ok({ 'X-Callback-Token': SECRET }, {}), true);
  assert.equal(ok({ 'x-callback-token': 'wrong' }, { token: SECRET }), true);

  assert.equal(ok({}, {}), false);
  assert.equal(ok({}, { token: '' }), false);
  assert.equal(ok({}, { token: SECRET.slice(0, -1) }), false);
  assert.equal(ok({}, { token: `${SECRET}x` }), false);
  assert.equal(ok({}, { token: [SECRET, 'other'] }), false);
  assert.equal(ok({ 'x-signature': sign('') }, {}), false);
});

test('status words map to delivered, failed or sent; others are unknown', () => {
  const cfg = config();
  const status = (s: unknown): CallbackReport['status'] => parseCallback(cfg, { status: s }).status;
  for (const s of ['delivered', 'DELIVRD', '1', 1, 'Delivered']) assert.equal(status(s), 'delivered', String(s));
  for (const s of ['failed', 'undelivered', 'UNDELIV', 'expired', 'EXPIRED', 'rejected', 'REJECTD']) assert.equal(status(s), 'failed', s);
  for (const s of ['sent', 'ACCEPTD', 'enroute']) assert.equal(status(s), 'sent', s);
  for (const s of ['weird', '', '2', undefined, null, { a: 1 }, 'constructor', '__proto__']) assert.equal(status(s), 'unknown', String(s));
});

test('the report names our ref, the provider id and keeps the gateway word', () => {
  const r = parseCallback(config(), { idd: 'msg-42', id: 987, status: ' UNDELIV ' });
  assert.deepEqual(r, { ref: 'msg-42', providerId: '987', status: 'failed', detail: 'UNDELIV' });
  assert.deepEqual(parseCallback(config(), {}), { status: 'unknown' });
  // Query strings give arrays for repeated parameters: one value is taken, two are ambiguous.
  assert.deepEqual(parseCallback(config(), { idd: ['msg-1'], status: ['1', '2'] }), { ref: 'msg-1', status: 'unknown' });
});

test('field names and the status map are configurable; a given map replaces the defaults', () => {
  const cfg = config({
    callbackFields: { ref: 'client_ref', providerId: 'report.msgid', status: 'report.state', detail: 'report.reason' },
    callbackStatusMap: { '2': 'delivered', '3': 'failed', '9': 'sent' },
  });
  assert.deepEqual(parseCallback(cfg, { client_ref: 'm-5', report: { msgid: 'abc', state: 3, reason: 'Абонатът е недостъпен' } }), {
    ref: 'm-5',
    providerId: 'abc',
    status: 'failed',
    detail: '3: Абонатът е недостъпен',
  });
  assert.equal(parseCallback(cfg, { report: { state: '2' } }).status, 'delivered');
  assert.equal(parseCallback(cfg, { report: { state: 'DELIVRD' } }).status, 'unknown');
});

test('a signed callback POSTed over HTTP verifies on its raw bytes and parses', async () => {
  const cfg = config({ callbackFields: { ref: 'idd', providerId: 'id', status: 'status', detail: 'err' } });
  const seen: Array<{ verified: boolean; report: CallbackReport | null }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      const query = Object.fromEntries(new URL(req.url ?? '/', 'http://127.0.0.1').searchParams);
      const verified = verifyCallback(cfg, { headers: req.headers, rawBody, query });
      const report = verified ? parseCallback(cfg, JSON.parse(rawBody.toString('utf8')) as Record<string, unknown>) : null;
      seen.push({ verified, report });
      res.writeHead(verified ? 204 : 401).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms/status`;
  try {
    const fields = { idd: 'msg-42', id: 'gw-7', status: 'DELIVRD', err: 'Доставено до абоната' };
    assert.equal((await postSignedCallback(url, fields, { secret: SECRET })).status, 204);
    assert.deepEqual(seen[0], {
      verified: true,
      report: { ref: 'msg-42', providerId: 'gw-7', status: 'delivered', detail: 'DELIVRD: Доставено до абоната' },
    });
    assert.equal((await postSignedCallback(url, fields, { secret: 'not-the-secret-at-all' })).status, 401);
    const altered = JSON.stringify({ ...fields, status: 'UNDELIV' });
    assert.equal((await postSignedCallback(url, fields, { secret: SECRET, bodyOverride: altered })).status, 401);
    assert.equal((await postSignedCallback(url, fields, { secret: SECRET, signature: '0'.repeat(64) })).status, 401);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
