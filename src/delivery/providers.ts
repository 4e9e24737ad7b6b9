// Which channels have nowhere to go. With the sandbox off, a channel without a provider is not sent
// at all: its messages stay queued, unclaimed, until the setting named here is given. Start-up's
// warning, the back-office providers page and /metrics all use this one rule.
import type { Config } from '../config.js';

export type ProvidedChannel = 'sms' | 'email';

export interface MissingProvider {
  channel: ProvidedChannel;
  /** The setting that would give the channel a provider. */
  setting: string;
}

export function missingProviders(config: Config): MissingProvider[] {
  if (config.sandbox) return [];
  const d = config.delivery;
  const missing: MissingProvider[] = [];
  if (d.smsProviders.length === 0) missing.push({ channel: 'sms', setting: 'SMPP_URL or HTTP_SMS_URL' });
  if (!d.smtp) missing.push({ channel: 'email', setting: 'SMTP_URL' });
  return missing;
}
