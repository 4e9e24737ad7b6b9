// Each configured SMS provider with its settings, its health as the workers last reported it and
// its share of the SMS attempts (the last hour and today, Sofia time): for the back-office
// providers page and /metrics.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { sofiaDate, sofiaInstant } from '../../dunning/calendar/index.js';
import type { SmsProviderSettings } from './settings.js';
import { latestHealth, trafficShares, type HealthReport, type TrafficShare } from './state.js';

export interface SmsProviderOverview {
  /** 1 = the primary. */
  order: number;
  settings: SmsProviderSettings;
  /** null: no worker has reported on it yet. */
  health: HealthReport | null;
  lastHour: TrafficShare;
  today: TrafficShare;
}

export async function smsProviderOverview(db: Kysely<DB>, providers: readonly SmsProviderSettings[], now: Date): Promise<SmsProviderOverview[]> {
  if (providers.length === 0) return [];
  const names = providers.map((p) => p.name);
  const health = await latestHealth(db);
  const hour = await trafficShares(db, names, new Date(now.getTime() - 3_600_000));
  const today = await trafficShares(db, names, sofiaInstant(sofiaDate(now), '00:00'));
  const empty = (provider: string): TrafficShare => ({ provider, attempts: 0, accepted: 0, share: 0 });
  return providers.map((settings, i) => ({
    order: i + 1,
    settings,
    health: health.get(settings.name) ?? null,
    lastHour: hour.find((s) => s.provider === settings.name) ?? empty(settings.name),
    today: today.find((s) => s.provider === settings.name) ?? empty(settings.name),
  }));
}
