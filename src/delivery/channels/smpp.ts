import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { Logger } from '../../log.js';
import type { FailureContext } from '../outbox/fallback.js';
import { tokenBucket } from '../outbox/pacing.js';
import { receiptRecorder, type ReceiptInput, type ReceiptResult } from '../outbox/receipts.js';
import { partialParts, partsDigest } from '../smpp/partial.js';
import { sharedTokenBucket } from '../smpp/shared-rate.js';
import { parseSmppUrl } from '../smpp/url.js';
import { SmppSession, type SmppSessionOptions } from '../smpp/session.js';
import { isSmppError } from '../smpp/errors.js';
import { splitSms } from '../text/segments.js';
import { toGsmSafe } from '../text/transliterate.js';
import { DeliveryError, type Channel } from './types.js';

/** A message asks for Latin letters when its template says so (payload.transliterate), to fit GSM-7. */
export function smsText(body: string, payload: Record<string, unknown>): string {
  return payload.transliterate === true ? toGsmSafe(body) : body;
}

export interface SmppChannelOptions extends Omit<SmppSessionOptions, 'onReceipt' | 'pace'> {
  name: string;
  readyTimeoutMs: number;
  /** SMS parts (submit_sm) per second; unset: not paced by parts (the worker still paces messages). */
  ratePerSecond?: number;
  /**
   * 'process': the rate is this process's own. 'shared': every process bound with the same
   * system_id to the same SMSC shares it, through PostgreSQL (smpp_rate_buckets).
   */
  rateScope?: 'process' | 'shared';
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
  let record: (r: ReceiptInput) => Promise<ReceiptResult> = receiptRecorder(o.db, o.failure);
  const { host, port, systemId } = parseSmppUrl(o.url);
  const pace =
    o.ratePerSecond === undefined
      ? undefined
      : o.rateScope === 'shared'
        ? sharedTokenBucket(o.db, { key: `${systemId}@${host}:${port}`, ratePerSecond: o.ratePerSecond, logger: o.logger })
        : tokenBucket(o.ratePerSecond);
  const session = new SmppSession({
    ...o,
    ...(pace ? { pace } : {}),
    onReceipt: async (r) => {
      await record({ provider: o.name, providerMessageId: r.messageId, status: r.stat, error: r.err ?? null, raw: r.raw });
    },
  });
  const partial = partialParts();
  return {
    name: o.name,
    channel: 'sms',
    available: () => session.bound,
    receiptsInto(recorder) {
      record = recorder;
    },
    async start() {
      session.start();
      await session.ready(o.readyTimeoutMs).catch((err: unknown) => o.logger.warn({ err }, 'SMSC not reachable yet; the session keeps trying'));
    },
    async stop() {
      await session.stop();
    },
    async send(msg) {
      const split = splitSms(smsText(msg.body, msg.payload));
      // Only a multi-part text can have been accepted in part (a hash per send otherwise).
      const digest = split.parts.length > 1 ? partsDigest(split.parts) : '';
      // Parts an earlier attempt got accepted are not sent again (see partial.ts).
      const earlier = split.parts.length > 1 ? partial.take(msg.id, digest) : undefined;
      try {
        // The reference follows from the message, so any later attempt of it reuses it: a handset
        // still holding parts of an earlier attempt can complete the message instead of keeping a
        // fragment. Consecutive messages get different references, as a counter would give them.
        const reference = msg.id & 0xff;
        const alreadyAccepted = earlier ? [...earlier.keys()] : [];
        const r = await session.submit({ to: msg.recipient, parts: split.parts, dataCoding: split.dataCoding, registeredDelivery: true, reference, alreadyAccepted });
        const fresh = r.messageIds[Symbol.iterator]();
        const ids = split.parts.map((_, i) => earlier?.get(i + 1) ?? (fresh.next().value as string));
        const resumed = earlier ? ` (parts ${alreadyAccepted.join(',')} accepted in an earlier attempt)` : '';
        return { providerMessageIds: ids, segments: split.parts.length, encoding: split.encoding, answer: `message_id ${ids.join(',')}${resumed}` };
      } catch (e) {
        if (isSmppError(e)) {
          if (split.parts.length > 1 && (e.accepted?.length || earlier)) partial.keep(msg.id, digest, earlier, e.accepted ?? []);
          throw new DeliveryError(e.message, { kind: e.kind, outcome: e.outcome, cause: e });
        }
        throw new DeliveryError((e as Error).message, { kind: 'transient', outcome: 'unknown', cause: e });
      }
    },
  };
}
