import { test } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { BounceReceiver } from '../../../src/delivery/email/bounce-receiver.js';
import type { Bounce } from '../../../src/delivery/email/dsn.js';
import { buildDsn } from './dsn-fixture.js';

const DOMAIN = 'bounces.example.bg';

async function withReceiver(
  onBounce: (b: Bounce) => Promise<void>,
  fn: (send: (to: string | string[], raw: string) => Promise<unknown>) => Promise<void>,
  maxBytes?: number,
): Promise<void> {
  const receiver = new BounceReceiver({ host: '127.0.0.1', port: 0, domain: DOMAIN, onBounce, maxBytes });
  await receiver.start();
  assert.ok(receiver.port > 0);
  // Like a remote MTA: null sender, one message per connection.
  const client = nodemailer.createTransport({ host: '127.0.0.1', port: receiver.port, secure: false, ignoreTLS: true });
  try {
    await fn((to, raw) => client.sendMail({ envelope: { from: '', to }, raw }));
  } finally {
    client.close();
    await receiver.stop();
  }
}

test('a DSN to bounce+42@domain reaches onBounce as a hard bounce of message 42', async () => {
  const seen: Bounce[] = [];
  await withReceiver(
    async (b) => {
      seen.push(b);
    },
    async (send) => {
      await send(`bounce+42@${DOMAIN}`, buildDsn());
    },
  );
  assert.equal(seen.length, 1);
  assert.equal(seen[0]?.messageId, 42);
  assert.equal(seen[0]?.hard, true);
  assert.equal(seen[0]?.status, '5.1.1');
  assert.equal(seen[0]?.recipient, 'ivan.petrov@example.net');
});

test('recipients other than bounce+{id}@domain are refused with 550', async () => {
  const seen: Bounce[] = [];
  await withReceiver(
    async (b) => {
      seen.push(b);
    },
    async (send) => {
      for (const to of [`postmaster@${DOMAIN}`, `bounce+abc@${DOMAIN}`, 'bounce+42@elsewhere.example', `bounce+42@sub.${DOMAIN}`]) {
        await assert.rejects(send(to, buildDsn()), (err: Error & { responseCode?: number }) => {
          assert.equal(err.responseCode, 550, to);
          return true;
        });
      }
      // The domain is matched without regard to case, as DNS names are.
      await send(`Bounce+43@${DOMAIN.toUpperCase()}`, buildDsn());
    },
  );
  assert.deepEqual(
    seen.map((b) => b.messageId),
    [43],
  );
});

test('one recipient per transaction: the second is deferred with 452', async () => {
  const seen: Bounce[] = [];
  await withReceiver(
    async (b) => {
      seen.push(b);
    },
    async (send) => {
      const info = (await send([`bounce+1@${DOMAIN}`, `bounce+2@${DOMAIN}`], buildDsn())) as { accepted: string[]; rejected: string[] };
      assert.deepEqual(info.accepted, [`bounce+1@${DOMAIN}`]);
      assert.deepEqual(info.rejected, [`bounce+2@${DOMAIN}`]);
    },
  );
  assert.deepEqual(
    seen.map((b) => b.messageId),
    [1],
  );
});

test('when onBounce throws the sender gets 451 and can retry', async () => {
  const seen: Bounce[] = [];
  let failures = 1;
  await withReceiver(
    async (b) => {
      if (failures-- > 0) throw new Error('database unavailable');
      seen.push(b);
    },
    async (send) => {
      await assert.rejects(send(`bounce+42@${DOMAIN}`, buildDsn()), (err: Error & { responseCode?: number }) => {
        assert.equal(err.responseCode, 451);
        return true;
      });
      await send(`bounce+42@${DOMAIN}`, buildDsn());
    },
  );
  assert.equal(seen.length, 1);
  assert.equal(seen[0]?.messageId, 42);
});

test('non-DSN mail to a bounce address is accepted and ignored', async () => {
  let calls = 0;
  await withReceiver(
    async () => {
      calls++;
    },
    async (send) => {
      await send(`bounce+42@${DOMAIN}`, 'From: ivan@example.net\r\nSubject: Out of office\r\n\r\nИзвън офиса съм.\r\n');
    },
  );
  assert.equal(calls, 0);
});

test('a message over the size limit is refused with 552', async () => {
  let calls = 0;
  await withReceiver(
    async () => {
      calls++;
    },
    async (send) => {
      const big = buildDsn({ returned: 'message' }).replace('Уважаеми', `${'x'.repeat(70)}\r\n`.repeat(2000) + 'Уважаеми');
      await assert.rejects(send(`bounce+42@${DOMAIN}`, big), (err: Error & { responseCode?: number }) => {
        assert.equal(err.responseCode, 552);
        return true;
      });
      await send(`bounce+42@${DOMAIN}`, buildDsn());
    },
    64 * 1024,
  );
  assert.equal(calls, 1);
});
