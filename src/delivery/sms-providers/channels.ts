// Every configured SMS provider as a channel of its own (its own worker lane: pacing, in-flight
// window, journal, and the provider name on its attempts), routed by health and prefix: a lane
// claims only the messages its provider is to take now (routing.ts), and its provider's answers
// feed its health (health.ts), except refusals of the customer's number (blame.ts). Unhealthy
// providers are probed in the background.
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { Logger } from '../../log.js';
import { httpSmsChannel } from '../channels/http-sms.js';
import { smppChannel } from '../channels/smpp.js';
import { DeliveryError, type Channel } from '../channels/types.js';
import type { FailureContext } from '../outbox/fallback.js';
import { recipientRefusal } from './blame.js';
import { providerHealth, type HealthChange, type ProviderHealth } from './health.js';
import { routeShares, type RoutedProvider } from './routing.js';
import { httpSmsCallbackPath, type SmsFailoverSettings, type SmsProviderSettings } from './settings.js';
import { forgetStaleReports, reportHealth } from './state.js';

export interface SmsProviderDeps {
  db: Kysely<DB>;
  failure: FailureContext;
  logger: Logger;
  /** The public base of the delivery routes (…/api/v1/delivery): HTTP gateways post status reports under it. */
  deliveryUrl: string;
  failover: SmsFailoverSettings;
  /** SMPP pacing by parts, per process or shared by every worker of a bind; multi-part retry time. */
  smpp?: { rateScope: 'process' | 'shared'; reassemblyMs: number };
}

/** The provider's own channel, as one provider of SMS was before there could be several. */
function providerChannel(p: SmsProviderSettings, d: SmsProviderDeps): Channel {
  if (p.type === 'http') return httpSmsChannel(p.options, { name: p.name, callbackUrl: `${d.deliveryUrl}${httpSmsCallbackPath(p.name)}` });
  return smppChannel({
    name: p.name,
    url: p.url,
    sourceAddr: p.sourceAddr,
    window: p.window,
    responseTimeoutMs: 10_000,
    enquireLinkMs: 30_000,
    // Capped low: an SMSC back after an outage is found within seconds, not after a minute's back-off.
    reconnectMinMs: 1000,
    reconnectMaxMs: 5000,
    receiptTimeZone: p.receiptTimeZone,
    // The provider's rate counts submit_sm (parts); the worker's own bucket counts messages, never fewer.
    ratePerSecond: p.rate,
    ...(d.smpp ? { rateScope: d.smpp.rateScope, reassemblyMs: d.smpp.reassemblyMs } : {}),
    readyTimeoutMs: 5000,
    db: d.db,
    failure: d.failure,
    logger: d.logger.child({ provider: p.name }),
  });
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET']);

/** A refused or broken connection anywhere in the error's causes. */
function connectionFailure(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== undefined && CONNECTION_CODES.has(code)) return true;
  }
  return false;
}

/** An HTTP gateway is reachable when it answers anything at all to a HEAD request (no SMS, no cost). */
async function probeHttp(url: string, timeoutMs: number): Promise<string | null> {
  try {
    const res = await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await res.body?.cancel();
    return null;
  } catch (e) {
    return `probe of ${new URL(url).host} failed: ${(e as Error).message}`;
  }
}

/**
 * One channel per provider, in priority order. With one provider it behaves as that provider
 * alone always did (never put in standby); with several, the worker runs one lane per provider.
 */
export function smsProviderChannels(list: readonly SmsProviderSettings[], d: SmsProviderDeps): Channel[] {
  const worker = `${hostname()}:${process.pid}`;
  const log = d.logger.child({ component: 'sms-providers' });
  const inner = new Map(list.map((p) => [p.name, providerChannel(p, d)]));
  const report = (h: ProviderHealth, c: HealthChange) => {
    if (c.healthy) log.warn({ provider: c.provider, reason: c.reason }, 'SMS provider healthy again: it takes new messages in its turn');
    else log.error({ provider: c.provider, reason: c.reason }, 'SMS provider unhealthy: new messages go to the next healthy provider while it is probed');
    reportHealth(d.db, worker, c, h.lastError()).catch((err: unknown) => log.warn({ err, provider: c.provider }, 'could not store the provider health'));
  };
  const routed: RoutedProvider[] = list.map((p) => {
    const channel = inner.get(p.name) as Channel;
    const health: ProviderHealth = providerHealth({
      provider: p.name,
      settings: d.failover,
      ...(channel.available ? { connected: () => channel.available?.() !== false } : {}),
      onChange: (c) => report(health, c),
    });
    return { name: p.name, prefixes: p.prefixes, health };
  });
  const shareOf = (name: string) => routeShares(routed).get(name) ?? null;

  // The probes: while a provider is unhealthy, it is asked this often whether it can be reached.
  const probeMs = Math.min(5000, Math.max(200, Math.floor(d.failover.recoveryMs / 5)));
  let timer: NodeJS.Timeout | undefined;
  let started = 0;
  const probeAll = async () => {
    await Promise.all(
      list.map(async (p, i) => {
        const r = routed[i] as RoutedProvider;
        if (r.health.healthy()) return;
        if (p.type === 'smpp') return r.health.probed(r.health.connected(), r.health.connected() ? undefined : 'not bound');
        const error = await probeHttp(p.url, Math.min(5000, p.options.timeoutMs));
        r.health.probed(error === null, error ?? undefined);
      }),
    );
  };
  // Each provider's start() waits for its bind; once all have, what is not bound is down.
  const startProbes = () => {
    if (++started < list.length) return;
    forgetStaleReports(d.db, new Date(Date.now() - 7 * 86_400_000)).catch(() => undefined);
    for (const r of routed) {
      r.health.started();
      if (r.health.healthy()) reportHealth(d.db, worker, { provider: r.name, healthy: true, reason: 'worker started', at: new Date() }, null).catch(() => undefined);
    }
    const tick = () => {
      timer = setTimeout(() => {
        probeAll()
          .catch((err: unknown) => log.warn({ err }, 'probing the SMS providers failed'))
          .finally(() => {
            if (started >= list.length) tick();
          });
      }, probeMs);
      timer.unref();
    };
    tick();
  };
  const stopProbes = () => {
    started = 0;
    clearTimeout(timer);
  };

  return list.map((p, i) => {
    const channel = inner.get(p.name) as Channel;
    const { health } = routed[i] as RoutedProvider;
    return {
      name: p.name,
      channel: 'sms',
      available: () => shareOf(p.name) !== null,
      recipients: () => shareOf(p.name),
      ...(channel.receiptsInto ? { receiptsInto: channel.receiptsInto.bind(channel) } : {}),
      async start() {
        await channel.start?.();
        startProbes();
      },
      async stop() {
        stopProbes();
        await channel.stop?.();
      },
      async send(msg) {
        try {
          const r = await channel.send(msg);
          health.record(true);
          return r;
        } catch (e) {
          const text = e instanceof Error ? e.message : String(e);
          // The customer's number refused for good: the next provider would refuse it too.
          if (recipientRefusal(e)) throw e;
          // No answer (a timeout, the connection lost under it) or no connection: out at once.
          if (!(e instanceof DeliveryError) || e.outcome === 'unknown' || connectionFailure(e)) health.trip(`${p.name}: ${text}`);
          else health.record(false, text);
          throw e;
        }
      },
    };
  });
}
