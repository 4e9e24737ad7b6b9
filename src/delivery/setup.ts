import type { Config } from '../config.js';
import type { Database } from '../db/open.js';
import type { Logger } from '../log.js';
import { emailChannel } from './channels/email.js';
import { httpSmsChannel } from './channels/http-sms.js';
import { sandboxChannel } from './channels/sandbox.js';
import { smppChannel } from './channels/smpp.js';
import type { Channel } from './channels/types.js';
import { defaultDeliveryConfig, type DeliveryConfig } from './config.js';
import type { FailureContext } from './outbox/fallback.js';
import { missingProviders } from './providers.js';

export function deliveryConfigFrom(config: Config): DeliveryConfig {
  const d = config.delivery;
  return {
    ...defaultDeliveryConfig,
    leaseSeconds: d.leaseSeconds,
    maxRetryAgeMs: d.maxRetryAgeMs,
    hardFailureThreshold: d.hardFailureThreshold,
    sendWindows: { sms: d.smsWindow, email: d.emailWindow } as DeliveryConfig['sendWindows'],
    smsPricePerSegmentMinor: d.smsPricePerSegmentMinor,
    pacing: {
      ...defaultDeliveryConfig.pacing,
      // The worker's window bounds what is under way (and so what a killed worker may send twice); the
      // protocol's own window (submit_sm awaiting an answer, SMTP connections) is narrower. The room
      // between them keeps the provider busy while attempts and outcomes wait for their commit.
      ...(d.smpp ? { smpp: { ratePerSecond: d.smpp.rate, window: d.smpp.inFlight } } : {}),
      ...(d.httpSms ? { 'http-sms': { ratePerSecond: d.httpSms.rate, window: 10 } } : {}),
      ...(d.smtp ? { smtp: { ratePerSecond: d.smtp.rate, window: d.smtp.inFlight } } : {}),
    },
  };
}

/**
 * The configured provider of each channel, or the sandbox for all while it is on (the demo, or
 * IZVESTIE_SANDBOX=on). A channel without a provider has no lane: its messages wait in the queue,
 * counted on the providers page and in /metrics, until a provider is configured.
 */
export function buildChannels(config: Config, database: Database, logger: Logger, failure: FailureContext, unsubscribeUrl: (subscriptionId: number) => string): Channel[] {
  const d = config.delivery;
  // IZVESTIE_SANDBOX=on means what every page's banner says: nothing is really sent, whatever is configured.
  if (config.sandbox) {
    logger.warn('sandbox: messages are recorded, not sent (/dev/outbox)');
    return [sandboxChannel('sms'), sandboxChannel('email')];
  }
  const channels: Channel[] = [];
  if (d.smpp) {
    channels.push(
      smppChannel({
        name: 'smpp',
        url: d.smpp.url,
        sourceAddr: d.smpp.sourceAddr,
        window: d.smpp.window,
        responseTimeoutMs: 10_000,
        enquireLinkMs: 30_000,
        // Capped low: an SMSC back after an outage is found within seconds, not after a minute's back-off.
        reconnectMinMs: 1000,
        reconnectMaxMs: 5000,
        receiptTimeZone: d.smpp.receiptTimeZone,
        readyTimeoutMs: 5000,
        db: database.db,
        failure,
        logger,
      }),
    );
  } else if (d.httpSms) {
    channels.push(httpSmsChannel(d.httpSms.options, { name: 'http-sms', callbackUrl: `${config.http.publicUrl}/api/v1/delivery/http-sms/callback` }));
  }
  if (d.smtp) {
    channels.push(
      emailChannel({
        name: 'smtp',
        url: d.smtp.url,
        maxConnections: d.smtp.poolSize,
        from: d.smtp.from,
        domain: d.smtp.domain,
        ...(d.smtp.bounceDomain ? { bounceDomain: d.smtp.bounceDomain } : {}),
        ...(d.smtp.dkim ? { dkim: { domainName: d.smtp.dkim.domain, keySelector: d.smtp.dkim.selector, privateKey: d.smtp.dkim.privateKey } } : {}),
        unsubscribeUrl,
      }),
    );
  }
  for (const m of missingProviders(config)) logger.warn({ channel: m.channel }, `no ${m.channel} provider configured: ${m.channel} messages wait in the queue until one is (${m.setting})`);
  return channels;
}
