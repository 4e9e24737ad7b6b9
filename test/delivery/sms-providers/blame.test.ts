import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Kysely } from 'kysely';
import { DeliveryError, type Channel, type OutboxMessage } from '../../../src/delivery/channels/types.js';
import { HttpSmsError } from '../../../src/delivery/http-sms/gateway.js';
import { SmppError, statusError } from '../../../src/delivery/smpp/errors.js';
import { recipientRefusal } from '../../../src/delivery/sms-providers/blame.js';
import { smsProviderChannels, type SmsProviderDeps } from '../../../src/delivery/sms-providers/channels.js';
import { loadConfig } from '../../../src/config.js';
import type { DB } from '../../../src/db/schema.js';
import type { FailureContext } from '../../../src/delivery/outbox/fallback.js';
import { silentLogger } from '../../../src/log.js';
import { startSmsc } from '../../support/smsc.js';

// A permanent refusal of one customer's number is the customer's problem: another provider would
// refuse it too. Any number of them must not take a provider out of the rotation; its own errors
// (no answer, no connection, throttling, temporary or account errors, HTTP errors) still do.

/** As the SMPP channel throws them: the SMSC's refusal as the cause. */
const smpp = (commandStatus: number) => {
  const e = statusError('submit_sm', commandStatus);
  return new DeliveryError(e.message, { kind: e.kind, outcome: e.outcome, cause: e });
};

describe('whose problem a refusal is', () => {
  test('the customer’s: a refusal of the destination, a gateway’s permanent code, a number not sendable at all', () => {
    for (const s of [0x0b, 0x50, 0x51, 0x66, 0x106]) assert.equal(recipientRefusal(smpp(s)), true, `command_status 0x${s.toString(16)}`);
    const local = new SmppError('message not sent: destination "+1" is not an E.164 number', 'permanent', 'rejected');
    assert.equal(recipientRefusal(new DeliveryError(local.message, { kind: 'permanent', cause: local })), true, 'refused before any submit_sm');
    assert.equal(recipientRefusal(new HttpSmsError('SMS gateway refused message izv1 with code 2', { kind: 'permanent', outcome: 'rejected', status: 200, code: '2' })), true);
    assert.equal(recipientRefusal(new HttpSmsError('not an E.164 number: 0888', { kind: 'permanent', outcome: 'rejected' })), true);
  });

  test('the provider’s: connection, timeout, throttling, temporary, account and configuration errors', () => {
    // ESME_RSYSERR, ESME_RTHROTTLED, ESME_RMSGQFUL, ESME_RINVPASWD, ESME_RINVSRCADR (our sender), ESME_RPROHIBITED, ESME_RINVMSGLEN.
    for (const s of [0x08, 0x58, 0x14, 0x0e, 0x0a, 0x101, 0x01]) assert.equal(recipientRefusal(smpp(s)), false, `command_status 0x${s.toString(16)}`);
    const lost = new SmppError('SMPP connection lost (reset): the SMSC may have the message', 'transient', 'unknown');
    assert.equal(recipientRefusal(new DeliveryError(lost.message, { kind: 'transient', outcome: 'unknown', cause: lost })), false);
    const http = (kind: 'transient' | 'permanent', o: { status?: number; code?: string; outcome?: 'rejected' | 'unknown' }) =>
      new HttpSmsError('refused', { kind, outcome: o.outcome ?? 'rejected', ...(o.status === undefined ? {} : { status: o.status }), ...(o.code === undefined ? {} : { code: o.code }) });
    assert.equal(recipientRefusal(http('transient', { status: 200, code: '1115' })), false, 'a temporary (account) code');
    assert.equal(recipientRefusal(http('transient', { status: 503 })), false, 'an HTTP error');
    assert.equal(recipientRefusal(http('permanent', { status: 404 })), false, 'a gateway moved or misconfigured');
    assert.equal(recipientRefusal(http('transient', { outcome: 'unknown' })), false, 'no answer');
    assert.equal(recipientRefusal(new Error('boom')), false);
  });
});

const FAILOVER = { failureRate: 0.5, windowMs: 60_000, minSamples: 4, recoveryMs: 60_000 };
let serial = 0;
const message = (recipient: string): OutboxMessage => ({
  id: ++serial,
  businessKey: `blame:${serial}`,
  kind: 'e2e_text',
  customerNumber: null,
  subscriptionId: null,
  channel: 'sms',
  recipient,
  lang: 'bg',
  subject: null,
  body: 'Неплатена сметка / Unpaid bill',
  html: null,
  templateVersion: null,
  fallback: [],
  parentId: null,
  payload: {},
  urgent: false,
  notBefore: new Date(),
  expiresAt: null,
  attempts: 0,
  firstAttemptAt: null,
  createdAt: new Date(),
});

