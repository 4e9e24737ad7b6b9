import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SmppSession } from '../../../src/delivery/smpp/session.js';
import type { SmppSessionOptions } from '../../../src/delivery/smpp/session.js';
import { SmppError } from '../../../src/delivery/smpp/errors.js';
import { eventually, startSmsc } from '../../support/smsc.js';
import type { Smsc } from '../../support/smsc.js';

const TO = '+359888123456';

function ucs2(text: string): Buffer {
  return Buffer.from(text, 'utf16le').swap16();
}

describe('SmppSession against the SMSC simulator', { timeout: 30_000 }, () => {
  let smsc: Smsc;
  let session: SmppSession;

  async function open(over: Partial<SmppSessionOptions> = {}): Promise<SmppSession> {
    session = new SmppSession({
      url: smsc.url,
      sourceAddr: 'ENERGO-PRO',
      window: 10,
      responseTimeoutMs: 500,
      enquireLinkMs: 5000,
      reconnectMinMs: 20,
      onReceipt: async () => undefined,
      reconnectMaxMs: 100,
      ...over,
    });
    session.start();
    await session.ready(5000);
    return session;
  }

  before(async () => {
    smsc = await startSmsc();
  });
  afterEach(async () => {
    await session.stop();
    smsc.submitted.length = 0;
    smsc.setBehaviour({ respondDelayMs: 0, throttleAll: false, throttleEvery: 0, failStatus: 0 });
  });
  after(async () => {
    await smsc.stop();
  });

  it('binds as a transceiver', async () => {
    const bindsBefore = smsc.binds;
    await open();
    assert.equal(session.bound, true);
    assert.equal(smsc.binds, bindsBefore + 1);
    assert.equal(smsc.bindCommands.at(-1), 'bind_transceiver');
  });

  it('sends a GSM-7 single part with data_coding 0 and the bytes exactly as given', async () => {
    await open();
    // "Hello@" with the escape sequence for € (1B 65): bytes the package must not re-encode.
    const part = Buffer.from([0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00, 0x1b, 0x65]);
    const { messageIds } = await session.submit({ to: TO, parts: [part], dataCoding: 0, registeredDelivery: true });
    assert.equal(smsc.submitted.length, 1);
    const sm = smsc.submitted[0]!;
    assert.deepEqual(messageIds, [sm.messageId]);
    assert.equal(sm.data_coding, 0);
    assert.deepEqual(sm.short_message, part);
    assert.equal(sm.esm_class, 0);
    assert.equal(sm.udh, undefined);
    assert.equal(sm.registered_delivery, 1);
    assert.deepEqual([sm.destination_addr, sm.dest_addr_ton, sm.dest_addr_npi], ['359888123456', 1, 1]);
    assert.deepEqual([sm.source_addr, sm.source_addr_ton, sm.source_addr_npi], ['ENERGO-PRO', 5, 0]);
  });

  it('sends UCS-2 in 3 parts with one concatenation reference and esm_class 0x40', async () => {
    await open();
    const parts = [ucs2('Ж'.repeat(67)), ucs2('Щ'.repeat(67)), ucs2('край')];
    const { messageIds } = await session.submit({ to: TO, parts, dataCoding: 8 });
    assert.equal(smsc.submitted.length, 3);
    assert.deepEqual(messageIds, smsc.submitted.map((s) => s.messageId));
    assert.equal(new Set(messageIds).size, 3);
    const ref = smsc.submitted[0]!.udh?.ref;
    smsc.submitted.forEach((sm, i) => {
      assert.deepEqual(sm.udh, { ref, total: 3, seq: i + 1 });
      assert.equal(sm.esm_class, 0x40);
      assert.equal(sm.data_coding, 8);
      assert.equal(sm.registered_delivery, 0);
      assert.deepEqual(sm.payload, parts[i]);
      assert.deepEqual(sm.short_message.subarray(0, 6), Buffer.from([5, 0, 3, ref!, 3, i + 1]));
    });

    await session.submit({ to: TO, parts: [ucs2('a'), ucs2('b')], dataCoding: 8 });
    assert.equal(smsc.submitted[3]!.udh?.ref, (ref! + 1) % 256, 'the next message takes the next reference');
  });

  it('never has more than `window` submit_sm unacknowledged', async () => {
    await open({ window: 2, responseTimeoutMs: 5000 });
    smsc.setBehaviour({ respondDelayMs: 50 });
    const maxBefore = smsc.maxInFlight;
    const sends = Array.from({ length: 8 }, (_, i) => session.submit({ to: TO, parts: [Buffer.from(`m${i}`)], dataCoding: 0 }));
    const results = await Promise.all(sends);
    assert.equal(results.length, 8);
    assert.equal(smsc.submitted.length, 8);
    assert.ok(maxBefore <= 2);
    assert.equal(smsc.maxInFlight, 2);
  });

  it('rejects with a transient error of unknown outcome when the response does not come in time', async () => {
    await open({ responseTimeoutMs: 200 });
    smsc.setBehaviour({ respondDelayMs: 3000 });
    await assert.rejects(session.submit({ to: TO, parts: [Buffer.from('slow')], dataCoding: 0 }), (e: unknown) => {
      assert.ok(e instanceof SmppError);
      assert.equal(e.kind, 'transient');
      assert.equal(e.outcome, 'unknown');
      return true;
    });
    assert.equal(smsc.submitted.length, 1, 'the SMSC did receive it');
    assert.equal(session.bound, true, 'a slow answer does not drop the link');
  });

  it('maps ESME_RTHROTTLED to a transient rejection and recovers once the SMSC accepts again', async () => {
    await open();
    smsc.setBehaviour({ throttleAll: true });
    await assert.rejects(session.submit({ to: TO, parts: [Buffer.from('x')], dataCoding: 0 }), (e: unknown) => {
      assert.ok(e instanceof SmppError);
      assert.deepEqual([e.kind, e.commandStatus, e.outcome], ['transient', 0x58, 'rejected']);
      return true;
    });
    smsc.setBehaviour({ throttleAll: false, throttleEvery: 2 });
    const outcomes = [];
    for (let i = 0; i < 4; i++) {
      outcomes.push(
        await session.submit({ to: TO, parts: [Buffer.from(`y${i}`)], dataCoding: 0 }).then(
          () => 'ok',
          (e: SmppError) => e.commandStatus,
        ),
      );
    }
    assert.equal(outcomes.filter((o) => o === 'ok').length, 2);
    assert.equal(outcomes.filter((o) => o === 0x58).length, 2);
  });

  it('maps invalid-parameter statuses to permanent and system errors to transient', async () => {
    await open();
    const cases: Array<[number, string]> = [
      [0x0b, 'permanent'], // ESME_RINVDSTADR
      [0x0a, 'permanent'], // ESME_RINVSRCADR
      [0x01, 'permanent'], // ESME_RINVMSGLEN
      [0x104, 'permanent'], // ESME_RINVDCS
      [0x08, 'transient'], // ESME_RSYSERR
      [0x14, 'transient'], // ESME_RMSGQFUL
      [0x45, 'transient'], // ESME_RSUBMITFAIL
      [0x4242, 'transient'], // unknown to us
    ];
    for (const [failStatus, kind] of cases) {
      smsc.setBehaviour({ failStatus });
      await assert.rejects(session.submit({ to: TO, parts: [Buffer.from('z')], dataCoding: 0 }), (e: unknown) => {
        assert.ok(e instanceof SmppError);
        assert.deepEqual([e.commandStatus, e.kind, e.outcome], [failStatus, kind, 'rejected']);
        return true;
      });
    }
    assert.equal(smsc.submitted.length, 0);
  });

  it('sends a part throttled after its sibling was accepted again alone, same reference and number', async () => {
    await open();
    smsc.setBehaviour({ throttleEvery: 2 }); // the first part passes, the second is throttled once
    const { messageIds } = await session.submit({ to: TO, parts: [Buffer.from('a'), Buffer.from('b')], dataCoding: 0, reference: 77 });
    assert.deepEqual(messageIds, smsc.submitted.map((s) => s.messageId));
    const wire = smsc.received.slice(-3).map((s) => [s.payload.toString(), s.udh?.ref, s.udh?.seq, s.commandStatus]);
    assert.deepEqual(wire, [
      ['a', 77, 1, 0],
      ['b', 77, 2, 0x58],
      ['b', 77, 2, 0],
    ]);
  });

  it('gives up on a part still refused at the end of the reassembly time: outcome unknown, the fragment said', async () => {
    await open({ reassemblyMs: 300 });
    smsc.setBehaviour({ throttlePart: { seq: 2, times: Infinity }, throttleStatus: 0x14 }); // ESME_RMSGQFUL
    await assert.rejects(session.submit({ to: TO, parts: [Buffer.from('a'), Buffer.from('b')], dataCoding: 0 }), (e: unknown) => {
      assert.ok(e instanceof SmppError);
      assert.deepEqual([e.kind, e.commandStatus, e.outcome], ['transient', 0x14, 'unknown']);
      assert.match(e.message, /1 of 2 parts accepted; the handset may show a fragment/);
      return true;
    });
    assert.ok(smsc.refused >= 2, 'the part was tried more than once');
    smsc.setBehaviour({ throttlePart: null, throttleStatus: 0x58 });
  });

  it('sends no further part once one failed, even one already waiting for a slot', async () => {
    await open({ window: 2, responseTimeoutMs: 300 });
    smsc.setBehaviour({ failStatus: 0x0b, neverAnswer: ['359888999999'] });
    const receivedBefore = smsc.received.length;
    // `held` keeps one slot; b1 takes the other; c1 and then b2 queue. b1's refusal hands its
    // slot to c1, c1's to b2, by which time b2 is useless.
    const held = session.submit({ to: '+359888999999', parts: [Buffer.from('held')], dataCoding: 0 });
    const b = session.submit({ to: TO, parts: [Buffer.from('b1'), Buffer.from('b2')], dataCoding: 0 });
    const c = session.submit({ to: TO, parts: [Buffer.from('c1')], dataCoding: 0 });
    const refused = (e: unknown): boolean => e instanceof SmppError && e.kind === 'permanent' && e.outcome === 'rejected' && e.commandStatus === 0x0b;
    await assert.rejects(b, refused);
    await assert.rejects(c, refused);
    await assert.rejects(held, (e: unknown) => e instanceof SmppError && e.outcome === 'unknown');
    const payloads = smsc.received.slice(receivedBefore).map((s) => s.payload.toString());
    assert.deepEqual(payloads.sort(), ['b1', 'c1', 'held']);
    smsc.setBehaviour({ neverAnswer: [] });
  });

  it('refuses invalid messages without sending anything', async () => {
    await open();
    const refusedBefore = smsc.refused;
    const bad = [
      { to: '0888123456', parts: [Buffer.from('x')], dataCoding: 0 as const },
      { to: TO, parts: [], dataCoding: 0 as const },
      { to: TO, parts: [Buffer.alloc(141)], dataCoding: 8 as const },
      { to: TO, parts: [Buffer.alloc(154), Buffer.alloc(10)], dataCoding: 0 as const },
    ];
    for (const msg of bad) {
      await assert.rejects(session.submit(msg), (e: unknown) => e instanceof SmppError && e.kind === 'permanent' && e.outcome === 'rejected');
    }
    assert.equal(smsc.refused, refusedBefore);
    assert.equal(smsc.submitted.length, 0);
  });

  it('answers the SMSC’s enquire_link', async () => {
    await open();
    assert.equal(await smsc.enquireLink(2000), 1);
  });

  it('sends enquire_link while bound', async () => {
    const before = smsc.enquireLinksReceived;
    await open({ enquireLinkMs: 30 });
    await eventually(() => smsc.enquireLinksReceived >= before + 2, 5000, 'enquire_link from the client');
    assert.equal(session.bound, true);
  });

  it('stops gracefully: waits for the answer in flight, unbinds, then refuses', async () => {
    await open({ responseTimeoutMs: 2000 });
    smsc.setBehaviour({ respondDelayMs: 100 });
    const unbindsBefore = smsc.unbinds;
    const inFlight = session.submit({ to: TO, parts: [Buffer.from('last')], dataCoding: 0 });
    await eventually(() => smsc.submitted.length === 1, 5000, 'the submit to arrive');
    await session.stop();
    const { messageIds } = await inFlight;
    assert.deepEqual(messageIds, [smsc.submitted[0]!.messageId]);
    assert.equal(smsc.unbinds, unbindsBefore + 1);
    assert.equal(session.bound, false);
    await assert.rejects(session.submit({ to: TO, parts: [Buffer.from('late')], dataCoding: 0 }), (e: unknown) => {
      assert.ok(e instanceof SmppError);
      assert.deepEqual([e.kind, e.outcome], ['transient', 'rejected']);
      return true;
    });
  });
});
