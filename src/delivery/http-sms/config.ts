// The options of one HTTP SMS gateway (HTTP_SMS_OPTIONS, or one entry of a provider list): how a
// request is built, how its answer is read, how delivery states come back. A standalone schema, so
// every setting that describes a gateway validates it the same way, with errors naming the field.
import { z } from 'zod';
import { presets, PRESETS, type PresetName } from './presets.js';
import { placeholdersOf } from './template.js';

/** Placeholders of one message; the account's values too, for gateways that want them in the body. */
export const PLACEHOLDERS = ['to', 'to_local', 'text', 'ref', 'from', 'callback_url', 'callback_token', 'user', 'password', 'token', 'basic_auth', 'sms_text'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
const ACCOUNT_PLACEHOLDERS = ['user', 'password', 'token', 'basic_auth'] as const;
const POLL_PLACEHOLDERS = ['refs', 'provider_ids', ...ACCOUNT_PLACEHOLDERS] as const;

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
function jsonText(v: unknown, ctx: z.RefinementCtx): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a JSON object' });
    return z.NEVER;
  }
}
function jsonObject<T extends z.ZodType>(schema: T) {
  return z.preprocess(jsonText, schema);
}

const templateValue: z.ZodType<unknown> = z.lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(templateValue), z.record(z.string(), templateValue)]));

/** A request template: a JSON object whose strings may name the allowed placeholders. */
function template(allowed: readonly string[]) {
  return jsonObject(z.record(z.string().min(1), templateValue)).superRefine((tpl, ctx) => {
    if (Object.keys(tpl).length === 0) ctx.addIssue({ code: 'custom', message: 'needs at least one field' });
    for (const p of placeholdersOf(tpl)) {
      if (!allowed.includes(p.name)) ctx.addIssue({ code: 'custom', path: p.path, message: `unknown placeholder {${p.name}}; known: ${allowed.map((n) => `{${n}}`).join(' ')}` });
    }
  });
}

// "Name: value" as in an HTTP header line; the name must be a valid token and the value must not
// smuggle in another header. The value may name the account's placeholders ({token}, {basic_auth}).
const authHeader = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+:[ \t]*[^\r\n]+$/, 'must be "Header-Name: value", e.g. "Authorization: Bearer {token}"');

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });
const codes = z.array(z.coerce.string()).default([]);
const statusMap = jsonObject(z.record(z.string(), z.enum(['delivered', 'failed', 'sent'])));
const format = z.enum(['json', 'form', 'query']);

const pollSchema = z.object({
  url: httpUrl,
  method: z.enum(['POST', 'GET']).default('POST'),
  format: format.optional(),
  authHeader: authHeader.optional(),
  /** Body (or query) of a status request: {refs} / {provider_ids} are the messages asked about. */
  bodyTemplate: template(POLL_PLACEHOLDERS),
  /** Messages asked about in one request. */
  batchSize: z.coerce.number().int().min(1).max(1000).default(100),
  /** How often the worker asks about messages still without a final state. */
  intervalSeconds: z.coerce.number().min(1).max(86_400).default(60),
  /** Messages sent longer ago than this are no longer asked about. */
  maxAgeHours: z.coerce.number().min(1).max(24 * 30).default(72),
  resultsPath: z.string().min(1),
  refPath: z.string().min(1).optional(),
  providerIdPath: z.string().min(1).optional(),
  statusPath: z.string().min(1),
  detailPath: z.string().min(1).optional(),
  statusMap: statusMap.optional(),
});

