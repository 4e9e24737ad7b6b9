import { test } from 'node:test';
import assert from 'node:assert/strict';
import { httpSmsConfigSchema } from '../../../src/delivery/http-sms/config.js';
import type { HttpSmsConfig } from '../../../src/delivery/http-sms/config.js';
import { HttpSmsError, sendHttpSms } from '../../../src/delivery/http-sms/gateway.js';
import type { HttpSmsMessage } from '../../../src/delivery/http-sms/gateway.js';
import { DeliveryError } from '../../../src/delivery/channels/types.js';
import { startHttpGateway } from '../../support/http-gateway.js';
import type { HttpGateway, HttpGatewayOptions } from '../../support/http-gateway.js';

// Quotes, a backslash, a newline and a literal placeholder: JSON encoding and one-pass rendering.
const TEXT = 'ЕНЕРГО-ПРО: фактура № 0123456789 за 123,45 € е просрочена „до 24.11.“ — платете.\n"{ref}" \\ 😀';
const CALLBACK = 'https://izvestia.example.bg/sms/status?channel=http&x="q"';

function config(gw: HttpGateway, over: Record<string, unknown> = {}): HttpSmsConfig {
  return httpSmsConfigSchema.parse({
    url: gw.url,
    authHeader: 'Authorization: Bearer xyz-123',
    bodyTemplate: { phone: '{to}', local: '{to_local}', message: '{text}', idd: '{ref}', dlr_url: '{callback_url}', sender: '{from}', note: 'ref={ref}' },
    successPath: 'status',
    successValue: 'ok',
    providerIdPath: 'data.id',
    timeoutMs: 5000,
    callbackSecret: 's3cret-s3cret-s3cret',
    callbackMode: 'hmac',
    ...over,
  });
}

function message(over: Partial<HttpSmsMessage> = {}): HttpSmsMessage {
  return { to: '+359888123456', text: TEXT, ref: 'msg-42', from: 'ENERGO-PRO', callbackUrl: CALLBACK, ...over };
}

async function withGateway(opts: HttpGatewayOptions, fn: (gw: HttpGateway) => Promise<void>): Promise<void> {
  const gw = await startHttpGateway(opts);
  try {
    await fn(gw);
  } finally {
    await gw.stop();
  }
}

function failsWith(expected: { kind: string; outcome: string; status?: number; retryAfterMs?: number; message?: RegExp }) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof HttpSmsError, `expected HttpSmsError, got ${String(e)}`);
    assert.ok(e instanceof DeliveryError);
    assert.equal(e.kind, expected.kind);
    assert.equal(e.outcome, expected.outcome);
    assert.equal(e.status, expected.status);
    assert.equal(e.retryAfterMs, expected.retryAfterMs);
    if (expected.message) assert.match(e.message, expected.message);
    return true;
  };
}

test('POST: Cyrillic text arrives intact as UTF-8 JSON with ref, national number and auth header', async () => {
  await withGateway({}, async (gw) => {
    const answer = await sendHttpSms(config(gw), message());
    assert.equal(answer.status, 200);
    assert.equal(answer.providerId, 'gw-1');
    assert.deepEqual(JSON.parse(answer.body), { status: 'ok', data: { id: 'gw-1' } });

    const [req] = await gw.waitForRequests(1);
    assert.ok(req);
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/sms');
    assert.equal(req.headers['authorization'], 'Bearer xyz-123');
    assert.match(String(req.headers['content-type']), /^application\/json; charset=utf-8$/i);
    // Decoded as UTF-8 from the wire bytes, so a wrong encoding would not survive.
    assert.deepEqual(JSON.parse(req.rawBody.toString('utf8')), {
      phone: '359888123456',
      local: '0888123456',
      message: TEXT,
      idd: 'msg-42',
      dlr_url: CALLBACK,
      sender: 'ENERGO-PRO',
      note: 'ref=msg-42',
    });
  });
});

test('absent optional values render empty', async () => {
  await withGateway({}, async (gw) => {
    await sendHttpSms(config(gw), { to: '+359988123456', text: 'Здравейте', ref: 'r1' });
    const body = gw.requests[0]?.body as Record<string, string>;
    assert.equal(body['sender'], '');
    assert.equal(body['dlr_url'], '');
    assert.equal(body['local'], '0988123456');
  });
});

test('GET puts the fields in the query string next to the configured ones, with no body', async () => {
  await withGateway({}, async (gw) => {
    const cfg = config(gw, {
      url: `${gw.url}?user=utility`,
      method: 'GET',
      authHeader: 'X-Api-Key: k-987',
      bodyTemplate: { to: '{to_local}', text: '{text}', idx: '{ref}' },
    });
    const answer = await sendHttpSms(cfg, message());
    assert.equal(answer.providerId, 'gw-1');
    const [req] = await gw.waitForRequests(1);
    assert.ok(req);
    assert.equal(req.method, 'GET');
    assert.equal(req.headers['x-api-key'], 'k-987');
    assert.equal(req.rawBody.length, 0);
    assert.deepEqual(req.query, { user: 'utility', to: '0888123456', text: TEXT, idx: 'msg-42' });
  });
});

test('429 is transient, rejected, with Retry-After in ms', async () => {
  await withGateway({ behaviour: { kind: 'throttle', retryAfterSeconds: 7 } }, async (gw) => {
    await assert.rejects(sendHttpSms(config(gw), message()), failsWith({ kind: 'transient', outcome: 'rejected', status: 429, retryAfterMs: 7000 }));
  });
});

