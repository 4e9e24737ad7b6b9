import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { AddressObject } from 'mailparser';
import { createSmtpTransport } from '../../../src/delivery/email/transport.js';
import type { SmtpTransport } from '../../../src/delivery/email/transport.js';
import { composeEmail } from '../../../src/delivery/email/compose.js';
import type { EmailInput } from '../../../src/delivery/email/compose.js';
import { startSmtpSink } from '../../support/smtp-sink.js';
import type { SmtpSink } from '../../support/smtp-sink.js';
import { verifyDkim } from './dkim-verify.js';

const SUBJECT = 'Напомняне: неплатена фактура № 0123456789 — ЕНЕРГО-ПРО';
const TEXT = 'Уважаеми г-н Петров,\n\nфактура № 0123456789 за 123,45 € е с изтекъл срок на плащане (24.11.2026 г.).\n';
const HTML = '<p>Уважаеми г-н Петров,</p><p>фактура № 0123456789 за <b>123,45&nbsp;€</b> е с изтекъл срок на плащане.</p>';

function input(over: Partial<EmailInput> = {}): EmailInput {
  return {
    messageKey: 'overdue:1234567890:2026-11-24:1',
    messageId: 1234,
    to: 'ivan.petrov@example.net',
    from: '"ЕНЕРГО-ПРО Известия" <izvestia@example.bg>',
    subject: SUBJECT,
    text: TEXT,
    html: HTML,
    domain: 'izvestia.example.bg',
    unsubscribeUrl: 'https://izvestia.example.bg/unsubscribe/tok123',
    unsubscribeMailto: 'unsubscribe+1234@izvestia.example.bg',
    bounceDomain: 'bounces.example.bg',
    ...over,
  };
}

async function withSink(
  sinkOpts: Parameters<typeof startSmtpSink>[0],
  fn: (sink: SmtpSink, track: (t: SmtpTransport) => SmtpTransport) => Promise<void>,
): Promise<void> {
  const sink = await startSmtpSink(sinkOpts);
  const transports: SmtpTransport[] = [];
  try {
    await fn(sink, (t) => {
      transports.push(t);
      return t;
    });
  } finally {
    for (const t of transports) t.close();
    await sink.stop();
  }
}

function header(raw: Buffer, name: string): string | undefined {
  const head = raw.toString('latin1').split('\r\n\r\n')[0] ?? '';
  const m = new RegExp(`^${name}:[ \\t]*((?:.*)(?:\\r\\n[ \\t].*)*)`, 'im').exec(head);
  return m?.[1]?.replace(/\r\n[ \t]+/g, ' ');
}

test('a Bulgarian email arrives intact over STARTTLS, with list, robot and VERP envelope', async () => {
  await withSink({ starttls: true }, async (sink, track) => {
    const transport = track(createSmtpTransport({ url: sink.url, maxConnections: 1, allowSelfSigned: true }));
    const first = composeEmail(input());
    const resent = composeEmail(input()); // as after a crash between send and acknowledgement
    await transport.sendMail(first);
    await transport.sendMail(resent);
    const [a, b] = await sink.waitForMessages(2);
    assert.ok(a !== undefined && b !== undefined);

    assert.equal(a.secure, true);
    assert.equal(a.mailFrom, 'bounce+1234@bounces.example.bg');
    assert.deepEqual(a.rcptTo, ['ivan.petrov@example.net']);
    // Non-ASCII header text must travel as RFC 2047 encoded words, and decode back exactly.
    assert.match(header(a.raw, 'Subject') ?? '', /^=\?UTF-8\?[BQ]\?/i);
    assert.equal(a.parsed.subject, SUBJECT);
    assert.equal(a.parsed.text?.trim(), TEXT.trim());
    assert.ok(typeof a.parsed.html === 'string' && a.parsed.html.includes('123,45&nbsp;€'));
    const from = a.parsed.from as AddressObject;
    assert.deepEqual(from.value, [{ address: 'izvestia@example.bg', name: 'ЕНЕРГО-ПРО Известия' }]);

    assert.equal(a.parsed.messageId, '<overdue-1234567890-2026-11-24-1.1234@izvestia.example.bg>');
    assert.equal(b.parsed.messageId, a.parsed.messageId);
    assert.equal(
      header(a.raw, 'List-Unsubscribe'),
      '<https://izvestia.example.bg/unsubscribe/tok123>, <mailto:unsubscribe+1234@izvestia.example.bg>',
    );
    assert.equal(header(a.raw, 'List-Unsubscribe-Post'), 'List-Unsubscribe=One-Click');
    assert.equal(header(a.raw, 'Auto-Submitted'), 'auto-generated');
    assert.equal(header(a.raw, 'X-Izvestie-Message-Id'), '1234');
  });
});

test('a self-signed certificate is refused unless allowed', async () => {
  await withSink({ starttls: true }, async (sink, track) => {
    const transport = track(createSmtpTransport({ url: sink.url, maxConnections: 1 }));
    await assert.rejects(transport.sendMail(composeEmail(input())), (err: Error & { code?: string }) => {
      assert.match(`${err.code} ${err.message}`, /ETLS|ESOCKET|certificate/i);
      return true;
    });
    assert.equal(sink.messages.length, 0);
  });
});

