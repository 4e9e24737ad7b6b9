// `izvestie worker` as a child process, the way production runs it, so a test can kill it with
// SIGKILL in the middle of a batch and start another one on the same database.
import { spawn, type ChildProcess } from 'node:child_process';
import { programArgs } from './program-command.js';

export interface WorkerProcess {
  readonly pid: number;
  /** Resolves with the exit code, or the signal that ended the process. */
  readonly exited: Promise<number | NodeJS.Signals>;
  /** What the process wrote to stdout and stderr (pino lines), for failure messages. */
  output(): string;
  kill(signal: NodeJS.Signals): void;
}

/** Starts `izvestie worker` (see program-command.ts) with the given environment on top of ours. */
export function startWorkerProcess(env: Record<string, string>): WorkerProcess {
  return startCliProcess(['worker'], env);
}

/** Starts `izvestie <args>` (`start`, say) the same way. */
export function startCliProcess(args: readonly string[], env: Record<string, string>): WorkerProcess {
  const child: ChildProcess = spawn(process.execPath, [...programArgs(), ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error('the worker process did not start');
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | NodeJS.Signals>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code ?? -1)));
  return {
    pid: child.pid,
    exited,
    output: () => out,
    kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}
