import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SmppSession } from '../../../src/delivery/smpp/session.js';
import type { MobileOriginated } from '../../../src/delivery/smpp/session.js';
import type { Receipt } from '../../../src/delivery/smpp/receipt.js';
import { eventually, startSmsc } from '../../support/smsc.js';
import type { Smsc } from '../../support/smsc.js';

const msg = { to: '+359888123456', parts: [Buffer.from('Hello')], dataCoding: 0 as const, registeredDelivery: true };

describe('SmppSession delivery receipts and MO messages', { timeout: 30_000 }, () => {
  let smsc: Smsc;
  let session: SmppSession;
  let receipts: Receipt[];

  before(async () => {
    smsc = await startSmsc();
    session = new SmppSession({
      url: smsc.url,
      sourceAddr: 'ENERGO-PRO',
      window: 10,
      responseTimeoutMs: 500,
      enquireLinkMs: 5000,
      reconnectMinMs: 20,
      reconnectMaxMs: 100,
    });
    session.on('receipt', (r) => receipts.push(r));
    session.start();
    await session.ready(5000);
  });
  afterEach(() => {
    smsc.setBehaviour({ receipts: 'none', receiptTlv: true, receiptStat: 'DELIVRD', respondDelayMs: 0 });
  });
  after(async () => {
    await session.stop();
    await smsc.stop();
  });

  async function send(): Promise<string> {
    receipts = [];
    const { messageIds } = await session.submit(msg);
    assert.equal(messageIds.length, 1);
    return messageIds[0]!;
  }

  it('emits a receipt sent after the submit_sm_resp, and acknowledges it', async () => {
    smsc.setBehaviour({ receipts: 'after' });
    const acks = smsc.deliverSmAcks;
    const id = await send();
    await eventually(() => receipts.length === 1, 5000, 'the receipt');
    const r = receipts[0]!;
    assert.equal(r.messageId, id);
    assert.equal(r.stat, 'DELIVRD');
    assert.equal(r.err, '000');
    assert.ok(r.doneAt instanceof Date && Math.abs(r.doneAt.getTime() - Date.now()) < 10 * 60_000);
    assert.match(r.raw, new RegExp(`^id:${id} `));
    await eventually(() => smsc.deliverSmAcks === acks + 1, 5000, 'deliver_sm_resp');
  });

  it('emits a receipt that arrives before the submit_sm_resp', async () => {
    smsc.setBehaviour({ receipts: 'before-resp', respondDelayMs: 30 });
    const id = await send();
    assert.equal(receipts.length, 1, 'emitted before submit() resolved');
    assert.equal(receipts[0]!.messageId, id);
  });

  it('emits a receipt sent twice, twice', async () => {
    smsc.setBehaviour({ receipts: 'twice', receiptStat: 'UNDELIV' });
    const id = await send();
    await eventually(() => receipts.length === 2, 5000, 'both receipts');
    assert.deepEqual(
      receipts.map((r) => [r.messageId, r.stat]),
      [
        [id, 'UNDELIV'],
        [id, 'UNDELIV'],
      ],
    );
  });

  it('takes the message id from the text when there is no receipted_message_id TLV', async () => {
    smsc.setBehaviour({ receipts: 'after', receiptTlv: false, receiptStat: 'EXPIRED' });
    const id = await send();
    await eventually(() => receipts.length === 1, 5000, 'the receipt');
    assert.deepEqual([receipts[0]!.messageId, receipts[0]!.stat], [id, 'EXPIRED']);
  });

  it('sends no receipt request unless asked, and the SMSC sends none', async () => {
    smsc.setBehaviour({ receipts: 'after' });
    receipts = [];
    await session.submit({ ...msg, registeredDelivery: false });
    assert.equal(smsc.submitted.at(-1)!.registered_delivery, 0);
    await smsc.enquireLink(2000); // a round trip: a receipt would have arrived by now
    assert.equal(receipts.length, 0);
  });

  it('emits other deliver_sm as mobile-originated messages', async () => {
    const mos: MobileOriginated[] = [];
    session.on('mo', (m) => mos.push(m));
    smsc.sendMo('359888123456', 'STOP');
    await eventually(() => mos.length === 1, 5000, 'the MO message');
    assert.deepEqual(mos[0], { from: '359888123456', to: '1234', text: 'STOP', dataCoding: 0 });
    assert.equal(receipts.length, 0);
  });
});
