// The same flows as the web pages, as JSON for the utility's mobile app. A flow token (from POST
// /identity) stands in for the web session; there is no cookie, so no CSRF to guard against.
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { maskAddress } from '../../contacts/address.js';
import type { Lang } from '../../delivery/text/default-templates.js';
import { AppError, type ErrorCode } from '../../errors.js';
import { clientIp } from '../../http/client-ip.js';
import { registerSecurityHeaders } from '../../http/security-headers.js';
import { consent } from '../consent.js';
import { parseContact } from '../contact-input.js';
import type { PortalDeps } from '../deps.js';
import { createFlow, loadFlow, type Awaiting, type ContactChannel } from '../flow-store.js';
import { contactsOf, proveCustomer, requestContactCodes, resend, sendLoginCode, unsubscribe, verify, type FlowContext, type Purpose } from '../flow.js';
import { PortalRefusal, type RefusalReason } from '../refusal.js';
import { activeContacts } from '../subscriptions.js';
import { schemas } from './schemas.js';

const answers: Record<RefusalReason, { code: ErrorCode; message: string }> = {
  not_matched: { code: 'VALIDATION_FAILED', message: 'No invoice of the last 12 months with this number for this customer number (or checking is paused after failed attempts).' },
  rate_limited: { code: 'RATE_LIMITED', message: 'Too many attempts from this network; try again later.' },
  contact_daily_limit: { code: 'RATE_LIMITED', message: 'This contact has had 3 codes in the last 24 hours.' },
  customer_daily_limit: { code: 'RATE_LIMITED', message: 'This customer number has had all the codes, or codes to all the contacts, allowed in 24 hours.' },
  ip_code_limit: { code: 'RATE_LIMITED', message: 'Too many codes from this network; try again later.' },
  sms_budget: { code: 'RATE_LIMITED', message: 'Codes by SMS are paused for now; try later or use email.' },
  contact_cap: { code: 'CONFLICT', message: 'This contact already gets notices for the maximum number of customer numbers.' },
  same_contact: { code: 'CONFLICT', message: 'This contact already gets notices for this customer number.' },
  consent_required: { code: 'VALIDATION_FAILED', message: `Accept the consent text of version ${consent.version} (GET /consent).` },
  wrong_code: { code: 'VALIDATION_FAILED', message: 'The code is not correct.' },
  code_expired: { code: 'VALIDATION_FAILED', message: 'The code has expired, was used, or was entered wrongly 5 times; ask for a new one.' },
  wrong_step: { code: 'CONFLICT', message: 'This flow is not at this step (prove the customer number first, or sign in).' },
};

function toAppError(e: unknown, reply: FastifyReply): unknown {
  if (!(e instanceof PortalRefusal)) return e;
  const a = answers[e.reason];
  if (e.retryAfterSeconds !== undefined) reply.header('retry-after', String(e.retryAfterSeconds));
  return new AppError(a.code, a.message, {
    reason: e.reason,
    ...(e.retryAfterSeconds === undefined ? {} : { retry_after_seconds: e.retryAfterSeconds }),
    ...(e.triesLeft === undefined ? {} : { tries_left: e.triesLeft }),
  });
}

const shown = (a: Awaiting) => ({ channel: a.channel, address_masked: maskAddress(a.address) });
const pending = (a: Awaiting) => ({ ...shown(a), code_expires_at: a.codeExpiresAt });

