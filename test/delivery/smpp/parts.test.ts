import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseSmppUrl } from '../../../src/delivery/smpp/url.js';
import { backoffDelay } from '../../../src/delivery/smpp/backoff.js';
import { sendWindow } from '../../../src/delivery/smpp/window.js';
import { receiptParser } from '../../../src/delivery/smpp/receipt.js';
import { statusKind } from '../../../src/delivery/smpp/errors.js';
import { sourceAddress } from '../../../src/delivery/smpp/submit-sm.js';

describe('parseSmppUrl', () => {
  it('reads system_id, password, host and port', () => {
    assert.deepEqual(parseSmppUrl('smpp://izvestie:s3cr%40t@smsc.example.bg:2776'), {
      host: 'smsc.example.bg',
      port: 2776,
      systemId: 'izvestie',
      password: 's3cr@t',
    });
    assert.equal(parseSmppUrl('smpp://a:b@10.0.0.1').port, 2775);
    assert.equal(parseSmppUrl('smpp://a:b@[::1]:99').host, '::1');
  });

  it('rejects malformed URLs without echoing the password', () => {
    const bad = [
      'not a url',
      'http://a:b@h:1',
      'smpp://:pw@h:1',
      'smpp://a:b@h:0',
      'smpp://a:b@h:1/path',
      'smpp://a:b@h:1?x=1',
      'smpp://sixteen-chars-id:b@h',
      'smpp://a:ninechars@h',
      'smpp://a:%E2%82%AC@h',
    ];
    for (const url of bad) {
      assert.throws(
        () => parseSmppUrl(url),
        (e: unknown) => e instanceof Error && /^Invalid SMPP URL: /.test(e.message) && !e.message.includes('ninechars'),
        url,
      );
    }
  });
});

describe('backoffDelay', () => {
  it('stays within [min, max] and does not shrink as attempts grow', () => {
    fc.assert(
      fc.property(fc.nat(100), fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 0, max: 100_000 }), (attempt, min, extra) => {
        const max = min + extra;
        const low = backoffDelay(attempt, min, max, () => 0);
        const high = backoffDelay(attempt, min, max, () => 1);
        assert.ok(min <= low && low <= high && high <= max);
        assert.ok(backoffDelay(attempt + 1, min, max, () => 1) >= high);
      }),
    );
  });
});

describe('sendWindow', () => {
  it('hands slots out in order and never more than its size', async () => {
    const w = sendWindow(2);
    const order: number[] = [];
    await w.acquire();
    await w.acquire();
    const waiting = [1, 2, 3].map((n) => w.acquire().then(() => order.push(n)));
    assert.equal(w.inFlight, 2);
    w.release();
    w.release();
    await Promise.resolve();
    assert.deepEqual(order, [1, 2]);
    w.release();
    await Promise.all(waiting);
    assert.deepEqual(order, [1, 2, 3]);
    assert.equal(w.inFlight, 2);
    const idle = w.whenIdle();
    w.release();
    w.release();
    await idle;
    assert.equal(w.inFlight, 0);
  });

  it('rejects those still waiting', async () => {
    const w = sendWindow(1);
    await w.acquire();
    const waiting = w.acquire();
    w.rejectWaiting(new Error('gone'));
    await assert.rejects(waiting, /gone/);
    assert.equal(w.inFlight, 1);
  });
});

describe('receiptParser', () => {
  const text = 'id:0A1B2C sub:001 dlvrd:001 submit date:2611241530 done date:2607011531 stat:DELIVRD err:000 text:stat:REJECTD id:X';

  it('reads id, stat, err and done date from the text, in the SMSC’s time zone', () => {
    const utc = receiptParser('UTC')({ text });
    assert.deepEqual(utc, { messageId: '0A1B2C', stat: 'DELIVRD', err: '000', doneAt: new Date('2026-07-01T15:31:00Z'), raw: text });
    // July in Sofia is UTC+3.
    assert.deepEqual(receiptParser('Europe/Sofia')({ text })?.doneAt, new Date('2026-07-01T12:31:00Z'));
    const withSeconds = receiptParser('Europe/Sofia')({ text: 'id:1 done date:261124153045 stat:UNDELIV' });
    assert.deepEqual(withSeconds?.doneAt, new Date('2026-11-24T13:30:45Z'));
  });

  it('keeps each zone’s offset right across its changes (offsets are kept per quarter hour)', () => {
    const parse = receiptParser('Europe/Sofia');
    const at = (d: string) => parse({ text: `id:1 done date:${d} stat:DELIVRD` })?.doneAt?.toISOString();
    // Summer time starts on 29 March 2026 at 03:00 (UTC+2 → UTC+3) and ends on 25 October at 04:00.
    assert.equal(at('2603290259'), '2026-03-29T00:59:00.000Z');
    assert.equal(at('2603290400'), '2026-03-29T01:00:00.000Z');
    assert.equal(at('2603290259'), '2026-03-29T00:59:00.000Z', 'again, from the offsets kept');
    assert.equal(at('2610250500'), '2026-10-25T03:00:00.000Z');
    assert.equal(at('2610250259'), '2026-10-24T23:59:00.000Z');
    // A quarter-hour offset: UTC+5:45.
    assert.equal(receiptParser('Asia/Kathmandu')({ text: 'id:1 done date:2607011200' })?.doneAt?.toISOString(), '2026-07-01T06:15:00.000Z');
  });

  it('prefers the receipted_message_id TLV, falls back to message_state, and needs an id', () => {
    const parse = receiptParser('UTC');
    assert.equal(parse({ receiptedMessageId: 'abc', text })?.messageId, 'abc');
    assert.deepEqual(parse({ receiptedMessageId: 'abc', messageState: 8, text: '' }), { messageId: 'abc', stat: 'REJECTD', raw: '' });
    assert.equal(parse({ text: 'id:1 done date:2613451531' })?.doneAt, undefined, 'month 13 is no date');
    assert.equal(parse({ text: 'sub:001 stat:DELIVRD' }), null);
  });

  it('rejects an unknown time zone up front', () => {
    assert.throws(() => receiptParser('Mars/Olympus'), RangeError);
  });
});

describe('command_status kinds and source addresses', () => {
  it('classifies statuses', () => {
    assert.equal(statusKind(0x58), 'transient');
    assert.equal(statusKind(0x0b), 'permanent');
    assert.equal(statusKind(0xdead), 'transient');
  });

  it('picks TON/NPI for numeric and alphanumeric senders', () => {
    assert.deepEqual(sourceAddress('359888000000'), { addr: '359888000000', ton: 1, npi: 1 });
    assert.deepEqual(sourceAddress('ENERGO-PRO'), { addr: 'ENERGO-PRO', ton: 5, npi: 0 });
    assert.deepEqual(sourceAddress('1234', 3, 0), { addr: '1234', ton: 3, npi: 0 });
    assert.throws(() => sourceAddress('TWELVE-CHARS'), RangeError);
    assert.throws(() => sourceAddress(''), RangeError);
  });
});
