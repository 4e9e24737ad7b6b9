import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { sql, type Kysely } from 'kysely';
import { recordAudit } from '../audit/record.js';
import { maskAddress } from '../contacts/address.js';
import { appSecret } from '../db/app-secret.js';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import { unstorableField } from '../http/error-handler.js';
import { apiKeyGate } from '../http/api-key.js';
import { html, sendHtml, type SafeHtml } from '../http/html.js';
import { registerSecurityHeaders } from '../http/security-headers.js';
import type { AppDeps } from '../http/server.js';
import { CSS_PATH } from '../portal/web/layout.js';
import { recordBounce } from './bounces.js';
import { parseBounce } from './email/dsn.js';
import { parseCallback, verifyCallback, type CallbackReport } from './http-sms/callback.js';
import type { HttpSmsConfig } from './http-sms/config.js';
import type { FailureContext } from './outbox/fallback.js';
import { receiptRecorder } from './outbox/receipts.js';
import { verifyUnsubscribeToken } from './unsubscribe-token.js';

const HTTP_SMS = 'http-sms';

/**
 * What reaches delivery from outside: the HTTP SMS gateway's status callbacks, bounces posted by
 * a mail server, and one-click unsubscribe links (RFC 8058). Register at the root, without a prefix.
 */
export function deliveryRoutes(deps: AppDeps): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    const failure = deps.failure;
    const gateway = deps.config.delivery.httpSms;
    // No gateway configured: no callback route, so the path answers 404.
    if (gateway) {
      const cfg = gateway.options;
      await app.register(callbackRoutes(deps, cfg, failure), { prefix: '/api/v1/delivery' });
    }
    await app.register(bounceRoutes(deps, failure), { prefix: '/api/v1/delivery' });
    await app.register(unsubscribeRoutes(deps));
  };
}

// ---- HTTP SMS status callbacks -----------------------------------------------------------------

const RECEIPT_STATUS: Record<CallbackReport['status'], string> = { delivered: 'DELIVRD', failed: 'UNDELIV', sent: 'ENROUTE', unknown: 'UNKNOWN' };

/** Body fields of a callback: JSON, or a form (a repeated field becomes a list, which parseCallback refuses as ambiguous). */
function callbackFields(contentType: string | undefined, raw: Buffer): Record<string, unknown> {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new AppError('BAD_REQUEST', 'The callback body is not valid JSON.');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new AppError('BAD_REQUEST', 'The callback body must be a JSON object.');
    return parsed as Record<string, unknown>;
  }
  if (type === 'application/x-www-form-urlencoded') {
    const fields: Record<string, string | string[]> = {};
    for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) {
      const seen = fields[k];
      fields[k] = seen === undefined ? v : [...(Array.isArray(seen) ? seen : [seen]), v];
    }
    return fields;
  }
  throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the status report as application/json or application/x-www-form-urlencoded.');
}

/**
 * The ids one report is recorded under. The HTTP SMS channel lists both the gateway's id and our
 * ref for one SMS, and a message counts as delivered once each of its ids has a receipt, so the
 * report is recorded under every id of the message it names.
 */
async function reportIds(db: Kysely<DB>, report: CallbackReport): Promise<string[]> {
  const ids = new Set([report.providerId, report.ref].filter((id): id is string => id !== undefined));
  const ours = /^izv(\d{1,15})$/.exec(report.ref ?? '');
  let q = db.selectFrom('outbox_messages').select('provider_message_ids').where('provider', '=', HTTP_SMS);
  if (ours) q = q.where('id', '=', Number(ours[1]));
  else if (report.providerId !== undefined) q = q.where('provider_message_ids', '@>', sql<string[]>`ARRAY[${report.providerId}]::text[]`);
  else return [...ids];
  const row = await q.executeTakeFirst();
  for (const id of row?.provider_message_ids ?? []) ids.add(id);
  return [...ids];
}

