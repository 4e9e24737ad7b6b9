// Delivery states fetched from a gateway's status endpoint, for gateways that report only when
// asked. Run by the worker process at the configured interval: each round asks about the sent
// messages that have waited longest, a batch per request, and stores the final states of a batch
// in one transaction through the same receipt path as callbacks (idempotent: a state stored twice
// is one receipt). A message with a final state leaves 'sent' and is never asked about again.
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { FailureContext } from '../outbox/fallback.js';
import { recordReceipts, type ReceiptInput } from '../outbox/receipts.js';
import { httpSmsRef, RECEIPT_STATUS } from './callback-route.js';
import { mapStatus } from './callback.js';
import { requestFormat, type HttpSmsConfig } from './config.js';
import { accountValues, excerpt, httpRequest, HttpSmsError } from './gateway.js';
import { scalarText, valueAtPath } from './json-path.js';
import { render, type Template } from './template.js';

export interface PollResult {
  /** Messages asked about. */
  asked: number;
  /** Final states stored (receipts new to the database). */
  recorded: number;
}

// Rounds of one run: a long backlog is worked through over several runs, not in one long loop.
const MAX_BATCHES_PER_RUN = 20;

interface Awaiting {
  id: number;
  provider_message_ids: string[];
}

/** Takes the next batch due: marks it asked (next ask one interval later) and returns it. */
async function claimDue(db: Kysely<DB>, provider: string, cfg: NonNullable<HttpSmsConfig['poll']>, now: Date): Promise<Awaiting[]> {
  const interval = cfg.intervalSeconds * 1000;
  const next = new Date(now.getTime() + interval);
  const oldest = new Date(now.getTime() - cfg.maxAgeHours * 3_600_000);
  const firstAsk = new Date(now.getTime() - interval);
  // SKIP LOCKED: two workers polling at once take different messages. NO KEY UPDATE, as the
  // receipt path takes, so a receipt being stored for one of them does not wait for this.
  const r = await sql<Awaiting>`
    WITH due AS (
      SELECT o.id, o.provider_message_ids FROM outbox_messages o LEFT JOIN http_sms_polls p ON p.message_id = o.id
      WHERE o.provider = ${provider} AND o.status = 'sent' AND o.sent_at > ${oldest}
        AND coalesce(p.next_poll_at, o.sent_at + (${interval} * interval '1 millisecond')) <= ${now}
        AND (p.next_poll_at IS NOT NULL OR o.sent_at <= ${firstAsk})
      ORDER BY coalesce(p.next_poll_at, o.sent_at), o.id
      LIMIT ${cfg.batchSize}
      FOR NO KEY UPDATE OF o SKIP LOCKED
    ), marked AS (
      INSERT INTO http_sms_polls (message_id, next_poll_at, polls) SELECT id, ${next}, 1 FROM due
      ON CONFLICT (message_id) DO UPDATE SET next_poll_at = excluded.next_poll_at, polls = http_sms_polls.polls + 1
    )
    SELECT id, provider_message_ids FROM due ORDER BY id`.execute(db);
  return r.rows.map((x) => ({ id: Number(x.id), provider_message_ids: x.provider_message_ids }));
}

