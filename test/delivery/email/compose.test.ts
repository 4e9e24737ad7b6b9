import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { composeEmail, parseVerp, stableMessageId, verpAddress } from '../../../src/delivery/email/compose.js';
import { parseSmtpUrl } from '../../../src/delivery/email/transport.js';

const base = {
  messageKey: 'overdue:1234567890:2026-11-24:1',
  messageId: 77,
  to: 'ivan.petrov@example.net',
  from: '"ЕНЕРГО-ПРО Известия" <izvestia@example.bg>',
  subject: 'Просрочена фактура',
  text: 'Здравейте',
  html: '<p>Здравейте</p>',
  domain: 'izvestia.example.bg',
};

test('Message-ID is built from the key and the outbox id only', () => {
  const a = composeEmail(base);
  const b = composeEmail({ ...base, subject: 'друга тема', text: 'друг текст' });
  assert.equal(a.messageId, '<overdue-1234567890-2026-11-24-1.77@izvestia.example.bg>');
  assert.equal(b.messageId, a.messageId);
  assert.notEqual(composeEmail({ ...base, messageId: 78 }).messageId, a.messageId);
});

test('Message-ID is a valid msg-id whatever the key holds', () => {
  const msgId = /^<[A-Za-z0-9_-]+\.\d+@[A-Za-z0-9.-]+>$/;
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (key, id) => {
      const value = stableMessageId(key, id, 'example.bg');
      assert.match(value, msgId);
      assert.ok(value.endsWith(`.${id}@example.bg>`));
    }),
  );
});

test('VERP address round-trips and foreign addresses are not ours', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 999_999_999_999_999 }), (id) => {
      assert.equal(parseVerp(verpAddress(id, 'bounces.example.bg')), id);
    }),
  );
  assert.equal(parseVerp('<bounce+42@bounces.example.bg>'), 42);
  assert.equal(parseVerp('BOUNCE+42@Bounces.Example.BG'), 42);
  for (const other of ['bounce@x.bg', 'bounce+@x.bg', 'bounce+abc@x.bg', 'bounce+0@x.bg', 'xbounce+1@x.bg', 'bounce+1', '']) {
    assert.equal(parseVerp(other), null, other);
  }
  assert.throws(() => verpAddress(0, 'x.bg'), /positive integer/);
  assert.throws(() => verpAddress(1, 'bad domain'), /domain/);
});

test('envelope sender is the VERP address while the From header stays', () => {
  const mail = composeEmail({ ...base, bounceDomain: 'bounces.example.bg' });
  assert.deepEqual(mail.envelope, { from: 'bounce+77@bounces.example.bg', to: base.to });
  assert.equal(mail.from, base.from);
  assert.equal(composeEmail(base).envelope, undefined);
});

test('list and robot headers', () => {
  const mail = composeEmail({
    ...base,
    unsubscribeUrl: 'https://izvestia.example.bg/u/abc?t=1 2',
    unsubscribeMailto: 'unsubscribe+77@example.bg',
  });
  assert.deepEqual(mail.headers, {
    'Auto-Submitted': 'auto-generated',
    'X-Izvestie-Message-Id': '77',
    'List-Unsubscribe': '<https://izvestia.example.bg/u/abc?t=1%202>, <mailto:unsubscribe+77@example.bg>',
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  });
  // Without an HTTPS endpoint there is no one-click promise to make.
  const mailtoOnly = composeEmail({ ...base, unsubscribeMailto: 'mailto:u@example.bg' }).headers as Record<string, string>;
  assert.equal(mailtoOnly['List-Unsubscribe'], '<mailto:u@example.bg>');
  assert.equal(mailtoOnly['List-Unsubscribe-Post'], undefined);
  assert.throws(() => composeEmail({ ...base, unsubscribeUrl: 'http://izvestia.example.bg/u' }), /https/);
  assert.throws(() => composeEmail({ ...base, unsubscribeMailto: 'a@b.bg>, <https://evil' }), /unsubscribeMailto/);
});

test('parseSmtpUrl reads the forms we support', () => {
  assert.deepEqual(parseSmtpUrl('smtp://mail.example.bg'), { host: 'mail.example.bg', port: 587, secure: false, ignoreTLS: false });
  assert.deepEqual(parseSmtpUrl('smtps://u%40x:p%3Aa%2Fss@mail.example.bg:2465'), {
    host: 'mail.example.bg',
    port: 2465,
    secure: true,
    ignoreTLS: false,
    auth: { user: 'u@x', pass: 'p:a/ss' },
  });
  assert.deepEqual(parseSmtpUrl('smtp://127.0.0.1:2525/?starttls=off'), { host: '127.0.0.1', port: 2525, secure: false, ignoreTLS: true });
  assert.equal(parseSmtpUrl('smtp://[::1]:25').host, '::1');
});

test('parseSmtpUrl refuses bad URLs without echoing the password', () => {
  const bad: Array<[string, RegExp]> = [
    ['mail.example.bg', /not a URL/],
    ['mail.example.bg:25', /scheme/],
    ['http://u:secret@mail.example.bg', /scheme/],
    ['smtp://u:secret@mail.example.bg:99999', /not a URL/],
    ['smtp://u:secret@mail.example.bg:0', /port 0/],
    ['smtp://u:secret@mail.example.bg/inbox', /path/],
    ['smtp://u:secret@mail.example.bg?tls=1', /unknown parameter/],
    ['smtp://u:secret@mail.example.bg?starttls=on', /unknown parameter/],
    ['smtps://u:secret@mail.example.bg?starttls=off', /smtps/],
    ['smtp://:secret@mail.example.bg', /password without user/],
  ];
  for (const [url, reason] of bad) {
    assert.throws(
      () => parseSmtpUrl(url),
      (err: Error) => reason.test(err.message) && !err.message.includes('secret'),
      url,
    );
  }
});
