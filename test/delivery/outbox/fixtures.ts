// Shared pieces of the outbox and worker tests: real Channel objects with scripted outcomes, a
// movable clock, seed data and a small renderer.
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../../src/db/schema.js';
import type { Channel, OutboxMessage, SendResult } from '../../../src/delivery/channels/types.js';
import { defaultDeliveryConfig, type DeliveryConfig } from '../../../src/delivery/config.js';
import type { Renderer } from '../../../src/delivery/outbox/message.js';
import { Worker, type WorkerOptions } from '../../../src/delivery/worker.js';

export async function resetData(db: Kysely<DB>): Promise<void> {
  await sql`TRUNCATE delivery_receipts, message_attempts, outbox_messages, subscriptions, invoices, customers CASCADE`.execute(db);
}

export interface Clock {
  now: () => Date;
  set(iso: string): void;
  advance(ms: number): void;
}

/** 10:00 in Sofia (UTC+2 in March), years ahead of the real clock, so rows enqueued at now() are due. */
export function clock(iso = '2030-03-12T08:00:00Z'): Clock {
  let t = new Date(iso).getTime();
  return {
    now: () => new Date(t),
    set: (s) => {
      t = new Date(s).getTime();
    },
    advance: (ms) => {
      t += ms;
    },
  };
}

export const testConfig = (over: Partial<DeliveryConfig> = {}): DeliveryConfig => ({
  ...defaultDeliveryConfig,
  pollIntervalMs: 10,
  leaseSeconds: 60,
  batchSize: 50,
  retryBaseDelayMs: 60_000,
  retryMaxDelayMs: 3_600_000,
  maxRetryAgeMs: 10 * 60_000,
  pacing: {},
  defaultPacing: { ratePerSecond: 100_000, window: 20 },
  ...over,
});

export const render: Renderer = (kind, channel, lang, payload) => ({
  ...(channel === 'email' ? { subject: `${kind} (${lang})`, html: `<p>${kind}</p>` } : {}),
  body: `${kind} ${channel} ${lang} ${JSON.stringify(payload)}`,
});

export type Behaviour = (msg: OutboxMessage, nth: number) => Promise<SendResult> | SendResult;

export interface TestChannel extends Channel {
  /** Every send, in order. */
  readonly sends: OutboxMessage[];
  /** The most sends that were in flight at once. */
  readonly maxInFlight: number;
}

/** A real channel whose answers the test scripts; nth counts this message's sends from 1. */
export function testChannel(channel: 'sms' | 'email', behave?: Behaviour, name = `test-${channel}`): TestChannel {
  const sends: OutboxMessage[] = [];
  const perMessage = new Map<number, number>();
  let inFlight = 0;
  let maxInFlight = 0;
  return {
    name,
    channel,
    sends,
    get maxInFlight() {
      return maxInFlight;
    },
    async send(msg) {
      sends.push(msg);
      const nth = (perMessage.get(msg.id) ?? 0) + 1;
      perMessage.set(msg.id, nth);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        return behave ? await behave(msg, nth) : { providerMessageIds: [`${name}-${msg.id}`], answer: 'OK' };
      } finally {
        inFlight--;
      }
    },
  };
}

/** Drains with a worker on test channels; no guards unless the test gives some. */
export async function drain(opts: Omit<WorkerOptions, 'render' | 'config' | 'guards'> & Partial<Pick<WorkerOptions, 'render' | 'config' | 'guards'>>): Promise<Worker> {
  const w = new Worker({ render, config: testConfig(), guards: {}, ...opts });
  try {
    await w.drain();
  } finally {
    await w.stop();
  }
  return w;
}

export interface Seeded {
  customerNumber: string;
  smsId: number | null;
  emailId: number | null;
  phone: string;
  email: string;
}

/** A customer with a postal address and, as asked, an active phone and email. */
export async function seedCustomer(db: Kysely<DB>, n: number, contacts: { sms?: boolean; email?: boolean; lang?: 'bg' | 'en' } = { sms: true, email: true }): Promise<Seeded> {
  const customerNumber = String(3_000_000_000 + n);
  const phone = `+359888${String(n).padStart(6, '0')}`;
  const email = `client${n}@example.bg`;
  await db
    .insertInto('customers')
    .values({ customer_number: customerNumber, name: `Клиент ${n}`, street: 'ул. Шипка 5', town: 'Варна', postcode: '9000', customer_class: 'household' })
    .execute();
  const sub = async (channel: 'sms' | 'email', address: string) =>
    (
      await db
        .insertInto('subscriptions')
        .values({ customer_number: customerNumber, channel, address, status: 'active', verified_at: new Date(), source: 'online', consent_version: 'v1', consent_at: new Date(), lang: contacts.lang ?? 'bg' })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  return {
    customerNumber,
    phone,
    email,
    smsId: contacts.sms ? await sub('sms', phone) : null,
    emailId: contacts.email ? await sub('email', email) : null,
  };
}

export const messageById = (db: Kysely<DB>, id: number) => db.selectFrom('outbox_messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

export const attemptsOf = (db: Kysely<DB>, id: number) =>
  db.selectFrom('message_attempts').selectAll().where('message_id', '=', id).orderBy('attempt').execute();

export const byKey = (db: Kysely<DB>, key: string) => db.selectFrom('outbox_messages').selectAll().where('business_key', '=', key).executeTakeFirst();