// No database: the SMS refused here bring no receipts, and a health report that cannot be stored is only logged.
const noDb = {
  getExecutor: () => {
    throw new Error('no database in this test');
  },
} as unknown as Kysely<DB>;

function lanes(providers: unknown[]): Channel[] {
  const list = loadConfig({ SMS_PROVIDERS: JSON.stringify(providers) }).delivery.smsProviders;
  const deps: SmsProviderDeps = { db: noDb, failure: {} as FailureContext, logger: silentLogger, deliveryUrl: 'http://127.0.0.1:1/api/v1/delivery', failover: FAILOVER };
  return smsProviderChannels(list, deps);
}

async function refusedAll(lane: Channel, n: number, recipient = '+359888123456'): Promise<string[]> {
  const kinds: string[] = [];
  for (let i = 0; i < n; i++) {
    await lane.send(message(recipient)).then(
      () => kinds.push('accepted'),
      (e: unknown) => kinds.push(e instanceof DeliveryError ? e.kind : 'other'),
    );
  }
  return kinds;
}

/** Two lanes (a gateway and its backup, both Mobica) in front of one local HTTP server. */
async function gatewayLanes(t: { after(fn: () => Promise<void>): void }, handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<[Channel, Channel]> {
  const server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const gateway = (name: string) => ({ name, type: 'http', url, preset: 'mobica', user: 'energo', password: 'pa55', from: 'EnergoPro' });
  return lanes([gateway('mobica'), gateway('backup')]) as [Channel, Channel];
}

describe('failover counts the provider’s failures, not the customers’', () => {
  test('SMPP: many invalid destinations keep the primary; system errors take it out', async (t) => {
    const primary = await startSmsc();
    const backup = await startSmsc();
    const [first, second] = lanes([
      { name: 'primary', type: 'smpp', url: primary.url },
      { name: 'backup', type: 'smpp', url: backup.url },
    ]) as [Channel, Channel];
    t.after(async () => {
      await first.stop?.();
      await second.stop?.();
      await primary.stop();
      await backup.stop();
    });
    await Promise.all([first.start?.(), second.start?.()]);
    assert.equal(first.available?.(), true);
    assert.equal(second.available?.(), false, 'the backup is in standby');

    primary.setBehaviour({ failStatus: 0x0b }); // ESME_RINVDSTADR
    assert.deepEqual(await refusedAll(first, 12), Array(12).fill('permanent'));
    assert.equal(primary.refused, 12);
    assert.equal(first.available?.(), true, '12 of 12 refused, each for its number: still the primary');
    assert.equal(second.available?.(), false);

    primary.setBehaviour({ failStatus: 0x08 }); // ESME_RSYSERR
    assert.deepEqual(await refusedAll(first, 4), Array(4).fill('transient'));
    assert.equal(first.available?.(), false, '4 of 4 judged sends failed: out');
    assert.equal(second.available?.(), true, 'the backup takes over');
  });

  test('HTTP: a gateway’s permanent code per message keeps it; its temporary errors take it out', async (t) => {
    let mode: 'bad-number' | 'account' = 'bad-number';
    let requests = 0;
    const [first, second] = await gatewayLanes(t, (req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        requests++;
        const body = JSON.parse(raw) as { messages: Array<{ idd: string }> };
        // Mobica's answer: the request's code, and each message's (1004 accepted, 1115 account, others refused).
        const messages = body.messages.map((m) => ({ idd: m.idd, code: mode === 'account' ? '1115' : '1301' }));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ code: '1004', messages }));
      });
    });

    assert.deepEqual(await refusedAll(first, 12), Array(12).fill('permanent'));
    assert.equal(requests, 12);
    assert.equal(first.available?.(), true, '12 numbers refused for good: still the first gateway');
    assert.equal(second.available?.(), false);

    mode = 'account';
    assert.deepEqual(await refusedAll(first, 4), Array(4).fill('transient'));
    assert.equal(first.available?.(), false, 'account errors are the provider’s: out');
    assert.equal(second.available?.(), true);
  });

  test('HTTP: server errors alone take a gateway out too', async (t) => {
    const [first, second] = await gatewayLanes(t, (_req, res) => res.writeHead(503).end('unavailable'));
    assert.deepEqual(await refusedAll(first, 4), Array(4).fill('transient'));
    assert.equal(first.available?.(), false);
    assert.equal(second.available?.(), true);
  });
});
