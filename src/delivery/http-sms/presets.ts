// The request and answer shapes of gateways Bulgarian companies use, as their public
// documentation describes them (see README, "HTTP SMS gateways"). A preset supplies everything but
// the account: credentials, sender, the account's base URL and the callback secret. Codes and
// field names must be checked against a live account before production.

export const PRESETS = ['mobica', 'smsapi-bg', 'infobip'] as const;
export type PresetName = (typeof PRESETS)[number];

export interface Preset {
  /** Appended to the base URL (HTTP_SMS_URL, or `url` in a provider list) for sending. */
  sendPath: string;
  /** Appended to the base URL for polling delivery states, when the preset polls. */
  pollPath?: string;
  /** Options that must be given with the preset (the account). */
  requires: ReadonlyArray<'user' | 'password' | 'token' | 'from' | 'callbackSecret'>;
  /** Options the preset sets; the configuration may override any of them. */
  options: Record<string, unknown>;
}

export const presets: Record<PresetName, Preset> = {
  // Mobica (mobica.bg, API v2): JSON to …/v2/multi/json/sms.php with user and pass in the body, a
  // batch of messages each with our id (idd); numeric answer codes for the request and for each
  // message; delivery states fetched from a status endpoint.
  mobica: {
    sendPath: '/v2/multi/json/sms.php',
    pollPath: '/v2/multi/json/status.php',
    requires: ['user', 'password', 'from'],
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
      // Account problems (bad user or password, a request from an address the account does not
      // allow): nothing is wrong with the customer's number, so the message waits and is retried.
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
  // SMSAPI.bg (smsapi.bg/docs): form-urlencoded POST to /sms.do with a bearer token, format=json;
  // an error answers {"error": code, "message": …}; delivery reports come as a GET to notify_url
  // with MsgId, idx and a numeric status, and must be answered with the text OK.
  'smsapi-bg': {
    sendPath: '/sms.do',
    requires: ['token', 'from', 'callbackSecret'],
    options: {
      method: 'POST',
      format: 'form',
      authHeader: 'Authorization: Bearer {token}',
      bodyTemplate: { to: '{to}', message: '{text}', from: '{from}', format: 'json', encoding: 'utf-8', idx: '{ref}', notify_url: '{callback_url}?token={callback_token}' },
      batchSize: 1,
      codePath: 'error',
      // Authorization failed, no credit, address not allowed, limits, their internal errors: the account's problem, retried.
      temporaryCodes: ['101', '102', '103', '105', '201', '202', '203', '301'],
      temporaryHttpStatuses: [401, 403],
      unknownCodes: 'permanent',
      resultsPath: 'list',
      resultCodePath: 'error',
      providerIdPath: 'id',
      callbackMode: 'token',
      callbackFields: { ref: 'idx', providerId: 'MsgId', status: 'status', detail: 'status_name' },
      callbackStatusMap: { '404': 'delivered', '402': 'failed', '405': 'failed', '406': 'failed', '407': 'failed', '403': 'sent', '409': 'sent', '410': 'sent', DELIVERED: 'delivered', SENT: 'sent', QUEUE: 'sent', ACCEPTED: 'sent', EXPIRED: 'failed', UNDELIVERED: 'failed', FAILED: 'failed', REJECTED: 'failed' },
      callbackAnswer: 'OK',
    },
  },
  // Infobip (infobip.com/docs, SMS API "send SMS message" advanced): JSON with
  // Authorization: App <key>, messages[].destinations[].to with our messageId; each message
  // answered with a status group (1 PENDING, 3 DELIVERED accepted; 2, 4, 5 refused); delivery
  // reports pushed to notifyUrl in batches (up to 100) as {"results": [...]}.
  infobip: {
    sendPath: '/sms/2/text/advanced',
    requires: ['token', 'from', 'callbackSecret'],
    options: {
      method: 'POST',
      format: 'json',
      authHeader: 'Authorization: App {token}',
      bodyTemplate: { messages: '{messages}' },
      messageTemplate: {
        from: '{from}',
        destinations: [{ to: '{to}', messageId: '{ref}' }],
        text: '{text}',
        notifyUrl: '{callback_url}?token={callback_token}',
        notifyContentType: 'application/json',
      },
      batchSize: 100,
      resultsPath: 'messages',
      resultRefPath: 'messageId',
      resultCodePath: 'status.groupId',
      providerIdPath: 'messageId',
      acceptedCodes: ['1', '3'],
      permanentCodes: ['2', '4', '5'],
      unknownCodes: 'permanent',
      // A wrong or revoked key is the account's problem: retried, not blamed on the number.
      temporaryHttpStatuses: [401, 403],
      callbackMode: 'token',
      callbackBatchPath: 'results',
      callbackFields: { ref: 'messageId', providerId: 'messageId', status: 'status.groupName', detail: 'error.name' },
      callbackStatusMap: { DELIVERED: 'delivered', PENDING: 'sent', UNDELIVERABLE: 'failed', EXPIRED: 'failed', REJECTED: 'failed' },
    },
  },
};
