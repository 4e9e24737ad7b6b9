import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { enqueue, type NewMessage } from '../../../src/delivery/outbox/enqueue.js';
import { decodeGsm7 } from '../../../src/delivery/text/gsm7.js';
import { describeEachBackend } from '../../support/db.js';
import { TEXT_KIND, e2eWorker, seedOverdue } from '../../support/delivery-e2e.js';
import { startSmsc, type Smsc, type SubmittedSm } from '../../support/smsc.js';
import { messageById, resetData } from '../outbox/fixtures.js';

// What an operator's SMSC receives from `izvestie worker` (createWorker with SMPP_URL): decoded
// here from the raw submit_sm bytes, independently of the code that encoded them.

const ucs2 = (b: Buffer) => Buffer.from(b).swap16().toString('utf16le');

describeEachBackend('SMS on the wire, sent by the configured SMPP channel', (get) => {
  let smsc: Smsc;
  beforeEach(async () => {
    await resetData(get().db);
    smsc = await startSmsc();
  });
  afterEach(() => smsc.stop());

  const send = async (messages: NewMessage[], env: Record<string, string> = {}) => {
    const ids: number[] = [];
    for (const m of messages) ids.push((await enqueue(get().db, m)).id);
    const worker = await e2eWorker(get(), { SMPP_URL: smsc.url, ...env });
    try {
      await worker.drain();
    } finally {
      await worker.stop();
    }
    return Promise.all(ids.map((id) => messageById(get().db, id)));
  };
  const to = (phone: string) => smsc.submitted.filter((s) => s.destination_addr === phone.slice(1));

  test('an overdue reminder, rendered at send time from the run\'s payload, goes as one GSM-7 part (transliterated)', async () => {
    const c = await seedOverdue(get().db, 1, { sms: true });
    const [row] = await send([{ businessKey: 'wire:bg', kind: 'overdue_reminder', channel: 'sms', recipient: c.phone, customerNumber: c.customerNumber, subscriptionId: c.smsId, payload: c.payload }]);
    assert.ok(row);
    const parts = to(c.phone);
    assert.equal(row.status, 'sent');
    assert.equal(parts.length, 1);
    const [sm] = parts;
    assert.ok(sm);
    assert.deepEqual([sm.data_coding, sm.esm_class, sm.udh], [0, 0, undefined]);
    // The text stored is the text that went out, and the count, encoding and cost agree with the wire.
    assert.equal(decodeGsm7(sm.short_message), row.body);
    assert.match(row.body ?? '', /^PRIMER: Neplateno po kl\.No \*{6}0001: 45,20 EUR \(88,40 lv\.\), padezh 24\.10\.2026\. Platete: /);
    assert.deepEqual([row.segments, row.encoding, row.cost_minor, row.provider], [1, 'gsm7', 5, 'smpp']);
    assert.deepEqual(row.provider_message_ids, [sm.messageId]);
  });

  test('a long Cyrillic text goes as UCS-2 parts under one UDH reference', async () => {
    const body = `Имате неплатени сметки за ток по клиентски № ******0001 с падеж от 24.10.2026: 45,20 EUR (88,40 лв.). Моля, платете ги. Ако вече сте платили, благодарим!`;
    const [row] = await send([{ businessKey: 'wire:ucs2', kind: TEXT_KIND, channel: 'sms', recipient: '+359888000001', body }]);
    assert.ok(row);
    const parts = to('+359888000001');
    assert.equal(row.status, 'sent');
    assert.ok(parts.length >= 2, `a long Cyrillic text needs several parts, got ${parts.length}`);
    assert.equal(parts.map((p) => ucs2(p.payload)).join(''), row.body);
    assert.deepEqual([row.segments, row.encoding, row.cost_minor, row.provider], [parts.length, 'ucs2', parts.length * 5, 'smpp']);
    assert.deepEqual(row.provider_message_ids, parts.map((p) => p.messageId));
    const ref = parts[0]?.udh?.ref;
    parts.forEach((p: SubmittedSm, i) => {
      assert.deepEqual(p.udh, { ref, total: parts.length, seq: i + 1 });
      assert.deepEqual([p.data_coding, p.esm_class, p.registered_delivery], [8, 0x40, 1]);
      assert.deepEqual([p.source_addr, p.source_addr_ton, p.source_addr_npi, p.dest_addr_ton, p.dest_addr_npi], ['IZVESTIE', 5, 0, 1, 1]);
      assert.ok(p.payload.length <= 134 && p.payload.length % 2 === 0, `part ${i + 1}: ${p.payload.length} octets`);
    });
  });

  test('Latin text goes as GSM-7 with data_coding 0: one part without UDH, extension characters as two septets', async () => {
    const [row] = await send([{ businessKey: 'wire:gsm', kind: TEXT_KIND, channel: 'sms', recipient: '+359888000002', body: 'Dalzhite 45.20 € [2 smetki]' }]);
    const [sm] = to('+359888000002');
    assert.ok(sm && row);
    assert.deepEqual([sm.data_coding, sm.esm_class, sm.udh, sm.registered_delivery], [0, 0, undefined, 1]);
    // Unpacked septets: letters and digits as in ASCII, € as ESC 0x65, [ and ] as ESC 0x3C and ESC 0x3E.
    assert.deepEqual([...sm.short_message], [...Buffer.from('Dalzhite 45.20 '), 0x1b, 0x65, 0x20, 0x1b, 0x3c, ...Buffer.from('2 smetki'), 0x1b, 0x3e]);
    assert.deepEqual([row.segments, row.encoding], [1, 'gsm7']);
  });

  test('a long GSM-7 text is split at 153 septets, and a numeric sender goes as an international number', async () => {
    const body = `Napomnyane: ${'neplateni smetki za tok '.repeat(9)}`.trim();
    assert.ok(body.length > 160 && body.length <= 306);
    const [row] = await send([{ businessKey: 'wire:long', kind: TEXT_KIND, channel: 'sms', recipient: '+359888000003', body }], { SMPP_SOURCE_ADDR: '359700111' });
    const parts = to('+359888000003');
    assert.equal(parts.length, 2);
    assert.deepEqual(parts.map((p) => [p.data_coding, p.esm_class, p.udh?.total, p.udh?.seq, p.source_addr, p.source_addr_ton, p.source_addr_npi]), [
      [0, 0x40, 2, 1, '359700111', 1, 1],
      [0, 0x40, 2, 2, '359700111', 1, 1],
    ]);
    assert.equal(parts[0]?.payload.length, 153);
    assert.equal(parts.map((p) => p.payload.toString('latin1')).join(''), body);
    assert.deepEqual([row?.segments, row?.encoding], [2, 'gsm7']);
  });

  test('a message that asks for Latin letters goes transliterated by the Bulgarian act, as GSM-7', async () => {
    const [row] = await send([{ businessKey: 'wire:translit', kind: TEXT_KIND, channel: 'sms', recipient: '+359888000004', body: 'Щастие в София: платете до 24.11.', payload: { transliterate: true } }]);
    const [sm] = to('+359888000004');
    assert.ok(sm && row);
    assert.deepEqual([sm.data_coding, sm.short_message.toString('latin1')], [0, 'Shtastie v Sofia: platete do 24.11.']);
    assert.deepEqual([row.segments, row.encoding], [1, 'gsm7']);
  });
});