export function apiRoutes(deps: PortalDeps): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    await registerSecurityHeaders(app);
    const ip = (req: FastifyRequest) => clientIp(req);

    async function flowOf(req: FastifyRequest): Promise<FlowContext> {
      const auth = req.headers.authorization;
      const token = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7).trim() : '';
      const flow = token ? await loadFlow(deps.db, token, deps.now()) : null;
      if (!flow) throw new AppError('UNAUTHORIZED', 'Send the flow_token of POST /identity as Authorization: Bearer <token>; flows end 30 minutes after their last call.');
      return { deps, flow, actor: { via: 'app', ip: ip(req) } };
    }

    // Every route but these two needs a flow, checked before the body is read (like the API keys).
    const flows = new WeakMap<FastifyRequest, FlowContext>();
    app.addHook('onRoute', (route) => {
      if (route.routePath === '/consent' || route.routePath === '/identity') return;
      route.onRequest = async (req: FastifyRequest) => {
        flows.set(req, await flowOf(req));
      };
    });

    /** Runs a flow operation, answering refusals as AppErrors. */
    async function run<T>(req: FastifyRequest, reply: FastifyReply, fn: (ctx: FlowContext) => Promise<T>): Promise<T> {
      const ctx = flows.get(req) ?? (await flowOf(req));
      try {
        return await fn(ctx);
      } catch (e) {
        throw toAppError(e, reply);
      }
    }

    const awaitingAnswer = (items: readonly Awaiting[]) => ({ awaiting: items.map(pending) });

    app.get('/consent', { schema: schemas.consent }, async () => consent);

    app.post<{ Body: { customer_number: string; invoice_number: string; purpose: Purpose; lang?: Lang } }>('/identity', { schema: schemas.identity }, async (req, reply) => {
      const { customer_number: customer, purpose } = req.body;
      try {
        await proveCustomer(deps, ip(req), { customerNumber: customer, invoiceNumber: req.body.invoice_number });
      } catch (e) {
        throw toAppError(e, reply);
      }
      const { token, flow } = await createFlow(deps.db, { lang: req.body.lang ?? 'bg', purpose, customerInput: customer, customer }, deps.now());
      const contacts = purpose === 'manage' ? (await activeContacts(deps.db, customer)).map((c) => ({ channel: c.channel, address_masked: maskAddress(c.address) })) : undefined;
      return reply.code(201).send({ flow_token: token, expires_at: flow.expiresAt.toISOString(), purpose, ...(contacts ? { contacts } : {}) });
    });

    app.post<{ Body: { contacts: Partial<Record<ContactChannel, string>>; consent_version: string } }>('/registration', { schema: schemas.registration }, async (req, reply) => {
      const contacts = (['sms', 'email'] as const).flatMap((channel) => {
        const typed = req.body.contacts[channel];
        if (typed === undefined) return [];
        const address = parseContact(channel, typed);
        if (address === null) {
          throw new AppError('VALIDATION_FAILED', channel === 'sms' ? 'contacts.sms is not a Bulgarian mobile number.' : 'contacts.email is not a valid email address.', {
            reason: 'invalid_contact',
            field: `contacts.${channel}`,
          });
        }
        return [{ channel, address }];
      });
      const flow = await run(req, reply, async (ctx) => {
        await requestContactCodes(ctx, { action: 'register', contacts, consentVersion: req.body.consent_version });
        return ctx.flow;
      });
      return reply.code(202).send(awaitingAnswer(flow.data.awaiting ?? []));
    });

    app.post<{ Body: { channel: ContactChannel } }>('/login-code', { schema: schemas.loginCode }, async (req, reply) => {
      const flow = await run(req, reply, async (ctx) => {
        await sendLoginCode(ctx, req.body.channel);
        return ctx.flow;
      });
      return reply.code(202).send(awaitingAnswer(flow.data.awaiting ?? []));
    });

    app.post<{ Body: { channel: ContactChannel; code: string } }>('/verify', { schema: schemas.verify }, async (req, reply) => {
      const r = await run(req, reply, async (ctx) => ({ ...(await verify(ctx, req.body)), flow: ctx.flow }));
      return reply.send({
        verified: shown(r.verified),
        awaiting: r.remaining.map(pending),
        authenticated: r.flow.data.authenticated === true,
      });
    });

    app.post<{ Body: { channel: ContactChannel } }>('/resend', { schema: schemas.resend }, async (req, reply) => {
      const flow = await run(req, reply, async (ctx) => {
        await resend(ctx, req.body.channel);
        return ctx.flow;
      });
      return reply.code(202).send(awaitingAnswer(flow.data.awaiting ?? []));
    });

    app.get('/subscriptions', { schema: schemas.subscriptions }, async (req, reply) => {
      const r = await run(req, reply, contactsOf);
      return { customer_number: r.customer, subscriptions: r.contacts.map((c) => ({ channel: c.channel, address_masked: maskAddress(c.address) })) };
    });

    app.put<{ Params: { channel: ContactChannel }; Body: { address: string; consent_version?: string } }>('/subscriptions/:channel', { schema: schemas.putSubscription }, async (req, reply) => {
      const { channel } = req.params;
      const address = parseContact(channel, req.body.address);
      if (address === null) throw new AppError('VALIDATION_FAILED', `address is not a valid ${channel === 'sms' ? 'Bulgarian mobile number' : 'email address'}.`, { reason: 'invalid_contact', field: 'address' });
      const flow = await run(req, reply, async (ctx) => {
        const exists = ctx.flow.data.customer !== undefined && (await activeContacts(deps.db, ctx.flow.data.customer)).some((c) => c.channel === channel);
        await requestContactCodes(ctx, {
          action: exists ? 'change' : 'add',
          contacts: [{ channel, address }],
          ...(req.body.consent_version === undefined ? {} : { consentVersion: req.body.consent_version }),
        });
        return ctx.flow;
      });
      return reply.code(202).send(awaitingAnswer(flow.data.awaiting ?? []));
    });

    app.delete<{ Params: { channel: ContactChannel } }>('/subscriptions/:channel', { schema: schemas.deleteSubscription }, async (req, reply) => {
      const ended = await run(req, reply, (ctx) => unsubscribe(ctx, [req.params.channel]));
      return { cancelled: ended.map((c) => ({ channel: c.channel, address_masked: maskAddress(c.address) })) };
    });

    app.delete('/subscriptions', { schema: schemas.deleteSubscriptions }, async (req, reply) => {
      const ended = await run(req, reply, (ctx) => unsubscribe(ctx, ['sms', 'email']));
      return { cancelled: ended.map((c) => ({ channel: c.channel, address_masked: maskAddress(c.address) })) };
    });
  };
}
