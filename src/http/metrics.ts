// GET /metrics in the Prometheus text format (0.0.4): HTTP requests counted in this process, and
// the state of the shared database (queue depth, messages of the last day, provider answers and
// latency of the last 15 minutes, the last daily run), read at most once every few seconds. It is
// served on a listener of its own (METRICS_HOST, loopback by default), never on the public port:
// it needs no key, and each fresh read runs several aggregate queries.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { queueNow, contactsNeedingAttention } from '../backoffice/reports.js';
import { latencyBuckets, providerStats, waitingForProvider } from '../backoffice/provider-stats.js';
import { smsProviderOverview } from '../delivery/sms-providers/overview.js';
import type { AppDeps } from './server.js';

type Labels = Record<string, string>;

export interface Sample {
  labels?: Labels;
  value: number;
  /** A histogram's series: _bucket, _sum or _count. */
  suffix?: '_bucket' | '_sum' | '_count';
}

export interface Metric {
  name: string;
  help: string;
  type: 'gauge' | 'counter' | 'histogram';
  samples: Sample[];
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

function line(name: string, s: Sample): string {
  const labels = Object.entries(s.labels ?? {});
  const value = Number.isFinite(s.value) ? String(s.value) : s.value > 0 ? '+Inf' : s.value < 0 ? '-Inf' : 'NaN';
  return `${name}${labels.length ? `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : ''} ${value}`;
}

export function exposition(metrics: readonly Metric[]): string {
  const out: string[] = [];
  for (const m of metrics) {
    out.push(`# HELP ${m.name} ${m.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${m.name} ${m.type}`);
    for (const s of m.samples) out.push(line(`${m.name}${s.suffix ?? ''}`, s));
  }
  return `${out.join('\n')}\n`;
}

const LATENCY_BOUNDS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const REQUEST_BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function histogram(name: string, help: string, rows: Array<{ labels: Labels; counts: number[]; count: number; sum: number }>, bounds: readonly number[]): Metric {
  const samples: Sample[] = [];
  for (const r of rows) {
    bounds.forEach((b, i) => samples.push({ labels: { ...r.labels, le: String(b) }, value: r.counts[i] ?? 0, suffix: '_bucket' }));
    samples.push({ labels: { ...r.labels, le: '+Inf' }, value: r.count, suffix: '_bucket' });
    samples.push({ labels: r.labels, value: r.sum, suffix: '_sum' });
    samples.push({ labels: r.labels, value: r.count, suffix: '_count' });
  }
  return { name, help, type: 'histogram', samples };
}

