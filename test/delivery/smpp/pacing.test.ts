import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tokenBucket } from '../../../src/delivery/outbox/pacing.js';
import { SmppSession } from '../../../src/delivery/smpp/session.js';
import { maxInSpan, startSmsc, type Smsc } from '../../support/smsc.js';

// SMPP_RATE counts submit_sm PDUs (SMS parts), as SMSCs do. Issue 14: with 3-part notices a worker
// at SMPP_RATE=100 sent 396-414 parts/s, because it paced whole messages.

const ucs2 = (text: string) => Buffer.from(text, 'utf16le').swap16();
const threeParts = (i: number) => [ucs2(`Част 1 от ${i}`), ucs2(`Част 2 от ${i}`), ucs2(`Част 3 от ${i}`)];

describe('tokenBucket on a fake clock', () => {
  it('never lets more than 1.1 × the rate through in any second, and does pace', async () => {
    let now = 0;
    const bucket = tokenBucket(100, () => now, async (ms) => {
      now += ms;
    });
    const granted: number[] = [];
    await Promise.all(Array.from({ length: 450 }, () => bucket.take().then(() => granted.push(now))));
    assert.equal(granted.length, 450);
    let most = 0;
    for (let i = 0, j = 0; i < granted.length; i++) {
      while (j < granted.length && granted[j]! < granted[i]! + 1000) j++;
      most = Math.max(most, j - i);
    }
    assert.ok(most <= 110, `at most 110 in a second, saw ${most}`);
    assert.ok(granted.at(-1)! >= 4390, `450 tokens at 100/s (10 at once) take 4.4 s, took ${granted.at(-1)} ms`);
  });
});

describe('SmppSession paced by parts, on the wire', { timeout: 60_000 }, () => {
  let smsc: Smsc;
  let session: SmppSession;
  before(async () => {
    smsc = await startSmsc();
  });
  afterEach(() => session.stop());
  after(() => smsc.stop());

  it('takes a token for every submit_sm: 3-part messages at rate 100 stay near 100 parts/s', async () => {
    session = new SmppSession({
      url: smsc.url,
      sourceAddr: 'ENERGO-PRO',
      window: 10,
      responseTimeoutMs: 2000,
      enquireLinkMs: 5000,
      reconnectMinMs: 20,
      reconnectMaxMs: 100,
      onReceipt: async () => undefined,
      pace: tokenBucket(100),
    });
    session.start();
    await session.ready(5000);
    // 80 messages, 240 parts: unpaced (or paced by message) they would all go within a second.
    await Promise.all(Array.from({ length: 80 }, (_, i) => session.submit({ to: `+359888${String(i).padStart(6, '0')}`, parts: threeParts(i), dataCoding: 8 })));
    assert.equal(smsc.submitted.length, 240);
    // The bucket allows 110 in any second; the rest is room for a busy machine bunching arrivals.
    const most = maxInSpan(smsc.received);
    assert.ok(most <= 130, `at most ~110 submit_sm in any second on the wire, saw ${most}`);
  });
});
