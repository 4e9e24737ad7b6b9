// Messages to an HTTP gateway described entirely by configuration: one request for one message or
// for a batch, each message's result read back from the answer and sorted the way the outbox
// worker acts on it (accepted with the gateway's id; retry; do not retry).
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { DeliveryError } from '../channels/types.js';
import type { DeliveryErrorKind } from '../channels/types.js';
import { requestFormat, type HttpSmsConfig } from './config.js';
import { scalarText, valueAtPath } from './json-path.js';
import { flatFields, render, type Template, type Values } from './template.js';

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
  /** Sender name, when the template sends one ({from}); the configured sender otherwise. */
  from?: string;
  /** Where the gateway should post the status report ({callback_url}). */
  callbackUrl?: string;
  /** The SMS a Viber gateway sends itself when the number has no Viber ({sms_text}). */
  smsText?: string;
}

export interface HttpSmsAnswer {
  providerId?: string;
  status: number;
  body: string;
  /** The gateway's code for this message, when it gives one. */
  code?: string;
}

/** One message's outcome in a request: accepted, or the error to act on. */
export type HttpSmsOutcome = { ok: true; answer: HttpSmsAnswer } | { ok: false; error: HttpSmsError };

/**
 * A failed send. status is the HTTP status when the gateway answered. outcome 'unknown': the
 * request may have reached the gateway (no answer seen), so a retry may send a duplicate.
 */
export class HttpSmsError extends DeliveryError {
  readonly status?: number;
  readonly code?: string;

  constructor(
    message: string,
    opts: { kind: DeliveryErrorKind; outcome: 'rejected' | 'unknown'; status?: number; code?: string; retryAfterMs?: number; cause?: unknown },
  ) {
    super(message, opts);
    this.name = 'HttpSmsError';
    if (opts.status !== undefined) this.status = opts.status;
    if (opts.code !== undefined) this.code = opts.code;
  }
}

const E164 = /^\+[1-9]\d{6,14}$/;
// Error messages carry the gateway's answer for the attempt record, but not a whole HTML page.
const MAX_BODY_IN_MESSAGE = 500;

function nationalForm(e164: string): string {
  const phone = parsePhoneNumberFromString(e164);
  if (phone === undefined || !phone.isValid()) {
    throw new HttpSmsError(`cannot form the national number of ${e164}`, { kind: 'permanent', outcome: 'rejected' });
  }
  return phone.formatNational().replace(/\D/g, '');
}

/** The account's placeholders, the same in every request. */
export function accountValues(cfg: HttpSmsConfig): Values {
  const basic = cfg.user !== undefined && cfg.password !== undefined ? Buffer.from(`${cfg.user}:${cfg.password}`, 'utf8').toString('base64') : undefined;
  return { user: cfg.user, password: cfg.password, token: cfg.token, basic_auth: basic };
}

function messageValues(cfg: HttpSmsConfig, msg: HttpSmsMessage, templates: readonly unknown[]): Values {
  // Only computed when used: a gateway that takes E.164 must not fail on numbers the phone metadata does not know.
  const wantsLocal = templates.some((t) => t !== undefined && JSON.stringify(t).includes('{to_local}'));
  return {
    ...accountValues(cfg),
    to: msg.to.slice(1),
    to_local: wantsLocal ? nationalForm(msg.to) : undefined,
    text: msg.text,
    ref: msg.ref,
    from: msg.from ?? cfg.from,
    callback_url: msg.callbackUrl,
    callback_token: cfg.callbackSecret,
    sms_text: msg.smsText,
  };
}

function headerLine(line: string): [string, string] {
  const i = line.indexOf(':');
  return [line.slice(0, i).trim(), line.slice(i + 1).trim()];
}

