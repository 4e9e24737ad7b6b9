import { readFileSync } from 'node:fs';
import type { Config } from '../config.js';
import type { Database } from '../db/open.js';
import { appSecret } from '../db/app-secret.js';
import type { Logger } from '../log.js';
import { emailChannel } from './channels/email.js';
import { httpSmsChannel } from './channels/http-sms.js';
import { sandboxChannel } from './channels/sandbox.js';
import { smppChannel } from './channels/smpp.js';
import type { Channel } from './channels/types.js';
import { defaultDeliveryConfig, type DeliveryConfig } from './config.js';
import { httpSmsConfigSchema } from './http-sms/config.js';
import type { FailureContext } from './outbox/fallback.js';
import type { Renderer } from './outbox/message.js';
import { unsubscribeToken } from './unsubscribe-token.js';

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

/** The configured provider of each channel; a channel with none goes to the sandbox. */
export async function buildChannels(config: Config, database: Database, logger: Logger, failure: FailureContext): Promise<Channel[]> {
  const d = config.delivery;
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
        reconnectMinMs: 1000,
        reconnectMaxMs: 60_000,
        receiptTimeZone: d.smpp.receiptTimeZone,
        readyTimeoutMs: 5000,
        db: database.db,
        failure,
        logger,
      }),
    );
  } else if (d.httpSms) {
    const cfg = httpSmsConfigSchema.parse({ ...d.httpSms.options, url: d.httpSms.url });
    channels.push(httpSmsChannel(cfg, { name: 'http-sms', callbackUrl: `${config.http.publicUrl}/api/v1/delivery/http-sms/callback` }));
  } else {
    channels.push(sandboxChannel('sms'));
  }
  if (d.smtp) {
    // Emails to subscribers carry an RFC 8058 one-click link, which must be https: with any other
    // URL every such email would fail to compose and be retried for hours, sending nothing.
    if (!config.http.publicUrl.startsWith('https://')) {
      throw new Error(`PUBLIC_URL must be an https:// URL when SMTP_URL is set (one-click unsubscribe links, RFC 8058); it is ${config.http.publicUrl}`);
    }
    const secret = await appSecret(database, 'unsubscribe');
    channels.push(
      emailChannel({
        name: 'smtp',
        url: d.smtp.url,
        maxConnections: d.smtp.poolSize,
        from: d.smtp.from,
        domain: d.smtp.domain,
        ...(d.smtp.bounceDomain ? { bounceDomain: d.smtp.bounceDomain } : {}),
        ...(d.smtp.dkim ? { dkim: { domainName: d.smtp.dkim.domain, keySelector: d.smtp.dkim.selector, privateKey: readFileSync(d.smtp.dkim.keyFile, 'utf8') } } : {}),
        unsubscribeUrl: (id) => `${config.http.publicUrl}/u/${unsubscribeToken(secret, id)}`,
      }),
    );
  } else {
    channels.push(sandboxChannel('email'));
  }
  for (const c of channels) if (c.name === 'sandbox') logger.warn({ channel: c.channel }, `no ${c.channel} provider configured: ${c.channel} messages go to the sandbox (/dev/outbox)`);
  return channels;
}

export function failureContext(config: Config, render: Renderer): FailureContext {
  return { render, hardFailureThreshold: config.delivery.hardFailureThreshold };
}
