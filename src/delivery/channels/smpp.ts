import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { Logger } from '../../log.js';
import type { FailureContext } from '../outbox/fallback.js';
import { receiptRecorder } from '../outbox/receipts.js';
import { SmppSession, type SmppSessionOptions } from '../smpp/session.js';
import { isSmppError } from '../smpp/errors.js';
import { splitSms } from '../text/segments.js';
import { toGsmSafe } from '../text/transliterate.js';
import { DeliveryError, type Channel } from './types.js';

/** A message asks for Latin letters when its template says so (payload.transliterate), to fit GSM-7. */
export function smsText(body: string, payload: Record<string, unknown>): string {
  return payload.transliterate === true ? toGsmSafe(body) : body;
}

export interface SmppChannelOptions extends Omit<SmppSessionOptions, 'onReceipt'> {
  name: string;
  readyTimeoutMs: number;
  db: Kysely<DB>;
  failure: FailureContext;
  logger: Logger;
}

/**
 * SMS over SMPP: one transceiver session that also brings the delivery receipts. They are stored
 * (and matched, even when they come before the submit_sm_resp) in groups, and each is acknowledged
 * to the SMSC once its group has committed.
 */
export function smppChannel(o: SmppChannelOptions): Channel {
  const record = receiptRecorder(o.db, o.failure);
  const session = new SmppSession({
    ...o,
    onReceipt: async (r) => {
      await record({ provider: o.name, providerMessageId: r.messageId, status: r.stat, error: r.err ?? null, raw: r.raw });
    },
  });
  return {
    name: o.name,
    channel: 'sms',
    available: () => session.bound,
    async start() {
      session.start();
      await session.ready(o.readyTimeoutMs).catch((err: unknown) => o.logger.warn({ err }, 'SMSC not reachable yet; the session keeps trying'));
    },
    async stop() {
      await session.stop();
    },
    async send(msg) {
      const split = splitSms(smsText(msg.body, msg.payload));
      try {
        const r = await session.submit({ to: msg.recipient, parts: split.parts, dataCoding: split.dataCoding, registeredDelivery: true });
        return { providerMessageIds: r.messageIds, segments: split.parts.length, encoding: split.encoding, answer: `message_id ${r.messageIds.join(',')}` };
      } catch (e) {
        if (isSmppError(e)) {
          throw new DeliveryError(e.message, { kind: e.kind, outcome: e.outcome, cause: e });
        }
        throw new DeliveryError((e as Error).message, { kind: 'transient', outcome: 'unknown', cause: e });
      }
    },
  };
}