export function excerpt(body: string): string {
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

function transportError(e: unknown, timeoutMs: number): HttpSmsError {
  if (e instanceof HttpSmsError) return e;
  if (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError')) {
    return new HttpSmsError(`no answer from the SMS gateway within ${timeoutMs} ms`, { kind: 'transient', outcome: 'unknown', cause: e });
  }
  const code = errorCode(e);
  const reason = code ?? (e instanceof Error ? e.message : String(e));
  return new HttpSmsError(`SMS gateway request failed: ${reason}`, {
    kind: 'transient',
    outcome: code !== undefined && NOT_CONNECTED.has(code) ? 'rejected' : 'unknown',
    cause: e,
  });
}

function statusError(res: Response, body: string, temporary: readonly number[]): HttpSmsError {
  const status = res.status;
  const message = `SMS gateway answered ${status}: ${excerpt(body)}`;
  if (status === 429 || status === 408 || status >= 500 || temporary.includes(status)) {
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

export interface HttpRequestSpec {
  url: string;
  method: 'POST' | 'GET';
  format: 'json' | 'form' | 'query';
  authHeader?: string | undefined;
  query?: Template | undefined;
  body: unknown;
  values: Values;
  timeoutMs: number;
}

/** One request as configured; resolves with the answer whatever its status, rejects with a transport error. */
export async function httpRequest(spec: HttpRequestSpec, fetchImpl: typeof fetch): Promise<{ res: Response; text: string }> {
  const url = new URL(spec.url);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (spec.authHeader !== undefined) {
    const [name, value] = headerLine(render(spec.authHeader, spec.values) as string);
    headers[name] = value;
  }
  if (spec.query !== undefined) for (const [k, v] of flatFields(render(spec.query, spec.values))) url.searchParams.append(k, v);
  let body: string | undefined;
  if (spec.format === 'query') {
    for (const [k, v] of flatFields(spec.body)) url.searchParams.append(k, v);
  } else if (spec.format === 'form') {
    body = new URLSearchParams(flatFields(spec.body)).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  } else {
    body = JSON.stringify(spec.body);
    headers['content-type'] = 'application/json; charset=utf-8';
  }
  try {
    // One signal for the answer and its body: a gateway that stalls mid-body is as silent as one that never answers.
    const res = await fetchImpl(url, { method: spec.method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(spec.timeoutMs) });
    return { res, text: await res.text() };
  } catch (e) {
    throw transportError(e, spec.timeoutMs);
  }
}

type CodeClass = 'accepted' | 'temporary' | 'permanent';

function classify(cfg: HttpSmsConfig, code: string): CodeClass {
  if (cfg.acceptedCodes.includes(code)) return 'accepted';
  if (cfg.temporaryCodes.includes(code)) return 'temporary';
  if (cfg.permanentCodes.includes(code)) return 'permanent';
  return cfg.unknownCodes;
}

function codeError(cls: 'temporary' | 'permanent', code: string, status: number, text: string, scope: string): HttpSmsError {
  return new HttpSmsError(`SMS gateway refused ${scope} with code ${code}: ${excerpt(text)}`, { kind: cls === 'temporary' ? 'transient' : 'permanent', outcome: 'rejected', status, code });
}

/** Each message's outcome from a 2xx answer. */
function readAnswer(cfg: HttpSmsConfig, msgs: readonly HttpSmsMessage[], status: number, text: string): HttpSmsOutcome[] {
  const all = (error: HttpSmsError): HttpSmsOutcome[] => msgs.map(() => ({ ok: false, error }));
  const json = parseJson(text);
  if (cfg.successPath !== undefined) {
    const v = valueAtPath(json, cfg.successPath);
    const ok = cfg.successValue === undefined ? Boolean(v) : scalarText(v) === cfg.successValue;
    if (!ok) {
      return all(new HttpSmsError(`SMS gateway refused the message (${cfg.successPath} is not ${cfg.successValue ?? 'set'}): ${excerpt(text)}`, { kind: 'permanent', outcome: 'rejected', status }));
    }
  }
  if (cfg.codePath !== undefined) {
    const code = scalarText(valueAtPath(json, cfg.codePath));
    if (code !== undefined) {
      const cls = classify(cfg, code);
      if (cls !== 'accepted') return all(codeError(cls, code, status, text, 'the request'));
    }
  }
  if (cfg.resultsPath === undefined) {
    const providerId = cfg.providerIdPath === undefined ? undefined : scalarText(valueAtPath(json, cfg.providerIdPath));
    return msgs.map(() => ({ ok: true, answer: { status, body: text, ...(providerId === undefined ? {} : { providerId }) } }));
  }
  const results = valueAtPath(json, cfg.resultsPath);
  if (!Array.isArray(results)) {
    // A 2xx without the list: the gateway may well have taken them.
    return all(new HttpSmsError(`SMS gateway answer has no ${cfg.resultsPath} list: ${excerpt(text)}`, { kind: 'transient', outcome: 'unknown', status }));
  }
  const refPath = cfg.resultRefPath;
  const byRef = new Map<string, unknown>();
  if (refPath !== undefined) {
    for (const r of results) {
      const ref = scalarText(valueAtPath(r, refPath));
      if (ref !== undefined && !byRef.has(ref)) byRef.set(ref, r);
    }
  }
  return msgs.map((m, i): HttpSmsOutcome => {
    const r: unknown = refPath === undefined ? results[i] : byRef.get(m.ref);
    if (r === undefined) {
      return { ok: false, error: new HttpSmsError(`SMS gateway answer has no result for ${m.ref}`, { kind: 'transient', outcome: 'unknown', status }) };
    }
    const one = JSON.stringify(r);
    const code = cfg.resultCodePath === undefined ? undefined : scalarText(valueAtPath(r, cfg.resultCodePath));
    if (code !== undefined) {
      const cls = classify(cfg, code);
      if (cls !== 'accepted') return { ok: false, error: codeError(cls, code, status, one, `message ${m.ref}`) };
    }
    const providerId = cfg.providerIdPath === undefined ? undefined : scalarText(valueAtPath(r, cfg.providerIdPath));
    return { ok: true, answer: { status, body: one, ...(providerId === undefined ? {} : { providerId }), ...(code === undefined ? {} : { code }) } };
  });
}

/**
 * Sends messages in one request (a batch when the configuration has a message template) and
 * resolves with one outcome per message, in order. Never rejects: a failure of the whole request
 * is every message's outcome. A message that cannot be rendered fails alone and is not sent.
 */
export async function sendHttpBatch(cfg: HttpSmsConfig, msgs: readonly HttpSmsMessage[], fetchImpl: typeof fetch = fetch): Promise<HttpSmsOutcome[]> {
  const outcomes: Array<HttpSmsOutcome | undefined> = msgs.map(() => undefined);
  const sendable: Array<{ i: number; msg: HttpSmsMessage; values: Values }> = [];
  const templates = [cfg.bodyTemplate, cfg.messageTemplate, cfg.query];
  msgs.forEach((msg, i) => {
    try {
      if (!E164.test(msg.to)) throw new HttpSmsError(`not an E.164 number: ${msg.to}`, { kind: 'permanent', outcome: 'rejected' });
      sendable.push({ i, msg, values: messageValues(cfg, msg, templates) });
    } catch (e) {
      outcomes[i] = { ok: false, error: e instanceof HttpSmsError ? e : new HttpSmsError((e as Error).message, { kind: 'permanent', outcome: 'rejected' }) };
    }
  });
  if (sendable.length > 0) {
    const first = sendable[0]?.values ?? {};
    const tpl = cfg.messageTemplate;
    const body =
      tpl === undefined
        ? render(cfg.bodyTemplate as Template, first)
        : render(cfg.bodyTemplate as Template, accountValues(cfg), { messages: sendable.map((s) => render(tpl as Template, s.values)) });
    let got: HttpSmsOutcome[];
    try {
      const { res, text } = await httpRequest(
        { url: cfg.url, method: cfg.method, format: requestFormat(cfg), authHeader: cfg.authHeader, query: cfg.query as Template | undefined, body, values: first, timeoutMs: cfg.timeoutMs },
        fetchImpl,
      );
      got = res.status < 200 || res.status > 299 ? sendable.map(() => ({ ok: false, error: statusError(res, text, cfg.temporaryHttpStatuses) })) : readAnswer(cfg, sendable.map((s) => s.msg), res.status, text);
    } catch (e) {
      const error = transportError(e, cfg.timeoutMs);
      got = sendable.map(() => ({ ok: false, error }));
    }
    sendable.forEach((s, k) => {
      outcomes[s.i] = got[k];
    });
  }
  return outcomes.map((o) => o ?? { ok: false, error: new HttpSmsError('no outcome', { kind: 'transient', outcome: 'unknown' }) });
}

/**
 * Sends one SMS. Resolves when the gateway accepted it; rejects with HttpSmsError otherwise
 * (a message that cannot be rendered, e.g. a number without a national form, is permanent).
 */
export async function sendHttpSms(cfg: HttpSmsConfig, msg: HttpSmsMessage, fetchImpl: typeof fetch = fetch): Promise<HttpSmsAnswer> {
  const [o] = await sendHttpBatch(cfg, [msg], fetchImpl);
  if (o === undefined) throw new HttpSmsError('no outcome', { kind: 'transient', outcome: 'unknown' });
  if (!o.ok) throw o.error;
  return o.answer;
}
