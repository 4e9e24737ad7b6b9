import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SmppSession } from '../../../src/delivery/smpp/session.js';
import type { SmppSessionOptions } from '../../../src/delivery/smpp/session.js';
import { SmppError } from '../../../src/delivery/smpp/errors.js';
import { eventually, startSmsc } from '../../support/smsc.js';
import type { Smsc } from '../../support/smsc.js';

const TO = '+359888123456';
const sms = (text: string) => ({ to: TO, parts: [Buffer.from(text)], dataCoding: 0 as const });

function isError(kind: string, outcome: string) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof SmppError, String(e));
    assert.deepEqual([e.kind, e.outcome], [kind, outcome]);
    return true;
  };
}

describe('SmppSession reconnection', { timeout: 30_000 }, () => {
  let smsc: Smsc;
  let session: SmppSession;

  function open(url: string, over: Partial<SmppSessionOptions> = {}): SmppSession {
    session = new SmppSession({
      url,
      sourceAddr: '359888000000',
      window: 10,
      responseTimeoutMs: 300,
      enquireLinkMs: 5000,
      reconnectMinMs: 20,
      onReceipt: async () => undefined,
      reconnectMaxMs: 80,
      ...over,
    });
    session.start();
    return session;
  }

  afterEach(async () => {
    await session.stop();
    await smsc.stop();
  });

  it('rebinds after the SMSC goes down and comes back, and sends again', async () => {
    smsc = await startSmsc();
    open(smsc.url);
    await session.ready(5000);
    const disconnects: string[] = [];
    session.on('disconnect', ({ reason }) => disconnects.push(reason));

    await smsc.pause();
    smsc.dropConnections();
    await eventually(() => !session.bound, 5000, 'the session to notice');
    await assert.rejects(session.submit(sms('while down')), isError('transient', 'rejected'));
    await assert.rejects(session.ready(100), isError('transient', 'rejected'));
    assert.equal(disconnects.length, 1);

    await smsc.resume();
    await session.ready(5000);
    const { messageIds } = await session.submit(sms('after'));
    assert.deepEqual(messageIds, [smsc.submitted[0]!.messageId]);
    assert.equal(smsc.binds, 2);
  });

  it('rejects every request in flight at once, with outcome unknown, when the link drops', async () => {
    smsc = await startSmsc({ respondDelayMs: 10_000 });
    open(smsc.url, { responseTimeoutMs: 10_000 });
    await session.ready(5000);
    const inFlight = [session.submit(sms('a')), session.submit(sms('b')), session.submit({ ...sms('c'), parts: [Buffer.from('c1'), Buffer.from('c2')] })];
    await eventually(() => smsc.submitted.length === 4, 5000, 'the submits to arrive');
    smsc.dropConnections();
    const results = await Promise.allSettled(inFlight);
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      isError('transient', 'unknown')(r.reason);
    }
    await session.ready(5000); // and it comes back by itself
  });

  it('keeps retrying a refused bind with back-off and binds once the credentials match', async () => {
    smsc = await startSmsc({ password: 'right' });
    open(smsc.url.replace(':right@', ':wrong@'));
    await assert.rejects(session.ready(300), isError('transient', 'rejected'));
    assert.equal(smsc.binds, 0);
    smsc.setBehaviour({ password: 'wrong' });
    await session.ready(5000);
    assert.equal(smsc.binds, 1);
  });

  it('treats a missing enquire_link_resp as a dead link and reconnects', async () => {
    smsc = await startSmsc({ ignoreEnquireLink: true });
    open(smsc.url, { enquireLinkMs: 50, responseTimeoutMs: 150 });
    await session.ready(5000);
    const reasons: string[] = [];
    session.on('disconnect', ({ reason }) => reasons.push(reason));
    await eventually(() => smsc.binds >= 2, 5000, 'a second bind');
    smsc.setBehaviour({ ignoreEnquireLink: false });
    assert.match(reasons[0] ?? '', /enquire_link/);
    await session.ready(5000);
    await session.submit(sms('alive'));
  });
});
