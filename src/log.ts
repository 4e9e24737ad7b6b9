import pino from 'pino';
import pretty from 'pino-pretty';

export type Logger = pino.Logger;

export type LogFormat = 'json' | 'pretty' | 'auto';

/**
 * Readable lines for a person at a terminal, JSON for anything that collects logs (a pipe, a file,
 * journald); `auto` tells them apart by whether stdout is a terminal.
 */
export function createLogger(level: string, format: LogFormat = 'json'): Logger {
  const options: pino.LoggerOptions = { level, base: { service: 'izvestie' }, timestamp: pino.stdTimeFunctions.isoTime };
  const human = format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true);
  if (!human) return pino(options);
  // In-process and synchronous, so a line written just before exit is not lost with a worker thread.
  return pino(options, pretty({ sync: true, colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss', ignore: 'service' }));
}

export const silentLogger: Logger = pino({ level: 'silent' });
