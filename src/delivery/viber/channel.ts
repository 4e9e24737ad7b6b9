// The 'viber' channel: Viber Business Messages through an HTTP gateway (settings.ts), on the same
// request, answer and report machinery as HTTP SMS. The text is the template's Viber text,
// rendered when the message was enqueued; with provider-side fallback the message's SMS text is
// rendered here and sent along for the gateway to use when the number has no Viber.
import { batcher } from '../http-sms/batcher.js';
import { httpSmsRef } from '../http-sms/callback-route.js';
import { HttpSmsError, sendHttpBatch, type HttpSmsMessage, type HttpSmsOutcome } from '../http-sms/gateway.js';
import { DeliveryError, type Channel } from '../channels/types.js';
import type { Renderer } from '../outbox/message.js';
import type { ViberSettings } from './settings.js';

const REQUESTS_IN_FLIGHT = 4;
/** Viber Business Messages take up to 1,000 characters. */
export const VIBER_MAX_CHARS = 1000;

export function viberChannel(s: ViberSettings, o: { name: string; callbackUrl: string; priceMinor: number; render: Renderer; fetchImpl?: typeof fetch }): Channel {
  const cfg = s.options;
  const send = batcher((msgs: HttpSmsMessage[]) => sendHttpBatch(cfg, msgs, o.fetchImpl), { maxBatch: cfg.batchSize, concurrency: REQUESTS_IN_FLIGHT });
  return {
    name: o.name,
    channel: 'viber',
    async send(msg) {
      const text = msg.body.length > VIBER_MAX_CHARS ? `${msg.body.slice(0, VIBER_MAX_CHARS - 1)}…` : msg.body;
      const ref = httpSmsRef(msg.id);
      let smsText: string | undefined;
      if (s.providerFallback) {
        try {
          smsText = o.render(msg.kind, 'sms', msg.lang, msg.payload).body;
        } catch {
          // A hand-written message has no template: its own text goes as the SMS.
          smsText = msg.body;
        }
      }
      let outcome: HttpSmsOutcome;
      try {
        outcome = await send({ to: msg.recipient, text, ref, callbackUrl: o.callbackUrl, ...(smsText === undefined ? {} : { smsText }) });
      } catch (e) {
        if (e instanceof HttpSmsError || e instanceof DeliveryError) throw e;
        throw new DeliveryError((e as Error).message, { kind: 'transient', outcome: 'unknown', cause: e });
      }
      if (!outcome.ok) throw outcome.error;
      const r = outcome.answer;
      const ids = r.providerId && r.providerId !== ref ? [r.providerId, ref] : [ref];
      // A Viber message is priced per message, whatever its length.
      return { providerMessageIds: ids, costMinor: o.priceMinor, answer: `HTTP ${r.status}${r.code === undefined ? '' : ` code ${r.code}`}` };
    },
  };
}
