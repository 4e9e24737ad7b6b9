// The send window: at most `size` requests awaiting their response. It bounds both the load on
// the SMSC and how many messages can end with an unknown outcome when the link drops.

export interface SendWindow {
  /** Resolves when a slot is free; slots are handed out in the order they were asked for. */
  acquire(): Promise<void>;
  release(): void;
  /** Rejects everyone still waiting for a slot (they have sent nothing). */
  rejectWaiting(error: Error): void;
  /** Resolves once no slot is held. */
  whenIdle(): Promise<void>;
  readonly inFlight: number;
}

export function sendWindow(size: number): SendWindow {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`send window must be a positive integer, got ${size}`);
  let inFlight = 0;
  const waiting: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  let idle: Array<() => void> = [];
  return {
    get inFlight() {
      return inFlight;
    },
    acquire() {
      if (inFlight < size && waiting.length === 0) {
        inFlight++;
        return Promise.resolve();
      }
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    release() {
      const next = waiting.shift();
      if (next !== undefined) return next.resolve(); // the slot passes on without being freed
      inFlight--;
      if (inFlight === 0) {
        const waiters = idle;
        idle = [];
        for (const w of waiters) w();
      }
    },
    rejectWaiting(error) {
      for (const w of waiting.splice(0)) w.reject(error);
    },
    whenIdle() {
      return inFlight === 0 ? Promise.resolve() : new Promise((resolve) => idle.push(resolve));
    },
  };
}
