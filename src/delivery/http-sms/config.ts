import { z } from 'zod';

/** Placeholders a body template may use; anything else in braces is a configuration error. */
export const PLACEHOLDERS = ['to', 'to_local', 'text', 'ref', 'from', 'callback_url'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

export type CallbackStatus = 'delivered' | 'failed' | 'sent';

// Words gateways commonly use in delivery reports (SMPP receipt states included, since many HTTP
// gateways pass them through). Matched exactly first, then ignoring case.
export const defaultCallbackStatusMap: Record<string, CallbackStatus> = {
  delivered: 'delivered',
  DELIVRD: 'delivered',
  '1': 'delivered',
  failed: 'failed',
  undelivered: 'failed',
  UNDELIV: 'failed',
  expired: 'failed',
  rejected: 'failed',
  REJECTD: 'failed',
  deleted: 'failed',
  sent: 'sent',
  accepted: 'sent',
  ACCEPTD: 'sent',
  enroute: 'sent',
  queued: 'sent',
};

// Settings arrive from environment variables too, where objects can only be JSON text.
function jsonObject<T extends z.ZodType>(schema: T) {
  return z.preprocess((v, ctx) => {
    if (typeof v !== 'string') return v;
    try {
      return JSON.parse(v) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON object' });
      return z.NEVER;
    }
  }, schema);
}

const placeholderPattern = /\{([a-z_]+)\}/g;

const bodyTemplate = z.record(z.string().min(1), z.string()).superRefine((tpl, ctx) => {
  if (Object.keys(tpl).length === 0) ctx.addIssue({ code: 'custom', message: 'needs at least one field' });
  for (const [field, value] of Object.entries(tpl)) {
    for (const m of value.matchAll(placeholderPattern)) {
      const name = m[1] ?? '';
      if (!(PLACEHOLDERS as readonly string[]).includes(name)) {
        ctx.addIssue({ code: 'custom', path: [field], message: `unknown placeholder {${name}}; known: ${PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}` });
      }
    }
  }
});

// "Name: value" as in an HTTP header line; the name must be a valid token and the value must not
// smuggle in another header.
const authHeader = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+:[ \t]*[^\r\n]+$/, 'must be "Header-Name: value", e.g. "Authorization: Bearer xyz"');

export const httpSmsConfigSchema = z
  .object({
    url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
    method: z.enum(['POST', 'GET']).default('POST'),
    authHeader: authHeader.optional(),
    /** JSON body fields (query parameters for GET) with {placeholders}. */
    bodyTemplate: jsonObject(bodyTemplate),
    /** Dotted path in the JSON answer that must be truthy, or equal successValue when that is set. */
    successPath: z.string().min(1).optional(),
    successValue: z.string().optional(),
    /** Dotted path of the gateway's message id in the JSON answer. */
    providerIdPath: z.string().min(1).optional(),
    timeoutMs: z.coerce.number().int().min(100).max(300_000).default(10_000),
    callbackSecret: z.string().min(16, 'must be at least 16 characters'),
    callbackMode: z.enum(['hmac', 'token']),
    /** Field names (dotted paths) in the status callback's body or query. */
    callbackFields: jsonObject(
      z.object({
        ref: z.string().min(1).default('idd'),
        providerId: z.string().min(1).default('id'),
        status: z.string().min(1).default('status'),
        /** A free-text reason some gateways add (error description); kept in `detail`. */
        detail: z.string().min(1).optional(),
      }),
    ).default({ ref: 'idd', providerId: 'id', status: 'status' }),
    /** The gateway's status words; a map given here replaces the defaults entirely. */
    callbackStatusMap: jsonObject(z.record(z.string(), z.enum(['delivered', 'failed', 'sent']))).default(defaultCallbackStatusMap),
  })
  .refine((c) => c.successValue === undefined || c.successPath !== undefined, {
    path: ['successValue'],
    message: 'successValue needs successPath',
  });

export type HttpSmsConfig = z.output<typeof httpSmsConfigSchema>;
