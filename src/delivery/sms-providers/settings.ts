// The SMS providers of an installation, in priority order: SMS_PROVIDERS (a JSON array), or the
// one provider SMPP_URL or HTTP_SMS_URL gives (as before SMS_PROVIDERS existed). Validated once at
// start; a mistake is named by the entry's index and field.
import { z } from 'zod';
import { httpSmsConfigSchema, type HttpSmsConfig } from '../http-sms/config.js';
import { sourceAddress } from '../smpp/submit-sm.js';
import { parseSmppUrl } from '../smpp/url.js';

/** Bulgarian mobile operators' prefixes after +359 (A1 87/88/89 historically split; Yettel 87/89/98; Vivacom 87/88/89/99). */
export const BULGARIAN_MOBILE_PREFIXES = ['87', '88', '89', '98', '99'] as const;

interface Common {
  /** Stored on attempts and messages, the key of its pacing and of its receipts. */
  name: string;
  /** Sends (parts for SMPP, requests for HTTP) per second per worker process. */
  rate: number;
  /** Sends one worker process has under way at once (the duplicate bound on a crash or failover). */
  inFlight: number;
  /** Digits after +359 whose numbers this provider is preferred for (a preference: numbers are ported). */
  prefixes: string[];
}

export interface SmppProviderSettings extends Common {
  type: 'smpp';
  url: string;
  sourceAddr: string;
  /** submit_sm awaiting their answer at once. */
  window: number;
  receiptTimeZone: string;
}

export interface HttpProviderSettings extends Common {
  type: 'http';
  url: string;
  /** The gateway's whole configuration, validated (its url included). */
  options: HttpSmsConfig;
}

export type SmsProviderSettings = SmppProviderSettings | HttpProviderSettings;

/** When a provider is taken out of the rotation and let back in. */
export interface SmsFailoverSettings {
  /** Failed sends / all sends above this, over the window, with at least minSamples sends: unhealthy. */
  failureRate: number;
  windowMs: number;
  minSamples: number;
  /** Background probes must succeed this long before an unhealthy provider takes traffic again. */
  recoveryMs: number;
}

// The name of the one gateway of HTTP_SMS_URL; its status reports come to /api/v1/delivery/http-sms/callback,
// those of any other HTTP gateway of SMS_PROVIDERS to /api/v1/delivery/http-sms/<name>/callback.
export const HTTP_SMS_NAME = 'http-sms';

/** The path (under /api/v1/delivery) of an HTTP gateway's status reports. */
export const httpSmsCallbackPath = (name: string) => (name === HTTP_SMS_NAME ? '/http-sms/callback' : `/http-sms/${name}/callback`);
const RESERVED = ['sandbox', 'smtp', 'print'];

function accepted(check: (v: string) => unknown, message?: string) {
  return (v: string, ctx: z.RefinementCtx) => {
    try {
      check(v);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: message ?? (e as Error).message });
    }
  };
}

const name = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'must be 1-32 lowercase letters, digits, - or _, like mobica or a1-smpp')
  .refine((n) => !RESERVED.includes(n), `must not be one of ${RESERVED.join(', ')}`);
const prefixes = z.array(z.string().regex(/^[1-9]\d{0,5}$/, 'must be the digits after +359, like "88"')).max(50).default([]);
const rate = (fallback: number) => z.number().min(0.1).max(100_000).default(fallback);
const inFlight = z.number().int().min(1).max(10_000).optional();

const smppEntry = z
  .object({
    name,
    type: z.literal('smpp'),
    url: z.string().superRefine(accepted(parseSmppUrl)),
    sourceAddr: z.string().superRefine(accepted(sourceAddress, 'must be a number of up to 20 digits or a name of up to 11 ASCII characters')).default('IZVESTIE'),
    window: z.number().int().min(1).max(1000).default(10),
    inFlight,
    rate: rate(100),
    receiptTimeZone: z.string().superRefine(accepted((tz) => new Intl.DateTimeFormat('en', { timeZone: tz }), 'must be an IANA time zone like Europe/Sofia')).default('UTC'),
    prefixes,
  })
  .strict();

