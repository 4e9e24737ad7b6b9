// The composition root: everything a process needs, built once from the frozen config. The CLI's
// commands, the HTTP routes, the worker, the scheduler and the bounce receiver get their pieces
// from here and nowhere else: one renderer (with the templates in force), one guard map, one
// failure context (fallback), so what staff configure is what every path uses.
import type { Config } from '../config.js';
import { appSecret } from '../db/app-secret.js';
import type { Database } from '../db/open.js';
import type { GuardMap } from '../delivery/guards.js';
import type { FailureContext } from '../delivery/outbox/fallback.js';
import type { Renderer } from '../delivery/outbox/message.js';
import type { SiteVars } from '../delivery/text/site-variables.js';
import type { TemplateSource } from '../delivery/render.js';
import { unsubscribeToken } from '../delivery/unsubscribe-token.js';
import { noticeGuards } from '../dunning/stop-notices.js';
import { lifecycleGuards } from '../dunning/lifecycle/guards.js';
import type { Logger } from '../log.js';
import { templateCache, type TemplateCache } from '../backoffice/templates-store.js';
import { verificationCodeGuard } from '../portal/code-guard.js';
import { messageRenderer } from './renderer.js';
import { siteVars } from './site-vars.js';

export interface Root {
  readonly config: Config;
  readonly logger: Logger;
  readonly database: Database;
  /** The templates in force: the back office's newest versions, else the shipped ones. */
  readonly templates: TemplateCache;
  /** The utility's template variables from its settings: the renderer's, and the portal's and the counter's own messages'. */
  readonly siteVars: SiteVars;
  /** Renders any message kind for any channel with the templates in force. */
  readonly render: Renderer;
  /** The same renderer over other templates: the editor previews a draft exactly as it would be sent. */
  renderWith(templates: TemplateSource): Renderer;
  /** Asked right before a message is sent or printed, by message kind. */
  readonly guards: GuardMap;
  /** The RFC 8058 one-click unsubscribe link of a subscription (its token is signed with a secret kept in the database). */
  unsubscribeUrl(subscriptionId: number): string;
  /** Failing a message for good, wherever it is learnt: hard-failure count and the fallback chain. */
  readonly failure: FailureContext;
}

/** Builds the root over an open, migrated database; the templates in force are loaded before it returns. */
export async function assemble(config: Config, logger: Logger, database: Database): Promise<Root> {
  const secret = await appSecret(database, 'unsubscribe');
  const unsubscribeUrl = (id: number) => `${config.http.publicUrl}/u/${unsubscribeToken(secret, id)}`;
  const site = siteVars(config);
  const options = { publicUrl: config.http.publicUrl, unsubscribeUrl, siteVars: site, payment: config.payment };
  const templates = templateCache(database.db);
  await templates.refresh();
  const render = messageRenderer(templates.source, options);
  return Object.freeze({
    config,
    logger,
    database,
    templates,
    siteVars: site,
    render,
    unsubscribeUrl,
    renderWith: (source: TemplateSource) => messageRenderer(source, options),
    guards: Object.freeze({ ...noticeGuards, ...lifecycleGuards, verification_code: verificationCodeGuard }),
    failure: Object.freeze({ render, hardFailureThreshold: config.delivery.hardFailureThreshold }),
  });
}
