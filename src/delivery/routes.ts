import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/record.js';
import { maskAddress } from '../contacts/address.js';
import { appSecret } from '../db/app-secret.js';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import { apiKeyGate } from '../http/api-key.js';
import { html, sendHtml, type SafeHtml } from '../http/html.js';
import { registerSecurityHeaders } from '../http/security-headers.js';
import type { AppDeps } from '../http/server.js';
import { CSS_PATH } from '../portal/web/layout.js';
import { recordBounce } from './bounces.js';
import { parseBounce } from './email/dsn.js';
import { httpSmsCallbackRoute } from './http-sms/callback-route.js';
import { httpSmsCallbackPath } from './sms-providers/settings.js';
import { VIBER_CALLBACK_PATH, VIBER_PROVIDER_NAME } from './viber/settings.js';
import type { FailureContext } from './outbox/fallback.js';
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
      const route = httpSmsCallbackRoute({ db: deps.database.db, failure, cfg: gateway.options, provider: HTTP_SMS, path: '/http-sms/callback' });
      await app.register(route, { prefix: '/api/v1/delivery' });
    }
    // The other HTTP gateways of SMS_PROVIDERS: each its own route, its reports recorded under its name.
    for (const p of deps.config.delivery.smsProviders) {
      if (p.type !== 'http' || p.name === HTTP_SMS) continue;
      await app.register(httpSmsCallbackRoute({ db: deps.database.db, failure, cfg: p.options, provider: p.name, path: httpSmsCallbackPath(p.name) }), { prefix: '/api/v1/delivery' });
    }
    // The Viber gateway's delivery reports (VIBER_PROVIDER), recorded under its name.
    const viber = deps.config.delivery.viber;
    if (viber) {
      await app.register(httpSmsCallbackRoute({ db: deps.database.db, failure, cfg: viber.options, provider: VIBER_PROVIDER_NAME, path: VIBER_CALLBACK_PATH }), { prefix: '/api/v1/delivery' });
    }
    await app.register(bounceRoutes(deps, failure), { prefix: '/api/v1/delivery' });
    await app.register(unsubscribeRoutes(deps));
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
