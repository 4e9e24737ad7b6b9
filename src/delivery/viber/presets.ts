// The Viber Business Messages requests of the HTTP gateways that offer them, as their public
// documentation describes them, expressed in the HTTP gateway options (../http-sms/config.ts) so
// that sending, answers, reports and polls work exactly as for SMS. The same gateway answers Viber
// and SMS requests alike, so everything but the endpoint and the message shape is its SMS preset's
// (../http-sms/presets.ts): one place to correct a code or a field name. Field names and codes must
// be checked against a live account before production.
import { presets, type Preset } from '../http-sms/presets.js';

export const VIBER_PRESETS = ['infobip', 'mobica'] as const;
export type ViberPresetName = (typeof VIBER_PRESETS)[number];

/** An SMS preset's request with the Viber endpoint, plus the gateway's own SMS fallback when it has one. */
export interface ViberPreset extends Preset {
  /** The message template field carrying the SMS the gateway sends itself when Viber fails (smsFallback). */
  smsFallbackField?: string;
}

export const viberPresets: Record<ViberPresetName, ViberPreset> = {
  // Infobip Viber Business Messages (infobip.com/docs/api/channels/viber): POST /viber/2/messages,
  // Authorization: App <key>, messages[] with sender, destinations[].to and our messageId, and
  // content {type: TEXT, text}; each answered with a status group as for SMS; delivery reports
  // pushed to webhooks.delivery.url as {"results": [...]}. A number without Viber is reported
  // UNDELIVERABLE: the message fails and our SMS goes out.
  infobip: {
    ...presets.infobip,
    sendPath: '/viber/2/messages',
    options: {
      ...presets.infobip.options,
      messageTemplate: {
        sender: '{from}',
        destinations: [{ to: '{to}', messageId: '{ref}' }],
        content: { type: 'TEXT', text: '{text}' },
        webhooks: { delivery: { url: '{callback_url}?token={callback_token}', contentType: 'application/json' } },
      },
    },
  },
  // Mobica Viber (mobica.bg API v2, Viber with SMS fallback): the SMS request's shape (messages,
  // codes, status polling) at /v2/multi/json/viber.php; a message's sms_text, when given, is sent by
  // Mobica as an SMS if the number has no Viber or the Viber message is not delivered in time, and
  // the status endpoint names the channel that delivered it (channel: viber | sms).
  mobica: {
    ...presets.mobica,
    sendPath: '/v2/multi/json/viber.php',
    smsFallbackField: 'sms_text',
  },
};
