/**
 * The wait before retry number `attempt` (0 for the first): doubling from `minMs`, capped at
 * `maxMs`, with jitter (uniform in the upper half of the step, never below `minMs`) so that
 * many clients cut off together do not come back together.
 */
export function backoffDelay(attempt: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const step = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return Math.max(minMs, Math.round(step / 2 + random() * (step / 2)));
}