function callbackRoutes(deps: AppDeps, cfg: HttpSmsConfig, failure: FailureContext): FastifyPluginAsync {
  // A burst of reports shares transactions, as SMPP receipts do.
  const record = receiptRecorder(deps.database.db, failure);
  return async (app) => {
    // The signature covers the bytes as sent: every body is kept raw here and parsed after the check.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 64 * 1024 }, (_req, body, done) => done(null, body));

    app.route<{ Querystring: Record<string, unknown> }>({
      // GET: gateways that can only call a fixed URL with the report in the query (token mode).
      method: ['GET', 'POST'],
      url: '/http-sms/callback',
      handler: async (req, reply) => {
        const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        if (!verifyCallback(cfg, { headers: req.headers, rawBody, query: req.query })) {
          throw new AppError('UNAUTHORIZED', 'The callback signature or token is not valid.');
        }
        const fields = req.method === 'GET' ? req.query : callbackFields(req.headers['content-type'], rawBody);
        // Refused here, alone: reports are stored in groups, and one the database cannot store would fail the others with it.
        const bad = unstorableField(fields, 'body');
        if (bad !== null) throw new AppError('BAD_REQUEST', `${bad}: contains a NUL character or invalid Unicode`, { field: bad });
        const report = parseCallback(cfg, fields);
        const ids = await reportIds(deps.database.db, report);
        if (ids.length === 0) throw new AppError('VALIDATION_FAILED', 'The status report names no message (neither our reference nor the gateway id).');
        const status = RECEIPT_STATUS[report.status];
        // The token proves the sender; it is no part of the report and must not be stored with it.
        const raw = req.method === 'GET' ? JSON.stringify(Object.fromEntries(Object.entries(fields).filter(([k]) => k !== 'token'))) : rawBody.toString('utf8');
        // Answered only once stored: a gateway that gets no 2xx sends the report again.
        const results = await Promise.all(ids.map((id) => record({ provider: HTTP_SMS, providerMessageId: id, status, error: report.detail ?? null, raw })));
        const recorded = results.filter((r) => !r.duplicate).length;
        const matched = results.find((r) => r.messageId !== null)?.messageId ?? null;
        return reply.send({ status, recorded, messageId: matched });
      },
    });
  };
}

// ---- Bounces posted by a mail server -----------------------------------------------------------

function bounceRoutes(deps: AppDeps, failure: FailureContext): FastifyPluginAsync {
  return async (app) => {
    // Checked before the body is read, so nobody without a key gets a 10 MB upload buffered.
    app.addHook('onRequest', apiKeyGate(deps.config.apiKeys));
    app.removeAllContentTypeParsers();
    app.addContentTypeParser(['message/rfc822', 'text/plain'], { parseAs: 'buffer', bodyLimit: 10 * 1024 * 1024 }, (_req, body, done) => done(null, body));

    // rcpt_to: the envelope recipient (bounce+ID@domain) when the mail server passes it on.
    app.post<{ Querystring: { rcpt_to?: string } }>('/bounces', async (req, reply) => {
      if (!Buffer.isBuffer(req.body) || req.body.length === 0) throw new AppError('BAD_REQUEST', 'Send the whole bounce message as the body (message/rfc822 or text/plain).');
      const bounce = await parseBounce(req.body, typeof req.query.rcpt_to === 'string' ? req.query.rcpt_to : undefined);
      if (bounce === null) throw new AppError('VALIDATION_FAILED', 'The body is not a delivery status notification (multipart/report; report-type=delivery-status).');
      const r = await recordBounce(deps.database.db, bounce, failure);
      if (r.messageId === null) throw new AppError('NOT_FOUND', 'The bounce names none of our email messages (no VERP address, X-Izvestie-Message-Id or Message-ID of ours).', { bounce });
      return reply.send({ bounce, ...r });
    });
  };
}

// ---- One-click unsubscribe (RFC 8058) ----------------------------------------------------------

type Outcome = 'unsubscribed' | 'already' | 'unknown';

/**
 * Ends the subscription at the customer's request from the link in an email: it stops at once,
 * its queued messages are cancelled, and the audit trail says how. No confirmation is sent: the
 * customer asked for no more mail at this address. Repeats change nothing.
 */
export async function unsubscribeOneClick(db: Kysely<DB>, subscriptionId: number, now: Date): Promise<Outcome> {
  return db.transaction().execute(async (tx) => {
    const s = await tx.selectFrom('subscriptions').select(['id', 'customer_number', 'channel', 'address', 'status']).where('id', '=', subscriptionId).forUpdate().executeTakeFirst();
    if (!s) return 'unknown';
    if (s.status === 'unsubscribed') return 'already';
    await tx.updateTable('subscriptions').set({ status: 'unsubscribed', ended_at: now, end_reason: 'cancelled', updated_at: now }).where('id', '=', s.id).execute();
    const cancelled = await tx
      .updateTable('outbox_messages')
      .set({ status: 'cancelled', cancel_reason: 'subscription ended', final_at: now, updated_at: now })
      .where('subscription_id', '=', s.id)
      .where('status', '=', 'queued')
      .executeTakeFirst();
    await recordAudit(tx, {
      actor: 'customer',
      action: 'subscription.cancelled',
      subject: s.customer_number,
      details: {
        via: 'one-click',
        channel: s.channel,
        subscription_id: s.id,
        address_masked: maskAddress(s.address),
        cancelled_at: now.toISOString(),
        cancelled_messages: Number(cancelled.numUpdatedRows),
      },
    });
    return 'unsubscribed';
  });
}

