// One SMS to a JSON HTTP gateway described entirely by configuration, with its failures sorted the
// way the outbox worker acts on them (retry or not; may the gateway already have it or not).
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { DeliveryError } from '../channels/types.js';
import type { DeliveryErrorKind } from '../channels/types.js';
import { PLACEHOLDERS } from './config.js';
import type { HttpSmsConfig, Placeholder } from './config.js';
import { scalarText, valueAtPath } from './json-path.js';

export interface HttpSmsMessage {
  /** E.164 with the leading '+'. */
  to: string;
  text: string;
  /**
   * Our reference for the message, sent as {ref}; status callbacks name it. Keep it the same for
   * every attempt of one message: gateways that deduplicate by client reference then drop a retry
   * of a send whose answer was lost, and the callback of either attempt matches the message.
   * Some Bulgarian gateways also refuse the same text to the same number within minutes, whatever
   * the reference: a retry after an 'unknown' outcome may then be refused (→ permanent) although
   * the first attempt went through. The status callback for the ref settles which it was.
   */
  ref: string;
  /** Sender name, when the template sends one ({from}). */
  from?: string;
  /** Where the gateway should post the status report ({callback_url}). */
  callbackUrl?: string;
}

export interface HttpSmsAnswer {
  providerId?: string;
  status: number;
  body: string;
}

/**
 * A failed send. status is the HTTP status when the gateway answered. outcome 'unknown': the
 * request may have reached the gateway (no answer seen), so a retry may send a duplicate.
 */
export class HttpSmsError extends DeliveryError {
  readonly status?: number;

  constructor(
    message: string,
    opts: { kind: DeliveryErrorKind; outcome: 'rejected' | 'unknown'; status?: number; retryAfterMs?: number; cause?: unknown },
  ) {
    super(message, opts);
    this.name = 'HttpSmsError';
    if (opts.status !== undefined) this.status = opts.status;
  }
}

const E164 = /^\+[1-9]\d{6,14}$/;
const placeholderPattern = /\{([a-z_]+)\}/g;
// Error messages carry the gateway's answer for the attempt record, but not a whole HTML page.
const MAX_BODY_IN_MESSAGE = 500;

function nationalForm(e164: string): string {
  const phone = parsePhoneNumberFromString(e164);
  if (phone === undefined || !phone.isValid()) {
    throw new HttpSmsError(`cannot form the national number of ${e164}`, { kind: 'permanent', outcome: 'rejected' });
  }
  return phone.formatNational().replace(/\D/g, '');
}

function renderFields(template: Record<string, string>, msg: HttpSmsMessage): Record<string, string> {
  let toLocal: string | undefined;
  const value = (name: Placeholder): string => {
    switch (name) {
      case 'to':
        return msg.to.slice(1);
      case 'to_local':
        // Only computed when used: a gateway that takes E.164 must not fail on numbers the phone
        // metadata does not know.
        toLocal ??= nationalForm(msg.to);
        return toLocal;
      case 'text':
        return msg.text;
      case 'ref':
        return msg.ref;
      case 'from':
        return msg.from ?? '';
      case 'callback_url':
        return msg.callbackUrl ?? '';
    }
  };
  const out: Record<string, string> = {};
  for (const [field, tpl] of Object.entries(template)) {
    // The schema admits only known placeholders; a template built without it keeps unknown ones as written.
    out[field] = tpl.replace(placeholderPattern, (whole, name: string) => (isPlaceholder(name) ? value(name) : whole));
  }
  return out;
}

function isPlaceholder(name: string): name is Placeholder {
  return (PLACEHOLDERS as readonly string[]).includes(name);
}

function headerLine(line: string): [string, string] {
  const i = line.indexOf(':');
  return [line.slice(0, i).trim(), line.slice(i + 1).trim()];
}

function excerpt(body: string): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_BODY_IN_MESSAGE ? `${flat.slice(0, MAX_BODY_IN_MESSAGE)}…` : flat;
}

