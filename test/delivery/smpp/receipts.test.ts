import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SmppSession } from '../../../src/delivery/smpp/session.js';
import type { MobileOriginated } from '../../../src/delivery/smpp/session.js';
import type { Receipt } from '../../../src/delivery/smpp/receipt.js';
import { eventually, startSmsc } from '../../support/smsc.js';
import type { Smsc } from '../../support/smsc.js';

const msg = { to: '+359888123456', parts: [Buffer.from('Hello')], dataCoding: 0 as const, registeredDelivery: true };

const ESME_RX_T_APPN = 0x64;

describe('SmppSession delivery receipts and MO messages', { timeout: 30_000 }, () => {
  let smsc: Smsc;
  let session: SmppSession;
  let receipts: Receipt[];
  // What storing a receipt does; each test may replace it (the default: stored at once).
  let store: (r: Receipt) => Promise<void>;

  before(async () => {
    store = async () => undefined;
    smsc = await startSmsc();
    session = new SmppSession({
      url: smsc.url,
      sourceAddr: 'ENERGO-PRO',
      window: 10,
      responseTimeoutMs: 500,
      enquireLinkMs: 5000,
      reconnectMinMs: 20,
      reconnectMaxMs: 100,
      onReceipt: (r) => {
        receipts.push(r);
        return store(r);
      },
    });
    session.start();
    await session.ready(5000);
  });
  afterEach(() => {
    smsc.setBehaviour({ receipts: 'none', receiptTlv: true, receiptStat: 'DELIVRD', respondDelayMs: 0, redeliverReceipts: false });
    store = async () => undefined;
    receipts = [];
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

  it('acknowledges a receipt only once it is stored', async () => {
    smsc.setBehaviour({ receipts: 'after' });
    let stored!: () => void;
    store = () => new Promise<void>((resolve) => (stored = resolve));
    const answers = smsc.receiptAnswers.length;
    const id = await send();
    await eventually(() => receipts.length === 1, 5000, 'the receipt handed over');
    await smsc.enquireLink(2000); // a round trip: an answer sent with the receipt would be here
    assert.equal(smsc.receiptAnswers.length, answers, 'no deliver_sm_resp while the receipt is being stored');
    stored();
    await eventually(() => smsc.receiptAnswers.length === answers + 1, 5000, 'deliver_sm_resp');
    assert.deepEqual(smsc.receiptAnswers.at(-1), { messageId: id, commandStatus: 0 });
  });

  it('refuses a receipt it could not store with ESME_RX_T_APPN, and stores it when the SMSC sends it again', async () => {
    smsc.setBehaviour({ receipts: 'after', redeliverReceipts: true });
    let tries = 0;
    store = async () => {
      if (++tries === 1) throw new Error('the database is restarting');
    };
    const answers = smsc.receiptAnswers.length;
    const id = await send();
    await eventually(() => smsc.receiptAnswers.length === answers + 2, 5000, 'the refusal and the second answer');
    assert.deepEqual(smsc.receiptAnswers.slice(answers), [
      { messageId: id, commandStatus: ESME_RX_T_APPN },
      { messageId: id, commandStatus: 0 },
    ]);
    assert.deepEqual(receipts.map((r) => r.messageId), [id, id]);
  });

  it('leaves a receipt unanswered when its connection is lost while storing it; the SMSC sends it again', async () => {
    smsc.setBehaviour({ receipts: 'after', redeliverReceipts: true });
    const pending: Array<() => void> = [];
    store = () => new Promise<void>((resolve) => pending.push(resolve));
    const answers = smsc.receiptAnswers.length;
    const binds = smsc.binds;
    const id = await send();
    await eventually(() => receipts.length === 1, 5000, 'the receipt handed over');
    smsc.dropConnections();
    await eventually(() => smsc.binds === binds + 1 && receipts.length === 2, 5000, 'the receipt again, over the new bind');
    for (const resolve of pending) resolve(); // the first store ends after its connection did
    await eventually(() => smsc.receiptAnswers.length > answers, 5000, 'deliver_sm_resp');
    await smsc.enquireLink(2000);
    assert.deepEqual(smsc.receiptAnswers.slice(answers), [{ messageId: id, commandStatus: 0 }], 'one answer, on the connection that still has the receipt');
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