/** Asks the gateway about one batch and stores the final states it gives, in one transaction. */
async function pollBatch(db: Kysely<DB>, ctx: FailureContext, cfg: HttpSmsConfig, provider: string, batch: Awaiting[], fetchImpl: typeof fetch): Promise<number> {
  const poll = cfg.poll;
  if (poll === undefined) return 0;
  const refs = batch.map((m) => httpSmsRef(m.id));
  const providerIds = batch.flatMap((m) => m.provider_message_ids.filter((id) => !refs.includes(id)));
  const values = { ...accountValues(cfg), refs, provider_ids: providerIds };
  const body = render(poll.bodyTemplate as Template, values);
  const { res, text } = await httpRequest(
    { url: poll.url, method: poll.method, format: requestFormat(poll), authHeader: poll.authHeader ?? cfg.authHeader, body, values, timeoutMs: cfg.timeoutMs },
    fetchImpl,
  );
  if (res.status < 200 || res.status > 299) throw new HttpSmsError(`status endpoint answered ${res.status}: ${excerpt(text)}`, { kind: 'transient', outcome: 'rejected', status: res.status });
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    throw new HttpSmsError(`status endpoint answer is not JSON: ${excerpt(text)}`, { kind: 'transient', outcome: 'rejected', status: res.status });
  }
  if (cfg.codePath !== undefined) {
    const code = scalarText(valueAtPath(json, cfg.codePath));
    if (code !== undefined && !cfg.acceptedCodes.includes(code)) throw new HttpSmsError(`status endpoint refused the request with code ${code}: ${excerpt(text)}`, { kind: 'transient', outcome: 'rejected', status: res.status, code });
  }
  const results = valueAtPath(json, poll.resultsPath);
  if (!Array.isArray(results)) throw new HttpSmsError(`status endpoint answer has no ${poll.resultsPath} list: ${excerpt(text)}`, { kind: 'transient', outcome: 'rejected', status: res.status });
  const byRef = new Map(batch.map((m) => [httpSmsRef(m.id), m]));
  const byPmid = new Map(batch.flatMap((m) => m.provider_message_ids.map((id) => [id, m] as const)));
  const map = poll.statusMap ?? cfg.callbackStatusMap;
  const receipts: ReceiptInput[] = [];
  for (const r of results) {
    const ref = poll.refPath === undefined ? undefined : scalarText(valueAtPath(r, poll.refPath));
    const pmid = poll.providerIdPath === undefined ? undefined : scalarText(valueAtPath(r, poll.providerIdPath));
    const m = (ref !== undefined ? byRef.get(ref) : undefined) ?? (pmid !== undefined ? byPmid.get(pmid) : undefined);
    const word = scalarText(valueAtPath(r, poll.statusPath))?.trim();
    if (m === undefined || word === undefined || word === '') continue;
    const status = mapStatus(map, word);
    // Only final states are stored: a message still on its way is simply asked about again.
    if (status !== 'delivered' && status !== 'failed') continue;
    const reason = poll.detailPath === undefined ? undefined : scalarText(valueAtPath(r, poll.detailPath));
    const error = [word, reason].filter((s) => s !== undefined && s !== '').join(': ');
    const ids = m.provider_message_ids.length > 0 ? m.provider_message_ids : [httpSmsRef(m.id)];
    for (const id of ids) receipts.push({ provider, providerMessageId: id, status: RECEIPT_STATUS[status], error, raw: JSON.stringify(r), messageId: m.id });
  }
  const stored = await recordReceipts(db, receipts, ctx);
  return stored.filter((s) => !s.duplicate).length;
}

/**
 * One round of polling for one gateway: batches of the messages due to be asked about, until none
 * is due (at most MAX_BATCHES_PER_RUN). A failed request leaves its batch for the next interval.
 */
export async function pollHttpGateway(
  db: Kysely<DB>,
  ctx: FailureContext,
  cfg: HttpSmsConfig,
  o: { provider: string; fetchImpl?: typeof fetch; now?: () => Date },
): Promise<PollResult> {
  const out: PollResult = { asked: 0, recorded: 0 };
  if (cfg.poll === undefined) return out;
  for (let round = 0; round < MAX_BATCHES_PER_RUN; round++) {
    const batch = await claimDue(db, o.provider, cfg.poll, o.now?.() ?? new Date());
    if (batch.length === 0) break;
    out.asked += batch.length;
    out.recorded += await pollBatch(db, ctx, cfg, o.provider, batch, o.fetchImpl ?? fetch);
    if (batch.length < cfg.poll.batchSize) break;
  }
  return out;
}