const httpEntry = z
  .object({
    name,
    type: z.literal('http'),
    rate: rate(50),
    inFlight,
    prefixes,
  })
  // The rest is the gateway's own configuration, checked by its schema below.
  .passthrough();

/** A setting's problem, named as `SMS_PROVIDERS[index].field: problem`. */
export class SmsProvidersError extends Error {}

function fail(at: string, problem: string): never {
  throw new SmsProvidersError(`${at}: ${problem}`);
}

function firstIssue(e: z.ZodError, at: string): never {
  const issue = e.issues[0];
  const field = issue?.path.join('.') ?? '';
  const problem = issue?.code === 'invalid_type' && issue.message.endsWith('received undefined') ? 'is required' : (issue?.message ?? 'invalid value');
  fail(field ? `${at}.${field}` : at, problem);
}

/** Parses SMS_PROVIDERS: a JSON array of providers in priority order. Throws SmsProvidersError naming the entry and field. */
export function parseSmsProviders(json: string): SmsProviderSettings[] {
  let list: unknown;
  try {
    list = JSON.parse(json);
  } catch {
    fail('SMS_PROVIDERS', 'must be a JSON array like [{"name":"a1","type":"smpp","url":"smpp://user:pass@host:2775"}]');
  }
  if (!Array.isArray(list) || list.length === 0) fail('SMS_PROVIDERS', 'must be a non-empty JSON array of providers');
  const out: SmsProviderSettings[] = [];
  list.forEach((entry: unknown, i) => {
    const at = `SMS_PROVIDERS[${i}]`;
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) fail(at, 'must be an object with name, type and url');
    const type = (entry as { type?: unknown }).type;
    if (type === 'smpp') {
      const r = smppEntry.safeParse(entry);
      if (!r.success) firstIssue(r.error, at);
      const { inFlight: given, ...rest } = r.data;
      out.push({ ...rest, inFlight: given ?? 4 * rest.window });
    } else if (type === 'http') {
      const r = httpEntry.safeParse(entry);
      if (!r.success) firstIssue(r.error, at);
      const { name: n, type: _t, rate: rt, inFlight: given, prefixes: p, ...gateway } = r.data;
      const g = httpSmsConfigSchema.safeParse(gateway);
      if (!g.success) firstIssue(g.error, at);
      out.push({ name: n, type: 'http', url: g.data.url, options: g.data, rate: rt, inFlight: given ?? httpInFlight(g.data), prefixes: p });
    } else {
      fail(`${at}.type`, 'must be "smpp" or "http"');
    }
  });
  const seen = new Set<string>();
  out.forEach((p, i) => {
    if (seen.has(p.name)) fail(`SMS_PROVIDERS[${i}].name`, `"${p.name}" is used by an earlier provider; names must differ`);
    seen.add(p.name);
  });
  return out;
}

// Two batches in flight: one being answered while the next fills, so a batching gateway gets full batches.
function httpInFlight(o: HttpSmsConfig): number {
  return Math.max(10, 2 * o.batchSize);
}

export interface LegacySms {
  smpp: { url: string; sourceAddr: string; window: number; inFlight: number; rate: number; receiptTimeZone: string } | null;
  httpSms: { url: string; options: HttpSmsConfig; rate: number } | null;
}

/** SMPP_URL or HTTP_SMS_URL as a list of one, under the names they always had ('smpp', 'http-sms'). */
export function legacySmsProviders(d: LegacySms): SmsProviderSettings[] {
  if (d.smpp) return [{ name: 'smpp', type: 'smpp', ...d.smpp, prefixes: [] }];
  if (d.httpSms) return [{ name: HTTP_SMS_NAME, type: 'http', url: d.httpSms.url, options: d.httpSms.options, rate: d.httpSms.rate, inFlight: httpInFlight(d.httpSms.options), prefixes: [] }];
  return [];
}
