import { composeEmail } from '../email/compose.js';
import { createSmtpTransport, type SmtpTransportOptions } from '../email/transport.js';
import { DeliveryError, type Channel } from './types.js';

export interface EmailChannelOptions extends SmtpTransportOptions {
  name: string;
  from: string;
  /** Right-hand side of our Message-IDs. */
  domain: string;
  bounceDomain?: string;
  /** The one-click unsubscribe URL of a subscription, or undefined when the message has none. */
  unsubscribeUrl: (subscriptionId: number) => string;
}

interface SmtpError extends Error {
  responseCode?: number;
  code?: string;
  command?: string;
}

/** Email over pooled SMTP. 4xx answers are retried, 5xx are permanent (a hard bounce at the door). */
export function emailChannel(o: EmailChannelOptions): Channel {
  const transport = createSmtpTransport(o);
  return {
    name: o.name,
    channel: 'email',
    async stop() {
      transport.close();
    },
    async send(msg) {
      const mail = composeEmail({
        messageKey: msg.businessKey,
        messageId: msg.id,
        to: msg.recipient,
        from: o.from,
        subject: msg.subject ?? '',
        text: msg.body,
        html: msg.html ?? '',
        domain: o.domain,
        ...(msg.subscriptionId !== null ? { unsubscribeUrl: o.unsubscribeUrl(msg.subscriptionId) } : {}),
        ...(o.bounceDomain ? { bounceDomain: o.bounceDomain } : {}),
      });
      try {
        const info = await transport.sendMail(mail);
        return { providerMessageIds: [info.messageId], answer: info.response };
      } catch (e) {
        const err = e as SmtpError;
        const code = err.responseCode;
        if (code && code >= 500) throw new DeliveryError(`SMTP ${code}: ${err.message}`, { kind: 'permanent', cause: e });
        if (code && code >= 400) throw new DeliveryError(`SMTP ${code}: ${err.message}`, { kind: 'transient', cause: e });
        // No SMTP answer: lost before DATA was acknowledged, so the server may have taken it.
        const unknown = err.command === 'DATA' || err.code === 'ETIMEDOUT';
        throw new DeliveryError(err.message, { kind: 'transient', outcome: unknown ? 'unknown' : 'rejected', cause: e });
      }
    },
  };
}
