import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBounce } from '../../../src/delivery/email/dsn.js';
import { buildDsn, ORIGINAL_HEADERS } from './dsn-fixture.js';

test('a hard bounce: action failed, status 5.1.1, id from the VERP recipient', async () => {
  const bounce = await parseBounce(Buffer.from(buildDsn({ to: 'bounce+42@bounces.example.bg' })), 'bounce+42@bounces.example.bg');
  assert.deepEqual(bounce, {
    messageId: 42,
    action: 'failed',
    status: '5.1.1',
    hard: true,
    recipient: 'ivan.petrov@example.net',
    diagnostic: '550 5.1.1 <ivan.petrov@example.net>: Recipient address rejected: User unknown in virtual mailbox table',
  });
});

test('the VERP recipient wins over the returned headers', async () => {
  const bounce = await parseBounce(buildDsn(), 'bounce+7@bounces.example.bg');
  assert.equal(bounce?.messageId, 7);
});

test('a delayed 4.x.x report is soft', async () => {
  const bounce = await parseBounce(
    buildDsn({ action: 'delayed', status: '4.4.1', diagnostic: 'X-Postfix; connect to mx2.example.net[198.51.100.7]:25: Connection timed out' }),
    'bounce+42@bounces.example.bg',
  );
  assert.equal(bounce?.hard, false);
  assert.equal(bounce?.action, 'delayed');
  assert.equal(bounce?.status, '4.4.1');
  assert.equal(bounce?.diagnostic, 'connect to mx2.example.net[198.51.100.7]:25: Connection timed out');
});

test('a 5.x.x status without action failed is not hard', async () => {
  const bounce = await parseBounce(buildDsn({ action: 'delivered', status: '2.0.0' }));
  assert.equal(bounce?.hard, false);
  const odd = await parseBounce(buildDsn({ action: 'delayed', status: '5.0.0' }));
  assert.equal(odd?.hard, false);
});

test('without an envelope recipient the id comes from X-Izvestie-Message-Id in the returned headers', async () => {
  const bounce = await parseBounce(buildDsn({ returned: 'headers' }));
  assert.equal(bounce?.messageId, 42);
});

test('without our header the id comes from the Message-ID of the returned message', async () => {
  const headers = ORIGINAL_HEADERS.replace('X-Izvestie-Message-Id: 42\r\n', '').replace('.42@', '.4711@');
  const bounce = await parseBounce(buildDsn({ returned: 'message', originalHeaders: headers }));
  assert.equal(bounce?.messageId, 4711);
  assert.equal(bounce?.hard, true);
});

test('a report that names nothing of ours has a null messageId', async () => {
  const foreign = ORIGINAL_HEADERS.replace('X-Izvestie-Message-Id: 42\r\n', '').replace(
    /Message-ID: .*/,
    'Message-ID: <CAF=abc@mail.example.com>',
  );
  assert.equal((await parseBounce(buildDsn({ originalHeaders: foreign })))?.messageId, null);
  assert.equal((await parseBounce(buildDsn({ returned: 'none' })))?.messageId, null);
  assert.equal((await parseBounce(buildDsn(), 'postmaster@bounces.example.bg'))?.messageId, 42);
});

test('of several recipients the failed one is reported', async () => {
  const bounce = await parseBounce(
    buildDsn({ otherRecipients: [{ recipient: 'other@example.net', action: 'delivered', status: '2.0.0' }] }),
  );
  assert.equal(bounce?.recipient, 'ivan.petrov@example.net');
  assert.equal(bounce?.action, 'failed');
});

test('mail that is not a delivery status notification gives null', async () => {
  const autoReply = [
    'From: ivan.petrov@example.net',
    'To: bounce+42@bounces.example.bg',
    'Subject: =?UTF-8?B?0J3QtSDRgdGK0Lwg0LIg0L7RhNC40YHQsA==?=',
    'Auto-Submitted: auto-replied',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Извън офиса съм до 1 декември.',
    '',
  ].join('\r\n');
  assert.equal(await parseBounce(autoReply, 'bounce+42@bounces.example.bg'), null);
  // A multipart/report of another kind (a read receipt) is not a bounce either.
  assert.equal(await parseBounce(buildDsn({ reportType: 'disposition-notification' })), null);
});