const optionsObject = z.object({
  preset: z.enum(PRESETS, { error: `must be one of ${PRESETS.join(', ')}` }).optional(),
  url: httpUrl,
  method: z.enum(['POST', 'GET']).default('POST'),
  /** json: a JSON body; form: application/x-www-form-urlencoded; query: fields in the URL (GET's only form). */
  format: format.optional(),
  authHeader: authHeader.optional(),
  /** The account, for {user} {password} {token} {basic_auth} in templates and the auth header. */
  user: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
  token: z.string().min(1).optional(),
  /** Sender name or number ({from}). */
  from: z.string().min(1).max(20).optional(),
  /** Fields added to the URL's query of every request (credentials some gateways want there). */
  query: template([...PLACEHOLDERS]).optional(),
  /** Body fields (query parameters for GET); with batches, "{messages}" marks where the messages go. */
  bodyTemplate: template([...PLACEHOLDERS, 'messages']),
  /** One message of a batch. */
  messageTemplate: template([...PLACEHOLDERS]).optional(),
  /** Messages per request (1: one message per request). */
  batchSize: z.coerce.number().int().min(1).max(1000).default(1),
  /** Dotted path in the JSON answer that must be truthy, or equal successValue when that is set. */
  successPath: z.string().min(1).optional(),
  successValue: z.string().optional(),
  /** Dotted path of a code for the whole request (absent in the answer: nothing to say). */
  codePath: z.string().min(1).optional(),
  /** Dotted path of the list of per-message results. */
  resultsPath: z.string().min(1).optional(),
  /** Path, inside one result, of our reference; unset: results are in the order of the messages. */
  resultRefPath: z.string().min(1).optional(),
  /** Path, inside one result, of its code. */
  resultCodePath: z.string().min(1).optional(),
  /** Dotted path of the gateway's message id (inside each result when resultsPath is set). */
  providerIdPath: z.string().min(1).optional(),
  acceptedCodes: codes,
  temporaryCodes: codes,
  permanentCodes: codes,
  /** What a code in none of the lists means. */
  unknownCodes: z.enum(['temporary', 'permanent']).default('permanent'),
  /** HTTP statuses retried besides 408, 429 and 5xx (e.g. 401 when a key is rotated). */
  temporaryHttpStatuses: z.array(z.coerce.number().int().min(300).max(599)).default([]),
  timeoutMs: z.coerce.number().int().min(100).max(300_000).default(10_000),
  /** Proves a delivery report comes from the gateway (hmac, token or basic). Unset: no reports are taken. */
  callbackSecret: z.string().min(16, 'must be at least 16 characters').optional(),
  callbackMode: z.enum(['hmac', 'token', 'basic']).default('token'),
  /** The user name of basic mode. */
  callbackUser: z.string().min(1).default('izvestie'),
  /** Dotted path of the list of reports when one request carries several. */
  callbackBatchPath: z.string().min(1).optional(),
  /** Field names (dotted paths) in one report. */
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
  callbackStatusMap: statusMap.default(defaultCallbackStatusMap),
  /** Plain-text answer a gateway expects to a report (e.g. OK); unset: a JSON summary. */
  callbackAnswer: z.string().min(1).max(100).optional(),
  /** Delivery states fetched from a status endpoint instead of (or besides) callbacks. */
  poll: jsonObject(pollSchema).optional(),
});

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const joinUrl = (base: unknown, path: string): unknown => (typeof base === 'string' ? `${base.replace(/\/+$/, '')}${path}` : base);

/**
 * The preset's options under the given ones (the given win; poll merges field by field), with
 * its paths appended to the base URL. Object-valued options may come as JSON text.
 */
function applyPreset(input: unknown, ctx: z.RefinementCtx): unknown {
  if (!isRecord(input) || typeof input['preset'] !== 'string' || !(PRESETS as readonly string[]).includes(input['preset'])) return input;
  const name = input['preset'] as PresetName;
  const p = presets[name];
  const given: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) given[k] = k === 'poll' || k === 'callbackFields' ? jsonText(v, ctx) : v;
  for (const field of p.requires) {
    if (given[field] === undefined || given[field] === '') ctx.addIssue({ code: 'custom', path: [field], message: `is required with preset ${name}` });
  }
  const out: Record<string, unknown> = { ...p.options, ...given, url: joinUrl(given['url'], p.sendPath) };
  const presetPoll = p.options['poll'];
  if (isRecord(presetPoll) && p.pollPath !== undefined) {
    const own = isRecord(given['poll']) ? given['poll'] : {};
    out['poll'] = { ...presetPoll, url: joinUrl(given['url'], p.pollPath), ...own };
  }
  return out;
}

