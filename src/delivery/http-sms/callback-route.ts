// The route an HTTP gateway sends its delivery reports to: one report or a batch per request, as
// JSON, a form or a GET query; proved by HMAC, token or basic auth; stored in groups through the
// receipt recorder and answered only once stored (a gateway that gets no 2xx sends them again).
import type { FastifyPluginAsync } from 'fastify';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { unstorableField } from '../../http/error-handler.js';
import type { FailureContext } from '../outbox/fallback.js';
import { receiptRecorder, type ReceiptInput } from '../outbox/receipts.js';
import { parseCallbacks, verifyCallback, type CallbackReport } from './callback.js';
import type { HttpSmsConfig } from './config.js';

export const RECEIPT_STATUS: Record<CallbackReport['status'], string> = { delivered: 'DELIVRD', failed: 'UNDELIV', sent: 'ENROUTE', unknown: 'UNKNOWN' };

/** Our reference for a message at a gateway: its outbox id, the same on every attempt. */
export const httpSmsRef = (messageId: number) => `izv${messageId}`;
const OUR_REF = /^izv(\d{1,15})$/;

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
 * The ids each report is recorded under, looked up for all reports of a request at once. A
 * message counts as delivered once each of its ids has a receipt, so a report is recorded under
 * every id of the message it names (our ref, the gateway's id).
 */
const MAX_REPORT_ID = 200;

export async function idsOfReports(db: Kysely<DB>, provider: string, reports: ReadonlyArray<{ ref?: string; providerId?: string }>): Promise<string[][]> {
  const byId = new Map<number, string[]>();
  const byPmid = new Map<string, string[]>();
  const ours = [...new Set(reports.map((r) => OUR_REF.exec(r.ref ?? '')?.[1]).filter((x): x is string => x !== undefined).map(Number))];
  if (ours.length > 0) {
    const rows = await db.selectFrom('outbox_messages').select(['id', 'provider_message_ids']).where('provider', '=', provider).where('id', 'in', ours).execute();
    for (const r of rows) byId.set(Number(r.id), r.provider_message_ids);
  }
  const theirs = [...new Set(reports.filter((r) => !OUR_REF.test(r.ref ?? '') && r.providerId !== undefined).map((r) => r.providerId as string))];
  if (theirs.length > 0) {
    const rows = await db
      .selectFrom('outbox_messages')
      .select('provider_message_ids')
      .where('provider', '=', provider)
      .where('provider_message_ids', '&&', sql<string[]>`${theirs}::text[]`)
      .execute();
    for (const r of rows) for (const id of r.provider_message_ids) byPmid.set(id, r.provider_message_ids);
  }
  return reports.map((r) => {
    const ids = new Set([r.providerId, r.ref].filter((id): id is string => id !== undefined));
    const ref = OUR_REF.exec(r.ref ?? '')?.[1];
    const known = ref !== undefined ? byId.get(Number(ref)) : r.providerId !== undefined ? byPmid.get(r.providerId) : undefined;
    for (const id of known ?? []) ids.add(id);
    return [...ids];
  });
}

/**
 * The callback route of one gateway, at `path` under the plugin's prefix. `provider` is the name
 * its messages are stored under.
 */
export function httpSmsCallbackRoute(o: { db: Kysely<DB>; failure: FailureContext; cfg: HttpSmsConfig; provider: string; path: string }): FastifyPluginAsync {
  const { cfg, provider } = o;
  // A burst of reports shares transactions, as SMPP receipts do.
  const record = receiptRecorder(o.db, o.failure);
  return async (app) => {
    // The signature covers the bytes as sent: every body is kept raw here and parsed after the check.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 1024 * 1024 }, (_req, body, done) => done(null, body));

    app.route<{ Querystring: Record<string, unknown> }>({
      // GET: gateways that report in the query of a fixed URL (token mode).
      method: ['GET', 'POST'],
      url: o.path,
      handler: async (req, reply) => {
        const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        if (!verifyCallback(cfg, { headers: req.headers, rawBody, query: req.query })) {
          throw new AppError('UNAUTHORIZED', 'The callback signature or token is not valid.');
        }
        const fields = req.method === 'GET' ? req.query : callbackFields(req.headers['content-type'], rawBody);
        // Refused here, alone: reports are stored in groups, and one the database cannot store would fail the others with it.
        const bad = unstorableField(fields, 'body');
        if (bad !== null) throw new AppError('BAD_REQUEST', `${bad}: contains a NUL character or invalid Unicode`, { field: bad });
        const reports = parseCallbacks(cfg, fields);
        // A report is kept even before its message is known (an early report), keyed by these ids:
        // no gateway's id comes near this, and a longer one would not fit the receipts' index.
        const long = reports.find((r) => (r.providerId?.length ?? 0) > MAX_REPORT_ID || (r.ref?.length ?? 0) > MAX_REPORT_ID);
        if (long) {
          const name = (long.providerId?.length ?? 0) > MAX_REPORT_ID ? cfg.callbackFields.providerId : cfg.callbackFields.ref;
          throw new AppError('VALIDATION_FAILED', `${name}: longer than ${MAX_REPORT_ID} characters`, { field: name });
        }
        const batch = cfg.callbackBatchPath !== undefined;
        if (batch && reports.length === 0) throw new AppError('VALIDATION_FAILED', `The callback has no ${cfg.callbackBatchPath} list of reports.`);
        const ids = await idsOfReports(o.db, provider, reports);
        if (!batch && (ids[0] ?? []).length === 0) throw new AppError('VALIDATION_FAILED', 'The status report names no message (neither our reference nor the gateway id).');
        // The token proves the sender; it is no part of the report and must not be stored with it.
        const raw = (i: number) =>
          batch ? JSON.stringify((fields[cfg.callbackBatchPath ?? ''] as unknown[] | undefined)?.[i] ?? null) : req.method === 'GET' ? JSON.stringify(Object.fromEntries(Object.entries(fields).filter(([k]) => k !== 'token'))) : rawBody.toString('utf8');
        const inputs: ReceiptInput[] = [];
        reports.forEach((report, i) => {
          for (const id of ids[i] ?? []) inputs.push({ provider, providerMessageId: id, status: RECEIPT_STATUS[report.status], error: report.detail ?? null, raw: raw(i) });
        });
        const results = await Promise.all(inputs.map((r) => record(r)));
        const recorded = results.filter((r) => !r.duplicate).length;
        if (cfg.callbackAnswer !== undefined) return reply.type('text/plain; charset=utf-8').send(cfg.callbackAnswer);
        if (batch) return reply.send({ reports: reports.length, unmatched: ids.filter((x) => x.length === 0).length, recorded });
        const matched = results.find((r) => r.messageId !== null)?.messageId ?? null;
        return reply.send({ status: RECEIPT_STATUS[reports[0]?.status ?? 'unknown'], recorded, messageId: matched });
      },
    });
  };
}
