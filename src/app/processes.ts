// The long-running processes, assembled from the root: `izvestie start` (web, worker, daily run,
// bounce receiver) and `izvestie worker` (sending only). Each piece is started here and stopped
// here, in reverse order: no plugin or module starts a timer of its own.
import type { FastifyInstance } from 'fastify';
import { purgeSessions } from '../backoffice/sessions.js';
import { startBounceReceiver } from '../delivery/bounces.js';
import { pollHttpGateway } from '../delivery/http-sms/poll.js';
import { linkWaitingReceipts } from '../delivery/outbox/receipts.js';
import { viberChores } from '../delivery/viber/chores.js';
import { DunningScheduler } from '../dunning/scheduler.js';
import { buildMetricsServer } from '../http/metrics.js';
import { buildServer } from '../http/server.js';
import { portalHousekeeping } from '../portal/housekeeping.js';
import { Housekeeping, type Chore } from './housekeeping.js';
import type { Root } from './root.js';
import { createWorker } from './worker.js';

// A template saved in any process is used by every other one within this long.
const TEMPLATE_REFRESH_MS = 2000;
const HOUSEKEEPING_MS = 10 * 60_000;
const RECEIPT_SWEEP_MS = 5 * 60_000;

export interface Running {
  /** The HTTP port listened on (null: no web server in this process). */
  readonly port: number | null;
  /** The port of GET /metrics (null: none in this process). */
  readonly metricsPort: number | null;
  readonly app: FastifyInstance | null;
  stop(): Promise<void>;
}

function templateChore(root: Root): Chore {
  return { name: 'template refresh', everyMs: TEMPLATE_REFRESH_MS, run: () => root.templates.refresh() };
}

/** Receipts the send's own record could not link (see linkWaitingReceipts). */
function receiptChore(root: Root): Chore {
  return { name: 'receipt sweep', everyMs: RECEIPT_SWEEP_MS, run: () => linkWaitingReceipts(root.database.db, root.failure) };
}

/** Delivery states of an HTTP gateway that reports only when asked (its status endpoint), polled by the worker. */
function gatewayPollChores(root: Root): Chore[] {
  const gateway = root.config.delivery.httpSms;
  const poll = gateway?.options.poll;
  if (!gateway || !poll || root.config.sandbox) return [];
  return [{ name: 'HTTP SMS status poll', everyMs: poll.intervalSeconds * 1000, run: () => pollHttpGateway(root.database.db, root.failure, gateway.options, { provider: 'http-sms' }) }];
}

function webChores(root: Root): Chore[] {
  const { db } = root.database;
  return [
    { name: 'portal housekeeping', everyMs: HOUSEKEEPING_MS, run: () => portalHousekeeping(db, new Date()) },
    { name: 'staff session housekeeping', everyMs: HOUSEKEEPING_MS, run: () => purgeSessions(db, root.config.backoffice, new Date()) },
  ];
}

export function createScheduler(root: Root): DunningScheduler {
  const { config } = root;
  return new DunningScheduler({
    db: root.database.db,
    runAt: config.dunning.runAt,
    workingDaysOnly: config.dunning.workingDaysOnly,
    render: root.render,
    smsPricePerSegmentMinor: config.delivery.smsPricePerSegmentMinor,
    viberPricePerMessageMinor: config.delivery.viber?.pricePerMessageMinor ?? 0,
    approval: config.backoffice.runApproval,
    logger: root.logger,
  });
}

function boundPort(app: FastifyInstance, configured: number): number {
  const address = app.server.address();
  return typeof address === 'object' && address ? address.port : configured;
}

/** `izvestie start`: the web server, a worker, the daily run's scheduler and the bounce receiver. */
export async function startAll(root: Root): Promise<Running> {
  const { config } = root;
  const chores = new Housekeeping([templateChore(root), receiptChore(root), ...gatewayPollChores(root), ...viberChores({ db: root.database.db, failure: root.failure, viber: root.config.delivery.viber, sandbox: root.config.sandbox }), ...webChores(root)], root.logger);
  const worker = createWorker(root);
  const scheduler = createScheduler(root);
  chores.start();
  await worker.start();
  const bounces = await startBounceReceiver(root);
  scheduler.start();
  const app = await buildServer(root);
  await app.listen({ host: config.http.host, port: config.http.port });
  const metrics = buildMetricsServer(app);
  await metrics.listen({ host: config.metrics.host, port: config.metrics.port });
  return {
    port: boundPort(app, config.http.port),
    metricsPort: boundPort(metrics, config.metrics.port),
    app,
    async stop() {
      await metrics.close();
      await app.close();
      await scheduler.stop();
      await bounces?.stop();
      await worker.stop();
      await chores.stop();
    },
  };
}

/** `izvestie worker`: sending only (any number of them may share one PostgreSQL). */
export async function startWorker(root: Root): Promise<Running & { workerId: string }> {
  const chores = new Housekeeping([templateChore(root), receiptChore(root), ...gatewayPollChores(root), ...viberChores({ db: root.database.db, failure: root.failure, viber: root.config.delivery.viber, sandbox: root.config.sandbox })], root.logger);
  const worker = createWorker(root);
  chores.start();
  await worker.start();
  return {
    port: null,
    metricsPort: null,
    app: null,
    workerId: worker.id,
    async stop() {
      await worker.stop();
      await chores.stop();
    },
  };
}