test('?starttls=off sends in clear even when STARTTLS is offered', async () => {
  await withSink({ starttls: true }, async (sink, track) => {
    const transport = track(createSmtpTransport({ url: `${sink.url}?starttls=off`, maxConnections: 1 }));
    await transport.sendMail(composeEmail(input()));
    const [m] = await sink.waitForMessages(1);
    assert.equal(m?.secure, false);
  });
});

test('smtps:// with credentials authenticates over implicit TLS', async () => {
  await withSink({ secure: true, auth: { user: 'izvestia', pass: 'p@ss:word' } }, async (sink, track) => {
    assert.match(sink.url, /^smtps:\/\/izvestia:p%40ss%3Aword@/);
    const ok = track(createSmtpTransport({ url: sink.url, maxConnections: 1, allowSelfSigned: true }));
    await ok.sendMail(composeEmail(input()));
    const [m] = await sink.waitForMessages(1);
    assert.equal(m?.secure, true);

    const wrong = track(createSmtpTransport({ url: sink.url.replace('p%40ss', 'nope'), maxConnections: 1, allowSelfSigned: true }));
    await assert.rejects(wrong.sendMail(composeEmail(input())), { code: 'EAUTH' });
  });
});

test('DKIM: the message carries a signature that verifies, covering the list headers', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  await withSink({}, async (sink, track) => {
    const transport = track(
      createSmtpTransport({
        url: sink.url,
        maxConnections: 1,
        dkim: { domainName: 'example.bg', keySelector: 'izv2026', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
      }),
    );
    await transport.sendMail(composeEmail(input()));
    const [m] = await sink.waitForMessages(1);
    assert.ok(m !== undefined);
    const result = verifyDkim(m.raw, publicKey);
    assert.equal(result.valid, true);
    assert.equal(result.tags.get('d'), 'example.bg');
    assert.equal(result.tags.get('s'), 'izv2026');
    const signed = (result.tags.get('h') ?? '').toLowerCase().split(':');
    for (const h of ['from', 'subject', 'message-id', 'list-unsubscribe', 'list-unsubscribe-post']) {
      assert.ok(signed.includes(h), `h= should include ${h}: ${signed.join(':')}`);
    }
    // The verifier must be able to say no: a changed signed header, a changed body or another key fails.
    const rawText = m.raw.toString('latin1');
    assert.ok(rawText.includes('tok123'));
    assert.equal(verifyDkim(Buffer.from(rawText.replace('tok123', 'tok124'), 'latin1'), publicKey).valid, false);
    assert.equal(verifyDkim(Buffer.from(`${rawText}extra line\r\n`, 'latin1'), publicKey).valid, false);
    const other = createPublicKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
    assert.equal(verifyDkim(m.raw, other).valid, false);
  });
});

test('a 4xx answer fails with a transient 4xx error, a 5xx one with a permanent 5xx error', async () => {
  await withSink({}, async (sink, track) => {
    const transport = track(createSmtpTransport({ url: sink.url, maxConnections: 1 }));

    sink.failWith({ code: 451, message: '4.3.0 Try again later', times: 1 });
    await assert.rejects(transport.sendMail(composeEmail(input())), (err: Error & { responseCode?: number; permanent?: boolean }) => {
      assert.equal(err.responseCode, 451);
      assert.equal(err.permanent, false);
      return true;
    });

    sink.failWith({ code: 550, message: '5.1.1 No such user', at: 'rcpt', times: 1 });
    await assert.rejects(transport.sendMail(composeEmail(input({ messageId: 1235 }))), (err: Error & { responseCode?: number; permanent?: boolean }) => {
      assert.equal(err.responseCode, 550);
      assert.equal(err.permanent, true);
      return true;
    });

    // The failures were one-off: the pooled transport still delivers afterwards.
    await transport.sendMail(composeEmail(input({ messageId: 1236 })));
    const [m] = await sink.waitForMessages(1);
    assert.equal(m?.parsed.messageId?.includes('.1236@'), true);
    assert.equal(sink.messages.length, 1);
  });
});

test('the pool never opens more than maxConnections connections', async () => {
  await withSink({ delayMs: 100 }, async (sink, track) => {
    const transport = track(createSmtpTransport({ url: sink.url, maxConnections: 2, maxMessages: 50 }));
    const sends = Array.from({ length: 10 }, (_, i) => transport.sendMail(composeEmail(input({ messageId: 2000 + i }))));
    await Promise.all(sends);
    await sink.waitForMessages(10);
    assert.equal(sink.messages.length, 10);
    assert.ok(sink.peakConnections >= 1 && sink.peakConnections <= 2, `peak ${sink.peakConnections}`);
    const ids = new Set(sink.messages.map((m) => m.parsed.messageId));
    assert.equal(ids.size, 10);
  });
});

test('createSmtpTransport validates its options', () => {
  assert.throws(() => createSmtpTransport({ url: 'smtp://127.0.0.1:25', maxConnections: 0 }), /maxConnections/);
  assert.throws(() => createSmtpTransport({ url: 'smtp://127.0.0.1:25', maxConnections: 1, maxMessages: 1.5 }), /maxMessages/);
  assert.throws(() => createSmtpTransport({ url: 'ftp://127.0.0.1', maxConnections: 1 }), /Invalid SMTP URL/);
});
