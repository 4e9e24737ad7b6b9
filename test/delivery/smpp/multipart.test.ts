import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SmppSession } from '../../../src/delivery/smpp/session.js';
import { SmppError } from '../../../src/delivery/smpp/errors.js';
import { startSmsc, type Smsc } from '../../support/smsc.js';

// Issue 14: a part throttled after its siblings were accepted made the whole message go again
// under a new reference, leaving the accepted parts on the handset as a fragment (104 of 2,552
// messages with every 40th submit throttled). The simulator reassembles like a handset.

const ucs2 = (text: string) => Buffer.from(text, 'utf16le').swap16();
const phone = (i: number) => `+359887${String(i).padStart(6, '0')}`;
const threeParts = (i: number) => [ucs2(`Част 1 от ${i}`), ucs2(`Част 2 от ${i}`), ucs2(`Част 3 от ${i}`)];

describe('multi-part SMS against an SMSC that throttles single parts', { timeout: 180_000 }, () => {
  let smsc: Smsc;
  let session: SmppSession;
  const open = async (reassemblyMs?: number) => {
    session = new SmppSession({
      url: smsc.url,
      sourceAddr: 'ENERGO-PRO',
      window: 10,
      responseTimeoutMs: 5000,
      enquireLinkMs: 30_000,
      reconnectMinMs: 20,
      reconnectMaxMs: 100,
      onReceipt: async () => undefined,
      ...(reassemblyMs ? { reassemblyMs } : {}),
    });
    session.start();
    await session.ready(5000);
  };
  before(async () => {
    smsc = await startSmsc();
  });
  afterEach(async () => {
    await session.stop();
    smsc.submitted.length = 0;
    smsc.received.length = 0;
    smsc.setBehaviour({ throttleEvery: 0, throttlePart: null, throttleStatus: 0x58 });
  });
  after(() => smsc.stop());

  it('2,100 3-part messages, every 40th submit_sm throttled: every message complete once, no fragment', async () => {
    await open();
    smsc.setBehaviour({ throttleEvery: 40 });
    const n = 2100;
    const results = await Promise.allSettled(Array.from({ length: n }, (_, i) => session.submit({ to: phone(i), parts: threeParts(i), dataCoding: 8 })));
    const failed = results.filter((r) => r.status === 'rejected');
    assert.deepEqual(failed, [], 'every message accepted');
    assert.ok(smsc.refused >= Math.floor((3 * n) / 40), `throttled submits: ${smsc.refused}`);
    const r = smsc.reassembly();
    assert.deepEqual(r.orphans, [], 'no fragment left on any handset');
    assert.equal(r.duplicateParts, 0);
    assert.equal(r.complete.size, n);
    for (const [to, count] of r.complete) assert.equal(count, 1, `${to} got its message once`);
    // Each refused part went again alone: same reference, same number, nothing else resent.
    assert.equal(smsc.submitted.length, 3 * n);
  });

  it('the 2nd part refused once (ESME_RMSGQFUL): only it goes again, same reference and number', async () => {
    await open();
    smsc.setBehaviour({ throttlePart: { seq: 2, times: 1 }, throttleStatus: 0x14 });
    const n = 50;
    await Promise.all(Array.from({ length: n }, (_, i) => session.submit({ to: phone(i), parts: threeParts(i), dataCoding: 8 })));
    assert.equal(smsc.received.filter((s) => s.commandStatus !== 0).length, n);
    for (let i = 0; i < n; i++) {
      const wire = smsc.received.filter((s) => s.destination_addr === phone(i).slice(1));
      const refs = new Set(wire.map((s) => s.udh?.ref));
      assert.equal(refs.size, 1, 'one reference for the message');
      assert.deepEqual(wire.map((s) => [s.udh?.seq, s.commandStatus]).sort(), [[1, 0], [2, 0], [2, 0x14], [3, 0]]);
    }
    assert.deepEqual(smsc.reassembly().orphans, []);
  });

  it('a part refused past the reassembly time: the message fails with outcome unknown, naming the accepted parts; the next attempt sends only the rest', async () => {
    await open(400);
    smsc.setBehaviour({ throttlePart: { seq: 3, times: Infinity } });
    const msg = { to: phone(1), parts: threeParts(1), dataCoding: 8 as const, reference: 42 };
    let accepted: ReadonlyArray<{ seq: number; id: string }> = [];
    await assert.rejects(session.submit(msg), (e: unknown) => {
      assert.ok(e instanceof SmppError);
      assert.equal(e.outcome, 'unknown');
      assert.match(e.message, /2 of 3 parts accepted; the handset may show a fragment/);
      accepted = e.accepted ?? [];
      return true;
    });
    assert.deepEqual(accepted.map((a) => a.seq).sort(), [1, 2]);
    assert.deepEqual(
      smsc.reassembly().orphans.map((o) => [o.ref, o.seqs]),
      [[42, [1, 2]]],
      'the simulator reports the fragment',
    );
    smsc.setBehaviour({ throttlePart: null });
    const { messageIds } = await session.submit({ ...msg, alreadyAccepted: accepted.map((a) => a.seq) });
    assert.equal(messageIds.length, 1, 'only the missing part went');
    const r = smsc.reassembly();
    assert.deepEqual(r.orphans, []);
    assert.equal(r.complete.get(phone(1).slice(1)), 1);
    assert.equal(r.duplicateParts, 0);
  });
});
