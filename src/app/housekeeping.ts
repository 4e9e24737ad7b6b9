import type { Logger } from '../log.js';

export interface Chore {
  name: string;
  everyMs: number;
  run(): Promise<unknown>;
}

/**
 * The periodic chores of a process (forgetting expired portal flows and staff sessions, reading
 * template versions saved elsewhere, ...), started and stopped by the composition root. A chore
 * never overlaps itself; a failed one is tried again at its next turn. Failures in a row are logged
 * once (a database restart would otherwise log a line every two seconds), and so is the recovery.
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
      let failing = false;
      const timer = setInterval(() => {
        if (busy) return;
        busy = true;
        const p = chore
          .run()
          .then(
            () => {
              if (failing) this.logger.info({ chore: chore.name }, `${chore.name} works again`);
              failing = false;
            },
            (err: unknown) => {
              if (!failing) this.logger.warn({ err, chore: chore.name }, `${chore.name} failed; trying again every ${chore.everyMs / 1000} s`);
              failing = true;
            },
          )
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