const texts = {
  confirm: {
    title: ['Отказ от известията', 'Unsubscribe from notices'],
    body: ['Няма да получавате повече известия за неплатени сметки на адрес {address}.', 'You will no longer receive unpaid-bill notices at {address}.'],
    button: 'Откажете се / Unsubscribe',
  },
  done: {
    title: ['Отказахте се от известията', 'You are unsubscribed'],
    body: [
      'Повече няма да получавате известия за неплатени сметки на този адрес. Можете да се абонирате отново на нашия сайт по всяко време.',
      'You will receive no more unpaid-bill notices at this address. You can subscribe again on our website at any time.',
    ],
  },
  unknown: {
    title: ['Връзката не е валидна', 'This link is not valid'],
    body: ['Връзката за отказ е непълна или грешна. Копирайте я изцяло от имейла.', 'The unsubscribe link is incomplete or wrong. Copy it in full from the email.'],
  },
  badRequest: {
    title: ['Заявката не е разпозната', 'The request was not recognised'],
    body: ['Използвайте бутона на страницата за отказ.', 'Use the button on the unsubscribe page.'],
  },
} as const;

function page(title: readonly [string, string], paragraphs: ReadonlyArray<readonly [string, string]>, extra: SafeHtml | '' = ''): SafeHtml {
  const p = (i: 0 | 1) => paragraphs.map((x) => html`<p>${x[i]}</p>`);
  return html`<!DOCTYPE html>
<html lang="bg">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${title[0]} / ${title[1]}</title><link rel="stylesheet" href="${CSS_PATH}"></head>
<body><div class="wrap"><main id="main-content">
<h1>${title[0]}</h1>
${p(0)}
<div lang="en"><h2>${title[1]}</h2>
${p(1)}</div>
${extra}
</main></div></body>
</html>`;
}

/** RFC 8058: urlencoded (our own button) or multipart/form-data (what the RFC's example sends). */
function isOneClick(req: FastifyRequest): boolean {
  const body: unknown = req.body;
  if (typeof body === 'string') return /name="?List-Unsubscribe"?[^\r\n]*\r?\n(?:[^\r\n]+\r?\n)*\r?\n\s*One-Click\s*\r?\n/i.test(body);
  return typeof body === 'object' && body !== null && (body as Record<string, unknown>)['List-Unsubscribe'] === 'One-Click';
}

function unsubscribeRoutes(deps: AppDeps): FastifyPluginAsync {
  return async (app) => {
    await app.register(formbody, { bodyLimit: 4096 });
    app.addContentTypeParser('multipart/form-data', { parseAs: 'string', bodyLimit: 4096 }, (_req, body, done) => done(null, body));
    await registerSecurityHeaders(app);
    let secret: Promise<Buffer> | undefined;
    const subscriptionOf = async (token: string): Promise<number | null> => {
      secret ??= appSecret(deps.database, 'unsubscribe').catch((err: unknown) => {
        secret = undefined;
        throw err;
      });
      return verifyUnsubscribeToken(await secret, token);
    };
    const notFound = page(texts.unknown.title, [texts.unknown.body]);
    const done = page(texts.done.title, [texts.done.body]);

    // A GET only shows the button: mail scanners and link previews follow links, and must not unsubscribe anyone.
    app.get<{ Params: { token: string } }>('/u/:token', async (req, reply) => {
      const id = await subscriptionOf(req.params.token);
      const s = id === null ? undefined : await deps.database.db.selectFrom('subscriptions').select(['address', 'status']).where('id', '=', id).executeTakeFirst();
      if (!s) return sendHtml(reply, 404, notFound);
      if (s.status === 'unsubscribed') return sendHtml(reply, 200, done);
      const address = maskAddress(s.address);
      const body = texts.confirm.body.map((t) => t.replace('{address}', address)) as [string, string];
      const form = html`<form method="post" action="/u/${req.params.token}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button class="button button--warning" type="submit">${texts.confirm.button}</button></form>`;
      return sendHtml(reply, 200, page(texts.confirm.title, [body], form));
    });

    app.post<{ Params: { token: string } }>('/u/:token', async (req, reply) => {
      const id = await subscriptionOf(req.params.token);
      if (id === null) return sendHtml(reply, 404, notFound);
      if (!isOneClick(req)) return sendHtml(reply, 400, page(texts.badRequest.title, [texts.badRequest.body]));
      const outcome = await unsubscribeOneClick(deps.database.db, id, new Date());
      if (outcome === 'unknown') return sendHtml(reply, 404, notFound);
      if (outcome === 'unsubscribed') req.log.info({ subscriptionId: id }, 'unsubscribed by one-click');
      return sendHtml(reply, 200, done);
    });
  };
}
