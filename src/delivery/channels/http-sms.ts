import { batcher } from '../http-sms/batcher.js';
import { httpSmsRef } from '../http-sms/callback-route.js';
import type { HttpSmsConfig } from '../http-sms/config.js';
import { HttpSmsError, sendHttpBatch, type HttpSmsMessage, type HttpSmsOutcome } from '../http-sms/gateway.js';
import { countSms } from '../text/segments.js';
import { smsText } from './smpp.js';
import { DeliveryError, type Channel } from './types.js';

export { httpSmsRef } from '../http-sms/callback-route.js';

// Requests to one gateway under way at once; with batches, each carries up to batchSize messages.
const REQUESTS_IN_FLIGHT = 4;

/**
 * SMS through an HTTP gateway described by its options (HTTP_SMS_OPTIONS or a provider list
 * entry); its status callbacks come to /api/v1/delivery/http-sms/callback. With batchSize > 1 the
 * messages the worker hands over while a request is under way go together in the next one.
 */
export function httpSmsChannel(cfg: HttpSmsConfig, o: { name: string; from?: string; callbackUrl: string; fetchImpl?: typeof fetch }): Channel {
  const send = batcher((msgs: HttpSmsMessage[]) => sendHttpBatch(cfg, msgs, o.fetchImpl), { maxBatch: cfg.batchSize, concurrency: REQUESTS_IN_FLIGHT });
  return {
    name: o.name,
    channel: 'sms',
    async send(msg) {
      const text = smsText(msg.body, msg.payload);
      const count = countSms(text);
      const ref = httpSmsRef(msg.id);
      let outcome: HttpSmsOutcome;
      try {
        outcome = await send({ to: msg.recipient, text, ref, callbackUrl: o.callbackUrl, ...(o.from ? { from: o.from } : {}) });
      } catch (e) {
        if (e instanceof HttpSmsError || e instanceof DeliveryError) throw e;
        throw new DeliveryError((e as Error).message, { kind: 'transient', outcome: 'unknown', cause: e });
      }
      if (!outcome.ok) throw outcome.error;
      const r = outcome.answer;
      // Reports may name the gateway's id or only our reference: either matches.
      const ids = r.providerId && r.providerId !== ref ? [r.providerId, ref] : [ref];
      return { providerMessageIds: ids, segments: count.segments, encoding: count.encoding, answer: `HTTP ${r.status}${r.code === undefined ? '' : ` code ${r.code}`}` };
    },
  };
}

/**
 * One HTTP gateway from its validated options: the channel the worker drives. Polling of
 * delivery states, when configured, is run by the worker process (pollHttpGateway in poll.ts).
 */
export function createHttpGateway(options: HttpSmsConfig, o: { name: string; callbackUrl: string; fetchImpl?: typeof fetch }): Channel {
  return httpSmsChannel(options, o);
}
