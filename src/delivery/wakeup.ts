/**
 * A sleep that a signal cuts short; a signal given while nobody sleeps ends the next sleep at once,
 * so one given between a check and the sleep that follows it is not lost.
 */
export interface Wakeup {
  sleep(ms: number): Promise<void>;
  signal(): void;
}

export function wakeup(): Wakeup {
  let signalled = false;
  let wake: (() => void) | null = null;
  return {
    sleep(ms) {
      if (signalled) {
        signalled = false;
        return Promise.resolve();
      }
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          wake = null;
          signalled = false;
          resolve();
        };
        const timer = setTimeout(done, ms);
        wake = done;
      });
    },
    signal() {
      signalled = true;
      wake?.();
    },
  };
}
