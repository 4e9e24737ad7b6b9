// VIBER_PROVIDER: one Viber gateway as JSON, {preset, url, the account, sender, ...}, validated at
// start into the HTTP gateway options every HTTP SMS gateway uses, with errors naming the field.
import { z } from 'zod';
import { httpGatewayOptionsSchema, type HttpSmsConfig } from '../http-sms/config.js';
import { VIBER_PRESETS, viberPresets } from './presets.js';

/** The provider name Viber messages, attempts and reports are stored under. */
export const VIBER_PROVIDER_NAME = 'viber';
/** Where its delivery reports come, under /api/v1/delivery. */
export const VIBER_CALLBACK_PATH = '/viber/callback';

export interface ViberSettings {
  options: HttpSmsConfig;
  /** Requests per second per worker process. */
  rate: number;
  /** The gateway sends the SMS itself when Viber fails (Mobica's sms_text): no SMS of ours, no timeout. */
  providerFallback: boolean;
}

export class ViberSettingsError extends Error {}

const own = z.object({
  preset: z.enum(VIBER_PRESETS, { error: `must be one of ${VIBER_PRESETS.join(', ')}` }),
  url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
  rate: z.coerce.number().min(0.1).max(100_000).default(50),
  smsFallback: z.boolean().default(false),
});

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const join = (base: string, path: string) => `${base.replace(/\/+$/, '')}${path}`;

function fail(path: ReadonlyArray<PropertyKey>, message: string): never {
  throw new ViberSettingsError(`${path.length > 0 ? `${path.map(String).join('.')}: ` : ''}${message}`);
}

/** VIBER_PROVIDER's JSON text as settings; throws ViberSettingsError naming the field. */
export function parseViberProvider(text: string): ViberSettings {
  let input: unknown;
  try {
    input = JSON.parse(text) as unknown;
  } catch {
    fail([], 'must be a JSON object');
  }
  if (!isRecord(input)) fail([], 'must be a JSON object');
  const o = own.safeParse(input);
  if (!o.success) {
    const issue = o.error.issues[0];
    fail(issue?.path ?? [], issue?.code === 'invalid_type' && input[String(issue.path[0])] === undefined ? 'is required' : (issue?.message ?? 'invalid value'));
  }
  const preset = viberPresets[o.data.preset];
  // "sender" is the Viber word for the SMS gateways' "from".
  const { preset: _p, url: _u, rate: _r, smsFallback: _s, sender, ...given } = input;
  if (sender !== undefined) given['from'] = sender;
  for (const field of preset.requires) {
    if (given[field] === undefined || given[field] === '') fail([field === 'from' ? 'sender' : field], `is required with preset ${o.data.preset}`);
  }
  if (o.data.smsFallback && preset.smsFallbackField === undefined) fail(['smsFallback'], `preset ${o.data.preset} has no provider-side SMS fallback: leave it off, izvestie sends the SMS`);
  const options: Record<string, unknown> = { ...preset.options, ...given, url: join(o.data.url, preset.sendPath) };
  if (o.data.smsFallback && preset.smsFallbackField !== undefined && isRecord(options['messageTemplate'])) {
    options['messageTemplate'] = { ...options['messageTemplate'], [preset.smsFallbackField]: '{sms_text}' };
  }
  const presetPoll = preset.options['poll'];
  if (isRecord(presetPoll) && preset.pollPath !== undefined) {
    options['poll'] = { ...presetPoll, url: join(o.data.url, preset.pollPath), ...(isRecord(given['poll']) ? given['poll'] : {}) };
  }
  const parsed = httpGatewayOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = (issue?.path ?? []).map(String);
    fail(path[0] === 'from' ? ['sender', ...path.slice(1)] : path, issue?.message ?? 'invalid value');
  }
  return { options: parsed.data, rate: o.data.rate, providerFallback: o.data.smsFallback };
}
