// The Viber Business Messages requests of the HTTP gateways that offer them, as their public
// documentation describes them, expressed in the HTTP gateway options (../http-sms/config.ts) so
// that sending, answers, reports and polls work exactly as for SMS. Field names and codes must be
// checked against a live account before production.

export const VIBER_PRESETS = ['infobip', 'mobica'] as const;
export type ViberPresetName = (typeof VIBER_PRESETS)[number];

export interface ViberPreset {
  sendPath: string;
  pollPath?: string;
  requires: ReadonlyArray<'user' | 'password' | 'token' | 'from' | 'callbackSecret'>;
  options: Record<string, unknown>;
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
    sendPath: '/viber/2/messages',
    requires: ['token', 'from', 'callbackSecret'],
    options: {
      method: 'POST',
      format: 'json',
      authHeader: 'Authorization: App {token}',
      bodyTemplate: { messages: '{messages}' },
      messageTemplate: {
        sender: '{from}',
        destinations: [{ to: '{to}', messageId: '{ref}' }],
        content: { type: 'TEXT', text: '{text}' },
        webhooks: { delivery: { url: '{callback_url}?token={callback_token}', contentType: 'application/json' } },
      },
      batchSize: 100,
      resultsPath: 'messages',
      resultRefPath: 'messageId',
      resultCodePath: 'status.groupId',
      providerIdPath: 'messageId',
      acceptedCodes: ['1', '3'],
      permanentCodes: ['2', '4', '5'],
      unknownCodes: 'permanent',
      temporaryHttpStatuses: [401, 403],
      callbackMode: 'token',
      callbackBatchPath: 'results',
      callbackFields: { ref: 'messageId', providerId: 'messageId', status: 'status.groupName', detail: 'error.name' },
      callbackStatusMap: { DELIVERED: 'delivered', PENDING: 'sent', UNDELIVERABLE: 'failed', EXPIRED: 'failed', REJECTED: 'failed' },
    },
  },
  // Mobica Viber (mobica.bg API v2, Viber with SMS fallback): the SMS request's shape at
  // /v2/multi/json/viber.php; a message's sms_text, when given, is sent by Mobica as an SMS if the
  // number has no Viber or the Viber message is not delivered in time, and the status endpoint
  // names the channel that delivered it (channel: viber | sms).
  mobica: {
    sendPath: '/v2/multi/json/viber.php',
    pollPath: '/v2/multi/json/status.php',
    requires: ['user', 'password', 'from'],
    smsFallbackField: 'sms_text',
    options: {
      method: 'POST',
      format: 'json',
      bodyTemplate: { user: '{user}', pass: '{password}', messages: '{messages}' },
      messageTemplate: { idd: '{ref}', phone: '{to}', message: '{text}', from: '{from}' },
      batchSize: 100,
      codePath: 'code',
      resultsPath: 'messages',
      resultRefPath: 'idd',
      resultCodePath: 'code',
      acceptedCodes: ['1004'],
      temporaryCodes: ['1115', '1121'],
      unknownCodes: 'permanent',
      poll: {
        method: 'POST',
        format: 'json',
        bodyTemplate: { user: '{user}', pass: '{password}', idds: '{refs}' },
        batchSize: 100,
        intervalSeconds: 60,
        resultsPath: 'messages',
        refPath: 'idd',
        statusPath: 'status',
        detailPath: 'description',
        statusMap: { delivered: 'delivered', undelivered: 'failed', expired: 'failed', rejected: 'failed', pending: 'sent', sent: 'sent' },
      },
    },
  },
};
