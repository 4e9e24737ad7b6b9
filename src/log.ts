import pino from 'pino';
import pretty from 'pino-pretty';
import { safeRequest } from './http/log-redaction.js';

export type Logger = pino.Logger;

export type LogFormat = 'json' | 'pretty' | 'auto';

/**
 * What every logger of the program shares: the request serializer that keeps secrets in URLs out,
 * and `redact` for credentials anywhere a line might carry headers (an error with its request, a
 * client library's debug object).
 */
export function logOptions(level: string): pino.LoggerOptions {
  return {
    level,
    base: { service: 'izvestie' },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { req: safeRequest },
    redact: {
      paths: [
        '*.headers.authorization',
        '*.headers.cookie',
        '*.headers["set-cookie"]',
        '*.headers["x-api-key"]',
        '*.headers["x-callback-token"]',
        'headers.authorization',
        'headers.cookie',
        'headers["x-api-key"]',
        'headers["x-callback-token"]',
        '*.password',
        '*.token',
        '*.flow_token',
      ],
      censor: '[redacted]',
    },
  };
}

/**
 * Readable lines for a person at a terminal, JSON for anything that collects logs (a pipe, a file,
 * journald); `auto` tells them apart by whether stdout is a terminal.
 */
export function createLogger(level: string, format: LogFormat = 'json'): Logger {
  const options = logOptions(level);
  const human = format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true);
  if (!human) return pino(options);
  // In-process and synchronous, so a line written just before exit is not lost with a worker thread.
  return pino(options, pretty({ sync: true, colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss', ignore: 'service' }));
}

export const silentLogger: Logger = pino({ level: 'silent' });