/** Retry-After as delta-seconds (the form gateways use); an HTTP-date is ignored. */
function retryAfterMs(res: Response): number | undefined {
  const v = res.headers.get('retry-after')?.trim();
  return v !== undefined && /^\d{1,9}$/.test(v) ? Number(v) * 1000 : undefined;
}

// Errors that happen before a connection exists: the gateway cannot have the message.
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

function errorCode(e: unknown): string | undefined {
  for (let cur: unknown = e, depth = 0; cur instanceof Error && depth < 4; cur = cur.cause, depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function transportError(e: unknown, cfg: HttpSmsConfig): HttpSmsError {
  if (e instanceof HttpSmsError) return e;
  if (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError')) {
    return new HttpSmsError(`no answer from the SMS gateway within ${cfg.timeoutMs} ms`, { kind: 'transient', outcome: 'unknown', cause: e });
  }
  const code = errorCode(e);
  const reason = code ?? (e instanceof Error ? e.message : String(e));
  return new HttpSmsError(`SMS gateway request failed: ${reason}`, {
    kind: 'transient',
    outcome: code !== undefined && NOT_CONNECTED.has(code) ? 'rejected' : 'unknown',
    cause: e,
  });
}

function statusError(res: Response, body: string): HttpSmsError {
  const status = res.status;
  const message = `SMS gateway answered ${status}: ${excerpt(body)}`;
  if (status === 429 || status === 408 || status >= 500) {
    // 504 comes from a proxy that gave up waiting for the gateway, which may still have sent it.
    const outcome = status === 504 ? 'unknown' : 'rejected';
    const after = retryAfterMs(res);
    return new HttpSmsError(message, { kind: 'transient', outcome, status, ...(after === undefined ? {} : { retryAfterMs: after }) });
  }
  // 3xx too: fetch would turn a redirected POST into a GET, so a moved gateway is a configuration fix.
  return new HttpSmsError(message, { kind: 'permanent', outcome: 'rejected', status });
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Sends one SMS. Resolves when the gateway accepted it; rejects with HttpSmsError otherwise
 * (a message that cannot be rendered, e.g. a number without a national form, is permanent).
 */
export async function sendHttpSms(cfg: HttpSmsConfig, msg: HttpSmsMessage, fetchImpl: typeof fetch = fetch): Promise<HttpSmsAnswer> {
  if (!E164.test(msg.to)) throw new HttpSmsError(`not an E.164 number: ${msg.to}`, { kind: 'permanent', outcome: 'rejected' });
  const fields = renderFields(cfg.bodyTemplate, msg);
  const url = new URL(cfg.url);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (cfg.authHeader !== undefined) {
    const [name, value] = headerLine(cfg.authHeader);
    headers[name] = value;
  }
  let body: string | undefined;
  if (cfg.method === 'GET') {
    for (const [k, v] of Object.entries(fields)) url.searchParams.append(k, v);
  } else {
    body = JSON.stringify(fields);
    headers['content-type'] = 'application/json; charset=utf-8';
  }

  let res: Response;
  let text: string;
  try {
    // One signal for the answer and its body: a gateway that stalls mid-body is as silent as one that never answers.
    res = await fetchImpl(url, { method: cfg.method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(cfg.timeoutMs) });
    text = await res.text();
  } catch (e) {
    throw transportError(e, cfg);
  }
  if (res.status < 200 || res.status > 299) throw statusError(res, text);

  const json = parseJson(text);
  if (cfg.successPath !== undefined) {
    const v = valueAtPath(json, cfg.successPath);
    const ok = cfg.successValue === undefined ? Boolean(v) : scalarText(v) === cfg.successValue;
    if (!ok) {
      throw new HttpSmsError(`SMS gateway refused the message (${cfg.successPath} is not ${cfg.successValue ?? 'set'}): ${excerpt(text)}`, {
        kind: 'permanent',
        outcome: 'rejected',
        status: res.status,
      });
    }
  }
  const providerId = cfg.providerIdPath === undefined ? undefined : scalarText(valueAtPath(json, cfg.providerIdPath));
  return { ...(providerId === undefined ? {} : { providerId }), status: res.status, body: text };
}
