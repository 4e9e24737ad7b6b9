import type { Config } from '../config.js';
import type { Database } from '../db/open.js';
import type { Logger } from '../log.js';
import { emailChannel } from './channels/email.js';
import { sandboxChannel } from './channels/sandbox.js';
import type { Channel } from './channels/types.js';
import { defaultDeliveryConfig, type DeliveryConfig } from './config.js';
import type { FailureContext } from './outbox/fallback.js';
import { missingProviders } from './providers.js';
import { smsProviderChannels } from './sms-providers/channels.js';
import { viberChannel } from './viber/channel.js';
import { VIBER_CALLBACK_PATH, VIBER_PROVIDER_NAME } from './viber/settings.js';

export function deliveryConfigFrom(config: Config): DeliveryConfig {
  const d = config.delivery;
  return {
    ...defaultDeliveryConfig,
    leaseSeconds: d.leaseSeconds,
    maxRetryAgeMs: d.maxRetryAgeMs,
    hardFailureThreshold: d.hardFailureThreshold,
    // Viber reaches the same phone as the SMS: the same quiet hours.
    sendWindows: { sms: d.smsWindow, email: d.emailWindow, viber: d.smsWindow } as DeliveryConfig['sendWindows'],
    smsPricePerSegmentMinor: d.smsPricePerSegmentMinor,
    pacing: {
      ...defaultDeliveryConfig.pacing,
      // The worker's window bounds what is under way (and so what a killed worker may send twice); the
      // protocol's own window (submit_sm awaiting an answer, SMTP connections) is narrower. The room
      // between them keeps the provider busy while attempts and outcomes wait for their commit.
      // Each SMS provider its own rate and in-flight window (its lane's), by its name.
      ...Object.fromEntries(d.smsProviders.map((p) => [p.name, { ratePerSecond: p.rate, window: p.inFlight }])),
      ...(d.smtp ? { smtp: { ratePerSecond: d.smtp.rate, window: d.smtp.inFlight } } : {}),
      ...(d.viber ? { [VIBER_PROVIDER_NAME]: { ratePerSecond: d.viber.rate, window: 4 * d.viber.options.batchSize } } : {}),
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
  // Every SMS provider in priority order, each its own lane; new messages go to the first healthy one.
  if (d.smsProviders.length > 0) {
    channels.push(
      ...smsProviderChannels(d.smsProviders, {
        db: database.db,
        failure,
        logger,
        deliveryUrl: `${config.http.publicUrl}/api/v1/delivery`,
        failover: d.smsFailover,
        smpp: { rateScope: d.smppRateScope, reassemblyMs: d.smppReassemblyMs },
      }),
    );
  }
  // Viber (VIBER_PROVIDER): its own lane; its failures and timeouts fall back to the SMS lane.
  if (d.viber) {
    channels.push(viberChannel(d.viber, { name: VIBER_PROVIDER_NAME, callbackUrl: `${config.http.publicUrl}/api/v1/delivery${VIBER_CALLBACK_PATH}`, priceMinor: d.viber.pricePerMessageMinor, render: failure.render }));
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
