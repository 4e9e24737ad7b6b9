// Which provider takes which new SMS, from the providers' order, prefixes and health: the first
// healthy provider takes every number, except numbers whose operator prefix a healthy provider is
// preferred for. Each provider's worker lane claims only its share (a recipient filter on the
// claim), so a message is held by one lane, that is sent to one provider, at a time.
import type { ProviderHealth } from './health.js';

/** Which recipients a lane claims: all but `exclude`, or only `include` (E.164 LIKE patterns). */
export interface RecipientFilter {
  include?: string[];
  exclude?: string[];
}

export interface RoutedProvider {
  name: string;
  /** Digits after +359 this provider is preferred for. */
  prefixes: readonly string[];
  health: ProviderHealth;
}

/** The LIKE pattern of the Bulgarian numbers starting with a prefix (recipients are E.164). */
export const prefixPattern = (prefix: string) => `+359${prefix}%`;

/**
 * The share of each provider now: a filter, or null when it takes nothing (in standby or down).
 * With no healthy provider, the first one still connected takes everything (prefixes ignored):
 * failing over needs somewhere better to go, and a lone provider is never put in standby.
 */
export function routeShares(providers: readonly RoutedProvider[]): Map<string, RecipientFilter | null> {
  const shares = new Map<string, RecipientFilter | null>(providers.map((p) => [p.name, null]));
  const healthy = providers.filter((p) => p.health.healthy());
  const first = healthy[0] ?? providers.find((p) => p.health.connected());
  if (first === undefined) return shares;
  if (healthy.length === 0) {
    shares.set(first.name, {});
    return shares;
  }
  // Each prefix belongs to the first healthy provider that lists it.
  const owner = new Map<string, string>();
  for (const p of healthy) for (const prefix of p.prefixes) if (!owner.has(prefix)) owner.set(prefix, p.name);
  const exclude = [...owner].filter(([, name]) => name !== first.name).map(([prefix]) => prefixPattern(prefix));
  shares.set(first.name, exclude.length > 0 ? { exclude } : {});
  for (const p of healthy) {
    if (p === first) continue;
    const include = [...owner].filter(([, name]) => name === p.name).map(([prefix]) => prefixPattern(prefix));
    if (include.length > 0) shares.set(p.name, { include });
  }
  return shares;
}