async function databaseMetrics(deps: AppDeps, now: Date): Promise<Metric[]> {
  const db = deps.database.db;
  const queue = await queueNow(db, now);
  const day = await sql<{ channel: string; status: string; n: number }>`
    SELECT channel, status, count(*)::int AS n FROM outbox_messages WHERE created_at >= ${new Date(now.getTime() - 86_400_000)} GROUP BY 1, 2 ORDER BY 1, 2`.execute(db);
  const since = new Date(now.getTime() - 15 * 60_000);
  const providers = await providerStats(db, since);
  const buckets = await latencyBuckets(db, since, LATENCY_BOUNDS);
  const run = await db
    .selectFrom('dunning_runs')
    .select(['trigger', 'started_at', 'finished_at', 'notices_created', 'overdue_customers', 'sms_segments'])
    .where('finished_at', 'is not', null)
    .orderBy('finished_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  const waiting = await db.selectFrom('dunning_run_approvals').select((eb) => eb.fn.countAll<string>().as('n')).where('decision', 'is', null).executeTakeFirstOrThrow();
  const attention = await contactsNeedingAttention(db);
  const unprovided = await waitingForProvider(db, deps.config);
  const sms = deps.config.sandbox ? [] : await smsProviderOverview(db, deps.config.delivery.smsProviders, now);
  const runLabels = { trigger: run?.trigger ?? 'none' };
  return [
    {
      name: 'izvestie_outbox_queue_depth',
      help: 'Messages waiting in the outbox now, by channel and state (due: may be sent now; scheduled: waiting for quiet hours or a retry; sending: claimed by a worker).',
      type: 'gauge',
      samples: queue.flatMap((q) => [
        { labels: { channel: q.channel, state: 'due' }, value: q.due },
        { labels: { channel: q.channel, state: 'scheduled' }, value: q.later },
        { labels: { channel: q.channel, state: 'sending' }, value: q.sending },
      ]),
    },
    {
      name: 'izvestie_outbox_oldest_due_age_seconds',
      help: 'How long the oldest message that may be sent now has been waiting, by channel (0: none).',
      type: 'gauge',
      samples: queue.map((q) => ({ labels: { channel: q.channel }, value: q.oldestDue ? Math.max(0, (now.getTime() - q.oldestDue.getTime()) / 1000) : 0 })),
    },
    { name: 'izvestie_messages_last_24h', help: 'Messages created in the last 24 hours, by channel and current status.', type: 'gauge', samples: day.rows.map((r) => ({ labels: { channel: r.channel, status: r.status }, value: r.n })) },
    {
      name: 'izvestie_provider_attempts_last_15m',
      help: 'Send attempts finished in the last 15 minutes, by provider and outcome.',
      type: 'gauge',
      samples: providers.flatMap((p) => (['accepted', 'transient', 'permanent', 'unknown'] as const).map((o) => ({ labels: { provider: p.provider, outcome: o }, value: p[o] }))),
    },
    histogram('izvestie_provider_latency_seconds', 'Time from the start of a send attempt to the provider’s answer, attempts finished in the last 15 minutes.', buckets.map((b) => ({ labels: { provider: b.provider }, counts: b.counts, count: b.count, sum: b.sum })), LATENCY_BOUNDS),
    { name: 'izvestie_dunning_run_duration_seconds', help: 'Duration of the last finished daily run.', type: 'gauge', samples: run?.finished_at ? [{ labels: runLabels, value: (run.finished_at.getTime() - run.started_at.getTime()) / 1000 }] : [] },
    { name: 'izvestie_dunning_run_last_finished_timestamp_seconds', help: 'When the last daily run finished (Unix time).', type: 'gauge', samples: run?.finished_at ? [{ labels: runLabels, value: run.finished_at.getTime() / 1000 }] : [] },
    { name: 'izvestie_dunning_run_notices', help: 'Notices created by the last finished daily run.', type: 'gauge', samples: run ? [{ labels: runLabels, value: run.notices_created }] : [] },
    { name: 'izvestie_dunning_runs_awaiting_approval', help: 'Daily runs waiting for a supervisor to approve them.', type: 'gauge', samples: [{ value: Number(waiting.n) }] },
    {
      name: 'izvestie_messages_waiting_no_provider',
      help: 'Queued messages of a channel that has no provider configured (and no sandbox): nothing sends them until one is set.',
      type: 'gauge',
      // Both channels always, 0 when provided, so an alert on > 0 never sees its series vanish.
      samples: (['sms', 'email'] as const).map((channel) => ({ labels: { channel }, value: unprovided.find((u) => u.channel === channel)?.waiting ?? 0 })),
    },
    {
      name: 'izvestie_sms_provider_healthy',
      help: 'Whether an SMS provider takes new messages, as a worker last reported (1 healthy, 0 unhealthy; absent until a worker has reported), with its place in the priority order.',
      type: 'gauge',
      samples: sms.flatMap((p) => (p.health === null ? [] : [{ labels: { provider: p.settings.name, order: String(p.order) }, value: p.health.healthy ? 1 : 0 }])),
    },
    {
      name: 'izvestie_sms_provider_traffic_share_last_hour',
      help: 'Share (0-1) of the SMS send attempts of the last hour that went to each SMS provider.',
      type: 'gauge',
      samples: sms.map((p) => ({ labels: { provider: p.settings.name }, value: p.lastHour.share })),
    },
    {
      name: 'izvestie_sms_provider_attempts_today',
      help: 'SMS send attempts finished today (Europe/Sofia) per provider, by result (accepted or failed).',
      type: 'gauge',
      samples: sms.flatMap((p) => [
        { labels: { provider: p.settings.name, result: 'accepted' }, value: p.today.accepted },
        { labels: { provider: p.settings.name, result: 'failed' }, value: p.today.attempts - p.today.accepted },
      ]),
    },
    { name: 'izvestie_sms_provider_rate_limit', help: 'Configured sends per second per worker process of each SMS provider.', type: 'gauge', samples: sms.map((p) => ({ labels: { provider: p.settings.name }, value: p.settings.rate })) },
    { name: 'izvestie_contacts_needing_attention', help: 'Active contacts flagged after repeated permanent delivery failures.', type: 'gauge', samples: [{ value: attention.total }] },
  ];
}

type Requests = Map<string, { labels: Labels; count: number; counts: number[]; sum: number }>;

const counted = new WeakMap<FastifyInstance, { deps: AppDeps; requests: Requests }>();

/** Counts the app's requests. Register it on the root app before the other routes, so that its hook sees every request. */
export function countRequests(app: FastifyInstance, deps: AppDeps): void {
  const requests: Requests = new Map();
  counted.set(app, { deps, requests });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? '(unmatched)';
    const labels = { method: req.method, route, status: String(reply.statusCode) };
    const key = JSON.stringify(labels);
    const seconds = reply.elapsedTime / 1000;
    const r = requests.get(key) ?? { labels, count: 0, counts: REQUEST_BOUNDS.map(() => 0), sum: 0 };
    r.count += 1;
    r.sum += seconds;
    REQUEST_BOUNDS.forEach((b, i) => {
      if (seconds <= b) r.counts[i] = (r.counts[i] ?? 0) + 1;
    });
    requests.set(key, r);
  });
}

