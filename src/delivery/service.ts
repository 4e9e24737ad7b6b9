import type { Config } from '../config.js';
import type { Database } from '../db/open.js';
import type { Logger } from '../log.js';
import { templateRenderer } from './render.js';
import type { Renderer } from './outbox/message.js';
import { noticeRenderer } from '../dunning/render.js';
import { isNoticeKind } from '../dunning/policy.js';
import { buildChannels, deliveryConfigFrom, failureContext } from './setup.js';
import { Worker } from './worker.js';
import { guards } from './guards.js';
import { registerNoticeGuards } from '../dunning/stop-notices.js';
// Registers the verification-code guard.
import '../portal/code-guard.js';

/** Every kind's texts: overdue notices from their payload (dunning), the rest from template variables. */
export function messageRenderer(config: Config): Renderer {
  const notices = noticeRenderer(config.http.publicUrl);
  const others = templateRenderer();
  return (kind, channel, lang, payload) => (isNoticeKind(kind) ? notices : others)(kind, channel, lang, payload);
}

/** The delivery worker with the configured channels (sandbox for a channel without a provider). */
export async function createWorker(config: Config, database: Database, logger: Logger): Promise<Worker> {
  // Overdue notices are checked again right before sending: still unpaid above the minimum, no hold.
  if (!guards.overdue_reminder) registerNoticeGuards();
  const render = messageRenderer(config);
  const channels = await buildChannels(config, database, logger, failureContext(config, render));
  return new Worker({ db: database.db, channels, config: deliveryConfigFrom(config), render, logger: logger.child({ component: 'worker' }) });
}
