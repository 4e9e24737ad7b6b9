// JSON Schemas of the self-service API: Fastify validates requests with them and @fastify/swagger
// publishes them as OpenAPI at /docs.
const channel = { type: 'string', enum: ['sms', 'email'] } as const;
const lang = { type: 'string', enum: ['bg', 'en'], default: 'bg' } as const;

const contact = {
  type: 'object',
  required: ['channel', 'address_masked'],
  properties: { channel, address_masked: { type: 'string', examples: ['+359*****456'] } },
} as const;

const awaiting = {
  type: 'object',
  required: ['channel', 'address_masked', 'code_expires_at'],
  properties: { channel, address_masked: { type: 'string' }, code_expires_at: { type: 'string', format: 'date-time' } },
} as const;

const awaitingAnswer = {
  type: 'object',
  required: ['awaiting'],
  properties: { awaiting: { type: 'array', items: awaiting, description: 'Contacts a code was sent to and that still have to be verified.' } },
} as const;

export const errorAnswer = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', examples: ['VALIDATION_FAILED'] },
        message: { type: 'string' },
        details: {
          description:
            'Portal refusals: { reason, retry_after_seconds?, tries_left? } with reason one of not_matched, rate_limited, contact_daily_limit, ' +
            'customer_daily_limit, ip_code_limit, sms_budget, contact_cap, same_contact, consent_required, wrong_code, code_expired, wrong_step, invalid_contact. ' +
            'Schema validation failures: the list of failed checks.',
        },
      },
    },
  },
} as const;

const errors = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, errorAnswer]));
const tags = ['self-service'];
const security = [{ flowToken: [] }];

export const schemas = {
  consent: {
    tags,
    summary: 'The consent text in force and its version',
    response: {
      200: { type: 'object', required: ['version', 'text'], properties: { version: { type: 'string' }, text: { type: 'object', properties: { bg: { type: 'string' }, en: { type: 'string' } } } } },
    },
  },
  identity: {
    tags,
    summary: 'Start a flow: customer number and the number of an invoice issued in the last 12 months',
    description:
      'The same 422 answer, in the same time, for an unknown customer number, an invoice of another customer, an old invoice and a customer number locked after 5 failures in 15 minutes. 429 when the client IP made too many attempts.',
    body: {
      type: 'object',
      required: ['customer_number', 'invoice_number', 'purpose'],
      additionalProperties: false,
      properties: {
        customer_number: { type: 'string', pattern: '^[0-9]{4,16}$' },
        invoice_number: { type: 'string', pattern: '^[0-9A-Za-z/-]{1,30}$' },
        purpose: { type: 'string', enum: ['register', 'manage'] },
        lang,
      },
    },
    response: {
      201: {
        type: 'object',
        required: ['flow_token', 'expires_at', 'purpose'],
        properties: {
          flow_token: { type: 'string', description: 'Send it as Authorization: Bearer <flow_token> in the next calls.' },
          expires_at: { type: 'string', format: 'date-time', description: 'Renewed by every call.' },
          purpose: { type: 'string', enum: ['register', 'manage'] },
          contacts: { type: 'array', items: contact, description: 'manage: the active contacts a sign-in code can go to.' },
        },
      },
      ...errors(422, 429),
    },
  },
  registration: {
    tags,
    security,
    summary: 'Register one or two contacts: a pending subscription and a 6-digit code for each',
    body: {
      type: 'object',
      required: ['contacts', 'consent_version'],
      additionalProperties: false,
      properties: {
        contacts: {
          type: 'object',
          minProperties: 1,
          additionalProperties: false,
          properties: {
            sms: { type: 'string', description: 'A Bulgarian mobile: 0888 123 456, +359888123456 or 00359888123456.' },
            email: { type: 'string' },
          },
        },
        consent_version: { type: 'string', description: 'The version from GET /consent the customer accepted.' },
      },
    },
    response: { 202: awaitingAnswer, ...errors(401, 409, 422, 429) },
  },
  loginCode: {
    tags,
    security,
    summary: 'Manage: send a sign-in code to one of the current contacts',
    body: { type: 'object', required: ['channel'], additionalProperties: false, properties: { channel } },
    response: { 202: awaitingAnswer, ...errors(401, 409, 429) },
  },
  verify: {
    tags,
    security,
    summary: 'Verify a code: 5 tries, 10 minutes, single use',
    body: { type: 'object', required: ['channel', 'code'], additionalProperties: false, properties: { channel, code: { type: 'string', pattern: '^[0-9]{6}$' } } },
    response: {
      200: {
        type: 'object',
        required: ['verified', 'awaiting', 'authenticated'],
        properties: { verified: contact, awaiting: { type: 'array', items: awaiting }, authenticated: { type: 'boolean', description: 'manage: the customer may now change and cancel.' } },
      },
      ...errors(401, 409, 422),
    },
  },
  resend: {
    tags,
    security,
    summary: 'A new code for a contact still awaiting one (the previous code stops working; at most 3 codes per contact per day)',
    body: { type: 'object', required: ['channel'], additionalProperties: false, properties: { channel } },
    response: { 202: awaitingAnswer, ...errors(401, 409, 429) },
  },
  subscriptions: {
    tags,
    security,
    summary: 'Manage (signed in): the active contacts',
    response: {
      200: { type: 'object', required: ['customer_number', 'subscriptions'], properties: { customer_number: { type: 'string' }, subscriptions: { type: 'array', items: contact } } },
      ...errors(401, 409),
    },
  },
  putSubscription: {
    tags,
    security,
    summary: 'Change a channel’s contact, or add a channel; a code goes to the new contact',
    description:
      'Changing needs only a proven customer number (this is also the way back in when a contact is lost); the old contact is told of the change once the new one is verified. Adding needs a signed-in flow and consent_version.',
    params: { type: 'object', required: ['channel'], properties: { channel } },
    body: { type: 'object', required: ['address'], additionalProperties: false, properties: { address: { type: 'string' }, consent_version: { type: 'string' } } },
    response: { 202: awaitingAnswer, ...errors(401, 409, 422, 429) },
  },
  deleteSubscription: {
    tags,
    security,
    summary: 'Manage (signed in): stop the notices of one channel',
    params: { type: 'object', required: ['channel'], properties: { channel } },
    response: { 200: { type: 'object', required: ['cancelled'], properties: { cancelled: { type: 'array', items: contact } } }, ...errors(401, 409) },
  },
  deleteSubscriptions: {
    tags,
    security,
    summary: 'Manage (signed in): stop all notices',
    response: { 200: { type: 'object', required: ['cancelled'], properties: { cancelled: { type: 'array', items: contact } } }, ...errors(401, 409) },
  },
};
