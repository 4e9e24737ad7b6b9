// The delivery worker as production builds it (configuration → channel adapters → Worker), for
// end-to-end tests against the SMSC simulator and the SMTP sink on loopback.
import type { Kysely } from 'kysely';
import { loadConfig, type Config } from '../../src/config.js';
import type { Database } from '../../src/db/open.js';
import type { DB } from '../../src/db/schema.js';
import type { DeliveryConfig } from '../../src/delivery/config.js';
import { assemble } from '../../src/app/root.js';
import { createWorker } from '../../src/app/worker.js';
import type { Worker } from '../../src/delivery/worker.js';
import type { NoticePayload } from '../../src/dunning/render.js';
import { silentLogger } from '../../src/log.js';
import { seedCustomer, type Seeded } from '../delivery/outbox/fixtures.js';

/** A kind with neither a guard nor a template: messages of it carry their own body. */
export const TEXT_KIND = 'e2e_text';

/** Settings every e2e test shares: no quiet hours, an https public URL (RFC 8058 links need one). */
export function e2eConfig(env: Record<string, string>): Config {
  return loadConfig({ SMS_QUIET_HOURS: 'off', PUBLIC_URL: 'https://izvestie.example.bg', EMAIL_DOMAIN: 'izvestie.example.bg', ...env });
}

/**
 * The worker the composition root builds, as `izvestie worker` does; `tune` shortens the retry
 * delays and poll interval, so a fault test sees retries within seconds.
 */
export async function e2eWorker(database: Database, env: Record<string, string>, tune: Partial<DeliveryConfig> = {}): Promise<Worker> {
  return createWorker(await assemble(e2eConfig(env), silentLogger, database), tune);
}

/** Retries within a second or two instead of after 15-30 s. */
export const quickRetries: Partial<DeliveryConfig> = { retryBaseDelayMs: 200, retryMaxDelayMs: 1000, pollIntervalMs: 50 };

/**
 * Polls an async check until it holds; throws after timeoutMs (generous: the machine is shared),
 * saying what was awaited and, from `state`, where things stood.
 */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string, state?: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${state ? `: ${await state()}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A customer (with the contacts asked for) owing one unpaid invoice of 45.20 EUR, and the payload
 * the daily run gives its overdue notices: the notice guard lets them through, the notice
 * renderer writes their texts.
 */
export async function seedOverdue(db: Kysely<DB>, n: number, contacts: { sms?: boolean; email?: boolean } = { sms: true, email: true }): Promise<Seeded & { payload: Record<string, unknown> }> {
  const c = await seedCustomer(db, n, contacts);
  const invoice = `E2E-${n}`;
  await db.insertInto('invoices').values({ invoice_number: invoice, customer_number: c.customerNumber, issue_date: '2026-09-24', due_date: '2026-10-24', amount_minor: 4520, currency: 'EUR' }).execute();
  const payload: NoticePayload = {
    run_id: 1,
    stage: 'reminder',
    notified_on: '2026-11-24',
    customer_number: c.customerNumber,
    customer_name: `Клиент ${n}`,
    oldest_due_date: '2026-10-24',
    invoices: [invoice],
    total_eur_minor: 4520,
    total_bgn_minor: 8840,
    min_eur_minor: 100,
    disconnection_date: null,
    email_subscription_id: c.emailId,
  };
  return { ...c, payload: { ...payload } };
}
