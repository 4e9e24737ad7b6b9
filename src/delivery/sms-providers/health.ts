// Whether one SMS provider should take new messages, as seen by this worker process: taken out at
// once when its connection is lost (no bind) or a send's fate is unknown (a timeout, a connection
// dropped under it), or when its failed sends exceed a share over a sliding window; let back in
// after background probes have succeeded for the recovery time. A circuit breaker, per provider.
import type { SmsFailoverSettings } from './settings.js';

export type HealthState = 'healthy' | 'unhealthy';

export interface HealthChange {
  provider: string;
  healthy: boolean;
  /** Why it changed (the failure, or "probes succeeded for N s"). */
  reason: string;
  at: Date;
}

export interface ProviderHealth {
  readonly provider: string;
  /** Healthy and connected: may take new messages. */
  healthy(): boolean;
  /** Connected (an SMPP session bound; always true for HTTP): may send when nothing healthier exists. */
  connected(): boolean;
  /** A send's answer: accepted (true) or refused by the provider (false, with the reason); never a refusal of the customer's number (blame.ts). */
  record(ok: boolean, error?: string): void;
  /** A send whose fate is unknown (timeout, connection lost under it): out of the rotation at once. */
  trip(reason: string): void;
  /** Called by the probe loop with the probe's result. */
  probed(ok: boolean, error?: string): void;
  lastError(): { error: string; at: Date } | null;
  /** The start is over (its bind waited for): from now on, not connected counts as a lost connection. */
  started(): void;
}

export interface HealthOptions {
  provider: string;
  settings: SmsFailoverSettings;
  /** Whether the provider's connection is up now (SMPP: bound); absent: always. */
  connected?: () => boolean;
  onChange?: (c: HealthChange) => void;
  /** Monotonic milliseconds. */
  clock?: () => number;
  now?: () => Date;
}

export function providerHealth(o: HealthOptions): ProviderHealth {
  const clock = o.clock ?? (() => performance.now());
  const now = o.now ?? (() => new Date());
  const { failureRate, windowMs, minSamples, recoveryMs } = o.settings;
  // Samples per second of the window: a ring of counters, so a busy provider costs no memory per send.
  const slots = Math.max(1, Math.ceil(windowMs / 1000));
  const ok = new Array<number>(slots).fill(0);
  const bad = new Array<number>(slots).fill(0);
  let slotSecond = Math.floor(clock() / 1000);
  let state: HealthState = 'healthy';
  // Unhealthy: since when the probes have succeeded without a failure (null: the last one failed).
  let probingSince: number | null = null;
  let last: { error: string; at: Date } | null = null;
  const connected = () => o.connected?.() ?? true;
  // Until the first bind (or the end of the start), not being connected is no failure: it is not yet.
  let judged = false;

  const advance = () => {
    const sec = Math.floor(clock() / 1000);
    if (sec - slotSecond >= slots) {
      ok.fill(0);
      bad.fill(0);
    } else {
      for (let s = slotSecond + 1; s <= sec; s++) {
        ok[s % slots] = 0;
        bad[s % slots] = 0;
      }
    }
    slotSecond = sec;
    return sec % slots;
  };

  const change = (to: HealthState, reason: string) => {
    if (state === to) return;
    state = to;
    probingSince = null;
    if (to === 'healthy') {
      // A clean slate: the failures that took it out must not take it out again at once.
      ok.fill(0);
      bad.fill(0);
    }
    o.onChange?.({ provider: o.provider, healthy: to === 'healthy', reason, at: now() });
  };

  const failed = (error: string) => {
    last = { error, at: now() };
  };

  return {
    provider: o.provider,
    healthy: () => {
      const up = connected();
      if (up) judged = true;
      else if (state === 'healthy' && judged) change('unhealthy', 'connection lost (not bound)');
      return state === 'healthy' && up;
    },
    started() {
      judged = true;
    },
    connected,
    record(success, error) {
      const i = advance();
      if (success) ok[i] = (ok[i] ?? 0) + 1;
      else {
        bad[i] = (bad[i] ?? 0) + 1;
        failed(error ?? 'refused');
      }
      if (state !== 'healthy' || success) return;
      let good = 0;
      let failures = 0;
      for (let s = 0; s < slots; s++) {
        good += ok[s] ?? 0;
        failures += bad[s] ?? 0;
      }
      const total = good + failures;
      if (total >= minSamples && failures / total > failureRate) {
        change('unhealthy', `${failures} of ${total} sends failed in ${Math.round(windowMs / 1000)} s (above ${Math.round(failureRate * 100)}%): ${error ?? 'refused'}`);
      }
    },
    trip(reason) {
      failed(reason);
      change('unhealthy', reason);
    },
    probed(success, error) {
      if (!success) {
        probingSince = null;
        if (error) failed(error);
        if (state === 'healthy') change('unhealthy', error ?? 'probe failed');
        return;
      }
      if (state === 'healthy') return;
      const t = clock();
      probingSince ??= t;
      if (t - probingSince >= recoveryMs) change('healthy', `probes succeeded for ${Math.round((t - probingSince) / 1000)} s`);
    },
    lastError: () => last,
  };
}
