import { sendHttpSms, HttpSmsError } from '../http-sms/gateway.js';
import type { HttpSmsConfig } from '../http-sms/config.js';
import { countSms } from '../text/segments.js';
import { smsText } from './smpp.js';
import { DeliveryError, type Channel } from './types.js';

/** Our reference for a message at the gateway: its outbox id, the same on every attempt. */
export const httpSmsRef = (messageId: number) => `izv${messageId}`;

/** SMS through a JSON HTTP gateway; its status callbacks come to /api/v1/delivery/http-sms/callback. */
export function httpSmsChannel(cfg: HttpSmsConfig, o: { name: string; from?: string; callbackUrl: string }): Channel {
  return {
    name: o.name,
    channel: 'sms',
    async send(msg) {
      const text = smsText(msg.body, msg.payload);
      const count = countSms(text);
      const ref = httpSmsRef(msg.id);
      try {
        const r = await sendHttpSms(cfg, { to: msg.recipient, text, ref, callbackUrl: o.callbackUrl, ...(o.from ? { from: o.from } : {}) });
        // Callbacks may name the gateway's id or only our reference: either matches.
        return { providerMessageIds: r.providerId ? [r.providerId, ref] : [ref], segments: count.segments, encoding: count.encoding, answer: `HTTP ${r.status}` };
      } catch (e) {
        if (e instanceof HttpSmsError || e instanceof DeliveryError) throw e;
        throw new DeliveryError((e as Error).message, { kind: 'transient', outcome: 'unknown', cause: e });
      }
    },
  };
}