test('500 is transient and carries the answer', async () => {
  await withGateway({ behaviour: { kind: 'status', status: 500, body: 'Вътрешна грешка' } }, async (gw) => {
    await assert.rejects(
      sendHttpSms(config(gw), message()),
      failsWith({ kind: 'transient', outcome: 'rejected', status: 500, message: /500: Вътрешна грешка/ }),
    );
  });
});

test('504 from a proxy leaves the outcome unknown', async () => {
  await withGateway({ behaviour: { kind: 'status', status: 504 } }, async (gw) => {
    await assert.rejects(sendHttpSms(config(gw), message()), failsWith({ kind: 'transient', outcome: 'unknown', status: 504 }));
  });
});

test('400 is permanent', async () => {
  await withGateway({ behaviour: { kind: 'json', status: 400, body: { status: 'error', error: 'invalid phone' } } }, async (gw) => {
    await assert.rejects(sendHttpSms(config(gw), message()), failsWith({ kind: 'permanent', outcome: 'rejected', status: 400, message: /invalid phone/ }));
  });
});

test('a redirect is not followed and is permanent', async () => {
  await withGateway({ behaviour: { kind: 'status', status: 301 } }, async (gw) => {
    await assert.rejects(sendHttpSms(config(gw), message()), failsWith({ kind: 'permanent', outcome: 'rejected', status: 301 }));
    assert.equal(gw.requests.length, 1);
  });
});

test('200 whose success field does not match is permanent with the body in the message', async () => {
  const refusal = { status: 'error', error: 'duplicate message' };
  await withGateway({ behaviour: { kind: 'json', status: 200, body: refusal } }, async (gw) => {
    await assert.rejects(
      sendHttpSms(config(gw), message()),
      failsWith({ kind: 'permanent', outcome: 'rejected', status: 200, message: /duplicate message/ }),
    );
  });
});

test('successPath without successValue needs a truthy value', async () => {
  await withGateway({}, async (gw) => {
    const cfg = config(gw, { successPath: 'accepted', successValue: undefined });
    gw.respondWith({ kind: 'json', status: 200, body: { accepted: true, id: 5 } });
    assert.equal((await sendHttpSms(cfg, message())).status, 200);
    gw.respondWith({ kind: 'json', status: 200, body: { accepted: false } });
    await assert.rejects(sendHttpSms(cfg, message()), failsWith({ kind: 'permanent', outcome: 'rejected', status: 200 }));
    gw.respondWith({ kind: 'status', status: 200, body: 'OK, not JSON' });
    await assert.rejects(sendHttpSms(cfg, message()), failsWith({ kind: 'permanent', outcome: 'rejected', status: 200 }));
  });
});

test('providerId: numbers become text, a missing path gives none, no path configured gives none', async () => {
  await withGateway({}, async (gw) => {
    gw.respondWith({ kind: 'json', status: 200, body: { status: 'ok', data: { id: 987654321 } } });
    assert.equal((await sendHttpSms(config(gw), message())).providerId, '987654321');
    gw.respondWith({ kind: 'json', status: 200, body: { status: 'ok' } });
    assert.equal((await sendHttpSms(config(gw), message())).providerId, undefined);
    assert.equal((await sendHttpSms(config(gw, { providerIdPath: undefined }), message())).providerId, undefined);
  });
});

test('no answer within the timeout is transient with an unknown outcome (the gateway did get it)', async () => {
  await withGateway({ behaviour: { kind: 'slow', delayMs: 30_000 } }, async (gw) => {
    await assert.rejects(sendHttpSms(config(gw, { timeoutMs: 300 }), message()), failsWith({ kind: 'transient', outcome: 'unknown', message: /300 ms/ }));
    assert.equal(gw.requests.length, 1);
  });
});

test('a socket closed before the answer is transient with an unknown outcome', async () => {
  await withGateway({ behaviour: { kind: 'close' } }, async (gw) => {
    await assert.rejects(sendHttpSms(config(gw), message()), failsWith({ kind: 'transient', outcome: 'unknown' }));
    assert.equal(gw.requests.length, 1);
  });
});

test('a refused connection is transient and rejected: nothing reached the gateway', async () => {
  const gw = await startHttpGateway();
  const cfg = config(gw);
  await gw.stop();
  await assert.rejects(sendHttpSms(cfg, message()), failsWith({ kind: 'transient', outcome: 'rejected', message: /ECONNREFUSED/ }));
});

test('a number that is not E.164 or has no national form is permanent and never sent', async () => {
  await withGateway({}, async (gw) => {
    await assert.rejects(sendHttpSms(config(gw), message({ to: '0888123456' })), failsWith({ kind: 'permanent', outcome: 'rejected' }));
    await assert.rejects(sendHttpSms(config(gw), message({ to: '+3591' + '2'.repeat(10) })), failsWith({ kind: 'permanent', outcome: 'rejected' }));
    assert.equal(gw.requests.length, 0);
    // A template without {to_local} does not need the national form.
    const cfg = config(gw, { bodyTemplate: { phone: '{to}', message: '{text}' } });
    await sendHttpSms(cfg, message({ to: '+3591' + '2'.repeat(10) }));
    assert.equal(gw.requests.length, 1);
  });
});