export const httpGatewayOptionsSchema = z.preprocess(
  applyPreset,
  optionsObject.superRefine((c, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: path.split('.'), message });
    if (c.successValue !== undefined && c.successPath === undefined) issue('successValue', 'successValue needs successPath');
    if (c.method === 'GET' && c.format !== undefined && c.format !== 'query') issue('format', 'a GET request carries its fields in the query: use format "query" or method POST');
    const fmt = c.format ?? (c.method === 'GET' ? 'query' : 'json');
    if (fmt !== 'json') {
      const nested = Object.entries(c.bodyTemplate).find(([, v]) => v !== null && typeof v === 'object');
      if (nested) issue(`bodyTemplate.${nested[0]}`, `a ${fmt} request has flat fields only (use format "json" for nested ones)`);
    }
    const batched = placeholdersOf(c.bodyTemplate).some((p) => p.name === 'messages');
    if (c.batchSize > 1 || batched || c.messageTemplate !== undefined) {
      if (c.messageTemplate === undefined) issue('messageTemplate', 'is required for batches (batchSize > 1 or {messages} in bodyTemplate)');
      if (!batched) issue('bodyTemplate', 'a batch needs "{messages}" where the messages go');
      if (fmt !== 'json') issue('format', 'batches are sent as JSON');
      if (c.batchSize > 1 && c.resultsPath === undefined) issue('resultsPath', 'is required for batches: each message needs its own result');
    }
    if (c.resultRefPath !== undefined && c.resultsPath === undefined) issue('resultRefPath', 'needs resultsPath');
    if (c.resultCodePath !== undefined && c.resultsPath === undefined) issue('resultCodePath', 'needs resultsPath');
    const listed = new Map<string, string>();
    for (const [list, values] of [['acceptedCodes', c.acceptedCodes], ['temporaryCodes', c.temporaryCodes], ['permanentCodes', c.permanentCodes]] as const) {
      for (const v of values) {
        const seen = listed.get(v);
        if (seen !== undefined) issue(list, `code ${v} is already in ${seen}`);
        listed.set(v, list);
      }
    }
    const uses = (name: string) => [c.bodyTemplate, c.messageTemplate, c.query, c.authHeader, c.poll?.bodyTemplate, c.poll?.authHeader].some((t) => t !== undefined && placeholdersOf(t).some((p) => p.name === name));
    for (const field of ['user', 'password', 'token'] as const) {
      if (uses(field) && c[field] === undefined) issue(field, `is required: the request uses {${field}}`);
    }
    if (uses('basic_auth') && (c.user === undefined || c.password === undefined)) issue('user', 'user and password are required: the request uses {basic_auth}');
    if (uses('callback_token') && c.callbackSecret === undefined) issue('callbackSecret', 'is required: the request sends {callback_token}');
    if (c.poll !== undefined && c.poll.refPath === undefined && c.poll.providerIdPath === undefined) issue('poll.refPath', 'poll needs refPath or providerIdPath to match a state to its message');
  }),
);

/** The options as given in configuration (before validation). */
export type HttpGatewayOptionsInput = z.input<typeof optionsObject>;
export type HttpSmsConfig = z.output<typeof optionsObject>;
export type HttpPollConfig = NonNullable<HttpSmsConfig['poll']>;

/** Former name, kept for HTTP_SMS_OPTIONS. */
export const httpSmsConfigSchema = httpGatewayOptionsSchema;

/** The request format: JSON unless stated; GET always in the query. */
export function requestFormat(c: { method: 'POST' | 'GET'; format?: 'json' | 'form' | 'query' | undefined }): 'json' | 'form' | 'query' {
  return c.method === 'GET' ? 'query' : (c.format ?? 'json');
}
