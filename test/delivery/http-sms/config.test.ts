import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultCallbackStatusMap, httpSmsConfigSchema } from '../../../src/delivery/http-sms/config.js';

const base = {
  url: 'https://sms.example.bg/api/send',
  bodyTemplate: { phone: '{to}', message: '{text}', idd: '{ref}' },
  callbackSecret: 'a-secret-of-16-ch',
  callbackMode: 'token',
};

function issues(input: Record<string, unknown>): string {
  const r = httpSmsConfigSchema.safeParse({ ...base, ...input });
  return r.success ? '' : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
}

test('defaults: POST, 10 s, common callback field names and status words', () => {
  const cfg = httpSmsConfigSchema.parse(base);
  assert.equal(cfg.method, 'POST');
  assert.equal(cfg.timeoutMs, 10_000);
  assert.deepEqual(cfg.callbackFields, { ref: 'idd', providerId: 'id', status: 'status' });
  assert.deepEqual(cfg.callbackStatusMap, defaultCallbackStatusMap);
});

test('values as environment variables give them: numbers and JSON objects as text', () => {
  const cfg = httpSmsConfigSchema.parse({
    ...base,
    method: 'GET',
    timeoutMs: '2500',
    bodyTemplate: '{"to":"{to_local}","text":"{text}"}',
    callbackFields: '{"ref":"idx","status":"report.state"}',
    callbackStatusMap: '{"2":"delivered","3":"failed"}',
  });
  assert.equal(cfg.timeoutMs, 2500);
  assert.deepEqual(cfg.bodyTemplate, { to: '{to_local}', text: '{text}' });
  assert.deepEqual(cfg.callbackFields, { ref: 'idx', providerId: 'id', status: 'report.state' });
  assert.deepEqual(cfg.callbackStatusMap, { '2': 'delivered', '3': 'failed' });
});

test('refuses what would fail or leak at send time', () => {
  assert.match(issues({ url: 'ftp://sms.example.bg/' }), /^url: /);
  assert.match(issues({ url: 'not a url' }), /^url: /);
  assert.match(issues({ callbackSecret: 'short' }), /^callbackSecret: /);
  assert.match(issues({ callbackMode: 'none' }), /^callbackMode: /);
  assert.match(issues({ bodyTemplate: { phone: '{phone}' } }), /bodyTemplate\.phone: unknown placeholder \{phone\}/);
  assert.match(issues({ bodyTemplate: {} }), /^bodyTemplate: /);
  assert.match(issues({ bodyTemplate: '{not json' }), /^bodyTemplate: must be a JSON object/);
  assert.match(issues({ authHeader: 'Bearer xyz' }), /^authHeader: /);
  assert.match(issues({ authHeader: 'X-Api-Key: k\r\nX-Evil: 1' }), /^authHeader: /);
  assert.match(issues({ successValue: 'ok' }), /^successValue: successValue needs successPath/);
  assert.match(issues({ callbackStatusMap: { DELIVRD: 'read' } }), /^callbackStatusMap\.DELIVRD: /);
  assert.equal(issues({ authHeader: 'X-Api-Key: k-1', successPath: 'status', successValue: 'ok' }), '');
});