/**
 * The listener of GET /metrics for an app built by buildServer: its request counters, and the
 * database's figures kept for `cacheMs` (scrapes meanwhile, concurrent ones too, share one read).
 */
export function buildMetricsServer(app: FastifyInstance, opts: { cacheMs?: number; now?: () => Date } = {}): FastifyInstance {
  const source = counted.get(app);
  if (!source) throw new Error('buildMetricsServer needs an app whose requests are counted (countRequests)');
  const { deps, requests } = source;
  const { cacheMs = 5000, now = () => new Date() } = opts;
  let cached: { at: number; metrics: Promise<Metric[]> } | undefined;
  const fromDatabase = (): Promise<Metric[]> => {
    const at = performance.now();
    if (cached === undefined || at - cached.at >= cacheMs) {
      const read = { at, metrics: databaseMetrics(deps, now()) };
      // A failed read is not kept: the next scrape tries again.
      read.metrics.catch(() => {
        if (cached === read) cached = undefined;
      });
      cached = read;
    }
    return cached.metrics;
  };
  const server = Fastify({ loggerInstance: deps.logger as FastifyBaseLogger });
  server.get('/metrics', async (_req, reply) => {
    const memory = process.memoryUsage();
    const metrics: Metric[] = [
      histogram('izvestie_http_request_duration_seconds', 'HTTP requests answered by this process, by method, route and status.', [...requests.values()], REQUEST_BOUNDS),
      { name: 'process_resident_memory_bytes', help: 'Resident memory of this process.', type: 'gauge', samples: [{ value: memory.rss }] },
      { name: 'nodejs_heap_used_bytes', help: 'V8 heap in use.', type: 'gauge', samples: [{ value: memory.heapUsed }] },
      { name: 'process_uptime_seconds', help: 'Seconds since this process started.', type: 'gauge', samples: [{ value: process.uptime() }] },
      ...(await fromDatabase()),
    ];
    return reply.header('cache-control', 'no-store').type('text/plain; version=0.0.4; charset=utf-8').send(exposition(metrics));
  });
  return server;
}
