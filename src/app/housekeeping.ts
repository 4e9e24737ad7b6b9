import type { Logger } from '../log.js';

export interface Chore {
  name: string;
  everyMs: number;
  run(): Promise<unknown>;
}

/**
 * The periodic chores of a process (forgetting expired portal flows and staff sessions, reading
 * template versions saved elsewhere, ...), started and stopped by the composition root. A chore
 * never overlaps itself; a failed one is logged and tried again at its next turn.
 */
export class Housekeeping {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    private readonly chores: readonly Chore[],
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (this.timers.length > 0) throw new Error('housekeeping is already running');
    for (const chore of this.chores) {
      let busy = false;
      const timer = setInterval(() => {
        if (busy) return;
        busy = true;
        const p = chore
          .run()
          .catch((err: unknown) => this.logger.warn({ err, chore: chore.name }, `${chore.name} failed; trying again later`))
          .finally(() => {
            busy = false;
            this.running.delete(p);
          });
        this.running.add(p);
      }, chore.everyMs);
      timer.unref();
      this.timers.push(timer);
    }
  }

  /** Stops the timers and waits for the chores under way. */
  async stop(): Promise<void> {
    for (const t of this.timers.splice(0)) clearInterval(t);
    await Promise.allSettled([...this.running]);
  }
}
