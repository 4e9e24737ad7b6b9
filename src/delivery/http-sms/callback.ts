// Status reports the gateway sends back (POSTed JSON/form or GET query): proving they come from the
// gateway, and reading them in the gateway's own words.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { CallbackStatus, HttpSmsConfig } from './config.js';
import { scalarText, valueAtPath } from './json-path.js';

export interface CallbackRequest {
  headers: Record<string, string | string[] | undefined>;
  /** The body exactly as received: the signature covers its bytes, not a re-serialisation. */
  rawBody: string | Buffer;
  query: Record<string, unknown>;
}

export interface CallbackReport {
  ref?: string;
  providerId?: string;
  status: CallbackStatus | 'unknown';
  /** The gateway's own status word, and its reason text when a detail field is configured. */
  detail?: string;
}

type CallbackConfig = Pick<HttpSmsConfig, 'callbackSecret' | 'callbackMode'> & { callbackUser?: string };

// A repeated header or parameter is ambiguous: nothing is taken from it.
function single(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'string') return v[0];
  return undefined;
}

function header(headers: CallbackRequest['headers'], name: string): string | undefined {
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === name) return single(v);
  }
  return undefined;
}

// Hashing both sides first gives equal lengths, so neither the length nor the content of the
// secret leaks through timing.
function sameSecret(candidate: string, secret: string): boolean {
  const a = createHash('sha256').update(candidate, 'utf8').digest();
  const b = createHash('sha256').update(secret, 'utf8').digest();
  return timingSafeEqual(a, b);
}

function validSignature(signature: string | undefined, secret: string, rawBody: string | Buffer): boolean {
  if (signature === undefined) return false;
  const hex = signature.trim().replace(/^sha256=/i, '');
  if (!/^[0-9a-f]{64}$/i.test(hex)) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  return timingSafeEqual(Buffer.from(hex, 'hex'), expected);
}

function validBasic(authorization: string | undefined, user: string, secret: string): boolean {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(authorization?.trim() ?? '');
  if (!m) return false;
  const decoded = Buffer.from(m[1] ?? '', 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return false;
  // Both compared, so a wrong user and a wrong password take the same time.
  const u = sameSecret(decoded.slice(0, i), user);
  const p = sameSecret(decoded.slice(i + 1), secret);
  return u && p;
}

/**
 * Whether a callback request comes from the gateway. 'hmac': header X-Signature is the hex
 * HMAC-SHA256 of the raw body with the secret ('sha256=' prefix allowed). 'token': query `token`
 * or header X-Callback-Token equals the secret (for gateways that can only call a fixed URL).
 * 'basic': HTTP basic authentication with callbackUser and the secret. Without a secret nothing is taken.
 */
export function verifyCallback(cfg: CallbackConfig, req: CallbackRequest): boolean {
  const secret = cfg.callbackSecret;
  if (secret === undefined) return false;
  if (cfg.callbackMode === 'hmac') return validSignature(header(req.headers, 'x-signature'), secret, req.rawBody);
  if (cfg.callbackMode === 'basic') return validBasic(header(req.headers, 'authorization'), cfg.callbackUser ?? 'izvestie', secret);
  const fromQuery = single(req.query['token']);
  const fromHeader = header(req.headers, 'x-callback-token');
  // Both are compared when both are present, so which one was tried does not show in the timing.
  const q = fromQuery !== undefined && sameSecret(fromQuery, secret);
  const h = fromHeader !== undefined && sameSecret(fromHeader, secret);
  return q || h;
}

function field(fields: Record<string, unknown>, path: string): string | undefined {
  const raw = valueAtPath(fields, path);
  const text = scalarText(Array.isArray(raw) && raw.length === 1 ? raw[0] : raw)?.trim();
  return text === '' ? undefined : text;
}

export function mapStatus(map: Record<string, CallbackStatus>, word: string): CallbackStatus | 'unknown' {
  if (Object.hasOwn(map, word)) return map[word] ?? 'unknown';
  const lower = word.toLowerCase();
  for (const [k, v] of Object.entries(map)) {
    if (k.toLowerCase() === lower) return v;
  }
  return 'unknown';
}

/**
 * Reads a status report from its fields (the parsed JSON or form body, or the query of a GET
 * callback). Call verifyCallback first. An unmapped or missing status is 'unknown', never a guess.
 */
export function parseCallback(
  cfg: Pick<HttpSmsConfig, 'callbackFields' | 'callbackStatusMap'>,
  fields: Record<string, unknown>,
): CallbackReport {
  const names = cfg.callbackFields;
  const ref = field(fields, names.ref);
  const providerId = field(fields, names.providerId);
  const word = field(fields, names.status);
  const reason = names.detail === undefined ? undefined : field(fields, names.detail);
  const detail = [word, reason].filter((s) => s !== undefined).join(': ');
  return {
    ...(ref === undefined ? {} : { ref }),
    ...(providerId === undefined ? {} : { providerId }),
    status: word === undefined ? 'unknown' : mapStatus(cfg.callbackStatusMap, word),
    ...(detail === '' ? {} : { detail }),
  };
}

/**
 * Every report in a callback request: the list at callbackBatchPath (each entry one report), or
 * the fields as one report. A batch whose list is missing gives no reports.
 */
export function parseCallbacks(
  cfg: Pick<HttpSmsConfig, 'callbackFields' | 'callbackStatusMap' | 'callbackBatchPath'>,
  fields: Record<string, unknown>,
): CallbackReport[] {
  if (cfg.callbackBatchPath === undefined) return [parseCallback(cfg, fields)];
  const list = valueAtPath(fields, cfg.callbackBatchPath);
  if (!Array.isArray(list)) return [];
  return list.map((entry) => parseCallback(cfg, entry !== null && typeof entry === 'object' ? (entry as Record<string, unknown>) : {}));
}
